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
# # 7.4 Choosing a source: FID before transfer against FID after
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/07_transfer/07_04_source.ipynb)
#
# Section 7.1 fine-tuned one source model. With a shelf of pretrained GANs the first
# question is which one to start from. Training every candidate on the target and keeping
# the best is what one wants to avoid; the thesis asks whether a distance measured
# *before* fine-tuning predicts the result *after* it.
#
# **You will learn**
# - the two indicators the thesis proposes: the FID between the source's and the
#   target's real images (Table A.1), and between the source *model's* samples and the
#   target's images (Table 2.5);
# - to judge an indicator by the rank correlation (Spearman's $\rho$) between it and the
#   FID after fine-tuning (Table 2.4), per seed;
# - what five toy sources, from other digits to rendered scenes, say about it.

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
import seaborn as sns
import torch
from IPython.display import display
from scipy.stats import spearmanr

import companion
from companion.data import load_dataset
from companion.methods.transfergan import TransferGAN, TransferGANConfig
from companion.metrics import (
    PixelFeatures,
    extract_features,
    frechet_distance,
    gaussian_statistics,
)
from companion.quotes import quoted_table
from companion.train import fit

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
SOURCE_STEPS = {"smoke": 20, "cpu": 400, "gpu": 400, "paper": 400}[PRESET]
STEPS = {"smoke": 10, "cpu": 120, "gpu": 120, "paper": 120}[PRESET]
N_TARGET = 50  # Section 7.1's few target images
N_EVAL = {"smoke": 64, "cpu": 300, "gpu": 300, "paper": 300}[PRESET]
EXPECTED_S = {"smoke": 25, "cpu": 50}
# The toy sweep is the same at every preset (the committed record is the cpu one).
CFG = TransferGANConfig.cpu()
print(
    companion.run_header(
        PRESET,
        EXPECTED_S,
        seed=SEED,
        source_steps=SOURCE_STEPS,
        steps=STEPS,
        n_target=N_TARGET,
    )
)

# %% [markdown]
# ## Which source? The thesis's grid
#
# The thesis pretrains WGAN-GPs on four sources (ImageNet, Places, LSUN Bedrooms,
# CelebA) and fine-tunes each on four targets (Sec. 2.3.6). Table 2.4 gives FID/IW
# after fine-tuning; every source beats training from scratch, and the best source is
# not always the most related one: for Kitchens, Bedrooms (28.54) beats Places (34.59),
# which contains thousands of kitchens.

# %%
display(quoted_table("seed003", "Table 2.4").frame())

# %% [markdown]
# ## Two indicators, measured before fine-tuning
#
# Write $X^{\mathrm{src}}_{\mathrm{data}}$ for a source's real images,
# $X^{\mathrm{src}}_{\mathrm{gen}}$ for samples of the model trained on them and
# $X^{\mathrm{tgt}}_{\mathrm{data}}$ for the target's images. The thesis tries two
# distances (Sec. 2.3.7):
#
# $$
# \begin{aligned}
# d_{\mathrm{data}} &= \mathrm{FID}\big(X^{\mathrm{src}}_{\mathrm{data}},
#   X^{\mathrm{tgt}}_{\mathrm{data}}\big) \;\text{(Table A.1)},\\
# d_{\mathrm{gen}} &= \mathrm{FID}\big(X^{\mathrm{src}}_{\mathrm{gen}},
#   X^{\mathrm{tgt}}_{\mathrm{data}}\big) \;\text{(Table 2.5)} .
# \end{aligned}
# $$
#
# $d_{\mathrm{data}}$ ignores whether the model learned its source well; $d_{\mathrm{gen}}$
# includes it, which is why the thesis prefers it, while calling it "a rough indicator of
# suitability rather than accurate metric". Table 2.5's last row,
# $\mathrm{FID}(X^{\mathrm{src}}_{\mathrm{gen}}, X^{\mathrm{src}}_{\mathrm{data}})$, is
# the source model's own quality.

# %%
display(quoted_table("seed003", "Table 2.5").frame())
display(quoted_table("seed003", "Table A.1").frame())

# %% [markdown]
# How well does an indicator $d$ rank the sources? With $n$ sources, rank them by $d$ and
# by the FID after fine-tuning; with $r_i$ and $s_i$ the two ranks of source $i$ (no
# ties), Spearman's rank correlation is
#
# $$
# \rho = 1 - \frac{6 \sum_{i=1}^{n} (r_i - s_i)^2}{n (n^2 - 1)} \in [-1, 1],
# $$
#
# 1 when the indicator orders the sources exactly as the final FID does, $-1$ when it
# orders them backwards. The thesis does not compute it; from its tables, per target
# (four sources each, so $\rho$ moves in steps of 0.2):


# %%
def thesis_rho(indicator_table, target):
    """Spearman's rho over the four sources: an indicator against Table 2.4's FID."""
    after = quoted_table("seed003", "Table 2.4")
    before = quoted_table("seed003", indicator_table)
    names = before.columns  # ImageNet, Places, Bedrooms, CelebA
    return spearmanr(
        [before.value(target, s) for s in names],
        [after.value(target, s) for s in names],  # the FID before the "/"
    ).statistic


targets = list(quoted_table("seed003", "Table 2.4").rows)
thesis = pd.DataFrame(
    {
        "rho, Table 2.5 indicator": [thesis_rho("Table 2.5", t) for t in targets],
        "rho, Table A.1 indicator": [thesis_rho("Table A.1", t) for t in targets],
    },
    index=targets,
).round(2)
display(thesis)

# %% [markdown]
# Computed from the thesis's own numbers, both indicators order the sources well for
# Flowers, Kitchens and LFW and not for Cityscapes, where all sources end within a
# similar range of FID. Four sources per target is a small sample, which is one more
# reason for the thesis's caution.
#
# ## Five toy sources, one target
#
# The target is Section 7.1's: 50 training images of the digits 5 to 9 (16x16), FID on
# 8x8 pixels against a held-out pool of test-split 5-9s. Five sources of 2000 images
# each, from near to far:

# %%
SOURCES = {  # name: (dataset, image key), as the benchmark loads them
    "digits 0-4": ("digits", "a"),
    "house-number 0-4": ("digits", "b"),
    "shape outlines": ("shapes_edges", "a"),
    "filled shapes": ("shapes", "a"),
    "scenes": ("scenes", "rgb"),
}


def source_images(name, n):
    """n images (n, 3, 16, 16) in [-1, 1] of a source; digits: only 0-4."""
    dataset, key = SOURCES[name]
    size = 3 * n if dataset == "digits" else n
    ds = load_dataset(dataset, resolution=CFG.image_size, size=size)
    batch = ds.batch(range(size))
    x = batch[key]
    if dataset == "digits":
        x = x[batch["y"] < 5]
    return x[:n]


fig, axes = plt.subplots(len(SOURCES), 10, figsize=(6, 3.4))
for row, name in enumerate(SOURCES):
    x = source_images(name, 10)
    for col in range(10):
        axes[row, col].imshow(((x[col].permute(1, 2, 0) + 1) / 2).clamp(0, 1))
        axes[row, col].set_xticks([])
        axes[row, col].set_yticks([])
    axes[row, 0].set_ylabel(name.replace(" ", "\n", 1), fontsize=6)
plt.tight_layout()
plt.show()

# %% [markdown]
# "digits 0-4" is Section 7.1's source: the same strokes, other digits.
# "house-number 0-4" is the same digits rendered as house numbers: the content is
# right, the appearance wrong. The outlines are strokes without digits, the filled
# shapes blobs, and the scenes a different world.
#
# ## The sweep: five seeds
#
# `benchmarks/transfer_source_suitability.py` runs the experiment for seeds 0-4 (about
# 6 minutes on one thread). For each seed, every source model trains from scratch for 400
# steps with that seed, the 50 target images are drawn anew, the three FIDs are measured
# on 300 samples *before* fine-tuning (against the 50 target images, what one has at
# that point), and then G and D are fine-tuned for 120 steps (Section 7.1's budget),
# beside a model from scratch. The record is committed; here it is read back.

# %%
RECORD = "transfer_source_suitability.json"
record = companion.benchmark_record(RECORD)
rows = [
    {"source": source, "seed": int(seed), **values}
    for source, by_seed in record["results"].items()
    for seed, values in by_seed.items()
]
sweep = pd.DataFrame(rows).drop(columns=["curve"])
BEFORE = ["FID src data -> tgt", "FID src gen -> tgt", "FID src gen -> src"]
summary = sweep.groupby("source", sort=False)[[*BEFORE, "FID last"]].agg(
    ["mean", "min", "max"]
)
print(f"recorded on: {record['cpu']}")
with pd.option_context("display.width", 79):
    display(summary.round(2))

# %%
sources = sweep[sweep.source != "scratch"]
sns.set_theme(style="whitegrid", context="notebook", font_scale=0.8)
fig, axes = plt.subplots(1, 2, figsize=(6.5, 2.8), sharey=True)
for ax, indicator in zip(axes, BEFORE[:2]):
    sns.scatterplot(
        data=sources, x=indicator, y="FID last", hue="source", ax=ax, s=25
    )
    ax.set_xscale("log")
    ax.set_xticks([5, 10, 20, 50], ["5", "10", "20", "50"])
    ax.minorticks_off()
    ax.set_xlabel(indicator.replace("FID ", "FID before: "))
    ax.legend_.remove()
scratch = sweep[sweep.source == "scratch"]["FID last"]
for ax in axes:
    ax.axhspan(scratch.min(), scratch.max(), color="gray", alpha=0.2, lw=0)
axes[0].set_ylabel("FID after fine-tuning")
axes[1].text(
    axes[1].get_xlim()[0], scratch.max(), " scratch", va="bottom", fontsize=7
)
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=6)
plt.tight_layout(rect=(0, 0.07, 1, 1))
plt.show()

# %% [markdown]
# Each point is one source and seed; the grey band is the range of the models trained
# from scratch. The rank correlation per seed, over the five sources:

# %%
rho = pd.DataFrame(record["spearman"]).T[BEFORE]
rho.index = [f"seed {s}" for s in rho.index]
display(rho.round(2))
ranks = sources.pivot(index="seed", columns="source", values="FID last").rank(
    axis=1
)
print("rank of each source's FID after fine-tuning (1 = best), per seed:")
print(ranks[list(SOURCES)].astype(int).to_string())

# %% [markdown]
# **What the sweep shows** (Intel Xeon, AVX-512, one thread). FID after 120 steps of
# fine-tuning, against the held-out pool, per seed:
#
# | seed | digits 0-4 | house-number 0-4 | shape outlines | filled shapes | scenes | scratch |
# |---|---|---|---|---|---|---|
# | 0 | 2.03 | 2.56 | 2.03 | 2.23 | 3.10 | 3.02 |
# | 1 | 2.21 | 2.67 | 2.12 | 2.40 | 3.73 | 2.92 |
# | 2 | 2.40 | 2.98 | 1.85 | 2.49 | 3.35 | 2.95 |
# | 3 | 2.00 | 2.52 | 1.64 | 1.97 | 3.69 | 3.32 |
# | 4 | 1.66 | 2.42 | 1.50 | 2.00 | 3.13 | 3.07 |
#
# - **Both indicators rank the sources well**: Spearman's $\rho$ between either
#   indicator and the final FID was 1.0, 0.9, 0.9, 0.7 and 0.9 on seeds 0-4. The
#   farthest source by either distance (scenes, about 48) ended last on every seed, the
#   next farthest (house-number digits, about 41-44) fourth on every seed.
# - **The two indicators agree exactly**: they give the same ranks on every seed. The
#   thesis prefers $d_{\mathrm{gen}}$ because it also sees the source model's quality;
#   here all five models, after 400 steps, are close to their data compared with the
#   distances between domains (0.3 to 3.8 against 5 to 48), so it adds nothing. The
#   thesis's own tables say something similar: computed as above, $d_{\mathrm{data}}$
#   ranks its sources at least as well as $d_{\mathrm{gen}}$ on all four targets.
# - **Quality alone is a bad guide**: the source model closest to its *own* data (scenes,
#   0.28 to 0.43) is the worst source; $\rho$ of that FID with the final FID was
#   $-0.1$ to $-0.4$.
# - **The nearest source is not the best**, as in the thesis (Bedrooms beating Places
#   for Kitchens): shape outlines, strokes without any digit, ended below digits 0-4 in
#   four seeds of five and level (2.03) in seed 0, and in seed 3 the filled shapes did
#   too (1.97 against 2.00). This is where $\rho$ falls short of 1. Over the whole curve the order is the expected one: the mean FID over the
#   evaluations was 2.8 for digits 0-4 and 5.3 for the outlines (means over seeds).
# - **A far source can be worse than none**: scenes ended above scratch on all five
#   seeds (by 0.06 to 0.81), and the house-number digits above scratch in one seed (2.98
#   against 2.95). The thesis's Table 2.4 has every source beating scratch. At 120
#   steps a source whose images are far from the target has to be unlearned; the
#   scenes model's mean over the curve (17.1) was still slightly below scratch's
#   (18.0), so it started closer and then fell behind.
#
# ## Rerun: two sources of one seed
#
# The sweep is too long for this page; this cell reruns its protocol for the nearest and
# the farthest source at the page's seed and sets the result beside the record.


# %%
def distinct_digits(split, keep, n, seed):
    """Up to n distinct bank digits of the classes ``keep``: (N, 3, 16, 16)."""
    ds = load_dataset(
        "digits", split=split, resolution=CFG.image_size, size=4 * n, seed=seed
    )
    batch = ds.batch(range(len(ds)))
    _, first = torch.unique(batch["factors"]["digit"], return_inverse=True)
    order = torch.zeros(int(first.max()) + 1, dtype=torch.long).scatter_(
        0, first.flip(0), torch.arange(len(first)).flip(0)
    )  # the first sample of each bank image
    x, y = batch["a"][order], batch["y"][order]
    return x[torch.isin(y, torch.tensor(keep))][:n]


features = PixelFeatures(size=8, channels=1)


def stats(x):
    """Mean and covariance of 8x8 pixels of the first channel of images x."""
    return gaussian_statistics(extract_features(x[:, :1], features))


def fid(a, b):
    return float(frechet_distance(*stats(a), *stats(b)))


def draw(model):
    with torch.no_grad():
        return model.eval().sample(
            N_EVAL, generator=torch.Generator().manual_seed(0)
        )


held = distinct_digits("test", [5, 6, 7, 8, 9], 1000, seed=0)
target = distinct_digits("train", [5, 6, 7, 8, 9], N_TARGET, seed=1 + SEED)
workdir = Path(tempfile.mkdtemp())
rerun = {}
for name in ("digits 0-4", "scenes"):
    if name == "digits 0-4":
        x_src = distinct_digits("train", [0, 1, 2, 3, 4], 2000, seed=0)
    else:
        x_src = source_images(name, 2000)
    companion.seed_everything(SEED)
    model = TransferGAN(CFG)
    data = [{"a": x} for x in x_src]
    fit(model, data, SOURCE_STEPS, out_dir=workdir / name, seed=SEED, progress=False)
    before = fid(draw(model), target)
    companion.seed_everything(SEED)
    tuned = TransferGAN.from_pretrained(workdir / name, CFG)
    fit(tuned, [{"a": x} for x in target], STEPS, seed=SEED, progress=False)
    rerun[name] = {"FID src gen -> tgt": before, "FID last": fid(draw(tuned), held)}

kept = record["results"]
table = pd.DataFrame(
    {
        (name, what): {
            "this run": rerun[name][key],
            "record": kept[name][str(SEED)][key] if str(SEED) in kept[name] else None,
        }
        for name in rerun
        for what, key in (("before", "FID src gen -> tgt"), ("after", "FID last"))
    }
).round(2)
display(table)

# %% [markdown]
# The rerun's numbers are not bitwise the record's: the benchmark ran on one thread,
# this page on the default number, and the sums of a convolution come out in another
# order.
#
# ## Checks
#
# What held on every seed of the record, with a margin: each indicator's rank
# correlation with the final FID is at least 0.5 (measured 0.7 to 1.0). For the rerun:
# the nearest source's indicator is below 0.3 times the farthest's (measured 0.09 to
# 0.13 over the record's seeds), and its final FID below 0.85 times the farthest's
# (measured 0.53 to 0.72). We do not assert that transfer beats scratch (it did not for
# scenes), nor which source is best.

# %%
worst_rho = rho[BEFORE[:2]].min()
print(
    f"lowest rho over the seeds: d_data {worst_rho.iloc[0]:.2f}, "
    f"d_gen {worst_rho.iloc[1]:.2f}"
)
near, far = rerun["digits 0-4"], rerun["scenes"]
before_ratio = near["FID src gen -> tgt"] / far["FID src gen -> tgt"]
after_ratio = near["FID last"] / far["FID last"]
print(f"near/far: before {before_ratio:.3f}, after {after_ratio:.3f}")
assert (worst_rho >= 0.5).all(), worst_rho
if PRESET != "smoke":
    assert before_ratio < 0.3, before_ratio
    assert after_ratio < 0.85, after_ratio

# %% [markdown]
#
# ```{admonition} What differs from the paper, and why
# :class: note
# - Sources: five toy sets of 2000 images at 16x16 (other digits, house-number digits,
#   shape outlines, filled shapes, rendered scenes), not ImageNet, Places, LSUN
#   Bedrooms and CelebA at 64x64; one target (50 digits 5-9), not four.
# - Each source model trains 400 steps and each fine-tuning 120 steps, with the cpu
#   preset of Section 7.1 (the thesis: 50K and 40K iterations); a source model of 400
#   steps is far from converged, so its quality varies from seed to seed.
# - FID on 8x8 pixels of the first channel, not Inception features; the indicators are
#   measured against the 50 target images (the thesis: the whole target set), the final
#   FID against a held-out pool.
# - The rank correlation is ours; the thesis compares the tables by eye.
# ```
#
# ## Summary
#
# - An indicator measured before fine-tuning, the FID between a source (its images or
#   its model's samples) and the few target images, ranked five toy sources well
#   ($\rho$ 0.7 to 1.0 over five seeds): a rough indicator, as the thesis says.
# - The source model's own quality did not predict transfer; the distance between
#   domains did, and the two distances ranked the sources identically.
# - The nearest source was not always the best, and the farthest was worse than
#   training from scratch at a short budget.
#
# ## References
#
# - TransferGAN {cite}`wang2018transferring`, Chapter 2 of the seed thesis 003:
#   Sec. 2.3.6-2.3.7, Tables 2.4 and 2.5; Appendix A.1.1, Table A.1.
