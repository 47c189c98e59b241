"""CycleGAN on unpaired digits: handwritten MNIST digits (domain A) <-> digits printed in the
fonts matplotlib ships (domain B), learnt without a single matched pair.

    python examples/cyclegan_digits.py              # ~15 min on 2 cores
    python examples/cyclegan_digits.py --data DIR   # your images: DIR/trainA, DIR/trainB (testA, testB)

Each epoch's grid shows held-out A, G_AB(A) and G_BA(G_AB(A)), then B, G_BA(B) and
G_AB(G_BA(B)). At the end the script measures, on held-out images, the cycle-reconstruction
L1 in both directions and, for digits, the two halves of CycleGAN's claim:

* the content survives: how often the judge reads the same digit on G_AB(a) as on a (and its
  accuracy on the originals, the translations and the round trip); the judge learnt
  handwriting, so a reader of both styles, trained on both labelled training sets, also says
  how often each translation still shows its digit;
* the style moves: a small classifier trained to tell handwritten from printed digits
  (:mod:`minigan.metrics.style`, scored on held-out real digits of both kinds first) says how
  many translations land on the other domain's side.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigan  # noqa: E402
from minigan.commandline import nonnegative_float, positive_int, run_main  # noqa: E402
from minigan.data import UnpairedLoader, load_unaligned_folder, unpaired_digits  # noqa: E402
from minigan.gan.models.cyclegan import CycleGAN  # noqa: E402
from minigan.gan.translation_examples import (load_user_folder, lr_schedule,  # noqa: E402
                                              run_training, save_rows, spread, to_unit_range,
                                              translation_parser, write_results)
from minigan.metrics.translation import cyclegan_digit_figures, l1_distance  # noqa: E402


def load_domains(args, split: str):
    """(A, B, labels_A, labels_B) in [-1, 1]; labels are None for a user's folder."""
    if args.data is None:
        a, la, b, lb = unpaired_digits(split=split, seed=args.seed)
        return to_unit_range(a), to_unit_range(b), la, lb
    a, b = load_user_folder(load_unaligned_folder, args, split, what="images")
    return to_unit_range(a), to_unit_range(b), None, None


def main(argv=None):
    parser = translation_parser(__doc__, out="runs/cyclegan", epochs=6, batch_size=16)
    parser.add_argument("--channels", type=int, choices=(1, 3), default=3,
                        help="with --data: 1 grey, 3 RGB")
    parser.add_argument("--ngf", type=positive_int, default=8,
                        help="generator width (the paper: 64)")
    parser.add_argument("--n-blocks", type=positive_int, default=2,
                        help="residual blocks (the paper: 9 at 256x256, 6 at 128x128)")
    parser.add_argument("--ndf", type=positive_int, default=16, help="discriminator width (64)")
    parser.add_argument("--n-layers", type=positive_int, default=2,
                        help="PatchGAN strided layers (3: 70x70 patches, for 256x256 images)")
    parser.add_argument("--lambda-cycle", type=nonnegative_float, default=10.0,
                        help="cycle-loss weight")
    parser.add_argument("--lambda-identity", type=nonnegative_float, default=0.5,
                        help="identity-loss weight, relative to --lambda-cycle")
    args = parser.parse_args(argv)
    minigan.manual_seed(args.seed)
    a, b, train_la, train_lb = load_domains(args, "train")
    test_a, test_b, test_la, test_lb = load_domains(args, "test")
    model = CycleGAN(a.shape[1], b.shape[1], ngf=args.ngf, n_blocks=args.n_blocks,
                     ndf=args.ndf, n_layers=args.n_layers, lambda_cycle=args.lambda_cycle,
                     lambda_identity=args.lambda_identity if a.shape[1] == b.shape[1] else 0.0,
                     lr=args.lr, device=args.device, **lr_schedule(args.epochs))
    model.set_fixed_inputs(a=spread(test_a, 8), b=spread(test_b, 8))
    print(f"domain A: {len(a)} images, domain B: {len(b)}, {a.shape[-1]}x{a.shape[-1]}; "
          + model.networks["D_A"].describe(a.shape[-2], a.shape[-1]))
    loader = UnpairedLoader(a, b, batch_size=args.batch_size, shuffle=True, device=args.device)
    history = run_training(model, loader, args, "CycleGAN")
    if not history["epoch_seconds"]:
        return None

    ab, aba = (t.numpy() for t in model.round_trip(test_a, "AtoB"))
    ba, bab = (t.numpy() for t in model.round_trip(test_b, "BtoA"))
    results = {"seconds_per_epoch": sum(history["epoch_seconds"]) / len(history["epoch_seconds"]),
               "cycle_l1_A": l1_distance(aba, test_a), "cycle_l1_B": l1_distance(bab, test_b)}
    print(f"\nheld-out cycle-reconstruction L1 (in [-1, 1] units): A->B->A "
          f"{results['cycle_l1_A']:.4f}, B->A->B {results['cycle_l1_B']:.4f}")
    if test_la is not None:  # digits: does the content survive the trip, does the style move?
        results.update(cyclegan_digit_figures(model, (a, b), (test_a, test_b, test_la, test_lb),
                                              train_labels=(train_la, train_lb)))
        print("the judge's digit accuracy (held out):\n"
              f"  handwritten originals         {100 * results['judge_handwritten']:5.1f}%\n"
              f"  ... translated to printed     {100 * results['judge_translated_to_printed']:5.1f}%"
              f"   (real printed digits: {100 * results['judge_printed']:.1f}%: the judge "
              "learnt handwriting)\n"
              f"  ... and back to handwritten   {100 * results['judge_round_trip']:5.1f}%\n"
              f"  printed translated to handwritten "
              f"{100 * results['judge_printed_to_handwritten']:5.1f}%\n"
              f"  same digit on G_AB(a) as on a {100 * results['judge_same_digit_AB']:5.1f}%")
        print("a reader of both styles (trained on both labelled training sets; right on "
              f"{100 * results['reader_handwritten']:.1f}% of held-out handwritten and "
              f"{100 * results['reader_printed']:.1f}% of printed digits):\n"
              f"  G_AB(a) shows a's digit       {100 * results['reader_kept_AB']:5.1f}%\n"
              f"  G_BA(b) shows b's digit       {100 * results['reader_kept_BA']:5.1f}%")
        print("the style classifier (handwritten vs printed; "
              f"{100 * results['style_accuracy_real']:.1f}% right on held-out real digits):\n"
              f"  G_AB(a) read as printed       {100 * results['style_printed_share_of_AB']:5.1f}%"
              f"\n  G_BA(b) read as handwritten   "
              f"{100 * results['style_handwritten_share_of_BA']:5.1f}%")
    path = save_rows(os.path.join(args.out, "translations.png"),
                     [spread(images, 12) for images in (test_a, ab, aba, test_b, ba, bab)],
                     ["A", "G_AB(A)", "G_BA(G_AB(A))", "B", "G_BA(B)", "G_AB(G_BA(B))"],
                     title="held-out images: translated, and back")
    print(f"translations: {path}\nfigures:      {write_results(args.out, results)}")
    return results


if __name__ == "__main__":
    sys.exit(run_main(main))
