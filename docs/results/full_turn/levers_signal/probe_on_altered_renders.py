"""How the 0-180° colour probe reads altered real renders (blurred, grey, silhouettes).

Is it a fair reader of blurry, dark fakes? Run from the repository root (writes nothing; output kept beside it):

    python docs/results/full_turn/levers_signal/probe_on_altered_renders.py
"""

import torchvision.transforms.functional as TF

from hologan_lesson.config import make_config
from hologan_lesson.eval.control import control_scores
from hologan_lesson.eval.probe import load_or_train_probe, silhouettes
from hologan_lesson.eval.run import EvalSettings
from hologan_lesson.eval.sources import SyntheticSource


class Altered:
    """A sweep source whose frames are changed by ``alter`` and then blurred (Gaussian, ``sigma`` pixels)."""

    def __init__(self, source, sigma: float, alter=lambda x: x):
        self.source, self.sigma, self.alter = source, sigma, alter

    def identities(self, n, seed):
        return self.source.identities(n, seed)

    def sweep(self, identity, views):
        x = self.alter(self.source.sweep(identity, views))
        return TF.gaussian_blur(x, kernel_size=7, sigma=self.sigma) if self.sigma else x


settings = EvalSettings()
cfg = make_config("cpu", "synthetic", ["data.azimuth_range=0,180"])
probe, _ = load_or_train_probe(settings.probe_spec(cfg.data))
sweep = settings.sweep_spec(cfg.data)
real = SyntheticSource(cfg.data.resolution, families=probe.spec.families)
cases = [("", s, lambda x: x) for s in (0, 0.7, 1.0, 1.5, 2.0)]
cases += [("grey ", s, lambda x: TF.rgb_to_grayscale(x, 3)) for s in (0, 1.0)]
cases += [("silhouette ", s, silhouettes) for s in (0, 1.0)]
for name, sigma, alter in cases:
    r = control_scores(Altered(real, sigma, alter), probe, sweep).summary()
    print(
        f"{name}sigma {sigma}: circular error {r['azimuth_circ_error']:.1f} (null {r['null_circ_error']:.1f}), "
        f"turning {r['azimuth_circ_turning']:.0%}",
        flush=True,
    )
