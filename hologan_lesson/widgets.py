"""An interactive viewer for a HoloGAN generator: turn the object, redraw its shape or its appearance.

``panel_render`` is the whole rendering logic as a plain function (testable without a browser);
``ViewPanel`` only wires it to ipywidgets sliders, buttons and an image.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from .model.generator import HoloGANGenerator, ZLike, as_single, render_views, uniform_z
from .viz import to_uint8


def panel_render(
    generator: HoloGANGenerator,
    z: ZLike,
    azimuth: float,
    elevation: float,
    scale: int = 4,
    volume: Tensor | None = None,
    stretch: bool = False,
) -> np.ndarray:
    """One identity ``z`` seen from (azimuth, elevation) degrees: ``(H·scale, W·scale, 3)`` uint8.

    ``stretch=True`` maps the image's own min..max to the full range (for untrained generators, whose
    outputs are nearly flat).
    """
    view = torch.tensor([[float(azimuth), float(elevation)]])  # (1, 2)
    image = render_views(generator, z, view, volume=volume)  # (1, 3, H, W)
    if stretch:
        lo, hi = image.min(), image.max()
        image = (image - lo) / (hi - lo).clamp_min(1e-12) * 2 - 1
    return to_uint8(image)[0].repeat(scale, axis=0).repeat(scale, axis=1)


def png_bytes(image: np.ndarray) -> bytes:
    """A ``(H, W, 3)`` uint8 array as PNG file bytes (what ``ipywidgets.Image`` shows)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


class ViewPanel:
    """The state and widgets behind ``view_panel``; ``.widget`` is what to display."""

    def __init__(
        self,
        generator: HoloGANGenerator,
        z: ZLike | None = None,
        azimuth_range: tuple[float, float] = (-60.0, 60.0),
        elevation_range: tuple[float, float] = (-30.0, 30.0),
        scale: int = 4,
        seed: int = 0,
        stretch: bool = False,
    ):
        import ipywidgets as widgets

        self.generator, self.scale, self.stretch = generator, scale, stretch
        self.rng = torch.Generator().manual_seed(seed)
        self.device = next(generator.parameters()).device
        if z is None:
            z = generator.sample_z(1, generator=self.rng, device=self.device)
        self.z_shape, self.z_appearance = generator.split_z(as_single(z))  # (1, z_dim) each
        self._volume: Tensor | None = None  # 3D features of z_shape, reused while only the view changes

        def clip(value: float, lo: float, hi: float) -> float:
            return min(max(value, lo), hi)

        self.azimuth = widgets.FloatSlider(
            value=clip(0.0, *azimuth_range),
            min=azimuth_range[0],
            max=azimuth_range[1],
            step=1.0,
            description="azimuth",
        )
        self.elevation = widgets.FloatSlider(
            value=clip(0.0, *elevation_range),
            min=elevation_range[0],
            max=elevation_range[1],
            step=1.0,
            description="elevation",
        )
        self.new_shape = widgets.Button(description="new shape", tooltip="redraw z_shape, keep z_appearance")
        self.new_appearance = widgets.Button(description="new appearance", tooltip="redraw z_appearance, keep z_shape")
        # shown at its own pixel size: in the column VBox a flex item would otherwise stretch to the full
        # output width (and as tall), pushing the sliders out of sight while you turn them
        self.image = widgets.Image(format="png", layout=widgets.Layout(align_self="flex-start"))
        self.azimuth.observe(lambda change: self.update(), names="value")
        self.elevation.observe(lambda change: self.update(), names="value")
        self.new_shape.on_click(lambda button: self.resample("shape"))
        self.new_appearance.on_click(lambda button: self.resample("appearance"))
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.azimuth, self.elevation]),
                widgets.HBox([self.new_shape, self.new_appearance]),
                self.image,
            ]
        )
        self.update()

    def resample(self, which: str) -> None:
        """Redraw ``z_shape`` (``which='shape'``) or ``z_appearance`` (``'appearance'``) and re-render."""
        if which == "shape":
            self.set_shape(uniform_z(tuple(self.z_shape.shape), self.rng, self.device))
        elif which == "appearance":
            self.z_appearance = uniform_z(tuple(self.z_appearance.shape), self.rng, self.device)
            self.update()
        else:
            raise ValueError(f"resample 'shape' or 'appearance', got {which!r}")

    def set_shape(self, z_shape: Tensor) -> None:
        """Show a new ``(1, z_dim)`` shape code (its 3D features are recomputed; the appearance is kept)."""
        self.z_shape = z_shape
        self._volume = None  # the cached 3D features belonged to the previous z_shape
        self.update()

    def render(self) -> np.ndarray:
        """The current image as a uint8 array."""
        if self._volume is None:
            with torch.no_grad():
                self._volume = self.generator.volume(self.z_shape)  # (1, C, D, H, W)
        z = (self.z_shape, self.z_appearance)
        return panel_render(
            self.generator,
            z,
            self.azimuth.value,
            self.elevation.value,
            self.scale,
            self._volume,
            self.stretch,
        )

    def update(self) -> None:
        """Re-render into the image widget."""
        self.image.value = png_bytes(self.render())


def view_panel(generator: HoloGANGenerator, z: ZLike | None = None, **options):
    """An ipywidgets panel: azimuth/elevation sliders, "new shape"/"new appearance" buttons, the render."""
    return ViewPanel(generator, z, **options).widget
