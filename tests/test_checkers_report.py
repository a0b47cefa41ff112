"""Checkers run every test and report every failure; the usual slips get precise hints; errors in exercise
cells get a short message that names the cell."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hologan_lesson.lessons import notebook
from hologan_lesson.lessons.checks import CheckFailed, all_reported
from hologan_lesson.lessons.checks import discriminator as d_checks
from hologan_lesson.lessons.checks import rotation as r_checks
from hologan_lesson.model.rotation import rotation_matrix


def failure(check, *answers) -> str:
    with pytest.raises(CheckFailed) as info:
        check(*answers)
    message = str(info.value)
    assert "Traceback" not in message and info.value._render_traceback_() == message.splitlines()
    return message


def _warp(volume, R, transpose=True, corners=False, zyx=False):
    n = volume.shape[0]
    R = R.expand(n, 3, 3) if R.ndim == 2 else R
    R = r_checks.SWAP @ R @ r_checks.SWAP if zyx else R
    theta = torch.cat([R.transpose(1, 2) if transpose else R, torch.zeros(n, 3, 1)], dim=2)
    grid = F.affine_grid(theta, list(volume.shape), align_corners=corners)
    return F.grid_sample(volume, grid, align_corners=corners)


def test_align_corners_true_fails_with_its_hint():
    message = failure(r_checks.check_rotate_volume, lambda v, R: _warp(v, R, corners=True))
    assert "align_corners=False" in message and "not a cube" in message


def test_zyx_order_gets_its_own_hint():
    message = failure(r_checks.check_rotate_volume, lambda v, R: _warp(v, R, zyx=True))
    assert "(z, y, x) order" in message and "rotated the sampling grid by R" not in message
    message = failure(r_checks.check_rotation_matrix, lambda a, e: r_checks.zyx(rotation_matrix(a, e)))
    assert "(z, y, x) order" in message


def test_grid_by_r_keeps_its_hint_and_reports_every_case(capsys):
    message = failure(r_checks.check_rotate_volume, lambda v, R: _warp(v, R, transpose=False))
    assert "Rᵀ" in message and message.count("FAIL") == 1  # one hint for the three failing cases
    assert message.count("rotate_volume of") == 3
    assert "3/6 checks passed" in capsys.readouterr().out  # the shape checks still ran and passed


class ReluHead(nn.Module):
    def __init__(self, features, z_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, 128), nn.ReLU(), nn.Linear(128, z_dim), nn.Tanh())

    def forward(self, flat):
        return self.net(flat)


def test_relu_head_is_reported_when_the_loss_is_also_wrong():
    with pytest.raises(CheckFailed) as info:
        with all_reported():
            d_checks.check_identity_loss(lambda z_hat, z: (z_hat - z).pow(2).sum())
            d_checks.check_identity_head(ReluHead)
    message = str(info.value)
    assert "that is the sum" in message and "LeakyReLU with slope 0.2, not ReLU" in message


def test_a_checker_reports_all_its_failures():
    def swapped_and_unbiased(h):  # two slips: std first, and the unbiased estimate
        return torch.cat([h.std(dim=(2, 3)), h.mean(dim=(2, 3))], 1)

    message = failure(d_checks.check_style_stats, swapped_and_unbiased)
    assert message.count("FAIL") >= 2


def test_name_error_inside_the_learners_code_is_named():
    def uses_missing(az, el):
        return undefined_helper(az, el)  # noqa: F821

    message = failure(r_checks.check_rotation_matrix, uses_missing)
    assert "NameError" in message and "undefined_helper" in message and "run the cells above" in message


# --- friendly messages for errors in exercise cells, inside IPython --------------------------------------------


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    assert notebook.install_friendly_errors(ip)
    yield ip
    ip.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def test_syntax_error_names_the_exercise(shell, capsys):
    result = shell.run_cell("# Exercise 2\ndef my_rotate_volume(volume, R)\n    return volume\n", store_history=True)
    assert not result.success
    out = capsys.readouterr().out
    assert "Python cannot read the cell of Exercise 2" in out and "line 2" in out


def test_name_error_names_the_cell_to_run(shell, capsys):
    shell.run_cell("# Exercise 1\ndef my_rotation_matrix(a, e)\n    return 1\n", store_history=True)
    capsys.readouterr()
    result = shell.run_cell("print(my_rotation_matrix)", store_history=True)
    assert not result.success and isinstance(result.error_in_exec, NameError)
    out = capsys.readouterr().out
    assert "`my_rotation_matrix` is not defined yet" in out and "the cell of Exercise 1" in out
    assert "Traceback" not in out
    result = shell.run_cell("my_other_function()", store_history=True)
    assert "exercise cell that defines it" in capsys.readouterr().out
