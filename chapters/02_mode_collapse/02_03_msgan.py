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
# # 2.3 MSGAN: the mode-seeking regulariser
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/02_mode_collapse/02_03_msgan.ipynb)
#
# **Learning goals**
#
# - state MSGAN's regulariser (Eq. (3)-(4) of {cite}`mao2019msgan`): make
#   two outputs of the same input differ in proportion to the distance of
#   their codes, and how the package turns it into a loss,
#   $1 / (\text{ratio} + \epsilon)$;
# - explain why the *ratio* (not the plain distance) and why its reciprocal;
# - measure, on a toy with exactly 8 correct outputs per input, that an L1
#   term makes a noisy generator collapse to one output per input, that the
#   mode-seeking term undoes it, and that it needs a discriminator to put
#   the outputs *on* the modes.

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
import time

import matplotlib.pyplot as plt
import torch
from torch import nn

import companion
from companion.losses import d_lsgan, g_lsgan, mode_seeking_ratio, reconstruction_l1
from companion.viz import FIGURE_WIDTH, source_listing

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
torch.set_num_threads(1)  # tiny MLPs: one thread is as fast as two
# Training steps of each toy model (the toy is the same on every preset).
STEPS = {"smoke": 100, "cpu": 1_000, "gpu": 3_000, "paper": 3_000}[PRESET]
BATCH, HIDDEN, LR = 256, 64, 2e-3
LAMBDA_L1 = 10.0  # BicycleGAN Sec. 4 and the MSGAN code: lambda = 10
LAMBDA_MS = 1.0  # MSGAN code: weight 1 of the mode-seeking term
print(companion.run_header(PRESET, {"cpu": 40}, steps=STEPS, lambda_l1=LAMBDA_L1))

# %% [markdown]
# ## Mode collapse in a conditional generator
#
# A conditional generator $\hat b = G(a, z)$ gets a code $z \sim
# \mathcal{N}(0, I_D)$ so that one input $a$ can give many outputs. pix2pix
# with noise ({cite}`isola2017pix2pix`, Sec. 3.1; {cite}`zhu2017bicyclegan`,
# Sec. 3.1) learns to ignore it: each output must be close, in L1, to the
# *one* target $b$ paired with $a$, and the output that minimises
# $\mathbb{E}_{b \sim p(b \mid a)} \lVert b - \hat b \rVert_1$ is a single
# point (the conditional median), whatever $z$ is. The adversarial term
# objects only as far as it learns which outputs are over-represented for
# inputs like $a$, which a small discriminator trained alongside does poorly
# ({doc}`02_01_pix2pix_noise`; exercise 4 of {doc}`02_05_exercises`).
#
# MSGAN {cite}`mao2019msgan` looks at collapse from the side of $z$ (Sec. 3.1,
# Fig. 2): when a generator collapses, a large region of code space maps to
# (almost) one output, so two *different* codes $z_1, z_2$ give nearly the
# *same* image. That is a small value of
#
# $$
# r(a, z_1, z_2) = \frac{d_I\big(G(a, z_1),\, G(a, z_2)\big)}{d_z(z_1, z_2)},
# $$
#
# a finite-difference estimate of how fast $G$ moves with $z$ (a directional
# derivative when $z_2 \to z_1$). Mode-seeking GAN maximises it (Eq. (3)):
#
# $$\mathcal{L}_{\mathrm{ms}} = \max_G \;
#   \mathbb{E}_{a, z_1, z_2}\, r(a, z_1, z_2),$$
#
# added to the base model's objective with a weight (Eq. (4)):
#
# $$\mathcal{L}_{\mathrm{new}} = \mathcal{L}_{\mathrm{ori}}
#   + \lambda_{\mathrm{ms}}\, \mathcal{L}_{\mathrm{ms}}.$$
#
# Both distances are mean absolute differences (the released code), and the
# generator *minimises* $1 / (r + \epsilon)$ with $\epsilon = 10^{-5}$, which
# is the package's `mode_seeking_ratio`:

# %%
source_listing(mode_seeking_ratio)

# %% [markdown]
# ## Why a ratio, and why its reciprocal
#
# - **The plain distance** $d_I(G(a, z_1), G(a, z_2))$ would reward making
#   *every* pair of codes far apart, also two codes that are almost equal: the
#   cheapest way is a generator that jumps discontinuously in $z$, which
#   breaks interpolation and says nothing about covering the data. Dividing
#   by $d_z$ asks instead that *distant* codes give *distant* images: a lower
#   bound on the slope of $G$ in $z$, the quantity that is zero on a
#   collapsed region.
# - **The reciprocal** saturates. Its gradient in $r$ is
#   $-1 / (r + \epsilon)^2$: large when the outputs are nearly equal
#   (collapse), vanishing once they differ enough. Maximising $r$ itself
#   would push outputs apart at a constant rate forever and fight the
#   adversarial and L1 terms without end.
# - $\epsilon$ keeps the loss finite when $G$ ignores $z$ entirely ($r = 0$,
#   loss $10^5$), which is where training starts to feel the term.

# %%
r = torch.tensor([0.01, 0.1, 1.0, 10.0], requires_grad=True)
loss = (1 / (r + 1e-5)).sum()
(grad,) = torch.autograd.grad(loss, r)
for ri, gi in zip(r.tolist(), grad.tolist()):
    print(f"ratio {ri:6.2f}: d/dr [1 / (r + eps)] = {gi:12.4f}")

# %% [markdown]
# ## A toy with a known answer
#
# Input $a \sim \mathcal{U}([-1, 1]^2)$; its target is
# $b = a + (\cos\theta_k, \sin\theta_k)$ with $\theta_k = 2\pi k / 8$ and
# $k$ uniform on $\{0, \dots, 7\}$. Every input has **exactly 8 correct
# outputs**, and each training pair shows one of them. The L1 minimiser is
# the centre $a$ itself, which is *not* a correct output. A small MLP
# $G(a, z)$, $z \in \mathbb{R}^2$, is trained four ways:
#
# | model | loss of $G$ |
# |---|---|
# | L1 + noise | $\lambda_1 \mathcal{L}_1$ |
# | L1 + MS | $\lambda_1 \mathcal{L}_1 + \lambda_{\mathrm{ms}} / (r + \epsilon)$ |
# | pix2pix + noise | $\mathcal{L}_{\mathrm{GAN}} + \lambda_1 \mathcal{L}_1$ |
# | MSGAN | $\mathcal{L}_{\mathrm{GAN}} + \lambda_1 \mathcal{L}_1 + \lambda_{\mathrm{ms}} / (r + \epsilon)$ |
#
# with $\lambda_1 = 10$, $\lambda_{\mathrm{ms}} = 1$, a conditional
# discriminator $D(a, b)$ (an MLP on the concatenated pair) and the LSGAN
# losses of the package (the BicycleGAN and MSGAN code's choice).

# %%
N_MODES, RADIUS, Z_DIM = 8, 0.2, 2
ANGLES = torch.arange(N_MODES) * 2 * math.pi / N_MODES
OFFSETS = torch.stack([ANGLES.cos(), ANGLES.sin()], dim=1)  # (8, 2)


def sample_pairs(n, generator):
    """n pairs (a, b): a uniform in [-1, 1]^2, b = a + one of 8 offsets."""
    a = torch.rand(n, 2, generator=generator) * 2 - 1
    k = torch.randint(0, N_MODES, (n,), generator=generator)
    return a, a + OFFSETS[k]


def mlp(d_in, d_out):
    return nn.Sequential(
        nn.Linear(d_in, HIDDEN),
        nn.LeakyReLU(0.2),
        nn.Linear(HIDDEN, HIDDEN),
        nn.LeakyReLU(0.2),
        nn.Linear(HIDDEN, d_out),
    )


def train(use_gan, use_ms, seed, lambda_l1=LAMBDA_L1):
    """Train G (and D if use_gan) on fresh toy pairs; return G."""
    torch.manual_seed(seed)  # network initialisation
    gen = torch.Generator().manual_seed(seed)  # data and codes
    G, D = mlp(2 + Z_DIM, 2), mlp(4, 1)
    opt_g = torch.optim.Adam(G.parameters(), LR, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), LR, betas=(0.5, 0.999))
    n = BATCH
    for _ in range(STEPS):
        a, b = sample_pairs(n, gen)
        z = torch.randn(2 * n, Z_DIM, generator=gen)  # z_1 and z_2
        b_hat = G(torch.cat([a.repeat(2, 1), z], dim=1))  # (2N, 2)
        b_hat_1, b_hat_2 = b_hat[:n], b_hat[n:]
        if use_gan:  # D step: real pairs (a, b) against (a, G(a, z_1))
            pairs = torch.cat(
                [torch.cat([a, b], 1), torch.cat([a, b_hat_1.detach()], 1)]
            )
            logits = D(pairs)  # (2N, 1)
            loss_d = d_lsgan(logits[:n], logits[n:])
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        loss_g = lambda_l1 * reconstruction_l1(b_hat_1, b)
        if use_gan:
            loss_g = loss_g + g_lsgan(D(torch.cat([a, b_hat_1], 1)))
        if use_ms:  # MSGAN Eq. (4): minimise 1 / (d_I / d_z + eps)
            loss_g = loss_g + LAMBDA_MS * mode_seeking_ratio(
                b_hat_1, b_hat_2, z[:n], z[n:]
            )
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
    return G


# %% [markdown]
# **Counting modes.** For 64 fresh inputs, draw 64 codes each; an output
# *lands* on mode $k$ if it lies within 0.2 of $a + (\cos\theta_k,
# \sin\theta_k)$ (neighbouring modes are 0.77 apart). The **coverage** of an
# input is the number of distinct modes its 64 outputs land on (0 to 8); we
# also report the fraction of outputs that land on some mode (**on-mode**)
# and the mean L1 distance between two outputs of the same input
# (**spread**; 0 when $z$ is ignored).


# %%
def mode_statistics(G, seed, n_inputs=64, k=64):
    """Coverage (mean distinct modes per input), on-mode fraction, spread."""
    gen = torch.Generator().manual_seed(1_000 + seed)
    a = torch.rand(n_inputs, 2, generator=gen) * 2 - 1
    a_rep = a.repeat_interleave(k, 0)  # (M * K, 2)
    z = torch.randn(n_inputs * k, Z_DIM, generator=gen)
    with torch.no_grad():
        offset = G(torch.cat([a_rep, z], 1)) - a_rep  # (M * K, 2)
    dist = (offset[:, None, :] - OFFSETS[None]).norm(dim=2)  # (M * K, 8)
    d_min, nearest = dist.min(dim=1)
    on_mode = d_min < RADIUS
    hits = torch.zeros(n_inputs * k, N_MODES)
    hits[on_mode, nearest[on_mode]] = 1
    covered = hits.view(n_inputs, k, N_MODES).amax(1).sum(1)  # (M,)
    per_input = offset.view(n_inputs, k, 2)
    spread = (per_input[:, 0::2] - per_input[:, 1::2]).abs().mean()
    return {
        "coverage": covered.mean().item(),
        "on_mode": on_mode.float().mean().item(),
        "spread": spread.item(),
        "offsets": offset.view(n_inputs, k, 2),
    }


MODELS = {
    "L1 + noise": (False, False),
    "L1 + MS": (False, True),
    "pix2pix + noise": (True, False),
    "MSGAN": (True, True),
}
stats = {}
for name, (use_gan, use_ms) in MODELS.items():
    start = time.perf_counter()
    stats[name] = mode_statistics(train(use_gan, use_ms, SEED), SEED)
    s = stats[name]
    print(
        f"{name:16s} coverage {s['coverage']:.2f} / 8, on-mode "
        f"{s['on_mode']:.2f}, spread {s['spread']:.3f} "
        f"({time.perf_counter() - start:.1f} s)"
    )

# %% [markdown]
# Each panel shows the outputs of 16 inputs (64 codes each) relative to
# their input, $\hat b - a$; the red circles are the 8 correct offsets, with
# the radius (0.2) within which an output counts as landing on a mode.

# %%
fig, axes = plt.subplots(2, 2, figsize=(FIGURE_WIDTH, 6.6), sharex=True, sharey=True)
for ax, (name, s) in zip(axes.flat, stats.items()):
    pts = s["offsets"][:16].reshape(-1, 2)  # 16 inputs x 64 codes
    ax.scatter(pts[:, 0], pts[:, 1], s=3, alpha=0.4)
    for x, y in OFFSETS.tolist():
        ax.add_patch(plt.Circle((x, y), RADIUS, fill=False, color="C3"))
    ax.set_title(
        f"{name}\ncoverage {s['coverage']:.1f}, on-mode {s['on_mode']:.2f}", fontsize=9
    )
    ax.set_aspect("equal")
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
for ax in axes[1]:
    ax.set_xlabel(r"$\hat b - a$, first coordinate")
for ax in axes[:, 0]:
    ax.set_ylabel(r"$\hat b - a$, second coordinate")
plt.tight_layout()
plt.show()

# %% [markdown]
# What the panels show (their titles give this run's numbers; the table
# under **Checks** has five seeds):
#
# - **L1 + noise** puts every output on the centre: $z$ is ignored (spread
#   about 0) and no output is a correct target (coverage 0, on-mode 0). This
#   is the collapse of pix2pix with noise in its purest form.
# - **pix2pix + noise** is no better with $\lambda_1 = 10$: the
#   discriminator's push towards the modes loses against the L1 pull to the
#   median.
# - **L1 + MS** spreads the outputs (spread well above 0) but has nothing
#   that tells it *where* the data are: the outputs form a blob or a curve
#   that passes by some of the modes, so an input's 64 outputs touch 2 to
#   4 modes, and the share of outputs on a mode depends on where the
#   curve happens to pass (0.15 to 0.42 on five seeds).
# - **MSGAN** adds both: the discriminator says where the modes are and the
#   mode-seeking term forbids one output per input, so most inputs get 6-7
#   distinct correct outputs. But only about a third of its outputs land on
#   a mode (0.31 to 0.37 on five seeds), not clearly more than L1 + MS:
#   the discriminator raises *coverage*, and the mode-seeking term keeps
#   rewarding outputs that differ, on a mode or not. This is the price the
#   SEGAN paper {cite}`zuo2020segan` points at when it says MSGAN
#   "sometimes produces images with artifacts".
#
# The regulariser is one line in the package's pix2pix step: the same
# `training_step` draws a second code and adds the term when
# `lambda_ms > 0` (MSGAN is that method with `lambda_ms = 1`, see
# `companion.methods.msgan`). On images (`shapes`, with colour styles in
# place of the 8 modes) the chapter compares the methods at full scale.

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# - **Data and networks**: MSGAN's experiments translate images (facades, maps, ...) with
#   pix2pix's or DRIT's networks; this section uses a 2-D toy with eight known modes per input
#   and three-layer MLPs, so that modes are counted exactly and four models train in seconds.
#   Section 2.4 runs MSGAN on images.
# - **Same as the code**: mean absolute distances in the ratio, $\lambda_{\mathrm{ms}} = 1$,
#   $\lambda_1 = 10$, LSGAN losses; the discriminator here is an MLP on the pair $(a, b)$.
# ```
#
# ## Checks
#
# Measured on the `cpu` preset (1,000 steps) for five seeds on an Intel Xeon
# (AVX-512; `python benchmarks/notebook_seeds.py
# chapters/02_mode_collapse/02_03_msgan.py --seeds 0 1 2 3 4` reruns them):
#
# | seed | L1 + noise | L1 + MS (coverage, on-mode) | pix2pix + noise | MSGAN (coverage, on-mode) |
# |---|---|---|---|---|
# | 0 | 0.00 | 3.77, 0.15 | 0.00 | 6.31, 0.37 |
# | 1 | 0.00 | 2.48, 0.20 | 0.00 | 6.17, 0.36 |
# | 2 | 0.00 | 2.00, 0.37 | 0.00 | 7.02, 0.35 |
# | 3 | 0.00 | 3.97, 0.17 | 0.00 | 6.41, 0.31 |
# | 4 | 0.00 | 2.00, 0.42 | 0.00 | 6.52, 0.33 |
#
# The spread of the two collapsed models was 0.012-0.021, that of the two
# regularised ones 0.59-0.73. The thresholds below sit well inside these
# ranges: collapse means at most 1 of 8 modes per input and a spread under
# 0.05 (margins of 1 mode and 0.029); the regularised spreads must exceed 0.2
# (margin 0.39); MSGAN must cover at least 4.5 modes (margin 1.67), and at
# least 1.5 more than the same regulariser without a discriminator (the
# measured gaps are 2.54, 3.69, 5.02, 2.44 and 4.52: margin 0.94). An
# earlier table, measured on an AMD EPYC, gave seed 0 other numbers (L1 + MS
# 3.39, MSGAN 6.19): at this scale the kind of CPU moves a run as a new seed
# does.

# %%
cov = {name: s["coverage"] for name, s in stats.items()}
spread = {name: s["spread"] for name, s in stats.items()}
for name in stats:
    print(f"{name:>16}: coverage {cov[name]:.2f}, spread {spread[name]:.3f}")
if PRESET != "smoke":
    # 1. Without the regulariser the code is ignored: one output per input,
    #    at the L1 minimiser, which is not a correct target.
    assert cov["L1 + noise"] <= 1 and cov["pix2pix + noise"] <= 1
    assert spread["L1 + noise"] < 0.05 and spread["pix2pix + noise"] < 0.05
    # 2. The mode-seeking term makes G use z ...
    assert spread["L1 + MS"] > 0.2 and spread["MSGAN"] > 0.2
    # 3. ... and with a discriminator the outputs cover most modes.
    assert cov["MSGAN"] >= 4.5
    assert cov["MSGAN"] >= cov["L1 + MS"] + 1.5

# %% [markdown]
# ## Exercises
#
# 1. Set $\lambda_1 = 1$ instead of 10 in pix2pix + noise. Does the
#    generator still collapse? What does that say about *which* term causes
#    pix2pix's collapse?
# 2. Replace `mode_seeking_ratio` by the plain distance
#    $-d_I(G(a, z_1), G(a, z_2))$. What happens to the spread, and why?

# %% tags=["solution"]
# 1. With lambda_1 = 1 the discriminator wins the tug of war: in our runs the
#    same 1,000 steps gave a coverage of 7.4-7.8 of 8 (5 seeds) without
#    any regulariser.
#    In this 2-D toy, pix2pix's collapse is caused by the L1 weight. (On
#    images the collapse persists at small L1 weights too: there, the
#    generator can satisfy D with one plausible output per input, and
#    nothing in D's single-pair view asks for more.)
# 2. -d_I has a constant gradient however far apart the outputs are: the
#    spread grows until the L1 and adversarial terms balance it, far off
#    the modes if lambda_ms is large; 1 / (r + eps) stops pushing once the
#    outputs differ.
weak_l1 = mode_statistics(train(True, False, SEED, lambda_l1=1.0), SEED)
print(
    f"pix2pix + noise with lambda_1 = 1: coverage "
    f"{weak_l1['coverage']:.2f}, spread {weak_l1['spread']:.3f}"
)

# %% [markdown]
# ## Summary
#
# - MSGAN's term is $\lambda_{\mathrm{ms}} / (r + \epsilon)$ with
#   $r = d_I(G(a, z_1), G(a, z_2)) / d_z(z_1, z_2)$: small $r$ is the
#   signature of collapse (different codes, same output); the reciprocal
#   pushes hard there and fades once outputs differ.
# - On a toy with 8 correct outputs per input, L1 + noise and pix2pix +
#   noise ($\lambda_1 = 10$) give one output per input, at none of the
#   modes; the regulariser alone spreads outputs without finding the modes;
#   with the discriminator it covers 6-7 of 8, with about two outputs in
#   three still between the modes.
# - It costs one more generator pass per step and no network. On a GPU,
#   `COMPANION_PRESET=paper` (`MSGANConfig.paper()`) is pix2pix + noise on
#   facades with $\lambda_{\mathrm{ms}} = 1$, batch 1, as in the released
#   code.
#
# ## References
#
# - Mao et al. (2019), MSGAN {cite}`mao2019msgan`: Sec. 3.1, Fig. 2
#   (collapse seen from $z$), Eq. (3)-(4).
# - Zhu et al. (2017), BicycleGAN {cite}`zhu2017bicyclegan`: Sec. 3.1
#   (pix2pix + noise ignores $z$), Sec. 4 ($\lambda = 10$).
# - Isola et al. (2017), pix2pix {cite}`isola2017pix2pix`.
# - Seed paper 000, SEGAN {cite}`zuo2020segan`: the discussion of Fig. 3
#   (MSGAN's artifacts).
