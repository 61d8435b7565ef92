# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7.1 TransferGAN: which network to transfer
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/07_transfer/07_01_transfergan.ipynb)
#
# A GAN trained on a few dozen images overfits or never learns. For classifiers the cure
# is old: start from a network pretrained on a large source set. A GAN has *two*
# networks, and TransferGAN asks which of them to start from the source.
#
# **You will learn**
# - why transfer for a GAN is pure initialisation, and why its two networks need not
#   profit equally;
# - to run the $2 \times 2$ grid {G, D} $\times$ {scratch, pretrained} and read a
#   convergence curve on a log axis;
# - to measure FID against a held-out pool, not against the few training images, and to
#   check for memorisation.

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
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import torch
from IPython.display import display

import companion
from companion.data import load_dataset
from companion.methods.transfergan import TransferGAN, TransferGANConfig
from companion.metrics import (
    PixelFeatures,
    extract_features,
    fid_from_features,
)
from companion.quotes import quoted_table
from companion.train import fit
from companion.viz import source_listing

PRESET = companion.preset()
# The training seed (source, then fine-tuning at SEED + 1); the digits are the same on
# every seed, and so is the noise each FID is measured on.
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# The paper preset fine-tunes the paper's 64x64 setting (real LSUN data is not
# wired in; `companion train transfergan --preset paper --init CKPT` runs it).
SOURCE_STEPS = {"smoke": 20, "cpu": 400, "gpu": 3000, "paper": 50_000}[PRESET]
STEPS = {"smoke": 10, "cpu": 120, "gpu": 1000, "paper": 40_000}[PRESET]
EVAL_EVERY = {"smoke": 5, "cpu": 20, "gpu": 100, "paper": 1000}[PRESET]
N_TARGET = 50  # few target images (the paper's smallest set: 1K)
N_EVAL = {"smoke": 64, "cpu": 300, "gpu": 2000, "paper": 2000}[PRESET]
config_preset = "cpu" if PRESET in ("smoke", "paper") else PRESET
CFG = TransferGANConfig.from_preset(config_preset)
print(
    companion.run_header(
        PRESET,
        {"cpu": 65},
        source_steps=SOURCE_STEPS,
        steps=STEPS,
        n_target=N_TARGET,
        size=CFG.image_size,
        seed=SEED,
    )
)

# %% [markdown]
# ## Transfer is initialisation
#
# TransferGAN trains the WGAN-GP of Gulrajani et al. on the target with its usual losses.
# With $\tilde x = \alpha x + (1 - \alpha) G(z)$, $\alpha \sim U(0, 1)$:
#
# $$
# \begin{aligned}
# \mathcal{L}(D) &= \mathbb{E}_{z}[D(G(z))] - \mathbb{E}_{x}[D(x)]
#   + \lambda\, \mathbb{E}_{\tilde x}\big[(\lVert \nabla D(\tilde x) \rVert_2 - 1)^2\big],\\
# \mathcal{L}(G) &= -\mathbb{E}_{z}[D(G(z))].
# \end{aligned}
# $$
#
# Nothing in the losses mentions the source. Transfer is only the starting point:
# $\theta_G^{(0)} \in \{\theta_G^{\mathrm{src}}, \text{random}\}$ and
# $\theta_D^{(0)} \in \{\theta_D^{\mathrm{src}}, \text{random}\}$, after which every weight
# trains. Why should the two choices matter differently? The generator learns *only*
# through the critic's gradient $\nabla_x D$. A random critic gives gradients that point
# nowhere in particular, so even a good pretrained generator is pushed around at random
# until the critic has learned; a pretrained critic already has features of images and
# gives a useful gradient from step 0. The package reads the source checkpoint and copies
# the chosen networks, checking that the architectures match:

# %%
source_listing(TransferGAN._transfer)

# %% [markdown]
# ## Source and target
#
# The source is digits 0 to 4, the target digits 5 to 9 of the book's 16x16 handwritten
# digits. The target has only 50 training images; FID is measured against a *held-out*
# pool of other 5-to-9s (the test split's images), never against the 50, so a generator
# that memorises its training set gains nothing. FID here is computed on 8x8
# downsampled pixels (64 features): no network weights to download, and enough to rank
# generators of 16x16 digits.


# %%
def digits(split, keep, n, seed=0):
    """Unique digit images of the classes ``keep``: (N, 3, 16, 16), [-1, 1]."""
    ds = load_dataset(
        "digits", split=split, resolution=CFG.image_size, size=4 * n, seed=seed
    )
    batch = ds.batch(range(len(ds)))
    ids, first = torch.unique(batch["factors"]["digit"], return_inverse=True)
    order = torch.zeros(len(ids), dtype=torch.long).scatter_(
        0, first.flip(0), torch.arange(len(first)).flip(0)
    )  # the first sample of each bank image
    x, y = batch["a"][order], batch["y"][order]
    mask = torch.isin(y, torch.tensor(keep))
    return x[mask][:n]


source_x = digits("train", [0, 1, 2, 3, 4], 2000)
target_x = digits("train", [5, 6, 7, 8, 9], N_TARGET, seed=1)
held_out = digits("test", [5, 6, 7, 8, 9], 1000)
print(len(source_x), len(target_x), len(held_out))
features = PixelFeatures(size=8, channels=1)


def pixel_features(x):
    """(N, 3, 16, 16) grey images -> (N, 64) pixels of one channel, 8x8."""
    return extract_features(x[:, :1], features)


held_features = pixel_features(held_out)


def fid(x):
    """FID of images ``x`` against the held-out pool (8x8 pixel features)."""
    return fid_from_features(held_features, pixel_features(x))


# %% [markdown]
# ## The source model
#
# The source is a TransferGAN trained from scratch on digits 0 to 4; its checkpoint is
# what `from_pretrained` reads (here a temporary file; on the command line
# `--init RUN_FOLDER`).

# %%
workdir = Path(tempfile.mkdtemp())
companion.seed_everything(SEED)
source = TransferGAN(CFG)
as_samples = [{"a": x} for x in source_x]
fit(source, as_samples, SOURCE_STEPS, out_dir=workdir / "source", seed=SEED)
gen = torch.Generator().manual_seed(0)
source_fid = fid(source.sample(N_EVAL, generator=gen))
print(f"source model's FID to the target pool: {source_fid:.1f}")

# %% [markdown]
# ## The grid: {G, D} x {scratch, pretrained}
#
# Four fine-tunings on the 50 target images, same seed, same steps; FID against the
# held-out pool every few steps.

# %%
GRID = {
    "G scratch, D scratch": (False, False),
    "G scratch, D pretrained": (False, True),
    "G pretrained, D scratch": (True, False),
    "G pretrained, D pretrained": (True, True),
}
target_samples = [{"a": x} for x in target_x]
curves, models = {}, {}
for label, (t_g, t_d) in GRID.items():
    companion.seed_everything(SEED + 1)
    if t_g or t_d:
        model = TransferGAN.from_pretrained(
            workdir / "source", CFG, transfer_g=t_g, transfer_d=t_d
        )
    else:
        model = TransferGAN(CFG)
    g = torch.Generator().manual_seed(0)
    curve = [(0, fid(model.sample(N_EVAL, generator=g)))]

    def track(m, step, curve=curve):
        gen = torch.Generator().manual_seed(0)
        curve.append((step, fid(m.sample(N_EVAL, generator=gen))))

    fit(
        model,
        target_samples,
        STEPS,
        seed=SEED + 1,
        eval_every=EVAL_EVERY,
        callbacks=[track],
    )
    curves[label], models[label] = curve, model.eval()

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
for label, curve in curves.items():
    steps, values = zip(*curve)
    ax.plot([s + 1 for s in steps], values, marker=".", label=label)
floor = fid(target_x)
ax.axhline(floor, color="gray", ls=":")
ax.text(
    1, floor, " the 50 training images", va="bottom", fontsize=7, color="gray"
)
ax.set_xscale("log")
ax.set_xlabel("fine-tuning step + 1 (log)")
ax.set_ylabel("FID to held-out pool")
ax.legend(fontsize=7)
plt.tight_layout()
plt.show()

# %%
fig, axes = plt.subplots(4, 8, figsize=(6, 3.2))
for row, (label, model) in enumerate(models.items()):
    x = model.sample(8, generator=torch.Generator().manual_seed(0))
    for col in range(8):
        axes[row, col].imshow((x[col, 0] + 1) / 2, cmap="gray", vmin=0, vmax=1)
        axes[row, col].set_xticks([])
        axes[row, col].set_yticks([])
    axes[row, 0].set_ylabel(label.replace(", ", "\n"), fontsize=6)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Memorisation
#
# With 50 training images a generator can score well by copying them. The memorisation
# ratio compares the mean distance from a generated image to its nearest *training*
# image with that to its nearest *held-out* image (50 of them, the same number): near 1
# means the samples are no closer to the training images than to unseen ones; well below
# 1 means copies.


# %%
def nn_distance(x, ref):
    """Mean distance from each row of x (N, D) to its nearest row of ref."""
    distances = torch.cdist(x.flatten(1), ref.flatten(1))  # (N, M)
    return distances.min(dim=1).values.mean().item()


def memorisation_ratio(model):
    x = model.sample(N_EVAL, generator=torch.Generator().manual_seed(0))
    return nn_distance(x, target_x) / nn_distance(x, held_out[: len(target_x)])


AUC_STEPS = [s for s, _ in curves["G scratch, D scratch"]]
table = pd.DataFrame(
    {
        label: {
            f"FID at step {STEPS}": curve[-1][1],
            "mean FID over the curve": sum(v for _, v in curve) / len(curve),
            "memorisation ratio": memorisation_ratio(models[label]),
        }
        for label, curve in curves.items()
    }
).T.round(2)
display(table)

# %% [markdown]
# The paper's grid (ImageNet $\to$ LSUN Bedrooms, 100K target images, 40K fine-tuning
# iterations), for comparison:

# %%
display(quoted_table("seed003", "Table 2.1").frame().T)

# %% [markdown]
# **What the toy shows.** Over seeds 0, 1 and 2 of this notebook's experiment, both
# networks pretrained reached a lower FID at the last step than both from scratch, and a
# lower mean over the curve:
#
# | | FID at step 120 | mean FID over the curve | memorisation ratio |
# |---|---|---|---|
# | G scratch, D scratch | 2.49 to 2.96 | 14.5 to 16.7 | 0.95 |
# | G scratch, D pretrained | 1.99 to 2.85 | 13.7 to 16.5 | 0.95 to 0.96 |
# | G pretrained, D scratch | 1.94 to 2.03 | 2.5 to 2.9 | 0.91 to 0.92 |
# | G pretrained, D pretrained | 1.63 to 2.39 | 2.5 to 2.9 | 0.93 |
#
# The FID of the 50 training images themselves to the held-out pool is 1.23, so the
# best model is close to what the data allow. The memorisation ratios stay above 0.9:
# at 120 steps no model copies its training images.
#
# **Which network matters more?** The paper finds the critic (Table 2.1: transferring
# only G *hurts*, transferring only D helps). The toy shows the opposite order: a
# pretrained generator alone gives most of the gain, a pretrained critic alone little
# (in one seed of three, G alone even ends below both networks transferred).
# Here source and target are digits of the same style, so the source generator already
# draws target-like strokes and a random critic does not push it far in 120 steps; with
# ImageNet as the source of bedrooms, the source generator's images are far from the
# target. We report this and assert nothing about it.
#
# ## How many target images?
#
# Table 2.2 repeats the comparison for target sets of 1K to 1M images: the pretrained
# model's FID is far lower with few images and the gap closes as the set grows, until at
# 1M the two are within 2.5 FID. The thesis reads it as: the pretrained GAN "requires
# roughly between two and five times fewer images to obtain a similar score than a GAN
# trained from scratch" (Sec. 2.3.5).

# %%
display(quoted_table("seed003", "Table 2.2").frame().T)

# %% [markdown]
# `benchmarks/transfer_data_size.py` runs this page's experiment (the same source, both
# networks pretrained against both from scratch, 120 steps) for 10, 30, 100 and 300
# target images, each set drawn anew for seeds 0-4 (about 10 minutes on 2 cores;
# `benchmarks/results/transfer_data_size.json`). FID at step 120, mean over seeds [range],
# and the FID of the training images themselves to the held-out pool:
#
# | target images | pretrained | scratch | pretrained lower | training images |
# |---|---|---|---|---|
# | 10 | 3.23 [2.52, 3.91] | 3.68 [3.20, 4.52] | 5 of 5 | 4.78 |
# | 30 | 2.37 [1.95, 2.85] | 3.14 [2.86, 3.74] | 5 of 5 | 1.96 |
# | 100 | 2.02 [1.98, 2.10] | 3.02 [2.80, 3.23] | 5 of 5 | 1.00 |
# | 300 | 1.84 [1.79, 1.89] | 2.95 [2.62, 3.38] | 5 of 5 | 0.65 |
#
# Transfer wins at every size on every seed, and the mean over the curve shows the same
# as on this page (means over seeds 2.7 to 3.5 against 18.0 to 18.2, by size). But the gap does not close as the
# set grows; it widens, from 0.45 to 1.1. The reason is the budget, not the data: after
# 120 steps the scratch model is still learning to draw digits, and its FID barely
# depends on how many it has seen (3.68 to 2.95 over a thirty-fold range), while the
# pretrained model turns more images into a better fit. The thesis fine-tunes for 40K
# iterations (its Table 2.1 setting), over three hundred times this budget. With ten images both models
# score *below* their training set (3.2 and 3.7 against 4.8): ten images are a worse
# sample of the held-out digits than a generator that has learned what digits share. The
# thesis saw the same with its "lower bound": "With 1K images this value is even higher
# than the value for generated samples after training with 100K and 1M images"
# (Sec. 2.3.5).
# At this budget the pretrained model with 30 images beats the scratch model with 300:
# ten times fewer, not the thesis's two to five, and for the same reason.
#
# ```{admonition} What differs from the paper, and why
# :class: note
# - Data: 16x16 digits 0-4 as the source, 50 images of 5-9 as the target (the paper:
#   ImageNet, Places or LSUN at 64x64 as sources, 1K-1M target images).
# - Networks: the book's DCGAN pair (width 32) with layer norm in the critic, not the
#   WGAN-GP ResNet; $z$ of size 32.
# - Schedule: 400 source steps and 120 fine-tuning steps with 2 critic steps per
#   generator step, learning rate $5 \cdot 10^{-4}$ and $\beta = (0.5, 0.9)$ (the paper:
#   50K and 40K iterations at $10^{-4}$); with 5 critic steps and $10^{-4}$ the scratch
#   models drew no digits within the budget.
# - FID on 8x8 pixels against a held-out pool of the target classes, not Inception
#   features against the full target set (which contains the training images).
# ```
#
# ## Checks
#
# The robust claim (Fig. 2.1): starting both networks from the source beats starting
# both from scratch at a fixed step and over the whole curve. Over the three seeds above
# the ratio pretrained/scratch was 0.66 to 0.81 at step 120 and 0.17 to 0.19 for the mean
# over the curve; over training seeds 0 to 4 on an Intel Xeon (AVX-512;
# `benchmarks/notebook_seeds.py` reruns them) it was 0.52 to 0.69 and 0.13 to 0.19. The
# checks require below 0.95 and below 0.4. The gap at a fixed late
# step is the weaker one: by step 120 the scratch models have caught up much of it.
# Beside them, a validity check: the
# samples' FID is far below that of uniform noise.

# %%
last = {label: curve[-1][1] for label, curve in curves.items()}
mean = table["mean FID over the curve"]
both, none = "G pretrained, D pretrained", "G scratch, D scratch"
if PRESET != "smoke":
    assert last[both] < 0.95 * last[none], last
    assert mean[both] < 0.4 * mean[none], mean.to_dict()
    # validity: samples look like target digits, not a blob or noise
    assert last[both] < 0.5 * fid(torch.rand_like(held_out) * 2 - 1)
print(
    f"FID ratio pretrained/scratch: last {last[both] / last[none]:.2f}, "
    f"mean {mean[both] / mean[none]:.2f}"
)

# %% [markdown]
# ## Summary
#
# - TransferGAN transfers by initialisation only; all weights then train on the target.
# - The generator learns through the critic's gradient, so the critic's starting point
#   matters for both networks.
# - Measure FID against held-out images and check memorisation when the training set is
#   tiny.
# - At a short, fixed budget transfer wins at every target-set size (10 to 300 images,
#   five seeds), but the gap widens with more images instead of closing as in Table 2.2:
#   the budget, not the data, holds the scratch model back.
#
# ## References
#
# - TransferGAN {cite}`wang2018transferring`, Chapter 2 of the seed thesis 003:
#   Sec. 2.3.3-2.3.5, Eqs. 2.3-2.4, Fig. 2.1, Tables 2.1-2.2.
# - WGAN-GP {cite}`gulrajani2017wgangp`.
