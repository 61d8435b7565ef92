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
# # 7.3 Off-manifold mining: a digit the generator never saw
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/07_transfer/07_03_off_manifold.ipynb)
#
# In Section 7.2 the target was two of the source's own modes: the miner only had to
# find them. Here the target is a class the pretrained generator was never shown. A
# generator trained on the digits 0 to 8 is asked, through a few dozen images, to draw
# nines. MineGAN's two stages now do different jobs: the miner searches what the frozen
# generator can already draw, and fine-tuning changes what it can draw.
#
# **You will learn**
# - why a miner can only move samples *within* the image of the frozen generator, and
#   what that image contains for a class it never saw;
# - to measure targeted generation with a classifier trained on real digits (the
#   thesis's "classifier error", App. A.2.2) and with FID against held-out images;
# - to compare the unmined generator, mining alone ("MineGAN (w/o FT)"), mining
#   followed by fine-tuning ("MineGAN") and TransferGAN on the same few images;
# - two ways to mine a class-conditional generator: one generator per class with a
#   selector, and a second miner into the class-embedding space (BigGAN's variant).

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
import copy
import dataclasses
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch
from IPython.display import display

import companion
from companion.data import load_dataset
from companion.data.synthetic.digits import NUM_TRAIN_DIGITS, digit_bank
from companion.methods.class_mining import (
    ClassGenerator,
    EmbeddingMiner,
    conditional_minegan,
    embedding_minegan,
)
from companion.methods.minegan import MineGAN, MineGANConfig
from companion.methods.transfergan import TransferGAN, TransferGANConfig
from companion.metrics import (
    PixelFeatures,
    extract_features,
    frechet_distance,
    gaussian_statistics,
    train_classifier,
)
from companion.quotes import quoted_table
from companion.train import fit
from companion.viz import source_listing

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
SOURCE_STEPS = {"smoke": 20, "cpu": 400, "gpu": 3000, "paper": 3000}[PRESET]
MINE_STEPS = {"smoke": 10, "cpu": 300, "gpu": 1000, "paper": 1000}[PRESET]
TUNE_STEPS = {"smoke": 10, "cpu": 200, "gpu": 1000, "paper": 1000}[PRESET]
EVAL_EVERY = {"smoke": 10, "cpu": 50, "gpu": 100, "paper": 100}[PRESET]
N_TARGET = 40  # the few target nines (the thesis: 1000 MNIST images)
N_EVAL = {"smoke": 100, "cpu": 1000, "gpu": 2000, "paper": 2000}[PRESET]
EXPECTED_S = {"smoke": 20, "cpu": 45}
CFG = dataclasses.replace(TransferGANConfig.cpu(), channels=1)
print(
    companion.run_header(
        PRESET,
        EXPECTED_S,
        seed=SEED,
        source_steps=SOURCE_STEPS,
        mining_steps=MINE_STEPS,
        tuning_steps=TUNE_STEPS,
        n_target=N_TARGET,
    )
)

# %% [markdown]
# ## What a miner can reach
#
# A pretrained generator $G$ maps codes $z \in \mathbb{R}^{D}$ to images; call the set of
# everything it can draw its image $G(\mathbb{R}^{D})$, the generator's *manifold*.
# Mining (Eqs. 3.3-3.4, Section 7.2) trains a miner $M$ so that $G(M(u))$,
# $u \sim \mathcal{N}(0, I)$, scores high under a critic $D$ trained on the target, while
# $G$'s weights stay fixed. Whatever $M$ learns, every mined sample is $G(z)$ for some
# code $z = M(u)$:
#
# $$
# G(M(u)) \in G(\mathbb{R}^{D}) \quad \text{for every } u .
# $$
#
# Mining reweights the generator's manifold; it cannot leave it. The thesis calls a
# target *on-manifold* when it overlaps the source distribution and *off-manifold* when
# the overlap is negligible (Sec. 3.2). A nine is off-manifold for a generator of 0 to 8
# in the data sense: none of its training images was a nine. But the image
# $G(\mathbb{R}^{D})$ is larger than the set of images $G$ draws often: it contains the
# strokes of every source digit, their blends, and the codes in the tails of the prior
# that $\mathcal{N}(0, I)$ rarely visits. Whether a nine lies in it is an empirical
# question, and the thesis's answer for MNIST is "often": its Fig. 3.3 shows mined
# nines that resemble "a modified 4". The second stage, MineGAN proper, releases $G$ and
# trains it with the same loss, which moves the manifold itself towards the target:
#
# $$
# \mathcal{L}^M_G = -\mathbb{E}_{u}[D(G(M(u)))]
# \quad\text{updates } M \text{ (stage 1) and then } M \text{ and } G
# \text{ (stage 2).}
# $$

# %% [markdown]
# ## Digits, a target of nines, and a judge
#
# The book's 16x16 digits come from a bank of 1,797 handwritten digits; bank images
# 0-1436 form the training split and the last 360 the test split. The source is every
# training digit except the nines. The target is 40 nines of the training split, drawn
# at random; every other nine (of both splits) forms the held-out pool that FID compares
# with. FID is computed on 8x8 downsampled pixels, as in Section 7.1.
#
# The judge is the digit classifier of Section 4.2 (a small CNN trained on real
# training digits of all ten classes; cached on disk after its first use). The
# *classifier error on 9* of a set of samples that should all be nines is the fraction
# that it assigns to another class, as in the thesis's App. A.2.2. A judge has its own
# error, which we measure first on the test split, which it never saw.

# %%
bank, labels = digit_bank(CFG.image_size)  # (1797, 16, 16) uint8, (1797,)
images = bank[:, None].float() / 255 * 2 - 1  # (1797, 1, 16, 16) in [-1, 1]
is_train = torch.arange(len(labels)) < NUM_TRAIN_DIGITS
source_x = images[is_train & (labels != 9)]
train_nines = images[is_train & (labels == 9)]
order = torch.randperm(len(train_nines), generator=torch.Generator().manual_seed(SEED))
target_x = train_nines[order[:N_TARGET]]
held_out = torch.cat([train_nines[order[N_TARGET:]], images[~is_train & (labels == 9)]])
print(
    f"source: {len(source_x)} digits 0-8; target: {len(target_x)} nines; "
    f"held-out: {len(held_out)} nines"
)

digits = load_dataset(
    "digits", split="train", resolution=CFG.image_size, source_channels=1
)
batch = digits.batch(range(3_000))
judge = train_classifier(
    batch["a"], batch["y"], 10, steps=400, name="digits-label-16"
).model
test_x, test_y = images[~is_train], labels[~is_train]
judge_accuracy = (judge.predict(test_x) == test_y).float().mean().item()


def nine_error(x):
    """Fraction of images x (N, 1, 16, 16) the judge does not call a 9."""
    return (judge.predict(x) != 9).float().mean().item()


real_error = nine_error(test_x[test_y == 9])
print(f"judge: accuracy on the test split {judge_accuracy:.3f}")
print(f"judge: error on the test split's real nines {real_error:.3f}")

features = PixelFeatures(size=8, channels=1)
held_stats = gaussian_statistics(extract_features(held_out, features))


def fid(x):
    """FID of images x (N, 1, 16, 16) to the held-out nines (8x8 pixels)."""
    return frechet_distance(
        *held_stats, *gaussian_statistics(extract_features(x, features))
    )


# %% [markdown]
# ## The source: a WGAN-GP that never saw a nine
#
# The source is trained from scratch on the digits 0 to 8 with the WGAN-GP of Section
# 7.1 (its `TransferGAN` from scratch, grey images). How often does it draw something
# the judge calls a nine, by chance?

# %%
workdir = Path(tempfile.mkdtemp())
companion.seed_everything(SEED)
source = TransferGAN(CFG)
fit(
    source,
    [{"a": x} for x in source_x],
    SOURCE_STEPS,
    out_dir=workdir / "source",
    seed=SEED,
    log_every=0,
    progress=False,
)
source.eval()


def draw(model, n=N_EVAL, seed=0):
    """n samples of a model with a fixed noise seed: (n, 1, 16, 16)."""
    with torch.no_grad():
        return model.sample(n, generator=torch.Generator().manual_seed(seed))


x_source = draw(source)
print(f"unmined G: classifier error on 9 {nine_error(x_source):.3f}")

# %% [markdown]
# ## Mining, then fine-tuning; and TransferGAN
#
# MineGAN gets a copy of the source's generator and starts its critic from the source's
# critic, as the thesis does ("initialized with the pre-trained weights"); the miner is
# two linear layers of the code's width (App. A.2.1, MNIST). For the first
# `MINE_STEPS` steps $G$ is frozen (stage 1); then it is released and trained with the
# miner for `TUNE_STEPS` more (stage 2). The baseline, TransferGAN, starts both networks
# from the source and fine-tunes every weight for the same total number of steps. Every
# `EVAL_EVERY` steps both are scored on `N_EVAL` samples with fixed noise; the mined
# samples at the end of stage 1 are kept.

# %%
TOTAL = MINE_STEPS + TUNE_STEPS
mine_cfg = dataclasses.replace(
    MineGANConfig.cpu(),
    z_dim=CFG.z_dim,
    u_dim=CFG.z_dim,
    channels=1,
    width_g=CFG.width_g,
    width_d=CFG.width_d,
    batch_size=CFG.batch_size,
    n_critic=CFG.n_critic,
    lr_miner=5e-4,
    lr_g=CFG.lr_g,
    lr_d=CFG.lr_d,
    betas=CFG.betas,
    mining_steps=MINE_STEPS,
)
target_samples = [{"a": x} for x in target_x] * 2  # 80 entries: one 32-batch
curves = {"MineGAN": [], "TransferGAN": []}
kept = {}


def tracker(label):
    """A callback that scores the model every EVAL_EVERY steps."""

    def track(model, step):
        x = draw(model)
        curves[label].append((step, nine_error(x), fid(x)))
        if label == "MineGAN" and step == MINE_STEPS:
            kept["mined G (w/o FT)"] = x

    return track


companion.seed_everything(SEED)
minegan = MineGAN(
    mine_cfg,
    generators=[copy.deepcopy(source.G)],
    critic=copy.deepcopy(source.D),
)
tracker("MineGAN")(minegan.eval(), 0)
fit(
    minegan,
    target_samples,
    TOTAL,
    seed=SEED,
    eval_every=EVAL_EVERY,
    log_every=0,
    ckpt_every=0,
    progress=False,
    callbacks=[tracker("MineGAN")],
)

companion.seed_everything(SEED)
transfergan = TransferGAN.from_pretrained(workdir / "source", CFG)
tracker("TransferGAN")(transfergan.eval(), 0)
fit(
    transfergan,
    target_samples,
    TOTAL,
    seed=SEED,
    eval_every=EVAL_EVERY,
    log_every=0,
    ckpt_every=0,
    progress=False,
    callbacks=[tracker("TransferGAN")],
)
samples = {
    "unmined G": x_source,
    "mined G (w/o FT)": kept["mined G (w/o FT)"],
    "MineGAN": draw(minegan.eval()),
    "TransferGAN": draw(transfergan.eval()),
}

# %% [markdown]
# The classifier error on 9 and the FID over training. Left of the dashed line only the
# miner (and the critic) learn; right of it $G$ learns too. TransferGAN trains every
# weight from step 0. The grey dotted lines are the judge's error on real held-out
# nines and the FID of the 40 training nines themselves: what real data score. At step
# 0 the miner is a random network, so MineGAN's first point is not the unmined
# generator's (Section 7.2): a random map squeezes the codes into a small region.

# %%
fig, axes = plt.subplots(1, 2, figsize=(6.5, 2.6))
for label, curve in curves.items():
    steps, errors, fids = zip(*curve)
    axes[0].plot(steps, errors, marker=".", label=label)
    axes[1].plot(steps, fids, marker=".", label=label)
floors = (real_error, fid(target_x))
for ax, floor, name in zip(axes, floors, ("classifier error on 9", "FID to held-out")):
    ax.axvline(MINE_STEPS, color="k", ls="--", lw=0.8)
    ax.axhline(floor, color="gray", ls=":")
    ax.set_xlabel("step")
    ax.set_ylabel(name)
axes[1].set_yscale("log")
axes[1].set_yticks([1, 2, 5, 10], ["1", "2", "5", "10"])
axes[1].minorticks_off()
axes[0].text(MINE_STEPS, 0.9, " G released", fontsize=7)
axes[0].legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# Samples with the same noise in each column: the unmined generator's own prior, then
# the mined, the fine-tuned MineGAN (the same $u$ as the mined row, so each column
# shows what stage 2 did to one sample) and TransferGAN; the top row shows real
# held-out nines.

# %%
rows = {"real held-out 9s": held_out, **samples}
fig, axes = plt.subplots(len(rows), 10, figsize=(6, 3.4))
for r, (label, x) in enumerate(rows.items()):
    for c in range(10):
        ax = axes[r, c]
        ax.imshow((x[c, 0] + 1) / 2, cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[r, 0].set_ylabel(label.replace(" (", "\n("), fontsize=6)
plt.tight_layout()
plt.show()

# %% [markdown]
# What the judge calls the samples. The unmined generator spreads over the nine source
# classes and draws a "9" only by accident; mining gathers the samples on the nines,
# and the samples it has not yet moved there show which source digits it borrows from.

# %%
classes = pd.DataFrame(
    {
        label: torch.bincount(judge.predict(x), minlength=10).numpy() / len(x)
        for label, x in samples.items()
    }
)
ax = classes.plot.bar(figsize=(6, 2.4), width=0.8)
ax.set_xlabel("class the judge assigns")
ax.set_ylabel("share of samples")
ax.legend(fontsize=7)
plt.xticks(rotation=0)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The scores
#
# Beside the classifier error and FID, the memorisation ratio of Section 7.1: the mean
# distance from a sample to its nearest *training* nine over that to its nearest
# *held-out* nine (40 of them). Near 1: no closer to the training images than to unseen
# ones; well below 1: copies.


# %%
def nn_distance(x, ref):
    """Mean distance from each image of x to its nearest image of ref."""
    return torch.cdist(x.flatten(1), ref.flatten(1)).min(dim=1).values.mean().item()


scores = pd.DataFrame(
    {
        label: {
            "classifier error on 9": nine_error(x),
            "FID to held-out": fid(x),
            "memorisation ratio": nn_distance(x, target_x)
            / nn_distance(x, held_out[:N_TARGET]),
        }
        for label, x in samples.items()
    }
).T.round(3)
display(scores)

# %% [markdown]
# The thesis's MNIST results (1000 target images at 28x28, $|z| = 128$; FID on
# Inception features, classifier error in percent). Our case is the row "9", column
# "Off-manifold, unconditional":

# %%
display(quoted_table("seed003", "Table A.2").frame())

# %% [markdown]
# **What the toy shows.** Over seeds 0 to 4 of this page (the table below is the
# record of those runs; `benchmarks/notebook_seeds.py` reruns it):
#
# | seed | error on 9: unmined | mined (w/o FT) | MineGAN | TransferGAN | drop by mining | FID: unmined / mined / MineGAN / TransferGAN |
# |---|---|---|---|---|---|---|
# | 0 | 0.968 | 0.155 | 0.014 | 0.003 | 0.813 | 7.10 / 1.90 / 2.10 / 1.55 |
# | 1 | 0.975 | 0.112 | 0.026 | 0.014 | 0.863 | 7.38 / 1.52 / 1.02 / 0.76 |
# | 2 | 0.964 | 0.033 | 0.029 | 0.005 | 0.931 | 6.91 / 1.90 / 1.44 / 1.36 |
# | 3 | 0.971 | 0.308 | 0.002 | 0.009 | 0.663 | 7.01 / 1.82 / 1.08 / 0.96 |
# | 4 | 0.954 | 0.201 | 0.004 | 0.004 | 0.753 | 8.23 / 2.09 / 1.45 / 1.03 |
#
# (Intel Xeon, AVX-512; the judge's own error on the test split's real nines is 0.081.)
#
# **Mining alone finds nines.** The generator of 0 to 8 draws a "9" in 2.5 to 4.6% of
# its samples: blends of strokes that happen to look like one. After 300 mining steps,
# with $G$'s weights untouched, 69 to 97% of the samples are called nines, and FID to
# the held-out nines falls to about a quarter. So the image of this generator does contain
# nine-like images; the miner finds them. This is the thesis's own finding (Fig. 3.3:
# "even though target classes are not in the training set of the pre-trained GAN,
# still similar examples might be found on the manifold of the generator"). What the
# miner borrows differs: the thesis's nines resemble "a modified 4"; the mined samples
# that our judge does not call nines are mostly 3s and 5s (seed 0 in the bar chart
# above, and three of the other four runs; 1s, 8s and 3s in seed 1), digits that share
# a nine's closed upper half or its right-hand stroke at 16x16.
#
# **Fine-tuning finishes the job.** Releasing $G$ brought the error down further in
# every run (in seed 2 only from 0.033 to 0.029), to at most 0.029: below the judge's
# own error on real held-out nines (0.081), so the fine-tuned samples are more
# prototypical nines than real ones are. FID fell further in four runs of five. Is
# that only more steps? In two runs outside this page (seeds 0 and 3) we mined for 800
# steps with $G$ frozen throughout. In seed 0 the error levelled off at about 0.05 from
# step 500 on, with 3s and 5s still among the samples, and FID stayed near 1.9; in seed
# 3 it was 0.088 at step 800 and still falling slowly (FID 1.48). MineGAN, 300 mining
# and 200 fine-tuning steps, reached 0.014 and 0.002. Within this budget the miner
# alone leaves a residue of the source's digits that releasing $G$ removes: the
# thesis's reason for the second stage. (In seed 0, FID after fine-tuning, 2.10, was
# not lower than that of long mining.)
#
# **Where the toy departs from the thesis.** The thesis finds MineGAN better than
# TransferGAN (Table 3.1, Table 3.2, Fig. 3.5). Here TransferGAN, fine-tuning every
# weight from step 0, reached a lower FID than MineGAN at step 500 in all five runs,
# and its classifier error was below 0.1 by step 100 in all five runs. With 40
# images of 16x16 digits, a source in the same style and 500 steps, fine-tuning does
# not yet copy its training images: the memorisation ratio was 0.85 to 0.91 for
# TransferGAN and 0.87 to 0.90 for MineGAN (0.92 to 0.99 for mining alone), so both
# drift a little towards the 40 nines, and the miner's regularising effect has little
# to prevent. We report this and assert nothing about it.
#
# ## Checks
#
# The claim: the classifier error on 9 falls by at least 0.4 after mining, checked here
# after mining alone (stage 1), the stricter reading; over the five runs it fell by
# 0.663 to 0.931. Beside it, what held on every run, with a margin: after fine-tuning
# the error is below 0.1 (measured at most 0.029), and mining alone cuts FID to the
# held-out nines below half that of the unmined generator (measured 0.21 to 0.28 of
# it).

# %%
error = scores["classifier error on 9"]
fids = scores["FID to held-out"]
drop = error["unmined G"] - error["mined G (w/o FT)"]
fid_ratio = fids["mined G (w/o FT)"] / fids["unmined G"]
print(
    "error on 9: unmined {:.3f}, mined {:.3f}, MineGAN {:.3f}, "
    "TransferGAN {:.3f}".format(*error)
)
print(
    "FID: unmined {:.2f}, mined {:.2f}, MineGAN {:.2f}, TransferGAN {:.2f}".format(
        *fids
    )
)
print(f"drop in error by mining alone {drop:.3f}; FID ratio {fid_ratio:.2f}")
if PRESET != "smoke":
    assert drop >= 0.4, drop
    assert error["MineGAN"] < 0.1, error.to_dict()
    assert fid_ratio < 0.5, fid_ratio

# %% [markdown]
# ## Conditional mining: which source class does a nine come from?
#
# The source above is unconditional. The thesis also mines a class-conditional source,
# "considering each possible conditioning as an independently trained generator"
# (App. A.2.2): $G_i(z) = G(i, z)$ for the $N$ classes, one miner $M_i$ each, and the
# selector of Section 7.2 over them (Eqs. 3.5-3.6), so that "the resulting selector now
# chooses among the N classes". The package does exactly this with the multi-generator
# MineGAN: a small wrapper exposes one class of a conditional generator as a generator
# (all $N$ share the one set of weights), and `conditional_minegan` hands the $N$
# wrappers to `MineGAN`:

# %%
display(source_listing(ClassGenerator.forward))
source_listing(conditional_minegan)

# %% [markdown]
# Mining nine generators at once is nine times the work of this page's miner, so the
# experiment is a benchmark, `benchmarks/conditional_mining.py` (about 6 minutes on one
# thread for seeds 0-4). For each seed it trains a conditional TransferGAN (class-
# conditional batch norm, Section 7.1's AC critic) on the training digits 0 to 8 for
# 1000 steps, then mines it for 200 steps, $G$ frozen, towards 40 training nines
# (off-manifold) and, as a control, towards 40 training fours (on-manifold: a class
# the source was trained on, so the selector should choose it). The record is
# committed; here it is read back.

# %%
RECORD = "conditional_mining.json"
record = companion.benchmark_record(RECORD)
selected = pd.DataFrame(
    [
        {"target": target, "seed": int(seed), "source class": i, "p": p}
        for target, by_seed in record["results"].items()
        for seed, row in by_seed.items()
        for i, p in enumerate(row["selector"])
    ]
)
sns.set_theme(style="whitegrid", context="notebook", font_scale=0.8)
grid_ = sns.catplot(
    data=selected,
    x="source class",
    y="p",
    col="target",
    kind="bar",
    errorbar=("pi", 100),
    height=2.4,
    aspect=1.3,
    color="tab:blue",
)
grid_.set_axis_labels("source class i", "selector probability")
grid_.set_titles("{col_name}")  # bars: mean over the seeds; lines: their range
grid_.figure.set_size_inches(6.5, 2.6)
plt.show()
per_seed = pd.DataFrame(
    {
        (target, key): {f"seed {s}": row[key] for s, row in by_seed.items()}
        for target, by_seed in record["results"].items()
        for key in ("top class", "target error unmined", "target error mined")
    }
)
print(f"recorded on: {record['cpu']}")
display(per_seed.round(3))

# %% [markdown]
# In the figure each bar is the mean over seeds 0-4 and its black line the range of the
# five seeds.
#
# **What the record shows** (Intel Xeon, AVX-512, one thread; the source's samples of
# class $i$ were called $i$ by the judge in 90.0 to 95.2% of cases). The selector's
# probabilities after mining, per seed:
#
# | target, seed | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | error on target |
# |---|---|---|---|---|---|---|---|---|---|---|
# | 9, seed 0 | 0.03 | 0.03 | 0.03 | 0.13 | 0.02 | 0.07 | 0.00 | 0.02 | 0.67 | 0.326 |
# | 9, seed 1 | 0.04 | 0.07 | 0.05 | 0.29 | 0.01 | 0.05 | 0.00 | 0.08 | 0.41 | 0.576 |
# | 9, seed 2 | 0.08 | 0.03 | 0.03 | 0.06 | 0.02 | 0.07 | 0.00 | 0.06 | 0.66 | 0.367 |
# | 9, seed 3 | 0.08 | 0.14 | 0.03 | 0.09 | 0.02 | 0.17 | 0.01 | 0.02 | 0.44 | 0.648 |
# | 9, seed 4 | 0.07 | 0.00 | 0.06 | 0.41 | 0.05 | 0.17 | 0.02 | 0.06 | 0.17 | 0.906 |
# | 4, seed 0 | 0.00 | 0.05 | 0.00 | 0.00 | 0.85 | 0.02 | 0.05 | 0.03 | 0.01 | 0.131 |
# | 4, seed 1 | 0.00 | 0.09 | 0.00 | 0.00 | 0.74 | 0.04 | 0.05 | 0.06 | 0.01 | 0.232 |
# | 4, seed 2 | 0.02 | 0.14 | 0.00 | 0.00 | 0.67 | 0.01 | 0.13 | 0.02 | 0.01 | 0.260 |
# | 4, seed 3 | 0.01 | 0.06 | 0.00 | 0.00 | 0.74 | 0.05 | 0.12 | 0.02 | 0.00 | 0.182 |
# | 4, seed 4 | 0.01 | 0.03 | 0.00 | 0.00 | 0.76 | 0.04 | 0.11 | 0.03 | 0.03 | 0.160 |
#
# - **The control works**: with fours as the target, the selector chose class 4 on
#   every seed, with probability 0.67 to 0.85; the judge's error on 4 fell to
#   0.13-0.26 (unmined, 0.87 to 0.89: the source spreads over nine classes).
# - **Nines are mined mostly from eights, not from fours**: class 8 had the largest
#   probability in four seeds of five (0.41 to 0.67) and 3 in the fifth (0.41), with 3
#   and 5 next. Class 4 got 0.01 to 0.05 on every seed. The thesis's remark that a
#   mined "9" often resembles "a modified 4" does not show here; at 16x16 a nine's
#   closed upper loop is nearer an eight's, as the unconditional miner above also
#   borrowed from 3s and 5s.
# - **Mining a conditional source was not better here**: the error on 9 after mining
#   was 0.33 to 0.91, against 0.03 to 0.31 for the unconditional miner above (Table A.2
#   has the conditional model better). The budgets differ (200 mining steps against 300,
#   and a source trained 1000 steps on labelled digits), so we report this and assert
#   nothing about it.
#
# The check, from the record: on every seed the selector chose the control's own class
# with probability above 0.5 (measured 0.67 to 0.85).

# %%
control = record["results"]["target 4"]
chosen = {seed: row["selector"][4] for seed, row in control.items()}
print(
    "control (target 4): p(class 4) on seeds 0-4:",
    ", ".join(f"{p:.2f}" for p in chosen.values()),
)
assert all(row["top class"] == 4 for row in control.values()), control
assert min(chosen.values()) > 0.5, chosen

# %% [markdown]
# ## Mining the class embedding: BigGAN's variant
#
# A BigGAN takes its class through a learned embedding: "a label $l$ is mapped to an
# embedding vector by means of a class embedding $E$, and then this vector is mapped to
# layer-specific batch normalization parameters" (Sec. 3.3). For such a generator the
# thesis does not split the classes into $N$ generators. It adds a second miner
# $M^c$, "which maps from u to the embedding space, resulting in a generator
# $G(M^c(u), M^z(u))$. The training is equal to that of a single GAN and follows Eqs.
# 3.3 and 3.4." Nothing ties $M^c(u)$ to the $N$ class embeddings $E(l)$: the miner may
# settle between them, or beyond, which is the one way such a generator can be
# conditioned on a class it was never given.
#
# The package builds the same thing at toy scale. `DCGANGenerator(..., embed_dim=D)`
# conditions each batch norm on an embedding, with gain $1 + W_\gamma e$ and bias
# $W_\beta e$ (BigGAN's conditional batch norm), and accepts an embedding vector in place
# of a label; `TransferGANConfig.embed_dim` trains such a source. The two miners see the
# same noise:

# %%
display(source_listing(EmbeddingMiner.forward))
source_listing(embedding_minegan)

# %% [markdown]
# The experiment is again a benchmark, `benchmarks/embedding_mining.py` (4 to 7
# minutes per seed on one shared thread). For each seed it trains a conditional
# TransferGAN with an 8-dimensional class embedding on the digits 0 to 8 for 1000 steps,
# then mines it for 300 steps, $G$ frozen, towards the same 40 nines and, as a control,
# 40 fours. The critic starts as the source's; its classifier head is not used, as the
# thesis ignores the projection loss "since we do not have access to the label of the
# target data" (App. A.2.1). The figure places, for seed 0, the nine class embeddings
# and 200 mined embeddings $M^c(u)$ on the first two principal axes of the class
# embeddings.

# %%
emb = companion.benchmark_record("embedding_mining.json")
fig, axes = plt.subplots(1, 2, figsize=(6.5, 3.0))
for ax, target in zip(axes, ("target 9", "target 4")):
    pca = emb["results"][target]["0"]["pca"]
    mined_xy = torch.tensor(pca["mined"])
    ax.scatter(*mined_xy.T, s=6, alpha=0.4, color="tab:orange", label="$M^c(u)$")
    for digit, (px, py) in enumerate(pca["classes"]):
        ax.scatter(px, py, s=140, color="tab:blue", alpha=0.35, zorder=3)
        ax.annotate(
            str(digit), (px, py), ha="center", va="center", fontsize=9, zorder=4
        )
    ax.set_title(f"{target}, seed 0")
    ax.set_xlabel("principal axis 1")
axes[0].set_ylabel("principal axis 2")
axes[0].legend(loc="best", fontsize=7)
fig.tight_layout()
plt.show()
rows = {
    (target, f"seed {seed}"): {
        "error unmined": row["target error unmined"],
        "error mined": row["target error mined"],
        "distance ratio": row["distance ratio"],
        "nearest classes": ", ".join(
            f"{i}: {n}"
            for i, n in sorted(enumerate(row["nearest class"]), key=lambda t: -t[1])[:3]
            if n
        ),
    }
    for target, by_seed in emb["results"].items()
    for seed, row in by_seed.items()
}
print(f"recorded on: {emb['cpu']}")
table = pd.DataFrame(rows).T
numeric = ["error unmined", "error mined", "distance ratio"]
table[numeric] = table[numeric].astype(float).round(3)
display(table)

# %% [markdown]
# **What the record shows** (the same machine and judge; the source's samples of class
# $i$ were called $i$ in 94.2 to 98.7% of cases, more than the class-generator source's
# 90.0 to 95.2%):
#
# - **Nines, off-manifold**: the judge's error on 9 fell from 0.98-1.00 to 0.04-0.15 on
#   every seed, a drop of 0.83 to 0.94. The class-generator miner above ended at 0.33
#   to 0.91 on the same nines, and the unconditional miner at 0.03 to 0.31. The two
#   conditional runs differ in more than the miner (their sources are trained
#   separately, one generator is mined for 300 steps against nine for 200), so this is
#   a report, not a check; it agrees with Table A.2, where the conditional model mines
#   better than the unconditional one.
# - **Where the nines' embeddings lie**: spread over several classes' neighbourhoods,
#   most often nearest an 8 (the largest share on four seeds), then a 1, a 3, a 5 or a
#   0 (the mean mined embedding was nearest class 8 on four seeds and class 3 on one), at about half the mean distance between
#   two classes (0.43 to 0.57). The miner's random start was at a similar distance
#   (0.42 to 0.56), so the distance alone does not show the embeddings moved off the
#   classes; which classes they are near does. Eights and threes are again the source
#   classes that the class-generator selector preferred.
# - **The control**: with fours as the target, 93 to 100% of the mined embeddings had
#   class 4's embedding as their nearest, on every seed, including the two seeds whose
#   miner started with none near it (seeds 2 and 4), and the error on 4 fell to 0.004 to
#   0.036.
# - The first two principal axes hold 53 to 72% of the class embeddings' variance, so
#   the figure is a fair but flattened picture of the 8-dimensional space.
#
# The checks, from the record: on every seed the nines' error falls by at least 0.4
# (the threshold of this page's unconditional check; measured 0.83 to 0.94), and at
# least 90% of the control's mined embeddings are nearest class 4 (measured 93 to 100%).

# %%
nines, fours = emb["results"]["target 9"], emb["results"]["target 4"]
drops = [r["target error unmined"] - r["target error mined"] for r in nines.values()]
near4 = [r["nearest class"][4] / sum(r["nearest class"]) for r in fours.values()]
print("drop in error on 9 by seed:", ", ".join(f"{d:.2f}" for d in drops))
print(
    "share of mined embeddings nearest class 4:", ", ".join(f"{x:.2f}" for x in near4)
)
assert min(drops) >= 0.4, drops
assert min(near4) >= 0.9, near4

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# - Data: 16x16 digits of the book's bank (the scikit-learn digits upscaled), not
#   28x28 MNIST; 40 target nines, not 1000, so that a small critic must generalise
#   from few images, and a held-out pool of about 140 nines for FID.
# - Networks: the book's DCGAN pair (width 32, $z$ of size 32) trained with WGAN-GP
#   for 400 steps as the source, not WGAN-GP's MNIST networks with $|z| = 128$.
# - Schedule: 300 mining steps and 200 fine-tuning steps with 2 critic steps each,
#   learning rate $5 \cdot 10^{-4}$, $\beta = (0.5, 0.9)$; the thesis uses
#   $4 \cdot 10^{-4}$ and $(0.5, 0.999)$ on MNIST and gives no step counts.
# - Metrics: the judge is a small CNN trained on the book's digits; FID is on 8x8
#   pixels against held-out nines, not on Inception features, so its numbers do not
#   compare with Table A.2's, only between our models; the classifier error is a
#   fraction, the thesis's a percentage.
# - Baseline: TransferGAN fine-tunes both networks from the source for the same 500
#   steps as MineGAN's two stages together.
# - Conditional mining: the thesis's conditional MNIST generator takes a one-hot class
#   concatenated to $z$; ours is Section 7.1's conditional TransferGAN (class-conditional
#   batch norm, 1000 steps). We mine for 200 steps with $G$ frozen and do not fine-tune,
#   because the question is which classes the selector chooses; the run is a benchmark
#   whose committed record this page reads, not a run of the page.
# - Embedding miner: the thesis mines BigGAN on ImageNet with two miners of four layers
#   (128 hidden units; outputs of 120 and 128). Ours mines a DCGAN generator whose batch
#   norms are conditioned BigGAN's way on an 8-dimensional class embedding, with two
#   miners of two layers (32 hidden units), for 300 steps without fine-tuning; the
#   critic's classifier head is left unused, as the thesis leaves out the projection
#   loss. It is a benchmark whose record this page reads.
# ```
#
# ## Summary
#
# - A miner moves samples only within the image of the frozen generator; whether an
#   unseen class lies there is an empirical question.
# - For a generator of 0 to 8, it does: mining alone turned most samples into nines.
# - Releasing $G$ changes the manifold itself and brought the classifier error close to
#   zero; at this scale plain fine-tuning (TransferGAN) did as well or better.
# - A conditional source is mined as one generator per class with the selector; for a
#   target class it was trained on, the selector chose that class on every seed, and
#   for nines it chose mostly eights.
# - A generator conditioned through a class embedding is mined with a second miner into
#   that space; it turned 85 to 96% of the samples into nines, from embeddings nearest
#   eights, ones, threes and fives, and found class 4's embedding for a target of fours.
#
# ## References
#
# - MineGAN {cite}`wang2020minegan`, Chapter 3 of the seed thesis 003: Sec. 3.2,
#   Eqs. 3.3-3.6, Sec. 3.4.1 and Fig. 3.3, App. A.2.1-A.2.2 and Table A.2.
# - TransferGAN {cite}`wang2018transferring`; WGAN-GP {cite}`gulrajani2017wgangp`;
#   BigGAN's class embedding and conditional batch norm {cite}`brock2019biggan`.
