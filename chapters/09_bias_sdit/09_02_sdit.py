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

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

import companion
from companion.data import DomainShapes
from companion.methods.sdit import SDIT, SDITConfig
from companion.metrics import content_iou
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
# exactly), and **content IoU** with the input's shape.

# %%
batch = test.batch(range(N_INPUTS))
x, masks = batch["x"], batch["mask"] > 0
gen = torch.Generator().manual_seed(SEED + 5)
rows = {}
for d in range(cfg.num_domains):
    outs = torch.stack(
        [sdit.translate(x, target=d, generator=gen) for _ in range(K)], 1
    )  # (N, K, 3, H, W)
    flat, flat_masks = outs.flatten(0, 1), masks.repeat_interleave(K, 0)
    textures = test.texture_of(flat, flat_masks).view(N_INPUTS, K)
    rows[f"to domain {d}"] = {
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
# The thesis' Table 6.3 (colour dataset, four colours): reverse classification accuracy and
# LPIPS for one model (SDIT, StarGAN, IcGAN) against six pairwise models (CycleGAN, MUNIT).

# %%
quoted = quoted_table("seed003", "Table 6.3")
print(quoted.heading())
quoted.frame()

# %% [markdown]
# What the run shows: every target domain is reached, but the input's shape only roughly:
# the outputs are blurred blobs at the input's place and size, with the corners of squares
# and triangles lost (content IoU 0.62-0.65 on seeds 0-2). And each input gets one texture
# whatever the code, in every domain. That is the partial mode
# collapse the thesis warns about (Sec. 6.3: "the latent code is ignored"), and at this
# budget $F_{\text{rec}}$'s latent regression did not prevent it. The diversity claim of
# Tables 6.1 and 6.3 is therefore not reproduced here, and not checked.
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
# - Reverse classification accuracy and LPIPS are replaced by the oracle's target accuracy
#   and textures per input, which are exact here.
# ```
#
# ## Checks
#
# Over seeds 0 to 2 the mean target accuracy was 1.00 on every seed, the textures per
# input 1.00 (of 2) on every seed and the content IoU 0.62 to 0.65. The check: one model reaches every domain, mean target accuracy at least
# 0.9. Per-domain diversity is not checked (see above).

# %%
mean = measured.mean()
print(mean.round(3).to_dict())
if PRESET != "smoke":
    assert mean["target accuracy"] >= 0.9, mean

# %% [markdown]
# ## Summary
#
# - Scalability and diversity are separate knobs: a label for the domain, a code for the
#   style within it, both in one generator.
# - One model gains under two thousand parameters per domain at this size; pairwise
#   diverse models multiply with $N(N-1)/2$.
# - An oracle checks each domain's accuracy and coverage directly; here it shows the
#   domains reached and the code ignored.
#
# ## References
#
# - SDIT {cite}`wang2019sdit` (thesis Ch. 6): Eq. 6.1-6.10, Sec. 6.4, Tables 6.1 and 6.3.
