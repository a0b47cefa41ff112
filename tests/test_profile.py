import pytest
import torch

from hologan_lesson import pick, profile


def test_profile_reads_env(monkeypatch):
    for name in ("ci", "cpu", "gpu", "CPU", " gpu "):
        monkeypatch.setenv("HOLOGAN_PROFILE", name)
        assert profile() == name.strip().lower()


def test_profile_default_depends_on_cuda(monkeypatch):
    monkeypatch.delenv("HOLOGAN_PROFILE", raising=False)
    assert profile() == ("gpu" if torch.cuda.is_available() else "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profile() == "gpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert profile() == "cpu"


def test_profile_rejects_unknown_value(monkeypatch):
    monkeypatch.setenv("HOLOGAN_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"HOLOGAN_PROFILE='fast'.*ci, cpu, gpu"):
        profile()


def test_pick_follows_profile(monkeypatch):
    monkeypatch.setenv("HOLOGAN_PROFILE", "ci")
    assert pick(ci=1, cpu=2, gpu=3) == 1
    monkeypatch.setenv("HOLOGAN_PROFILE", "gpu")
    assert pick(ci=1, cpu=2, gpu=3) == 3
    assert pick(ci=1, cpu=2) == 2
