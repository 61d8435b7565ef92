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
# # 6.3 Maximize or minimize?
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/06_min_mi/06_03_max_or_min.ipynb)
#
# Chapter 3 trained SEGAN {cite}`zuo2020segan` to *raise* the mutual information between a
# generator's code and its output. Sections 6.1 and 6.2 trained a translator to *lower* the
# mutual information between its noise and its output, as seed paper 002
# {cite}`anonymous2019onetomany` does. Written in the book's notation the two terms measure
# the same pair of variables, $Z$ and $\hat B$, with opposite signs. Both cannot be right
# for the same model; each is right for the failure its model is exposed to. This page sets
# them side by side and checks, on translators whose information content is known exactly,
# that the two objectives rank the same translators in opposite orders.
#
# **You will learn**
# - which variable each term measures, with which sign, and which failure each prevents;
# - why both moves act on one information budget, in opposite directions;
# - to check with the package's estimators that the max objective prefers the translator
#   that ignores its source and the min objective the one that ignores its noise.

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
import pandas as pd
import torch

import companion
from companion.mi import estimate, gaussian_mi

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# Critic training steps and pairs per translator, by preset (no paper run exists).
STEPS = {"smoke": 20, "cpu": 400, "gpu": 2000, "paper": 2000}[PRESET]
PAIRS = {"smoke": 1000, "cpu": 4000, "gpu": 20_000, "paper": 20_000}[PRESET]
D, RHO = 2, 0.9  # code size; correlation of the output with the input it follows
EXPECTED_S = {"smoke": 5, "cpu": 15}
print(companion.run_header(PRESET, EXPECTED_S, steps=STEPS, pairs=PAIRS, seed=SEED))

# %% [markdown]
# ## Two terms, one pair of variables
#
# In the book's notation a translator is $\hat b = G(a, z)$: a source image $a$ and a code
# $z \sim \mathcal N(0, I_D)$. Chapter 6 followed its paper and wrote $T(x, \xi)$ for the
# same thing: $x$ is $a$, $\xi$ is $z$, $T(X, \Xi)$ is $\hat B$.
#
# **SEGAN (Chapter 3, Eqs. 5-7).** A statistics network $T$ and the generator both climb the
# Jensen-Shannon bound $\hat I^{\mathrm{JSD}}(Z; \hat B)$; the generator's loss is
#
# $$
# \mathcal L_G = \mathcal L_{\mathrm{ori}} - \lambda_{\mathrm{MI}}\, \hat I^{\mathrm{JSD}}(Z; \hat B).
# $$
#
# **TI-GAN (Chapter 6, Eqs. 3-4).** A statistics network (Chapter 6 calls it $S$) climbs the
# Donsker-Varadhan bound $\hat I_{\mathrm{DV}}(Z; \hat B)$ and the translator descends it:
#
# $$
# \mathcal L_G = \mathcal L_{\mathrm{GAN}} + \lambda_{\mathrm{MI}}\, \hat I_{\mathrm{DV}}(Z; \hat B).
# $$
#
# | | SEGAN (Ch. 3) | TI-GAN (Ch. 6) |
# |---|---|---|
# | variables | code $Z$, output $\hat B$ | noise $Z$ ($\Xi$), output $\hat B$ ($T(X, \Xi)$) |
# | sign in $\mathcal L_G$ | $-\lambda_{\mathrm{MI}}$: maximize | $+\lambda_{\mathrm{MI}}$: minimize |
# | estimator | $I_{\mathrm{JSD}}$ (Section 3.1) | $I_{\mathrm{DV}}$ with MINE's average (Section 6.1) |
# | critic and generator | cooperate | compete (min-max) |
# | what ties $\hat b$ to $a$ otherwise | L1 to the paired $b$ (3.2), GcGAN's geometry loss (3.3) | nothing: a GAN on the law of $\hat B$ alone |
# | failure it prevents | $G$ ignores $z$: $\hat b = f(a)$, one output per input (Ch. 2) | $G$ ignores $a$: $\hat b = g(z)$, a random transfer (6.1) |
# | failure of a large weight | the code takes over the output and content suffers (3.3) | the noise is ignored, $\hat b$ deterministic (paper's Fig. 8) |
#
# The signs are opposite because the failures are. SEGAN's other losses already tie $\hat b$
# to $a$; what they leave free is the code, which pix2pix learns to ignore (Chapter 2). The
# one-to-many translator of Chapter 6 has nothing that ties $\hat b$ to $a$; what it can
# drift into is ignoring $a$ and painting from $z$. Seed paper 002 also offers a switch that
# maximizes $I(A; \hat B)$ instead (`mi_variant="max_source"` in `OneToManyConfig`): that
# is SEGAN's move again, applied to the input that should be meaningful, the source.
#
# **One budget, two directions.** For a deterministic $G$ and discrete variables,
# $H(\hat B \mid A, Z) = 0$, so the chain rule of Section 6.1 gives
#
# $$
# H(\hat B) = I(Z; \hat B) + I(A; \hat B \mid Z).
# $$
#
# The adversarial loss holds the law of $\hat B$, hence $H(\hat B)$, near the target's. Within
# that budget, raising $I(Z; \hat B)$ takes information from the source's share and lowering
# it gives information back. The end points are the two degenerate translators: $\hat b =
# f(a)$ has $I(Z; \hat B) = 0$, the worst translator for SEGAN's term and the best for
# TI-GAN's; $\hat b = g(z)$ has $I(Z; \hat B) = H(\hat B)$, the reverse. Neither term alone
# picks a good translator: the other losses and the weight $\lambda_{\mathrm{MI}}$ decide
# where between the end points the model sits.
#
# ## Translators whose answer is known
#
# We check this with translators whose outputs all have the *same* law, so that no
# discriminator can tell them apart, and whose mutual informations are known in closed form.
# Take $a, z, \varepsilon \sim \mathcal N(0, I_D)$, independent, with $D = 2$, and
#
# $$
# \hat b = \rho \cos\theta \; a + \rho \sin\theta \; z + \sqrt{1 - \rho^2}\; \varepsilon ,
# \qquad \rho = 0.9 .
# $$
#
# Every $\hat b \sim \mathcal N(0, I_D)$, whatever $\theta$. The pair $(Z, \hat B)$ is
# Gaussian with per-dimension correlation $\rho \sin \theta$, so (notation page)
# $I(Z; \hat B) = -\tfrac D2 \log(1 - \rho^2 \sin^2\theta)$, and likewise
# $I(A; \hat B) = -\tfrac D2 \log(1 - \rho^2 \cos^2\theta)$. The term $\varepsilon$ stands
# for detail that neither input fixes; without it a continuous $\hat b = g(z)$ would carry
# infinite information about $z$. Three translators:
#
# | translator | $\theta$ | $I(Z; \hat B)$ | $I(A; \hat B)$ |
# |---|---|---|---|
# | source only, $\hat b = f(a)$ plus detail | $0$ | $0$ | $1.661$ |
# | balanced | $\pi/4$ | $0.519$ | $0.519$ |
# | noise only, $\hat b = g(z)$ plus detail | $\pi/2$ | $1.661$ | $0$ |

# %%
THETA = {"source only": 0.0, "balanced": math.pi / 4, "noise only": math.pi / 2}


def translate(theta, a, z, eps):
    """Toy translator G(a, z): a, z, eps (N, D) -> b_hat (N, D), b_hat ~ N(0, I)."""
    mix = RHO * math.cos(theta) * a + RHO * math.sin(theta) * z
    return mix + math.sqrt(1 - RHO**2) * eps


def true_mi(theta):
    """Exact I(Z; B_hat) and I(A; B_hat) in nats."""
    return (
        gaussian_mi(RHO * math.sin(theta), D),
        gaussian_mi(RHO * math.cos(theta), D),
    )


gen = torch.Generator().manual_seed(SEED)
samples = {}
for name, theta in THETA.items():
    a, z, eps = torch.randn(3, PAIRS, D, generator=gen)
    samples[name] = (a, z, translate(theta, a, z, eps))
table = pd.DataFrame(
    {name: true_mi(theta) for name, theta in THETA.items()},
    index=["I(Z; B_hat)", "I(A; B_hat)"],
).T
print(table.round(3).to_string())

# %% [markdown]
# ## What each objective makes of them
#
# For each translator we estimate $I(Z; \hat B)$ twice with `companion.mi.estimate`: with
# SEGAN's estimator (a critic trained on the Jensen-Shannon bound, read out in nats through
# the NWJ bound, as in Section 3.1) and with TI-GAN's (the DV bound with MINE's moving
# average, as in Section 6.1). Each critic is fresh, trains for the steps in the header and
# is evaluated on held-out pairs. We also estimate $I(A; \hat B)$ with the DV bound: the
# information the output keeps about its source, which neither term measures directly.
#
# The MI term's share of the generator's loss is then $-\hat I^{\mathrm{JSD}}$ for SEGAN and
# $+\hat I_{\mathrm{DV}}$ for TI-GAN (per unit of $\lambda_{\mathrm{MI}}$). Lower is preferred.

# %%
estimates = {}
for k, (name, (a, z, b_hat)) in enumerate(samples.items()):
    common = dict(steps=STEPS, hidden=64, seed=SEED * 10 + k)
    estimates[name] = {
        "I(Z;B) JSD": estimate(z, b_hat, bound="jsd", **common).nats,
        "I(Z;B) DV": estimate(z, b_hat, bound="mine", **common).nats,
        "I(A;B) DV": estimate(a, b_hat, bound="mine", **common).nats,
    }
est = pd.DataFrame(estimates).T
losses = pd.DataFrame(
    {
        "SEGAN: -I_JSD": -est["I(Z;B) JSD"],
        "TI-GAN: +I_DV": est["I(Z;B) DV"],
    }
)
print(est.round(3).to_string())
print()
print("MI term in the generator's loss (lower is preferred):")
print(losses.round(3).to_string())
ranks = {col: list(losses[col].sort_values().index) for col in losses}
for col, order in ranks.items():
    print(f"{col:>14}: best {order[0]}, worst {order[-1]}")

# %% [markdown]
# The figure follows the whole family from $\theta = 0$ (source only) to $\theta = \pi/2$
# (noise only). The curves are the exact informations, the markers the estimates. SEGAN's
# term pays the generator for moving right, TI-GAN's for moving left; along the whole path
# the output's law does not change, so the adversarial loss is no help in choosing.

# %%
grid = torch.linspace(0, math.pi / 2, 50)
exact = torch.tensor([true_mi(float(t)) for t in grid])  # (50, 2)
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(grid, exact[:, 0], color="C0", label=r"$I(Z; \hat B)$, exact")
ax.plot(grid, exact[:, 1], color="C2", label=r"$I(A; \hat B)$, exact")
thetas = list(THETA.values())
MARKERS = {  # column of est -> colour, marker, label
    "I(Z;B) JSD": ("C0", "s", r"$I(Z; \hat B)$, JSD estimate"),
    "I(Z;B) DV": ("C1", "x", r"$I(Z; \hat B)$, DV estimate"),
    "I(A;B) DV": ("C2", "x", r"$I(A; \hat B)$, DV estimate"),
}
for column, (colour, marker, label) in MARKERS.items():
    ax.scatter(thetas, est[column], color=colour, marker=marker, label=label)
ax.annotate("", xy=(1.35, 1.9), xytext=(0.95, 1.9), arrowprops=dict(arrowstyle="->"))
ax.text(1.15, 1.95, "SEGAN: maximize", ha="center", fontsize=8)
ax.annotate("", xy=(0.25, 1.9), xytext=(0.65, 1.9), arrowprops=dict(arrowstyle="->"))
ax.text(0.45, 1.95, "TI-GAN: minimize", ha="center", fontsize=8)
ax.set_xticks(thetas, ["0\nsource only", "pi/4\nbalanced", "pi/2\nnoise only"])
ax.set_xlabel("theta: the noise's share of the output")
ax.set_ylabel("nats")
ax.set_ylim(-0.1, 2.15)
# below the axes: inside, every corner holds a curve or a marker
ax.legend(
    fontsize=7,
    loc="upper center",
    bbox_to_anchor=(0.5, -0.32),
    ncol=3,
    frameon=False,
)
plt.tight_layout()
plt.show()

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# - Neither paper runs this comparison; the translators are Gaussian vectors, not images,
#   so that every mutual information is exact and the check costs seconds. Section 6.1 ranks
#   image translators with the DV bound; the conclusion here is the same.
# - SEGAN pairs each code with an output of the *same* source made from another code; the
#   package's estimator pairs it with other rows' outputs. For a critic that sees only
#   $(z, \hat b)$ both negatives are drawn from $p(z)\,p(\hat b)$, so both target
#   $I(Z; \hat B)$. The JSD-trained critic is read out in nats with the NWJ bound, since
#   the JSD bound itself is not in nats.
# - The critics are the package's separable MLPs, trained 400 steps at the `cpu` preset,
#   not the papers' convolutional statistics networks.
# ```
#
# ## Checks
#
# Thresholds come from seeds 0-4 at the `cpu` preset on an Intel Xeon (AVX-512)
# (`python benchmarks/notebook_seeds.py` reruns them). Estimates of $I(Z; \hat B)$, JSD / DV,
# in nats; exact values $0$, $0.519$, $1.661$:
#
# | seed | source only | balanced | noise only |
# |---|---|---|---|
# | 0 | -0.013 / -0.014 | 0.486 / 0.489 | 1.548 / 1.551 |
# | 1 | -0.012 / -0.011 | 0.542 / 0.551 | 1.541 / 1.532 |
# | 2 | -0.007 / -0.007 | 0.529 / 0.535 | 1.365 / 1.515 |
# | 3 | -0.019 / -0.017 | 0.461 / 0.440 | 1.522 / 1.517 |
# | 4 | -0.001 / -0.000 | 0.450 / 0.449 | 1.536 / 1.514 |
#
# The largest gaps to the exact value were 0.019 (source only), 0.079 (balanced) and 0.296
# (noise only, the JSD critic on seed 2; DV's largest was 0.147); the tolerances below
# leave a margin of at least 0.07 nats. Both rankings held on all five seeds. The DV
# estimate of $I(A; \hat B)$ for the source-only translator fell 0.14 to 0.24 nats short of
# $1.661$ (a lower bound, approached from below); it is printed, not asserted.
#
# **Checked here:**
#
# 1. each estimate of $I(Z; \hat B)$ lies within its tolerance of the exact value;
# 2. SEGAN's term ranks the noise-only translator best and the source-only one worst;
# 3. TI-GAN's term ranks the source-only translator best and the noise-only one worst.

# %%
TOLERANCE = {"source only": 0.1, "balanced": 0.15, "noise only": 0.5}
for name, theta in THETA.items():
    mi_z, mi_a = true_mi(theta)
    gaps = (
        est.loc[name, "I(Z;B) JSD"] - mi_z,
        est.loc[name, "I(Z;B) DV"] - mi_z,
        est.loc[name, "I(A;B) DV"] - mi_a,
    )
    print(f"{name:>12}: gaps JSD {gaps[0]:+.3f}, DV {gaps[1]:+.3f}, A {gaps[2]:+.3f}")
if PRESET != "smoke":
    # 1. Every estimate within tolerance of its exact value.
    for name, theta in THETA.items():
        mi_z, mi_a = true_mi(theta)
        tol = TOLERANCE[name]
        assert abs(est.loc[name, "I(Z;B) JSD"] - mi_z) < tol, (name, est)
        assert abs(est.loc[name, "I(Z;B) DV"] - mi_z) < tol, (name, est)
    # 2. Maximizing prefers the noise-only translator.
    order = ["noise only", "balanced", "source only"]
    assert ranks["SEGAN: -I_JSD"] == order, ranks
    # 3. Minimizing prefers the source-only translator.
    assert ranks["TI-GAN: +I_DV"] == order[::-1], ranks

# %% [markdown]
# ## Summary
#
# - SEGAN and TI-GAN put the same mutual information, between the generator's code and its
#   output, into the generator's loss with opposite signs.
# - Maximizing it stops a generator from ignoring its code; it is right where another loss
#   already ties the output to the source. Minimizing it stops a translator from ignoring its
#   source; it is right where nothing else does.
# - On one output law, both estimators rank the degenerate translators correctly, and the two
#   objectives put them in opposite orders: each term's favourite is the other's failure.
#
# ## References
#
# - SEGAN {cite}`zuo2020segan`: Eqs. 5-7 (the JSD term, maximized).
# - Seed paper 002 {cite}`anonymous2019onetomany`: Eq. (3) (the DV bound), Eq. (4) (the
#   GAN), Sec. 2.3 and 4.2 (the noise-only failure), Fig. 8 (a large penalty).
# - MINE {cite}`belghazi2018mine`.
