"""Image quality: KID and FID between generated and real images, on precomputed features.

They compare feature statistics through torchmetrics' ``KernelInceptionDistance`` /
``FrechetInceptionDistance``. The standard features are Inception-v3's (torch-fidelity's weights, downloaded on
first use); any ``nn.Module`` that maps uint8 images ``(N, 3, H, W)`` to ``(N, F)`` features can be passed instead
(``--features probe`` uses the pose probe's features, which needs no download). KID is reported as
mean ± std over random subsets, as the paper.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from ..config import ConfigError, DataConfig
from ..data.catalogue import Range
from ..utils import progress_bar, to_uint8_images
from .probe import PoseProbe, ProbeFeatures
from .sources import has_pose_ground_truth

INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"


class FeatureUnavailable(ConfigError):
    """The requested feature extractor (e.g. Inception weights) cannot be built here."""


class InceptionFeatures(nn.Module):
    """torch-fidelity's Inception-v3 pool features (the standard for KID/FID): uint8 images -> ``(N, 2048)``."""

    num_features = 2048

    def __init__(self, weights_path: str | os.PathLike | None = None):
        super().__init__()
        self.net = build_inception(weights_path)

    @torch.no_grad()
    def forward(self, images: Tensor) -> Tensor:
        device = next(self.net.parameters()).device
        return self.net(images.to(device=device, dtype=torch.uint8)).float()


def build_inception(weights_path: str | os.PathLike | None = None) -> nn.Module:
    """torchmetrics' Inception-v3 feature network, or ``FeatureUnavailable`` saying what to do instead."""
    advice = (
        "Either make the weights available (run once with internet, or download "
        f"{INCEPTION_FILE} from torch-fidelity's GitHub releases and pass --inception-weights PATH), or pass "
        "another feature extractor: --features probe (synthetic data; the pose probe's features, no download) "
        "on the command line, feature=<nn.Module> in Python."
    )
    try:
        from torchmetrics.image.fid import NoTrainInceptionV3
    except ImportError as exc:
        raise FeatureUnavailable(f"KID/FID need torchmetrics ({exc}); pip install -e '.[metrics]'") from None
    if weights_path is not None and not Path(weights_path).is_file():
        raise FeatureUnavailable(f"--inception-weights {weights_path}: no such file. {advice}")
    try:
        net = NoTrainInceptionV3(
            name="inception-v3-compat",
            features_list=["2048"],
            feature_extractor_weights_path=None if weights_path is None else str(weights_path),
        )
    except ModuleNotFoundError as exc:
        raise FeatureUnavailable(
            f"the standard Inception features need the torch-fidelity package ({exc}); "
            f"pip install torch-fidelity (or pip install -e '.[metrics]'). {advice}"
        ) from None
    except Exception as exc:  # no network, a proxy error, a corrupt download
        reason = " ".join(str(exc).split())[:200]
        raise FeatureUnavailable(
            f"the standard Inception weights could not be loaded ({type(exc).__name__}: {reason}). "
            f"torch-fidelity downloads {INCEPTION_FILE} into the torch hub cache on first use. {advice}"
        ) from None
    return net


class _Precomputed(nn.Module):
    """Hands torchmetrics features that were already computed (so each image is embedded once for both metrics)."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, features: Tensor) -> Tensor:
        return features


@torch.no_grad()
def extract_features(feature: nn.Module, images: Tensor, batch_size: int = 100) -> Tensor:
    """uint8 ``(N, 3, H, W)`` -> ``(N, F)`` float64 on the CPU, in batches."""
    if images.dtype != torch.uint8:
        raise TypeError(f"feature extractors here take uint8 images, got {images.dtype}; use to_uint8_images()")
    chunks = progress_bar(images.split(batch_size), desc="features", unit="batch", leave=False, show=None)
    return torch.cat([feature(chunk).double().cpu() for chunk in chunks])


def kid_fid(
    fake: Tensor,
    real: Tensor,
    feature: nn.Module,
    subset_size: int | None = None,
    subsets: int = 100,
    fid: bool = True,
    seed: int = 0,
    batch_size: int = 100,
) -> dict[str, float]:
    """KID (mean and std over ``subsets`` random subsets of ``subset_size``) and FID between uint8 image sets.

    ``feature`` maps uint8 ``(N, 3, H, W)`` to ``(N, F)``: ``InceptionFeatures()`` for the standard numbers,
    ``ProbeFeatures(probe)`` or any small network offline. ``subset_size`` defaults to
    ``min(1000, len(fake), len(real))`` and must not exceed either set.
    """
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.kid import KernelInceptionDistance

    n = min(len(fake), len(real))
    subset_size = min(1000, n) if subset_size is None else subset_size
    if not 2 <= subset_size <= n:
        raise ConfigError(
            f"KID subset size {subset_size} must be between 2 and the smaller image set ({len(fake)} generated, "
            f"{len(real)} real); lower --subset-size or raise --num-fake / --num-real"
        )
    f_fake, f_real = extract_features(feature, fake, batch_size), extract_features(feature, real, batch_size)
    dim = f_fake.shape[1]
    with warnings.catch_warnings():  # "KID keeps all features in memory": a few thousand vectors here
        warnings.simplefilter("ignore", UserWarning)
        kid = KernelInceptionDistance(feature=_Precomputed(dim), subsets=subsets, subset_size=subset_size)
    kid.update(f_real, real=True)
    kid.update(f_fake, real=False)
    with torch.random.fork_rng(devices=[]):  # KID's random subsets, reproducibly
        torch.manual_seed(seed)
        kid_mean, kid_std = kid.compute()
    out = {
        "kid_mean": float(kid_mean),
        "kid_std": float(kid_std),
        "kid_subset_size": subset_size,
        "kid_subsets": subsets,
        "num_fake": len(fake),
        "num_real": len(real),
    }
    if fid:
        metric = FrechetInceptionDistance(feature=_Precomputed(dim))
        metric.update(f_real, real=True)
        metric.update(f_fake, real=False)
        out["fid"] = float(metric.compute())
    return out


@torch.no_grad()
def generated_images(
    generator: nn.Module,
    n: int,
    azimuth_range: Range,
    elevation_range: Range,
    seed: int = 0,
    batch_size: int = 100,
) -> Tensor:
    """``n`` samples at random views from the ranges (the distribution the generator is meant to cover): uint8."""
    from ..model.rotation import sample_views

    generator.eval()
    device = next(generator.parameters()).device
    rng = torch.Generator().manual_seed(seed)
    out = []
    for start in range(0, n, batch_size):
        b = min(batch_size, n - start)
        z = generator.sample_z(b, generator=rng, device=device)
        views = sample_views(b, azimuth_range, elevation_range, generator=rng).to(device)
        out.append(to_uint8_images(generator(z, views)).cpu())
    return torch.cat(out)


def real_images(dataset: Sequence[Tensor], n: int, seed: int = 0) -> Tensor:
    """A seeded random subset of ``min(n, len(dataset))`` images of a dataset of ``(3, H, W)`` tensors: uint8."""
    order = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[: min(n, len(dataset))]
    return torch.stack([to_uint8_images(dataset[int(i)][None])[0] for i in order])


def feature_label(feature: nn.Module) -> str:
    """How results name a feature extractor: ``inception``, ``probe`` or the module's class name."""
    if isinstance(feature, InceptionFeatures):
        return "inception"
    if isinstance(feature, ProbeFeatures):
        return "probe"
    return type(feature).__name__


def feature_extractor(settings: Any, data: DataConfig, probe: PoseProbe | None) -> nn.Module:
    """The KID/FID feature network named by ``settings.features`` (an ``EvalSettings``); raises
    ``FeatureUnavailable`` clearly."""
    if settings.features == "probe":
        if not has_pose_ground_truth(data) or probe is None:
            raise FeatureUnavailable(
                f"--features probe uses the synthetic pose probe's features, which mean nothing for data.name="
                f"{data.name!r}; use --features inception (with --inception-weights PATH when offline)"
            )
        return ProbeFeatures(probe)
    return InceptionFeatures(settings.inception_weights or None)


def example_sets(data: DataConfig, n: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Images for getting a feel for KID (lesson 07): ``n`` renders like the training set's (the real set) and three
    sets to compare with it — fresh renders (other objects, other poses), the same blurred (3×3 box) and flat grey
    images of their mean colour; every set (n, 3, 32, 32) uint8. ``data``: a ``DataConfig`` of synthetic objects."""
    from ..data.synthetic import render_synthetic

    kw = dict(
        resolution=32, azimuth_range=data.azimuth_range, elevation_range=data.elevation_range, families=data.families
    )
    real, fresh = (
        torch.from_numpy(render_synthetic(range(n), seed=s, **kw)[0]).permute(0, 3, 1, 2).contiguous() for s in (0, 5)
    )
    signed = fresh.float() / 127.5 - 1
    blurred = to_uint8_images(torch.nn.functional.avg_pool2d(signed, 3, 1, 1))
    flat = to_uint8_images(torch.zeros_like(signed) + signed.mean())
    return real, {"fresh renders": fresh, "blurred renders": blurred, "flat grey images": flat}
