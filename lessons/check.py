"""Check your write-it-yourself exercises: one line per exercise, PASS or FAIL with a hint.

    python lessons/check.py 03            # the exercises of lesson 03 (lessons/exercises/03_*.py)
    python lessons/check.py 01 04         # several lessons
    python lessons/check.py               # every lesson that has exercises
    python lessons/check.py --solutions   # the reference solutions (lessons/solutions/) instead
    MINIGAN_SOLUTIONS=1 python lessons/check.py 03   # the same, from the environment

You edit ``lessons/exercises/NN_name.py``: each exercise is a function with a docstring and
``raise NotImplementedError``. The checks (``lessons/checks/lessonNN.py``) compare your function
with minigan, with finite differences, or with a known value, and say what is wrong: a shape,
a value, a relative error. An exercise you have not written yet is reported as such. The exit
status is 1 when any exercise fails, 0 when all pass.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import time
import warnings
from pathlib import Path

LESSONS_DIR = Path(__file__).resolve().parent
if str(LESSONS_DIR) not in sys.path:  # so that ``checks`` imports when this file is imported
    sys.path.insert(0, str(LESSONS_DIR))

from checks import Wrong  # noqa: E402


def lessons_with_exercises() -> list[str]:
    """The two-digit numbers of the lessons that have a checks module, in order."""
    found = (LESSONS_DIR / "checks").glob("lesson[0-9][0-9].py")
    return sorted(p.stem[len("lesson"):] for p in found)


def exercise_file(lesson: str, solutions: bool) -> Path:
    folder = LESSONS_DIR / ("solutions" if solutions else "exercises")
    found = sorted(folder.glob(f"{lesson}_*.py"))
    if not found:
        raise FileNotFoundError(f"no {folder.name}/{lesson}_*.py")
    return found[0]


def load_module(path: Path):
    """Import the learner's (or the reference) file by its path; its name starts with digits."""
    name = f"_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _raised_in(error: BaseException, path: Path) -> bool:
    """Whether the learner's file was among the frames the exception passed through."""
    tb, target = error.__traceback__, str(path)
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == target:
            return True
        tb = tb.tb_next
    return False


def run_lesson(lesson: str, solutions: bool = False) -> list[tuple[str, bool, str]]:
    """Run a lesson's checks; return (name, passed, line to print) for each exercise."""
    lesson = f"{int(lesson):02d}"
    exercises = importlib.import_module(f"checks.lesson{lesson}").EXERCISES
    path = exercise_file(lesson, solutions)
    shown = path.relative_to(LESSONS_DIR.parent)
    try:
        module = load_module(path)
    except Exception as error:  # a syntax error or a failed import: every exercise fails
        return [(f"{lesson} {ex.name}", False,
                 f"FAIL {lesson} {ex.name}: {shown} does not import ({one_line(error)}). "
                 f"Fix that first.") for ex in exercises]
    results = []
    for ex in exercises:
        label = f"{lesson} {ex.name}"
        if not hasattr(module, ex.name):
            what = f"{shown} has no function {ex.name}"
        else:
            try:
                with warnings.catch_warnings():  # overflow in a wrong answer: the verdict says it
                    warnings.simplefilter("ignore", RuntimeWarning)
                    ex.check(module)
                results.append((label, True, f"PASS {label}"))
                continue
            except NotImplementedError:
                what = "not written yet (it still raises NotImplementedError)"
                results.append((label, False, f"FAIL {label}: {what}. Hint: {ex.idea or ex.hint}"))
                continue
            except Wrong as verdict:
                what = str(verdict)
            except Exception as error:  # say what was raised, not where
                if _raised_in(error, path):
                    what = f"it raised {one_line(error)}"
                else:  # nothing of the learner's was running: the check itself is wrong
                    what = (f"the check itself raised {one_line(error)}; this is a bug in "
                            f"lessons/checks/lesson{lesson}.py, please report it")
        what = what.rstrip(".") + ("" if what.endswith("?") else ".")
        results.append((label, False, f"FAIL {label}: {what} Hint: {ex.hint}"))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers (default: all)")
    parser.add_argument("--solutions", action="store_true",
                        help="check lessons/solutions/ instead of lessons/exercises/")
    args = parser.parse_args(argv)
    solutions = args.solutions or os.environ.get("MINIGAN_SOLUTIONS", "") not in ("", "0")
    known = lessons_with_exercises()
    chosen = [f"{int(n):02d}" for n in args.lessons] if args.lessons else known
    unknown = [n for n in chosen if n not in known]
    if unknown:
        parser.error(f"no exercises for lesson {', '.join(unknown)} "
                     f"(there are: {', '.join(known)})")
    start, passed, total = time.perf_counter(), 0, 0
    for lesson in chosen:
        for _, ok, line in run_lesson(lesson, solutions):
            print(line, flush=True)
            passed += ok
            total += 1
    where = "lessons/solutions" if solutions else "lessons/exercises"
    print(f"{passed} of {total} exercises pass ({where}, {time.perf_counter() - start:.1f} s)")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
