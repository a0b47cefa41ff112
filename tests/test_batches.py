"""Both batch sources give the same seeded order and resume mid-epoch exactly."""

import torch
from torch.utils.data import Dataset

from hologan_lesson.batches import LoaderBatches, TensorBatches, make_batches


class Indexed(Dataset):
    """Image i is filled with the value i/20 - 1, so a batch reveals which indices it holds."""

    def __init__(self, n: int = 21):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> torch.Tensor:
        return torch.full((3, 2, 2), i / 20 - 1)


def ids(batch: torch.Tensor) -> list[int]:
    return [round(float(v)) for v in (batch[:, 0, 0, 0] + 1) * 20]


def test_loader_and_tensor_sources_agree_and_drop_partial_batches():
    dataset = Indexed()
    images = torch.stack([((dataset[i] + 1) * 127.5).round().to(torch.uint8) for i in range(len(dataset))])
    loader = LoaderBatches(dataset, 4, torch.device("cpu"), seed=3)
    tensor = TensorBatches(images, 4, torch.device("cpu"), seed=3)
    seen = []
    for _ in range(10):  # 5 full batches per epoch of 21 images: crosses two epoch boundaries
        a, b = ids(loader.next()), ids(tensor.next())
        assert a == b
        seen.append(a)
    assert len(set(sum(seen[:5], []))) == 20  # one epoch: 20 distinct images, the 21st dropped


def test_loader_resume_mid_epoch_is_exact():
    dataset = Indexed()
    first = LoaderBatches(dataset, 4, torch.device("cpu"), seed=7)
    for _ in range(7):
        first.next()
    state = first.state_dict()
    expected = [ids(first.next()) for _ in range(6)]
    resumed = LoaderBatches(dataset, 4, torch.device("cpu"), seed=0)
    resumed.load_state_dict(state)
    assert [ids(resumed.next()) for _ in range(6)] == expected


def test_make_batches_picks_resident_source_for_in_memory_images():
    class Resident(Indexed):
        images = torch.zeros(21, 3, 2, 2, dtype=torch.uint8)

    assert isinstance(make_batches(Resident(), 4, torch.device("cpu"), seed=0), TensorBatches)
    assert isinstance(make_batches(Indexed(), 4, torch.device("cpu"), seed=0), LoaderBatches)
