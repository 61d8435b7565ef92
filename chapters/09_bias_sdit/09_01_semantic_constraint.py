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
# # 9.1 Bias in, bias out: UDIT's semantic constraint
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/09_bias_sdit/09_01_semantic_constraint.ipynb)
#
# A translator learns what to change from the difference between its two training sets. If
# the sets also differ in something that should stay (the thesis' example: a no-makeup set
# that is 95% male and a makeup set that is all female), the translator changes that too.
# Here the bias is built into the data with a known strength, the leakage is read exactly by
# an oracle, and UDIT's semantic constraint is trained against it.
#
# **You will learn**
# - how an unpaired translator inherits a bias of its target set, measured exactly;
# - UDIT's semantic constraint $\lVert h(G(a, z)) - h(a)\rVert$ with a frozen extractor $h$,
#   and which networks its gradient reaches;
# - how the extractor's 1x1xD bottleneck trades what $h$ knows about the property to keep
#   against what it knows about the change we want.

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
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

import companion
from companion.data import (
    PALETTES,
    ShapesDataset,
    biased,
    dataset_facts,
    load_dataset,
    style_of,
)
from companion.methods.segan import SEGAN, SEGANConfig
from companion.methods.udit import (
    SemanticConstraint,
    SemanticExtractor,
    train_extractor,
)
from companion.metrics import (
    background_hue,
    bias_strength,
    content_iou,
    flip_rate,
    hue_bins,
    probe_accuracy,
)
from companion.quotes import quoted_table
from companion.train import fit
from companion.viz import grid, show, source_listing

PRESET = companion.preset()
if PRESET == "paper":
    raise SystemExit(
        "The thesis' biased sets (Biased makeup, MORPH, Cityscapes -> Synthia, "
        "Biased handbags) are not public: run this page at smoke, cpu or gpu."
    )
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
STEPS = {"smoke": 10, "cpu": 200, "gpu": 1_000}[PRESET]
H_STEPS = {"smoke": 20, "cpu": 800, "gpu": 2_000}[PRESET]
N_INPUTS = {"smoke": 16, "cpu": 64, "gpu": 200}[PRESET]
# biased(): share of samples whose hue is redrawn in their domain's half
STRENGTH = 0.9
LAMBDA_U, D_REDUCED = 3.0, 2
HUE_BINS = 6  # the extractor classifies the background hue into six bins
EXPECTED_S = {"smoke": 15, "cpu": 70}
cfg = SEGANConfig.from_preset("smoke" if PRESET == "smoke" else "cpu")
cfg = cfg.for_dataset(dataset_facts("shapes_season"))
cfg = cfg.with_overrides({"lambda_mi": 0.0, "batch_size": 16})
print(
    companion.run_header(
        PRESET,
        EXPECTED_S,
        steps=STEPS,
        bias=STRENGTH,
        lambda_U=LAMBDA_U,
        D=D_REDUCED,
    )
)

# %% [markdown]
# ## A biased pair of domains
#
# `shapes_season` translates warm shapes (domain $\mathcal A$) into cool ones ($\mathcal B$):
# the wanted change $w$ is the foreground colour. The background hue $u$ should stay: it
# belongs to the input, not to the domain. `biased` ties it to the domain: with probability
# 0.9 a sample's hue is redrawn in its domain's half of the hue circle ($[0, 0.5)$ for
# $\mathcal A$, $[0.5, 1)$ for $\mathcal B$). The other 10% keep a uniform hue, so about 95%
# of each domain sits in its own half: the situation of Fig. 5.2(c), misaligned unpaired
# sets. `bias_strength` measures the tie on `biased`'s own scale (0: none, 1: total).

# %%
data = biased(
    load_dataset("shapes_season", seed=SEED), "background_hue", STRENGTH, SEED
)
test = biased(
    load_dataset("shapes_season", split="test", seed=SEED),
    "background_hue",
    STRENGTH,
    SEED,
)
sample = data.batch(range(2000))["factors"]
hues = torch.cat(
    [sample["a"]["background_hue"], sample["b"]["background_hue"]]
)
domains = torch.cat([torch.zeros(2000), torch.ones(2000)]).long()
print(f"measured bias strength: {bias_strength(hues, domains, 2):.3f}")
show_batch = data.batch(range(8))
show(
    grid([show_batch["a"], show_batch["b"]]), "top: domain A; bottom: domain B"
)
plt.show()

# %% [markdown]
# ## The semantic constraint
#
# UDIT (thesis Sec. 5.3) adds one term to the generator's loss. With a frozen extractor $h$
# of the property $u$ to keep,
#
# $$
# \begin{aligned}
# \mathcal L_{\mathcal U} &= \mathbb E_{a, z}\,
#   \big\lVert h(G(a, z)) - h(a) \big\rVert_1, \\
# \mathcal L_G &= \mathcal L_G^{\text{base}} + \lambda_{\mathcal U}\,\mathcal L_{\mathcal U}.
# \end{aligned}
# $$
#
# $h(a)$ is a target (no gradient); the gradient of $h(G(a, z))$ passes *through* $h$ into
# $G$ and never changes $h$. The thesis leaves the norm open; we take L1, the mean absolute
# difference over all feature elements. In the released UDIT code this loss is defined but
# never called; here it is a generator term that any translator of the book adds to its
# G step, and a test checks that its gradient reaches $G$ and not $h$:

# %%
source_listing(SemanticConstraint.forward)

# %% [markdown]
# The extractor (Sec. 5.5.1): a classifier of $u$ trained on an *external* set where $u$
# varies independently of the wanted change, with a 1x1 convolution down to $D$ channels
# inserted before its head; that layer's output is $h(x)$. Ours classifies the background
# hue into six bins on shapes of all eight palettes. The bottleneck matters because
# everything $h$ encodes is pinned by the constraint: an $h$ that also knew the foreground
# colour would forbid the very change we train for. We sweep $D$ and measure two things on
# held-out images: the hue accuracy (what $h$ should know) and a linear probe's accuracy at
# reading the foreground palette from $h(x)$ (what it should not; chance is 1/8).

# %%
external = ShapesDataset(size=2000, seed=1000 + SEED, split="val").batch(
    range(2000)
)
hue_labels = hue_bins(external["factors"]["background_hue"], HUE_BINS)
x_fit, y_fit = external["b"][:1500], hue_labels[:1500]
x_val, y_val = external["b"][1500:], hue_labels[1500:]
palette_val = external["factors"]["palette"][1500:]


def extractor(d, steps=H_STEPS):
    torch.manual_seed(SEED)
    h = SemanticExtractor(HUE_BINS, d, widths=(8, 16))
    return train_extractor(
        h, x_fit, y_fit, steps=steps, batch_size=32, seed=SEED
    )


sweep = {}
with warnings.catch_warnings():
    # the probe's solver warns on wide features
    warnings.simplefilter("ignore")
    for d in (1, D_REDUCED, 8, None):
        h = extractor(d, H_STEPS // 2)
        with torch.no_grad():
            acc = (h(x_val).argmax(1) == y_val).float().mean().item()
            feats = h.features(x_val).flatten(1)
        sweep["none (16)" if d is None else str(d)] = {
            "hue accuracy": acc,
            "palette probe": probe_accuracy(feats, palette_val, seed=SEED),
        }
pd.DataFrame(sweep).round(2)  # columns: D

# %% [markdown]
# The thesis' Table 5.5 for comparison: accuracy of its extractors' classifiers by $D$ (it
# picks 16 for scene daytime, 8 for colour, 32 for texture). It does not measure what else
# $h$ knows; the palette probe above is our addition.

# %%
table = quoted_table("seed003", "Table 5.5")
print(table.heading())
table.frame()

# %% [markdown]
# ## Training with and without the constraint
#
# The translator is the book's unpaired one from Section 3.3: a U-Net $G(a, z)$ against a
# PatchGAN on domain-$\mathcal B$ images, with GcGAN's rotation consistency keeping the
# shape. Its MI term is off, to fit the budget. Three runs: no constraint (the MUNIT-like
# baseline, $\lambda_{\mathcal U} = 0$), the reduced extractor ($D = 2$), and the naive one
# without bottleneck (the trunk's 16 channels), both with $\lambda_{\mathcal U} = 3$.


# %%
def train(h=None):
    companion.seed_everything(SEED)
    terms = [] if h is None else [SemanticConstraint(h, LAMBDA_U)]
    model = SEGAN(cfg, terms=terms)
    fit(model, data, STEPS, seed=SEED, log_every=max(STEPS // 10, 1))
    return model.eval()


models = {
    "no constraint": train(),
    f"reduced (D = {D_REDUCED})": train(extractor(D_REDUCED)),
    "naive (no bottleneck)": train(extractor(None)),
}

# %% [markdown]
# ## Measured
#
# On test inputs of domain $\mathcal A$ whose hue lies in $\mathcal A$'s half (the group
# that domain $\mathcal B$ barely has, like the male faces of the makeup example), four
# codes each:
# - **flip rate**: the share of outputs whose background hue moved to the other half, read
#   exactly from the border pixels (the thesis' misclassification rate, with an oracle in
#   place of a trained classifier). Lower is better;
# - **wanted change**: the share of outputs whose foreground reads as one of $\mathcal B$'s
#   cool palettes (nearest of all eight palette colours). Higher is better;
# - **content IoU**: overlap of the output's foreground with the input's shape.

# %%
batch = test.batch(range(N_INPUTS))
u_in = hue_bins(batch["factors"]["a"]["background_hue"], 2)
keep = u_in == 0
index = np.arange(N_INPUTS)
sdf = test.domain_a.signed_distance(test.sample_factors(index)["a"])
masks = torch.from_numpy(sdf <= 0)[:, None]  # (N, 1, H, W): the inputs' shapes
cool = torch.tensor([2, 4, 5, 7])  # blue, magenta, cyan, white
results, outputs = {}, {}
for name, model in models.items():
    # the same codes for each model
    gen = torch.Generator().manual_seed(SEED + 3)
    with torch.no_grad():  # (N, 4, 3, H, W)
        outs = torch.stack(
            [model.translate(batch["a"], generator=gen) for _ in range(4)], 1
        )
    flat = outs.flatten(0, 1)  # (N * 4, 3, H, W)
    u_out = hue_bins(background_hue(flat), 2).view(N_INPUTS, 4)
    palette = style_of(flat, masks.repeat_interleave(4, 0), palettes=PALETTES)
    results[name] = {
        "flip rate": flip_rate(u_in[keep], u_out[keep]),
        "wanted change": torch.isin(palette, cool).float().mean().item(),
        "content IoU": content_iou(outs, masks),
    }
    outputs[name] = outs
pd.DataFrame(results).round(3)

# %%
rows = [batch["a"][:6]] + [outputs[name][:6, 0] for name in models]
show(grid(rows), "inputs; no constraint; reduced; naive")
plt.show()

# %% [markdown]
# What the three runs show: without the constraint nearly every background leaves
# $\mathcal A$'s half (the discriminator has seen almost no cool shape on such a
# background), although nothing in the input asked for it. Both constraints keep most
# backgrounds in their half. What else they do depends on the run (the table under Checks
# has 13): the thesis expects the naive extractor to block the wanted change, and here it
# did not (it kept the cool colours on 12 of 13 runs, and the shape on all 10 Intel runs,
# content IoU 0.66 or more). The narrow
# extractor is the one that blocked it: on 6 of 13 runs it kept the colour change on
# fewer than 75% of the outputs, and on 4 of the 10 Intel runs it also lost most of the
# shape (content IoU 0.20-0.45). One likely reason, not tested here: the two extractors'
# features differ in scale, so the same $\lambda_{\mathcal U}$ is a different weight for
# each. The bottleneck's effect on what $h$ knows shows clearly only in the probe above.
#
# ```{admonition} What differs from the paper, and why
# :class: note
# - Data: synthetic shapes at 32x32 with a bias of known strength, not Biased makeup,
#   MORPH, Cityscapes $\to$ Synthia or Biased handbags (not public). Flip rate is read by
#   an oracle instead of a trained gender / daytime classifier, so the metric cannot be
#   gamed by the constraint's own extractor (the thesis' daytime extractor and evaluator
#   share a recipe).
# - Translator: the book's one-sided GcGAN with a code (Section 3.3) at 200 steps, batch
#   16, MI term off, not MUNIT with pooling indices, which the package does not implement.
#   Its outputs barely vary with the code, so this page measures bias, not
#   diversity.
# - Extractor: a two-layer CNN trained here on 1,500 shapes, not VGG-Face or VGG16
#   (not downloadable offline); $\lambda_{\mathcal U} = 3$ (the thesis gives no value;
#   at 10 the outputs lost the input's shape on AMD seed 0: content IoU 0.37, against 0.77
#   at 3).
# ```
#
# ## Checks
#
# At 200 steps one run is one draw: another seed, or the same seed on another kind of CPU
# (whose vector kernels round differently), moves the numbers far. The check first
# required each constraint to remove at least 40% of the bias, from three seeds on an AMD
# EPYC machine; on an Intel Xeon (AVX-512) seed 0 the reduced extractor removed 39%
# (flip rate 0.606). Ten seeds there (`python benchmarks/notebook_seeds.py` reruns them;
# `benchmarks/results/notebook_seeds/` keeps what they printed) give, as flip rate /
# wanted change:
#
# | CPU, seed | no constraint | reduced ($D = 2$) | naive (no bottleneck) |
# |---|---|---|---|
# | AMD 0 | 1.00 / 1.00 | 0.21 / 0.77 | 0.42 / 0.92 |
# | AMD 1 | 1.00 / 1.00 | 0.00 / 0.23 | 0.12 / 1.00 |
# | AMD 2 | 1.00 / 0.92 | 0.00 / 0.93 | 0.02 / 1.00 |
# | Intel 0 | 1.00 / 1.00 | 0.61 / 0.77 | 0.20 / 0.91 |
# | Intel 1 | 0.92 / 1.00 | 0.00 / 0.27 | 0.06 / 1.00 |
# | Intel 2 | 0.98 / 0.88 | 0.00 / 0.90 | 0.05 / 1.00 |
# | Intel 3 | 1.00 / 1.00 | 0.53 / 0.00 | 0.08 / 1.00 |
# | Intel 4 | 1.00 / 1.00 | 0.00 / 0.31 | 0.00 / 1.00 |
# | Intel 5 | 1.00 / 1.00 | 0.36 / 0.75 | 0.61 / 0.75 |
# | Intel 6 | 0.95 / 0.99 | 0.00 / 0.17 | 0.07 / 1.00 |
# | Intel 7 | 1.00 / 1.00 | 0.67 / 0.80 | 0.02 / 1.00 |
# | Intel 8 | 1.00 / 1.00 | 0.02 / 0.79 | 0.01 / 0.00 |
# | Intel 9 | 1.00 / 1.00 | 0.10 / 0.00 | 0.02 / 1.00 |
#
# Content IoU on the Intel runs: no constraint 0.63-0.84, reduced 0.20-0.80, naive
# 0.66-0.85.
#
# The checks, from what held on all 13 runs: the baseline learned the bias (flip rate at
# least 0.8; measured 0.92-1.00, where a background hue drawn at random would flip half
# the time) and each constraint removes at least a fifth of it (flip rate at most 0.8 of
# the baseline's; the largest measured was 0.67). Most runs did far better (16 of the 26
# constrained runs flipped fewer than 10% of the backgrounds), but that is not what every
# run did, so it is not asserted. The wanted change and the content are not checked: they
# ranged from 0.00 to 1.00 and 0.20 to 0.85.

# %%
base = results["no constraint"]
for name, r in results.items():
    print(
        f"{name:>22}: flip rate {r['flip rate']:.3f}, "
        f"wanted change {r['wanted change']:.3f}, IoU {r['content IoU']:.3f}"
    )
if PRESET != "smoke":
    assert base["flip rate"] >= 0.8, base
    for name, r in results.items():
        if name != "no constraint":
            assert r["flip rate"] <= 0.8 * base["flip rate"], (name, r)

# %% [markdown]
# ## Summary
#
# - An unpaired translator copies whatever separates its two training sets, wanted or not:
#   a 90% tie between background and domain became a near-certain background change.
# - UDIT's constraint compares a frozen extractor's features of input and output; its
#   gradient moves only the generator, and it acts during training only.
# - The extractor decides what is kept: what it encodes beyond $u$ is pinned too, which is
#   why the thesis shrinks it to the smallest $D$ that still recognises $u$.
# - On the toy both constraints lowered the background flips on every one of 13 runs, by at
#   least a third. The thesis' reason for the bottleneck did not show: the narrow extractor,
#   not the naive one, blocked the wanted change (6 runs of 13). One run of 200 steps is a
#   single draw, so the page reports the spread and asserts only what held on every run.
#
# ## References
#
# - UDIT {cite}`wang2020udit`: Sec. 5.3 (Eq. 5.1-5.3, 5.8), Sec. 5.5.1 (the 1x1xD
#   extractor), Table 5.1 (biased sets), Table 5.5, Figs. 5.2, 5.5, 5.9.
# - GcGAN {cite}`fu2019gcgan`; SEGAN {cite}`zuo2020segan` (the translator of Section 3.3).
