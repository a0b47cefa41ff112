"""The HoloGAN networks: rotation of 3D features, projection to 2D, AdaIN, generator, discriminator, losses."""

from .adain import AdaIN, StyleMapping, adain
from .discriminator import DiscriminatorOutput, HoloGANDiscriminator
from .generator import HoloGANGenerator, render_views, uniform_z
from .losses import discriminator_loss, generator_loss
from .projection import ProjectionUnit
from .rotation import rotate_volume, rotation_matrix, sample_views, view_to_rotation

__all__ = [
    "AdaIN",
    "DiscriminatorOutput",
    "HoloGANDiscriminator",
    "HoloGANGenerator",
    "ProjectionUnit",
    "StyleMapping",
    "adain",
    "discriminator_loss",
    "generator_loss",
    "render_views",
    "rotate_volume",
    "rotation_matrix",
    "sample_views",
    "uniform_z",
    "view_to_rotation",
]
