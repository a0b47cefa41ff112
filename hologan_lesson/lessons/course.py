"""The course map, the repository address from which every Colab badge is written, and the install cell.

Change ``REPO`` (and nothing else) when the public address is fixed, then run
``python tools/build_notebooks.py --headers-only`` to rewrite badges and install cells in all notebooks and the
README.

The install cell at the top of every notebook installs the course package (with the extras its lesson needs)
when the notebook runs outside the repository checkout — in Colab, or as a lone copy — and from the place
given by the environment variable ``HOLOGAN_COURSE_SOURCE`` when that is set (any pip target: a git URL or a
local path), so that tests can exercise the cell without the public address.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = "hologan-course/hologan-from-scratch"  # GitHub owner/name; placeholder until the public address is fixed
BRANCH = "main"
SOURCE_ENV = "HOLOGAN_COURSE_SOURCE"  # overrides where the install cell installs from (a git URL or a local path)
DISTRIBUTION = "hologan-lesson"  # the name in pyproject.toml


@dataclass(frozen=True)
class Lesson:
    """One notebook of the course."""

    number: str
    slug: str
    title: str
    builds: str
    device: str  # "CPU" or "GPU"
    extras: tuple[str, ...] = ()  # optional-dependency groups of pyproject.toml the lesson needs (e.g. "metrics")

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
    Lesson("04b", "gan_losses", "The GAN losses and what style buys", "non-saturating and style losses", "CPU"),
    Lesson("05", "identity_loss", "The identity (latent regression) loss", "`identity_loss`", "CPU"),
    Lesson("06", "training", "Training HoloGAN", "the training step and the trainer", "CPU; GPU for full runs"),
    Lesson(
        "07",
        "ablations",
        "Measuring 3D control and the ablations",
        "KID, pose and identity metrics",
        "CPU; GPU for full runs",
        extras=("metrics",),
    ),
    Lesson("08", "explorer", "Explore a trained HoloGAN", "an interactive viewer", "CPU"),
    Lesson("09", "what_came_next", "What came next", "BlockGAN, GRAF/pi-GAN, GIRAFFE and EG3D in toy form", "CPU"),
)


def setup(number: str, seed: int = 0) -> None:
    """The first line of every lesson: seed the random generators, install friendly messages for errors in
    exercise cells, and print the machine and profile (see ``hologan_lesson.lessons.notebook``)."""
    from .notebook import setup as _setup

    _setup(number, seed)


def colab_url(path: str) -> str:
    """Colab address of a file of this repository on ``BRANCH``."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{path}"


def colab_badge(path: str) -> str:
    """Markdown for an "Open in Colab" badge pointing at ``path``."""
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(path)})"


def pip_install_target() -> str:
    """Where the install cell installs from unless ``HOLOGAN_COURSE_SOURCE`` says otherwise."""
    return f"git+https://github.com/{REPO}.git@{BRANCH}"


def requirement(lesson: Lesson, source: str | None = None) -> str:
    """The pip requirement for ``lesson``: the package with the lesson's extras, from ``source``.

    ``source`` defaults to ``HOLOGAN_COURSE_SOURCE`` and then to ``pip_install_target()``; a local folder is
    turned into a ``file://`` URL so that the requirement can carry extras (``name[extra] @ URL``).
    """
    source = source or os.environ.get(SOURCE_ENV) or pip_install_target()
    if "://" not in source and not source.startswith("git+") and Path(source).exists():
        source = Path(source).resolve().as_uri()
    extras = f"[{','.join(lesson.extras)}]" if lesson.extras else ""
    return f"{DISTRIBUTION}{extras} @ {source}"


def install_command(lesson: Lesson, source: str | None = None, python: str | None = None) -> list[str]:
    """The pip command line the install cell runs for ``lesson`` (``python`` defaults to this interpreter)."""
    return [python or sys.executable, "-m", "pip", "install", "-q", requirement(lesson, source)]


def install_cell_source(lesson: Lesson) -> str:
    """The code of the install cell of ``lesson``'s notebook.

    It installs when ``HOLOGAN_COURSE_SOURCE`` is set or ``hologan_lesson`` is not importable. It must run
    before the package exists, so it cannot import from it: it repeats ``requirement`` and ``install_command``
    inline (``tests/test_lone_notebooks.py`` runs this source in a throwaway environment and checks that it
    installs ``requirement(lesson)``).
    """
    extras = f"[{','.join(lesson.extras)}]" if lesson.extras else ""
    return (
        "# Install the course library where it is missing (Colab, or this notebook copied on its own);\n"
        "# inside the repository checkout (`pip install -e .`) it is already there and nothing happens.\n"
        f"# {SOURCE_ENV} overrides where from: any pip target (a git URL or a local folder).\n"
        "import importlib.util\n"
        "import os\n"
        "import subprocess\n"
        "import sys\n"
        "from pathlib import Path\n"
        "\n"
        f'source = os.environ.get("{SOURCE_ENV}", "")\n'
        'if source or importlib.util.find_spec("hologan_lesson") is None:\n'
        f'    source = source or "{pip_install_target()}"\n'
        '    if "://" not in source and not source.startswith("git+") and Path(source).exists():\n'
        "        source = Path(source).resolve().as_uri()  # a local folder: pip wants a URL to add extras\n"
        f'    requirement = f"{DISTRIBUTION}{extras} @ {{source}}"\n'
        '    print(f"installing {requirement}")\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", requirement], check=True)\n'
        "    importlib.invalidate_caches()"
    )
