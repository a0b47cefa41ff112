"""The iteration's first G step reuses the D step's fakes: bit-identical to recomputing them."""

from __future__ import annotations

import pytest
import torch

from hologan_lesson.config import PRESETS, make_config
from hologan_lesson.model.generator import HoloGANGenerator
from hologan_lesson.model.losses import discriminator_loss, generator_loss
from hologan_lesson.train import Trainer


def two_forward_step(trainer: Trainer) -> None:
    """The iteration as written before the reuse: every G step renders G(z, views) again, and the G steps
    also compute (unused) gradients for D's weights. fp32, no autocast or scaler (the ci preset)."""
    t, loss_cfg = trainer.cfg.train, trainer.cfg.loss
    real = trainer.batches.next()
    z = trainer._sample_z(t.batch_size, trainer.rng)
    views = trainer._sample_views(t.batch_size, trainer.rng)
    fake = trainer.G(z, views)
    d_total, _ = discriminator_loss(trainer.D(real), trainer.D(fake.detach()), z, loss_cfg)
    trainer.opt_d.zero_grad(set_to_none=True)
    d_total.backward()
    trainer.opt_d.step()
    for _ in range(t.g_steps_per_d):
        fake = trainer.G(z, views)
        g_total, _ = generator_loss(trainer.D(fake), z, loss_cfg)
        trainer.opt_g.zero_grad(set_to_none=True)
        g_total.backward()
        trainer.opt_g.step()
    trainer.sched_d.step()
    trainer.sched_g.step()
    trainer.step += 1


def test_no_preset_generator_has_running_statistics():
    """An extra G forward changes nothing but BatchNorm running statistics, and no preset's G has any."""
    for name, preset in PRESETS.items():
        with torch.device("meta"):
            generator = HoloGANGenerator(preset().generator)
        assert not list(generator.buffers()), name
    with torch.device("meta"):
        traditional = HoloGANGenerator(make_config("ci", overrides=["generator.z_input=traditional"]).generator)
    assert any(n.endswith("running_mean") for n, _ in traditional.named_buffers())  # the one exception


@pytest.mark.parametrize("overrides", [[], ["generator.z_input=traditional"]], ids=["adain", "traditional-bn"])
def test_reused_fakes_give_bit_identical_weights(tmp_path, overrides):
    cfg = make_config("ci", overrides=overrides)
    assert cfg.train.g_steps_per_d == 2
    old, new = Trainer(cfg, tmp_path / "old"), Trainer(cfg, tmp_path / "new")
    assert new.reuse_fake == (not overrides)  # BatchNorm (running statistics): G renders again
    for _ in range(2):
        two_forward_step(old)
        new.train_step()
    for a, b in ((old.G, new.G), (old.D, new.D)):
        for (name, x), (_, y) in zip(
            (*a.named_parameters(), *a.named_buffers()), (*b.named_parameters(), *b.named_buffers())
        ):
            assert torch.equal(x, y), name
    for a, b in ((old.opt_g, new.opt_g), (old.opt_d, new.opt_d)):
        for sa, sb in zip(a.state.values(), b.state.values()):
            assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert torch.equal(old.rng.get_state(), new.rng.get_state())


def test_r1_trains_the_same_step_with_its_term(tmp_path):
    """loss.r1_weight adds d_r1 to the D step (the penalty needs the real images' gradient) and trains."""
    trainer = Trainer(make_config("ci", overrides=["loss.r1_weight=10"]), tmp_path / "r1")
    before = [p.detach().clone() for p in trainer.D.parameters()]
    terms = trainer.train_step().terms
    assert terms["d_r1"] > 0 and torch.isfinite(terms["d_total"])
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.D.parameters()))


def test_weight_average_follows_the_generator_and_is_what_ships(tmp_path):
    """train.ema_decay: the first update copies G, each later one moves the average (1 - decay) towards G;
    checkpoints keep both, load_generator and export give the average, and a resumed run continues it."""
    from hologan_lesson import runs

    decay = 0.9
    trainer = Trainer(make_config("ci", overrides=[f"train.ema_decay={decay}"]), tmp_path / "ema")
    trainer.train_step()
    assert all(torch.equal(a, b) for a, b in zip(trainer.sampler.parameters(), trainer.G.parameters()))
    expected = [p.detach().clone() for p in trainer.sampler.parameters()]
    trainer.train_step()
    expected = [decay * e + (1 - decay) * p for e, p in zip(expected, trainer.G.parameters())]
    for e, a, p in zip(expected, trainer.sampler.parameters(), trainer.G.parameters()):
        assert torch.allclose(e, a, atol=1e-6) and not torch.equal(a, p)

    path = trainer.save()
    loaded, _ = runs.load_generator(path)
    for a, b in zip(loaded.state_dict().values(), trainer.sampler.state_dict().values()):
        assert torch.equal(a, b)
    trained, _ = runs.generator_from_state(runs.load_checkpoint(path), average=False)
    assert all(torch.equal(a, b) for a, b in zip(trained.parameters(), trainer.G.parameters()))
    slim, _ = runs.load_generator(runs.export_generator(path, tmp_path / "slim.pt"))
    assert all(torch.equal(a, b) for a, b in zip(slim.parameters(), trainer.sampler.parameters()))

    resumed = Trainer(trainer.cfg, tmp_path / "ema", resume=True)
    trainer.train_step(), resumed.train_step()
    assert int(resumed.G_ema.n_averaged) == int(trainer.G_ema.n_averaged) == 3
    assert all(torch.equal(a, b) for a, b in zip(resumed.sampler.parameters(), trainer.sampler.parameters()))
