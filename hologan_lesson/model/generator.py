"""The HoloGAN generator: learn 3D features, turn them to the view, project to 2D, render an image.

    z_shape ─► 4³ constant ─AdaIN─► deconv3d 8³ ─AdaIN─► deconv3d 16³ ─AdaIN─► volume (N, C, 16, 16, 16)
    view    ─► rotate the volume rigidly   [128 px: two more 3D convs]
               projection unit: (N, C, D, H, W) -> (N, C·D, H, W) -> 1×1 conv
    z_app   ─► deconv2d 32² ─AdaIN─► deconv2d 64² ─AdaIN─► k4 conv ─► tanh ─► image (N, 3, 64, 64)

The view enters *only* through the rotation, and ``z`` *only* through the AdaIN styles (the 3D
layers' from ``z_shape``, the 2D layers' from ``z_appearance``; one and the same ``z`` by default),
which is what lets HoloGAN disentangle pose from identity without pose labels.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from ..config import GeneratorConfig, check_choices
from ..utils import to_channels_last
from .adain import AdaIN, StyleMapping
from .projection import CompositingProjection, ProjectionUnit, make_activation
from .rotation import rotate_volume, view_to_rotation

ZLike = Tensor | tuple[Tensor, Tensor] | list[Tensor]
START_SIZE = 4  # side of the learnt constant; two stride-2 3D deconvs take it to 16


def init_weights(module: nn.Module) -> None:
    """Official init: conv, transposed-conv and linear weights ~ N(0, 0.02), biases 0."""
    if isinstance(module, (nn.Linear, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def uniform_z(
    shape: tuple[int, ...], rng: torch.Generator | None = None, device: torch.device | str | None = None
) -> Tensor:
    """``U(-1, 1)`` latents (the paper's prior), drawn on ``rng``'s device and moved to ``device``."""
    u = torch.rand(shape, generator=rng, device=rng.device if rng is not None else device)
    return (u * 2 - 1).to(device) if device is not None else u * 2 - 1


class ConstantInput(nn.Module):
    """The learnt 4×4×4 template shared by every sample: ``z (N, ·) -> (N, C, 4, 4, 4)``."""

    def __init__(self, channels: int, size: int = START_SIZE):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, channels, size, size, size) * 0.02)

    def forward(self, z: Tensor) -> Tensor:
        # Only z's batch size is used: HoloGAN's identity comes in through AdaIN, not through the input.
        return self.weight.expand(z.shape[0], -1, -1, -1, -1)  # (N, C, 4, 4, 4)


class LinearInput(nn.Module):
    """Traditional-GAN input (ablation): ``z (N, z_dim) -> Linear -> (N, C, 4, 4, 4)``."""

    def __init__(self, z_dim: int, channels: int, size: int = START_SIZE):
        super().__init__()
        self.channels, self.size = channels, size
        self.linear = nn.Linear(z_dim, channels * size**3)

    def forward(self, z: Tensor) -> Tensor:
        s = self.size
        return self.linear(z).view(-1, self.channels, s, s, s)  # (N, C, 4, 4, 4)


class StyledBlock(nn.Module):
    """``layer -> AdaIN styled by z (or plain BatchNorm when unstyled) -> activation``."""

    def __init__(
        self,
        layer: nn.Module,
        channels: int,
        dims: int,
        z_dim: int,
        activation: str,
        mapping: str,
        styled: bool,
    ):
        super().__init__()
        self.layer = layer
        self.style = StyleMapping(z_dim, channels, mapping) if styled else None
        self.norm = AdaIN() if styled else (nn.BatchNorm3d if dims == 3 else nn.BatchNorm2d)(channels)
        self.act = make_activation(activation)

    def forward(self, x: Tensor, z: Tensor) -> Tensor:
        h = self.layer(x)
        h = self.norm(h, *self.style(z)) if self.style is not None else self.norm(h)
        return self.act(h)


class VolumeRotation(nn.Module):
    """Rigidly turn the feature volume to the view: ``(N, C, D, H, W), (N, 2) degrees -> same shape``."""

    def forward(self, volume: Tensor, view: Tensor) -> Tensor:
        return rotate_volume(volume, view_to_rotation(view))


def validate_config(cfg: GeneratorConfig) -> None:
    """Raise ValueError when the sizes in ``cfg`` do not chain from 4³ to the output resolution."""
    check_choices(cfg)  # z_input, activations: the Literal fields of GeneratorConfig
    if cfg.z_input == "traditional" and cfg.separate_z:
        raise ValueError("separate_z needs AdaIN (z_input='adain'): a traditional generator has one z at its input")
    side = START_SIZE * 2 ** len(cfg.volume_channels)
    if side != cfg.volume_size:
        raise ValueError(
            f"{len(cfg.volume_channels)} stride-2 3D layers take 4³ to {side}³, but volume_size={cfg.volume_size}"
        )
    if cfg.volume_size * 2 ** len(cfg.image_channels) != cfg.resolution:
        raise ValueError(
            f"{len(cfg.image_channels)} stride-2 2D layers take {cfg.volume_size}² to "
            f"{cfg.volume_size * 2 ** len(cfg.image_channels)}², but resolution={cfg.resolution}"
        )


class HoloGANGenerator(nn.Module):
    """HoloGAN's generator: ``forward(z, view) -> (N, 3, H, W)`` in [-1, 1], ``view`` (N, 2) degrees."""

    def __init__(self, cfg: GeneratorConfig | None = None):
        super().__init__()
        cfg = cfg if cfg is not None else GeneratorConfig()
        validate_config(cfg)
        self.cfg = cfg
        styled = cfg.z_input == "adain"

        def block(layer: nn.Module, channels: int, dims: int) -> StyledBlock:
            return StyledBlock(layer, channels, dims, cfg.z_dim, cfg.activation, cfg.mapping_activation, styled)

        c = cfg.const_channels
        start = ConstantInput(c) if styled else LinearInput(cfg.z_dim, c)
        blocks3d = [block(start, c, 3)]
        for out in cfg.volume_channels:  # each doubles D, H, W exactly
            blocks3d.append(block(nn.ConvTranspose3d(c, out, 3, stride=2, padding=1, output_padding=1), out, 3))
            c = out
        self.blocks3d = nn.ModuleList(blocks3d)

        self.rotate = VolumeRotation()
        post = []
        for out in cfg.post_rotation_channels:  # 128 px: 3D convs on the *rotated* volume, no style
            post.append(nn.Sequential(nn.Conv3d(c, out, 3, padding=1), make_activation(cfg.activation)))
            c = out
        self.post_rotation = nn.Sequential(*post)
        unit = CompositingProjection if cfg.projection == "composite" else ProjectionUnit
        self.project = unit(c, cfg.volume_size, cfg.projection_channels, cfg.projection_activation)

        c = cfg.projection_channels
        blocks2d = []
        for out in cfg.image_channels:  # each doubles H, W exactly
            blocks2d.append(block(nn.ConvTranspose2d(c, out, 4, stride=2, padding=1), out, 2))
            c = out
        self.blocks2d = nn.ModuleList(blocks2d)
        # The official last layer is a k4 stride-1 'SAME' transposed conv. 4 taps cannot be padded
        # symmetrically to keep the size; TF's choice equals zero-padding 2 before and 1 after, then a
        # k4 conv (with the kernel flipped, which a learnt kernel absorbs).
        self.to_rgb = nn.Sequential(nn.ZeroPad2d((2, 1, 2, 1)), nn.Conv2d(c, cfg.out_channels, 4), nn.Tanh())
        self.apply(init_weights)

    @property
    def latent_dim(self) -> int:
        """Length of the code ``z``: ``z_dim``, or ``2 * z_dim`` with separate shape/appearance codes."""
        return 2 * self.cfg.z_dim if self.cfg.separate_z else self.cfg.z_dim

    def split_z(self, z: ZLike) -> tuple[Tensor, Tensor]:
        """``(z_shape, z_appearance)``, each ``(N, z_dim)``, from a ``(N, latent_dim)`` tensor or a pair."""
        d = self.cfg.z_dim
        if isinstance(z, (tuple, list)):
            if len(z) != 2:
                raise ValueError(f"a z pair is (z_shape, z_appearance), got {len(z)} tensors")
            z_shape, z_app = z
            for name, t in (("z_shape", z_shape), ("z_appearance", z_app)):
                if t.ndim != 2 or t.shape[1] != d:
                    raise ValueError(f"{name} must be (N, {d}), got {tuple(t.shape)}")
            if z_shape.shape[0] != z_app.shape[0]:
                raise ValueError(f"z_shape has {z_shape.shape[0]} rows but z_appearance {z_app.shape[0]}")
            return z_shape, z_app
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"z must be (N, {self.latent_dim}) or a pair (z_shape, z_appearance) of (N, {d}), got {tuple(z.shape)}"
            )
        if self.cfg.separate_z:
            return z[:, :d], z[:, d:]
        return z, z

    def volume(self, z_shape: Tensor) -> Tensor:
        """The 3D features before rotation: ``(N, z_dim) -> (N, C, 16, 16, 16)``."""
        h = z_shape  # the first block turns z into the 4³ start (constant: uses only the batch size)
        for block in self.blocks3d:
            h = block(h, z_shape)  # (N, C, D, H, W), D doubling after the first block
        return h

    def render(self, volume: Tensor, view: Tensor, z_appearance: Tensor) -> Tensor:
        """Rotation onwards: ``volume`` seen from ``view`` (N, 2) and styled by ``z_appearance`` -> image."""
        h = self.rotate(volume, view)  # (N, C, 16, 16, 16)
        h = self.post_rotation(h)  # (N, C', 16, 16, 16); identity at 64 px
        h = self.project(h)  # (N, P, 16, 16)
        for block in self.blocks2d:
            h = block(h, z_appearance)  # (N, C, 2H, 2W)
        return self.to_rgb(h)  # (N, 3, H, W) in [-1, 1]

    def forward(self, z: ZLike, view: Tensor) -> Tensor:
        z_shape, z_app = self.split_z(z)
        return self.render(self.volume(z_shape), view, z_app)

    def sample_z(
        self, n: int, generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> Tensor:
        """``n`` codes ``(n, latent_dim)`` from U(-1, 1), on ``device`` (default: this module's)."""
        if device is None:
            device = next(self.parameters()).device
        return uniform_z((n, self.latent_dim), generator, device)

    def to_channels_last(self) -> HoloGANGenerator:
        """Store 3D weights channels_last_3d and 2D weights channels_last (faster GPU convs); returns self."""
        return to_channels_last(self)

    def trace_shapes(self, z: ZLike, view: Tensor) -> list[tuple[str, tuple[int, ...]]]:
        """Run ``forward`` once (no grad) and list ``(stage, output shape)`` in the order they happen."""
        records: list[tuple[str, tuple[int, ...]]] = []

        def after(name: str) -> Callable:
            return lambda module, args, out: records.append((name, tuple(out.shape)))

        stages = [(f"blocks3d.{i}", b) for i, b in enumerate(self.blocks3d)] + [("rotate", self.rotate)]
        stages += [(f"post_rotation.{i}", b) for i, b in enumerate(self.post_rotation)]
        stages += [("project (1x1 conv)", self.project)]
        stages += [(f"blocks2d.{i}", b) for i, b in enumerate(self.blocks2d)] + [("to_rgb", self.to_rgb)]
        hooks = [module.register_forward_hook(after(name)) for name, module in stages]
        hooks.append(
            self.project.conv.register_forward_pre_hook(
                lambda module, args: records.append(("project (reshape c d)", tuple(args[0].shape)))
            )
        )
        try:
            with torch.no_grad():
                self(z, view)
        finally:
            for h in hooks:
                h.remove()
        return records


def as_single(z: ZLike) -> ZLike:
    """One identity as a batch of one: ``(latent_dim,)`` -> ``(1, latent_dim)``; pairs element-wise."""
    if isinstance(z, (tuple, list)):
        return tuple(t[None] if t.ndim == 1 else t for t in z)
    return z[None] if z.ndim == 1 else z


@torch.no_grad()
def render_views(
    generator: HoloGANGenerator,
    z_single: ZLike,
    views: Tensor,
    volume: Tensor | None = None,
    batch_size: int = 16,
) -> Tensor:
    """One identity from each of ``views`` (T, 2), no grad: ``(T, 3, H, W)``; 3D features computed once."""
    z_shape, z_app = generator.split_z(as_single(z_single))
    if z_shape.shape[0] != 1:
        raise ValueError(f"render_views draws one identity, got a batch of {z_shape.shape[0]} codes")
    if volume is None:
        volume = generator.volume(z_shape)  # (1, C, D, H, W)
    views = views.to(volume.device)
    images = []
    for chunk in views.split(batch_size):  # bounded memory for long sweeps
        t = chunk.shape[0]
        images.append(generator.render(volume.expand(t, -1, -1, -1, -1), chunk, z_app.expand(t, -1)))
    return torch.cat(images)  # (T, 3, H, W)


def azimuth_sweep(n: int, azimuth_range: tuple[float, float] = (-60.0, 60.0), elevation: float = 0.0) -> Tensor:
    """``n`` views evenly spaced in azimuth at a fixed elevation: ``(n, 2)`` degrees.

    A range of a full circle (360° or more) leaves out its last view, which would repeat the first."""
    lo, hi = azimuth_range
    azimuth = torch.linspace(lo, hi, n + 1)[:-1] if hi - lo >= 360.0 else torch.linspace(lo, hi, n)
    return torch.stack([azimuth, torch.full_like(azimuth, elevation)], dim=1)


def elevation_sweep(n: int, elevation_range: tuple[float, float] = (-30.0, 30.0), azimuth: float = 0.0) -> Tensor:
    """``n`` views evenly spaced in elevation at a fixed azimuth: ``(n, 2)`` degrees."""
    elevation = torch.linspace(elevation_range[0], elevation_range[1], n)
    return torch.stack([torch.full_like(elevation, azimuth), elevation], dim=1)


def view_sweep(
    kind: str, frames: int, azimuth_range: tuple[float, float], elevation_range: tuple[float, float]
) -> Tensor:
    """``(frames, 2)``: azimuth across its range at the middle elevation (``kind='azimuth'``), or elevation
    across its range at the middle azimuth (``'elevation'``)."""
    if kind == "azimuth":
        return azimuth_sweep(frames, azimuth_range, sum(elevation_range) / 2)
    return elevation_sweep(frames, elevation_range, sum(azimuth_range) / 2)


def resample_shape(generator: HoloGANGenerator, z: ZLike, rng: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
    """A new ``z_shape`` from U(-1, 1), the same ``z_appearance``: the pair to pass as ``z``."""
    z_shape, z_app = generator.split_z(z)
    return uniform_z(tuple(z_shape.shape), rng, z_shape.device).to(z_shape.dtype), z_app


def resample_appearance(
    generator: HoloGANGenerator, z: ZLike, rng: torch.Generator | None = None
) -> tuple[Tensor, Tensor]:
    """The same ``z_shape``, a new ``z_appearance`` from U(-1, 1): the pair to pass as ``z``."""
    z_shape, z_app = generator.split_z(z)
    return z_shape, uniform_z(tuple(z_app.shape), rng, z_app.device).to(z_app.dtype)
