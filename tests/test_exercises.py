"""Student notebooks and exercises: in sync with the sources, blank or wrong answers get a short message,
the solutions pass, and a student notebook runs up to its first exercise."""

from __future__ import annotations

import importlib.util
import math
import os

import nbformat
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hologan_lesson.config import make_config
from hologan_lesson.data import make_dataset
from hologan_lesson.eval.control import fit_sign_offset
from hologan_lesson.explorer import turntable_views
from hologan_lesson.lessons import course, exercises
from hologan_lesson.lessons.checks import CheckFailed
from hologan_lesson.lessons.checks import data as data_checks
from hologan_lesson.lessons.checks import discriminator as d_checks
from hologan_lesson.lessons.checks import explorer as e_checks
from hologan_lesson.lessons.checks import generator as g_checks
from hologan_lesson.lessons.checks import metrics as m_checks
from hologan_lesson.lessons.checks import projection as p_checks
from hologan_lesson.lessons.checks import rotation as r_checks
from hologan_lesson.lessons.checks import training as t_checks
from hologan_lesson.lessons.checks import welcome as w_checks
from hologan_lesson.lessons.checks._core import NOT_WRITTEN
from hologan_lesson.model.losses import discriminator_loss, generator_loss
from hologan_lesson.model.rotation import sample_views

LESSONS = {lesson.number: lesson for lesson in course.LESSONS}


def load_builder(root):
    spec = importlib.util.spec_from_file_location("build_notebooks", root / "tools" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def source_of(root, number: str):
    lesson = LESSONS[number]
    return root / "notebooks" / "src" / f"{lesson.number}_{lesson.slug}.py"


def blank(*args, **kwargs):
    raise NotImplementedError("a hint")


class BlankModule(nn.Module):
    def __init__(self, *args, **kwargs):
        super().__init__()
        raise NotImplementedError("a hint")


def fails_with(check, *answers, match: str) -> str:
    """Run a checker on wrong answers; it must raise CheckFailed whose short message matches ``match``."""
    with pytest.raises(CheckFailed, match=match) as info:
        check(*answers)
    message = str(info.value)
    assert "Traceback" not in message and len(message.splitlines()) <= 3 * message.count("FAIL"), message
    assert info.value._render_traceback_() == message.splitlines()  # IPython shows only these lines
    return message


# --- the marker syntax -------------------------------------------------------------------------------------

CELL = """def f(x):
    y = 2
    # HINT: return x plus y
    # BEGIN SOLUTION
    z = x + y
    return z
    # END SOLUTION


def g():
    # HINT: return 1
    # BEGIN SOLUTION
    return 1
    # END SOLUTION"""


def test_markers_solution_and_student_versions():
    solution = exercises.solution_source(CELL)
    assert "BEGIN" not in solution and "HINT" not in solution and "return z" in solution
    student = exercises.student_source(CELL)
    assert "z = x + y" not in student and "    return 1\n" not in student + "\n"
    assert "    raise NotImplementedError('return x plus y')" in student
    assert "    raise NotImplementedError('return 1')" in student and "y = 2" in student
    assert exercises.has_exercise(CELL) and not exercises.has_exercise(solution)
    assert exercises.student_markdown("[a](../docs/x.md) [b](02_x.ipynb)") == "[a](../../docs/x.md) [b](02_x.ipynb)"


@pytest.mark.parametrize("bad", ["# BEGIN SOLUTION\nx = 1", "x = 1\n# END SOLUTION", "# HINT: dangling\nx = 1"])
def test_markers_malformed(bad):
    with pytest.raises(ValueError):
        exercises.student_source(bad)


# --- the notebooks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", course.LESSONS, ids=lambda l: l.number)
def test_student_notebook_in_sync(root, lesson):
    builder = load_builder(root)
    src = source_of(root, lesson.number)
    if not src.exists():
        pytest.skip(f"no source for lesson {lesson.number}")
    problems = builder.student_out_of_sync(src, lesson)
    assert not problems, "run `python tools/build_notebooks.py --headers-only`:\n" + "\n".join(problems)


def _cells(root, number: str, student: bool):
    nb = load_builder(root).notebook_from_source(source_of(root, number), student=student)
    return [c for c in nb.cells if c.cell_type == "code"]


EXERCISE_LESSONS = ["00", "01", "02", "03", "03b", "04", "04b", "05", "06", "07", "08"]
NO_IMPORT_CELL = {"00"}  # its exercise needs no imports (its first importing cell renders the shipped model)


@pytest.mark.parametrize("number", EXERCISE_LESSONS)
def test_lesson_has_exercises_and_student_badge(root, number):
    nb = load_builder(root).notebook_from_source(source_of(root, number), student=True)
    tagged = [c for c in nb.cells if exercises.EXERCISE_TAG in c.metadata.get("tags", [])]
    assert tagged, f"lesson {number} has no exercise cell"
    assert all("NotImplementedError" in c.source and "BEGIN SOLUTION" not in c.source for c in tagged)
    assert course.colab_url(exercises.student_path(LESSONS[number].filename)) in nb.cells[0].source


def _namespace(root, number: str, student: bool) -> dict:
    """Run a lesson's import cell and its exercise cells (they only define functions and classes)."""
    cells = _cells(root, number, student)
    ns: dict = {}
    body = [c for c in cells if "course-header" not in c.metadata.get("tags", [])]
    if number not in NO_IMPORT_CELL:
        imports = next(c for c in body if "import" in c.source)
        exec(compile(imports.source, f"{number}-imports", "exec"), ns)
    for cell in cells:
        if exercises.EXERCISE_TAG in cell.metadata.get("tags", []):
            exec(compile(cell.source, f"{number}-exercise", "exec"), ns)
    return ns


def check_train_step_ci(fn):
    """Lesson 06's check cell: the learner's step against the library's, on the ci preset."""
    cfg = make_config("ci")
    t_checks.check_train_step(fn, cfg, make_dataset(cfg.data))


CHECKS = {
    "00": [(w_checks.check_pipeline, ["my_pipeline_order"])],
    "01": [
        (r_checks.check_rotation_matrix, ["my_rotation_matrix"]),
        (r_checks.check_rotate_volume, ["my_rotate_volume"]),
    ],
    "02": [(p_checks.check_projection_unit, ["MyProjectionUnit"])],
    "03": [(g_checks.check_adain, ["my_adain"]), (g_checks.check_forward, ["my_forward"])],
    "03b": [
        (data_checks.check_center_crop, ["my_center_crop"]),
        (data_checks.check_to_model_input, ["my_to_model_input"]),
    ],
    "04": [(d_checks.check_style_stats, ["my_style_stats"])],
    "04b": [(d_checks.check_gan_losses, ["my_gan_loss_d", "my_gan_loss_g"])],
    "05": [
        (d_checks.check_identity_loss, ["my_identity_loss"]),
        (d_checks.check_identity_head, ["MyIdentityHead"]),
    ],
    "06": [(check_train_step_ci, ["my_train_step"])],
    "07": [
        (m_checks.check_fit_sign_offset, ["my_fit_sign_offset"]),
        (m_checks.check_turning_fraction, ["my_turning_fraction"]),
    ],
    "08": [(e_checks.check_turntable_views, ["my_turntable_views"])],
}


@pytest.mark.parametrize("number", EXERCISE_LESSONS)
def test_solutions_pass(root, number, capsys):
    ns = _namespace(root, number, student=False)
    for check, names in CHECKS[number]:
        check(*[ns[n] for n in names])
    out = capsys.readouterr().out
    assert "FAIL" not in out and "well done" in out


@pytest.mark.parametrize("number", EXERCISE_LESSONS)
def test_blank_student_exercises_fail_with_a_short_message(root, number):
    ns = _namespace(root, number, student=True)
    for check, names in CHECKS[number]:
        message = fails_with(check, *[ns[n] for n in names], match=NOT_WRITTEN)
        assert "NotImplementedError" in message


# --- every checker: blank and typical wrong answers ---------------------------------------------------------


def test_blank_answers_to_every_checker():
    for check, answers in [
        (r_checks.check_rotation_matrix, [blank]),
        (r_checks.check_rotate_volume, [blank]),
        (p_checks.check_projection_unit, [BlankModule]),
        (g_checks.check_adain, [blank]),
        (g_checks.check_forward, [blank]),
        (d_checks.check_style_stats, [blank]),
        (d_checks.check_gan_losses, [blank, blank]),
        (d_checks.check_identity_loss, [blank]),
        (d_checks.check_identity_head, [BlankModule]),
        (data_checks.check_center_crop, [blank]),
        (w_checks.check_pipeline, [blank]),
        (check_train_step_ci, [blank]),
        (m_checks.check_fit_sign_offset, [blank]),
        (m_checks.check_turning_fraction, [blank]),
        (e_checks.check_turntable_views, [blank]),
    ]:
        fails_with(check, *answers, match=NOT_WRITTEN)


def _matrix(az, el, order="xy", degrees=False, sign=1.0):
    a, e = (az, el) if degrees else (math.radians(az), math.radians(el))
    R_y = torch.tensor([[math.cos(a), 0, sign * math.sin(a)], [0, 1, 0], [-sign * math.sin(a), 0, math.cos(a)]])
    R_x = torch.tensor([[1, 0, 0], [0, math.cos(e), -math.sin(e)], [0, math.sin(e), math.cos(e)]])
    return R_x @ R_y if order == "xy" else R_y @ R_x


def test_rotation_matrix_wrong_answers():
    fails_with(r_checks.check_rotation_matrix, lambda a, e: _matrix(a, e, order="yx"), match="wrong order")
    fails_with(r_checks.check_rotation_matrix, lambda a, e: _matrix(a, e, degrees=True), match="radians")
    fails_with(r_checks.check_rotation_matrix, lambda a, e: _matrix(a, e).T, match="transpose")
    fails_with(r_checks.check_rotation_matrix, lambda a, e: _matrix(a, e, sign=-1.0), match="transpose|wrong way")
    fails_with(r_checks.check_rotation_matrix, lambda a, e: torch.eye(4), match="3×3")


def _warp(volume, R, transpose=True, corners=False):
    n = volume.shape[0]
    R = R.expand(n, 3, 3) if R.ndim == 2 else R
    theta = torch.cat([R.transpose(1, 2) if transpose else R, torch.zeros(n, 3, 1)], dim=2)
    grid = F.affine_grid(theta, list(volume.shape), align_corners=corners)
    return F.grid_sample(volume, grid, align_corners=corners)


def test_rotate_volume_wrong_answers():
    fails_with(r_checks.check_rotate_volume, lambda v, R: _warp(v, R, transpose=False), match="Rᵀ")
    fails_with(r_checks.check_rotate_volume, lambda v, R: v[:, 0], match="keeps its shape")


def _projection(order="(c d)", act=True, in_factor=True):
    class Unit(nn.Module):
        def __init__(self, channels, depth, out):
            super().__init__()
            self.conv = nn.Conv2d(channels * depth if in_factor else channels, out, kernel_size=1)

        def forward(self, v):
            stacked = v.flatten(1, 2) if order == "(c d)" else v.transpose(1, 2).flatten(1, 2)
            out = self.conv(stacked)
            return F.leaky_relu(out, 0.2) if act else out

    return Unit


def test_projection_wrong_answers():
    fails_with(p_checks.check_projection_unit, _projection(order="(d c)"), match=r"\(d c\)")
    fails_with(p_checks.check_projection_unit, _projection(act=False), match="nonlinearity is missing")
    fails_with(p_checks.check_projection_unit, _projection(in_factor=False), match="channels \\* depth")


def test_adain_and_style_stats_wrong_answers():
    fails_with(g_checks.check_adain, g_checks._unbiased_adain, match="biased variance")
    fails_with(g_checks.check_adain, lambda x, s, b: x, match="matches the library")

    def unbiased(h):
        return torch.cat([h.mean(dim=(2, 3)), h.std(dim=(2, 3))], 1)

    def swapped(h):
        return torch.cat([h.std(dim=(2, 3), unbiased=False), h.mean(dim=(2, 3))], 1)

    fails_with(d_checks.check_style_stats, unbiased, match="unbiased=False")
    fails_with(d_checks.check_style_stats, swapped, match="swapped")
    fails_with(d_checks.check_style_stats, lambda h: h.mean(dim=(2, 3)), match=r"\(N, 2C\)")


def test_gan_and_identity_wrong_answers():
    def d_ok(real, fake):
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    fails_with(d_checks.check_gan_losses, lambda r, f: d_ok(f, r), lambda f: F.softplus(-f).mean(), match="swapped")
    fails_with(d_checks.check_gan_losses, d_ok, lambda f: -F.softplus(f).mean(), match="saturating")
    fails_with(d_checks.check_identity_loss, lambda zh, z: (zh - z).pow(2).sum(), match="sum")
    fails_with(d_checks.check_identity_loss, lambda zh, z: (zh - z).abs().mean(), match="L1")

    class NoTanh(nn.Module):
        def __init__(self, features, z_dim):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(features, 128), nn.LeakyReLU(0.2), nn.Linear(128, z_dim))

        def forward(self, flat):
            return self.net(flat)

    fails_with(d_checks.check_identity_head, NoTanh, match="Tanh")


def test_pipeline_wrong_answers():
    fails_with(w_checks.check_pipeline, [], match="empty")
    fails_with(w_checks.check_pipeline, lambda: [], match="empty")
    fails_with(w_checks.check_pipeline, ["constant", "3d convs", "rotate", "projection", "2d convs"], match="unknown")
    order = ["constant", "rotation", "3d convs", "projection", "2d convs"]
    fails_with(w_checks.check_pipeline, order, match="grows it with 3D convs")
    order = ["constant", "3d convs", "projection", "rotation", "2d convs"]
    fails_with(w_checks.check_pipeline, order, match="can no longer be turned")
    order = ["constant", "3d convs", "2d convs", "rotation", "projection"]
    fails_with(w_checks.check_pipeline, order, match="2D convs come last")


def _train_step(detach=True, g_steps=None, zero_grad=True, views_first=False):
    """A learner's training step with one of the typical slips."""

    def step(trainer):
        G, D, c = trainer.G, trainer.D, trainer.cfg
        real = trainer.batches.next()
        B = real.shape[0]

        def draw_z():
            return torch.rand(B, G.latent_dim, generator=trainer.rng) * 2 - 1

        def draw_views():
            return sample_views(B, c.data.azimuth_range, c.data.elevation_range, generator=trainer.rng)

        if views_first:  # the wrong order
            views = draw_views()
            z = draw_z()
        else:
            z = draw_z()
            views = draw_views()
        fake = G(z, views)
        d_total, d_terms = discriminator_loss(D(real), D(fake.detach() if detach else fake), z, c.loss)
        trainer.opt_d.zero_grad(set_to_none=True)
        d_total.backward()
        trainer.opt_d.step()
        for _ in range(c.train.g_steps_per_d if g_steps is None else g_steps):
            g_total, g_terms = generator_loss(D(G(z, views)), z, c.loss)
            if zero_grad:
                trainer.opt_g.zero_grad(set_to_none=True)
            g_total.backward()
            trainer.opt_g.step()
        trainer.sched_d.step()
        trainer.sched_g.step()
        trainer.step += 1
        return {k: v.detach() for k, v in {**d_terms, **g_terms}.items()}

    return step


def test_train_step_wrong_answers():
    check_train_step_ci(_train_step())  # the helper itself is right
    fails_with(check_train_step_ci, _train_step(detach=False), match="not detached")
    fails_with(check_train_step_ci, _train_step(g_steps=1), match="1 G step.*fewer")
    fails_with(check_train_step_ci, _train_step(views_first=True), match="z, then views")
    fails_with(check_train_step_ci, _train_step(zero_grad=False), match="zero each optimiser")
    fails_with(check_train_step_ci, lambda trainer: None, match="not a dict")


def test_fit_sign_offset_wrong_answers():
    fails_with(m_checks.check_fit_sign_offset, lambda c, p: (1, float((p - c).mean())), match="wrong direction")

    def offset_for_plus(c, p):
        return fit_sign_offset(c, p).sign, float((p - c).mean())

    fails_with(m_checks.check_fit_sign_offset, offset_for_plus, match="fitted for the chosen sign")
    fails_with(m_checks.check_fit_sign_offset, lambda c, p: 1, match="not a pair")


def _turning(signed=True, absolute=False, count=False):
    def fraction(commanded, predicted):
        sign = fit_sign_offset(commanded, predicted).sign if signed else 1
        x = sign * commanded - (sign * commanded).mean(1, keepdim=True)
        y = predicted - predicted.mean(1, keepdim=True)
        r = (x * y).sum(1) / (x.norm(dim=1) * y.norm(dim=1)).clamp_min(1e-9)
        r = r.abs() if absolute else r
        return float((r >= 0.7).sum()) if count else float((r >= 0.7).float().mean())

    return fraction


def test_turning_fraction_answers(capsys):
    m_checks.check_turning_fraction(_turning())
    assert "well done" in capsys.readouterr().out
    fails_with(m_checks.check_turning_fraction, _turning(signed=False), match="pooled sign")
    fails_with(m_checks.check_turning_fraction, _turning(absolute=True), match="not \\|r\\|")
    fails_with(m_checks.check_turning_fraction, _turning(count=True), match="not a count")
    fails_with(m_checks.check_turning_fraction, lambda c, p: torch.zeros(3), match="not one number")


def test_turntable_wrong_answers():
    def one_way(frames, rng, el):
        return turntable_views(frames, rng, el, pingpong=False)

    def minus_one(frames, rng, el):
        k = torch.arange(frames, dtype=torch.float32)
        az = rng[0] + (rng[1] - rng[0]) * (1 - (2 * k / (frames - 1) - 1).abs())
        return torch.stack([az, torch.full_like(az, el)], 1)

    def swapped(frames, rng, el):
        return turntable_views(frames, rng, el).flip(1)

    fails_with(e_checks.check_turntable_views, one_way, match="one way only")
    fails_with(e_checks.check_turntable_views, minus_one, match="not frames - 1")
    fails_with(e_checks.check_turntable_views, swapped, match="columns are swapped")
    fails_with(e_checks.check_turntable_views, lambda f, r, e: torch.zeros(f), match="got shape")


# --- a student notebook runs up to its first exercise ----------------------------------------------------------


@pytest.mark.parametrize("number", EXERCISE_LESSONS)
def test_student_notebook_runs_to_first_exercise(root, number):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(root / exercises.student_path(LESSONS[number].filename), as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    first = next(i for i in code if exercises.EXERCISE_TAG in nb.cells[i].metadata.get("tags", []))
    after = next((i for i in code if i > first), None)
    check_cell = after is not None and "check_" in nb.cells[after].source
    nb.cells = nb.cells[: (after + 1 if check_cell else first + 1)]
    os.environ.setdefault("HOLOGAN_PROFILE", "ci")
    os.environ.setdefault("MPLBACKEND", "Agg")
    resources = {"metadata": {"path": str(root / "notebooks")}}
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources=resources)
    if not check_cell:
        client.execute()
        return
    with pytest.raises(CellExecutionError) as info:
        client.execute()
    assert info.value.ename == "CheckFailed", info.value
    error = next(o for o in nb.cells[after].outputs if o.output_type == "error")
    shown = "\n".join(error.traceback)
    assert NOT_WRITTEN in shown and "Traceback" not in shown and len(error.traceback) <= 3 * shown.count("FAIL"), shown
