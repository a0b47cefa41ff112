"""Training data: synthetic objects with ground-truth pose, and prepared folders of real images.

``make_dataset(cfg)`` turns a ``DataConfig`` into a torch Dataset of ``(3, H, W)`` images in [-1, 1];
``pose_range_for(name)`` gives the view range HoloGAN samples from for that dataset.
"""

from __future__ import annotations

from pathlib import Path

from torch.utils.data import Dataset

from ..config import ConfigError, DataConfig
from .catalogue import MANIFEST, POSE_RANGES, SPECS, PoseRange
from .images import (
    BrokenImagesError,
    ImageFolderDataset,
    celeba_crop_size,
    center_crop,
    fit_image,
    list_images,
)
from .paths import default_data_root, prepared_dir
from .prepare import PreparedExistsError, PrepareError, manual_steps, prepare_dataset
from .shapes import FAMILIES, ObjectParams, sample_object_params
from .synthetic import (
    InMemorySyntheticDataset,
    SyntheticDataset,
    build_synthetic_cache,
    render_object,
    render_silhouette,
    render_views,
    synthetic_cache_dir,
    synthetic_item,
    voxelize,
)

REAL_DATASETS: tuple[str, ...] = tuple(SPECS)

__all__ = [
    "FAMILIES",
    "POSE_RANGES",
    "SPECS",
    "PoseRange",
    "REAL_DATASETS",
    "BrokenImagesError",
    "ImageFolderDataset",
    "InMemorySyntheticDataset",
    "ObjectParams",
    "PrepareError",
    "PreparedExistsError",
    "SyntheticDataset",
    "build_synthetic_cache",
    "celeba_crop_size",
    "center_crop",
    "default_data_root",
    "fit_image",
    "list_images",
    "load_dataset",
    "make_dataset",
    "manual_steps",
    "pose_range_for",
    "prepare_dataset",
    "prepared_dir",
    "render_object",
    "render_silhouette",
    "render_views",
    "sample_object_params",
    "synthetic_cache_dir",
    "synthetic_item",
    "voxelize",
]


def _synthetic(cfg: DataConfig) -> Dataset:
    if cfg.in_memory:
        return InMemorySyntheticDataset(
            cfg.num_images,
            cfg.resolution,
            cfg.seed,
            tuple(cfg.azimuth_range),
            tuple(cfg.elevation_range),
            families=cfg.families,
        )
    root = Path(cfg.root).expanduser() if cfg.root else None
    if root is not None and (root / MANIFEST).exists():  # cfg.root names one cache folder directly
        dataset = SyntheticDataset(root)
        if dataset.resolution != cfg.resolution:
            raise ValueError(
                f"the synthetic cache {root} is {dataset.resolution}px but data.resolution is "
                f"{cfg.resolution}; "
                f"point data.root at the cache root instead so the right one is built or found"
            )
        return dataset
    folder = build_synthetic_cache(
        root,
        cfg.resolution,
        cfg.num_images,
        cfg.seed,
        tuple(cfg.azimuth_range),
        tuple(cfg.elevation_range),
        families=cfg.families,
    )
    return SyntheticDataset(folder)


def make_dataset(cfg: DataConfig) -> Dataset:
    """The dataset named by ``cfg.name``: ``synthetic``, a prepared real dataset, or an image folder path."""
    if cfg.name == "synthetic":
        return _synthetic(cfg)
    if cfg.name in SPECS:
        folder = Path(cfg.root).expanduser() if cfg.root else prepared_dir(cfg.name, cfg.resolution)
        if not folder.is_dir():
            spec = SPECS[cfg.name]
            raise FileNotFoundError(
                f"no prepared {cfg.name} images at {folder}. Prepare them with\n"
                f"  python {spec.script} --source <download> --resolution {cfg.resolution} --out {folder}\n"
                f"(`python {spec.script} --steps` prints where to get the download), or set data.root to a "
                f"prepared folder."
            )
        return ImageFolderDataset(folder, cfg.resolution)
    path = Path(cfg.name).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"data.name={cfg.name!r} is neither 'synthetic', a known dataset "
            f"({', '.join(REAL_DATASETS)}), nor an "
            f"existing image folder"
        )
    return ImageFolderDataset(path, cfg.resolution)


def load_dataset(cfg: DataConfig) -> Dataset:
    """``make_dataset`` for the command line and the ablations: a missing or broken folder is a one-line
    ConfigError, raised before any training starts."""
    try:
        return make_dataset(cfg)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        raise ConfigError(" ".join(str(exc).split())) from None


def pose_range_for(
    name: str,
    azimuth_range: tuple[float, float] | None = None,
    elevation_range: tuple[float, float] | None = None,
) -> PoseRange:
    """The view range for dataset ``name`` (``POSE_RANGES``); explicit ranges override it and are required for
    image-folder paths, whose poses the course cannot know."""
    if azimuth_range is not None and elevation_range is not None:
        return PoseRange(tuple(azimuth_range), tuple(elevation_range), f"set explicitly for {name}")
    if name in POSE_RANGES:
        return POSE_RANGES[name]
    raise ValueError(
        f"no pose range is known for {name!r} (known: {', '.join(POSE_RANGES)}); set data.azimuth_range and "
        f"data.elevation_range (degrees, course convention) for this image folder"
    )
