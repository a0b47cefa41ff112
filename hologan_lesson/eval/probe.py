"""The pose probe: a small CNN that reads azimuth, elevation, family and body colour of a synthetic object.

It is trained once on renders of the synthetic objects (whose true pose the renderer knows) and cached under
``<data root>/probes``; the 3D-control scores (``eval.control``) read generated sweeps with it, and its 128-d
features can stand in for Inception in KID/FID (``ProbeFeatures``, ``--features probe``).
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..config import ConfigError, DataConfig
from ..data.catalogue import Range
from ..data.shapes import family_key
from ..utils import binomial_blur, from_uint8_images, get_logger, progress_bar
from .circle import wrap_degrees

PROBE_VERSION = 3  # 3: synthetic data v3 (world light, car cues); circular azimuth head
PROBE_FORMAT = "hologan-lesson-pose-probe-v1"
PROBE_SEED = 1000  # render seed of the probe's images: the GAN's synthetic training sets use seed 0
POSE_MARGIN = 15.0  # degrees the probe's training range extends beyond the data's range on each side
log = get_logger(__name__)


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
    circular: bool = False  # azimuth read as (cos, sin): a range of a full circle, with no seam
    silhouette: bool = False  # read shape only: every image becomes a black silhouette on its own background

    @classmethod
    def for_data(cls, data: DataConfig, **overrides: Any) -> ProbeSpec:
        """A probe whose pose range covers ``data``'s range plus a margin on each side.

        The probe always reads 32 px images (larger ones are downsampled first): pose and family are plain
        at 32 px, and one small probe then serves every resolution at CPU cost.
        """
        az, el = tuple(data.azimuth_range), tuple(data.elevation_range)
        if az[1] - az[0] + 2 * POSE_MARGIN >= 360.0:  # wide ranges: the whole circle, read without a seam
            return dataclasses.replace(
                cls(
                    azimuth_range=(az[0], az[0] + 360.0),
                    elevation_range=(el[0] - POSE_MARGIN, el[1] + POSE_MARGIN),
                    families=family_key(data.families),
                    circular=True,
                ),
                **overrides,
            )
        spec = cls(
            azimuth_range=(az[0] - POSE_MARGIN, az[1] + POSE_MARGIN),
            elevation_range=(el[0] - POSE_MARGIN, el[1] + POSE_MARGIN),
            families=family_key(data.families),
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
            + ("_circ" if self.circular else "")
            + ("_sil" if self.silhouette else "")
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
        # normalised (azimuth, elevation), or (cos azimuth, sin azimuth, elevation) for a circular probe
        self.pose = nn.Linear(self.feature_dim, 3 if spec.circular else 2)
        self.family = nn.Linear(self.feature_dim, num_families)  # logits
        self.colour = nn.Linear(self.feature_dim, 3)  # body colour (colour slot 0), RGB in [0, 1]

    def prepare(self, images: Tensor) -> Tensor:
        """Resize ``(N, 3, H, W)`` images in [-1, 1] to the probe's resolution when they differ."""
        r = self.spec.resolution
        if images.shape[-2:] != (r, r):
            images = F.interpolate(images, size=(r, r), mode="bilinear", align_corners=False, antialias=True)
        return silhouettes(images) if self.spec.silhouette else images

    def features(self, images: Tensor) -> Tensor:
        """``(N, 3, H, W)`` in [-1, 1] -> ``(N, 128)``."""
        return self.embed(self.trunk(self.prepare(images)))

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        h = self.features(images)  # (N, 128)
        return {"pose": self.pose(h), "family": self.family(h), "colour": self.colour(h)}

    def degrees(self, pose: Tensor) -> Tensor:
        """The pose head's output -> degrees ``(N, 2)`` (azimuth, elevation); a circular probe's azimuth lies in
        ``[lo, lo + 360)`` of its range."""
        lo, hi = self._ranges(pose)
        if not self.spec.circular:
            return lo + (pose + 1) / 2 * (hi - lo)
        azimuth = torch.rad2deg(torch.atan2(pose[:, 1], pose[:, 0]))
        azimuth = lo[0] + torch.remainder(azimuth - lo[0], 360.0)
        elevation = lo[1] + (pose[:, 2] + 1) / 2 * (hi[1] - lo[1])
        return torch.stack([azimuth, elevation], 1)

    def normalise(self, degrees: Tensor) -> Tensor:
        """Degrees ``(N, 2)`` -> the probe's pose targets: ``(N, 2)`` in [-1, 1], or ``(N, 3)`` when circular."""
        lo, hi = self._ranges(degrees)
        scaled = (degrees - lo) / (hi - lo) * 2 - 1
        if not self.spec.circular:
            return scaled
        azimuth = torch.deg2rad(degrees[:, 0])
        return torch.stack([azimuth.cos(), azimuth.sin(), scaled[:, 1]], 1)

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


def silhouettes(images: Tensor) -> Tensor:
    """``(N, 3, H, W)`` in [-1, 1] -> each object black on its image's background colour (the median of the
    border pixels), grey where unsure: what a reader of geometry alone sees. A pixel counts as object from 0.1
    (in [-1, 1] units, after a 3×3 blur that quiets noise) away from the background, fully from 0.2."""
    border = torch.cat([images[..., 0, :], images[..., -1, :], images[..., :, 0], images[..., :, -1]], -1)
    background = border.median(-1).values[..., None, None]  # (N, 3, 1, 1)
    distance = (binomial_blur(images) - background).abs().amax(1, keepdim=True)  # (N, 1, H, W)
    mask = ((distance - 0.1) / 0.1).clamp(0, 1)
    return background * (1 - mask) - mask


def _augment(images: Tensor, rng: torch.Generator) -> Tensor:
    """Make the probe robust to what generated images look like: blur, noise, slight brightness/contrast."""
    n = images.shape[0]
    blurred = binomial_blur(images)
    amount = (torch.rand(n, 1, 1, 1, generator=rng) < 0.5).float().to(images)  # half the batch blurred
    images = images + amount * (blurred - images)
    noise_std = torch.rand(n, 1, 1, 1, generator=rng).to(images) * 0.08
    images = images + noise_std * torch.randn(images.shape, generator=rng).to(images)
    contrast = (0.9 + 0.2 * torch.rand(n, 1, 1, 1, generator=rng)).to(images)
    brightness = ((torch.rand(n, 1, 1, 1, generator=rng) - 0.5) * 0.1).to(images)
    return (images * contrast + brightness).clamp(-1, 1)


def probe_dir(root: str | os.PathLike | None = None) -> Path:
    """Where trained probes are cached: ``<data root>/probes`` (data root: ``$HOLOGAN_DATA`` or the default)."""
    from ..data.paths import default_data_root

    return (Path(root).expanduser() if root else default_data_root()) / "probes"


def probe_path(spec: ProbeSpec, root: str | os.PathLike | None = None) -> Path:
    """The cache file of the probe trained with ``spec``."""
    return probe_dir(root) / f"pose_probe_{spec.key()}.pt"


def _probe_images(spec: ProbeSpec, root: str | os.PathLike | None, progress: bool) -> tuple[Tensor, dict]:
    """The probe's renders, from (or into) the synthetic cache: uint8 ``(N, 3, R, R)`` and ground truth."""
    from ..data import SyntheticDataset, build_synthetic_cache

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
    az_error = wrap_degrees(pred["azimuth"] - truth["pose"][:, 0])  # the shortest way round
    return {
        "azimuth_mae": float(az_error.abs().mean()),
        "elevation_mae": float((pred["elevation"] - truth["pose"][:, 1]).abs().mean()),
        "family_accuracy": float((pred["family"].argmax(1) == truth["family"]).float().mean()),
        "colour_mae": float((pred["colour"] - truth["colour"]).abs().mean() * 255),
        "images": int(len(images)),
    }


def train_probe(
    spec: ProbeSpec,
    root: str | os.PathLike | None = None,
    device: str | torch.device = "cpu",
    progress: bool | None = None,
) -> tuple[PoseProbe, dict[str, float]]:
    """Render (or reuse) the probe's images and train a probe; return it with its held-out accuracy.

    ``progress``: True shows the render and training bars, False neither, None (default) the training bar when
    the output is a terminal.
    """
    start = time.perf_counter()
    images, truth = _probe_images(spec, root, bool(progress))
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
    bar = progress_bar(total=total, desc="pose probe", unit="step", leave=False, show=progress)
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
            bar.update(1)
    bar.close()
    probe.eval()
    accuracy = probe_accuracy(probe, images[test_idx], {k: v[test_idx] for k, v in truth.items()})
    accuracy["train_seconds"] = round(time.perf_counter() - start, 1)
    log.info(
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
    spec_data["circular"] = bool(spec_data.get("circular", False))
    spec_data["silhouette"] = bool(spec_data.get("silhouette", False))
    probe = PoseProbe(ProbeSpec(**spec_data)).to(device)
    probe.load_state_dict(payload["state_dict"])
    return probe.eval(), dict(payload["accuracy"])


def load_or_train_probe(
    spec: ProbeSpec,
    root: str | os.PathLike | None = None,
    device: str | torch.device = "cpu",
    progress: bool | None = None,
) -> tuple[PoseProbe, dict[str, float]]:
    """The cached probe for ``spec`` (trained and cached on first use) and its held-out accuracy."""
    path = probe_path(spec, root)
    if path.is_file():
        probe, accuracy = load_probe(path, device)
        log.info(
            f"pose probe: {path.name} (cached; held-out azimuth error {accuracy['azimuth_mae']:.1f}°, "
            f"elevation {accuracy['elevation_mae']:.1f}°, family accuracy {accuracy['family_accuracy']:.1%})"
        )
        return probe, accuracy
    probe, accuracy = train_probe(spec, root, device, progress)
    save_probe(probe, accuracy, path)
    return probe, accuracy
