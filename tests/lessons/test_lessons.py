"""Every lesson runs as a plain script in fast mode, writes its figures, and is a well-formed
percent-format notebook (text cells, code cells, and exercises at the end).

Every lesson also runs in normal mode, as a learner runs it (``python lessons/NN_topic.py``):
those runs take about ten minutes on 2 cores, so they carry the ``lesson_normal`` marker, which
the default run deselects; CI runs them as a step of their own after the suite:

    python -m pytest -m lesson_normal --durations=0 tests/lessons

Their durations are the run times listed in lessons/README.md."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

LESSONS_DIR = Path(__file__).resolve().parents[2] / "lessons"
LESSONS = sorted(LESSONS_DIR.glob("[0-9][0-9]_*.py"))


def test_there_are_lessons():
    assert LESSONS, f"no lessons found in {LESSONS_DIR}"


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_is_a_percent_format_notebook(lesson):
    text = lesson.read_text()
    cells = re.split(r"^# %%", text, flags=re.M)
    kinds = ["markdown" if c.startswith(" [markdown]") else "code" for c in cells[1:]]
    assert kinds and kinds[0] == "markdown", f"{lesson.name} must open with a text cell"
    assert "code" in kinds, f"{lesson.name} has no code cell"
    assert re.search(r"^# #+ Exercises", text, flags=re.M), f"{lesson.name} has no Exercises"
    assert "lessonkit" in text, f"{lesson.name} should use lessonkit (fast mode, figures)"


def run_lesson(lesson, tmp_path, fast: bool, timeout: float):
    """Run ``lesson`` as a script in ``tmp_path`` (its figures and runs/ land there, not in the
    repository); check that it succeeded, drew figures and ran checks; return its stdout."""
    env = dict(os.environ, MPLBACKEND="Agg", MINIGAN_LESSON_FIGURES=str(tmp_path / "figures"))
    env.pop("MINIGAN_FAST", None)
    if fast:
        env["MINIGAN_FAST"] = "1"
    done = subprocess.run([sys.executable, str(lesson)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{lesson.name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    figures = list((tmp_path / "figures").glob("*.png"))
    assert figures, f"{lesson.name} drew no figure"
    assert "[check] ok" in done.stdout, f"{lesson.name} ran no check"
    return done.stdout


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_fast(lesson, tmp_path):
    run_lesson(lesson, tmp_path, fast=True, timeout=120)


@pytest.mark.lesson_normal
@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_normal_mode(lesson, tmp_path):
    """The version a learner runs, full size: every check must pass, including those on a
    training's outcome (each states what held for seeds 0-9 with 1 and 2 threads)."""
    run_lesson(lesson, tmp_path, fast=False, timeout=900)
