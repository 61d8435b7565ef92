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
# # 8.3 What latent consistency buys: an ablation
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/08_zero_pair/08_03_ablation.ipynb)
#
# The bound of Section 8.1 says the unseen error is at most a seen error plus $L$ times the
# latent gap $\|f_D(z) - f_R(x)\|$. The latent-consistency loss trains that gap on seen
# pairs. Remove it and the bound has nothing holding the gap down: the thesis's Table 4.3
# shows zero-pair mIoU falling from 45.8% to 20.3%. Here we retrain without it.
#
# **You will learn**
# - to run a one-switch ablation of M&MNets (`lambda_a=0`);
# - to measure the latent gap itself, the quantity the loss trains;
# - to compare a toy ablation with the thesis's table, and to say where it falls short.

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

import pandas as pd
import torch

import companion
from companion.data import load_dataset
from companion.methods.mix_and_match import MixAndMatch, MixAndMatchConfig
from companion.metrics import confusion_matrix, depth_scores, segmentation_scores
from companion.quotes import quoted_table
from companion.train import fit

PRESET = companion.preset()
# The training seed; the data drawn are the same on every seed.
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# The paper preset draws the synthetic scenes at the paper's 256 px with the
# paper's networks and schedule; SceneNet RGB-D (load_dataset("scenenet_rgbd",
# root=...)) is trained on through the CLI, not on this page.
STEPS = {"smoke": 8, "cpu": 600, "gpu": 9000, "paper": 400_000}[PRESET]
TRAIN = {"smoke": 32, "cpu": 1000, "gpu": 10_000, "paper": 20_000}[PRESET]
TEST = {"smoke": 16, "cpu": 300, "gpu": 1000, "paper": 1000}[PRESET]
CFG = MixAndMatchConfig.from_preset("cpu" if PRESET == "smoke" else PRESET)
if PRESET == "smoke":
    CFG = CFG.with_overrides({"stage2_start": STEPS // 2})
K = CFG.num_classes
print(
    companion.run_header(
        PRESET, {"cpu": 70}, steps=STEPS, lambda_a=(CFG.lambda_a, 0.0), seed=SEED
    )
)

# %% [markdown]
# ## Two runs, one switch
#
# Both runs use the same seed, data and schedule; the second sets $\lambda_A = 0$, so
# stage 2 keeps the autoencoders and the latent noise but drops $\mathcal L_{LAT}$.

# %%
size = CFG.image_size
data = load_dataset("scenes_zeropair", resolution=size, size=TRAIN, seed=0)
test = load_dataset("scenes", split="test", resolution=size, size=TEST, seed=0)
test = test.batch(range(TEST))
x, y, z = test["rgb"], test["seg"], test["depth"]
rows = {}
for name, lam in [("full", CFG.lambda_a), ("without latent consistency", 0.0)]:
    companion.seed_everything(SEED)
    model = MixAndMatch(CFG.with_overrides({"lambda_a": lam}))
    fit(model, data, STEPS, seed=SEED, log_every=50)
    model.eval()
    with torch.no_grad():
        seg = model.translate(z, source="depth", target="seg").argmax(1)
        dep = model.translate(y, source="seg", target="depth")
        h_d = model.encode("depth", z)[0].flatten(1)
        h_r = model.encode("rgb", x)[0].flatten(1)
    s = segmentation_scores(confusion_matrix(seg, y, K))
    d = depth_scores((dep + 1) / 2, (z + 1) / 2)
    rows[name] = {
        "D→S mIoU": s["miou"],
        "D→S global": s["global"],
        "S→D RMSE": d["rmse"],
        "latent gap": ((h_d - h_r).norm(dim=1) / h_r.norm(dim=1)).mean().item(),
    }
ablation = pd.DataFrame(rows).T
print(ablation.round(3).to_string())

# %% [markdown]
# The latent gap is $\|f_D(z) - f_R(x)\| / \|f_R(x)\|$ on test triplets, averaged: the
# quantity the bound of Section 8.1 multiplies by $L$.
#
# The thesis's ablations, quoted (SceneNet RGB-D, 51K subset, depth $\to$ segmentation):

# %%
for label in ("Table 4.3", "Table 4.2"):
    table = quoted_table("seed003", label)
    print(table.heading())
    print(table.frame().to_string(), "\n")

# %% [markdown]
# ## The other rows, over five seeds
#
# `benchmarks/mix_and_match_ablations.py` trains every row that the method has a switch for,
# seeds 0-4, with the schedule of this page plus a stage 3 of 150 steps at a tenth of the
# learning rate (the thesis's ratio). Stage 3 trains only the "+ pseudo-pairs" row on
# Eq. (4.12)-(4.13)'s pseudo-pairs $(T_{RD}(x), y)$ and $(T_{RS}(x), z)$; the other rows run
# the same 750 steps with that term's weight at $10^{-12}$. Depth $\to$ segmentation mIoU and
# segmentation $\to$ depth RMSE on 300 test triplets, per seed 0/1/2/3/4 (about 2 minutes
# per row on 2 cores; `benchmarks/results/mix_and_match_ablations.json`):
#
# | row | mIoU | RMSE |
# |---|---|---|
# | M&MNets | 0.378/0.372/0.398/0.412/0.383 | 0.135/0.129/0.132/0.132/0.132 |
# | + pseudo-pairs | 0.399/0.377/0.441/0.448/0.427 | 0.097/0.099/0.098/0.099/0.102 |
# | without latent consistency | 0.355/0.356/0.392/0.387/0.392 | 0.156/0.173/0.141/0.160/0.161 |
# | without side information | 0.418/0.479/0.443/0.423/0.408 | 0.100/0.075/0.085/0.084/0.086 |
# | without autoencoders | 0.373/0.354/0.402/0.393/0.378 | 0.140/0.142/0.139/0.138/0.138 |
#
# - **Pseudo-pairs** help on every seed, as in Table 4.3's last row: mIoU up by 0.005 to
#   0.044, RMSE down by about a quarter.
# - **Latent consistency**: without it RMSE rises on every seed and the latent gap doubles
#   (0.61-0.68 to 1.19-1.28), while mIoU falls on 4 of 5 seeds (seed 4 gains 0.009), the
#   page's finding again.
# - **Autoencoders**: without them RMSE rises on every seed (by 0.005 to 0.012) and mIoU
#   falls on 4 of 5 (seed 2 gains 0.004): Table 4.3's direction, far smaller.
# - **Side information goes the other way.** Table 4.2 finds pooling indices the best side
#   information (43.2% mIoU against 29.8% without). Here the model *without* them is better
#   on every seed, in both directions: mIoU 0.41-0.48 against 0.37-0.41 and RMSE
#   0.075-0.100 against 0.129-0.135. We have not found out why. One candidate: the segmentation decoder is trained with the pooling
#   indices of the RGB and segmentation encoders and receives the depth encoder's only at
#   test (and the depth decoder likewise), while no loss aligns the indices the way latent
#   consistency aligns the latents. We
#   report the toy's result and keep the thesis's default (`use_pooling_indices=True`).

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# - The same toy scale as Section 8.2: 32 px scenes with 5 classes, 2-level networks of 16
#   and 32 channels, 300 + 300 steps at batch 8 and learning rate $10^{-3}$, no RGB
#   discriminator (Section 8.2 lists the reasons).
# - One row of Table 4.3 is ablated on this page (latent consistency). The other rows of
#   Tables 4.2-4.3 (side information, autoencoders, pseudo-pairs) run in a benchmark, over
#   five seeds: the section above gives their table.
# ```
#
# ## Checks
#
# This page's own run (600 steps) measures one seed. Over training seeds 0 to 9 on an Intel
# Xeon (AVX-512; `python benchmarks/notebook_seeds.py chapters/08_zero_pair/08_03_ablation.py
# --seeds 0 1 2 3 4 5 6 7 8 9`), dropping latent consistency raised the segmentation
# $\to$ depth RMSE by
#
# | seed | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 |
# |---|---|---|---|---|---|---|---|---|---|---|
# | RMSE increase | .020 | .028 | .0004 | .033 | .022 | .029 | .058 | .028 | .044 | .039 |
#
# more than 0.005 on 9 runs of 10; on seed 2 the two runs tie. The page used to assert an
# increase above 0.005 on its own run, a threshold from three earlier seeds on another CPU
# kind; one run in ten does not reach it, so the run's increase is printed, not asserted.
# What held on every run of the benchmark above, whose schedule adds the stage 3 of 150
# steps, is asserted from its committed record instead: without latent consistency the
# RMSE rose on each of its five seeds, by at least 0.005 (measured 0.009 to 0.044). The
# depth $\to$ segmentation mIoU fell by only 0.008 to 0.013 on the earlier seeds, too little
# to assert: at this scale the toy does not reproduce Table 4.3's drop in mIoU (45.8% to
# 20.3%), for the reason of Section 8.2: every method sits near the layout prior.

# %%
rise = (
    ablation.loc["without latent consistency", "S→D RMSE"]
    - ablation.loc["full", "S→D RMSE"]
)
print(f"this run: RMSE increase without latent consistency {rise:.3f}")
record = companion.benchmark_record("mix_and_match_ablations.json")["results"]
full, dropped = record["M&MNets"], record["w/o latent consistency"]
rises = [dropped[s]["rmse"] - full[s]["rmse"] for s in sorted(full)]
print("benchmark record, increase per seed:", " ".join(f"{r:.3f}" for r in rises))
assert len(rises) >= 5 and min(rises) > 0.005, rises

# %% [markdown]
# ## Summary
#
# - Latent consistency is the term that trains the latent gap of the unseen pair on seen
#   pairs; without it the composed segmentation $\to$ depth translation is worse.
# - The toy reproduces the direction of Table 4.3 in depth RMSE (on every seed of the
#   benchmark, and on 9 of 10 runs of this page's shorter schedule), not its size in mIoU;
#   pseudo-pairs and autoencoders also act in Table 4.3's direction (over five seeds), while
#   pooling indices, Table 4.2's best side information, hurt at this scale.
#
# ## References
#
# - Mix-and-match networks {cite}`wang2020mixmatch`: Sec. 4.4.3 (latent consistency and
#   noise), Tables 4.2 and 4.3.
