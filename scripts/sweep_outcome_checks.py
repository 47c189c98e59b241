"""Measure the checks on a training's outcome over seeds and thread counts.

A check on what a GAN training produced (how many digits the judge reads, whether a loss fell)
must hold for every seed and machine a learner may have. This script measures, for each
lesson that trains something, the numbers its checks compare, with ``MINIGAN_SEED`` set to
each seed and with 1 and 2 threads (threads change the rounding, and so the run), one run at a
time, and appends one JSON line per run to a file; a second call skips the runs already there,
so a sweep that was stopped resumes.

    python scripts/sweep_outcome_checks.py lessons --out /tmp/lessons.jsonl        # normal mode
    python scripts/sweep_outcome_checks.py lessons --fast --out /tmp/fast.jsonl
    python scripts/sweep_outcome_checks.py lessons --lessons 09 10 --seeds 0-4 --threads 1
    python scripts/sweep_outcome_checks.py tests --out /tmp/tests.jsonl            # smoke trainings
    python scripts/sweep_outcome_checks.py summary /tmp/lessons.jsonl              # min, median

The tests' smoke trainings are measured through the ``measure_*(seed, ...)`` function each
such test module defines (the test itself calls it with its own seed and asserts on what it
returns), listed in ``TEST_MEASURES`` below.

Each lesson (and each measure) runs in a fresh process, in a temporary folder, exactly as ``python lessons/...``
would run it except that a failed ``check`` is recorded instead of stopping the lesson, so the
later checks are measured too. ``1 thread`` is ``MINIGAN_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``;
``2 threads`` is ``MINIGAN_NUM_THREADS=2`` with OpenBLAS left at its default, as a learner on
a 2-core machine has it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS_DIR = ROOT / "lessons"

# What each lesson's training checks compare, as expressions over the lesson's variables at the
# end of its run (lessons 01, 02, 04-06, 08 and 14 check no training's outcome).
MEASURES = {
    "03": {"toy_gap_to_mean": "gap_to_mean", "paint_gap": "gap", "judge_accuracy": "accuracy"},
    "07": {"end_gap_over_start": "end_gap / start_gap", "end_gap": "end_gap",
           "std_gap": "abs(final.std() - STD)", "d_inside_min": "d_inside.min()",
           "d_inside_max": "d_inside.max()"},
    "09": {"ns_ratio": "ratio", "hand_losses_finite": "bool(np.isfinite(log['loss_D']).all() "
           "and np.isfinite(log['loss_G']).all())",
           "digits": "verdict['digits_covered']", "confident": "verdict['confident_share']",
           "fid": "verdict['classifier_fid']"},
    "10": {"digits": "verdict['digits_covered']", "confident": "verdict['confident_share']",
           "fid": "verdict['classifier_fid']", "step_over_unrelated": "steps_apart / unrelated",
           "ink_ratio": "out_ink / base_ink"},
    "11": {"accuracy": "accuracy", "digits_over_half": "int((per_digit > 0.5).sum())",
           "spread_ratio": "ratio.mean()", "spread_real_min": "spread_real.min()",
           "confident": "verdict['confident_share']"},
    "12": {"outer": "outer", "norm_clip": "norms['clip'][0]", "norm_gp": "norms['gp'][0]",
           "clip_over_gp": "norms['clip'][0] / norms['gp'][0]",
           "gp_confident": "verdicts['gp']['confident_share']",
           "gp_digits": "verdicts['gp']['digits_covered']",
           "clip_confident": "verdicts['clip']['confident_share']"},
    "13": {f"{remedy}_modes": f"[r['result']['modes'] for r in runs['{remedy}']]"
           for remedy in ("none", "mbstd", "pack")},
    "15": {"cycle_last10_over_first": "np.mean(losses[-10:]) / losses[0]",
           "translations_finite": "bool(all(np.isfinite(f).all() for f in translations.values()))",
           "l1_only_sharpness": "mean_gradient_magnitude(translations['L1 only'])",
           "pix2pix_sharpness": "mean_gradient_magnitude(translations['pix2pix'])"},
    "16": {"sine_last_over_first": "losses[-1] / losses[0]", "matmul_overhead": "overhead[-1]"},
}
SWEPT = ["09", "10", "11", "12", "15", "07", "03", "16"]  # the longest first

# (test file, measure function, the variants its tests run); the seed is swept, the rest fixed.
TEST_MEASURES = [
    ("tests/gan/test_vanilla.py", "measure_smoke_training", [{}]),
    ("tests/gan/test_wgan.py", "measure_wgan_gp_training", [{}]),
    ("tests/gan/test_conditional.py", "measure_short_training", [{}]),
    ("tests/gan/test_dcgan.py", "measure_smoke_training", [{}]),
    ("tests/gan/test_lsgan.py", "measure_smoke_training", [{"coding": "01"}, {"coding": "-11"}]),
    ("tests/gan/test_lsgan.py", "measure_discriminator_regression",
     [{"coding": "01"}, {"coding": "-11"}]),
    ("tests/gan/test_toy.py", "measure_ring_training",
     [{"remedy": r} for r in ("none", "mbstd", "minibatch", "pack", "unrolled")]),
    ("tests/gan/test_translation_models.py", "measure_pix2pix_training", [{}]),
    ("tests/gan/test_translation_models.py", "measure_cyclegan_training", [{}]),
    ("tests/test_optim.py", "measure_issue_example", [{}]),
]


def lesson_path(number: str) -> Path:
    (path,) = LESSONS_DIR.glob(f"{number}_*.py")
    return path


def run_one(path: str) -> None:
    """Run one lesson in this process with ``check`` recording; print one JSON line."""
    import numpy as np

    sys.path.insert(0, str(LESSONS_DIR))
    import lessonkit

    checks = []

    def recording_check(condition, message, hint=None):
        checks.append({"ok": bool(condition), "message": message})
        print(f"[check] {'ok' if condition else 'FAILED'}: {message}", flush=True)

    lessonkit.check = recording_check
    scope = {"__name__": "__main__", "__file__": path}
    started, error = time.perf_counter(), None
    try:
        exec(compile(Path(path).read_text(), path, "exec"), scope)
    except BaseException:  # noqa: BLE001 - a crash is a result too
        error = traceback.format_exc()[-2000:]
    seconds = time.perf_counter() - started
    values = {}
    for name, expression in MEASURES.get(Path(path).name[:2], {}).items():
        try:
            value = eval(expression, {**scope, "np": np})
            values[name] = value if isinstance(value, (bool, int, list)) else float(value)
        except Exception as exc:  # noqa: BLE001 - the lesson stopped before this number
            values[name] = f"unavailable: {exc!r}"
    print("SWEEP-RESULT " + json.dumps({"seconds": seconds, "values": values, "checks": checks,
                                        "error": error}), flush=True)


def measure_one(path: str, function: str, variant: str, seed: int) -> None:
    """Call one test module's measure function; print one JSON line."""
    import importlib.util

    import numpy as np

    spec = importlib.util.spec_from_file_location(Path(path).stem, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    started, error, values = time.perf_counter(), None, {}
    try:
        values = getattr(module, function)(seed=seed, **json.loads(variant))
    except BaseException:  # noqa: BLE001 - a crash is a result too
        error = traceback.format_exc()[-2000:]

    def plain(v):
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, np.integer)):
            return int(v)
        if isinstance(v, (float, np.floating)):
            return float(v)
        return str(v)

    print("SWEEP-RESULT " + json.dumps({"seconds": time.perf_counter() - started, "error": error,
                                        "values": {k: plain(v) for k, v in values.items()},
                                        "checks": []}), flush=True)


def environment(seed: int, threads: int, fast: bool, figures: str) -> dict:
    env = dict(os.environ, MINIGAN_SEED=str(seed), MINIGAN_NUM_THREADS=str(threads),
               MPLBACKEND="Agg", MINIGAN_LESSON_FIGURES=figures,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("OPENBLAS_NUM_THREADS", None)
    env.pop("MINIGAN_FAST", None)
    if threads == 1:
        env["OPENBLAS_NUM_THREADS"] = "1"
    if fast:
        env["MINIGAN_FAST"] = "1"
    return env


def seeds_of(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def sweep(args) -> None:
    out = Path(args.out)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["lesson"], r["seed"], r["threads"], r["fast"]))
    for seed in seeds_of(args.seeds):
        for threads in args.threads:
            for lesson in args.lessons:
                key = (lesson, seed, threads, args.fast)
                if key in done:
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    env = environment(seed, threads, args.fast, os.path.join(tmp, "figures"))
                    started = time.perf_counter()
                    done_run = subprocess.run(
                        [sys.executable, __file__, "one", str(lesson_path(lesson))], cwd=tmp,
                        env=env, capture_output=True, text=True)
                    wall = time.perf_counter() - started
                lines = [l for l in done_run.stdout.splitlines() if l.startswith("SWEEP-RESULT ")]
                record = json.loads(lines[-1][len("SWEEP-RESULT "):]) if lines else {
                    "error": done_run.stderr[-2000:], "values": {}, "checks": []}
                record.update(lesson=lesson, seed=seed, threads=threads, fast=args.fast,
                              wall_seconds=wall)
                with out.open("a") as f:
                    f.write(json.dumps(record) + "\n")
                failed = [c["message"] for c in record["checks"] if not c["ok"]]
                print(f"{lesson} seed {seed} threads {threads}{' fast' if args.fast else ''}: "
                      f"{wall:.0f} s, {len(failed)} failed checks"
                      f"{', ERROR' if record.get('error') else ''}", flush=True)


def sweep_tests(args) -> None:
    out = Path(args.out)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["lesson"], r["seed"], r["threads"]))
    for seed in seeds_of(args.seeds):
        for threads in args.threads:
            for path, function, variants in TEST_MEASURES:
                for variant in variants:
                    name = f"{Path(path).stem}::{function}" + "".join(
                        f"[{v}]" for v in variant.values())
                    if (name, seed, threads) in done:
                        continue
                    with tempfile.TemporaryDirectory() as tmp:
                        env = environment(seed, threads, False, os.path.join(tmp, "figures"))
                        started = time.perf_counter()
                        done_run = subprocess.run(
                            [sys.executable, __file__, "measure", path, function,
                             json.dumps(variant), str(seed)], cwd=tmp, env=env,
                            capture_output=True, text=True)
                        wall = time.perf_counter() - started
                    lines = [l for l in done_run.stdout.splitlines()
                             if l.startswith("SWEEP-RESULT ")]
                    record = json.loads(lines[-1][len("SWEEP-RESULT "):]) if lines else {
                        "error": done_run.stderr[-2000:], "values": {}, "checks": []}
                    record.update(lesson=name, seed=seed, threads=threads, fast=False,
                                  wall_seconds=wall)
                    with out.open("a") as f:
                        f.write(json.dumps(record) + "\n")
                    print(f"{name} seed {seed} threads {threads}: {wall:.0f} s"
                          f"{', ERROR' if record.get('error') else ''}", flush=True)


def summary(args) -> None:
    """Per lesson and measure: min, median, max over the runs (and per thread count)."""
    records = [json.loads(line) for path in args.files for line in Path(path).read_text().splitlines()]
    by_lesson = {}
    for r in records:
        by_lesson.setdefault((r["lesson"], r["fast"]), []).append(r)
    for (lesson, fast), runs in sorted(by_lesson.items()):
        seeds = sorted({r["seed"] for r in runs})
        threads = sorted({r["threads"] for r in runs})
        walls = {t: [r["wall_seconds"] for r in runs if r["threads"] == t] for t in threads}
        print(f"lesson {lesson}{' (fast)' if fast else ''}: {len(runs)} runs, seeds "
              f"{seeds[0]}-{seeds[-1]} ({len(seeds)}), threads {threads}; wall "
              + ", ".join(f"{t} thr median {statistics.median(w):.0f} s" for t, w in walls.items()))
        errors = [(r["seed"], r["threads"]) for r in runs if r.get("error")]
        if errors:
            print(f"  ERRORS in (seed, threads): {errors}")
        names = sorted({k for r in runs for k in r["values"]})
        for name in names:
            cells = []
            for t in threads + ["all"]:
                vals = [r["values"].get(name) for r in runs if t == "all" or r["threads"] == t]
                vals = [v for v in vals if isinstance(v, (int, float))]
                if vals:
                    cells.append(f"{t}: min {min(vals):.4g} med {statistics.median(vals):.4g} "
                                 f"max {max(vals):.4g}")
            lists = [r["values"].get(name) for r in runs if isinstance(r["values"].get(name), list)]
            if lists:
                cells.append("per run " + " ".join(str(v) for v in lists))
            print(f"  {name:24s} " + " | ".join(cells))
        failures = {}
        for r in runs:
            for c in r["checks"]:
                if not c["ok"]:
                    failures.setdefault(c["message"].split(":")[0][:60], []).append(
                        (r["seed"], r["threads"]))
        for message, where in failures.items():
            print(f"  FAILED {len(where)}x: {message}... at (seed, threads) {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("lessons", help="run lessons over seeds and thread counts")
    p.add_argument("--lessons", nargs="+", default=SWEPT)
    p.add_argument("--seeds", default="0-9", help="0-9 or 0,3,5")
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--fast", action="store_true", help="MINIGAN_FAST=1")
    p.add_argument("--out", required=True, help="a .jsonl file; runs already in it are skipped")
    p = sub.add_parser("tests", help="run the tests' measure functions over seeds and threads")
    p.add_argument("--seeds", default="0-9", help="0-9 or 0,3,5")
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--out", required=True, help="a .jsonl file; runs already in it are skipped")
    p = sub.add_parser("summary", help="min / median / max of each measure")
    p.add_argument("files", nargs="+")
    p = sub.add_parser("one", help=argparse.SUPPRESS)
    p.add_argument("path")
    p = sub.add_parser("measure", help=argparse.SUPPRESS)
    for name in ("path", "function", "variant"):
        p.add_argument(name)
    p.add_argument("seed", type=int)
    args = parser.parse_args()
    if args.command == "one":
        run_one(args.path)
    elif args.command == "measure":
        measure_one(args.path, args.function, args.variant, args.seed)
    elif args.command == "lessons":
        sweep(args)
    elif args.command == "tests":
        sweep_tests(args)
    else:
        summary(args)


if __name__ == "__main__":
    main()
