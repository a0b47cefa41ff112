"""Synthetic 3D objects with ground-truth pose: rendering on demand, building the on-disk cache, torch Datasets.

Image ``i`` of a set with seed ``s`` is fully determined by ``(s, i)``: its identity comes from
``numpy.random.default_rng([s, i, 0])`` and its pose from ``default_rng([s, i, 1])``, and the renderer
uses only machine-independent arithmetic, so the same seed gives the same pixels everywhere (for a given
``SYNTHETIC_VERSION``; bump it whenever a change to shapes, colours or rendering alters any pixel).

The cache's layout, folder names and manifest checks are in ``synthetic_cache.py``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..utils import progress_bar
from .catalogue import MANIFEST, Range
from .render import (
    BACKGROUND,
    render_layers,
    render_object,
    render_silhouette,
    render_views,
    view_rotation,
    voxelize,
)
from .shapes import (
    FAMILIES,
    NUM_COLOURS,
    NUM_PROPORTIONS,
    ObjectParams,
    check_families,
    sample_from_families,
    sample_object_params,
)
from .synthetic_cache import (
    _DEFAULT,
    _FORMAT,
    SUPERSAMPLE,
    SYNTHETIC_VERSION,
    _cache_problem,
    _check_params,
    _check_range,
    _expected_manifest,
    _find_cache,
    _read_manifest,
    synthetic_cache_dir,
)

__all__ = [
    "BACKGROUND",
    "FAMILIES",
    "SYNTHETIC_VERSION",
    "InMemorySyntheticDataset",
    "ObjectParams",
    "SyntheticDataset",
    "build_synthetic_cache",
    "check_families",
    "render_layers",
    "render_object",
    "render_silhouette",
    "render_synthetic",
    "render_views",
    "sample_object_params",
    "synthetic_cache_dir",
    "synthetic_item",
    "view_rotation",
    "voxelize",
]


def synthetic_item(
    index: int,
    seed: int = 0,
    azimuth_range: Range = _DEFAULT.azimuth,
    elevation_range: Range = _DEFAULT.elevation,
    families: Sequence[str] | None = None,
) -> tuple[ObjectParams, float, float]:
    """Identity and pose (azimuth, elevation in degrees) of image ``index`` of the set with ``seed``."""
    params = sample_from_families(np.random.default_rng([seed, index, 0]), families)  # all five: original stream
    u = np.random.default_rng([seed, index, 1]).random(2)
    azimuth = azimuth_range[0] + u[0] * (azimuth_range[1] - azimuth_range[0])
    elevation = elevation_range[0] + u[1] * (elevation_range[1] - elevation_range[0])
    return params, float(azimuth), float(elevation)


def render_synthetic(
    indices: Sequence[int],
    seed: int = 0,
    resolution: int = 64,
    azimuth_range: Range = _DEFAULT.azimuth,
    elevation_range: Range = _DEFAULT.elevation,
    families: Sequence[str] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Render images ``indices`` of a set: ``(n, H, W, 3)`` uint8 and ground-truth arrays."""
    n = len(indices)
    images = np.empty((n, resolution, resolution, 3), dtype=np.uint8)
    truth = {
        "azimuth": np.empty(n),
        "elevation": np.empty(n),
        "family": np.empty(n, dtype=np.int64),
        "proportions": np.empty((n, NUM_PROPORTIONS)),
        "colours": np.empty((n, NUM_COLOURS, 3)),
    }
    for k, index in enumerate(indices):
        params, az, el = synthetic_item(int(index), seed, azimuth_range, elevation_range, families)
        images[k] = render_object(params, az, el, resolution, SUPERSAMPLE)
        truth["azimuth"][k], truth["elevation"][k], truth["family"][k] = az, el, params.family
        truth["proportions"][k], truth["colours"][k] = params.proportions, params.colours
    return images, truth


def _render_chunk(args: tuple) -> tuple[int, np.ndarray, dict[str, np.ndarray]]:
    start, stop, seed, resolution, az_range, el_range, families = args
    images, truth = render_synthetic(range(start, stop), seed, resolution, az_range, el_range, families)
    return start, images, truth


def _render_all(
    num_images: int,
    seed: int,
    resolution: int,
    az_range: Range,
    el_range: Range,
    images: np.ndarray,
    workers: int | None,
    progress: bool,
    families: tuple[str, ...] = FAMILIES,
) -> dict[str, np.ndarray]:
    """Fill ``images`` (N, H, W, 3) in place, over worker processes; return the ground truth."""
    chunk = 200
    jobs = [
        (start, min(start + chunk, num_images), seed, resolution, az_range, el_range, families)
        for start in range(0, num_images, chunk)
    ]
    if workers is None:
        workers = min(os.cpu_count() or 1, 8)
    workers = max(1, min(workers, len(jobs)))
    truth: dict[str, np.ndarray] = {}
    bar = progress_bar(total=num_images, desc=f"rendering {resolution}px objects", unit="img", show=progress)

    def store(start: int, block: np.ndarray, part: dict[str, np.ndarray]) -> None:
        images[start : start + len(block)] = block
        for key, value in part.items():
            if key not in truth:
                truth[key] = np.empty((num_images, *value.shape[1:]), dtype=value.dtype)
            truth[key][start : start + len(block)] = value
        bar.update(len(block))

    try:
        if workers == 1:
            for job in jobs:
                store(*_render_chunk(job))
        else:
            with multiprocessing.get_context().Pool(workers) as pool:
                for result in pool.imap_unordered(_render_chunk, jobs):
                    store(*result)
    finally:
        bar.close()
    return truth


def build_synthetic_cache(
    root: str | os.PathLike | None = None,
    resolution: int = 64,
    num_images: int = 20000,
    seed: int = 0,
    azimuth_range: Range = _DEFAULT.azimuth,
    elevation_range: Range = _DEFAULT.elevation,
    workers: int | None = None,
    progress: bool = True,
    families: Sequence[str] | None = None,
) -> Path:
    """Render the set once into its cache folder (later calls with equal parameters reuse it); return it."""
    _check_params(resolution, num_images, seed)
    az, el = _check_range("azimuth_range", azimuth_range), _check_range("elevation_range", elevation_range)
    fams = check_families(families)
    folder = synthetic_cache_dir(root, resolution, num_images, seed, az, el, fams)
    expected = _expected_manifest(resolution, num_images, seed, az, el, fams)
    if folder.exists():
        problem = _cache_problem(folder, expected)
        if problem is None:
            return folder
        raise RuntimeError(
            f"{folder} exists but is not a usable cache for these parameters: {problem}. "
            f"It was left untouched; "
            f"delete that folder to rebuild it."
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".tmp-{folder.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        start = time.perf_counter()
        images = np.lib.format.open_memmap(
            tmp / "images.npy", mode="w+", dtype=np.uint8, shape=(num_images, resolution, resolution, 3)
        )
        truth = _render_all(num_images, seed, resolution, az, el, images, workers, progress, fams)
        images.flush()
        del images
        np.savez(tmp / "ground_truth.npz", **truth)
        manifest = dict(expected)
        manifest.update(
            {
                "background": list(BACKGROUND),
                "files": {"images": "images.npy", "ground_truth": "ground_truth.npz"},
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "render_seconds": round(time.perf_counter() - start, 1),
            }
        )
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))
        try:
            os.rename(tmp, folder)
        except OSError:
            if not folder.exists():
                raise
            # Another process finished the same cache first: use theirs, drop our identical copy.
            shutil.rmtree(tmp, ignore_errors=True)
            problem = _cache_problem(folder, expected)
            if problem is not None:
                raise RuntimeError(f"{folder} was written concurrently and is not usable: {problem}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


class _SyntheticBase(Dataset):
    """Shared interface: images as ``(3, H, W)`` float tensors in [-1, 1] plus per-image ground truth."""

    images: np.ndarray  # (N, H, W, 3) uint8
    truth: dict[str, np.ndarray]

    def _setup(self, images: np.ndarray, truth: dict[str, np.ndarray], azimuth_range: Range, elevation_range: Range):
        self.images = images
        self.truth = truth
        self.resolution = int(images.shape[1])
        self.azimuth_range, self.elevation_range = azimuth_range, elevation_range
        self.family_names: tuple[str, ...] = FAMILIES
        # (N, 2) degrees (azimuth, elevation), in the course convention
        self.poses = torch.from_numpy(np.stack([truth["azimuth"], truth["elevation"]], 1)).float()
        self.families = torch.from_numpy(truth["family"]).long()  # (N,)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        image = torch.from_numpy(np.array(self.images[index]))  # (H, W, 3) uint8
        return image.permute(2, 0, 1).float() / 127.5 - 1.0  # (3, H, W) in [-1, 1]

    def ground_truth(self, index: int) -> dict:
        """Pose, family and identity of image ``index`` (JSON-ready)."""
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} images")
        t = self.truth
        family = int(t["family"][index])
        return {
            "index": index % len(self),
            "azimuth": float(t["azimuth"][index]),
            "elevation": float(t["elevation"][index]),
            "family": family,
            "family_name": FAMILIES[family],
            "proportions": t["proportions"][index].tolist(),
            "colours": t["colours"][index].tolist(),
        }

    def object_params(self, index: int) -> ObjectParams:
        """The identity of image ``index``, to render it again at other poses (``render_views``)."""
        return ObjectParams.from_dict(self.ground_truth(index))


class SyntheticDataset(_SyntheticBase):
    """A synthetic set read from its cache folder (memory-mapped images)."""

    def __init__(self, root_or_cache_dir: str | os.PathLike):
        folder = _find_cache(Path(root_or_cache_dir).expanduser())
        manifest = _read_manifest(folder)
        if manifest.get("format") != _FORMAT:
            raise ValueError(
                f"{folder / MANIFEST} is not a synthetic-cache manifest (format {manifest.get('format')!r})"
            )
        if manifest.get("version") != SYNTHETIC_VERSION:
            raise ValueError(
                f"{folder} holds synthetic set version {manifest.get('version')}, "
                f"this library renders version "
                f"{SYNTHETIC_VERSION}; rebuild it with build_synthetic_cache() (a new sub-folder is made)"
            )
        expected = _expected_manifest(
            manifest["resolution"],
            manifest["num_images"],
            manifest["seed"],
            tuple(manifest["azimuth_range"]),
            tuple(manifest["elevation_range"]),
            check_families(manifest.get("families")),
        )
        problem = _cache_problem(folder, expected)
        if problem is not None:
            raise RuntimeError(f"{folder} is not a usable synthetic cache: {problem}. Delete it and rebuild.")
        self.folder, self.manifest = folder, manifest
        self.seed = int(manifest["seed"])
        images = np.load(folder / "images.npy", mmap_mode="r")
        with np.load(folder / "ground_truth.npz") as npz:
            truth = {k: npz[k] for k in npz.files}
        self._setup(images, truth, tuple(manifest["azimuth_range"]), tuple(manifest["elevation_range"]))

    def __repr__(self) -> str:
        return f"SyntheticDataset({len(self)} images, {self.resolution}px, {self.folder})"


class InMemorySyntheticDataset(_SyntheticBase):
    """The same images as the cached set with the same parameters, rendered into memory at construction."""

    def __init__(
        self,
        num_images: int = 256,
        resolution: int = 64,
        seed: int = 0,
        azimuth_range: Range = _DEFAULT.azimuth,
        elevation_range: Range = _DEFAULT.elevation,
        workers: int | None = 1,
        progress: bool = False,
        families: Sequence[str] | None = None,
    ):
        _check_params(resolution, num_images, seed)
        az, el = (
            _check_range("azimuth_range", azimuth_range),
            _check_range("elevation_range", elevation_range),
        )
        self.seed = seed
        images = np.empty((num_images, resolution, resolution, 3), dtype=np.uint8)
        truth = _render_all(num_images, seed, resolution, az, el, images, workers, progress, check_families(families))
        self._setup(images, truth, az, el)

    def __repr__(self) -> str:
        return f"InMemorySyntheticDataset({len(self)} images, {self.resolution}px, seed {self.seed})"
