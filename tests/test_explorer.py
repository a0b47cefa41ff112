"""The explorer: turntable views and frames, GIF writing, the widget, and loading checkpoints."""

import pytest
import torch
from PIL import Image

from hologan_lesson.config import ConfigError, generator_config, make_config, to_dict
from hologan_lesson.explorer import (
    Explorer,
    checkpoint_step,
    code_from_seed,
    load_explorer_generator,
    turntable_frames,
    turntable_views,
    write_turntable_gif,
)
from hologan_lesson.lessons.checks import CheckFailed
from hologan_lesson.lessons.checks.explorer import check_turntable_views
from hologan_lesson.model.generator import HoloGANGenerator, render_views
from hologan_lesson.runs import save_checkpoint


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)
    return HoloGANGenerator(generator_config(32, width=1 / 16)).eval()


def test_turntable_views_there_and_back():
    views = turntable_views(24, (-60.0, 60.0), 12.0)
    assert views.shape == (24, 2) and bool((views[:, 1] == 12.0).all())
    azimuth = views[:, 0]
    assert azimuth[0] == -60.0 and azimuth[12] == 60.0 and azimuth.min() == -60.0 and azimuth.max() == 60.0
    assert torch.allclose(azimuth[1:12], azimuth[13:].flip(0))  # the way back retraces the way there
    steps = (azimuth.roll(-1) - azimuth).abs()  # including the jump from the last frame back to the first
    assert torch.allclose(steps, torch.full_like(steps, 10.0))  # even steps, no repeated frame at the loop
    once = turntable_views(5, (0.0, 40.0), 0.0, pingpong=False)[:, 0]
    assert once.tolist() == [0.0, 10.0, 20.0, 30.0, 40.0]
    circle = turntable_views(8, (-180.0, 180.0), 0.0, pingpong=False)[:, 0]
    assert circle.tolist() == [-180.0, -135.0, -90.0, -45.0, 0.0, 45.0, 90.0, 135.0]  # +180 would repeat -180
    assert torch.equal(turntable_views(8, (0.0, 360.0), 30.0), turntable_views(8, (0.0, 360.0), 30.0, pingpong=False))
    assert turntable_views(8, (0.0, 360.0), 30.0)[:, 0].tolist() == [0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0]
    with pytest.raises(ValueError, match="at least 2"):
        turntable_views(1)
    with pytest.raises(ValueError, match="empty"):
        turntable_views(8, (10.0, -10.0))


@pytest.mark.parametrize("frames, scale", [(6, 1), (9, 3)])
def test_turntable_frames_count_and_size(generator, frames, scale):
    z = generator.sample_z(1, generator=torch.Generator().manual_seed(0))[0]
    out = turntable_frames(generator, z, frames, (-60.0, 60.0), 10.0, scale=scale)
    assert len(out) == frames
    assert all(f.shape == (32 * scale, 32 * scale, 3) and f.dtype.name == "uint8" for f in out)
    direct = render_views(generator, z, turntable_views(frames, (-60.0, 60.0), 10.0))  # one view at a time
    first = ((direct[0].clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).numpy()
    assert (out[0][::scale, ::scale] == first).all()
    assert not (out[0] == out[frames // 2]).all()  # the volume turned


def test_gif_has_one_frame_per_view(generator, tmp_path):
    z = (code_from_seed(generator, 3), code_from_seed(generator, 4))
    path = write_turntable_gif(generator, z, tmp_path / "sub" / "turn.gif", frames=10, scale=2)
    with Image.open(path) as gif:
        assert gif.n_frames == 10 and gif.size == (64, 64) and gif.info["loop"] == 0


def test_explorer_widget_codes_and_gif(generator, tmp_path):
    explorer = Explorer(generator, shape_seed=5, appearance_seed=6, gif_dir=tmp_path, frames=8, scale=2)
    first = explorer.panel.image.value
    assert torch.equal(explorer.z[0], code_from_seed(generator, 5))
    explorer.shape_seed.value = 7  # typing a new seed re-renders with the new shape code
    assert torch.equal(explorer.z[0], code_from_seed(generator, 7)) and explorer.panel.image.value != first
    explorer.shape_seed.value = 5
    assert explorer.panel.image.value == first  # seeds name codes: back to the same image
    explorer.appearance_seed.value = 9
    assert torch.equal(explorer.z[1], code_from_seed(generator, 9)) and explorer.panel.image.value != first
    explorer.panel.elevation.value = 20.0
    explorer.gif_button.click()
    gifs = list(tmp_path.glob("turntable_*.gif"))
    assert len(gifs) == 1 and "8 frames" in explorer.status.value
    with Image.open(gifs[0]) as gif:
        assert gif.n_frames == 8


def test_load_checkpoint_file_and_errors(generator, tmp_path):
    cfg = make_config("cpu")
    cfg.generator = generator.cfg
    path = save_checkpoint({"step": 7, "config": to_dict(cfg), "generator": generator.state_dict()}, tmp_path / "g.pt")
    loaded, loaded_cfg = load_explorer_generator(path)
    assert checkpoint_step(path) == 7
    assert loaded_cfg.generator == generator.cfg and not loaded.training
    z, views = generator.sample_z(2), torch.tensor([[0.0, 0.0], [30.0, 10.0]])
    assert torch.equal(loaded(z, views), generator(z, views))
    with pytest.raises(ConfigError, match="no such checkpoint"):
        load_explorer_generator(tmp_path / "missing.pt")


def test_checker_accepts_library_and_rejects_one_way_turn(capsys):
    check_turntable_views(lambda frames, rng, el: turntable_views(frames, rng, el))
    assert "4/4 checks passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="there and back"):
        check_turntable_views(lambda frames, rng, el: turntable_views(frames, rng, el, pingpong=False))


def test_composite_depth_maps_follow_the_rotation_and_refuse_the_stacked_unit(generator):
    from hologan_lesson.explorer import composite_depth_maps, projection_depth_weights

    torch.manual_seed(0)
    G = HoloGANGenerator(generator_config(32, width=1 / 16, projection="composite")).eval()
    views = torch.tensor([[0.0, 0.0], [180.0, 0.0]])
    maps = composite_depth_maps(G, G.sample_z(1)[0], views)  # (2, 2, 16, 16): coverage, expected depth
    assert maps.shape == (2, 2, 16, 16) and bool((maps[:, 0] <= 1 + 1e-5).all() and (maps[:, 0] >= 0).all())
    assert bool((maps[:, 1] >= 0).all() and (maps[:, 1] <= 15).all())
    assert not torch.allclose(maps[0], maps[1], atol=1e-4)  # the view turns the volume before it is composited
    with pytest.raises(ValueError, match="composite_depth_maps"):
        projection_depth_weights(G)
    with pytest.raises(ValueError, match="compositing projection"):
        composite_depth_maps(generator, generator.sample_z(1)[0], views)
