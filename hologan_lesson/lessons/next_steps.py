"""Lesson 09's runnable ideas: what BlockGAN, GRAF / pi-GAN, GIRAFFE and EG3D added to HoloGAN, each in a few lines.

Every function works in the course convention (``hologan_lesson.model.rotation``): volumes are
``(N, C, D, H, W)``, a point is ``(x, y, z)`` in ``[-1, 1]`` with ``z`` away from the viewer (depth index 0
nearest), and a pose ``R`` moves content at ``q`` to ``R q``. The camera is orthographic and looks along ``+z``.

* BlockGAN (``place_object``, ``compose_max``): each object gets its own 3D feature volume and its own pose;
  the scene volume is their element-wise maximum, rendered by the usual camera rotation and projection.
* GRAF / pi-GAN (``ray_points``, ``sample_field``, ``compositing_weights``, ``render_field``): a radiance
  field queried at points along rays and rendered by alpha compositing, ``w_i = T_i alpha_i`` with
  ``T_i = prod_{j<i} (1 - alpha_j)``, instead of HoloGAN's learnt projection unit.
* GIRAFFE (``composite_fields``): several fields at the same points combine into one: densities add,
  features are the density-weighted mean.
* EG3D (``sample_triplane``, ``TriplaneField``, ``PoseConditionedCritic``): features sampled from three
  axis-aligned planes and summed; a discriminator that also sees the camera pose.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..model.projection import compositing_weights as compositing_weights  # the lesson's names for the model's
from ..model.projection import transmittance as transmittance  # compositing, which CompositingProjection uses
from ..model.rotation import rotate_volume

EPS = 1e-8


# ---------------------------------------------------------------------------------------------- BlockGAN


def place_object(
    volume: torch.Tensor,
    rotation: torch.Tensor | None = None,
    translation: Sequence[float] = (0.0, 0.0, 0.0),
    scale: float = 1.0,
) -> torch.Tensor:
    """Pose an object volume ``(N, C, D, H, W)`` in the scene: content at ``q`` moves to ``scale * R q + t``.

    Like ``rotate_volume`` it warps backwards: scene voxel ``p`` reads the object at ``R^T (p - t) / scale``
    (trilinear, zeros outside, ``align_corners=False``). ``translation`` is ``(x, y, z)`` in ``[-1, 1]`` units.
    """
    n = volume.shape[0]
    rot = torch.eye(3) if rotation is None else rotation.detach().float().cpu()
    inverse = rot.transpose(-1, -2).expand(n, 3, 3) / scale
    t = torch.as_tensor(translation, dtype=torch.float32).view(1, 3, 1).expand(n, 3, 1)
    theta = torch.cat([inverse, -inverse @ t], dim=2).to(volume.device)  # (N, 3, 4): p -> R^T (p - t) / s
    grid = F.affine_grid(theta, list(volume.shape), align_corners=False)
    return F.grid_sample(volume, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def compose_max(volumes: Sequence[torch.Tensor]) -> torch.Tensor:
    """BlockGAN's scene composer: the element-wise maximum of the posed object volumes (order does not matter)."""
    return torch.stack(list(volumes)).amax(0)


# ---------------------------------------------------------------------------------------------- GRAF / pi-GAN


def ray_points(resolution: int, samples: int, rotation: torch.Tensor | None = None) -> torch.Tensor:
    """Sample points of the orthographic rays, in the object's frame: ``(samples, resolution, resolution, 3)``,
    or ``(N, samples, resolution, resolution, 3)`` for ``N`` rotations ``(N, 3, 3)``.

    Pixel ``(i, j)`` casts a ray along ``+z`` through ``x = (j + 0.5) / S * 2 - 1``, ``y = (i + 0.5) / S * 2 - 1``;
    sample ``k`` sits at ``z = (k + 0.5) / samples * 2 - 1``, so index 0 is the **nearest** sample. Seen at pose
    ``R`` (content at ``q`` shown at ``R q``), the camera-frame point ``p`` looks at the object point
    ``R^T p``: the renderer turns the rays, not the volume.
    """
    xy = (torch.arange(resolution, dtype=torch.float32) + 0.5) / resolution * 2 - 1
    z = (torch.arange(samples, dtype=torch.float32) + 0.5) / samples * 2 - 1
    zz, yy, xx = torch.meshgrid(z, xy, xy, indexing="ij")
    points = torch.stack([xx, yy, zz], -1)  # (S, H, W, 3) in the camera frame
    if rotation is not None:
        rotation = rotation.float()
        # row vectors: p @ R = (R^T p)^T; one set of points per rotation when there are N of them
        points = points @ rotation if rotation.ndim == 2 else points[None] @ rotation[:, None, None]
    return points


def sample_field(volume: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Trilinear look-up of a voxel field ``(N, C, D, H, W)`` at ``points``: ``(S, H', W', 3)`` shared by all
    ``N`` volumes, or ``(N, S, H', W', 3)`` one set per volume. Returns ``(N, C, S, H', W')``.

    Points outside ``[-1, 1]^3`` read zeros (empty space).
    """
    if points.ndim == 4:
        points = points[None].expand(volume.shape[0], -1, -1, -1, -1)
    return F.grid_sample(volume, points.to(volume), mode="bilinear", padding_mode="zeros", align_corners=False)


def density_to_alpha(sigma: torch.Tensor, delta: float) -> torch.Tensor:
    """The opacity of a ray segment of length ``delta`` through density ``sigma``: ``1 - exp(-sigma delta)``."""
    return 1 - torch.exp(-sigma.clamp_min(0) * delta)


def composite(
    features: torch.Tensor, alpha: torch.Tensor, background: float | None = 1.0, weights_fn=compositing_weights
) -> torch.Tensor:
    """Render ``features (N, C, S, H, W)`` with opacities ``alpha (N, 1, S, H, W)`` (samples on dim 2, near first).

    Returns ``(N, C, H, W)``: ``sum_i w_i f_i`` plus ``(1 - sum_i w_i) * background`` unless ``background`` is None.
    ``weights_fn`` computes the weights along the last dimension (a learner's version can be passed in).
    """
    weights = weights_fn(alpha.movedim(2, -1)).movedim(-1, 2)  # (N, 1, S, H, W)
    image = (weights * features).sum(2)
    if background is not None:
        image = image + (1 - weights.sum(2)) * background
    return image


def field_colour_and_alpha(volume: torch.Tensor, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Colour and opacity of an RGBA voxel field at ``points``: ``(N, 3, ...)`` and ``(N, 1, ...)``.

    The colour is un-premultiplied (``sampled(rgb * a) / sampled(a)``), so empty voxels do not darken edges.
    """
    sampled = sample_field(_premultiplied(volume), points)
    alpha = sampled[:, 3:4].clamp(0, 1)
    return sampled[:, :3] / alpha.clamp_min(1e-3), alpha


def _premultiplied(volume: torch.Tensor) -> torch.Tensor:
    """RGBA ``(N, 4, ...)`` with the colour multiplied by the occupancy, so that resampling blends it correctly."""
    return torch.cat([volume[:, :3] * volume[:, 3:4], volume[:, 3:4]], 1)


def render_field(
    volume: torch.Tensor,
    rotation: torch.Tensor | None = None,
    resolution: int | None = None,
    samples: int | None = None,
    density: float | None = None,
    weights_fn=compositing_weights,
) -> torch.Tensor:
    """Volume-render an RGBA voxel field ``(N, 4, D, H, W)`` seen at pose ``rotation``: ``(N, 3, H, W)`` in [0, 1].

    Without ``density`` the occupancy is used as the opacity of each sample (then, with the default
    resolution and samples, the image equals front-to-back compositing of ``rotate_volume(volume, R)``);
    with ``density`` it is a density ``sigma = density * occupancy`` and ``alpha = 1 - exp(-sigma * delta)``.
    """
    resolution = resolution or volume.shape[-1]
    samples = samples or volume.shape[2]
    colour, alpha = field_colour_and_alpha(volume, ray_points(resolution, samples, rotation))
    if density is not None:
        alpha = density_to_alpha(density * alpha, 2.0 / samples)
    return composite(colour, alpha, weights_fn=weights_fn)


def voxel_projection_input(volume: torch.Tensor, rotation: torch.Tensor) -> torch.Tensor:
    """What HoloGAN's projection unit sees for an RGBA volume at pose ``R``: the rotated volume, colours
    un-premultiplied like ``field_colour_and_alpha`` (``(N, 4, D, H, W)``)."""
    turned = rotate_volume(_premultiplied(volume), rotation)
    alpha = turned[:, 3:4].clamp(0, 1)
    return torch.cat([turned[:, :3] / alpha.clamp_min(1e-3), alpha], 1)


# ---------------------------------------------------------------------------------------------- GIRAFFE


def composite_fields(sigmas: torch.Tensor, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """GIRAFFE's composition operator for ``K`` fields evaluated at the same points.

    ``sigmas (K, N, 1, ...)`` and ``features (K, N, C, ...)`` -> ``sigma = sum_k sigma_k`` and
    ``f = sum_k sigma_k f_k / sigma`` (zero where every density is zero).
    """
    sigma = sigmas.sum(0)
    feature = (sigmas * features).sum(0) / sigma.clamp_min(EPS)
    return sigma, feature


def render_fields(
    volumes: Sequence[torch.Tensor],
    rotation: torch.Tensor | None = None,
    resolution: int | None = None,
    samples: int | None = None,
    density: float = 40.0,
    compose=composite_fields,
) -> torch.Tensor:
    """Render several RGBA voxel fields (already posed in the scene) as one scene through ``compose``.

    Each field gives ``sigma_k = density * occupancy_k`` and colour ``f_k``; ``compose`` combines them at every
    sample; the result is volume-rendered on white. ``(N, 3, H, W)`` in [0, 1].
    """
    resolution = resolution or volumes[0].shape[-1]
    samples = samples or volumes[0].shape[2]
    points = ray_points(resolution, samples, rotation)
    colours, alphas = zip(*(field_colour_and_alpha(v, points) for v in volumes))
    sigma, feature = compose(density * torch.stack(alphas), torch.stack(colours))
    return composite(feature, density_to_alpha(sigma, 2.0 / samples))


# ---------------------------------------------------------------------------------------------- EG3D

PLANE_AXES = ((0, 1), (0, 2), (1, 2))  # the xy, xz and yz planes: which point coordinates index each plane


def sample_triplane(planes: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """EG3D's tri-plane look-up: ``planes (N, 3, C, R, R)`` (xy, xz, yz), ``points (N, P, 3)`` -> ``(N, P, C)``.

    A point is projected onto each plane (drop one coordinate), each plane is sampled bilinearly
    (``align_corners=False``, zeros outside) and the three features are **summed**. In plane ``(a, b)`` the
    first coordinate runs along the plane's width, the second along its height.
    """
    n, _, c = planes.shape[:3]
    out = 0
    for k, (a, b) in enumerate(PLANE_AXES):
        grid = points[..., [a, b]].unsqueeze(2)  # (N, P, 1, 2)
        sampled = F.grid_sample(planes[:, k], grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        out = out + sampled[..., 0].transpose(1, 2)  # (N, P, C)
    return out


class TriplaneField(nn.Module):
    """A tri-plane ``(3, C, R, R)`` and a small MLP decoder to (RGB, occupancy), as in EG3D (one object, no GAN)."""

    def __init__(self, channels: int = 8, resolution: int = 32, hidden: int = 32):
        super().__init__()
        self.planes = nn.Parameter(0.1 * torch.randn(1, 3, channels, resolution, resolution))
        self.decoder = nn.Sequential(nn.Linear(channels, hidden), nn.Softplus(), nn.Linear(hidden, 4))

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        """``points (P, 3)`` -> ``(P, 4)``: RGB and occupancy in [0, 1]."""
        features = sample_triplane(self.planes, points[None])[0]
        return torch.sigmoid(self.decoder(features))

    def as_volume(self, size: int) -> torch.Tensor:
        """The field sampled at the voxel centres of a ``size^3`` grid: ``(1, 4, D, H, W)``."""
        points = ray_points(size, size)  # (D, H, W, 3): voxel centres, (x, y, z) order
        return self(points.reshape(-1, 3)).T.reshape(1, 4, size, size, size)


def fit_triplane(
    volume: torch.Tensor, steps: int = 200, channels: int = 8, lr: float = 0.03, seed: int = 0
) -> tuple[TriplaneField, list[float]]:
    """Fit a ``TriplaneField`` to an RGBA volume ``(1, 4, S, S, S)`` (MSE at the voxel centres, occupied voxels'
    colours weighted by occupancy). Returns the field and the losses."""
    torch.manual_seed(seed)
    size = volume.shape[-1]
    field = TriplaneField(channels=channels, resolution=size)
    target = volume[0].reshape(4, -1).T  # (P, 4)
    points = ray_points(size, size).reshape(-1, 3)
    opt = torch.optim.Adam(field.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        pred = field(points)
        occupancy = target[:, 3:]
        loss = (pred[:, 3:] - occupancy).square().mean() + (occupancy * (pred[:, :3] - target[:, :3]).square()).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return field, losses


def pose_code(views: torch.Tensor) -> torch.Tensor:
    """``(N, 2)`` views (azimuth, elevation in degrees) -> ``(N, 4)``: their cosines and sines."""
    rad = torch.deg2rad(views)
    return torch.cat([rad.cos(), rad.sin()], 1)


class PoseConditionedCritic(nn.Module):
    """A projection discriminator conditioned on the camera (EG3D conditions on its 25 camera numbers).

    ``score(x, pose) = w . h(x) + embed(pose) . h(x)``: the first term asks "is this a real image?", the
    second "does it match this pose?", so the generator cannot ignore the camera it was given.
    """

    def __init__(self, channels: int = 3, width: int = 32, pose_dim: int = 4):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, width, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.out = nn.Linear(width, 1)
        self.embed = nn.Linear(pose_dim, width, bias=False)

    def forward(self, images: torch.Tensor, poses: torch.Tensor) -> torch.Tensor:
        h = self.features(images)  # (N, width)
        return self.out(h)[:, 0] + (self.embed(poses) * h).sum(1)


def train_pose_critic(
    images: torch.Tensor, views: torch.Tensor, steps: int = 150, seed: int = 0, lr: float = 3e-3
) -> tuple[PoseConditionedCritic, list[float]]:
    """Teach a ``PoseConditionedCritic`` to score ``(image, its own pose)`` above ``(image, another image's pose)``
    (logistic loss; the mismatched poses are the batch's poses rolled by one)."""
    torch.manual_seed(seed)
    critic = PoseConditionedCritic(images.shape[1])
    opt = torch.optim.Adam(critic.parameters(), lr=lr)
    code = pose_code(views)
    losses = []
    for _ in range(steps):
        matched = critic(images, code)
        mismatched = critic(images, code.roll(1, 0))
        loss = F.softplus(-matched).mean() + F.softplus(mismatched).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return critic, losses
