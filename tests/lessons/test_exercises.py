"""The write-it-yourself exercises: every check passes on the reference solutions, fails on the
untouched stubs with "not written yet" and its hint (never a traceback), and names what is wrong
in a wrong answer. ``lessons/check.py`` is the command the learner runs."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS_DIR = ROOT / "lessons"


def _load_checker():
    spec = importlib.util.spec_from_file_location("lessons_check", LESSONS_DIR / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load_checker()
WITH_EXERCISES = check.lessons_with_exercises()


def _stub_functions(path: Path) -> list[str]:
    return re.findall(r"^def (\w+)\(", path.read_text(), flags=re.M)


def test_there_are_exercises():
    assert "01" in WITH_EXERCISES


def _lessons() -> list[str]:
    return sorted(p.name[:2] for p in LESSONS_DIR.glob("[0-9][0-9]_*.py"))


def test_every_lesson_has_exercises():
    lessons = _lessons()
    assert len(lessons) == 16 and lessons[0] == "01"
    assert WITH_EXERCISES == lessons, "a lesson without checks/lessonNN.py, or checks for none"


@pytest.mark.parametrize("lesson", _lessons())
def test_each_lesson_points_at_its_exercises(lesson):
    (lesson_file,) = LESSONS_DIR.glob(f"{lesson}_*.py")
    stub = check.exercise_file(lesson, solutions=False)
    last = lesson_file.read_text().rstrip("\n").splitlines()[-1]
    assert last == (f"# Write-it-yourself exercises: lessons/exercises/{stub.name}, checked by "
                    f"python lessons/check.py {lesson}")
    assert f"[{stub.stem}](exercises/{stub.name})" in (LESSONS_DIR / "README.md").read_text()


@pytest.mark.parametrize("lesson", WITH_EXERCISES)
def test_each_exercise_has_a_stub_a_solution_and_a_check(lesson):
    stub = check.exercise_file(lesson, solutions=False)
    solution = check.exercise_file(lesson, solutions=True)
    assert stub.name == solution.name
    lesson_file = list(LESSONS_DIR.glob(f"{lesson}_*.py"))
    assert lesson_file, f"exercises for lesson {lesson}, which does not exist"
    names = [ex.name for ex in __import__(f"checks.lesson{lesson}").__dict__[f"lesson{lesson}"]
             .EXERCISES]
    assert _stub_functions(stub) == names, "the stub's functions are the exercises, in order"
    assert set(names) <= set(_stub_functions(solution))
    text = stub.read_text()
    assert len(re.findall(r"^    raise NotImplementedError$", text, flags=re.M)) == len(names)
    assert text.count('"""') >= 2 * (len(names) + 1), "every stub function has a docstring"
    assert f"check.py {lesson}" in text, "the stub says how to check it"


@pytest.mark.parametrize("lesson", WITH_EXERCISES)
def test_solutions_pass(lesson):
    results = check.run_lesson(lesson, solutions=True)
    failed = [line for _, ok, line in results if not ok]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("lesson", WITH_EXERCISES)
def test_stubs_fail_with_their_hint(lesson):
    for label, ok, line in check.run_lesson(lesson, solutions=False):
        assert not ok, label
        assert line.startswith(f"FAIL {label}: not written yet"), line
        assert "Hint: " in line and len(line.split("Hint: ")[1]) > 20, line
        assert "Traceback" not in line and "\n" not in line


@pytest.mark.parametrize("lesson", WITH_EXERCISES)
def test_an_untouched_stub_gets_the_idea_not_the_answer(lesson):
    """The first hint says where to read and which formula; the fuller hint, closer to the code,
    is kept for a wrong answer."""
    exercises = __import__(f"checks.lesson{lesson}").__dict__[f"lesson{lesson}"].EXERCISES
    lines = {label.split()[1]: line for label, _, line in check.run_lesson(lesson)}
    for ex in exercises:
        assert ex.idea and ex.idea != ex.hint, f"{ex.name} has no idea of its own"
        assert lines[ex.name].endswith(f"Hint: {ex.idea}"), lines[ex.name]
        assert ex.hint not in lines[ex.name]


def test_inpainting_on_every_pixel_is_caught():
    """Fitting the code to the whole image, hole included, pulls the hole towards whatever the
    image holds there (zeros): the hidden pixels come out wrong."""
    import minigan as mg
    from minigan import optim

    def unmasked(generator, image, mask, z0, steps=500, lr=0.05):
        z = mg.tensor(np.asarray(z0, dtype=np.float32)[None], requires_grad=True)
        target, opt = mg.tensor(np.asarray(image, dtype=np.float32)[None]), optim.Adam([z], lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            ((generator(z) - target) ** 2).sum().backward()
            opt.step()
        with mg.no_grad():
            guess = generator(z).numpy()[0]
        return mask * image + (1 - mask) * guess, z.numpy()[0]

    ok, line = _with_wrong("15", "inpaint", unmasked)
    assert not ok and "the hidden pixels are off by up to" in line


def _env(**extra):
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, MPLBACKEND="Agg", **extra)


def test_command_line_on_the_stubs_prints_one_fail_line_each_and_exits_1():
    done = subprocess.run([sys.executable, str(LESSONS_DIR / "check.py"), "01"], cwd=ROOT,
                          env=_env(MINIGAN_SOLUTIONS=""), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    fails = [line for line in lines if line.startswith("FAIL 01 ")]
    assert len(fails) == len(_stub_functions(check.exercise_file("01", False)))
    assert all("not written yet" in line and "Hint: " in line for line in fails)
    assert lines[-1].startswith(f"0 of {len(fails)} exercises pass")


def test_command_line_on_the_solutions_exits_0():
    for args, extra in ((["01", "--solutions"], {}), (["01"], {"MINIGAN_SOLUTIONS": "1"})):
        done = subprocess.run([sys.executable, str(LESSONS_DIR / "check.py"), *args], cwd=ROOT,
                              env=_env(**extra), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "FAIL" not in done.stdout and "PASS 01 sum_to" in done.stdout


def test_an_unknown_lesson_is_refused():
    done = subprocess.run([sys.executable, str(LESSONS_DIR / "check.py"), "99"], cwd=ROOT,
                          env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no exercises for lesson 99" in done.stderr


def test_a_file_that_does_not_import_fails_every_exercise_without_a_traceback(tmp_path,
                                                                              monkeypatch):
    broken = tmp_path / "01_array_engine.py"
    broken.write_text("def sum_to(grad, shape)\n    return grad\n")
    monkeypatch.setattr(check, "exercise_file", lambda lesson, solutions: broken)
    monkeypatch.setattr(check, "LESSONS_DIR", tmp_path)
    monkeypatch.setattr(check.sys, "path", [str(LESSONS_DIR)] + check.sys.path)
    results = check.run_lesson("01")
    assert results and all(not ok and "does not import (SyntaxError" in line
                           for _, ok, line in results)


def test_an_error_in_the_learners_code_is_one_line_and_a_missing_function_is_named(
        tmp_path, monkeypatch):
    mine = tmp_path / "01_array_engine.py"
    mine.write_text("def sum_to(grad, shape):\n    return grad.reshape(shape)\n")
    monkeypatch.setattr(check, "exercise_file", lambda lesson, solutions: mine)
    monkeypatch.setattr(check, "LESSONS_DIR", tmp_path)
    lines = {label.split()[1]: line for label, _, line in check.run_lesson("01")}
    assert lines["sum_to"].startswith("FAIL 01 sum_to: it raised ValueError: cannot reshape")
    assert "01_array_engine.py has no function matmul_backward" in lines["matmul_backward"]


def test_an_error_in_a_check_is_not_blamed_on_the_learner(monkeypatch):
    lessons = __import__("checks.lesson08").__dict__["lesson08"]
    broken = lessons.EXERCISES[0]
    monkeypatch.setattr(broken, "check", lambda module: {}["missing"])
    lines = {label.split()[1]: line for label, _, line in check.run_lesson("08", solutions=True)}
    assert "the check itself raised KeyError" in lines[broken.name]
    assert "lessons/checks/lesson08.py" in lines[broken.name]


def _verdict(lesson, **functions):
    """Run a lesson's checks on a module made of the given functions; name -> printed line."""
    module = types.SimpleNamespace(**functions)
    checks = __import__(f"checks.lesson{lesson}").__dict__[f"lesson{lesson}"].EXERCISES
    lines = {}
    original = check.load_module
    check.load_module = lambda path: module
    try:
        for label, ok, line in check.run_lesson(lesson):
            lines[label.split()[1]] = (ok, line)
    finally:
        check.load_module = original
    assert len(lines) == len(checks)
    return lines


def test_wrong_answers_are_named_with_what_is_wrong():
    solution = check.load_module(check.exercise_file("01", solutions=True))
    lines = _verdict(
        "01",
        sum_to=lambda grad, shape: grad.sum(axis=0),               # forgets keepdims / size-1 axes
        matmul_backward=lambda g, a, b: (a.T @ g, g @ b.T),        # the two swapped
        two_layer_loss_and_grads=lambda p, x, y: (lambda r: (r[0], {**r[1], "b1": r[1]["b1"] * 2}))(
            solution.two_layer_loss_and_grads(p, x, y)),             # b1's gradient doubled
        train_two_layer=lambda x, y, **kw: solution.train_two_layer(x, y, **{**kw, "lr": 1e-4}),
    )
    assert "has shape" in lines["sum_to"][1]
    assert "shapes (4, 5) and (3, 4), expected (3, 4) and (4, 5)" in lines["matmul_backward"][1]
    assert "grads['b1']" in lines["two_layer_loss_and_grads"][1]
    assert "relative error" in lines["two_layer_loss_and_grads"][1]
    assert "the loss went from" in lines["train_two_layer"][1]
    assert not any(ok for ok, _ in lines.values())
    uphill = _verdict("01", **{**vars(solution), "train_two_layer": lambda x, y, **kw:
                               solution.train_two_layer(x, y, **{**kw, "lr": -0.2})})
    assert "inf or NaN: is the step -lr * grad (downhill)? Hint: " in uphill["train_two_layer"][1]


def test_the_classic_mistakes_are_caught():
    """A naive BCE, the biased variance in the running statistics, the saturating generator loss,
    a flipped kernel, Adam without bias correction: each fails with what is wrong."""
    def with_wrong(lesson, name, wrong):
        solution = check.load_module(check.exercise_file(lesson, solutions=True))
        return _verdict(lesson, **{**vars(solution), name: wrong})[name]

    def naive_bce(s, y):
        p = 1 / (1 + np.exp(-s))
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))

    ok, line = with_wrong("03", "bce_with_logits", naive_bce)
    assert not ok and "the naive formula overflows" in line

    def biased(rm, rv, x, momentum=0.1):
        axes = (0,) + tuple(range(2, x.ndim))
        return ((1 - momentum) * rm + momentum * x.mean(axis=axes),
                (1 - momentum) * rv + momentum * x.var(axis=axes))

    ok, line = with_wrong("05", "update_running_stats", biased)
    assert not ok and "running_var after a batch of shape (8, 3) is off" in line

    def minimax(s):
        return float(np.mean(-np.logaddexp(0, s)))  # mean log(1 - D(G(z))): saturates

    ok, line = with_wrong("07", "generator_loss_non_saturating", minimax)
    assert not ok and "against BCE(fake, 1)" in line

    solution04 = check.load_module(check.exercise_file("04", solutions=True))
    ok, line = with_wrong("04", "conv2d_loops", lambda x, w, b, stride=1, padding=0:
                          solution04.conv2d_loops(x, w[:, :, ::-1, ::-1], b, stride, padding))
    assert not ok and "compared with F.conv2d is off: relative error" in line

    def adam_no_correction(param, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        m = betas[0] * m + (1 - betas[0]) * grad
        v = betas[1] * v + (1 - betas[1]) * grad ** 2
        return param - lr * m / (np.sqrt(v) + eps), m, v

    ok, line = with_wrong("06", "adam_step", adam_no_correction)
    assert not ok and "the parameter after step 1 (compared with optim.Adam) is off" in line


def test_a_penalty_without_create_graph_is_caught():
    from minigan import autograd

    def no_graph(critic, real, fake, alpha, weight=10.0):
        x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
        (g,) = autograd.grad(critic(x_hat).sum(), x_hat)   # create_graph forgotten
        return weight * (((g ** 2).sum(dim=1).sqrt() - 1) ** 2).mean()

    ok, line = _verdict("12", gradient_penalty=no_graph)["gradient_penalty"]
    assert not ok and "no gradient for the critic's weights" in line


def _with_wrong(lesson, name, wrong):
    """The verdict on a lesson's solutions with one function replaced by a wrong one."""
    solution = check.load_module(check.exercise_file(lesson, solutions=True))
    return _verdict(lesson, **{**vars(solution), name: wrong})[name]


def test_a_gan_step_without_detach_zero_grad_or_with_the_minimax_loss_is_caught():
    import minigan.nn.functional as F

    def no_detach(D, opt_D, real, fake):
        loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_D.zero_grad()
        loss.backward()
        opt_D.step()
        return loss.item()

    ok, line = _with_wrong("09", "discriminator_step", no_detach)
    assert not ok and "G's weights have gradients: score fake.detach()" in line

    def no_zero_grad(D, opt_D, real, fake):
        loss = F.softplus(-D(real)).mean() + F.softplus(D(fake.detach())).mean()
        loss.backward()
        opt_D.step()
        return loss.item()

    ok, line = _with_wrong("09", "discriminator_step", no_zero_grad)
    assert not ok and "round 2 (did D's gradients get zeroed?)" in line

    def minimax(D, opt_G, fake):
        loss = -F.softplus(D(fake)).mean()  # mean log(1 - D(G(z)))
        opt_G.zero_grad()
        loss.backward()
        opt_G.step()
        return loss.item()

    ok, line = _with_wrong("09", "generator_step", minimax)
    assert not ok and "the minimax loss" in line


def test_a_transposed_or_too_narrow_one_hot_and_a_prepended_label_are_caught():
    ok, line = _with_wrong("11", "one_hot", lambda labels, n: np.eye(n)[:, labels])
    assert not ok and "(is it transposed?)" in line
    ok, line = _with_wrong("11", "one_hot", lambda labels, n: np.eye(np.max(labels) + 1)[labels])
    assert not ok and "taken from the labels (max + 1)" in line
    ok, line = _with_wrong("11", "condition", lambda z, labels, n=10: np.concatenate(
        [np.eye(n)[labels], z], axis=1))
    assert not ok and "the one-hot comes before z" in line


def test_squared_pooled_or_swapped_cycle_gan_losses_are_caught():
    def squared(real_a, rec_a, real_b, rec_b):
        return float(np.mean((rec_a - real_a) ** 2) + np.mean((rec_b - real_b) ** 2))

    ok, line = _with_wrong("15", "cycle_consistency_loss", squared)
    assert not ok and "the squared error" in line

    def pooled(real_a, rec_a, real_b, rec_b):
        return float(np.mean(np.abs(np.concatenate([(rec_a - real_a).ravel(),
                                                    (rec_b - real_b).ravel()]))))

    ok, line = _with_wrong("15", "cycle_consistency_loss", pooled)
    assert not ok and "both domains' elements pooled" in line

    def swapped(G_AB, G_BA, real_a, real_b):
        return float(np.mean(np.abs(G_AB(real_a) - real_a))
                     + np.mean(np.abs(G_BA(real_b) - real_b)))

    ok, line = _with_wrong("15", "identity_loss", swapped)
    assert not ok and "fed their own source domain" in line


def test_a_straight_line_or_a_slerp_without_its_fallback_is_caught():
    def lerp(z0, z1, t):
        return (1 - t)[:, None] * z0 + t[:, None] * z1

    ok, line = _with_wrong("10", "slerp", lerp)
    assert not ok and "this is the straight line (lerp)" in line

    def no_fallback(z0, z1, t):  # lesson 10's own slerp: fine between Gaussian codes
        theta = np.arccos(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)))
        return (np.sin((1 - t) * theta)[:, None] * z0
                + np.sin(t * theta)[:, None] * z1) / np.sin(theta)

    ok, line = _with_wrong("10", "slerp", no_fallback)
    assert not ok and "(parallel) has inf or NaN entries" in line


def test_mode_counts_with_squared_distances_near_modes_or_no_quality_cut_are_caught():
    def distance(samples, modes):
        return np.linalg.norm(samples[:, None] - modes[None], axis=2)

    ok, line = _with_wrong("13", "high_quality_share", lambda s, m, std, threshold=3.0: float(
        np.mean((distance(s, m) ** 2).min(axis=1) <= threshold * std)))
    assert not ok and "is the squared distance compared" in line
    ok, line = _with_wrong("13", "modes_captured", lambda s, m, std, threshold=3.0: int(
        (distance(s, m) <= threshold * std).any(axis=0).sum()))
    assert not ok and "only when it is the *nearest* mode" in line
    ok, line = _with_wrong("13", "modes_captured", lambda s, m, std, threshold=3.0: len(
        np.unique(distance(s, m).argmin(axis=1))))
    assert not ok and "are samples that are not high quality counted?" in line


def test_numpy_called_on_device_data_is_caught_and_the_backend_is_restored():
    from minigan import backend

    keep = backend.cupy
    ok, line = _with_wrong("16", "xp_sum_of_squares", lambda x: np.sum(np.square(x)))
    assert not ok and "it called NumPy directly (np.something(x))" in line
    ok, line = _with_wrong("16", "xp_sum_of_squares", lambda x: np.sum(x * x))
    assert not ok and "did none of the work" in line
    assert backend.cupy is keep
