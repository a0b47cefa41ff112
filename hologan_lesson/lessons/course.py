"""The course map and the repository address from which every Colab badge is written.

Change ``REPO`` (and nothing else) when the public address is fixed, then run
``python tools/build_notebooks.py --headers-only`` to rewrite badges in all notebooks and the README.
"""

from __future__ import annotations

from dataclasses import dataclass

REPO = "hologan-course/hologan-from-scratch"  # GitHub owner/name; placeholder until the public address is fixed
BRANCH = "main"


@dataclass(frozen=True)
class Lesson:
    """One notebook of the course."""

    number: str
    slug: str
    title: str
    builds: str
    device: str  # "CPU" or "GPU"

    @property
    def filename(self) -> str:
        return f"{self.number}_{self.slug}.ipynb"

    @property
    def path(self) -> str:
        return f"notebooks/{self.filename}"


LESSONS: tuple[Lesson, ...] = (
    Lesson("00", "welcome", "Welcome to HoloGAN", "the course map and an environment check", "CPU"),
    Lesson("01", "rotation", "Rigid-body rotation of 3D features", "`rotation_matrix`, `rotate_volume`", "CPU"),
    Lesson("02", "projection", "The projection unit", "`ProjectionUnit`: depth collapse + 1×1 conv", "CPU"),
    Lesson("03", "generator", "AdaIN style control and the generator", "`AdaIN`, `HoloGANGenerator`", "CPU"),
    Lesson("03b", "meet_the_data", "Meet the data", "synthetic objects with true pose; CelebA crops", "CPU"),
    Lesson("04", "style_discriminator", "The multi-scale style discriminator", "`HoloGANDiscriminator`", "CPU"),
    Lesson("05", "identity_loss", "The identity (latent regression) loss", "`identity_loss`", "CPU"),
    Lesson("06", "training", "Training HoloGAN", "the training step and the trainer", "GPU"),
    Lesson("07", "ablations", "Measuring 3D control and the ablations", "KID, pose and identity metrics", "GPU"),
    Lesson("08", "explorer", "Explore a trained HoloGAN", "an interactive viewer", "CPU"),
)


def colab_url(path: str) -> str:
    """Colab address of a file of this repository on ``BRANCH``."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{path}"


def colab_badge(path: str) -> str:
    """Markdown for an "Open in Colab" badge pointing at ``path``."""
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path)})"


def pip_install_target() -> str:
    """What the Colab install cell passes to pip."""
    return f"git+https://github.com/{REPO}.git@{BRANCH}"
