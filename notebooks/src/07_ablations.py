# %% [markdown]
# # Lesson 07 — Measuring 3D control and the ablations
#
# A trained HoloGAN should do two things: make images that look like the data, and turn the object when we
# turn the view — without changing *which* object it is. This lesson measures both and then switches
# HoloGAN's parts off one at a time, as the paper's comparisons do.
#
# 1. **Image quality: KID** (the paper's metric) and FID. Both compare feature statistics of generated and
#    real images; the standard features come from an Inception network.
# 2. **Pose consistency.** On our synthetic objects the true pose of every training image is known. A small
#    CNN, the *pose probe*, learns to read azimuth and elevation from renders; then we command a sweep of
#    views and ask the probe which pose it sees in each generated frame. Three readings of the same sweeps: a
#    linear fit, a reading on the circle, and a fold test.
# 3. **Identity consistency.** The same probe reads the object's family and body colour; while only the
#    view changes, these readings should stay put.
# 4. **Calibration.** A metric is only useful with reference points: real renders (the best possible
#    answer) and a source that ignores the view (chance).
# 5. **The ablations**: the course defines five variants — full HoloGAN; no random 3D transformation in
#    training; the traditional z input; no identity loss; no style discriminator — each trained at the same
#    budget. Under the `cpu` recipe two of them equal the full model, so this lesson trains and compares three —
#    full HoloGAN, no random 3D transformation and the traditional z input — with three seeds each (section 6
#    says why).
#
# Everything is measured on the data of the course's `cpu` recipe: synthetic cars at eye level, azimuth from
# 0° (front) to 90° (side) — the cars of lesson 03b, with a distinct front and back and a light fixed in the world.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from hologan_lesson import pick, profile, shipped
from hologan_lesson.config import make_config
from hologan_lesson.eval import ProbeSpec, fit_sign_offset, load_or_train_probe, read_turn
from hologan_lesson.lessons import course

course.setup("07")

# %% [markdown]
# ## 1. A pose probe
#
# The probe is a small CNN (six 3×3 convolutions, then a 128-d feature vector) with three heads: pose (azimuth,
# elevation), family and body colour. It trains once on renders of the data's own object families (here: cars)
# from a pose range 15° wider on each side than the training data (azimuth −15…105°, elevation −15…15°) and a
# different seed, and is cached under the data folder (`~/.cache/hologan_lesson/probes`). Training adds a little
# blur and noise so that it also reads the softer images a GAN makes. It always reads 32 px images. For data that
# spans a full circle (a range of 330° or more) its azimuth head predicts $(\cos\theta, \sin\theta)$ instead, so
# that 359° and 1° are neighbours (`ProbeSpec.circular`); the `cpu` recipe's quarter turn does not need that. In the
# `ci` profile it is trained on a few hundred renders only, so its numbers there are rough.

# %%
DATA = make_config("cpu", "synthetic").data  # the cpu recipe's data: cars, azimuth 0…90°, elevation 0°
PROBE_SIZE = pick(ci={"num_images": 600, "epochs": 3}, cpu={}, gpu={})  # {} = the defaults: 6000 renders, 12 epochs
spec = ProbeSpec.for_data(DATA, **PROBE_SIZE)
probe, accuracy = load_or_train_probe(spec)
print(f"held-out renders: {accuracy['images']}")
print(f"azimuth error {accuracy['azimuth_mae']:.1f}°, elevation error {accuracy['elevation_mae']:.1f}°")
print(f"family accuracy {accuracy['family_accuracy']:.1%}, body colour error {accuracy['colour_mae']:.0f}/255")

# %% [markdown]
# What the probe reads on eight new cars at random azimuths (true azimuth → read azimuth):

# %%
from hologan_lesson.data import render_object, sample_object_params
from hologan_lesson.viz import show_images
rng = np.random.default_rng(123)
objects = [sample_object_params(rng, "car") for _ in range(8)]
azimuths = rng.uniform(*DATA.azimuth_range, 8)
renders = torch.stack(
    [torch.from_numpy(render_object(o, az, 0.0, 32)).permute(2, 0, 1) for o, az in zip(objects, azimuths)]
)  # (8, 3, 32, 32) uint8
read = probe.predict(renders.float() / 127.5 - 1)
show_images(renders.float() / 127.5 - 1, scale=2.5, labels=[f"{a:.0f}→{r:.0f}" for a, r in zip(azimuths, read["azimuth"])])

# %% [markdown]
# The shape of a car seen from +30° is the mirror image of its shape seen from −30°; what tells the two views
# apart is the light, fixed in the world so that one flank is lit and the other in shade (lesson 03b), and its front
# and back differ (headlamps and grille, tail lamps). A probe trained on these cars reads real renders of the
# sweeps below with an error of about {{ fact:ablation.real_error }}° (section 4). The `cpu` recipe's range,
# 0…90°, holds no mirror pair at all — section 3 measures whether a generator folds it anyway.
#
# ## 2. The learnt canonical frame
#
# HoloGAN is never told where "azimuth 0" is. It learns *a* canonical frame, which may be offset from the
# renderer's, and may even turn the other way round. So before comparing angles we fit, over every frame of
# every sweep, the best direction $s \in \{+1, -1\}$ and offset $b$:
#
# $$\hat a_{\text{read}} \approx s \cdot a_{\text{commanded}} + b,$$
#
# and report the mean absolute residual in degrees (the **pose error**) and the correlation between
# $s \cdot a_\text{commanded}$ and the reading. One $s$ and one $b$ for all identities: a good 3D generator uses
# the same frame for every object. **Exercise 1.** Write the fit yourself (least squares; the check below compares it with
# the library's `fit_sign_offset`):


# %%
def my_fit_sign_offset(commanded: torch.Tensor, predicted: torch.Tensor) -> tuple[int, float]:
    # HINT 1: try both directions; for a fixed direction the best offset in the least-squares sense has a closed
    # HINT 1: form
    # HINT 2: that offset is the mean of predicted - sign * commanded; keep the sign whose residual has the smaller
    # HINT 2: mean square, and return (sign, offset) as an int and a float
    # BEGIN SOLUTION
    best = None
    for sign in (1, -1):
        offset = float((predicted - sign * commanded).mean())  # least-squares offset for this direction
        squared = float(((predicted - sign * commanded - offset) ** 2).mean())
        if best is None or squared < best[0]:
            best = (squared, sign, offset)
    return best[1], best[2]
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.metrics import check_fit_sign_offset, check_turning_fraction

check_fit_sign_offset(my_fit_sign_offset)


# %%
# NBVAL_CHECK_OUTPUT
commanded = torch.linspace(-60, 60, 9).repeat(3)  # 3 identities × 9 views
reading = -commanded + 15 + torch.randn(commanded.shape, generator=torch.Generator().manual_seed(1))
sign, offset = my_fit_sign_offset(commanded, reading)
print(f"my fit:      sign {sign:+d}, offset {offset:.2f}°")
fit = fit_sign_offset(commanded, reading)
print(f"library fit: sign {fit.sign:+d}, offset {fit.offset:.2f}°, error {fit.error:.2f}°, corr {fit.correlation:.3f}")

# %% [markdown]
# One fit pooled over all identities can hide three things: identities that turn *against* the others, a
# response that is even (an object that looks the same at −a and +a, so its reading goes down then up), and a
# turn the probe can only read up to its mirror image. `read_turn` therefore adds, for `(identities, frames)`
# sweeps:
#
# * each identity's own correlation, and the fraction of identities **turning** (own r ≥ 0.7) and turning the
#   **opposite** way;
# * an **unsigned** reading: the correlation of $|\hat a_\text{read} - \text{centre}|$ with
#   $|a_\text{commanded} - o|$, with the frame offset $o$ fitted;
#
# and `turn_noise_floor` shuffles the frames of every sweep 200 times: the 95th percentile of each reading over
# the shuffles is the **noise floor** printed beside it. Two toy sweeps — half the identities turning each way,
# and an even response:

# %%
# NBVAL_CHECK_OUTPUT
c = torch.linspace(0, 90, 13).repeat(6, 1)  # 6 identities × 13 commanded views
both_ways = torch.cat([c[:3], 90 - c[3:]])  # three identities turn one way, three the other
even = 45 + (c - 45).abs()  # looks the same at 45 - a and 45 + a
for name, reading in (("both ways", both_ways), ("even", even)):
    t = read_turn(c, reading, centre=45.0)
    print(f"{name:9s}: pooled |r| {abs(t.signed.correlation):.2f}, turning {t.turning:.0%}, opposite {t.opposite:.0%}, "
          f"unsigned r {t.unsigned_r:.2f} at offset {t.unsigned_offset:+.0f}°")

# %% [markdown]
# The pooled correlation is 0 in both toy cases; the per-identity and unsigned readings say what happened.
#
# **Exercise 2.** Write the `turning` reading yourself. The pooled direction $s$ comes from the fit above; for
# every identity (a row of the `(identities, frames)` sweeps) compute the Pearson correlation $r$ between
# $s \cdot a_\text{commanded}$ and the reading over its frames, and return the fraction of identities with
# $r \ge 0.7$. An identity turning against the pooled direction has $r < 0$ and does not count.

# %%
def my_turning_fraction(commanded: torch.Tensor, predicted: torch.Tensor) -> float:
    sign = fit_sign_offset(commanded, predicted).sign  # the pooled direction, +1 or -1
    # HINT 1: one Pearson correlation per row (identity), between sign * commanded and the reading; then count the
    # HINT 1: rows with r of at least 0.7
    # HINT 2: centre each row on its own mean (dim 1, keepdim=True); r is the row-wise sum of products over the
    # HINT 2: product of the row norms (guard against 0); the fraction is a mean of a boolean
    # BEGIN SOLUTION
    x = sign * commanded - (sign * commanded).mean(1, keepdim=True)  # (identities, frames)
    y = predicted - predicted.mean(1, keepdim=True)
    r = (x * y).sum(1) / (x.norm(dim=1) * y.norm(dim=1)).clamp_min(1e-9)  # (identities,) one r each
    return float((r >= 0.7).float().mean())
    # END SOLUTION


# %%
# NBVAL_CHECK_OUTPUT
check_turning_fraction(my_turning_fraction)
print(f"both-ways toy sweep: {my_turning_fraction(c, both_ways):.0%} turning")

# %% [markdown]
# ## 3. On the circle, and the fold test
#
# A linear fit works on a quarter turn, but it breaks on a full circle (359° and 1° are 2° apart, not 358°), and
# a correlation says nothing in degrees. `read_circular` reads the same `(identities, frames)` sweeps on the
# circle: it fits one direction $s$ for the run and one frame offset $b_i$ per identity,
#
# $$\hat a_{\text{read}} \approx s \cdot a_{\text{commanded}} + b_i \pmod{360°},$$
#
# and reports the mean absolute residual, measured the shortest way round (the **circular error**), its score
# $1 - \text{error}/90°$, and the fraction of identities **turning** (own error ≤ 20°). `circular_noise_floor`
# shuffles the frames 200 times; its floor is the 5th percentile of the shuffled errors (an error above it is no
# evidence of a turn). Read on a full circle, chance is about 90° and the score about 0; on a quarter turn, chance
# is much lower (a reading that never moves is off by about a quarter of the range), which is why the noise floor and
# the references of section 4 are printed beside every number.

# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.eval.control import read_circular

ring = torch.linspace(0, 330, 12).repeat(4, 1)  # 4 identities × 12 views, a full circle
turning = (-ring + torch.tensor([[10.0], [100.0], [200.0], [300.0]])) % 360  # every identity turns, own frame
folded = 180 - (ring - 180).abs()  # goes out to the back and returns: 30° and 330° read the same
for name, reading in (("turning", turning), ("folded", folded), ("quarter turn", c[:, ::2] + 5)):
    commanded_ = c[:, ::2] if name == "quarter turn" else ring
    r = read_circular(commanded_, reading)
    print(f"{name:12s}: circular error {r.error:5.1f}°, score {r.score:.2f}, sign {r.sign:+d}, turning {r.turning:.0%}")

# %% [markdown]
# A car turning at the commanded rate reads 0° whatever its own frame and direction; a turn that folds back on
# itself cannot be fitted by any offset.
#
# The **fold test** looks at the pictures themselves, without a probe. For each identity it compares
# $G(z, \theta)$ with $G(z, \theta')$, where $\theta'$ is $\theta$ reflected about the middle of the range
# ($\theta' = 90° - \theta$ on 0…90°), and with the left–right mirror image of $G(z, \theta)$; each mean pixel
# distance is divided by the distance between two random views of the same identity:
#
# * `fold_even` near 0: the generator draws a view and its reflection alike — it folded its range;
# * `fold_mirror` near 0: it draws the mirror image of a view instead of turning to its reflection;
# * on full circles `fold_half_turn` compares $G(z, \theta)$ with $G(z, \theta + 180°)$: near 0 when the back is
#   drawn like the front.
#
# A rigid turn of a world-lit car keeps all of them well above 0; the real renders of section 4 show how far.
#
# ## 4. Calibration: what do "good" and "chance" look like?
#
# `reference_scores` runs the same sweeps through three sources whose answer we know:
#
# * **real renders** — the true object rendered at each commanded view: the best any generator can do;
# * **view ignored** — the same objects always rendered at the centre of the range (the `IgnoreView` wrapper;
#   around a generator it makes a generator whose view input does nothing): pose at chance, identity trivially
#   perfect — which is why the two metrics are reported together;
# * **identity shuffled** — a different object at every frame: identity at chance.
#
# **Identity consistency** is $1 - \frac{\text{variance of the probe's identity reading within a sweep}}
# {\text{variance over all frames}}$: 1 when every sweep keeps its object, about 0 when every frame is a new one.
# **Family agreement** is the fraction of frames read as the sweep's most common family.

# %%
from hologan_lesson.eval.run import format_control

from hologan_lesson.eval import SweepSpec, reference_scores

SWEEP = SweepSpec.for_data(DATA, identities=pick(ci=8, cpu=48), frames=13)
refs = reference_scores(probe, SWEEP)
for name, scores in refs.items():
    print(f"--- {name}")
    print(format_control(scores.summary()))

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.3))
for ax, (name, sc) in zip(axes, refs.items()):
    c, p = sc.predictions["commanded_azimuth"], sc.predictions["predicted_azimuth"]  # (identities, frames)
    for ci_, pi_ in zip(c, p):
        ax.plot(ci_.numpy(), pi_.numpy(), "-o", ms=2, lw=0.8, alpha=0.6)
    line = torch.tensor([float(DATA.azimuth_range[0]), float(DATA.azimuth_range[1])])
    ax.plot(line.numpy(), (sc.azimuth.sign * line + sc.azimuth.offset).numpy(), "k--")
    ax.set_title(f"{name}: error {sc.azimuth.error:.1f}°", fontsize=10)
    ax.set_xlabel("commanded azimuth (°)")
axes[0].set_ylabel("probe reads (°)")
plt.tight_layout()
plt.show()

# %% [markdown]
# Chance for the azimuth error is about {{ fact:ablation.chance_error }}° here, the view-ignoring row: a reading that
# never changes is off by the mean distance of the commanded views from their centre (24.2° for 13 evenly spaced
# views of 0…90°; 25.0° for the 9 views of the check above, which is the chance its third case prints). The
# circular reading agrees: the real renders read {{ fact:ablation.real_circ_error }}°, the view-ignoring source
# {{ fact:ablation.chance_circ_error }}° — so on this quarter turn its score $1 - \text{error}/90°$ runs from about
# {{ fact:ablation.chance_circ_score }} (chance) to 1, not from 0. The fold test of the real renders is the target
# for a rigid turn: {{ fact:ablation.real_fold_even }} against the reflected view and
# {{ fact:ablation.real_fold_mirror }} against its mirror image; the view-ignoring source scores 0 against the
# reflected view (its frames never change). The elevation is fixed at 0° in this recipe, so there is nothing to read there. A generator's numbers
# mean something only between these rows, and only above their noise floor.
#
# **The shipped model** (`hologan_lesson/assets/synthetic_cpu.pt`, the `cpu` recipe, {{ fact:shipped.step }}
# steps), read by the same probe on the same kind of sweeps:

# %%
import json

shipped_scores = json.loads(shipped.asset(shipped.POSE_EMERGENCE / "shipped_model_scores.json").read_text())
print(format_control(shipped_scores))

# %% [markdown]
# All three readings agree. On the circle its error is {{ fact:shipped.circ_error }}° (noise floor
# {{ fact:shipped.circ_null }}°; real renders {{ fact:ablation.real_circ_error }}°, chance
# {{ fact:ablation.chance_circ_error }}°) with {{ fact:shipped.circ_turning }} of its identities turning; the linear
# fit gives |r| {{ fact:shipped.azimuth_r }}; and the fold test — {{ fact:shipped.fold_even }} against the reflected
# view, {{ fact:shipped.fold_mirror }} against the mirror image — is far from 0: the model turns its cars instead of
# folding its range or drawing mirror images. Its identity consistency is {{ fact:shipped.identity }}.
#
# ## 5. KID and FID
#
# The **Kernel Inception Distance** is an unbiased estimate of the squared maximum mean discrepancy between the
# feature distributions of real and generated images, with the polynomial kernel
# $k(x, y) = (x^\top y / d + 1)^3$. Unlike FID it has no bias from the number of samples, and the paper reports it
# as mean ± std over random subsets — which is what `kid_fid` returns (through torchmetrics'
# `KernelInceptionDistance` and `FrechetInceptionDistance`).
#
# The standard features are Inception-v3's, whose weights torch-fidelity downloads on first use. Offline —
# this machine, or CI — any `nn.Module` mapping uint8 images to feature vectors can stand in: here the pose
# probe's 128 features, which know what our synthetic objects look like. **Numbers computed with different
# features are not comparable** (and probe-feature KIDs are not comparable with the paper's).

# %%
from hologan_lesson.data.synthetic import render_synthetic

from hologan_lesson.eval import EvalSettings, FeatureUnavailable, ProbeFeatures, feature_extractor, kid_fid
from hologan_lesson.eval import to_uint8_images

try:
    feature = feature_extractor(EvalSettings(features=pick(ci="probe", cpu="probe", gpu="inception")), DATA, probe)
except FeatureUnavailable as exc:
    print(f"Inception unavailable, using the probe's features instead:\n  {exc}")
    feature = ProbeFeatures(probe)
n = pick(ci=60, cpu=600)
data_kw = dict(resolution=32, azimuth_range=DATA.azimuth_range, elevation_range=DATA.elevation_range, families=DATA.families)
train_like, _ = render_synthetic(range(n), seed=0, **data_kw)  # (n, 32, 32, 3) uint8: the training set's
fresh, _ = render_synthetic(range(n), seed=5, **data_kw)  # other cars, other poses
real = torch.from_numpy(train_like).permute(0, 3, 1, 2).contiguous()  # (n, 3, 32, 32) uint8
other = torch.from_numpy(fresh).permute(0, 3, 1, 2).contiguous()
blurred = to_uint8_images(torch.nn.functional.avg_pool2d(other.float() / 127.5 - 1, 3, 1, 1))
flat = to_uint8_images(torch.zeros_like(other, dtype=torch.float32) + other.float().mean() / 127.5 - 1)
subset = pick(ci=30, cpu=300)
for name, images in (("fresh renders", other), ("blurred renders", blurred), ("flat grey images", flat)):
    r = kid_fid(images, real, feature, subset_size=subset, subsets=50)
    print(f"{name:17s} KID {r['kid_mean']:.4f} ± {r['kid_std']:.4f}   FID {r['fid']:.1f}")

# %% [markdown]
# Fresh renders of other objects score near zero (the floor) and a flat grey image is far away. Blur hardly
# registers — not because blur is harmless, but because the probe was *trained* to ignore it (its augmentation):
# a KID is only as sensitive as its features, one more reason why numbers from different feature networks cannot
# be compared. And KID is an *image-quality* number: the view-ignoring source above would score as well as the
# real renders, because each of its frames is a perfectly good image.
#
# ## 6. The ablations
#
# Each variant is the same preset — same steps, batch, seed and data — with one switch:

# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.experiments.ablate import VARIANTS, print_ablation_info, read_table, run_ablation

for v in VARIANTS.values():
    print(f"{v.name:17s} {v.label:29s} {' '.join(v.overrides) or '(nothing switched off)'}")

# %% [markdown]
# Under the `cpu` preset two of them are the full model already (the recipe has no identity loss and no style
# discriminator, like the official 64 px configuration), so the runner skips them and says so. That leaves three
# variants — full HoloGAN, no random 3D transformation and the traditional z input — which the command below and
# the code cell train, once per seed, each in its own run folder. Every variant keeps the recipe's view head
# (lesson 06); only its one switch differs. Run the command again after an interruption and it skips finished runs
# and resumes the others from their newest checkpoint:
#
# ```bash
# python -m hologan_lesson ablate --preset cpu --dataset synthetic --out runs/ablation_cpu --seeds 0,1,2 \
#     --only full,no_random_views,traditional_z --features probe --num-fake 2000 --num-real 2000
# python -m hologan_lesson evaluate runs/ablation_cpu/full-seed0 --features probe   # one run
# ```
#
# By default this lesson shows the ablation the course ships (`hologan_lesson.shipped.ABLATION`, made with the
# first command; the cell prints the machine it was trained on and each run's training time). Set
# `RUN_ABLATION = True` to train it here instead (the `gpu` profile trains the `gpu` preset for 10,000
# steps per variant with Inception features). In the `ci` profile (the tests) a tiny ablation runs end to end, a few
# steps per variant: its numbers are noise.

# %%
from hologan_lesson.utils import quiet
from pathlib import Path
import tempfile

RUN_ABLATION = False  # True: train and evaluate the ablation in this notebook (hours on 2 CPU cores)
VARIANTS_RUN = ["full", "no_random_views", "traditional_z"]
TINY = EvalSettings(features="probe", num_fake=40, num_real=40, subset_size=20, subsets=10, identities=4, frames=5,
                    probe_images=600, probe_epochs=3)  # ci: a dry run, numbers are noise
PRESET, OVERRIDES, SETTINGS = pick(
    ci=("ci", ["train.steps=4", "train.checkpoint_every=2"], TINY),
    cpu=("cpu", [], EvalSettings(features="probe", num_fake=2000, num_real=2000)),
    gpu=("gpu", ["train.steps=10000"], EvalSettings(features="inception")),
)
if profile() == "ci" or RUN_ABLATION:
    results_dir = Path(tempfile.mkdtemp(prefix="ablation-ci-")) if profile() == "ci" else Path("runs/ablation")
    if SETTINGS.features == "inception":
        try:
            feature_extractor(SETTINGS, DATA, probe)
        except FeatureUnavailable as exc:
            print(f"{exc}\n-> using --features probe")
            SETTINGS.features = "probe"
    with quiet():  # the ablation's progress messages are not part of the lesson
        run_ablation(PRESET, "synthetic", results_dir, only=VARIANTS_RUN, overrides=OVERRIDES, settings=SETTINGS,
                     progress=False, seeds=pick(ci=None, cpu=[0, 1, 2], gpu=[0, 1, 2]))
else:
    results_dir = shipped.asset(shipped.ABLATION)
rows = read_table(results_dir / "results.csv")
print_ablation_info(results_dir, shipped=results_dir == shipped.ABLATION)

# %%
from IPython.display import Markdown, display

display(Markdown((results_dir / "results.md").read_text()))

# %% [markdown]
# The same latent code, swept through the training range of azimuth by every variant (top: a real car for
# comparison), then what the pose readings summarise: for every swept identity (one coloured line each) the
# azimuth the probe reads against the azimuth commanded, and the fitted $s \cdot a + b$ (dashed).

# %%
from PIL import Image

for name in ("sweeps.png", "pose.png"):
    image = Image.open(results_dir / name)
    fig, ax = plt.subplots(figsize=(image.width / 80, image.height / 80))
    ax.imshow(image)
    ax.set_axis_off()
    plt.show()

# %%
by_variant: dict[str, list[dict]] = {}
for r in rows:
    if r["kind"] == "variant":
        by_variant.setdefault(r["variant"], []).append(r)
for runs_of in by_variant.values():
    score = [r["azimuth_circ_score"] for r in runs_of]
    turning = [r["azimuth_circ_turning"] for r in runs_of]
    print(f"{runs_of[0]['label']:29s} circular score " + " / ".join(f"{v:.2f}" for v in score)
          + f" (mean {np.mean(score):.2f}), identities turning " + " / ".join(f"{v:.0%}" for v in turning))
for name in [v for v in by_variant if v != "full"]:
    if "full" not in by_variant:
        break
    gaps = [a["azimuth_circ_score"] - b["azimuth_circ_score"] for a, b in zip(by_variant["full"], by_variant[name])]
    print(f"full minus {by_variant[name][0]['label']}, per seed: " + " / ".join(f"{g:+.2f}" for g in gaps)
          + f" in circular score; at least 0.3 on every seed: {'yes' if min(gaps) >= 0.3 else 'no'}")

# %% [markdown]
# ## 7. What each part buys — and what the paper says
#
# The paper argues each part qualitatively, with figures, and compares HoloGAN with 2D GANs by KID at full
# training budgets; those numbers are **not reproduced here** (our budget is about a thousandth of the paper's,
# on different data, and our KID uses probe features). What the shipped CPU ablation measured — the `cpu`
# recipe, {{ fact:ablation.steps }} steps of batch 16 at 32 px per run, seeds {{ fact:ablation.seeds }} (one value per
# seed in each cell):
#
# | | full HoloGAN | no random 3D transformation | traditional z input |
# |---|---|---|---|
# | **circular score** 1 − err/90 (chance ≈ {{ fact:ablation.chance_circ_score }}) | {{ fact:ablation.full.circ_score }} | {{ fact:ablation.ablated.circ_score }} | {{ fact:ablation.tradz.circ_score }} |
# | circular error ° (noise floor ≈ {{ fact:ablation.circ_null }}) | {{ fact:ablation.full.circ_error }} | {{ fact:ablation.ablated.circ_error }} | {{ fact:ablation.tradz.circ_error }} |
# | identities turning (circle) | {{ fact:ablation.full.circ_turning }} | {{ fact:ablation.ablated.circ_turning }} | {{ fact:ablation.tradz.circ_turning }} |
# | full minus this variant, circular score | — | {{ fact:ablation.gap.ablated }} | {{ fact:ablation.gap.tradz }} |
# | fold test: reflected view (real renders {{ fact:ablation.real_fold_even }}) | {{ fact:ablation.full.fold_even }} | {{ fact:ablation.ablated.fold_even }} | {{ fact:ablation.tradz.fold_even }} |
# | fold test: mirror image (real renders {{ fact:ablation.real_fold_mirror }}) | {{ fact:ablation.full.fold_mirror }} | {{ fact:ablation.ablated.fold_mirror }} | {{ fact:ablation.tradz.fold_mirror }} |
# | linear fit: azimuth \|r\| (noise floor ≈ {{ fact:ablation.noise_floor }}) | {{ fact:ablation.full.r }} | {{ fact:ablation.ablated.r }} | {{ fact:ablation.tradz.r }} |
# | KID, probe features | {{ fact:ablation.full.kid }} | {{ fact:ablation.ablated.kid }} | {{ fact:ablation.tradz.kid }} |
# | identity consistency | {{ fact:ablation.full.identity }} | {{ fact:ablation.ablated.identity }} | {{ fact:ablation.tradz.identity }} |
#
# How to read it. The paper predicts that both switches cost 3D control: without random 3D transformations the
# generator has no reason to keep a turnable object, and with $z$ fed to the first layer instead of through AdaIN
# identity and pose separate less well. Per seed, the full model's circular score minus the variant's is
# {{ fact:ablation.gap.ablated }} for no random 3D transformation and {{ fact:ablation.gap.tradz }} for the
# traditional z input. The course's bar (issue "Turn all the way round") asks for a gap of at least 0.3 on every
# seed — a tall bar on a quarter turn, where a source that ignores the view already scores about
# {{ fact:ablation.chance_circ_score }}: a gap of 0.3 there means the variant reads worse than chance, i.e. its turn
# is not merely weaker but scrambled. The cell after the table prints, variant by variant, whether it is met. The
# fold test says *how* a variant fails: a reflected-view distance near 0 is a folded range, a mirror distance near
# 0 mirror images instead of a turn; values like the real renders' with a poor circular score mean the frames change
# but not as a rigid turn.
#
# * **KID** (image quality) is reported beside the pose readings because a generator can make good images while
#   ignoring the view (the view-ignoring reference), and bad images while turning.
# * **The identity loss and the style discriminator** are off in this recipe (as in the official 64 px
#   configuration), so the runner skipped those two variants; lesson 05 measures on a CPU budget why the identity
#   loss stays near its chance level.
# * **The view head** (lesson 06; borrowed from [pi-GAN, arXiv 2012.00926](https://arxiv.org/abs/2012.00926)) is
#   part of every run here, variants included; it is not HoloGAN's and is not
#   ablated in this table. Its effect on wider ranges — none that turned — is in `docs/results/full_turn/README.md`.
#
# ## Check yourself
#
# Your `my_fit_sign_offset` against the library's fit — including a reading that ignores the view, where both
# directions fit equally badly.

# %%
# NBVAL_CHECK_OUTPUT
from hologan_lesson.lessons.checks.metrics import check_fit_sign_offset

check_fit_sign_offset(my_fit_sign_offset)

# %% [markdown]
# ## On a GPU
#
# The same ablation at 64 px and the paper's widths on a GPU (full HoloGAN, no random 3D transformation and
# traditional z, two seeds each, scored by the same probe and KID), as stored by `tools/gpu_session.py`
# (bench/NOTES.md, "One GPU call"). Read it beside the CPU table above. This cell prints the GPU table, or says
# that no GPU run is stored yet.

# %%
from hologan_lesson.gpu_results import format_gpu_results, load_gpu_results

gpu_results = load_gpu_results()
if gpu_results is not None:
    print(format_gpu_results(gpu_results, "ablation"))

# %% [markdown]
# ## Summary
#
# * A pose probe trained on renders with known pose reads the azimuth of generated frames; since HoloGAN picks
#   its own canonical frame, a direction $s = \pm 1$ and an offset $b$ are fitted once for all identities.
# * The pooled fit can hide identities that turn the other way or not at all, so `read_turn` adds each
#   identity's own correlation (`turning`: the fraction with $r \ge 0.7$) and an unsigned reading, each printed
#   with its noise floor from shuffled sweeps.
# * `read_circular` reads the same sweeps on the circle (one direction per run, one frame offset per identity,
#   errors the shortest way round; an identity turns at ≤ 20°), and the fold test compares $G(z, \theta)$ with the
#   reflected view and with its mirror image, so that a folded range or mirror images show as distances near 0.
# * Every number needs its references: real renders (the best possible) and a view-ignoring source (chance).
#   KID measures image quality only, and only as well as its features; numbers from different features do not
#   compare.
# * The ablations switch off one part at a time at the same budget and seeds.
#
# ## Questions
#
# 1. Why fit a sign and an offset instead of comparing read and commanded azimuths directly?
#    <details><summary>Answer</summary>HoloGAN is never told where azimuth 0 is or which way is positive; it
#    learns its own frame. One $s$ and $b$ for all identities is the most a perfect 3D generator can be asked
#    for.</details>
# 2. Half the identities turn one way and half the other. What do the pooled correlation and `turning` say?
#    <details><summary>Answer</summary>The pooled correlation is about 0, yet 50 % of the identities turn (in
#    the pooled direction) and 50 % turn the opposite way: the per-identity reading shows what the pooled one
#    hides.</details>
# 3. The view-ignoring source scores a perfect identity consistency and a good KID. Why is it no good?
#    <details><summary>Answer</summary>Its pose readings are at chance: the object never turns. Identity and KID
#    only mean something next to a pose reading above its noise floor.</details>
# 4. Why is the noise floor computed by shuffling the frames of every sweep?
#    <details><summary>Answer</summary>Shuffling keeps what the probe reads but breaks any link between command
#    and image; a reading below the 95th percentile of the shuffles is no evidence of control.</details>
# 5. On this quarter turn a source that ignores the view scores about {{ fact:ablation.chance_circ_score }} on the
#    circular score $1 - \text{error}/90°$. Why not 0, and what would it score on a full circle?
#    <details><summary>Answer</summary>A reading that never moves is off by the mean distance of the commanded
#    views from their middle, about a quarter of a 90° range; on a full circle the same reading is off by about
#    90° on average, and the score is about 0.</details>
# 6. A generator draws $G(z, 90° - \theta)$ exactly like $G(z, \theta)$. Which number shows it?
#    <details><summary>Answer</summary>The fold test's first distance (`fold_even`) drops to about 0: the model
#    folded its range about its middle instead of turning through it.</details>
#
# ## Links
#
# * Paper: [HoloGAN (arXiv 1904.01326)](https://arxiv.org/abs/1904.01326): the experiments, the
#   ablations and the KID tables
# * [KID: Bińkowski et al. 2018, "Demystifying MMD GANs" (arXiv 1801.01401)](https://arxiv.org/abs/1801.01401) ·
#   [FID: Heusel et al. 2017 (arXiv 1706.08500)](https://arxiv.org/abs/1706.08500) ·
#   [Inception-v3: Szegedy et al. 2015 (arXiv 1512.00567)](https://arxiv.org/abs/1512.00567)
# * Official code: [thunguyenphuoc/HoloGAN](https://github.com/thunguyenphuoc/HoloGAN)
# * The `cpu` recipe's view head: [pi-GAN, Chan et al. 2021 (arXiv 2012.00926)](https://arxiv.org/abs/2012.00926);
#   the wider ranges that did not turn: [`docs/results/full_turn/README.md`](../docs/results/full_turn/README.md)
# * Fidelity notes: [Metrics and ablations](../docs/fidelity.md#metrics-and-ablations),
#   [Data](../docs/fidelity.md#data)
# * Previous: [06 — Training HoloGAN](06_training.ipynb) · Next: [08 — Explore a trained
#   HoloGAN](08_explorer.ipynb)
