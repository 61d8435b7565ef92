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
# # 9.2 One model for many domains: SDIT
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/09_bias_sdit/09_02_sdit.ipynb)
#
# A diverse translator such as MUNIT needs one model per pair of domains: $N(N-1)/2$ of them
# for $N$ domains. StarGAN serves all domains with one generator but gives one output per
# input. SDIT (thesis Ch. 6) is both: one generator conditioned on the target label, made
# diverse by a code that modulates conditional instance norms in the bottleneck.
#
# **You will learn**
# - how a label and a code enter one generator, and what the attention mask blends;
# - how SDIT's parameter count grows with the number of domains, against pairwise models;
# - to check, with an exact oracle, that one model reaches each domain and covers the
#   styles inside it.

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
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

import companion
from companion.data import PALETTE_NAMES, DomainShapes
from companion.methods.sdit import SDIT, SDITConfig
from companion.metrics import (
    build_lpips,
    content_iou,
    pairwise_diversity,
    reverse_classification_accuracy,
    set_diversity,
)
from companion.quotes import quoted_table
from companion.train import fit
from companion.viz import grid, show, source_listing

PRESET = companion.preset()
if PRESET == "paper":
    raise SystemExit(
        "SDIT's paper preset trains on CelebA at 128x128: run `companion train sdit "
        "--preset paper` with the data under data/datasets; this page runs at smoke, "
        "cpu or gpu."
    )
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
STEPS = {"smoke": 10, "cpu": 300, "gpu": 2_000}[PRESET]
N_INPUTS, K = {"smoke": (8, 4), "cpu": (32, 6), "gpu": (100, 10)}[PRESET]
TIME_STEPS = {"smoke": 2, "cpu": 5, "gpu": 20}[PRESET]  # steps timed per domain count
EXPECTED_S = {"smoke": 15, "cpu": 85}
cfg = SDITConfig.from_preset(PRESET)
print(
    companion.run_header(
        PRESET,
        EXPECTED_S,
        steps=STEPS,
        domains=cfg.num_domains,
        lambda_GAN=cfg.lambda_gan,
        lambda_REC=cfg.lambda_rec,
    )
)

# %% [markdown]
# ## One generator, a label and a code
#
# The target label $l$ is tiled into $C$ one-hot channels and concatenated to the image; the
# encoder gives bottleneck features $e = E(x, l)$. A mapping network turns the code
# $z \sim \mathcal N(0, I)$ into scales and shifts of conditional instance norms (Eq. 6.10),
# and an attention branch decides where the modulated features $f$ replace $e$ (Eq. 6.9):
#
# $$
# \begin{aligned}
# \mathrm{CIN}(e; l, z) &= \big(\gamma_l + \Delta\gamma(z)\big)\,
#   \frac{e - \mu(e)}{\sigma(e)} + \beta_l + \Delta\beta(z), \\
# h &= (1 - a)\, e + a\, f, \qquad a = T^a(e),\ f = T^c(e; l, z).
# \end{aligned}
# $$
#
# The thesis takes $(\gamma, \beta)$ from $M(z)$ alone; the per-domain rows
# $(\gamma_l, \beta_l)$ are ours (Dumoulin et al.'s conditional instance norm), initialised
# to $(1, 0)$. The discriminator has three heads: real or fake, the domain (an AC-GAN
# classifier) and $F_{\text{rec}}$, which reads the code back from a generated image so that
# the generator cannot ignore it (Eq. 6.6). The step, as the package runs it:

# %%
source_listing(SDIT.g_terms)

# %% [markdown]
# ## Parameters against the number of domains
#
# One more domain adds one input channel to $E$'s first convolution, one row to each
# conditional norm and one output to $D_{\text{cls}}$. Pairwise diverse translators need
# $N(N-1)/2$ models; we count them with this page's SDIT at two domains as the stand-in for
# one pair model (a MUNIT pair has two generators, so this is generous to it).

# %%
counts = {}
for n in (2, 3, 4, 6, 8):
    model = SDIT(cfg.with_overrides({"num_domains": n}))
    counts[n] = sum(p.numel() for p in model.parameters())
pair = counts[2]
table = pd.DataFrame(
    {
        "SDIT (one model)": counts,
        "pairwise models": {n: n * (n - 1) // 2 * pair for n in counts},
    }
)
table.index.name = "domains N"
table  # noqa: B018 (the cell shows the table)

# %% [markdown]
# Time scales the same way. One SDIT step at $N$ domains costs about what
# a step at two costs (the extra channels and rows are few), while $N(N-1)/2$
# pair models cost that many steps. The cell times a few steps of each
# size in CPU seconds of this process (all threads), which other jobs on
# the machine disturb less than wall time; it prints and does not assert.

# %%
def step_seconds(n, steps=TIME_STEPS):
    """CPU seconds per training step of SDIT with n domains (after one warm-up)."""
    companion.seed_everything(SEED)
    model = SDIT(cfg.with_overrides({"num_domains": n}))
    domains = DomainShapes(n, resolution=cfg.image_size, seed=SEED, size=256)
    fit(model, domains, 1, seed=SEED, log_every=0, progress=False)
    start = time.process_time()
    fit(model, domains, steps, seed=SEED, log_every=0, progress=False)
    return (time.process_time() - start) / steps


seconds = {n: step_seconds(n) for n in (2, 4, 8)}
timing = pd.DataFrame(
    {
        "SDIT, ms per step": {n: 1000 * t for n, t in seconds.items()},
        "pairwise, ms per round": {
            n: 1000 * n * (n - 1) // 2 * seconds[2] for n in seconds
        },
    }
).round(1)
timing.index.name = "domains N"
timing  # noqa: B018 (the cell shows the table)

# %% [markdown]
# ## Training on four colour domains
#
# `shapes_domains`: shapes painted red, green, blue or yellow, each flat or striped, on one
# dark grey background. A translation to domain $d$ should keep the shape, take colour $d$
# and show either texture; the oracle reads colour and texture back from any image.

# %%
data = DomainShapes(cfg.num_domains, resolution=cfg.image_size, seed=SEED)
test = DomainShapes(
    cfg.num_domains,
    resolution=cfg.image_size,
    seed=SEED,
    split="test",
    size=256,
)
companion.seed_everything(SEED)
sdit = SDIT(cfg)
history = fit(sdit, data, STEPS, seed=SEED, log_every=max(STEPS // 10, 1))
_ = sdit.eval()  # (a bare sdit.eval() would print the whole module)

# %% [markdown]
# ## Measured
#
# For every test input and every target domain, $K$ codes: **target accuracy** (the
# oracle's colour is the target's), **textures per input** (distinct textures among the $K$
# outputs, of 2: per-input diversity in the sense of Ch. 5's LPIPS protocol, counted
# exactly), the **striped share** of all its outputs (of the real images: one half) and
# **content IoU** with the input's shape.

# %%
batch = test.batch(range(N_INPUTS))
x, masks = batch["x"], batch["mask"] > 0
gen = torch.Generator().manual_seed(SEED + 5)
rows, translations = {}, []
for d in range(cfg.num_domains):
    outs = torch.stack(
        [sdit.translate(x, target=d, generator=gen) for _ in range(K)], 1
    )  # (N, K, 3, H, W)
    translations.append(outs)
    flat, flat_masks = outs.flatten(0, 1), masks.repeat_interleave(K, 0)
    textures = test.texture_of(flat, flat_masks).view(N_INPUTS, K)
    rows[f"to domain {d}"] = {
        "striped share": textures.float().mean().item(),
        "target accuracy": (test.domain_of(flat, flat_masks) == d)
        .float()
        .mean()
        .item(),
        "textures per input": float(
            np.mean([len(set(t.tolist())) for t in textures])
        ),
        "content IoU": content_iou(outs, masks),
    }
measured = pd.DataFrame(rows).T
measured.round(3)

# %%
z = sdit.sample_codes(6, generator=torch.Generator().manual_seed(1))
panel = [x[:6]] + [sdit.translate(x[:6], z, target=d) for d in range(4)]
show(grid(panel), "inputs; then one row per target domain (same codes)")
plt.show()

# %% [markdown]
# Every row takes its domain's colour, but as a blurred blob at the input's place and size,
# flat, with the same texture for every code; the measurements below say how far each
# metric notices.
#
# The thesis' Table 6.3 (colour dataset, four colours): reverse classification accuracy and
# LPIPS for one model (SDIT, StarGAN, IcGAN) against six pairwise models (CycleGAN, MUNIT).

# %%
quoted = quoted_table("seed003", "Table 6.3")
print(quoted.heading())
quoted.frame()

# %% [markdown]
# ## Table 6.3's two measures, on this run
#
# **Reverse classification** (Sec. 6.4): a classifier is trained on the translations, each
# labelled with the domain it was asked for, and tested on real images whose domain is known.
# A reference classifier trained on real images and tested on translations would score a
# collapsed generator high; trained the other way round, it never sees what the translations
# miss. The "Real image" row trains the same recipe (a small CNN,
# `companion.metrics.DomainClassifier`, 300 Adam steps; the thesis does not name its
# classifier) on as many real training images. We add a third row, a stand-in for a
# translator that collapsed every domain onto one texture: real images, flat ones only.
#
# **Diversity**, in two protocols that give different numbers (the thesis, Sec. 6.4.2, names
# "pairs of images from the same attribute" and 10 samples per input):
# *per input*, the mean distance between pairs of the $K$ samples of one input (Ch. 5's and
# BicycleGAN's protocol; exactly 0 for a translator that ignores its code), and *over the
# set*, the mean distance between random pairs of one target domain's outputs across inputs
# (`sdit_set`; 0.4-0.6 for the deterministic StarGAN and CycleGAN of Tables 6.2-6.3, so
# this must be the thesis' protocol). The same on real images gives the "Real image" row.
# The distance is LPIPS's architecture with a random trunk, as in Sections 3.2 and 3.3: it
# ranks, but its numbers are not LPIPS and do not compare with the thesis' column.

# %%
C = cfg.num_domains
lpips_random = build_lpips("lpips-random-alex", seed=SEED)
print(lpips_random.label)
translated = torch.cat([t.flatten(0, 1) for t in translations])  # (C*N*K, 3, H, W)
target = torch.arange(C).repeat_interleave(N_INPUTS * K)
real_test = test.batch(range(N_INPUTS, len(test)))  # not among the inputs above
pool = data.batch(range(2 * len(translated)))
real_train = {k: pool[k][: len(translated)] for k in ("x", "y")}
one_texture = pool["factors"]["texture"] == 0
one_texture_train = {k: pool[k][one_texture][: len(translated)] for k in ("x", "y")}
rca_args = dict(real_test=real_test["x"], real_test_labels=real_test["y"])
rca = reverse_classification_accuracy(
    translated,
    target,
    n_classes=C,
    real_train=real_train["x"],
    real_train_labels=real_train["y"],
    seed=SEED,
    **rca_args,
)
rca_flat = reverse_classification_accuracy(
    one_texture_train["x"], one_texture_train["y"], n_classes=C, seed=SEED, **rca_args
)

pair_gen = torch.Generator().manual_seed(SEED + 7)
per_input = [
    pairwise_diversity(t, lpips_random, "all").mean().item() for t in translations
]
set_level = {
    "SDIT (ours)": [
        set_diversity(t.flatten(0, 1), lpips_random, 300, pair_gen)
        for t in translations
    ],
    "Real image": [
        set_diversity(real_test["x"][real_test["y"] == d], lpips_random, 300, pair_gen)
        for d in range(C)
    ],
    "Real, flat only": [
        set_diversity(
            one_texture_train["x"][one_texture_train["y"] == d][:200],
            lpips_random,
            300,
            pair_gen,
        )
        for d in range(C)
    ],
}
names = PALETTE_NAMES[:C]
results = {}
for row, r, per in [
    ("SDIT (ours)", rca, per_input),
    ("Real, flat only", rca_flat, [float("nan")] * C),
    ("Real image", rca.real, [float("nan")] * C),
]:
    results[row] = {
        **{f"RCA {n}": 100 * a for n, a in zip(names, r.per_class)},
        "RCA mean": 100 * r.mean_per_class,
        "div. per input": float(np.mean(per)),
        "div. set": float(np.mean(set_level[row])),
    }
ours = pd.DataFrame(results).T
print(
    f"RCA in %: trained on {rca.n_train} images, tested on {rca.n_test} real"
)
ours.round(3)

# %% [markdown]
# What the two measures see here (seeds 0-4 in the table under Checks). The oracle's
# striped share is 0.00 to 0.01: SDIT collapsed every domain onto flat shapes, not only
# each input onto one texture. Yet its translations train a classifier that is right on
# 90% to 100% of the real images (real training images: 100%), and the classifier
# trained on real flat images only scores 97% to 100%. On this data a domain is its
# colour, which every texture shows, so a collapse onto one texture leaves nothing for
# the classifier to miss. This is the thesis' argument turned around: reverse
# classification penalizes a collapse only when the missing part of a domain carries the
# cue that tells the domains apart (`tests/metrics/test_reverse.py` builds such a case,
# where one image per class halves the accuracy). What SDIT loses here (90% on seed 3,
# with one domain at 60%) comes from its blurred shapes, not from the missing stripes.
#
# The two diversity protocols part as the thesis' table implies they must. Per input,
# SDIT's samples are identical to four decimals: the code is ignored. Over the set, its
# outputs still differ (0.04 to 0.06), because the inputs differ in shape, place and size
# and the outputs follow them; they differ less than real images of a domain (0.06 to
# 0.08) on every seed, and real flat images sit between the two. The set-level score is
# what Table 6.3 reports for SDIT and for the deterministic StarGAN alike; only the
# per-input protocol tells a translator that ignores its code from one that uses it.

# %% [markdown]
# What the run shows: every target domain is reached, but the input's shape only roughly:
# the outputs are blurred blobs at the input's place and size, with the corners of squares
# and triangles lost (content IoU 0.41 to 0.68 on seeds 0-4). And each input gets one
# texture whatever the code, in every domain, flat almost always. That is the mode
# collapse the thesis warns about (Sec. 6.3: "the latent code is ignored"), and at this
# budget $F_{\text{rec}}$'s latent regression did not prevent it. The diversity claim of
# Tables 6.1 and 6.3 is therefore not reproduced here; the checks below assert the
# collapse as measured, and what each metric of Table 6.3 makes of it.
#
# The thesis' ablations cannot rank anything on a collapsed model. `python
# benchmarks/sdit_ablations.py` trains the variants of Table 6.1 and Fig. 6.6 at this
# preset (seeds 0-2): the shift $\beta(z)$ only, the scale $\gamma(z)$ only, without
# $\mathcal L_{\text{LAT}}$ and without attention. Every one collapsed like SDIT itself:
# one texture per input, per-input L1 distance between outputs 0.0003-0.0018 (images in
# $[-1, 1]$), target accuracy 0.99-1.00. The thesis' finding that $\beta$ alone gives
# diverse outputs and $\gamma$ alone does not (Fig. 6.6) is therefore untested here, a
# negative result of the budget, not evidence against it.
#
# ```{admonition} What differs from the paper, and why
# :class: note
# - Data: four colour domains of synthetic shapes at 32x32, with texture as the in-domain
#   style the oracle can count, not CelebA, the colour-object set or artworks.
# - Networks at widths 16 (bottleneck 64 channels), 2 encoder and 2 CIN blocks, a 3-layer
#   D; 300 steps, batch 16 (the thesis: 6 and 4 blocks, a 6-layer D, no step count).
# - Weights $\lambda_{\text{GAN}} = 1$, $\lambda_{\text{REC}} = 10$ (the released code's
#   reconstruction weight) and learning rate $4 \cdot 10^{-4}$, not the thesis' 10, 800 and
#   $10^{-4}$: with the thesis' three values the same 300 steps (seed 0) reached the target
#   domain in 25% of the outputs, chance for four domains, as if the cycle term weighted
#   800 kept every input's own colour.
# - Reverse classification trains a small CNN (ours, 300 Adam steps; the thesis names no
#   classifier) on the $4 \times 32 \times 6$ translations of 32 test inputs and tests it on
#   224 other real test images; the real row trains it on 768 real training images.
# - Diversity uses LPIPS's architecture with a random trunk (no ImageNet weights offline), so
#   its numbers rank but do not compare with Table 6.3's LPIPS. Both protocols are reported,
#   labelled: the thesis' set-level one (inferred from its non-zero scores for deterministic
#   models) and Ch. 5's per-input one.
# - The oracle's target accuracy and textures per input, exact here, stand beside them: on
#   this data they see what reverse classification cannot.
# ```
#
# ## Checks
#
# Seeds 0-4 at the `cpu` preset on an Intel Xeon (AVX-512), as printed below
# (`benchmarks/notebook_seeds.py`). RCA: reverse classification accuracy, mean of the four
# domains, in % (min: the worst domain); div.: random-trunk LPIPS, per input and over
# the set (SDIT / real flat only / real).
#
# | seed | target | tex./input | IoU | RCA SDIT (min) | RCA flat | RCA real | div. input | div. set |
# |---|---|---|---|---|---|---|---|---|
# | 0 | 1.000 | 1.00 | 0.51 | 97.3 (89.1) | 96.8 | 100.0 | 0.0000 | 0.057 / 0.065 / 0.070 |
# | 1 | 1.000 | 1.00 | 0.61 | 100.0 (100.0) | 100.0 | 100.0 | 0.0000 | 0.063 / 0.073 / 0.082 |
# | 2 | 1.000 | 1.00 | 0.59 | 96.7 (86.7) | 100.0 | 100.0 | 0.0000 | 0.043 / 0.057 / 0.061 |
# | 3 | 1.000 | 1.00 | 0.41 | 89.7 (60.3) | 100.0 | 100.0 | 0.0000 | 0.041 / 0.064 / 0.067 |
# | 4 | 1.000 | 1.00 | 0.68 | 98.7 (94.8) | 100.0 | 100.0 | 0.0000 | 0.059 / 0.067 / 0.071 |
#
# The checks, each with a margin below what held on all five seeds: one model reaches
# every domain (target accuracy at least 0.9); reverse classification with the real row
# at least 95% and the flat-only row at least 90%, so a collapse onto one texture is
# invisible to it here; SDIT's own at least 80%; per-input diversity below 0.001 (the code
# is ignored) while the set-level diversity of the same outputs is at least 0.03 and below
# 0.9 times the real images'. Not asserted: flat-only below real on the set-level
# protocol (5 of 5 seeds, by 4% to 11%, too thin a margin).

# %%
mean = measured.mean()
sdit_row, flat_row, real_row = (ours.loc[r] for r in ours.index)
rca_classes = [f"RCA {n}" for n in names]
print(
    f"seed {SEED} | target acc {mean['target accuracy']:.3f} | textures/input "
    f"{mean['textures per input']:.2f} | IoU {mean['content IoU']:.3f}"
)
print(
    f"striped share {mean['striped share']:.2f} | RCA %: SDIT "
    f"{sdit_row['RCA mean']:.1f} (min {sdit_row[rca_classes].min():.1f}), flat "
    f"{flat_row['RCA mean']:.1f}, real {real_row['RCA mean']:.1f}"
)
print(
    f"div. per input {sdit_row['div. per input']:.4f} | div. set: SDIT "
    f"{sdit_row['div. set']:.3f}, flat {flat_row['div. set']:.3f}, real "
    f"{real_row['div. set']:.3f}"
)
if PRESET != "smoke":
    assert mean["target accuracy"] >= 0.9, mean
    assert real_row["RCA mean"] >= 95, real_row
    assert flat_row["RCA mean"] >= 90, flat_row
    assert sdit_row["RCA mean"] >= 80, sdit_row
    assert sdit_row["div. per input"] < 1e-3, sdit_row
    assert sdit_row["div. set"] >= 0.03, sdit_row
    assert sdit_row["div. set"] < 0.9 * real_row["div. set"], ours

# %% [markdown]
# ## Summary
#
# - Scalability and diversity are separate knobs: a label for the domain, a code for the
#   style within it, both in one generator.
# - One model gains under two thousand parameters per domain at this size, and its step
#   costs little more at eight domains than at two; pairwise diverse models multiply both
#   with $N(N-1)/2$.
# - An oracle checks each domain's accuracy and coverage directly; here it shows the
#   domains reached and the code ignored.
# - Reverse classification cannot see a collapse onto a style that does not tell the
#   domains apart; set-level diversity mixes the inputs' spread with the code's, and only
#   the per-input protocol isolates the code.
#
# ## References
#
# - SDIT {cite}`wang2019sdit` (thesis Ch. 6): Eq. 6.1-6.10, Sec. 6.4, Tables 6.1 and 6.3.
