"""GANs: the losses, the models, and the one training loop they share.

    from minigan.gan import train, load_model
    from minigan.gan.models.mlp import VanillaGAN

    model = VanillaGAN()
    train(model, loader, epochs=20, out_dir="runs/vanilla")
    model = load_model("runs/vanilla/checkpoint.npz")
"""
from minigan.gan import losses  # noqa: F401
from minigan.gan.base import GANModel  # noqa: F401
from minigan.gan.models import MODELS, build_model, get_model_class, load_model  # noqa: F401
from minigan.gan.trainer import train  # noqa: F401
