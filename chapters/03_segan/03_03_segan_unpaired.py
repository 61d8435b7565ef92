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
# # 3.3 Unpaired SEGAN: diversity and disentanglement for free
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/03_segan/03_03_segan_unpaired.ipynb)
#
# Without paired targets there is no L1 term to blame for ignoring the noise, yet a one-sided
# unpaired translator ignores it too: the discriminator only asks that each output look like
# the target domain, and one plausible output per input already does. SEGAN
# {cite}`zuo2020segan` adds the same MI term as in Section 3.2 to a GcGAN {cite}`fu2019gcgan`
# backbone. The paper then observes something it did not ask for (its Fig. 6): one code gives
# the *same* style to every input. We train both models on a two-domain `shapes` variant whose
# styles are known and measure both claims.
#
# **You will learn**
# - the one-sided unpaired loss: adversarial term plus geometry consistency, and why it leaves
#   $z$ unused;
# - why a statistics network that never sees the input favours codes that mean the same thing
#   for every input;
# - how to measure that with style consistency, and why consistency alone is not enough (a
#   collapsed translator is perfectly consistent).

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
import torch
from IPython.display import display

import companion
from companion.data import dataset_facts, load_dataset
from companion.methods.segan import SEGAN, SEGANConfig, geometry_consistency_l1
from companion.metrics import (
    EvalConfig,
    content_iou,
    evaluate,
    precision,
    train_factor_classifier,
)
from companion.quotes import quoted_table
from companion.train import fit
from companion.viz import curves, diversity_panels, grid, show, source_listing

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# Training steps per model and evaluation sizes, by preset.
STEPS = {"smoke": 20, "cpu": 200, "gpu": 1_000, "paper": 20_000}[PRESET]
N_INPUTS = {"smoke": 8, "cpu": 32, "gpu": 100, "paper": 100}[PRESET]
EXPECTED_S = {"smoke": 15, "cpu": 70}
DATASET = "summer2winter_yosemite" if PRESET == "paper" else "shapes_season"
cfg = SEGANConfig.from_preset(PRESET).for_dataset(dataset_facts(DATASET))
if PRESET != "paper":
    # Warm shapes (domain A) to cool shapes (domain B) on one grey background.
    data = load_dataset(
        DATASET, resolution=cfg.image_size, seed=SEED, background="grey"
    )
    test = load_dataset(
        DATASET, split="test", resolution=cfg.image_size, seed=SEED, background="grey"
    )
else:  # Yosemite at 256x256 from a local folder (see the Setup page)
    try:
        data = load_dataset(DATASET, root="data/datasets", resolution=cfg.image_size)
        test = load_dataset(
            DATASET, root="data/datasets", split="test", resolution=cfg.image_size
        )
    except FileNotFoundError as missing:  # one message, no traceback
        raise SystemExit(str(missing)) from None
header = companion.run_header(
    PRESET,
    EXPECTED_S,
    data=DATASET,
    steps=STEPS,
    batch=cfg.batch_size,
    lambda_GC=cfg.lambda_gc,
)
print(header)  # run_header wraps its fields at 79 characters

# %% [markdown]
# ## The data
#
# `shapes_season` imitates Yosemite's summer and winter: both domains draw the same shape kinds,
# positions and sizes, independently. Domain $\mathcal{A}$ paints them in four warm palettes,
# domain $\mathcal{B}$ in four cool ones. A faithful translation keeps the shape and picks one
# of the four cool styles, and any of the four is right: given $a$, the target distribution
# has exactly four modes, and `test.domain_b.style_of` reads which one an image shows.

# %%
pairs = test.batch(range(8))
show(grid([pairs["a"], pairs["b"]]), "top: domain A (warm); bottom: domain B (cool)")
plt.show()

# %% [markdown]
# ## The loss
#
# There is no target $b$ for an input $a$, so there is no $\lVert \hat b - b \rVert_1$. The
# one-sided GcGAN loss keeps the adversarial term and adds *geometry consistency*: for a fixed
# transformation $f$ (a 90° rotation), translating the rotated input and rotating back must give
# the same image,
#
# $$
# \begin{aligned}
# \mathcal{L}_{\mathrm{ori}} &= \mathcal{L}_{\mathrm{GAN}}(G, D) \\
#   &\quad + \lambda_{\mathrm{GC}}\, \mathbb{E}_{a, z}
#   \big\lVert f^{-1}\big(G(f(a), z)\big) - G(a, z) \big\rVert_1 .
# \end{aligned}
# $$
#
# The term rules out translations that move content around in a way rotation would reveal; it
# says nothing about $z$. Nothing else does either: a generator that paints each input in one
# cool style per input already satisfies both terms, so training finds it and $z$ goes unused,
# exactly as in the paired case. SEGAN adds $-\lambda_{\mathrm{MI}} \hat{I}^{\mathrm{JSD}}$ with the
# pairs of Section 3.2 (two codes per input, both images from the same $a$).

# %%
source_listing(geometry_consistency_l1)

# %% [markdown]
# **Why the same code should mean the same style for every input.** The statistics network
# scores $T(\hat b, z)$: it sees the output and the code, never the input. To tell matched from
# mismatched pairs it must read $z$ back from $\hat b$ with *one* rule for all inputs. If code
# $z$ painted one input blue and another cyan, $T$ would have to work out from $\hat b$ which
# input it came from before it could decide; if $z$ paints every input blue, one glance at the
# colour suffices. The generator helps $T$ (Eq. 6), so the cheapest way to raise the bound is a
# code-to-style map shared by all inputs: style separated from content without any loss asking
# for it. That is the paper's "disentanglement for free" (Sec. 3.3; shown in Sec. 4.7, Fig. 6).
#
# **Measuring it.** Draw $K$ codes, translate every input with each, and read the styles into an
# $N \times K$ table. *Style consistency* is, per code (column), the fraction of inputs that got
# that code's most common style, averaged over codes. A collapsed translator scores 1, so we
# compare with a baseline that keeps each input's styles and destroys what codes share: shuffle
# every row independently and average the consistency (`style_consistency_chance`).
# Consistency above that chance level is shared code meaning; it is 0 for a translator whose
# style depends on the input alone.

# %% [markdown]
# ## Training with and without the MI term


# %%
def train(lambda_mi):
    companion.seed_everything(SEED)
    model = SEGAN(cfg.with_overrides({"lambda_mi": lambda_mi}))
    history = fit(model, data, STEPS, seed=SEED, log_every=max(STEPS // 30, 1))
    return model.eval(), history


segan, hist_mi = train(cfg.lambda_mi)
baseline, hist_base = train(0.0)

# %%
reference = {"$-2 \\log 2$": -2 * math.log(2), "0": 0.0}
ax = curves(hist_mi, ["mi/jsd"], reference=reference, label="SEGAN")
curves(hist_base, ["mi/jsd"], ax=ax, label="SEGAN w/o MI (probe)")
ax.set_ylabel(r"$\hat{I}\,^{\mathrm{JSD}}$ (nats)")
plt.show()

# %% [markdown]
# The paper's Fig. 6 on our data: each row is an input (first column), and each *column* uses
# one code for every row. What the grid shows at this budget: SEGAN w/o MI keeps each input's
# shape and paints it in one or two cool colours whatever the code. SEGAN's colours change
# from column to column, and a column tends to keep one colour down the rows, as in the
# paper's figure; but its outputs are soft blobs at the input's position, not the input's
# shape, often with the colour bleeding into the background. The next section measures both.

# %%
a_show = torch.stack([test[i]["a"] for i in range(6)])
codes = torch.randn(8, cfg.z_dim, generator=torch.Generator().manual_seed(1))
diversity_panels({"SEGAN w/o MI": baseline, "SEGAN": segan}, a_show, codes=codes)
plt.show()

# %% [markdown]
# ## Measured
#
# As in Section 3.2: styles per input among 20 random codes (of 4), diversity with LPIPS's
# architecture and a random trunk (labelled, not published LPIPS), the domain FID in the
# features of a classifier of domain $\mathcal{B}$'s four styles (lower is better), NDB over 20
# bins of domain $\mathcal{B}$'s images; and style consistency with 16 shared codes beside its
# chance level. The style classifier cannot see shape, so two measures judge content and
# quality exactly, from what the oracle knows: *content IoU*, the overlap of each output's
# foreground with the input's shape mask (1 for a faithful translation; a domain-B image of
# another shape scores about 0.2), and *precision*, the share of outputs that are valid
# domain-B images (the input's shape in one cool palette colour on an untouched background).

# %%
classifier = train_factor_classifier(data.domain_b, "style", seed=SEED)
eval_cfg = EvalConfig.cpu(N_INPUTS)
metrics = ["mode_coverage", "style_consistency", "diversity", "domain_fid", "ndb"]
results = {}
for name, model in [("SEGAN w/o MI", baseline), ("SEGAN", segan)]:
    record = evaluate(
        model,
        test,
        metrics,
        cfg=eval_cfg,
        classifier=classifier,
        seed=SEED,
    )["metrics"]
    row = {k: v["value"] for k, v in record.items()}
    row["consistency chance"] = record["style_consistency"]["chance"]
    row["final MI bound"] = (hist_mi if name == "SEGAN" else hist_base)[-1]["mi/jsd"]
    results[name] = row

if PRESET != "paper":  # the oracle knows each input's shape mask and domain B's colours
    index = np.arange(N_INPUTS)
    sdf = test.domain_a.signed_distance(test.sample_factors(index)["a"])  # (N, H, W)
    masks = torch.from_numpy(sdf <= 0)[:, None]  # (N, 1, H, W) bool: the input's shape
    batch = test.batch(range(N_INPUTS))
    colours, textures = test.domain_b.palette_colors, tuple(test.domain_b.textures)
    gen = torch.Generator().manual_seed(SEED + 3)
    for name, model in [("SEGAN w/o MI", baseline), ("SEGAN", segan)]:
        with torch.no_grad():  # (N, 4, 3, H, W): four random codes per input
            outs = torch.stack(
                [model.translate(batch["a"], generator=gen) for _ in range(4)], 1
            )
        results[name]["content IoU"] = content_iou(outs, masks)
        results[name]["precision"] = precision(outs, masks, colours, textures)
    unrelated_iou = content_iou(batch["b"], masks)  # a real B image of another shape
    print(f"content IoU of an unrelated domain-B image: {unrelated_iou:.2f}")

pd.DataFrame(results).round(3)  # measures as rows, models as columns

# %% [markdown]
# The paper's Table 2 (Sec. 4.7): Yosemite winter → summer and cat → dog at 256x256, FID
# with Inception, NDB and JSD over 50 k-means bins, LPIPS with AlexNet weights, mean ± std
# over the paper's runs; methods as rows.

# %%
for half in ("Table 2 (Yosemite)", "Table 2 (cat → dog)"):
    table = quoted_table("seed000", half)
    print(table.heading())
    display(table.frame().T)

# %% [markdown]
# In the paper the term raises diversity and lowers FID against its own ablation, and on
# Yosemite SEGAN's FID and LPIPS also beat MUNIT, DRIT and DRIT++. The table has no
# consistency column: the paper shows disentanglement in a figure only, which is what the
# oracle styles let us turn into a number here.
#
# ## Is the content kept?
#
# **Not at this budget.** The paper says the term improves diversity "without loss of
# quality" (Sec. 4.7). On `shapes_season` at 200 steps it does not: the outputs of SEGAN
# keep the input's *position* but not its *shape* (the blobs of the grid above), and almost
# none is a valid domain-B image, while SEGAN w/o MI keeps most of the shape. Measured by
# this notebook (4 codes on 32 test inputs) on two kinds of CPU, SEGAN / SEGAN w/o MI:
#
# | runs | content IoU | precision |
# |---|---|---|
# | AMD EPYC, seeds 0 / 1 / 2 | 0.63 / 0.60 / 0.60 against 0.82 / 0.80 / 0.81 | 0.00-0.04 against 0.02-0.25 |
# | Intel Xeon, seeds 0-9 | 0.52-0.70 against 0.67-0.84 | 0.00-0.12 against 0.00-0.72 |
#
# Neither model is a good translator yet: even without the term many outputs miss the
# palette colours or stain the background. But the term made the shape worse on all 13
# runs, by 0.03 to 0.28 in IoU (0.15 or more on 10 of them). The term buys its extra styles
# partly with content: to make the code readable, $G$ varies the whole image (colour
# bleeding into the background, textured patches), and at this budget the adversarial and
# geometry terms do not pull the shape back. Separate runs on seed 0 (AMD, 64 inputs,
# 4 codes; 0.58 at this preset) tried three changes: three times the budget (600 steps)
# raised SEGAN's IoU to 0.67, a geometry weight of 10 left it at 0.59, and
# $\lambda_{\mathrm{MI}} = 1$ raised it to 0.74, near the baseline's 0.80, with the bound
# still rising (to -0.72). Precision stayed at 0.04 or below in all three. Whether
# $\lambda_{\mathrm{MI}} = 1$ keeps the extra styles was not measured; Exercise 4 asks you to.
# The domain FID of the table above does not show any of this: it is computed in the
# features of a style classifier, which sees colours, not shapes.
#
# ```{admonition} What differs from the paper, and why
# :class: note
# - **Data and scale.** `shapes_season` at 32x32 (4 cool styles known to the oracle)
#   instead of Yosemite at 256x256; the `cpu` networks of Section 3.2; 200 steps per model.
# - **Geometry-consistency weight 5, not 20** (Sec. 4.7). With 20 the toy lost the input's
#   shape (content IoU 0.23 with the MI term, 0.04 without, seed 0, 250-300 steps); with 0
#   one seed of three collapsed to one style despite the MI term.
# - **GcGAN reduced to one discriminator.** GcGAN judges both $G(a)$ and the translation of
#   the rotated input with two discriminators and adds the consistency term in both
#   directions. For a 90° rotation both directions of the $L_1$ term are the same number
#   (rotation does not change an $L_1$ distance), so we keep one; the second discriminator is
#   not built, because the toy's shapes appear at every angle, so rotated outputs are judged
#   by the same distribution.
# - **Metrics** as in Section 3.2 (a style classifier's FID, LPIPS's architecture with a
#   random trunk), plus the oracle's content IoU and precision.
# ```
#
# ## Checks
#
# At 200 steps one run is one draw from a wide distribution: another seed, or the same seed
# on another kind of CPU (whose vector kernels round differently), moves every number
# below. The thresholds were first set from three seeds on an AMD EPYC machine; on an
# Intel Xeon (AVX-512) seed 0 then gave a coverage gain of 0.28, under the 0.5 asked. So
# they are now set from 13 runs, seeds 0-2 on AMD and seeds 0-9 on Intel
# (`python benchmarks/notebook_seeds.py` reruns them and records the printed values in
# `benchmarks/results/notebook_seeds/`). The Intel runs, SEGAN / SEGAN w/o MI:
#
# | seed | bound rise | styles per input | diversity | consistency above chance | content IoU | precision |
# |---|---|---|---|---|---|---|
# | 0 | +0.87 | 2.00 / 1.72 | 0.062 / 0.015 | 0.31 / 0.10 | 0.52 / 0.80 | 0.04 / 0.21 |
# | 1 | +0.74 | 3.22 / 1.91 | 0.085 / 0.019 | 0.53 / 0.06 | 0.64 / 0.81 | 0.00 / 0.48 |
# | 2 | +0.36 | 2.00 / 1.06 | 0.034 / 0.004 | 0.41 / 0.00 | 0.70 / 0.78 | 0.12 / 0.38 |
# | 3 | +0.73 | 2.34 / 1.81 | 0.092 / 0.021 | 0.19 / 0.24 | 0.66 / 0.80 | 0.02 / 0.02 |
# | 4 | +0.70 | 2.91 / 1.00 | 0.078 / 0.000 | 0.37 / 0.00 | 0.61 / 0.84 | 0.00 / 0.59 |
# | 5 | +0.92 | 3.25 / 1.00 | 0.071 / 0.001 | 0.26 / 0.00 | 0.57 / 0.77 | 0.00 / 0.28 |
# | 6 | +0.59 | 2.00 / 1.00 | 0.072 / 0.000 | 0.16 / 0.00 | 0.61 / 0.81 | 0.11 / 0.72 |
# | 7 | +0.71 | 2.78 / 1.16 | 0.050 / 0.010 | 0.34 / 0.00 | 0.69 / 0.77 | 0.02 / 0.02 |
# | 8 | +0.80 | 2.03 / 1.00 | 0.055 / 0.002 | 0.31 / 0.00 | 0.64 / 0.67 | 0.09 / 0.00 |
# | 9 | +0.84 | 1.00 / 1.00 | 0.043 / 0.000 | 0.00 / 0.00 | 0.54 / 0.75 | 0.00 / 0.07 |
#
# On AMD, seeds 0 / 1 / 2: rises 0.88 / 0.78 / 0.60, coverage gains 0.94 / 1.00 / 1.81,
# consistency above chance 0.40 / 0.36 / 0.37 higher than the baseline's.
#
# **What held on every run, and is checked here:**
#
# 1. the bound starts at $-2 \log 2$ (within 0.1 nats) and rises by at least 0.18 nats
#    (half the smallest rise, 0.36);
# 2. SEGAN's outputs are more diverse than the baseline's (13 of 13);
# 3. content, the negative finding of this section: SEGAN keeps the input's position
#    (content IoU at least 0.4, where an unrelated shape scores about 0.2; smallest 0.52)
#    but loses part of its shape to the MI term (IoU below the baseline's, 13 of 13).
#
# **What held on most runs, and is not asserted on one run:**
#
# - *More styles per input* with the term: 12 of 13 runs, by 0.28 to 2.25 styles. On Intel
#   seed 9 the bound rose by 0.84 nats and the outputs varied (diversity 0.043 against
#   0.000), yet every code gave the same oracle style: the generator wrote the code into
#   something the style oracle does not count (shade, texture), which a bound on MI
#   rewards just as well.
# - *Disentanglement* (consistency above chance higher than the baseline's): 11 of 13 runs.
#   It failed on seed 9 (no extra style to share) and on seed 3, where the baseline's weak
#   use of the code was itself shared (0.24 against SEGAN's 0.19).
#
# The paper's two claims are thus the usual outcome at this scale, not a guaranteed one:
# the page shows them on its own run and reports the spread rather than asserting them.

# %%
start, end = hist_mi[0]["mi/jsd"], hist_mi[-1]["mi/jsd"]
mi, base = results["SEGAN"], results["SEGAN w/o MI"]
excess_mi = mi["style_consistency"] - mi["consistency chance"]
excess_base = base["style_consistency"] - base["consistency chance"]
print(f"MI bound: first logged {start:.3f}, last {end:.3f}")
print(
    f"styles per input: {mi['mode_coverage']:.2f} vs {base['mode_coverage']:.2f} (of 4)"
)
print(f"diversity: {mi['diversity']:.3f} vs {base['diversity']:.3f}")
consistency = (mi["style_consistency"], base["style_consistency"])
print(f"style consistency: {consistency[0]:.3f} vs {consistency[1]:.3f}")
print(f"consistency above chance: {excess_mi:.3f} vs {excess_base:.3f}")
print(f"domain FID: {mi['domain_fid']:.1f} vs {base['domain_fid']:.1f}")
if PRESET != "paper":
    print(f"content IoU: {mi['content IoU']:.3f} vs {base['content IoU']:.3f}")
    print(f"precision: {mi['precision']:.3f} vs {base['precision']:.3f}")
if PRESET not in ("smoke", "paper"):
    assert abs(start + 2 * math.log(2)) < 0.1
    assert end > start + 0.18, "the MI bound did not rise"
    assert mi["diversity"] > base["diversity"]
    assert mi["content IoU"] >= 0.4, "SEGAN lost the input's position too"
    assert mi["content IoU"] < base["content IoU"], "the MI term no longer costs shape"

# %% [markdown]
# ## Exercises
#
# 1. Give $T$ the input as well, $T(a, \hat b, z)$ (a third argument concatenated to its
#    image channels). Predict what happens to style consistency, then measure it.
# 2. Train on `shapes_species`, where the shape changes too (round shapes become angular ones,
#    the paper's "shape-variant" cat → dog). The paper drops geometry consistency there: with
#    `lambda_gc` at 0 and at 5, what happens to the outputs' shapes?
# 3. Set `lambda_gc` to the paper's 20. At this resolution and budget, look at the outputs: is
#    the content (shape and position) still the input's?
# 4. Train SEGAN with `lambda_mi` 1 instead of 3 on seeds 0, 1 and 2. Does it keep the input's
#    shape (content IoU) and still add styles per input and shared code meaning? Which
#    weight would you choose, and by which measure?
#
# ## Summary
#
# - An unpaired one-sided translator ignores its code for the same reason as a paired one:
#   nothing in its loss rewards using it. The MI term of Section 3.2 works unchanged.
# - Because $T$ never sees the input, the easiest code for it to read is one that means the same
#   style for every input; the generator, helping $T$, learns such codes. Consistency above its
#   chance level measures this; consistency alone would reward collapse.
# - On `shapes_season` the term added styles per input on 12 of 13 runs and lowered the
#   style-classifier FID on all 10 Intel runs (AMD's were not recorded), as in the paper's
#   Table 2 against its ablation. One run of 200 steps does not decide either claim, so
#   the page reports their spread and asserts what held on every run. At this budget the
#   term also costs content on every run: the
#   outputs keep the input's position, not its shape, and almost none is a valid domain-B
#   image. The paper's "without loss of quality" is not reproduced here, and a FID computed
#   on style features could not have shown it.
#
# **References.** SEGAN {cite}`zuo2020segan`: Secs. 3.3 and 4.7, Table 2, Fig. 6; GcGAN
# {cite}`fu2019gcgan`: geometry consistency (Eq. 3).
