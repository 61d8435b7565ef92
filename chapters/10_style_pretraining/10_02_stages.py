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
# # 10.2 Stages 2 and 3: a generator on a frozen style space, then both
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/10_style_pretraining/10_02_stages.ipynb)
#
# **Learning goals**
#
# - write the objective of stages 2 and 3 (Eq. 2): a conditional LSGAN
#   loss and a reconstruction of $b$ from $G(a, E(b))$, nothing else;
# - say why a frozen, pre-trained $E$ gives the generator a reason to use
#   its code from the first step, where BicycleGAN's jointly trained
#   encoder starts silent;
# - measure style recovery (encode a target's style, decode it with another
#   input, read the style back with the oracle), coverage and diversity of
#   sampled codes, against BicycleGAN at the same number of generator steps;
# - read a convergence curve with the stage switch on it (Fig. 10) and a
#   training-time table measured on this machine (Table 6).

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
import pandas as pd
import torch
from IPython.display import display

import companion
from companion.data import load_dataset
from companion.methods.bicyclegan import BicycleGAN, BicycleGANConfig
from companion.methods.step import StEP, StEPConfig
from companion.methods.step_terms import cyclic_reconstruction
from companion.metrics import (
    mode_coverage,
    pairwise_diversity,
    pixel_l1,
    sample_translations,
    style_transfer,
    style_transfer_chance,
    styles_of_samples,
    transferred_styles,
)
from companion.quotes import quoted_table
from companion.train import fit
from companion.viz import diversity_panels, source_listing

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# Both methods train the cpu networks on shapes at every preset but smoke
# (the paper's edges2shoes run is `companion train step`'s job).
SMALL = "smoke" if PRESET == "smoke" else "cpu"
STAGE1, STAGE2, STAGE3 = {
    "smoke": (4, 4, 4),
    "cpu": (150, 100, 100),
    "gpu": (600, 400, 400),
}.get(PRESET, (150, 100, 100))
EVERY = {"smoke": 4, "cpu": 50, "gpu": 100}.get(PRESET, 50)
N_INPUTS, N_REFS, K = {"smoke": (4, 8, 4), "cpu": (24, 48, 16)}.get(
    PRESET, (64, 96, 16)
)
EXPECTED_S = {"smoke": 20, "cpu": 25}
step_cfg = StEPConfig.from_preset(SMALL).with_overrides(
    {"stage1_steps": STAGE1, "stage2_steps": STAGE2}
)
bicycle_cfg = BicycleGANConfig.from_preset(SMALL)
print(
    companion.run_header(
        PRESET,
        EXPECTED_S,
        stages=f"{STAGE1}+{STAGE2}+{STAGE3}",
        bicycle_steps=STAGE2 + STAGE3,
        seed=SEED,
    )
)

# %% [markdown]
# ## The objective of stages 2 and 3
#
# Stage 1 ({doc}`10_01_style_space`) left an encoder whose codes
# $z = E(b)$ put images of similar style close together. Stage 2 freezes it
# and trains the generator $G(a, z)$ and a conditional discriminator
# $D(a, b)$ on two terms only (Eq. 2):
#
# $$
# \begin{aligned}
# \hat b &= G\bigl(a, E(b)\bigr),\\
# \mathcal{L}_D &= \mathbb{E}\bigl[(D(a, b) - 1)^2\bigr]
#   + \mathbb{E}\bigl[D(a, \hat b)^2\bigr],\\
# \mathcal{L}_G &= \mathbb{E}\bigl[(D(a, \hat b) - 1)^2\bigr]
#   + \lambda_{\mathrm{rec}}\, \mathcal{L}_{\mathrm{rec}}(\hat b, b).
# \end{aligned}
# $$
#
# There is no KL term, no latent regression and no second cycle. Stage 3
# lets $E$ train with $G$ on the same $\mathcal{L}_G$, plus
# $\lambda_{L2} \frac{1}{D}\lVert z\rVert^2$ that keeps the codes near zero
# so that $\mathcal{N}(\mu, \sigma)$ of the training codes can be sampled
# (Sec. 3.2).
#
# **Why the frozen code gets used.** The reconstruction's gradient with
# respect to the code is
# $\partial \mathcal{L}_{\mathrm{rec}} / \partial z
# = \partial \mathcal{L}_{\mathrm{rec}} / \partial \hat b \cdot
# \partial G / \partial z$. With BicycleGAN's encoder at its start, $z$
# carries nearly nothing about $b$, so the best $G$ can do is the average
# target, whatever $z$ is: $G$ learns to ignore $z$, and then $E$ receives
# no gradient either (Chapter 2.2). With a pre-trained $E$, $z$ already
# tells the styles apart: $G$ lowers $\mathcal{L}_{\mathrm{rec}}$ only by
# reading it, and $E$ cannot drift towards silence, because it is frozen.
#
# The generator step, stage 2 and 3 in one function:

# %%
source_listing(StEP.generator_step)

# %% [markdown]
# ## Training both at the same budget
#
# StEP runs its three stages as one run of
# $S_1 + S_2 + S_3$ steps; BicycleGAN runs $S_2 + S_3$ steps, so both make
# the same number of generator updates with the same generator, batch and
# data (the `shapes` of 10.1: 8 colours times 2 textures, 16 styles, over
# a background of random hue). Stage 1 updates $E$ alone and is cheap; its
# cost is in the time table below.
#
# Every `EVERY` generator steps a callback measures, on test images:
#
# - **style recovery**: for inputs $a_i$ and references $b_j$, how often
#   the oracle reads $b_j$'s style in $G(a_i, E(b_j))$ (24 inputs, 48
#   references); its **chance** level is how often the outputs made with
#   $b_k$'s code show another reference $b_j$'s style;
# - **coverage**: distinct styles among $K = 16$ outputs of one input with
#   sampled codes (StEP: $\mathcal{N}(\mu, \sigma)$ of the codes of 256
#   test targets, refitted at each checkpoint; BicycleGAN: its prior
#   $\mathcal{N}(0, I)$);
# - **diversity**: the mean L1 distance between those outputs, pixels in
#   $[-1, 1]$.

# %%
KW = dict(resolution=32, textures=("flat", "stripes"), background="hue")
train = load_dataset("shapes", size=4096, seed=SEED, **KW)
test = load_dataset("shapes", split="test", size=600, seed=SEED, **KW)
a_in = torch.stack([test[i]["a"] for i in range(N_INPUTS)])
refs = test.batch(range(500, 500 + N_REFS))
b_fit = test.batch(range(100, 356))["b"]  # targets whose codes set N(mu, sigma)


@torch.no_grad()
def measure(model):
    """Style recovery, its chance level, coverage and diversity, on test data."""
    if isinstance(model, StEP):
        model.fit_code_distribution(b_fit)
    lent = transferred_styles(
        model.translate, model.encode, a_in, refs["b"], test.style_of
    )
    codes = model.sample_codes(K, generator=torch.Generator().manual_seed(SEED))
    samples = sample_translations(model, a_in, codes=codes)  # (N, K, 3, H, W)
    return {
        "recovery": style_transfer(lent, refs["factors"]["style"]),
        "chance": style_transfer_chance(lent, refs["factors"]["style"]),
        "coverage": mode_coverage(styles_of_samples(samples, test.style_of)),
        "diversity": pairwise_diversity(samples, pixel_l1).mean().item(),
    }


def train_with_checkpoints(model, total, first_g_step):
    """Train, measuring every EVERY steps; also time the steps between checks."""
    curve, seconds = {}, []
    if first_g_step == 0:  # BicycleGAN's G trains from step 0: measure its start too
        curve[0] = measure(model.eval())
        model.train()
    clock = {"t": time.perf_counter(), "step": 0}

    def callback(m, step):
        if step == clock["step"]:  # the end of the run, already measured
            return None
        seconds.append((clock["step"], step, time.perf_counter() - clock["t"]))
        if step >= first_g_step:
            curve[step - first_g_step] = measure(m)
        clock["t"], clock["step"] = time.perf_counter(), step
        return None

    fit(model, train, total, seed=SEED, log_every=0, eval_every=EVERY,
        callbacks=[callback])
    return curve, seconds


companion.seed_everything(SEED)
step_model = StEP(step_cfg)
step_curve, step_seconds = train_with_checkpoints(
    step_model, STAGE1 + STAGE2 + STAGE3, STAGE1
)
companion.seed_everything(SEED)
bicycle = BicycleGAN(bicycle_cfg)
bicycle_curve, bicycle_seconds = train_with_checkpoints(
    bicycle, STAGE2 + STAGE3, 0
)
print("G steps | StEP rec / chance / cover | BicycleGAN rec / chance / cover")
for g in sorted(step_curve):
    s, b = step_curve[g], bicycle_curve[g]
    print(f"{g:7d} | {s['recovery']:.2f} / {s['chance']:.2f} / "
          f"{s['coverage']:4.1f}       | {b['recovery']:.2f} / "
          f"{b['chance']:.2f} / {b['coverage']:4.1f}")

# %% [markdown]
# ## Convergence, with the stage switch (Fig. 10's analogue)
#
# The paper plots validation LPIPS of the reconstruction against training
# steps; we plot style recovery *above its chance level* (the share of
# outputs that show the reference's style, minus the share that show
# another reference's style) against generator steps. A method has
# "converged" here at the first check where it is at least `LEVEL` = 0.05
# above chance. The dashed line marks the switch from stage 2 (frozen $E$)
# to stage 3 (both train).

# %%
LEVEL = 0.05  # recovery this far above its chance level counts as "reached"


def steps_to(curve, level=LEVEL):
    """First checked generator step whose recovery exceeds chance by level."""
    hits = [
        g for g in sorted(curve)
        if curve[g]["recovery"] - curve[g]["chance"] >= level
    ]
    return hits[0] if hits else float("inf")


fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(6.5, 2.6))
for curve, label in ((step_curve, "StEP"), (bicycle_curve, "BicycleGAN")):
    g = sorted(curve)
    ax1.plot(g, [curve[s]["recovery"] - curve[s]["chance"] for s in g], "o-",
             label=label)
    ax2.plot(g, [curve[s]["coverage"] for s in g], "o-", label=label)
ax1.axhline(LEVEL, ls=":", color="grey", label=f"LEVEL {LEVEL}")
ax1.axhline(0.0, color="grey", lw=0.5)
for ax, name in ((ax1, "recovery minus chance"),
                 (ax2, f"styles among {K} samples")):
    ax.axvline(STAGE2, ls="--", color="k", lw=0.8)
    ax.set_xlabel("generator steps")
    ax.set_title(name, fontsize=10)
ax1.legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# On seeds 2 and 1 the left panel shows StEP above its chance level by
# `LEVEL` already in stage 2 (at 50 and 100 generator steps); on seed 0 it
# is at chance at the end of stage 2 and only in stage 3 climbs to +0.12
# at 200 steps. BicycleGAN stays at its chance level at most checks: it is
# above `LEVEL` once, at 150 steps on seed 1 (+0.09), and falls back to
# +0.01 at 200 steps. The right panel tells a different story: both
# methods' sampled codes reach 2.7 to 5.4 styles per input by 200 steps,
# and neither is ahead on all three seeds. So BicycleGAN's codes do change
# the output; what they do not do yet is carry the style of the image
# they were encoded from. The paper's spike at the stage switch would need
# a check soon after it; ours are 50 steps apart, and the curves are
# noisy at the 0.02 level.
#
# ## What the codes do
#
# Each row is one input (first column); StEP's columns use six codes drawn
# from $\mathcal{N}(\mu, \sigma)$ of its training codes, BicycleGAN's six
# codes from its prior. StEP's codes mostly change the colour of the
# shape and leave the background alike; BicycleGAN's also recolour the
# background and the whole image, with grid artefacts. This is why its
# L1 diversity below is higher, although its codes transfer no style.

# %%
shown = {"StEP": step_model, "BicycleGAN": bicycle}
codes = {  # each model's six codes from its own distribution
    label: model.sample_codes(6, generator=torch.Generator().manual_seed(1))
    for label, model in shown.items()
}
diversity_panels(shown, a_in[:4], codes=codes)
plt.show()

# %% [markdown]
# ## Training time (Table 6's analogue)
#
# The paper's Table 6 gives seconds per 1000 training images at batch 8,
# measured on hardware it does not name:

# %%
display(quoted_table("seed004", "Table 6").frame())


# %% [markdown]
# Our steps are timed during the runs above (batch 16, on this machine,
# minus the time of the checks). Stages 2 and 3 here run "Ours v4" plus
# the L2 term in stage 3 (a GAN loss and a reconstruction); our baseline
# has BicycleGAN's own objective without the cross-cycle, which is the
# paper's "Bicycle v1": at batch 8 the paper gives 63.96 s against
# 93.11 s per kimg (1.46 times), and 155.72 s for the cross-cycle
# "Bicycle v2". One StEP step in stage 2 runs $E$ without gradient, $G$
# and $D$ once; BicycleGAN's runs $E$ and $G$ twice (the cVAE and the cLR
# cycle) and $D$ on two fakes.


# %%
def per_step(seconds, start, end):
    """Mean seconds per step over the timed intervals inside [start, end).

    The run's first interval also holds fit's start-up; it is left out when
    the stage has other intervals.
    """
    inside = [(b - a, s) for a, b, s in seconds if start <= a and b <= end]
    if len(inside) > 1 and start == 0:
        inside = inside[1:]
    return sum(s for _, s in inside) / max(1, sum(n for n, _ in inside))


timing = {
    "StEP stage 1 (E alone)": per_step(step_seconds, 0, STAGE1),
    "StEP stage 2 (G, D)": per_step(step_seconds, STAGE1, STAGE1 + STAGE2),
    "StEP stage 3 (G, E, D)": per_step(
        step_seconds, STAGE1 + STAGE2, STAGE1 + STAGE2 + STAGE3
    ),
    "BicycleGAN": per_step(bicycle_seconds, 0, STAGE2 + STAGE3),
}
batch = step_cfg.batch_size
table = pd.DataFrame(
    {
        "ms / step": {k: 1000 * v for k, v in timing.items()},
        "s / kimg": {k: 1000 * v / batch for k, v in timing.items()},
    }
).round(1)
display(table)
ratio = timing["BicycleGAN"] / timing["StEP stage 3 (G, E, D)"]
print(f"BicycleGAN / StEP stage 3, time per step: {ratio:.2f}")

# %% [markdown]
# ## The terms StEP leaves out (Table 4's analogue)
#
# StEP's objective in stages 2 and 3 has two terms, and $\lambda_{L2}$ in
# stage 3. The paper's Table 4 reaches it from BicycleGAN's setups by
# removing terms one at a time. Its four versions of the approach differ
# in two terms that BicycleGAN has and StEP drops:
#
# - **random-code sampling** ("Ours v1" and "v2"): $D$ also judges
#   $G(a, z_{\mathrm{rand}})$, with $z_{\mathrm{rand}}$ the code of another
#   training image ("we sample a random training image, and use its style
#   code"), and $G$ is trained to fool it and to let $E$ read
#   $z_{\mathrm{rand}}$ back (`z_recon`, the latent regression of
#   Chapter 4.3);
# - **cyclic reconstruction** ("Ours v1"): codes swapped between two pairs
#   must give back each target after a second pass through $E$ and $G$.
#
# "Ours v3" is this page's StEP; "Ours v4" drops the L2 term too, leaving
# "just a GAN loss and a reconstruction loss". Both extra terms are
# switches of the `step` method (`random_z`, `cross_cycle`):

# %%
source_listing(cyclic_reconstruction)

# %% [markdown]
# The paper's reading of Table 4 (edges2handbags, three runs per row):
# "We also observe that our approach generally performs better with less
# constraints (loss terms)."

# %%
table4 = quoted_table("seed004", "Table 4").frame()
display(table4.loc[[f"Ours v{i}" for i in range(1, 5)],
                   ["cyc_recon", "D_rand_z", "z_recon", "z_L2", "PSNR ↑",
                    "LPIPS ↓"]])

# %% [markdown]
# `benchmarks/step_ablations.py` trains the four rows on this page's data
# and schedule (150 + 100 + 100 steps, the `cpu` preset) and measures,
# after stage 3: the style gain of this page (recovery above chance), the
# reconstruction error $\lvert G(a, E(b)) - b\rvert$ on 256 test pairs
# (the analogue of the paper's PSNR, lower is better), the styles among
# 16 sampled codes per input, and the CPU milliseconds per training image
# in stages 2 and 3 (App. A.6's time per 1000 images, divided by 1000).
# Seeds 0 to 4 on this machine's kind of CPU (Intel Xeon, AVX-512):
#
# | row | style gain, seeds 0/1/2/3/4 | L1 | styles | ms / image |
# |---|---|---|---|---|
# | Ours v1 | 0.00/0.00/0.07/-0.04/0.07 | 0.194/0.239/0.179/0.212/0.199 | 1.0/1.0/4.0/1.8/3.7 | 6.93-8.04 |
# | Ours v2 | 0.05/0.05/0.02/0.00/0.04 | 0.235/0.191/0.165/0.208/0.203 | 2.0/2.6/3.2/1.0/3.0 | 4.48-4.80 |
# | Ours v3 | 0.12/0.07/0.13/0.05/0.06 | 0.167/0.167/0.158/0.160/0.163 | 4.0/3.0/5.4/3.5/2.5 | 2.41-2.61 |
# | Ours v4 | 0.14/0.12/0.15/0.04/0.13 | 0.157/0.170/0.173/0.182/0.171 | 4.0/3.0/4.5/4.0/2.9 | 2.45-2.53 |
#
# The toy agrees with the paper's reading, and more sharply than Table 4,
# whose four rows have the same PSNR within their spread (its LPIPS falls
# from v1 to v3). Here the mean style gain rises with each term taken
# away (0.02, 0.03, 0.09 and 0.12 for v1 to v4). Per seed: v4's gain is
# above v1's and v2's on all five seeds, v3's on four (seed 4: 0.065
# against v1's 0.068); v3's reconstruction error is below v1's and v2's on
# all five. Dropping the L2 term (v3 to v4) raises the gain on four seeds
# of five, and dropping cyclic reconstruction (v1 to v2) on three. The
# random codes cost StEP most of what its pre-trained codes give it: v1
# and v2 come close to BicycleGAN's level in the table above. Why was not
# measured here. The time per image falls with each term as in Table 6
# (145.50, 98.55, 64.92 and 63.96 s per kimg for v1 to v4 there), by a
# larger factor (v1 about three times v4 here, 2.3 there): random codes
# add a second generator pass and a second fake batch for $D$, cyclic
# reconstruction two generator passes and one encoder pass, while the L2
# term costs nothing. These numbers come from the benchmark, not from
# this page's run, so the page does not assert them;
# `python benchmarks/step_ablations.py` reproduces them.

# %% [markdown]
# ## Checks
#
# One run of this page is one draw: 200 generator steps of a toy GAN land
# far apart on another seed, and on another kind of CPU as far as on
# another seed. The page was run on seeds 0 to 9 on two kinds of CPU
# (`benchmarks/notebook_seeds.py`), after 200 generator steps each. Gain
# is recovery minus its chance level; "first" is the first check at
# `LEVEL` above chance (never: not within 200 steps); diversity is L1.
# Intel Xeon with AVX-512 (the kind that builds this site):
#
# | seed | StEP gain | BicycleGAN gain | first, StEP / BicycleGAN | coverage, StEP / BicycleGAN | diversity, StEP / BicycleGAN |
# |---|---|---|---|---|---|
# | 0 | +0.12 | +0.00 | 200 / never | 4.0 / 3.6 | 0.130 / 0.258 |
# | 1 | +0.06 | +0.01 | 100 / 150 | 3.0 / 3.8 | 0.147 / 0.234 |
# | 2 | +0.14 | +0.00 | 50 / never | 5.4 / 2.7 | 0.159 / 0.403 |
# | 3 | +0.04 | +0.00 | never / never | 3.5 / 2.5 | 0.124 / 0.113 |
# | 4 | +0.06 | +0.04 | 50 / 150 | 2.5 / 3.5 | 0.103 / 0.165 |
# | 5 | +0.06 | +0.03 | 100 / never | 3.2 / 3.0 | 0.104 / 0.153 |
# | 6 | +0.01 | -0.01 | never / never | 1.8 / 3.0 | 0.114 / 0.088 |
# | 7 | +0.03 | +0.03 | never / never | 1.0 / 3.0 | 0.112 / 0.174 |
# | 8 | +0.04 | +0.00 | never / never | 3.7 / 2.9 | 0.102 / 0.144 |
# | 9 | +0.10 | +0.00 | 150 / never | 3.0 / 3.5 | 0.097 / 0.422 |
#
# AMD with AVX-512:
#
# | seed | StEP gain | BicycleGAN gain | first, StEP / BicycleGAN | coverage, StEP / BicycleGAN | diversity, StEP / BicycleGAN |
# |---|---|---|---|---|---|
# | 0 | +0.04 | +0.06 | 100 / 200 | 4.0 / 4.0 | 0.142 / 0.134 |
# | 1 | +0.16 | +0.02 | 50 / never | 4.0 / 3.0 | 0.175 / 0.341 |
# | 2 | +0.21 | +0.00 | 50 / never | 6.9 / 2.8 | 0.169 / 0.446 |
# | 3 | +0.00 | +0.01 | never / never | 1.8 / 3.8 | 0.128 / 0.222 |
# | 4 | +0.08 | +0.00 | 150 / never | 3.0 / 2.2 | 0.082 / 0.317 |
# | 5 | +0.17 | +0.05 | 100 / never | 5.0 / 2.8 | 0.146 / 0.187 |
# | 6 | +0.14 | -0.04 | 150 / never | 3.0 / 3.0 | 0.120 / 0.146 |
# | 7 | +0.07 | +0.02 | 200 / never | 1.8 / 3.0 | 0.125 / 0.173 |
# | 8 | +0.06 | -0.05 | 50 / never | 5.6 / 3.0 | 0.117 / 0.150 |
# | 9 | +0.16 | +0.02 | 100 / never | 4.0 / 3.9 | 0.126 / 0.280 |
#
# The page was first calibrated on seeds 0 to 2, and four of its six
# checks failed on later seeds; a fifth, asserted from the Intel runs
# (BicycleGAN's gain at most 0.06), failed on the AMD kind's seed 0
# (+0.062). What held on **every** one of the 20 runs, asserted with a
# margin:
#
# - StEP is never clearly behind: its gain is at least BicycleGAN's minus
#   0.03 (the smallest difference was -0.024, AMD seed 0).
#
# What held on most runs, reported and not asserted:
#
# - BicycleGAN's codes do not carry the reference's style: its gain is at
#   most 0.06 on 19 of 20 runs (-0.05 to +0.05; AMD seed 0: +0.062);
# - StEP's gain is above BicycleGAN's on 17 of 20 runs (a tie on Intel
#   seed 7; below on AMD seeds 0 and 3) and at least 0.04 on 16;
# - StEP reaches `LEVEL` at an earlier check on 15 of 20 runs; on the
#   other 5 neither method reaches it within 200 steps;
# - both methods' sampled codes give at least 2 styles per input on 16 of
#   20 runs (StEP 1.8 or 1.0 on the others);
# - BicycleGAN's L1 diversity is higher on 17 of 20 runs.
#
# At the `gpu` preset (600 + 400 + 400 steps) BicycleGAN's codes do
# carry style (seed 0, run once on a CPU: gain +0.16, StEP's +0.45); the
# asserted check holds at both presets.
#
# So at this budget the paper's faster convergence shows as a tendency,
# strongest on seeds 0, 2 and 9, not as a result every run reproduces.
# Timing is printed, not asserted: over two runs of each of seeds 0 to 2
# a stage-2 step took 20.5 to 21.9 ms and a BicycleGAN step 33.0 to
# 37.0 ms (ratio 1.58 to 1.75); with other jobs on the shared cores one
# run of this page took 463 s instead of 25 s.

# %%
final = max(step_curve)
s_end, b_end = step_curve[final], bicycle_curve[final]
for name, end, curve in (("StEP", s_end, step_curve),
                         ("BicycleGAN", b_end, bicycle_curve)):
    print(f"{name}: recovery {end['recovery']:.2f} "
          f"(chance {end['chance']:.2f}), coverage {end['coverage']:.1f},\n"
          f"  diversity {end['diversity']:.3f}, "
          f"first check at +{LEVEL}: {steps_to(curve)}")
stage2_ratio = timing["BicycleGAN"] / timing["StEP stage 2 (G, D)"]
print(f"BicycleGAN / StEP stage 2, time per step: {stage2_ratio:.2f}")
s_gain = s_end["recovery"] - s_end["chance"]
b_gain = b_end["recovery"] - b_end["chance"]
print(f"gain above chance: StEP {s_gain:+.3f}, BicycleGAN {b_gain:+.3f}")
if PRESET == "cpu":  # reported: at most 0.06 on 19 of 20 runs (at gpu it learns)
    print(f"BicycleGAN's gain at most 0.06: {b_gain <= 0.06}")
if PRESET != "smoke":  # gpu, seed 0 (run on a CPU): StEP +0.451, BicycleGAN +0.159
    assert s_gain >= b_gain - 0.03, (s_gain, b_gain)  # 20 runs: >= -0.024

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# - **Data and size**: 32x32 `shapes` with 16 styles, whose style the
#   oracle reads exactly, instead of 256x256 edges2handbags; 150 + 100 +
#   100 steps at batch 16 instead of 250 and 700 kimg.
# - **Measure of convergence**: style recovery read by the oracle, not
#   validation LPIPS of the reconstruction (Fig. 10): LPIPS needs ImageNet
#   weights, and on shapes the style is what the code should carry.
# - **Losses and networks**: L1 reconstruction (weight 10) instead of the
#   VGG perceptual loss, random-convolution Grams in stage 1, the chapter-2
#   U-Net with $z$ at its input, one PatchGAN scale. The baseline is
#   chapter 2's BicycleGAN (cVAE-GAN + cLR-GAN with KL, no cross-cycle)
#   on the same generator and encoder as StEP, i.e. the paper's
#   "Bicycle v1", not "Bicycle v0" (the BicycleGAN authors' own code and
#   networks) nor the cross-cycle "Bicycle v2". It keeps chapter 2's cpu
#   encoder start (gain 1, log-variance bias -4), which helps BicycleGAN.
#   StEP's encoder starts at the same gain 1 (chosen for stage 1, see
#   10.1). Without that fix (the released code's gain 0.02 and
#   log-variance bias 0) BicycleGAN collapses as in Chapter 2:
#   `benchmarks/bicycle_encoder_start.py`, seeds 0-9, measured a recovery
#   gain of 0.000 (largest) and 1.0 to 2.6 styles per input (mean 1.3),
#   against StEP's +0.01 to +0.14 above. StEP is ahead of that baseline on
#   every seed; the page compares with the stronger, fixed one.
# - **Timing**: milliseconds per step on this machine's CPU cores, not
#   seconds per kimg on a GPU; shared cores make single timings noisy.
# - **Table 4's extra terms**: $z_{\mathrm{rand}}$ is the code of the next
#   target in the batch (the paper: "a random training image ... its style
#   code"; the StEP code draws $\mathcal{N}(0, I)$ instead); `z_recon` is
#   L1 at the StEP code's weight 10 and reaches $G$ only, in $G$'s own
#   step (the code gives it a separate Adam at lr 1e-4); cyclic
#   reconstruction pairs each target with the next one in the batch. Only
#   the four "Ours" rows were run, not the "Bicycle" rows.
# ```
#
# ## Summary
#
# With its style space learned first, the generator of stages 2 and 3
# needs only a GAN loss and a reconstruction. At 200 generator steps on
# shapes its codes carry the reference's style on most seeds (0.04 to
# 0.14 above chance on 8 of 10), where BicycleGAN's stay within 0.04 of
# chance on all ten; the advantage is a tendency at this budget, not a
# result every seed shows. On an unloaded
# machine a stage-2 step cost about 0.6 of a BicycleGAN step.
# BicycleGAN's sampled outputs are as varied in style and more varied in
# pixels; at this budget its codes vary the output without encoding the
# style of an image.
