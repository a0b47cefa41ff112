"""Lesson 09's runnable ideas (hologan_lesson.lessons.next_steps) and its checkers: known values, invariants,
and a precise message for each usual wrong answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from hologan_lesson.lessons import course, exercises
from hologan_lesson.lessons import next_steps as ns
from hologan_lesson.lessons.checks import CheckFailed
from hologan_lesson.lessons.checks import next_steps as checks
from hologan_lesson.lessons.checks._core import NOT_WRITTEN
from hologan_lesson.model.rotation import rotate_volume, rotation_matrix
from hologan_lesson.viz import composite_front_to_back

ROOT = Path(__file__).resolve().parents[1]
LESSON = next(lesson for lesson in course.LESSONS if lesson.number == "09")


def _volume(seed: int = 0, size: int = 8, channels: int = 4) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    volume = torch.rand(1, channels, size, size, size, generator=g)
    volume[:, -1] = (volume[:, -1] > 0.6).float()  # a sparse occupancy
    return volume


# --- volume rendering ------------------------------------------------------------------------------------------


def test_weights_known_values_and_bounds():
    half = ns.compositing_weights(torch.full((4,), 0.5))
    assert torch.allclose(half, torch.tensor([0.5, 0.25, 0.125, 0.0625]))
    opaque_first = ns.compositing_weights(torch.tensor([1.0, 0.3, 1.0]))
    assert torch.equal(opaque_first, torch.tensor([1.0, 0.0, 0.0]))
    alpha = torch.rand(5, 7, 16, generator=torch.Generator().manual_seed(1))
    w = ns.compositing_weights(alpha)
    assert w.shape == alpha.shape and (w >= 0).all() and (w.sum(-1) <= 1 + 1e-6).all()
    # what is not absorbed is the light that passes every sample: the background's share
    assert torch.allclose(1 - w.sum(-1), torch.prod(1 - alpha, -1), atol=1e-6)


def test_transmittance_starts_at_one_and_never_grows():
    alpha = torch.rand(3, 32, generator=torch.Generator().manual_seed(2))
    t = ns.transmittance(alpha)
    assert torch.equal(t[:, 0], torch.ones(3))
    assert (t[:, 1:] <= t[:, :-1] + 1e-7).all()


def test_density_to_alpha():
    assert torch.equal(ns.density_to_alpha(torch.zeros(3), 0.1), torch.zeros(3))
    assert torch.allclose(ns.density_to_alpha(torch.tensor([10.0]), 0.1), torch.tensor([1 - torch.e**-1]))
    assert ns.density_to_alpha(torch.tensor([-5.0]), 0.1).item() == 0.0  # negative densities count as empty


def test_ray_points_match_rotate_volume():
    points = ns.ray_points(6, 6)
    assert points.shape == (6, 6, 6, 3)
    assert torch.allclose(points[0, 0, 0], torch.tensor([-5 / 6, -5 / 6, -5 / 6]))  # nearest, top-left centre
    assert (points[1:, ..., 2] > points[:-1, ..., 2]).all()  # index 0 nearest, then away from the viewer
    volume = _volume(3)
    R = rotation_matrix(35.0, -20.0)
    assert torch.allclose(ns.sample_field(volume, ns.ray_points(8, 8, R)), rotate_volume(volume, R), atol=1e-5)
    batched = ns.ray_points(8, 8, torch.stack([R, rotation_matrix(-70.0, 10.0)]))
    # a batched matmul may round differently from a plain one (FMA, other kernels): equal to float32 rounding
    assert batched.shape == (2, 8, 8, 8, 3) and torch.allclose(batched[0], ns.ray_points(8, 8, R), atol=1e-6)


def test_render_field_equals_rotate_and_composite():
    volume = _volume(4)
    R = rotation_matrix(50.0, 25.0)
    turned = ns.voxel_projection_input(volume, R)
    want = composite_front_to_back(turned[:, :3], turned[:, 3:4])
    assert torch.allclose(ns.render_field(volume, R), want, atol=1e-5)
    image = ns.render_field(volume, R, resolution=12, samples=20, density=30.0)
    assert image.shape == (1, 3, 12, 12) and image.min() >= 0 and image.max() <= 1 + 1e-6
    assert torch.allclose(ns.render_field(torch.zeros(1, 4, 8, 8, 8)), torch.ones(1, 3, 8, 8))  # empty: background


# --- BlockGAN ----------------------------------------------------------------------------------------------------


def test_place_object_identity_rotation_and_translation():
    volume = _volume(5)
    assert torch.allclose(ns.place_object(volume), volume, atol=1e-6)
    R = rotation_matrix(90.0, 0.0)
    assert torch.allclose(ns.place_object(volume, R), rotate_volume(volume, R), atol=1e-6)
    dot = torch.zeros(1, 1, 8, 8, 8)
    dot[0, 0, 4, 4, 4] = 1.0  # the voxel centred at (x, y, z) = (1/8, 1/8, 1/8)
    moved = ns.place_object(dot, translation=(0.5, 0.0, -0.25))  # two voxels right, one nearer
    assert moved[0, 0, 3, 4, 6].item() == pytest.approx(1.0) and moved.sum().item() == pytest.approx(1.0)


def test_compose_max_with_an_empty_object_and_in_any_order():
    a, b = _volume(6), _volume(7)
    empty = torch.zeros_like(a)
    assert torch.equal(ns.compose_max([a, empty]), a)
    assert torch.equal(ns.compose_max([a, b]), ns.compose_max([b, a]))
    assert torch.equal(ns.compose_max([a]), a)


# --- GIRAFFE -----------------------------------------------------------------------------------------------------


def test_composite_fields_values():
    sigmas = torch.tensor([1.0, 3.0, 0.0]).view(3, 1, 1, 1)
    features = torch.tensor([[0.0, 4.0], [4.0, 0.0], [100.0, 100.0]]).view(3, 1, 2, 1)
    sigma, feature = ns.composite_fields(sigmas, features)
    assert sigma.item() == 4.0
    assert torch.allclose(feature.flatten(), torch.tensor([3.0, 1.0]))  # the empty field has no say
    sigma0, feature0 = ns.composite_fields(torch.zeros(2, 1, 1, 3), torch.rand(2, 1, 5, 3))
    assert torch.equal(sigma0, torch.zeros(1, 1, 3)) and torch.equal(feature0, torch.zeros(1, 5, 3))


def test_render_fields_one_field_and_an_empty_one():
    volume = _volume(8)
    empty = torch.zeros_like(volume)
    R = rotation_matrix(20.0, 10.0)
    alone = ns.render_fields([volume], R)
    assert torch.allclose(ns.render_fields([volume, empty], R), alone, atol=1e-6)
    assert torch.allclose(alone, ns.render_field(volume, R, density=40.0), atol=1e-6)


# --- EG3D --------------------------------------------------------------------------------------------------------


def test_sample_triplane_shapes_and_known_values():
    r = 8
    centres = (torch.arange(r) + 0.5) / r * 2 - 1
    planes = torch.zeros(2, 3, 2, r, r)
    planes[:, 0, 0] = centres.view(1, r)  # xy plane, channel 0: x (along the width)
    planes[:, 1, 1] = centres.view(r, 1)  # xz plane, channel 1: z (along the height)
    planes[:, 2, 0] = 1.0  # yz plane, channel 0: a constant
    points = torch.rand(2, 50, 3, generator=torch.Generator().manual_seed(3)) * 1.5 - 0.75  # inside the centres
    out = ns.sample_triplane(planes, points)
    assert out.shape == (2, 50, 2)
    assert torch.allclose(out[..., 0], points[..., 0] + 1.0, atol=1e-5)  # x from xy, plus the constant from yz
    assert torch.allclose(out[..., 1], points[..., 2], atol=1e-5)  # z from xz
    assert torch.equal(ns.sample_triplane(planes, torch.full((2, 1, 3), 3.0)), torch.zeros(2, 1, 2))  # outside


def test_triplane_fit_reduces_the_loss():
    volume = _volume(9, size=8)
    field, losses = ns.fit_triplane(volume, steps=40, channels=4)
    assert losses[-1] < 0.5 * losses[0]
    assert field.as_volume(8).shape == (1, 4, 8, 8, 8)


def test_pose_critic_shapes_and_pose_matters():
    critic = ns.PoseConditionedCritic()
    images = torch.rand(3, 3, 16, 16)
    poses = ns.pose_code(torch.tensor([[0.0, 0.0], [90.0, 10.0], [180.0, 30.0]]))
    assert poses.shape == (3, 4) and torch.allclose(poses[0], torch.tensor([1.0, 1.0, 0.0, 0.0]))
    assert critic(images, poses).shape == (3,)
    assert not torch.allclose(critic(images, poses), critic(images, poses.roll(1, 0)))


# --- the checkers --------------------------------------------------------------------------------------------


def _fails(check, *answers, match: str) -> str:
    with pytest.raises(CheckFailed, match=match) as info:
        check(*answers)
    message = str(info.value)
    assert "Traceback" not in message and info.value._render_traceback_() == message.splitlines()
    return message


def test_weights_checker_passes_the_library(capsys):
    checks.check_compositing_weights(ns.compositing_weights)
    out = capsys.readouterr().out
    assert "FAIL" not in out and "7/7" in out and "well done" in out


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (lambda a: a * torch.cumprod(1 - a, -1), "includes sample i itself"),  # inclusive transmittance
        (lambda a: ns.compositing_weights(a.flip(-1)).flip(-1), "near-to-far order reversed"),
        (lambda a: a, "the weights are just alpha"),
        (ns.transmittance, "you returned the transmittance"),
        (
            lambda a: a * torch.cumprod(torch.cat([torch.ones_like(a[..., :1]), a[..., :-1]], -1), -1),
            r"\(1 - alpha_j\)",
        ),
        (lambda a: ns.compositing_weights(a.movedim(-1, 0)).movedim(0, -1), "last dimension"),
        (lambda a: a.sum(-1), "got \\(2, 3\\)"),
    ],
)
def test_weights_checker_names_the_slip(answer, match):
    _fails(checks.check_compositing_weights, answer, match=match)


def test_weights_checker_reports_every_failure():
    message = _fails(checks.check_compositing_weights, lambda a: a, match="sum to at most 1")
    for what in ("opaque first sample", "weights halve", "same weights as the library"):
        assert what in message
    assert message.count("hint:") == 1  # one slip, named once


def test_weights_checker_in_place_and_unwritten():
    def in_place(alpha):
        w = ns.compositing_weights(alpha.clone())
        alpha.zero_()
        return w

    _fails(checks.check_compositing_weights, in_place, match="alpha is left unchanged")

    def blank(alpha):
        raise NotImplementedError("Exercise 1")

    _fails(checks.check_compositing_weights, blank, match=NOT_WRITTEN)


def test_fields_checker(capsys):
    checks.check_composite_fields(ns.composite_fields)
    assert "6/6" in capsys.readouterr().out
    _fails(checks.check_composite_fields, lambda s, f: (s.sum(0), f.mean(0)), match="weight each field's feature")
    _fails(checks.check_composite_fields, lambda s, f: (s.sum(0), (s * f).sum(0)), match="divide the weighted sum")
    _fails(checks.check_composite_fields, lambda s, f: (s.sum(0), (s * f).sum(0) / s.sum(0)), match="NaN")
    _fails(
        checks.check_composite_fields,
        lambda s, f: (s.amax(0), (s * f).sum(0) / s.sum(0).clamp_min(1e-8)),
        match="the densities add up",
    )
    _fails(checks.check_composite_fields, lambda s, f: s.sum(0), match="return sigma, feature")


# --- the lesson ----------------------------------------------------------------------------------------------


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "tools" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _exercise_namespace(student: bool) -> dict:
    nb = _builder().notebook_from_source(ROOT / "notebooks" / "src" / "09_what_came_next.py", student=student)
    ns_: dict = {"torch": torch}
    for cell in nb.cells:
        if cell.cell_type == "code" and exercises.EXERCISE_TAG in cell.metadata.get("tags", []):
            exec(compile(cell.source, "09-exercise", "exec"), ns_)
    return ns_


def test_lesson_is_in_the_course():
    assert LESSON.filename == "09_what_came_next.ipynb" and LESSON.device == "CPU" and not LESSON.extras


def test_lesson_solutions_pass_and_blank_student_cells_fail(capsys):
    solved = _exercise_namespace(student=False)
    checks.check_compositing_weights(solved["my_compositing_weights"])
    checks.check_composite_fields(solved["my_composite_fields"])
    assert "FAIL" not in capsys.readouterr().out
    blank = _exercise_namespace(student=True)
    _fails(checks.check_compositing_weights, blank["my_compositing_weights"], match=NOT_WRITTEN)
    _fails(checks.check_composite_fields, blank["my_composite_fields"], match=NOT_WRITTEN)
