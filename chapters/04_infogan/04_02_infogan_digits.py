# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4.2 InfoGAN on digits: a code that learns the digit class
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/04_infogan/04_02_infogan_digits.ipynb)
#
# **Learning goals**
#
# - write InfoGAN's objective as a GAN plus the Barber-Agakov bound of
#   {doc}`04_01_variational_bound`, with $Q$ a head on the discriminator;
# - watch the categorical code's bound on $I(c; x)$ rise towards
#   $\log 10$ nats during training (`fit`'s callbacks and history);
# - check that the samples are digits at all, with a classifier trained on
#   real digits: a high bound alone can come from codes hidden in noise;
# - measure, without labels in training, how well the categories line up
#   with digit classes against chance, and what a continuous code changes.

# %%
# Colab: install the companion package (does nothing elsewhere).
import subprocess
import sys

COMPANION_URL = (
    "mi-i2it-companion @ git+https://github.com/mi-i2it/mi-i2it-book"
)
if "google.colab" in sys.modules:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", COMPANION_URL],
        check=True,
    )

# %%
import math
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
from scipy.stats import spearmanr

import companion
from companion.data import load_dataset
from companion.methods.infogan import InfoGAN, InfoGANConfig
from companion.metrics import (
    knn_precision,
    matched_accuracy,
    stroke_properties,
    train_classifier,
)
from companion.train import fit
from companion.viz import curves, grid, show, source_listing

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
cfg = InfoGANConfig.from_preset(PRESET)
# cpu and gpu: the 16x16 MNIST-like `digits`; paper: 50 MNIST epochs.
STEPS = {
    "smoke": 20, "cpu": 800, "gpu": 3000, "paper": 50 * 60_000 // cfg.batch_size,
}[PRESET]
EVAL_EVERY = max(STEPS // 8, 1)
# Real MNIST is read from a local root (`companion data fetch mnist --root DIR`).
ROOT = os.environ.get("COMPANION_DATA_ROOT", "data/datasets")
print(companion.run_header(PRESET, {"cpu": 60}, steps=STEPS, seed=SEED))
print(f"data {cfg.dataset} {cfg.image_size}x{cfg.image_size} | z_dim {cfg.z_dim} | "
      f"lambda cat {cfg.lambda_cat}, cont {cfg.lambda_cont}")

# %% [markdown]
# ## The objective
#
# The generator reads noise $z$ and a code $c = (c_1, c_2, c_3)$: a category
# $c_1 \sim \mathrm{Cat}(10)$ and two continuous codes
# $c_2, c_3 \sim \mathcal{U}(-1, 1)$ ({cite}`chen2016infogan`, Sec. 7.1). A
# plain GAN is free to ignore $c$. InfoGAN adds the BA bound with a
# variational posterior $Q(c \mid x)$:
#
# $$\begin{aligned}
# L_I(G, Q) &= \mathbb{E}_{c \sim p(c),\, x = G(z, c)}[\log Q(c \mid x)] + H(c)\\
#   &\le I(c; G(z, c)),
# \end{aligned}$$
#
# and plays (Eq. (5))
#
# $$\min_{G, Q} \max_D \; V(D, G) - \lambda L_I(G, Q).$$
#
# $Q$ and $G$ *cooperate*: both raise the bound. $Q$ makes it tighter
# (maximum likelihood on generated pairs), $G$ makes the code easier to read.
# For $c_1$, $\log Q$ is minus a cross-entropy and $H(c_1) = \log 10$; for
# $c_2, c_3$ we use a factored Gaussian with a learned, floored variance and
# $H = \log 2$ each. The paper weighs the two kinds differently (Sec. 6):
# $\lambda = 1$ for the category, a smaller $\lambda$ (0.1 here) for the
# continuous codes, whose log-likelihood is a density and can grow without
# bound as $Q$'s variance shrinks. $Q$ shares every layer of $D$ but its last
# two, so the bound costs almost nothing. The step, in the paper's order:

# %%
source_listing(InfoGAN.training_step)

# %% [markdown]
# ## Experiment
#
# The `cpu` preset trains on the MNIST-like sources of `digits` (scikit-learn's
# handwritten digits upscaled to 16x16) with narrow networks; `paper` uses
# MNIST at 28x28 with the networks of Table 1. A callback measures both
# codes' bounds on 1,000 fresh samples (fixed noise) during training; we
# measure them once more before the first step.

# %%
def load(split, size=None):
    """The preset's digits; real MNIST for `paper` (one message if missing)."""
    if cfg.dataset == "digits":
        return load_dataset("digits", split=split, resolution=cfg.image_size,
                            size=size, source_channels=1)
    try:
        return load_dataset(cfg.dataset, split=split, resolution=cfg.image_size,
                            root=ROOT, size=size)
    except FileNotFoundError as err:
        raise SystemExit(str(err)) from None


data, test = load("train"), load("test", 1_000)


def first_images(ds, n):
    """The first n images of a dataset, (n, 1, S, S), with labels and ids."""
    if hasattr(ds, "batch"):  # synthetic: rendered together
        b = ds.batch(range(n))
        ids = b["factors"]["digit"]  # `digits` repeats its bank's 1,437 images
        return b[cfg.image_key], b["y"], ids
    x = torch.stack([ds[i][cfg.image_key] for i in range(n)])
    y = torch.stack([torch.as_tensor(ds[i]["y"]) for i in range(n)])
    return x, y, torch.arange(n)


test_x, test_y, _ = first_images(test, len(test))


def code_bounds(method, step):
    """BA bounds (nats) of both codes on 1,000 samples with fixed noise."""
    gen = torch.Generator().manual_seed(123)
    latents = method.sample_latents(1_000, generator=gen)
    _, q = method.D(method.generate(**latents))
    info = method.information_terms(q, latents)
    return {"eval/cat_bound": float(info["cat"]),
            "eval/cont_bound": float(info["cont"])}


model = InfoGAN(cfg)
model.eval()  # before training: the bounds, and an untrained Q on real digits
with torch.no_grad():
    start = {"step": 0, **code_bounds(model, 0)}
untrained_accuracy = matched_accuracy(
    model.infer_codes(test_x).logits.argmax(1), test_y
)
model.train()
history = [start] + fit(
    model, data, STEPS, seed=SEED, log_every=EVAL_EVERY, eval_every=EVAL_EVERY,
    callbacks=[code_bounds],
)
model.eval()
final = [h for h in history if "eval/cat_bound" in h][-1]
print(f"after {STEPS} steps: categorical bound {final['eval/cat_bound']:.2f} "
      f"nats, continuous {final['eval/cont_bound']:.2f} nats")

# %%
ax = curves(history, ["eval/cat_bound"], reference={"log 10": math.log(10)})
ax.set_ylim(-0.1, math.log(10) + 0.3)
ax.set_ylabel("nats")
ax.set_title("InfoGAN's bound on I(c_1; x) during training")
plt.show()

# %% [markdown]
# The categorical bound starts at 0 (an untrained $G$ ignores $c_1$ and an
# untrained $Q$ guesses) and rises close to its ceiling $\log 10$ within the
# first few hundred steps: $G$ makes ten kinds of image that $Q$ tells apart.
# That is all the bound says. It does not say that the images are digits.

# %% [markdown]
# ## Are the samples digits?
#
# A generator can raise the bound without drawing anything: if it writes
# the code into a pixel pattern that $Q$ can read, the bound is just as high
# and the images are noise. At this budget that is what happens with a
# larger weight on the continuous codes (see the box below). So we judge
# the samples with a network that has
# only seen real digits: a small classifier trained on real, labelled digits,
# in whose features we ask whether each sample falls inside the real digits'
# neighbourhoods (*precision*, Kynkäänniemi et al. 2019: inside the union of
# the balls from each real image to its 3rd nearest real neighbour). Two
# known answers calibrate it: held-out real digits, and uniform pixel noise.
# (The classifier's confidence alone would not do: it is 0.8 on average on
# pixel noise.)

# %%
train_x, train_y, ids = first_images(data, 3_000)
clf = train_classifier(train_x, train_y, 10, steps=400,
                       name=f"{cfg.dataset}-label-{cfg.image_size}")
distinct = sorted({int(i): k for k, i in reversed(list(enumerate(ids)))}.values())
with torch.no_grad():  # a repeated image would shrink its own ball to zero
    real_features = clf.model.features(train_x[distinct])


def precision(x):
    """Share of images x (N, 1, S, S) inside the real digits' 3-NN balls."""
    with torch.no_grad():
        return knn_precision(real_features, clf.model.features(x), k=3)


noise = torch.rand(test_x.shape, generator=torch.Generator().manual_seed(1)) * 2 - 1
samples = model.sample(1_000, generator=torch.Generator().manual_seed(5))
judged = {"real test digits": precision(test_x), "pixel noise": precision(noise),
          "InfoGAN samples": precision(samples)}
print(f"classifier: test accuracy {clf.test_accuracy:.3f}; "
      f"{len(distinct)} distinct real digits span the manifold")
for name, p in judged.items():
    print(f"precision of {name:16s} {p:.3f}")

# %% [markdown]
# ## Do the categories mean digits?
#
# $Q$ was never shown a label. Apply it to real test digits, take the most
# likely category, and match categories to classes by the assignment that
# agrees most (the Hungarian algorithm): the code's names are arbitrary.
# Chance is not $1/10$: the best matching of *random* labels to 1,000 digits
# does better than that, so we measure it on 200 random labellings.

# %%
accuracy = matched_accuracy(model.infer_codes(test_x).logits.argmax(1), test_y)
gen = torch.Generator().manual_seed(0)
chance = np.array([
    matched_accuracy(torch.randint(10, (len(test_y),), generator=gen), test_y)
    for _ in range(200)
])
print(f"matched accuracy of c_1 on real test digits: {accuracy:.3f}")
print(f"random labels: {chance.mean():.3f} +- {chance.std():.3f} "
      f"(max of 200: {chance.max():.3f}); untrained Q: {untrained_accuracy:.3f}")

# %% [markdown]
# ## What do the continuous codes change?
#
# For 100 random $(z, c_1)$, sweep one continuous code over 9 values in
# $[-1, 1]$ (others fixed) and measure three stroke properties of each
# image: slant (shear of the ink's second moments), ink (thickness) and width.
# Spearman's rank correlation along each sweep is $\pm 1$ for a perfectly
# monotone change; we average it over the 100 sweeps. Which code takes which
# property is not determined by the objective (the codes are exchangeable),
# so a fair test fixes one pair before looking. We fix InfoGAN's own finding
# on MNIST, that a continuous code captures rotation (Fig. 2(c)): $c_2$ and
# slant. The heatmap shows all six pairs.

# %%
values = torch.linspace(-1, 1, 9)
latents = model.sample_latents(100, generator=torch.Generator().manual_seed(7))
rho = {}
for j in range(cfg.n_continuous):
    sweep = []
    for v in values:
        c_cont = latents["c_cont"].clone()
        c_cont[:, j] = v
        with torch.no_grad():
            sweep.append(model.generate(latents["z"], latents["c_cat"], c_cont))
    x_sweep = torch.stack(sweep, 1)  # (100, 9, C, S, S)
    for name, prop in stroke_properties(x_sweep.flatten(0, 1)).items():
        prop = prop.reshape(100, 9).numpy()
        rhos = [spearmanr(values.numpy(), row).statistic for row in prop]
        rho[(f"c_{j + 2}", name)] = float(np.nanmean(rhos))
table = pd.Series(rho).unstack()
fig, ax = plt.subplots(figsize=(4.5, 2.2))
sns.heatmap(table, annot=True, fmt="+.2f", vmin=-1, vmax=1, cmap="vlag",
            cbar_kws={"label": "mean Spearman"}, ax=ax)
ax.set_title("How each continuous code changes a stroke property")
ax.set_xlabel("stroke property")
ax.set_ylabel("code")
ax.tick_params(axis="y", rotation=0)
plt.show()
PAIR = ("c_2", "slant")  # fixed before the runs (InfoGAN Fig. 2(c))
print(f"pre-registered pair {PAIR}: mean Spearman {rho[PAIR]:+.2f}")
print("a code that does not order the property: 0 +- 0.035")

# %% [markdown]
# The grid: rows are the 10 categories, columns $c_2$ from $-1$ to $1$; one
# noise vector for the whole grid (InfoGAN Fig. 2).

# %%
rows = model.code_grid(torch.linspace(-1, 1, 7), code=0,
                       generator=torch.Generator().manual_seed(0))
show(grid(list(rows)), title="rows: c_1 = 0..9, columns: c_2 from -1 to 1",
     size=5)
plt.show()

# %% [markdown]
# What you see: each row is one category $c_1$, and most rows draw one digit
# class, not always a different one per row (two rows can share a class and
# a class can be missing: the matched accuracy above says how often). Along
# a row, $c_2$ slants, thins or widens the stroke, and in some rows it does
# more: on seed 0 it turns a 2 into a 6 and a 0 into a 4. The continuous
# code then carries part of the class. InfoGAN's objective rewards $c_2$ for
# being readable from the image, not for leaving the category alone, and
# at this budget nothing stops the two from sharing the work. The speckle
# around the strokes is what 800 steps of a narrow network leave; it is what
# keeps the precision of the samples below that of real digits.

# %% [markdown]
# ## Checks
#
# Measured on seeds 0 to 4 of the `cpu` preset (800 steps) on an Intel Xeon
# (AVX-512; `python benchmarks/notebook_seeds.py
# chapters/04_infogan/04_02_infogan_digits.py --seeds 0 1 2 3 4` reruns them):
#
# | seed | categorical bound | precision | matched acc. | $\rho(c_2, \text{slant})$ |
# |---|---|---|---|---|
# | 0 | 2.25 nats (98% of log 10) | 0.64 | 0.54 | -0.53 |
# | 1 | 2.26 (98%) | 0.73 | 0.57 | -0.34 |
# | 2 | 2.24 (97%) | 0.62 | 0.62 | -0.46 |
# | 3 | 2.25 (98%) | 0.65 | 0.69 | -0.30 |
# | 4 | 2.25 (98%) | 0.71 | 0.72 | +0.22 |
#
# An earlier table, from seeds 0-2 on an AMD EPYC, had precision 0.63-0.75,
# matched accuracy 0.63-0.69 and $\rho$ = +0.50, +0.07, +0.33: the kind of CPU
# moves a run as much as a new seed does.
#
# Known answers of the same measures: held-out real digits have precision
# 0.81 and pixel noise 0.17; the generator trained with
# $\lambda_{\mathrm{cont}} = 1$ (seed 1) drew noise of precision about 0.15 and
# matched accuracy 0.21. Random labels match 0.144 +- 0.006 of the digits
# (max of 200: 0.164).
#
# 1. The categorical bound is a bound: at most $\log 10$; and it comes
#    close to it: at least 85% (every seed 97-98%).
# 2. The precision measure knows its answers: held-out real digits score at
#    least 0.75 (0.81), pixel noise at most 0.3 (0.17).
# 3. The samples are digits: precision at least 0.45, 0.17 below the worst
#    run and 0.28 above noise.
# 4. The categories align with digit classes: matched accuracy at least
#    0.45, 0.09 below the worst run (0.54, Intel seed 0); chance is
#    0.144 +- 0.006, so every run is more than 60 standard deviations above
#    it.
#
# Not asserted: the pre-registered continuous code. Its sign is arbitrary
# (nothing fixes which way $c_2$ runs), so read $|\rho|$: $c_2$ ordered the
# slant clearly on seven of the eight runs above ($|\rho|$ 0.22 to 0.53, at
# least six standard deviations of the $0 \pm 0.035$ that a code which does
# not order slant gives: each sweep's $\rho$ of 9 values has variance $1/8$)
# and barely on one (AMD seed 1, +0.07). InfoGAN's clean rotation code does
# not reproduce reliably at this budget; the heatmap shows what each code
# does in this run.

# %%
cat_bound = final["eval/cat_bound"]
print(f"categorical bound {cat_bound:.3f} nats = "
      f"{cat_bound / math.log(10):.1%} of log 10")
print(f"precision of samples {judged['InfoGAN samples']:.3f}; "
      f"matched accuracy {accuracy:.3f}; {PAIR}: {rho[PAIR]:+.2f}")
if PRESET == "cpu":  # thresholds measured at this preset
    assert cat_bound <= math.log(10) + 1e-6  # a bound on I(c_1; x) <= H(c_1)
    assert cat_bound >= 0.85 * math.log(10)
    assert judged["real test digits"] >= 0.75 and judged["pixel noise"] <= 0.3
    assert judged["InfoGAN samples"] >= 0.45
    assert accuracy >= 0.45
    print("checks hold")

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# - **Data and size**: the 16x16 `digits` (1,437 distinct training
#   digits) instead of MNIST at 28x28, networks 2-8 times narrower
#   (widths 32, FC 128, Q's FC 64), $z$ of 4 variables instead of 62, batch
#   64, 800 steps instead of 50 epochs: the run takes about a minute on 2
#   CPU cores. The small $z$ is our choice for the small data set and was
#   not compared with the paper's 62 at the final settings.
# - **Kept from the paper**: $\lambda = 1$ for the category and 0.1 for
#   the continuous codes, the learning rates (G $10^{-3}$, D and Q
#   $2 \cdot 10^{-4}$), the architecture's layer pattern and the
#   non-saturating loss. We also ran $\lambda_{\mathrm{cont}} = 1$: its
#   samples were pixel noise (the code grid
#   showed no digit on seeds 0 and 1; precision 0.15 on seed 1, like
#   pixel noise),
#   while both bounds rose (the continuous one to about 2 nats): $G$ wrote
#   the codes into noise that $Q$ could read, and $D$ won (the adversarial
#   loss of $G$ rose from 0.77 to 1.2-1.3). With the paper's 0.1 all three
#   seeds draw digits.
# - **$Q$'s variance** is learned with a floor of 0.05 (the paper's code
#   fixes it to 1), so the continuous bound is finite.
# - **Result that does not reach the paper's**: InfoGAN reports 5% error
#   for $c_1$ on MNIST; here the matched accuracy is 0.54-0.72 after 800
#   steps on 16x16 digits.
# ```

# %% [markdown]
# ## Exercises
#
# 1. Set `lambda_cat=0` (`cfg.with_overrides(["lambda_cat=0"])`) and retrain:
#    what happens to the bound and to the matched accuracy? Why can the
#    bound still be positive?
# 2. Set `lambda_cont=1` and retrain: look at the grid and the precision.
#    Why can a larger weight on an information term make the images worse?
# 3. Fix $Q$'s variance (`learn_std=False`): the continuous term becomes an
#    L2 latent loss (the Gaussian case of {doc}`04_01_variational_bound`).

# %% tags=["solution"]
# 1. Q still trains (it is part of D's loss) but G no longer helps it: the
#    bound measures how much of c_1 leaks into x by chance; the categories
#    stop matching digits. 2. The continuous log-likelihood grows without
#    bound as Q's variance shrinks, so with weight 1 it outweighs D: G
#    writes the codes into pixel patterns Q reads exactly and D cannot stop
#    it in 800 steps. 3. Same code, `learn_std=False`.
print(cfg.with_overrides(["lambda_cat=0"]).lambda_cat,
      cfg.with_overrides(["learn_std=no"]).learn_std)

# %% [markdown]
# ## Summary
#
# - InfoGAN = GAN + the BA bound of $I(c; G(z, c))$, with $Q$ sharing $D$'s
#   trunk; $G$ and $Q$ both ascend the bound.
# - A high bound is necessary, not sufficient: a generator that hides the
#   code in pixel noise has one too. Judge the samples with a measure that
#   has seen only real data (here, precision in a digit classifier's
#   features).
# - On the `cpu` preset, with the paper's weights, the categorical bound
#   reaches 98% of $\log 10$, the samples are digits, and the categories
#   match digit classes on 54-72% of real test digits without a label in
#   training (seeds 0-4), far above chance (0.14) and below InfoGAN's 95% on MNIST
#   after many epochs. The continuous codes change stroke properties, but
#   not reliably the one we fixed in advance.
# - On a GPU, `COMPANION_PRESET=gpu` runs the same experiment for 3,000
#   steps; `COMPANION_PRESET=paper` trains the paper's networks on MNIST
#   (62 noise variables, lr 2e-4 for D and 1e-3 for G).
#
# ## References
#
# - InfoGAN {cite}`chen2016infogan`: Eq. (4)-(5), Sec. 6, Sec. 7.1, App. C
#   Table 1.
# - Barber & Agakov {cite}`barber2003im`.
# - Kynkäänniemi et al. 2019, *Improved precision and recall metric for
#   assessing generative models* (the k-NN precision).
