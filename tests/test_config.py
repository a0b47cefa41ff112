import dataclasses

import pytest

from hologan_lesson.config import (
    PRESETS,
    ConfigError,
    RunConfig,
    make_config,
    run_config_from_dict,
    to_dict,
)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_resolves_and_round_trips(name):
    cfg = make_config(name)
    assert cfg.generator.resolution == cfg.data.resolution == cfg.discriminator.resolution
    assert run_config_from_dict(to_dict(cfg)) == cfg


def test_preset_specifics():
    assert make_config("colab").train.precision == "fp16"
    gpu = make_config("gpu").train
    assert gpu.precision == "bf16" and gpu.channels_last
    paper = make_config("paper")
    assert paper.train.batch_size == 32 and paper.train.lr_g == 1e-4 and paper.train.betas == (0.5, 0.999)
    assert paper.generator.const_channels == 512 and paper.data.resolution == 64
    assert make_config("paper128").generator.resolution == 128
    assert make_config("ci").data.in_memory


def test_dataset_switch_sets_pose_range():
    cfg = make_config("cpu", "celeba")
    assert cfg.data.name == "celeba" and cfg.data.azimuth_range == (-50.0, 50.0)
    assert make_config("cpu", "/some/folder").data.name == "/some/folder"


def test_overrides_are_typed():
    cfg = make_config(
        "ci",
        overrides=[
            "train.steps=7",
            "train.lr_d=0.5",
            "train.channels_last=yes",
            "data.azimuth_range=(-10, 10)",
            "loss.identity_weight=0",
        ],
    )
    assert cfg.train.steps == 7 and cfg.train.lr_d == 0.5 and cfg.train.channels_last is True
    assert cfg.data.azimuth_range == (-10.0, 10.0) and cfg.loss.identity_weight == 0.0


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(preset="fast"), "unknown preset 'fast'"),
        (dict(preset="ci", overrides=["train.stepz=3"]), "unknown field 'stepz'"),
        (dict(preset="ci", overrides=["optim.lr=3"]), "no config section 'optim'"),
        (dict(preset="ci", overrides=["train.steps=many"]), "expected a int"),
        (dict(preset="ci", overrides=["data.resolution=96"]), "resolution mismatch"),
        (
            dict(
                preset="ci",
                overrides=["generator.resolution=96", "discriminator.resolution=96", "data.resolution=96"],
            ),
            "not supported",
        ),
        (dict(preset="ci", overrides=["train.precision=fp8"]), "fp32, bf16 or fp16"),
        (dict(preset="ci", overrides=["steps"]), "section.field=value"),
        (dict(preset="ci", overrides=["train.ema_decay=1"]), "train.ema_decay=1.0: use 0"),
        (dict(preset="ci", overrides=["loss.r1_weight=-1"]), "must be >= 0"),
        (dict(preset="ci", overrides=["loss.view_real_weight=-1"]), "must be >= 0"),
        (dict(preset="ci", overrides=["generator.projection=raymarch"]), "use stack or composite"),
        (dict(preset="ci", overrides=["loss.view_elevation_weight=-2"]), "view_elevation_weight=-2.0"),
        (dict(preset="ci", overrides=["loss.r1_weight=10", "train.compile=true"]), "set train.compile=false"),
    ],
)
def test_config_errors_are_one_line(kwargs, message):
    with pytest.raises(ConfigError, match=message) as info:
        make_config(**kwargs)
    assert "\n" not in str(info.value)


def test_unknown_field_in_saved_config():
    data = to_dict(RunConfig())
    data["train"]["bogus"] = 1
    with pytest.raises(ValueError, match="bogus"):
        run_config_from_dict(data)


def test_32px_configs_build_matching_networks():
    import torch

    from hologan_lesson.config import discriminator_config, generator_config
    from hologan_lesson.model.discriminator import HoloGANDiscriminator
    from hologan_lesson.model.generator import HoloGANGenerator

    g = HoloGANGenerator(generator_config(32, width=1 / 8))
    d = HoloGANDiscriminator(discriminator_config(32, width=1 / 8))
    images = g(torch.rand(2, 128) * 2 - 1, torch.zeros(2, 2))
    assert images.shape == (2, 3, 32, 32) and d(images).logit.shape == (2,)
    cpu = make_config("cpu")
    assert cpu.data.resolution == 32 and cpu.generator.resolution == 32


def test_cpu_preset_is_the_pose_emergence_recipe_and_keeps_it_for_its_own_dataset():
    cfg = make_config("cpu", "synthetic")
    assert cfg.data.families == ("car",) and cfg.data.azimuth_range == (0.0, 360.0)  # the full circle
    assert cfg.data.elevation_range == (20.0, 40.0) and cfg.generator.projection == "composite"  # seen from above
    assert cfg.loss.identity_weight == 0 and cfg.loss.style_weight == 0 and not cfg.discriminator.style_heads
    assert cfg.discriminator.view_head and cfg.loss.view_weight > 0  # pi-GAN's view head
    assert cfg.loss.r1_weight == 10 and cfg.train.lr_decay and cfg.train.steps == 2400  # what holds the turn
    other = make_config("cpu", "celeba")  # another dataset brings its own pose range and no family filter
    assert other.data.families == () and other.data.elevation_range == (-20.0, 20.0)
    assert make_config("cpu", overrides=["data.families=car,mug"]).data.families == ("car", "mug")


def test_the_chair_recipe_is_the_cpu_recipe_on_chairs_from_higher_above():
    cars, chairs = make_config("cpu"), make_config("cpu_chairs")
    assert chairs.data.families == ("chair",) and chairs.data.elevation_range == (45.0, 70.0)
    assert chairs.data.azimuth_range == cars.data.azimuth_range == (0.0, 360.0)
    for section in ("generator", "discriminator", "loss"):
        assert getattr(chairs, section) == getattr(cars, section), section
    assert chairs.train == dataclasses.replace(cars.train, seed=0)  # the sweep's seed that turned on 1 and 2 threads
