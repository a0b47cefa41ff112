"""How good is a trained HoloGAN? Image quality (KID, FID) and 3D control (pose and identity consistency).

* **KID / FID** compare feature statistics of generated and real images through torchmetrics'
  ``KernelInceptionDistance`` / ``FrechetInceptionDistance``. The standard features are Inception-v3's
  (torch-fidelity's weights, downloaded on first use); any ``nn.Module`` that maps uint8 images
  ``(N, 3, H, W)`` to ``(N, F)`` features can be passed instead (``--features probe`` uses the pose probe's
  features below, which needs no download). KID is reported as mean ± std over random subsets, as the paper.
* **Pose consistency** (synthetic data only, where the true pose of every training image is known): a small
  CNN, the *pose probe*, is trained once on renders of the synthetic objects to read azimuth, elevation,
  family and body colour from an image. We then sweep the commanded azimuth (or elevation) of one identity
  and let the probe read the pose of each generated frame. HoloGAN's canonical frame is learnt, so it may be
  offset from the renderer's and may even turn the other way: we fit ``predicted ≈ sign · commanded + offset``
  (one sign ±1 and one offset for all identities) and report the mean absolute error of that fit in degrees,
  and the correlation of commanded and predicted angles in the fitted direction.
* **Identity consistency**: while only the view changes, the probe's reading of *what* the object is (family
  probabilities and body colour) should not change. ``1 - within-sweep variance / total variance``: 1 when
  every sweep keeps its identity, about 0 when every frame is a different object.
* **Calibration** (``reference_scores``): real renders of one object at the commanded views score near
  perfect; ``IgnoreView`` (a source that ignores the commanded view) scores at chance on pose, and
  ``ShuffleIdentity`` (a new object at every frame) scores at chance on identity.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import ConfigError, DataConfig

PROBE_VERSION = 1
PROBE_FORMAT = "hologan-lesson-pose-probe-v1"
PROBE_SEED = 1000  # render seed of the probe's images: the GAN's synthetic training sets use seed 0
POSE_MARGIN = 15.0  # degrees the probe's training range extends beyond the data's range on each side
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"
Range = tuple[float, float]


class FeatureUnavailable(ConfigError):
    """The requested feature extractor (e.g. Inception weights) cannot be built here."""


# -------------------------------------------------------------------------------------------------------------
# Images as uint8, the currency of every feature extractor here
# -------------------------------------------------------------------------------------------------------------


def to_uint8_images(images: Tensor) -> Tensor:
    """``(N, 3, H, W)`` floats in [-1, 1] -> ``(N, 3, H, W)`` uint8 (what Inception expects)."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def from_uint8_images(images: Tensor) -> Tensor:
    """``(N, 3, H, W)`` uint8 -> floats in [-1, 1]."""
    return images.float() / 127.5 - 1.0


# -------------------------------------------------------------------------------------------------------------
# The pose probe: a small CNN that reads pose, family and body colour of a synthetic object
# -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeSpec:
    """What the pose probe is trained on and for how long; one cached probe per spec."""

    resolution: int = 32
    num_images: int = 6000
    epochs: int = 12
    batch_size: int = 64
    lr: float = 3e-3
    width: int = 16
    held_out: float = 0.15  # fraction of the renders kept for the accuracy report
    azimuth_range: Range = (-75.0, 75.0)
    elevation_range: Range = (-15.0, 45.0)
    families: tuple[str, ...] = ()  # object families it is trained on (empty: all five)
    seed: int = PROBE_SEED

    @classmethod
    def for_data(cls, data: DataConfig, **overrides: Any) -> ProbeSpec:
        """A probe whose pose range covers ``data``'s range plus a margin on each side.

        The probe always reads 32 px images (larger ones are downsampled first): pose and family are plain
        at 32 px, and one small probe then serves every resolution at CPU cost.
        """
        az, el = tuple(data.azimuth_range), tuple(data.elevation_range)
        spec = cls(
            azimuth_range=(az[0] - POSE_MARGIN, az[1] + POSE_MARGIN),
            elevation_range=(el[0] - POSE_MARGIN, el[1] + POSE_MARGIN),
            families=_family_key(data.families),
        )
        return dataclasses.replace(spec, **overrides)

    def key(self) -> str:
        """A file-name-safe summary of every field (the cache key)."""

        def f(x: float) -> str:
            return f"{x:g}".replace("-", "m").replace(".", "p")

        return (
            f"v{PROBE_VERSION}_{self.resolution}px_n{self.num_images}_e{self.epochs}_b{self.batch_size}"
            f"_lr{f(self.lr)}_w{self.width}_h{f(self.held_out)}_az{f(self.azimuth_range[0])}_{f(self.azimuth_range[1])}"
            f"_el{f(self.elevation_range[0])}_{f(self.elevation_range[1])}_s{self.seed}"
            + ("_" + "-".join(self.families) if self.families else "")
        )


class PoseProbe(nn.Module):
    """``(N, 3, R, R)`` images in [-1, 1] -> features ``(N, 128)`` and heads for pose, family and colour.

    Stride-2 blocks take the image down to 4×4; a linear layer makes the feature vector that the three
    heads (and KID with ``--features probe``) read. Pose is predicted normalised to [-1, 1] over the
    probe's range; ``predict`` turns it back into degrees.
    """

    feature_dim = 128

    def __init__(self, spec: ProbeSpec, num_families: int = 5):
        super().__init__()
        if spec.resolution not in (16, 32, 64, 128):
            raise ValueError(f"the pose probe supports 16, 32, 64 or 128 px images, got {spec.resolution}")
        self.spec = spec
        layers: list[nn.Module] = []
        c_in, c, size = 3, spec.width, spec.resolution
        while size > 4:
            layers += [
                nn.Conv2d(c_in, c, 3, stride=2, padding=1, bias=False),  # halves H, W
                nn.BatchNorm2d(c),
                nn.ReLU(inplace=True),
                nn.Conv2d(c, c, 3, padding=1, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(inplace=True),
            ]
            c_in, c, size = c, min(2 * c, 4 * spec.width), size // 2
        self.trunk = nn.Sequential(*layers)
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(c_in * 16, self.feature_dim), nn.ReLU(inplace=True))
        self.pose = nn.Linear(self.feature_dim, 2)  # normalised (azimuth, elevation)
        self.family = nn.Linear(self.feature_dim, num_families)  # logits
        self.colour = nn.Linear(self.feature_dim, 3)  # body colour (colour slot 0), RGB in [0, 1]

    def prepare(self, images: Tensor) -> Tensor:
        """Resize ``(N, 3, H, W)`` images in [-1, 1] to the probe's resolution when they differ."""
        r = self.spec.resolution
        if images.shape[-2:] != (r, r):
            images = F.interpolate(images, size=(r, r), mode="bilinear", align_corners=False, antialias=True)
        return images

    def features(self, images: Tensor) -> Tensor:
        """``(N, 3, H, W)`` in [-1, 1] -> ``(N, 128)``."""
        return self.embed(self.trunk(self.prepare(images)))

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        h = self.features(images)  # (N, 128)
        return {"pose": self.pose(h), "family": self.family(h), "colour": self.colour(h)}

    def degrees(self, pose: Tensor) -> Tensor:
        """Normalised ``(N, 2)`` pose -> degrees (azimuth, elevation)."""
        lo, hi = self._ranges(pose)
        return lo + (pose + 1) / 2 * (hi - lo)

    def normalise(self, degrees: Tensor) -> Tensor:
        """Degrees ``(N, 2)`` -> the probe's normalised pose targets."""
        lo, hi = self._ranges(degrees)
        return (degrees - lo) / (hi - lo) * 2 - 1

    def _ranges(self, like: Tensor) -> tuple[Tensor, Tensor]:
        s = self.spec
        lo = torch.tensor([s.azimuth_range[0], s.elevation_range[0]], dtype=like.dtype, device=like.device)
        hi = torch.tensor([s.azimuth_range[1], s.elevation_range[1]], dtype=like.dtype, device=like.device)
        return lo, hi

    @torch.no_grad()
    def predict(self, images: Tensor, batch_size: int = 256) -> dict[str, Tensor]:
        """Read ``(N, 3, H, W)`` images in [-1, 1]: azimuth, elevation (degrees), family probabilities
        ``(N, families)``, colour ``(N, 3)`` and the identity embedding ``(N, families + 3)``; CPU tensors."""
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        parts: dict[str, list[Tensor]] = {"pose": [], "family": [], "colour": []}
        try:
            for chunk in images.split(batch_size):
                out = self(chunk.to(device=device, dtype=torch.float32))
                for k in parts:
                    parts[k].append(out[k].float().cpu())
        finally:
            self.train(was_training)
        pose = self.degrees(torch.cat(parts["pose"]))
        probs = torch.cat(parts["family"]).softmax(1)
        colour = torch.cat(parts["colour"])
        return {
            "azimuth": pose[:, 0],
            "elevation": pose[:, 1],
            "family": probs,
            "colour": colour,
            "identity": torch.cat([probs, colour], 1),
        }


class ProbeFeatures(nn.Module):
    """The probe's 128-d features as a KID/FID feature extractor: uint8 ``(N, 3, H, W)`` -> ``(N, 128)``."""

    def __init__(self, probe: PoseProbe):
        super().__init__()
        self.probe = probe.eval()
        self.num_features = probe.feature_dim  # read by torchmetrics' FID

    @torch.no_grad()
    def forward(self, images: Tensor) -> Tensor:
        device = next(self.probe.parameters()).device
        return self.probe.features(from_uint8_images(images.to(device))).float()


def _augment(images: Tensor, rng: torch.Generator) -> Tensor:
    """Make the probe robust to what generated images look like: blur, noise, slight brightness/contrast."""
    n = images.shape[0]
    blur = torch.tensor([1.0, 2.0, 1.0])
    kernel = (blur[:, None] * blur[None, :] / 16).expand(3, 1, 3, 3).to(images)
    blurred = F.conv2d(F.pad(images, (1, 1, 1, 1), mode="replicate"), kernel, groups=3)
    amount = (torch.rand(n, 1, 1, 1, generator=rng) < 0.5).float().to(images)  # half the batch blurred
    images = images + amount * (blurred - images)
    noise_std = torch.rand(n, 1, 1, 1, generator=rng).to(images) * 0.08
    images = images + noise_std * torch.randn(images.shape, generator=rng).to(images)
    contrast = (0.9 + 0.2 * torch.rand(n, 1, 1, 1, generator=rng)).to(images)
    brightness = ((torch.rand(n, 1, 1, 1, generator=rng) - 0.5) * 0.1).to(images)
    return (images * contrast + brightness).clamp(-1, 1)


def probe_dir(root: str | os.PathLike | None = None) -> Path:
    """Where trained probes are cached: ``<data root>/probes`` (data root: ``$HOLOGAN_DATA`` or the default)."""
    from .data.paths import default_data_root

    return (Path(root).expanduser() if root else default_data_root()) / "probes"


def probe_path(spec: ProbeSpec, root: str | os.PathLike | None = None) -> Path:
    """The cache file of the probe trained with ``spec``."""
    return probe_dir(root) / f"pose_probe_{spec.key()}.pt"


def _family_key(families: Sequence[str]) -> tuple[str, ...]:
    """``()`` for all five families (the default), else the families in canonical order."""
    from .data.synthetic import FAMILIES, check_families

    fams = check_families(families)
    return () if fams == FAMILIES else fams


def _probe_images(spec: ProbeSpec, root: str | os.PathLike | None, progress: bool) -> tuple[Tensor, dict]:
    """The probe's renders, from (or into) the synthetic cache: uint8 ``(N, 3, R, R)`` and ground truth."""
    from .data import SyntheticDataset, build_synthetic_cache

    folder = build_synthetic_cache(
        root,
        spec.resolution,
        spec.num_images,
        spec.seed,
        spec.azimuth_range,
        spec.elevation_range,
        progress=progress,
        families=spec.families,
    )
    data = SyntheticDataset(folder)
    images = torch.from_numpy(np.array(data.images)).permute(0, 3, 1, 2).contiguous()
    truth = {
        "pose": data.poses.clone(),  # (N, 2) degrees
        "family": data.families.clone(),  # (N,)
        "colour": torch.from_numpy(np.asarray(data.truth["colours"])[:, 0]).float(),  # (N, 3) body colour
    }
    return images, truth


def probe_accuracy(probe: PoseProbe, images: Tensor, truth: dict[str, Tensor]) -> dict[str, float]:
    """Mean absolute pose errors (degrees), family accuracy and body-colour error (0-255 units)."""
    pred = probe.predict(from_uint8_images(images))
    return {
        "azimuth_mae": float((pred["azimuth"] - truth["pose"][:, 0]).abs().mean()),
        "elevation_mae": float((pred["elevation"] - truth["pose"][:, 1]).abs().mean()),
        "family_accuracy": float((pred["family"].argmax(1) == truth["family"]).float().mean()),
        "colour_mae": float((pred["colour"] - truth["colour"]).abs().mean() * 255),
        "images": int(len(images)),
    }


def train_probe(
    spec: ProbeSpec,
    root: str | os.PathLike | None = None,
    device: str | torch.device = "cpu",
    progress: bool = False,
    log: Callable[[str], None] | None = print,
) -> tuple[PoseProbe, dict[str, float]]:
    """Render (or reuse) the probe's images and train a probe; return it with its held-out accuracy."""
    start = time.perf_counter()
    images, truth = _probe_images(spec, root, progress)
    n = len(images)
    n_test = max(1, int(round(n * spec.held_out)))
    if n - n_test < spec.batch_size:
        raise ConfigError(
            f"the pose probe needs more than {spec.batch_size + n_test} images, got num_images={spec.num_images}"
        )
    train_idx, test_idx = torch.arange(n - n_test), torch.arange(n - n_test, n)
    gen = torch.Generator().manual_seed(spec.seed)
    with torch.random.fork_rng(devices=[]):  # seeded initial weights, without touching the caller's RNG
        torch.manual_seed(spec.seed)
        probe = PoseProbe(spec).to(device)
    steps_per_epoch = len(train_idx) // spec.batch_size
    total = steps_per_epoch * spec.epochs
    opt = torch.optim.AdamW(probe.parameters(), lr=spec.lr, weight_decay=1e-4)
    if total >= 10:  # warm up over the first 20 %, then anneal
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=spec.lr, total_steps=total, pct_start=0.2)
    else:  # a handful of steps (tests): OneCycle's phases would be empty, keep the rate constant
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)
    targets = probe.normalise(truth["pose"])  # (N, 2) in about [-1, 1]
    probe.train()
    for _ in range(spec.epochs):
        order = train_idx[torch.randperm(len(train_idx), generator=gen)]
        for k in range(steps_per_epoch):
            idx = order[k * spec.batch_size : (k + 1) * spec.batch_size]
            x = _augment(from_uint8_images(images[idx]), gen).to(device)  # (B, 3, R, R)
            out = probe(x)
            loss = (
                4.0 * F.smooth_l1_loss(out["pose"], targets[idx].to(device), beta=0.05)
                + F.cross_entropy(out["family"], truth["family"][idx].to(device))
                + 4.0 * F.mse_loss(out["colour"], truth["colour"][idx].to(device))
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    probe.eval()
    accuracy = probe_accuracy(probe, images[test_idx], {k: v[test_idx] for k, v in truth.items()})
    accuracy["train_seconds"] = round(time.perf_counter() - start, 1)
    if log is not None:
        log(
            f"pose probe ({spec.resolution}px, {n - n_test} train / {n_test} held-out renders, {spec.epochs} epochs, "
            f"{accuracy['train_seconds']:.0f} s): held-out azimuth error {accuracy['azimuth_mae']:.1f}°, "
            f"elevation {accuracy['elevation_mae']:.1f}°, family accuracy {accuracy['family_accuracy']:.1%}"
        )
    return probe, accuracy


def save_probe(probe: PoseProbe, accuracy: dict[str, float], path: str | os.PathLike) -> Path:
    """Write a probe atomically (a temporary file, then a rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    payload = {
        "format": PROBE_FORMAT,
        "spec": dataclasses.asdict(probe.spec),
        "state_dict": {k: v.detach().cpu() for k, v in probe.state_dict().items()},
        "accuracy": dict(accuracy),
    }
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_probe(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[PoseProbe, dict[str, float]]:
    """A probe written by ``save_probe`` and its held-out accuracy."""
    path = Path(path)
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such pose-probe file") from None
    except Exception as exc:
        raise ConfigError(f"{path} is not a readable pose probe ({type(exc).__name__}); delete it to retrain") from None
    if not isinstance(payload, dict) or payload.get("format") != PROBE_FORMAT:
        raise ConfigError(f"{path} is not a pose probe of this course (format {PROBE_FORMAT}); delete it to retrain")
    spec_data = dict(payload["spec"])
    spec_data["azimuth_range"] = tuple(spec_data["azimuth_range"])
    spec_data["elevation_range"] = tuple(spec_data["elevation_range"])
    spec_data["families"] = tuple(spec_data.get("families", ()))
    probe = PoseProbe(ProbeSpec(**spec_data)).to(device)
    probe.load_state_dict(payload["state_dict"])
    return probe.eval(), dict(payload["accuracy"])


def load_or_train_probe(
    spec: ProbeSpec,
    root: str | os.PathLike | None = None,
    device: str | torch.device = "cpu",
    progress: bool = False,
    log: Callable[[str], None] | None = print,
) -> tuple[PoseProbe, dict[str, float]]:
    """The cached probe for ``spec`` (trained and cached on first use) and its held-out accuracy."""
    path = probe_path(spec, root)
    if path.is_file():
        probe, accuracy = load_probe(path, device)
        if log is not None:
            log(
                f"pose probe: {path.name} (cached; held-out azimuth error {accuracy['azimuth_mae']:.1f}°, "
                f"elevation {accuracy['elevation_mae']:.1f}°, family accuracy {accuracy['family_accuracy']:.1%})"
            )
        return probe, accuracy
    probe, accuracy = train_probe(spec, root, device, progress, log)
    save_probe(probe, accuracy, path)
    return probe, accuracy


# -------------------------------------------------------------------------------------------------------------
# Sweep sources: what renders "one identity at these views"
# -------------------------------------------------------------------------------------------------------------


class SweepSource(Protocol):
    """Anything that draws identities and renders one identity at given views ``(T, 2)`` degrees."""

    def identities(self, n: int, seed: int) -> list: ...

    def sweep(self, identity: Any, views: Tensor) -> Tensor: ...


class GeneratorSource:
    """Identities are latent codes ``z`` from the generator's prior; a sweep is ``render_views``."""

    def __init__(self, generator: nn.Module):
        self.generator = generator.eval()
        self.device = next(generator.parameters()).device

    def identities(self, n: int, seed: int) -> list[Tensor]:
        z = self.generator.sample_z(n, generator=torch.Generator().manual_seed(seed), device=self.device)
        return list(z)  # n codes of (latent_dim,)

    def sweep(self, identity: Tensor, views: Tensor) -> Tensor:
        from .generator import render_views

        return render_views(self.generator, identity, views.to(self.device)).float().cpu()  # (T, 3, H, W)


class SyntheticSource:
    """Identities are synthetic objects (``sample_object_params``); a sweep renders them at the views."""

    def __init__(self, resolution: int, supersample: int = 2, families: Sequence[str] = ()):
        self.resolution, self.supersample = resolution, supersample
        self.families = _family_key(families)

    def identities(self, n: int, seed: int) -> list:
        from .data import sample_object_params

        if not self.families:  # all five: the original identity stream
            return [sample_object_params(np.random.default_rng([seed, i, 7])) for i in range(n)]
        out = []
        for i in range(n):
            rng = np.random.default_rng([seed, i, 7])
            out.append(sample_object_params(rng, self.families[int(rng.integers(len(self.families)))]))
        return out

    def sweep(self, identity: Any, views: Tensor) -> Tensor:
        from .data import render_views

        return render_views(identity, views, self.resolution, self.supersample)  # (T, 3, H, W) in [-1, 1]


class IgnoreView:
    """Wrap a source so that it ignores the commanded view: every frame is rendered at ``view``.

    This is the pose-consistency "chance" reference: the images never turn, so the probe's reading cannot
    follow the commanded angle. Wrapped around a generator it is a generator whose view input is ignored.
    """

    def __init__(self, source: SweepSource, view: tuple[float, float] = (0.0, 0.0)):
        self.source, self.view = source, view

    def identities(self, n: int, seed: int) -> list:
        return self.source.identities(n, seed)

    def sweep(self, identity: Any, views: Tensor) -> Tensor:
        fixed = torch.tensor([self.view], dtype=torch.float32)  # (1, 2)
        return self.source.sweep(identity, fixed).expand(len(views), -1, -1, -1).clone()  # (T, 3, H, W)


class ShuffleIdentity:
    """Wrap a source so that every frame of a sweep shows a different identity (the identity "chance")."""

    def __init__(self, source: SweepSource, frames: int):
        self.source, self.frames = source, frames

    def identities(self, n: int, seed: int) -> list[list]:
        pool = self.source.identities(n * self.frames, seed)
        return [pool[i * self.frames : (i + 1) * self.frames] for i in range(n)]

    def sweep(self, identity: list, views: Tensor) -> Tensor:
        if len(identity) < len(views):
            raise ValueError(f"ShuffleIdentity was built for {len(identity)} frames, asked for {len(views)}")
        return torch.cat([self.source.sweep(identity[t], views[t : t + 1]) for t in range(len(views))])


# -------------------------------------------------------------------------------------------------------------
# 3D-control scores
# -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepSpec:
    """Which sweeps the 3D-control metrics command: ``identities`` objects, ``frames`` views per sweep."""

    azimuth_range: Range = (-60.0, 60.0)
    elevation_range: Range = (0.0, 30.0)
    identities: int = 48
    frames: int = 13
    seed: int = 0

    @classmethod
    def for_data(cls, data: DataConfig, **overrides: Any) -> SweepSpec:
        """Sweeps over the pose range the generator was trained on."""
        spec = cls(azimuth_range=tuple(data.azimuth_range), elevation_range=tuple(data.elevation_range))
        return dataclasses.replace(spec, **overrides)

    def azimuth_views(self) -> Tensor:
        """``(frames, 2)``: azimuth across its range, elevation at the middle of its range."""
        from .generator import azimuth_sweep

        return azimuth_sweep(self.frames, self.azimuth_range, sum(self.elevation_range) / 2)

    def elevation_views(self) -> Tensor:
        """``(frames, 2)``: elevation across its range, azimuth at the middle of its range."""
        from .generator import elevation_sweep

        return elevation_sweep(self.frames, self.elevation_range, sum(self.azimuth_range) / 2)


@dataclass(frozen=True)
class AngleFit:
    """``predicted ≈ sign · commanded + offset`` fitted over every frame of every sweep."""

    sign: int
    offset: float
    error: float  # mean absolute residual, degrees
    correlation: float  # Pearson correlation of sign·commanded and predicted (1 = perfect, ~0 = chance)


def fit_sign_offset(commanded: Tensor, predicted: Tensor) -> AngleFit:
    """Best direction (±1) and offset from commanded to predicted angles (least squares), and its error.

    The learnt canonical frame is arbitrary, so this is the most a perfect 3D generator can be asked for:
    the same turn as commanded, up to where "zero" is and which way is positive.
    """
    c, p = commanded.double().flatten(), predicted.double().flatten()
    if c.shape != p.shape or c.numel() < 2:
        raise ValueError(
            f"need matching commanded/predicted angles (at least 2), got {tuple(c.shape)}, {tuple(p.shape)}"
        )
    best = None
    for sign in (1, -1):
        offset = (p - sign * c).mean()
        residual = p - sign * c - offset
        sq = float((residual**2).mean())
        if best is None or sq < best[0] - 1e-12:
            best = (sq, sign, float(offset), float(residual.abs().mean()))
    _, sign, offset, error = best
    cs, pc = sign * c - (sign * c).mean(), p - p.mean()
    denom = float(cs.norm() * pc.norm())
    correlation = float((cs * pc).sum()) / denom if denom > 1e-12 else 0.0
    return AngleFit(sign, offset, error, correlation)


TURN_THRESHOLD = 0.7  # an identity "turns" when its own correlation reaches this


def _pearson_rows(x: Tensor, y: Tensor) -> Tensor:
    """Pearson correlation of matching rows of ``x`` and ``y`` (``(..., T)``); 0 where a row is constant."""
    xc, yc = x - x.mean(-1, keepdim=True), y - y.mean(-1, keepdim=True)
    denom = xc.norm(dim=-1) * yc.norm(dim=-1)
    return torch.where(denom > 1e-9, (xc * yc).sum(-1) / denom.clamp_min(1e-9), torch.zeros_like(denom))


@dataclass(frozen=True)
class TurnReading:
    """Does each identity turn with the command? Two readings of ``(identities, frames)`` sweeps.

    * signed: ``predicted ≈ sign · commanded + offset`` (``fit_sign_offset``), plus each identity's own
      correlation in that direction; ``turning`` is the fraction at ≥ ``TURN_THRESHOLD``, ``opposite`` the
      fraction turning clearly the other way (a blind spot of the pooled fit);
    * unsigned: ``|predicted − centre|`` against ``|commanded − offset|`` with the learnt frame's offset
      fitted. It reads a turn even when the probe cannot tell a view from its mirror image (left/right at eye
      level), and it is blind to neither a frame offset nor a flipped direction.
    """

    signed: AngleFit
    turning: float
    opposite: float
    unsigned_r: float
    unsigned_offset: float
    unsigned_turning: float
    per_identity_r: tuple[float, ...]
    per_identity_unsigned_r: tuple[float, ...]

    def summary(self, prefix: str = "azimuth") -> dict[str, float]:
        """Headline numbers as plain floats, keys prefixed."""
        return {
            f"{prefix}_turning": self.turning,
            f"{prefix}_opposite": self.opposite,
            f"{prefix}_unsigned_corr": self.unsigned_r,
            f"{prefix}_unsigned_offset": self.unsigned_offset,
            f"{prefix}_unsigned_turning": self.unsigned_turning,
        }


def fit_unsigned_offset(commanded: Tensor, predicted: Tensor, centre: float, step: float = 1.0) -> tuple[float, float]:
    """The offset ``o`` that best correlates ``|predicted − centre|`` with ``|commanded − o|``: ``(r, o)``.

    ``o`` is searched on a ``step``-degree grid over the commanded range widened by its own width on each side
    (a learnt frame may sit anywhere); pooled over every frame of every sweep.
    """
    c, p = commanded.double().flatten(), (predicted.double().flatten() - centre).abs()
    lo, hi = float(c.min()), float(c.max())
    width = max(hi - lo, step)
    offsets = torch.arange(lo - width, hi + width + step / 2, step, dtype=torch.float64)  # (K,)
    r = _pearson_rows((c[None, :] - offsets[:, None]).abs(), p.expand(len(offsets), -1))  # (K,)
    best = int(r.argmax())
    return float(r[best]), float(offsets[best])


def read_turn(commanded: Tensor, predicted: Tensor, centre: float = 0.0) -> TurnReading:
    """Both turn readings of ``(identities, frames)`` commanded and predicted angles (degrees)."""
    if commanded.dim() != 2 or commanded.shape != predicted.shape:
        raise ValueError(
            f"read_turn needs matching (identities, frames) angles, got {tuple(commanded.shape)} and "
            f"{tuple(predicted.shape)}"
        )
    c, p = commanded.double(), predicted.double()
    fit = fit_sign_offset(c, p)
    r_each = fit.sign * _pearson_rows(c, p)  # (identities,) in the pooled direction
    unsigned_r, offset = fit_unsigned_offset(c, p, centre)
    u_each = _pearson_rows((c - offset).abs(), (p - centre).abs())
    return TurnReading(
        signed=fit,
        turning=float((r_each >= TURN_THRESHOLD).double().mean()),
        opposite=float((r_each <= -TURN_THRESHOLD).double().mean()),
        unsigned_r=unsigned_r,
        unsigned_offset=offset,
        unsigned_turning=float((u_each >= TURN_THRESHOLD).double().mean()),
        per_identity_r=tuple(float(v) for v in r_each),
        per_identity_unsigned_r=tuple(float(v) for v in u_each),
    )


def turn_noise_floor(
    commanded: Tensor, predicted: Tensor, centre: float = 0.0, permutations: int = 200, seed: int = 0
) -> dict[str, float]:
    """A permutation null: the 95th percentile of each reading when every sweep's frames are shuffled.

    Shuffling breaks any link between command and image while keeping what the probe reads; a reading below
    this floor is no evidence of control, whatever its size.
    """
    gen = torch.Generator().manual_seed(seed)
    c, p = commanded.double(), predicted.double()
    signed, unsigned, turning = [], [], []
    for _ in range(permutations):
        order = torch.argsort(torch.rand(p.shape, generator=gen), dim=1)
        shuffled = torch.gather(p, 1, order)
        fit = fit_sign_offset(c, shuffled)
        signed.append(abs(fit.correlation))
        unsigned.append(fit_unsigned_offset(c, shuffled, centre, step=2.0)[0])
        turning.append(float((fit.sign * _pearson_rows(c, shuffled) >= TURN_THRESHOLD).double().mean()))

    def q95(values: list[float]) -> float:
        return float(torch.tensor(values).quantile(0.95))

    return {"signed_r": q95(signed), "unsigned_r": q95(unsigned), "turning": q95(turning)}


@dataclass
class ControlScores:
    """Pose and identity consistency of one source (see the module docstring)."""

    azimuth: AngleFit
    elevation: AngleFit
    identity_consistency: float
    family_agreement: float
    predictions: dict[str, Tensor] = field(default_factory=dict, repr=False)
    azimuth_turn: TurnReading | None = None
    noise_floor: dict[str, float] = field(default_factory=dict)
    elevation_span: float = 0.0  # degrees the elevation sweep spans (0: a fixed elevation, nothing to read)

    @property
    def elevation_rigid(self) -> bool | None:
        """Elevation read in the commanded direction (sign +1) with |r| ≥ 0.7; None when the range is fixed.

        On a one-sided elevation range a rigid generator can only agree in sign: sign −1 is the depth-mirrored
        basin (the projection has no near/far order), which no rigid solution gives.
        """
        if self.elevation_span <= 5.0:
            return None
        return self.elevation.sign == 1 and abs(self.elevation.correlation) >= TURN_THRESHOLD

    def summary(self) -> dict[str, float]:
        """The headline numbers as plain floats."""
        out = {
            "azimuth_error": self.azimuth.error,
            "azimuth_corr": self.azimuth.correlation,
            "azimuth_sign": self.azimuth.sign,
            "elevation_error": self.elevation.error,
            "elevation_corr": self.elevation.correlation,
            "elevation_sign": self.elevation.sign,
            "identity_consistency": self.identity_consistency,
            "family_agreement": self.family_agreement,
        }
        if self.azimuth_turn is not None:
            out.update(self.azimuth_turn.summary())
        out.update({f"null_{k}": v for k, v in self.noise_floor.items()})
        rigid = self.elevation_rigid
        if rigid is not None:
            out["elevation_rigid"] = float(rigid)
        return out


def identity_consistency(embeddings: Tensor) -> tuple[float, float]:
    """``(identities, frames, D)`` probe identity embeddings (family probabilities then colour) ->
    ``(1 - within-sweep variance / total variance, fraction of frames on the sweep's majority family)``."""
    e = embeddings.double()
    within = ((e - e.mean(1, keepdim=True)) ** 2).sum(-1).mean()
    total = ((e - e.mean((0, 1), keepdim=True)) ** 2).sum(-1).mean()
    consistency = 1.0 if float(total) < 1e-12 else float(1 - within / total)
    families = embeddings[..., :-3].argmax(-1)  # (identities, frames)
    majority = families.mode(1).values  # (identities,)
    agreement = float((families == majority[:, None]).float().mean())
    return consistency, agreement


def control_scores(source: SweepSource, probe: PoseProbe, sweep: SweepSpec) -> ControlScores:
    """Sweep azimuth and elevation for ``sweep.identities`` identities of ``source`` and score them."""
    az_views, el_views = sweep.azimuth_views(), sweep.elevation_views()  # (T, 2) each
    az_images, el_images = [], []
    for identity in source.identities(sweep.identities, sweep.seed):
        az_images.append(source.sweep(identity, az_views))  # (T, 3, H, W)
        el_images.append(source.sweep(identity, el_views))
    n, t = sweep.identities, sweep.frames
    az_pred = probe.predict(torch.cat(az_images))
    el_pred = probe.predict(torch.cat(el_images))
    commanded_az = az_views[:, 0].repeat(n)  # identity-major, matches the concatenation above
    commanded_el = el_views[:, 1].repeat(n)
    az_fit = fit_sign_offset(commanded_az, az_pred["azimuth"])
    el_fit = fit_sign_offset(commanded_el, el_pred["elevation"])
    centre = sum(probe.spec.azimuth_range) / 2  # the probe's (and the data's) central view
    turn = read_turn(commanded_az.view(n, t), az_pred["azimuth"].view(n, t), centre)
    floor = turn_noise_floor(commanded_az.view(n, t), az_pred["azimuth"].view(n, t), centre, seed=sweep.seed)
    embeddings = torch.cat([az_pred["identity"].view(n, t, -1), el_pred["identity"].view(n, t, -1)], 1)
    consistency, agreement = identity_consistency(embeddings)  # over both sweeps of each identity
    predictions = {
        "commanded_azimuth": commanded_az.view(n, t),
        "predicted_azimuth": az_pred["azimuth"].view(n, t),
        "commanded_elevation": commanded_el.view(n, t),
        "predicted_elevation": el_pred["elevation"].view(n, t),
    }
    span = float(el_views[:, 1].max() - el_views[:, 1].min())
    return ControlScores(az_fit, el_fit, consistency, agreement, predictions, turn, floor, span)


def reference_scores(
    probe: PoseProbe, sweep: SweepSpec, resolution: int | None = None, families: Sequence[str] | None = None
) -> dict[str, ControlScores]:
    """Calibration: what the 3D-control metrics say about sources whose answer we know.

    * ``real renders``: the true object rendered at the commanded views (the best a generator can do);
    * ``view ignored``: the same objects, always rendered at the centre of the range whatever the command
      (pose chance level; identity is trivially perfect, which is why pose and identity go together);
    * ``identity shuffled``: a different object at every frame, at the commanded views (identity chance).
    """
    real = SyntheticSource(resolution or probe.spec.resolution, families=probe.spec.families if families is None else families)
    centre = (sum(sweep.azimuth_range) / 2, sum(sweep.elevation_range) / 2)
    return {
        "real renders": control_scores(real, probe, sweep),
        "view ignored": control_scores(IgnoreView(real, centre), probe, sweep),
        "identity shuffled": control_scores(ShuffleIdentity(real, sweep.frames), probe, sweep),
    }


# -------------------------------------------------------------------------------------------------------------
# KID and FID
# -------------------------------------------------------------------------------------------------------------


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
    return torch.cat([feature(chunk).double().cpu() for chunk in images.split(batch_size)])


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
    from .rotation import sample_views

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


# -------------------------------------------------------------------------------------------------------------
# One run: everything, as the evaluate command and the ablations use it
# -------------------------------------------------------------------------------------------------------------


@dataclass
class EvalSettings:
    """Sizes and choices of one evaluation (defaults: paper-style KID on a GPU run)."""

    features: str = "inception"  # "inception" (standard; needs torch-fidelity weights) or "probe" (offline)
    inception_weights: str = ""  # path to torch-fidelity's Inception weights file, for offline machines
    num_fake: int = 5000
    num_real: int = 5000
    subset_size: int = 1000
    subsets: int = 100
    fid: bool = True
    identities: int = 48  # 3D-control metrics: identities swept
    frames: int = 13  # 3D-control metrics: views per sweep
    probe_images: int = 6000
    probe_epochs: int = 12
    seed: int = 0

    def __post_init__(self) -> None:
        if self.features not in ("inception", "probe"):
            raise ConfigError(
                f"--features {self.features!r}: use 'inception' (standard) or 'probe' (synthetic, offline)"
            )
        for name in ("num_fake", "num_real", "subsets", "identities", "frames", "probe_images", "probe_epochs"):
            if getattr(self, name) < 1:
                raise ConfigError(f"evaluation setting {name} must be at least 1, got {getattr(self, name)}")
        if self.frames < 2:
            raise ConfigError("evaluation setting frames must be at least 2 (a sweep needs two views)")

    def probe_spec(self, data: DataConfig) -> ProbeSpec:
        """The probe these settings use for ``data``."""
        return ProbeSpec.for_data(data, num_images=self.probe_images, epochs=self.probe_epochs)

    def sweep_spec(self, data: DataConfig) -> SweepSpec:
        """The sweeps these settings command for ``data``."""
        return SweepSpec.for_data(data, identities=self.identities, frames=self.frames, seed=self.seed)


def feature_label(feature: nn.Module) -> str:
    """How results name a feature extractor: ``inception``, ``probe`` or the module's class name."""
    if isinstance(feature, InceptionFeatures):
        return "inception"
    if isinstance(feature, ProbeFeatures):
        return "probe"
    return type(feature).__name__


def has_pose_ground_truth(data: DataConfig) -> bool:
    """3D-control metrics need the synthetic objects, whose true pose the renderer knows."""
    return data.name == "synthetic"


def feature_extractor(settings: EvalSettings, data: DataConfig, probe: PoseProbe | None) -> nn.Module:
    """The KID/FID feature network named by ``settings.features`` (raises ``FeatureUnavailable`` clearly)."""
    if settings.features == "probe":
        if not has_pose_ground_truth(data) or probe is None:
            raise FeatureUnavailable(
                f"--features probe uses the synthetic pose probe's features, which mean nothing for data.name="
                f"{data.name!r}; use --features inception (with --inception-weights PATH when offline)"
            )
        return ProbeFeatures(probe)
    return InceptionFeatures(settings.inception_weights or None)


def evaluate_generator(
    generator: nn.Module,
    data: DataConfig,
    settings: EvalSettings,
    dataset: Sequence[Tensor] | None = None,
    probe: PoseProbe | None = None,
    feature: nn.Module | None = None,
    log: Callable[[str], None] | None = print,
) -> dict[str, Any]:
    """KID/FID against ``data`` and, on synthetic data, the 3D-control scores: a JSON-ready dict.

    ``probe`` defaults to the cached probe of ``settings`` (trained on first use); ``feature`` overrides the
    KID/FID extractor named in ``settings`` (tests and notebooks inject small networks this way).
    """
    device = next(generator.parameters()).device
    out: dict[str, Any] = {}
    if probe is None and has_pose_ground_truth(data):
        probe, accuracy = load_or_train_probe(settings.probe_spec(data), device=device, log=log)
        out.update({f"probe_{k}": v for k, v in accuracy.items()})
    if feature is None:
        feature = feature_extractor(settings, data, probe)
    out["features"] = feature_label(feature)
    feature = feature.to(device).eval()
    if dataset is None:
        from .data import make_dataset

        dataset = make_dataset(data)
    fake = generated_images(generator, settings.num_fake, data.azimuth_range, data.elevation_range, settings.seed)
    real = real_images(dataset, settings.num_real, settings.seed)
    subset = min(settings.subset_size, len(fake), len(real))
    out.update(kid_fid(fake, real, feature, subset, settings.subsets, settings.fid, settings.seed))
    if probe is not None and has_pose_ground_truth(data):
        scores = control_scores(GeneratorSource(generator), probe.to(device), settings.sweep_spec(data))
        out.update(scores.summary())
        out["predictions"] = {k: v.tolist() for k, v in scores.predictions.items()}
    return out


def evaluate_run(
    run_dir: str | os.PathLike,
    settings: EvalSettings,
    device: str = "auto",
    dataset: Sequence[Tensor] | None = None,
    probe: PoseProbe | None = None,
    feature: nn.Module | None = None,
    log: Callable[[str], None] | None = print,
) -> dict[str, Any]:
    """Evaluate a run folder's newest checkpoint (or one checkpoint file, e.g. a slim export).

    For a run folder the result is also written to ``eval/eval_step_N.json``, and a stored result for the same
    checkpoint, settings and feature extractor is read back instead of recomputed.
    """
    from .checkpoint import list_checkpoints, load_checkpoint
    from .train import load_generator, resolve_device

    run_dir = Path(run_dir)
    if run_dir.is_file():  # a single checkpoint: evaluate it, store nothing
        step = int(load_checkpoint(run_dir).get("step", -1))
        generator, cfg = load_generator(run_dir, resolve_device(device))
        return {"step": step, **evaluate_generator(generator, cfg.data, settings, dataset, probe, feature, log)}
    if not (run_dir / "config.json").is_file():
        raise ConfigError(f"{run_dir} is not a run folder (no config.json) nor a checkpoint file")
    found = list_checkpoints(run_dir)
    if not found:
        raise ConfigError(f"{run_dir}: no checkpoints in {run_dir / 'checkpoints'}; train it first")
    step, ckpt = found[-1]
    stat = ckpt.stat()  # a checkpoint rewritten under the same name (retrained) is evaluated again
    key = {"settings": dataclasses.asdict(settings), "checkpoint": f"{ckpt.name} {stat.st_size} {stat.st_mtime_ns}"}
    key["settings"]["features"] = settings.features if feature is None else feature_label(feature)
    path = run_dir / "eval" / f"eval_step_{step:07d}.json"
    if path.is_file():
        saved = json.loads(path.read_text())
        if {k: saved.get(k) for k in key} == key:
            return saved["results"]
    generator, cfg = load_generator(ckpt, resolve_device(device))
    results = {"step": step, **evaluate_generator(generator, cfg.data, settings, dataset, probe, feature, log)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**key, "results": results}, indent=2))
    os.replace(tmp, path)
    return results


def format_results(results: dict[str, Any]) -> str:
    """A few readable lines for the terminal."""
    lines = []
    if "kid_mean" in results:
        lines.append(
            f"KID {results['kid_mean']:.4f} ± {results['kid_std']:.4f} ({results['features']} features, "
            f"{results['num_fake']} generated vs {results['num_real']} real, {results['kid_subsets']} subsets of "
            f"{results['kid_subset_size']})"
        )
    if "fid" in results and math.isfinite(results["fid"]):
        lines.append(f"FID {results['fid']:.2f}")
    if "azimuth_error" in results:
        lines.append(
            f"pose consistency: azimuth error {results['azimuth_error']:.1f}° (corr {results['azimuth_corr']:.2f}), "
            f"elevation error {results['elevation_error']:.1f}° (corr {results['elevation_corr']:.2f})"
        )
        lines.append(
            f"identity consistency {results['identity_consistency']:.2f} "
            f"(family agreement {results['family_agreement']:.0%})"
        )
    return "\n".join(lines)


def control_of_checkpoint(
    checkpoint: str | os.PathLike, settings: EvalSettings, probe: PoseProbe | None = None, log=print
) -> dict[str, Any]:
    """3D-control scores (no KID) of one checkpoint file, with the probe for its data: a JSON-ready dict."""
    from .checkpoint import load_checkpoint
    from .config import run_config_from_dict
    from .generator import HoloGANGenerator

    state = load_checkpoint(checkpoint)
    cfg = run_config_from_dict(state["config"])
    generator = HoloGANGenerator(cfg.generator)
    generator.load_state_dict(state["generator"])
    if probe is None:
        probe, _ = load_or_train_probe(settings.probe_spec(cfg.data), log=log)
    scores = control_scores(GeneratorSource(generator.eval()), probe, settings.sweep_spec(cfg.data))
    return {"step": int(state.get("step", -1)), **scores.summary()}


def pose_curve(run_dir: str | os.PathLike, settings: EvalSettings, log=print) -> list[dict[str, Any]]:
    """3D-control scores of every checkpoint in a run folder, oldest first; also written to
    ``eval/pose_curve.csv`` (each checkpoint's row is cached in ``eval/pose_step_N.json``)."""
    import csv

    from .checkpoint import list_checkpoints
    from .train import load_run_config

    run_dir = Path(run_dir)
    cfg = load_run_config(run_dir)
    probe, _ = load_or_train_probe(settings.probe_spec(cfg.data), log=log)
    key = dataclasses.asdict(settings)
    rows = []
    for step, ckpt in list_checkpoints(run_dir):
        cache = run_dir / "eval" / f"pose_step_{step:07d}.json"
        if cache.is_file() and json.loads(cache.read_text()).get("settings") == key:
            rows.append(json.loads(cache.read_text())["results"])
            continue
        row = control_of_checkpoint(ckpt, settings, probe, log)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"settings": key, "results": row}, indent=2))
        rows.append(row)
        if log is not None:
            log(format_control(row))
    if rows:
        with (run_dir / "eval" / "pose_curve.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[-1]))
            writer.writeheader()
            writer.writerows(rows)
    return rows


def format_control(r: dict[str, Any]) -> str:
    """One line per reading of 3D control, each with its noise floor."""
    lines = [
        f"step {r.get('step', '?')}: azimuth signed |r| {abs(r['azimuth_corr']):.2f} (null {r['null_signed_r']:.2f}), "
        f"error {r['azimuth_error']:.1f}°, sign {r['azimuth_sign']:+d}, turning {r['azimuth_turning']:.0%} "
        f"(null {r['null_turning']:.0%}), opposite {r['azimuth_opposite']:.0%}",
        f"  unsigned r {r['azimuth_unsigned_corr']:.2f} (null {r['null_unsigned_r']:.2f}) at frame offset "
        f"{r['azimuth_unsigned_offset']:+.0f}°, turning {r['azimuth_unsigned_turning']:.0%}; identity consistency "
        f"{r['identity_consistency']:.2f}; elevation |r| {abs(r['elevation_corr']):.2f} sign {r['elevation_sign']:+d}"
        + ("" if "elevation_rigid" not in r else f" ({'rigid' if r['elevation_rigid'] else 'NOT rigid'})"),
    ]
    return "\n".join(lines)
