"""Checkers for lesson 03b (meet the data)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ...data.images import center_crop, to_tensor
from ._core import check, friendly, report


@friendly
def check_center_crop(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Compare a learner's ``fn(image (H, W, C), size) -> (size, size, C)`` with the library's centre crop."""
    rng = np.random.default_rng(0)
    celeba = rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)  # an aligned CelebA image is 178 wide, 218 tall
    mine = np.asarray(fn(celeba.copy(), 108))
    check(
        mine.shape == (108, 108, 3),
        "a 108 px crop of a 178x218 image has shape (108, 108, 3)",
        f"got {mine.shape}; slice rows (height) first, then columns: image[top:top + size, left:left + size]",
    )
    swapped = mine.shape == (108, 108, 3) and np.array_equal(mine, celeba[35:143, 55:163])
    check(
        np.array_equal(mine, center_crop(celeba, 108)),
        "it is the centred square: rows 55..162, columns 35..142",
        "top = (H - size) // 2 = 55 and left = (W - size) // 2 = 35; arrays are (H, W, C), so H = 218"
        + (" (you swapped height and width)" if swapped else ""),
    )
    odd = rng.integers(0, 256, (101, 64, 3), dtype=np.uint8)
    check(
        np.array_equal(np.asarray(fn(odd.copy(), 33)), center_crop(odd, 33)),
        "odd margins round down like the library: a 33 px crop of 64x101 starts at row 34, column 15",
        "use integer division for the offsets: (101 - 33) // 2 = 34 and (64 - 33) // 2 = 15",
    )
    try:
        fn(odd.copy(), 80)
        raised = False
    except ValueError:
        raised = True
    check(
        raised,
        "a crop larger than the image raises ValueError",
        "check size <= H and size <= W first and raise ValueError, instead of returning a smaller array",
    )
    report(4, 4, "centre crops")


@friendly
def check_to_model_input(fn: Callable[[np.ndarray], torch.Tensor]) -> None:
    """Compare a learner's ``fn(uint8 (H, W, 3)) -> float (3, H, W) in [-1, 1]`` with the library."""
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
    image[0, 0], image[0, 1] = 0, 255
    mine = fn(image.copy())
    check(
        isinstance(mine, torch.Tensor) and mine.shape == (3, 12, 10) and mine.dtype == torch.float32,
        "returns a float32 tensor of shape (3, H, W)",
        "torch.from_numpy(image).permute(2, 0, 1).float(): channels first, as torch layers expect",
    )
    check(
        bool(mine[:, 0, 0].eq(-1).all() and mine[:, 0, 1].eq(1).all()),
        "0 maps to -1 and 255 maps to +1",
        "x / 127.5 - 1 puts [0, 255] onto [-1, 1], the range of the generator's tanh output",
    )
    check(
        torch.allclose(mine, to_tensor(image), atol=1e-6),
        "every pixel matches the library's to_tensor",
        "keep the channel order (R, G, B) and scale all values the same way",
    )
    report(3, 3, "images to model inputs")
