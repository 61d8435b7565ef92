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
# # 1.2 Variational bounds on mutual information
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/01_mutual_information/01_02_variational_bounds.ipynb)
#
# **Learning goals**
#
# - derive the Barber-Agakov, Donsker-Varadhan, NWJ, MINE, Jensen-Shannon and
#   InfoNCE bounds from one inequality, $\mathrm{KL} \ge 0$, step by step;
# - say what each bound needs and what it trades: a known entropy, a biased
#   gradient, variance that grows like $e^{I}$, or a ceiling at $\log K$;
# - evaluate all of them on one score matrix with `companion.mi`, and see the
#   trade-offs with the *optimal* critic, before any training (notebook 1.3).

# %%
# Colab: install the companion package (does nothing elsewhere).
import subprocess
import sys

COMPANION_URL = "mi-i2it-companion @ git+https://github.com/mi-i2it/mi-i2it-book"
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", COMPANION_URL], check=True)

# %%
import inspect
import math

import matplotlib.pyplot as plt
import torch

import companion
from companion.mi import (
    ba_lower_bound,
    dv_lower_bound,
    gaussian_entropy,
    gaussian_optimal_critic,
    infonce_lower_bound,
    jsd_lower_bound,
    jsd_nwj_lower_bound,
    nwj_lower_bound,
    rho_from_mi,
    sample_correlated_gaussian,
    smile_lower_bound,
)

PRESET = companion.preset()
companion.seed_everything(0)
SEED = 0
DIM, BATCH = 20, 64  # Poole et al.'s test bed: D = 20, batch N = 64
LEVELS = (2.0, 4.0, 6.0, 8.0, 10.0)  # true MI in nats
# batches drawn per MI level (no training in this notebook)
N_BATCHES = {"smoke": 20, "cpu": 300, "paper": 2_000}[PRESET]
print(PRESET, N_BATCHES)

# %% [markdown]
# ## The setting
#
# We want $I(X; Y) = \mathbb{E}_{p(x,y)}[\log p(x,y)/(p(x)p(y))]$ from samples
# only. A **critic** $T(x, y) \in \mathbb{R}$ scores pairs. In a batch of $N$
# joint pairs $(x_i, y_i)$ we score all $N^2$ combinations: the diagonal of
# the **score matrix** $S_{ij} = T(x_i, y_j)$ holds joint pairs, the
# off-diagonal entries pairs from $p(x)p(y)$. Every bound below is a function
# of $S$ (notation: {doc}`../../book/notation`).
#
# ## One inequality
#
# For any normalised density $q$: $\mathrm{KL}(p \,\|\, q) \ge 0$, i.e.
# $\mathbb{E}_p[\log p] \ge \mathbb{E}_p[\log q]$. Everything else is a choice
# of $q$ plus, sometimes, one more elementary inequality.
#
# ### Step 1: Barber-Agakov (BA)
#
# Apply it to the posterior $p(x \mid y)$ and a variational $q(x \mid y)$:
#
# $$I = H(X) + \mathbb{E}_{p(x,y)}[\log p(x \mid y)]
#   \;\ge\; H(X) + \mathbb{E}_{p(x,y)}[\log q(x \mid y)] =: I_{\mathrm{BA}}.$$
#
# The gap is $\mathbb{E}_y \mathrm{KL}(p(x \mid y) \,\|\, q(x \mid y))$.
# **Needs** $H(X)$ in closed form and a normalised $q$: fine for a latent code
# with a known prior (InfoGAN, latent regression, chapter 4), hard for images.
#
# ### Step 2: unnormalised BA
#
# Choose an *energy-based* $q(x \mid y) = p(x)\, e^{T(x,y)} / Z(y)$ with
# $Z(y) = \mathbb{E}_{p(x)}[e^{T(x,y)}]$. The $\log p(x)$ term cancels $H(X)$:
#
# $$I \;\ge\; \mathbb{E}_{p(x,y)}[T] - \mathbb{E}_{p(y)}[\log Z(y)] =: I_{\mathrm{UBA}}.$$
#
# No entropy is needed any more, but $\log Z(y)$ is an expectation inside a
# logarithm: intractable, and biased when estimated from a batch.
#
# ### Step 3: Donsker-Varadhan (DV)
#
# Jensen moves the $\log$ outside: $\mathbb{E}_y[\log Z(y)] \le \log \mathbb{E}_y[Z(y)]$, so
#
# $$I \;\ge\; \mathbb{E}_{p(x,y)}[T] - \log \mathbb{E}_{p(x)p(y)}[e^{T}] =: I_{\mathrm{DV}}.$$
#
# Tight at $T = \mathrm{PMI} + c$ for any constant $c$. Its batch estimate
# puts a mean of exponentials inside a $\log$: the estimate and its gradient
# are **biased** (Belghazi et al. {cite}`belghazi2018mine`).
#
# ### Step 4: MINE
#
# The gradient of the DV partition term is
# $\nabla \log \mathbb{E}_q[e^T] = \mathbb{E}_q[e^T \nabla T] / \mathbb{E}_q[e^T]$.
# MINE keeps the batch numerator and replaces the denominator by an
# exponential moving average across steps, which removes most of the bias of
# the *gradient*; the reported value is still DV's.
#
# ### Step 5: Nguyen-Wainwright-Jordan (NWJ)
#
# Bound the logarithm by its tangent at $e$: $\log u \le u / e$ for all $u > 0$
# (concavity). With $u = Z(y)$ in $I_{\mathrm{UBA}}$:
#
# $$I \;\ge\; \mathbb{E}_{p(x,y)}[T] - e^{-1}\,\mathbb{E}_{p(x)p(y)}[e^{T}]
#   = \mathbb{E}_{p}[T'] - \mathbb{E}_{p(x)p(y)}[e^{T' - 1}],\quad T' = T + 1.$$
#
# This is the $f$-divergence dual of the KL {cite}`nguyen2010estimating`
# ("MINE-f"). No $\log$ of an expectation: the batch estimate is **unbiased**.
# But $e^{T}$ at the optimum $T' = 1 + \mathrm{PMI}$ has a variance that grows
# like $e^{I}$ (Song & Ermon {cite}`song2020understanding`, Thm. 2). Since
# $\log u \le u/e$ termwise, **DV $\ge$ NWJ** on the same scores.
#
# ### Step 6: InfoNCE
#
# Draw $K$ samples $x_1 \sim p(x \mid y)$ and $x_{2..K} \sim p(x)$; apply NWJ
# to the *self-normalised* critic
# $T'(x_{1:K}, y) = 1 + \log\big(e^{T(x_1,y)} / \tfrac1K \sum_j e^{T(x_j,y)}\big)$.
# By symmetry its partition term is exactly 1, which leaves
#
# $$I \;\ge\; \mathbb{E}\Big[\frac1K\sum_{i=1}^{K}
#   \log \frac{e^{T(x_i, y_i)}}{\tfrac1K \sum_{j=1}^{K} e^{T(x_i, y_j)}}\Big]
#   = \log K + \frac1K \sum_i \Big(S_{ii} - \log\sum_j S_{ij}\text{-exp}\Big)
#   =: I_{\mathrm{NCE}}.$$
#
# Each term is $\log K$ plus a log-softmax, which is $\le 0$: **$I_{\mathrm{NCE}} \le \log K$**
# for *any* critic (van den Oord et al. {cite}`oord2018representation`). Low
# variance, but it cannot report more than $\log K$ nats: with $K = N = 64$,
# at most $4.16$.
#
# ### Step 7: Jensen-Shannon (the bound of seed paper 000)
#
# Replace KL by another $f$-divergence. The $f$-GAN dual of the JSD
# {cite}`nowozin2016f` is the binary cross-entropy that SEGAN maximises
# (seed paper 000 {cite}`zuo2020segan`, Eq. (5); Deep InfoMax
# {cite}`hjelm2019learning`):
#
# $$I_{\mathrm{JSD}} = \mathbb{E}_{p(x,y)}[\log \sigma(T)] + \mathbb{E}_{p(x)p(y)}[\log(1 - \sigma(T))]
#   = -\mathbb{E}_p[\mathrm{sp}(-T)] - \mathbb{E}_{p(x)p(y)}[\mathrm{sp}(T)].$$
#
# Pointwise, $p \log\sigma(t) + q\log(1-\sigma(t))$ is maximal at
# $\sigma(t) = p/(p+q)$, i.e. **$T^\star = \mathrm{PMI}$**, with value
# $2\,\mathrm{JSD} - 2\log 2 \in [-2\log 2, 0]$. It is bounded and its
# gradients are well behaved, but it is not an MI in nats: $-1.386$ means
# independence, $0$ perfectly separable pairs. Because its optimal critic is
# the PMI, NWJ can read an MI out of it: $I_{\mathrm{NWJ}}(T + 1)$ (Poole et al.
# {cite}`poole2019variational`, "JS"); that read-out inherits NWJ's variance.
#
# ### Step 8: SMILE
#
# Song & Ermon {cite}`song2020understanding` clip the critic inside DV's
# partition, $\log \mathbb{E}_q[e^{\mathrm{clip}(T, -\tau, \tau)}]$, and train
# $T$ with the JSD objective: the variance is capped at the price of a bias
# ($\tau = 5$ in their experiments).
#
# ### What each trades
#
# | bound | needs | value | bias | variance | gradient |
# |---|---|---|---|---|---|
# | BA | $H(X)$, normalised $q(x\mid y)$ | $\le I$ | gap $\mathbb{E}\,\mathrm{KL}(p \| q)$ | low | unbiased |
# | DV | critic | $\le I$ | batch log-partition biased | grows with $I$ | biased |
# | MINE | critic + moving average | DV's | as DV | as DV | less biased |
# | NWJ | critic | $\le I$ | unbiased | $\sim e^{I}$ | unbiased |
# | InfoNCE | critic, $K$ negatives | $\le \min(I, \log K)$ | large when $I > \log K$ | low | unbiased |
# | JSD | critic | $2\mathrm{JSD} - 2\log 2$, not nats | (other divergence) | low | stable |
# | SMILE | critic, $\tau$ | DV with clipped partition | grows as $\tau$ shrinks | capped | JSD's |
#
# ## Implementation
#
# Every bound in `companion.mi` takes the score matrix and returns a
# `Bound(estimate, loss)`. For example InfoNCE and NWJ:

# %%
for fn in (infonce_lower_bound, nwj_lower_bound):
    src = inspect.getsource(fn)
    print(src.split("(", 1)[0], "...", src.split('"""')[-1])

# %% [markdown]
# ## Experiment: the optimal critic, before any training
#
# For the Gaussian pair the PMI is known (notebook 1.1), so we can plug the
# best critic into each bound and see what is left: the cost of estimating
# from a batch of $N = 64$. For each true MI we draw many batches and record
# every bound. NWJ gets $T + 1$ (its optimum); the others get the PMI.

# %%
gen = torch.Generator().manual_seed(SEED)
names = ["BA", "DV", "NWJ", "InfoNCE", "JSD (NWJ read-out)", "SMILE tau=5"]
values = {name: torch.empty(len(LEVELS), N_BATCHES) for name in names}
jsd_value = torch.empty(len(LEVELS), N_BATCHES)
h_x = gaussian_entropy(DIM)
for k, mi in enumerate(LEVELS):
    rho = rho_from_mi(mi, DIM)
    for b in range(N_BATCHES):
        x, y = sample_correlated_gaussian(BATCH, DIM, rho, gen, dtype=torch.float64)
        scores = gaussian_optimal_critic(x, y, rho)  # (N, N) PMI on all pairs
        # true posterior x | y ~ N(rho y, 1 - rho^2): log q(x_i | y_i)
        log_q = -0.5 * (
            (x - rho * y).square().sum(1) / (1 - rho**2)
            + DIM * math.log(2 * math.pi * (1 - rho**2))
        )  # (N,)
        values["BA"][k, b] = ba_lower_bound(log_q, h_x).estimate
        values["DV"][k, b] = dv_lower_bound(scores).estimate
        values["NWJ"][k, b] = nwj_lower_bound(scores + 1).estimate
        values["InfoNCE"][k, b] = infonce_lower_bound(scores).estimate
        values["JSD (NWJ read-out)"][k, b] = jsd_nwj_lower_bound(scores).estimate
        values["SMILE tau=5"][k, b] = smile_lower_bound(scores, 5.0).estimate
        jsd_value[k, b] = jsd_lower_bound(scores).estimate

print(f"{'bound':<20}" + "".join(f"  I={mi:<4g} mean (sd)" for mi in LEVELS))
for name in names:
    cells = "".join(f"  {v.mean():7.2f} ({v.std():5.2f})" for v in values[name])
    print(f"{name:<20}{cells}")
print(
    f"{'JSD bound (Eq. 5)':<20}" + "".join(f"  {v.mean():7.3f} ({v.std():5.3f})" for v in jsd_value)
)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for name in names:
    axes[0].plot(LEVELS, values[name].mean(1), "o-", label=name)
    axes[1].semilogy(LEVELS, values[name].var(1), "o-", label=name)
axes[0].plot(LEVELS, LEVELS, "k--", lw=1, label="true MI")
axes[0].axhline(math.log(BATCH), c="gray", lw=1, ls=":")
axes[0].text(2, math.log(BATCH) + 0.2, "log N = 4.16", color="gray")
axes[0].set(xlabel="true MI (nats)", ylabel="mean estimate (nats)", title="optimal critic, N = 64")
axes[1].set(
    xlabel="true MI (nats)",
    ylabel="variance over batches",
    title="variance of one batch's estimate",
)
axes[0].legend(frameon=False, fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# Even with the *perfect* critic:
#
# - **BA** is exact up to sampling noise: $q$ is the true posterior here.
#   (Its batch standard deviation, about 0.4 nats, does not grow with $I$.)
# - **InfoNCE** tracks $I$ while $I \ll \log N$, then flattens under
#   $\log 64 = 4.16$: a ceiling no critic can lift.
# - **NWJ** is unbiased, but its variance grows roughly exponentially with
#   $I$: one batch of 64 cannot estimate $\mathbb{E}_q[e^{T}]$ when the
#   important pairs are rare.
# - **DV**, evaluated on a batch, overshoots: by Jensen,
#   $\mathbb{E}[\log(\text{batch mean of } e^T)] \le \log \mathbb{E}[e^T]$, so
#   the batch under-estimates the log-partition and the estimate is biased
#   *upwards*, more so as $I$ grows (the bound holds for the true partition,
#   not for its batch estimate). SMILE's clipping lowers the variance and
#   adds its own (here also upward) bias.
# - The **JSD bound** of Eq. (5) rises from $-1.386$ towards $0$ and
#   saturates: a monotone but nonlinear function of $I$.
#
# ## Checks

# %%
# 1. InfoNCE never exceeds log N, on any batch, at any MI.
max_nce = values["InfoNCE"].max().item()
print(f"max InfoNCE over all batches: {max_nce:.4f} <= log 64 = {math.log(BATCH):.4f}")
assert max_nce <= math.log(BATCH) + 1e-9

# %%
# 2. DV >= NWJ on the same scores (log u <= u / e): check it batch by batch on
#    the raw PMI scores of a fresh batch at every level.
for mi in LEVELS:
    rho = rho_from_mi(mi, DIM)
    x, y = sample_correlated_gaussian(BATCH, DIM, rho, gen, dtype=torch.float64)
    s = gaussian_optimal_critic(x, y, rho)
    for shift in (-2.0, 0.0, 1.0, 3.0):
        assert dv_lower_bound(s + shift).estimate >= nwj_lower_bound(s + shift).estimate - 1e-12
print("DV >= NWJ on every tested score matrix")

# %%
# 3. At I = 2 nats the optimal critic makes NWJ, DV and BA accurate on
#    average; InfoNCE sits a little below (its bias is about 0.18 nats at
#    K = 64 even for the best critic).
#    Measured on seeds 0-2 (cpu preset, 300 batches): largest |gap| 0.023
#    for NWJ, DV and BA; InfoNCE gap between -0.196 and -0.177.
for name, tol in (("NWJ", 0.15), ("DV", 0.15), ("BA", 0.15), ("InfoNCE", 0.3)):
    gap = values[name][0].mean().item() - LEVELS[0]
    print(
        f"{name:8s} at 2 nats: mean {values[name][0].mean():.3f}, gap {gap:+.3f} (tolerance {tol})"
    )
    assert abs(gap) < tol, (name, gap)

# %%
# 4. NWJ's variance grows with the MI, far faster than InfoNCE's.
#    Seeds 0-2: NWJ variance at 10 nats 2.5-22 (x30-300 its value at 2 nats),
#    InfoNCE's 0.0013-0.0016.
var_nwj = values["NWJ"].var(1)
var_nce = values["InfoNCE"].var(1)
print("NWJ variance per level:    ", [f"{v:.3g}" for v in var_nwj.tolist()])
print("InfoNCE variance per level:", [f"{v:.3g}" for v in var_nce.tolist()])
assert var_nwj[-1] > 10 * var_nwj[0]
assert var_nwj[-1] > 10 * var_nce[-1]

# %%
# 5. The JSD bound: -2 log 2 for a constant critic, above it (and below 0)
#    for the optimal critic, and increasing with the MI.
print(f"JSD bound, T = 0: {jsd_lower_bound(torch.zeros(BATCH, BATCH)).estimate:.4f}")
assert abs(jsd_lower_bound(torch.zeros(BATCH, BATCH)).estimate + 2 * math.log(2)) < 1e-6
means = jsd_value.mean(1)
assert bool((means > -2 * math.log(2)).all() and (means < 0).all())
assert bool((means.diff() > 0).all())

# %% [markdown]
# ## Exercises
#
# 1. Show $\log u \le u/e$ for $u > 0$ and conclude
#    $I_{\mathrm{DV}}(T) \ge I_{\mathrm{NWJ}}(T)$ for every critic. When are they equal?
# 2. Show that $I_{\mathrm{NCE}} \le \log K$ for any score matrix, and that
#    the bound is reached when $S_{ii} - S_{ij} \to \infty$ for all $j \ne i$.
# 3. NWJ is not invariant to adding a constant $c$ to the critic, DV is.
#    Find the $c$ that maximises $I_{\mathrm{NWJ}}(T + c)$ and show that the
#    maximum is $I_{\mathrm{DV}}(T)$.

# %% tags=["solution"]
# 1. f(u) = u/e - log u has f'(u) = 1/e - 1/u = 0 at u = e, f(e) = 0, f convex,
#    so f >= 0. Equal when the batch partition mean of exp(T) is exactly e.
# 2. Each term S_ii - logsumexp_j S_ij is a log-softmax <= 0; averaging and
#    adding log K gives <= log K; the softmax -> 1 when S_ii dominates.
# 3. d/dc [E_p T + c - e^{c-1} E_q e^T] = 1 - e^{c-1} E_q e^T = 0
#    => c = 1 - log E_q e^T, value E_p T - log E_q e^T = DV.
s = torch.randn(8, 8, dtype=torch.float64, generator=gen)
off = ~torch.eye(8, dtype=torch.bool)
c_best = 1 - s[off].exp().mean().log()
print(float(nwj_lower_bound(s + c_best).estimate), float(dv_lower_bound(s).estimate))

# %% [markdown]
# ## Summary
#
# - One inequality, $\mathrm{KL} \ge 0$, with a choice of $q$ gives BA; an
#   energy-based $q$ gives UBA; Jensen gives DV; the tangent $\log u \le u/e$
#   gives NWJ; self-normalising over $K$ samples gives InfoNCE.
# - Trade-offs, visible even with the optimal critic: InfoNCE is capped at
#   $\log K$; NWJ (and DV, MINE) pay a variance that grows like $e^{I}$; the
#   JSD bound is stable but is not measured in nats; SMILE clips to trade
#   bias for variance; BA is excellent when $H(X)$ and a good $q$ are known.
# - SEGAN (seed paper 000) chose the JSD bound for its stability: it does not
#   need the *value* of $I$, only a signal that increases with it.
#
# On the `paper` preset this notebook only draws more batches. Notebook 1.3
# trains the critics.
#
# ## References
#
# - Poole et al. (2019) {cite}`poole2019variational`: Sec. 2 (BA, UBA, DV,
#   NWJ/TUBA, InfoNCE from one family), Eq. (2)-(12).
# - Barber & Agakov (2003) {cite}`barber2003im`; Donsker & Varadhan (1975)
#   {cite}`donsker1975asymptotic`; MINE {cite}`belghazi2018mine` Sec. 3.2 (the
#   moving average); NWJ {cite}`nguyen2010estimating`; $f$-GAN
#   {cite}`nowozin2016f`; Deep InfoMax {cite}`hjelm2019learning`; CPC
#   {cite}`oord2018representation`; SMILE {cite}`song2020understanding` Eq. (17).
# - Seed paper 000 {cite}`zuo2020segan`: Eq. (5) (the JSD bound) and App. B
#   (its relation to MI).
