"""The registry of GAN models: a name for each class, so a checkpoint can rebuild its model.

A checkpoint stores the model's registry name and constructor config; :func:`build_model`
turns them back into an object, and :func:`load_model` does that and loads the weights:

    model = load_model("runs/vanilla/checkpoint.npz")
    images = model.sample(16)

The table maps names to ``"module:Class"`` strings and imports a model's module only when it
is asked for. A new model adds one line.
"""
from __future__ import annotations

import importlib

MODELS = {
    "vanilla": "minigan.gan.models.mlp:VanillaGAN",
    "dcgan": "minigan.gan.models.dcgan:DCGAN",
    "lsgan": "minigan.gan.models.lsgan:LSGAN",
    "cgan": "minigan.gan.models.conditional:ConditionalGAN",
    "wgan": "minigan.gan.models.wgan:WGAN",
    "toy": "minigan.gan.models.toy:ToyGAN",
    "pix2pix": "minigan.gan.models.pix2pix:Pix2Pix",
    "cyclegan": "minigan.gan.models.cyclegan:CycleGAN",
}


def get_model_class(name: str):
    """The class registered as ``name``."""
    if name not in MODELS:
        raise ValueError(f"unknown GAN model {name!r}; minigan knows {sorted(MODELS)}")
    module, cls = MODELS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def build_model(name: str, config: dict, device=None):
    """A fresh model ``name`` built from its constructor ``config`` (untrained weights)."""
    cls = get_model_class(name)
    try:
        return cls(**config, device=device)
    except TypeError as err:
        raise ValueError(f"cannot rebuild model {name!r} from config {config}: {err}") from None


def load_model(path, device=None):
    """The model saved in checkpoint ``path``, with its trained weights and optimizer states."""
    from minigan.checkpoint import load_checkpoint

    arrays, meta = load_checkpoint(path)
    info = meta.get("model")
    if not isinstance(info, dict) or "name" not in info or "config" not in info:
        raise ValueError(f"checkpoint {str(path)!r} does not say which model it holds "
                         "(its meta has no model name and config)")
    model = build_model(info["name"], info["config"], device=device)
    model.load_state(arrays, meta.get("model_state", {}))
    return model
