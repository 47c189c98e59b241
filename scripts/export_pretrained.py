"""Turn a training checkpoint into a generator file that minigan ships, and print the catalogue
entry (checksum and the judge's figures) for minigan/pretrained/__init__.py.

    python scripts/export_pretrained.py runs/long/checkpoint.npz dcgan-mnist \\
        --command "python scripts/recipe_ablation.py ..." --summary "DCGAN, ..."

The generator is stored in float16 only if the judge's figures from the half-precision file
equal those from float32 to the digits the catalogue prints (shares to 0.1 points, the FID to
0.1); otherwise in float32. Both are measured on the same noise (seeds 0, 1, 2).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from minigan import pretrained
from minigan.gan.models import load_model


def same_to_printed_digits(a: dict, b: dict) -> bool:
    """Whether two sets of figures agree to what the catalogue prints: shares to 0.1 points
    (0.001 as a fraction), the FID to 0.1."""
    def printed(key, value):
        return round(value * (10 if key == "fid" else 1000))

    return all(printed(key, x) == printed(key, y)
               for key in a for x, y in zip(a[key], b[key]))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("name", help="the catalogue name, e.g. dcgan-mnist")
    p.add_argument("--command", required=True, help="the exact command that trained it")
    p.add_argument("--summary", required=True, help="one line: what it is")
    p.add_argument("--samples", type=int, default=10000)
    args = p.parse_args(argv)

    model = load_model(args.checkpoint)
    note = {"command": args.command, "source_checkpoint": os.path.basename(args.checkpoint)}
    with tempfile.TemporaryDirectory() as scratch:
        files = {half: os.path.join(scratch, f"{half}.npz") for half in (True, False)}
        figures = {}
        for half, path in files.items():
            pretrained.export_generator(model, path, half=half, note=note)
            figures[half] = pretrained.judge_figures(pretrained.load_generator(path),
                                                     n=args.samples)
            print(f"{'float16' if half else 'float32'}: "
                  f"{pretrained.format_figures(figures[half])}", flush=True)
        half = same_to_printed_digits(figures[True], figures[False])
        target = pretrained.FOLDER / f"{args.name}.npz"
        digest = pretrained.export_generator(model, target, half=half, note=note)
    size = target.stat().st_size
    print(f"wrote {target} ({size / 1e6:.2f} MB, {'float16' if half else 'float32'})")
    print("catalogue entry:")
    print(json.dumps({"name": args.name, "file": target.name, "sha256": digest,
                      "summary": args.summary, "command": args.command,
                      "figures": figures[half]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
