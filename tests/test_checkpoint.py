import pickle

import pytest
import torch

from hologan_lesson.runs import (
    CheckpointError,
    checkpoint_path,
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    prune_checkpoints,
    save_checkpoint,
)


def test_round_trip_and_keep_last(tmp_path):
    for step in (10, 20, 30, 40):
        save_checkpoint({"step": step, "w": torch.full((2,), float(step))}, checkpoint_path(tmp_path, step))
    prune_checkpoints(tmp_path, keep=2)
    assert [s for s, _ in list_checkpoints(tmp_path)] == [30, 40]
    state = load_checkpoint(latest_checkpoint(tmp_path))
    assert state["step"] == 40 and torch.equal(state["w"], torch.full((2,), 40.0))
    assert not list((tmp_path / "checkpoints").glob("*.tmp"))


def test_refuses_files_that_are_not_checkpoints(tmp_path):
    text = tmp_path / "notes.pt"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match="is not a HoloGAN checkpoint"):
        load_checkpoint(text)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(CheckpointError, match="format"):
        load_checkpoint(foreign)
    evil = tmp_path / "evil.pt"

    class Boom:
        def __reduce__(self):
            return (print, ("this must never run",))

    evil.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(CheckpointError, match="could not be read safely"):
        load_checkpoint(evil)
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")


def test_failed_write_leaves_previous_file(tmp_path, monkeypatch):
    path = checkpoint_path(tmp_path, 5)
    save_checkpoint({"step": 5}, path)

    def broken_save(obj, fh):
        fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint({"step": 6}, path)
    monkeypatch.undo()
    assert load_checkpoint(path)["step"] == 5
    assert not list(path.parent.glob("*.tmp"))
