"""pix2pix on paired digits: complete a digit from its upper half (or another task), with the
adversarial loss plus 100 x L1, beside a generator trained with L1 alone.

    python examples/pix2pix_digits.py                       # upper half -> whole digit
    python examples/pix2pix_digits.py --task superres       # 8x8 mosaic -> digit
    python examples/pix2pix_digits.py --task edges          # outline -> digit
    python examples/pix2pix_digits.py --task thickness      # thin strokes -> thick strokes
    python examples/pix2pix_digits.py --data DIR            # your pairs: DIR/train/*.png (A|B)

Why completion by default: the top of a 7 could end as a 7 or a 9, so many digits fit one
input. L1 alone is then minimised by a blend of them, a blur; the adversarial loss asks for
one answer a discriminator cannot tell from a real digit. From an outline (``--task edges``)
the answer is unique and L1 alone does as well as pix2pix; an 8x8 mosaic (``--task
superres``) turned out to leave too little doubt too (README: the measured figures).

The data are made from MNIST (the bundled 5,000 digits offline; 500 of them held out). After
training, both generators translate the held-out inputs, and the script prints their L1
distance to the true targets, their sharpness (mean gradient magnitude, beside the targets'
own) and, for the digit tasks, how the judge reads the outputs: the share it reads
confidently and the share it reads as the digit the input came from. ``comparison.png`` draws
input / L1 only / pix2pix / target rows.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigan  # noqa: E402
from minigan.commandline import nonnegative_float, positive_int, run_main  # noqa: E402
from minigan.data import DataLoader, load_aligned_folder, paired_digits  # noqa: E402
from minigan.data.digit_domains import KINDS  # noqa: E402
from minigan.gan.models.patchgan import PatchGANDiscriminator  # noqa: E402
from minigan.gan.models.pix2pix import Pix2Pix  # noqa: E402
from minigan.gan.translation_examples import (load_user_folder, lr_schedule,  # noqa: E402
                                              run_training, save_rows, spread, to_unit_range,
                                              translation_parser, write_results)
from minigan.metrics.translation import (judge_readings, l1_distance,  # noqa: E402
                                         mean_gradient_magnitude)


def load_pairs(args, split: str):
    """Inputs and targets in [-1, 1], and the digits' labels (None for the user's folder)."""
    if args.data is None:
        inputs, targets, labels = paired_digits(args.task, split=split)
    else:
        inputs, targets = load_user_folder(load_aligned_folder, args, split, what="pairs")
        labels = None
    return to_unit_range(inputs), to_unit_range(targets), labels


def main(argv=None):
    parser = translation_parser(__doc__, out="runs/pix2pix", epochs=20, batch_size=32)
    parser.add_argument("--task", choices=KINDS, default="completion",
                        help="which digit pairs minigan makes (without --data; "
                             "minigan/data/digit_domains.py draws each)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=3,
                        help="with --data: 1 grey, 3 RGB")
    parser.add_argument("--ngf", type=positive_int, default=32,
                        help="generator width (the paper: 64)")
    parser.add_argument("--ndf", type=positive_int, default=32, help="discriminator width (64)")
    parser.add_argument("--n-layers", type=positive_int, default=2,
                        help="PatchGAN strided layers (3: 70x70 patches, for 256x256 images)")
    parser.add_argument("--lambda-l1", type=nonnegative_float, default=100.0,
                        help="weight of the L1 term")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the generator trained with L1 alone")
    args = parser.parse_args(argv)
    minigan.manual_seed(args.seed)
    x, y, _ = load_pairs(args, "train")
    test_x, test_y, test_labels = load_pairs(args, "test")
    size = x.shape[-1]
    num_downs = max(1, min(8, size.bit_length() - 1))  # halve down to 1x1
    common = dict(in_channels=x.shape[1], out_channels=y.shape[1], num_downs=num_downs,
                  ngf=args.ngf, ndf=args.ndf, n_layers=args.n_layers, lambda_l1=args.lambda_l1,
                  lr=args.lr, device=args.device, **lr_schedule(args.epochs))
    print(f"{len(x)} training pairs, {len(test_x)} held out, {size}x{size}; "
          + PatchGANDiscriminator(x.shape[1] + y.shape[1], ndf=args.ndf,
                                  n_layers=args.n_layers).describe(size, size))
    results = {}
    runs = [("pix2pix", True)] + ([] if args.no_baseline else [("l1_only", False)])
    translations = {}
    for name, adversarial in runs:
        model = Pix2Pix(adversarial=adversarial, **common)
        model.set_fixed_inputs(x=spread(test_x, 8), y=spread(test_y, 8))
        loader = DataLoader((x, y), batch_size=args.batch_size, shuffle=True, drop_last=True,
                            device=args.device)
        out = args.out if adversarial else os.path.join(args.out, "l1_only")
        history = run_training(model, loader, args, f"pix2pix ({name})", out=out)
        fake = model.translate(test_x).numpy()
        translations[name] = fake
        results[name] = {"l1_to_target": l1_distance(fake, test_y),
                         "sharpness": mean_gradient_magnitude(fake),
                         **({} if test_labels is None else judge_readings(fake, test_labels)),
                         "seconds_per_epoch": sum(history["epoch_seconds"]) /
                         max(1, len(history["epoch_seconds"]))}
    results["targets"] = {"sharpness": mean_gradient_magnitude(test_y),
                          **({} if test_labels is None else judge_readings(test_y, test_labels))}
    print(f"\nheld-out pairs ({len(test_x)}): L1 to the target (lower is closer), sharpness "
          "(mean gradient magnitude)"
          + ("" if test_labels is None else
             ", and the judge's reading: confident (p > 0.9) and the input's digit"))
    for name in [*translations, "targets"]:
        r = results[name]
        line = f"  {name:8s} " + (f"L1 {r['l1_to_target']:.4f}   " if name != "targets"
                                  else " " * 12) + f"sharpness {r['sharpness']:.4f}"
        if test_labels is not None:
            line += f"   confident {100 * r['confident']:5.1f}%   same digit " \
                    f"{100 * r['same_digit']:5.1f}%"
        print(line)
    rows = [spread(images, 12) for images in [test_x, *translations.values(), test_y]]
    labels = ["input"] + [{"pix2pix": "pix2pix", "l1_only": "L1 only"}[n]
                          for n in translations] + ["target"]
    path = save_rows(os.path.join(args.out, "comparison.png"), rows, labels,
                     title="held-out inputs, translated")
    print(f"comparison:   {path}\nfigures:      {write_results(args.out, results)}")
    return results


if __name__ == "__main__":
    sys.exit(run_main(main))
