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
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/01_mutual_information/01_02_variational_bounds.ipynb)
#
# **Learning goals**
#
# - derive the Barber-Agakov, Donsker-Varadhan, NWJ, MINE, Jensen-Shannon and
#   InfoNCE bounds from one inequality, $\mathrm{KL} \ge 0$, step by step;
# - say what each bound needs and what it trades: a known entropy, a biased
#   gradient, variance that grows exponentially with $I$, or a ceiling at
#   $\log K$;
# - evaluate all of them on one score matrix with `companion.mi`, and see the
#   trade-offs with the *optimal* critic, before any training (notebook 1.3).

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
import inspect
import math
import os

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch

import companion
from companion.mi import (
    ba_lower_bound,
    dv_lower_bound,
    gaussian_entropy,
    gaussian_optimal_critic,
    infonce_lower_bound,
    jsd_lower_bound,
    nwj_lower_bound,
    rho_from_mi,
    sample_correlated_gaussian,
    smile_lower_bound,
)

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
DIM, BATCH = 20, 64  # Poole et al.'s test bed: D = 20, batch N = 64
LEVELS = (2.0, 4.0, 6.0, 8.0, 10.0)  # true MI in nats
# batches drawn per MI level (no training in this notebook)
N_BATCHES = {"smoke": 20, "cpu": 300, "gpu": 2_000, "paper": 2_000}[PRESET]
print(companion.run_header(PRESET, {"cpu": 5}, batches=N_BATCHES, batch=BATCH))

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
# **Step 1: Barber-Agakov (BA).**
#
# Apply it to the posterior $p(x \mid y)$ and a variational $q(x \mid y)$:
#
# $$
# \begin{aligned}
# I &= H(X) + \mathbb{E}_{p(x,y)}[\log p(x \mid y)] \\
#   &\ge H(X) + \mathbb{E}_{p(x,y)}[\log q(x \mid y)] =: I_{\mathrm{BA}}.
# \end{aligned}
# $$
#
# The gap is $\mathbb{E}_y \mathrm{KL}(p(x \mid y) \,\|\, q(x \mid y))$.
# **Needs** $H(X)$ in closed form and a normalised $q$: fine for a latent code
# with a known prior (InfoGAN, latent regression, chapter 4), hard for images.
#
# **Step 2: unnormalised BA.**
#
# Choose an *energy-based* $q(x \mid y) = p(x)\, e^{T(x,y)} / Z(y)$ with
# $Z(y) = \mathbb{E}_{p(x)}[e^{T(x,y)}]$. The $\log p(x)$ term cancels $H(X)$:
#
# $$I \;\ge\; \mathbb{E}_{p(x,y)}[T] - \mathbb{E}_{p(y)}[\log Z(y)]
#   =: I_{\mathrm{UBA}}.$$
#
# No entropy is needed any more, but $\log Z(y)$ is an expectation inside a
# logarithm: intractable, and biased when estimated from a batch.
#
# **Step 3: Donsker-Varadhan (DV).**
#
# Jensen moves the $\log$ outside:
# $\mathbb{E}_y[\log Z(y)] \le \log \mathbb{E}_y[Z(y)]$, so
#
# $$I \;\ge\; \mathbb{E}_{p(x,y)}[T] - \log \mathbb{E}_{p(x)p(y)}[e^{T}]
#   =: I_{\mathrm{DV}}.$$
#
# Tight at $T = \mathrm{PMI} + c$ for any constant $c$. Its batch estimate
# puts a mean of exponentials inside a $\log$: the estimate and its gradient
# are **biased** (Belghazi et al. {cite}`belghazi2018mine`).
#
# **Step 4: MINE.**
#
# The gradient of the DV partition term is
# $\nabla \log \mathbb{E}_q[e^T] = \mathbb{E}_q[e^T \nabla T] / \mathbb{E}_q[e^T]$.
# MINE keeps the batch numerator and replaces the denominator by an
# exponential moving average across steps, which removes most of the bias of
# the *gradient*; the reported value is still DV's.
#
# **Step 5: Nguyen-Wainwright-Jordan (NWJ).**
#
# Bound the logarithm by its tangent at $e$: $\log u \le u / e$ for all
# $u > 0$ (concavity). With $u = Z(y)$ in $I_{\mathrm{UBA}}$, and
# $e^{-1} e^{T} = e^{T - 1}$:
#
# $$
# \begin{aligned}
# I &\ge \mathbb{E}_{p(x,y)}[T] - e^{-1}\,\mathbb{E}_{p(y)}[Z(y)] \\
#   &= \mathbb{E}_{p(x,y)}[T] - \mathbb{E}_{p(x)p(y)}\big[e^{T - 1}\big]
#   =: I_{\mathrm{NWJ}}.
# \end{aligned}
# $$
#
# The tangent touches the logarithm at $u = e$, so the bound is tight when
# $Z(y) = e$ for every $y$, i.e. at $T^\star = 1 + \mathrm{PMI}$. This is the
# $f$-divergence dual of the KL {cite}`nguyen2010estimating` ("MINE-f"). No
# $\log$ of an expectation: the batch estimate is **unbiased**. But at the
# optimum the partition term averages $e^{T^\star - 1} = e^{\mathrm{PMI}}$
# over pairs from $p(x)p(y)$, and its variance there is the $\chi^2$
# divergence $\mathbb{E}_{p(x)p(y)}[e^{2\,\mathrm{PMI}}] - 1$, at least
# $e^{I} - 1$ (Song & Ermon {cite}`song2020understanding`, Thm. 2); for our
# Gaussians it is exactly $e^{2I} - 1$ (below). Since $\log u \le u/e$
# termwise, **DV $\ge$ NWJ** on the same scores.
#
# **Step 6: InfoNCE.**
#
# Draw $K$ samples $x_1 \sim p(x \mid y)$ and $x_{2..K} \sim p(x)$; apply NWJ
# to the *self-normalised* critic
# $T'(x_{1:K}, y) = 1 + \log\big(e^{T(x_1,y)} / \tfrac1K \sum_j e^{T(x_j,y)}\big)$.
# By symmetry its partition term is exactly 1, which leaves
#
# $$
# \begin{aligned}
# I &\ge \mathbb{E}\Big[\frac1K\sum_{i=1}^{K}
#   \log \frac{e^{T(x_i, y_i)}}{\tfrac1K \sum_{j=1}^{K} e^{T(x_i, y_j)}}\Big] \\
#   &= \log K + \frac1K \sum_{i=1}^{K}
#   \Big(S_{ii} - \log \sum_{j=1}^{K} e^{S_{ij}}\Big)
#   =: I_{\mathrm{NCE}}.
# \end{aligned}
# $$
#
# Each term is $\log K$ plus a log-softmax, which is $\le 0$:
# **$I_{\mathrm{NCE}} \le \log K$** for *any* critic (van den Oord et al.
# {cite}`oord2018representation`). Low variance, but it cannot report more
# than $\log K$ nats: with $K = N = 64$, at most $4.16$.
#
# **Step 7: Jensen-Shannon (the bound of seed paper 000).**
#
# Replace KL by another $f$-divergence. The $f$-GAN dual of the JSD
# {cite}`nowozin2016f` is the binary cross-entropy that SEGAN maximises
# (seed paper 000 {cite}`zuo2020segan`, Eq. (5); Deep InfoMax
# {cite}`hjelm2019learning`), with $\mathrm{sp}(t) = \log(1 + e^t)$:
#
# $$
# \begin{aligned}
# I_{\mathrm{JSD}}
#   &= \mathbb{E}_{p(x,y)}[\log \sigma(T)]
#    + \mathbb{E}_{p(x)p(y)}[\log(1 - \sigma(T))] \\
#   &= -\mathbb{E}_{p(x,y)}[\mathrm{sp}(-T)]
#    - \mathbb{E}_{p(x)p(y)}[\mathrm{sp}(T)].
# \end{aligned}
# $$
#
# Pointwise, $p \log\sigma(t) + q\log(1-\sigma(t))$ is maximal at
# $\sigma(t) = p/(p+q)$, i.e. **$T^\star = \mathrm{PMI}$**, with value
# $2\,\mathrm{JSD} - 2\log 2 \in [-2\log 2, 0]$. It is bounded and its
# gradients are well behaved, but it is not an MI in nats: $-1.386$ means
# independence, $0$ perfectly separable pairs. Because its optimal critic is
# the PMI, NWJ can read an MI out of it: $I_{\mathrm{NWJ}}(T + 1)$ (Poole et
# al. {cite}`poole2019variational`, "JS"). At the optimum this read-out *is*
# NWJ at its optimum, so it inherits NWJ's variance: what the JSD objective
# changes is how the critic is *trained* (notebook 1.3), not what the
# read-out costs.
#
# **Step 8: SMILE.**
#
# Song & Ermon {cite}`song2020understanding` clip the critic inside DV's
# partition, $\log \mathbb{E}_q[e^{\mathrm{clip}(T, -\tau, \tau)}]$, and train
# $T$ with the JSD objective: the variance is capped at the price of a bias
# ($\tau = 5$ in their experiments).
#
# ## What each bound trades
#
# | bound | needs | value | bias | variance | gradient |
# |---|---|---|---|---|---|
# | BA | $H(X)$, normalised $q$ | $\le I$ | $\mathbb{E}\,\mathrm{KL}(p \,\Vert\, q)$ | low | unbiased |
# | DV | critic | $\le I$ | batch log-partition | grows with $I$ | biased |
# | MINE | critic + moving average | DV's | as DV | as DV | less biased |
# | NWJ | critic | $\le I$ | unbiased | $\sim e^{2I}/N^2$ here | unbiased |
# | InfoNCE | $K$ negatives | $\le \min(I, \log K)$ | large if $I > \log K$ | low | unbiased |
# | JSD | critic | $2\mathrm{JSD} - 2\log 2$ | (not in MI units) | low | stable |
# | SMILE | critic, $\tau$ | clipped DV | grows as $\tau$ shrinks | capped | JSD's |
#
# ## Implementation
#
# Every bound in `companion.mi` takes the score matrix and returns a
# `Bound(estimate, loss, state)` (`state` is MINE's moving average, `None`
# for the others). For example InfoNCE and NWJ:

# %%
for fn in (infonce_lower_bound, nwj_lower_bound):
    body = inspect.getsource(fn).split('"""')[-1]  # the code after the docs
    print(f"def {fn.__name__}(scores):", body, sep="")

# %% [markdown]
# ## Experiment: the optimal critic, before any training
#
# For the Gaussian pair the PMI is known (notebook 1.1), so we can plug the
# best critic into each bound and see what is left: the cost of estimating
# from a batch of $N = 64$. For each true MI we draw many batches and record
# every bound. NWJ gets $T^\star = 1 + \mathrm{PMI}$; the others get the PMI.
# (The JSD read-out $I_{\mathrm{NWJ}}(\mathrm{PMI} + 1)$ is then the same
# number as NWJ, so it has no curve of its own here.)

# %%
gen = torch.Generator().manual_seed(SEED)
names = ["BA", "DV", "NWJ", "InfoNCE", "SMILE (tau = 5)"]
values = {name: torch.empty(len(LEVELS), N_BATCHES) for name in names}
jsd_value = torch.empty(len(LEVELS), N_BATCHES)
h_x = gaussian_entropy(DIM)
for k, mi in enumerate(LEVELS):
    rho = rho_from_mi(mi, DIM)
    for b in range(N_BATCHES):
        x, y = sample_correlated_gaussian(
            BATCH, DIM, rho, gen, dtype=torch.float64
        )
        scores = gaussian_optimal_critic(x, y, rho)  # (N, N) PMI, all pairs
        # true posterior x | y ~ N(rho y, 1 - rho^2): log q(x_i | y_i)
        log_q = -0.5 * (
            (x - rho * y).square().sum(1) / (1 - rho**2)
            + DIM * math.log(2 * math.pi * (1 - rho**2))
        )  # (N,)
        values["BA"][k, b] = ba_lower_bound(log_q, h_x).estimate
        values["DV"][k, b] = dv_lower_bound(scores).estimate
        values["NWJ"][k, b] = nwj_lower_bound(scores + 1).estimate
        values["InfoNCE"][k, b] = infonce_lower_bound(scores).estimate
        values["SMILE (tau = 5)"][k, b] = smile_lower_bound(
            scores, 5.0
        ).estimate
        jsd_value[k, b] = jsd_lower_bound(scores).estimate


# %% [markdown]
# **NWJ's variance, exactly.**
#
# With the optimal critic the NWJ estimate of a batch is
# $\frac1N\sum_i (1 + \mathrm{PMI}_{ii})
# - \frac{1}{N(N-1)}\sum_{i \ne j} e^{\mathrm{PMI}_{ij}}$. For our Gaussians
# every term has a closed-form moment: $\mathrm{Var}_p[\mathrm{PMI}] = D\rho^2$,
# $\mathbb{E}_{p(x)p(y)}[e^{2\,\mathrm{PMI}}] = (1 - \rho^2)^{-D} = e^{2I}$,
# and the pairs $(i, j)$, $(j, i)$ are correlated through
# $(1 - \rho^4)^{-D}$; every other covariance vanishes because
# $\mathbb{E}_{p(y)}[e^{\mathrm{PMI}(x, y)}] = 1$ for every $x$. Altogether
#
# $$
# \begin{aligned}
# \mathrm{Var}\big[\hat I_{\mathrm{NWJ}}\big]
#   &= \frac{D\rho^2}{N} \\
#   &\quad + \frac{e^{2I} - 1 + (1 - \rho^4)^{-D} - 1}{N(N-1)},
# \end{aligned}
# $$
#
# which grows like $e^{2I}/N^2$: 0.07 nats² at 2 nats, $1.2 \cdot 10^5$ at
# 10 nats. We draw it beside what the batches measure.


# %%
def nwj_variance(mi: float, dim: int = DIM, n: int = BATCH) -> float:
    """Exact variance of the NWJ estimate of one batch, optimal critic."""
    rho = rho_from_mi(mi, dim)
    pairs = math.expm1(2 * mi) + (1 - rho**4) ** (-dim) - 1
    return dim * rho**2 / n + pairs / (n * (n - 1))


rows = [
    {"bound": name, "true MI": mi, "estimate": v}
    for name in names
    for mi, batch_values in zip(LEVELS, values[name])
    for v in batch_values.tolist()
]
estimates = pd.DataFrame(rows)
spread = estimates.groupby(["bound", "true MI"], sort=False)["estimate"]
summary = spread.agg(["mean", "median", "var"]).reset_index()
print(
    summary.pivot(index="bound", columns="true MI", values="mean")
    .loc[names]
    .round(2)
    .to_string()
)
print("exact NWJ variance:", [f"{nwj_variance(mi):.3g}" for mi in LEVELS])

# %%
sns.set_theme(style="whitegrid", context="notebook", font_scale=0.85)
fig, axes = plt.subplots(2, 2, figsize=(8, 6.4))
ax = axes[0, 0]
sns.lineplot(
    data=estimates,
    x="true MI",
    y="estimate",
    hue="bound",
    estimator="median",
    errorbar=("pi", 80),
    marker="o",
    ax=ax,
)
ax.plot(LEVELS, LEVELS, "k--", lw=1, label="true MI")
ax.axhline(math.log(BATCH), c="gray", lw=1, ls=":")
ax.text(2, math.log(BATCH) + 0.3, "log N = 4.16", color="gray", fontsize=8)
ax.set(ylabel="nats", title="median estimate, 10-90 % of batches")
ax.legend(fontsize=7, loc="upper left")

ax = axes[0, 1]
sns.lineplot(
    data=summary,
    x="true MI",
    y="var",
    hue="bound",
    marker="o",
    ax=ax,
)
ax.plot(
    LEVELS,
    [nwj_variance(mi) for mi in LEVELS],
    "k--",
    lw=1,
    label="NWJ, exact",
)
ax.set_yscale("log")
ax.set(ylabel="variance over batches (nats²)", title="variance of one batch")
ax.legend(fontsize=7, loc="upper left", ncol=2)

ax = axes[1, 0]
nwj_stats = summary[summary["bound"] == "NWJ"]
ax.plot(LEVELS, nwj_stats["mean"], "o-", c="C2", label="mean")
ax.plot(LEVELS, nwj_stats["median"], "s--", c="C2", label="median")
ax.plot(LEVELS, LEVELS, "k:", lw=1, label="true MI")
ax.set(xlabel="true MI", ylabel="nats", title="NWJ: mean and typical batch")
ax.legend(fontsize=7)

ax = axes[1, 1]
jsd_frame = pd.DataFrame(
    {
        "true MI": torch.tensor(LEVELS).repeat_interleave(N_BATCHES),
        "JSD bound": jsd_value.flatten(),
    }
)
sns.lineplot(
    data=jsd_frame,
    x="true MI",
    y="JSD bound",
    errorbar=("pi", 80),
    marker="o",
    color="C5",
    ax=ax,
)
ax.axhline(-2 * math.log(2), c="gray", lw=1, ls=":")
ax.axhline(0.0, c="gray", lw=1, ls=":")
ax.text(2, -2 * math.log(2) + 0.05, "−2 log 2", color="gray", fontsize=8)
ax.set(
    ylim=(-1.5, 0.1),
    ylabel="Eq. (5), not nats of MI",
    title="JSD bound at its optimum",
)
fig.tight_layout()
plt.show()

# %% [markdown]
# Even with the *perfect* critic:
#
# - **BA** is exact up to sampling noise: $q$ is the true posterior here, and
#   its spread does not grow with $I$.
# - **InfoNCE** tracks $I$ while $I \ll \log N$, then flattens under
#   $\log 64 = 4.16$: a ceiling no critic can lift. Even at 2 nats it sits
#   about 0.2 nats below the truth.
# - **NWJ** is unbiased, and its exact variance (dashed) grows like $e^{2I}$.
#   The variance measured over the batches agrees at 2 nats and then falls
#   ever further behind: it is carried by batches with one enormous
#   $e^{\mathrm{PMI}_{ij}}$, rarer than one in a few hundred, so our batches
#   mostly miss them and the measured variance can even *fall* from 8 to 10
#   nats. The bottom-left panel shows the consequence: the typical batch
#   (median) overshoots the truth, and the mean comes back to it only thanks
#   to the rare batches that undershoot enormously. A variance this
#   heavy-tailed cannot be read off a few hundred batches; this is what
#   Poole et al. and Song & Ermon mean by "high variance".
# - **DV**, evaluated on a batch, overshoots: by Jensen,
#   $\mathbb{E}[\log(\text{batch mean of } e^T)] \le \log \mathbb{E}[e^T]$, so
#   the batch under-estimates the log-partition and the estimate is biased
#   *upwards*, more so as $I$ grows (the bound holds for the true partition,
#   not for its batch estimate). SMILE's clipping lowers the variance and
#   adds its own (here also upward) bias.
# - The **JSD bound** of Eq. (5) rises from $-1.386$ towards $0$ and
#   saturates: a monotone but nonlinear function of $I$, useless as a
#   number of nats above a few nats, and still a useful training signal.
#
# ```{admonition} What differs from the paper, and why
# :class: note
# - Batches per MI level: 300 at the `cpu` preset (2,000 at `paper`). Poole
#   et al. train critics; this notebook draws batches for the known optimal
#   critic only, so nothing here depends on training.
# - Otherwise Poole et al.'s test bed as published: $D = 20$, $N = 64$,
#   2 to 10 nats.
# ```
#
# ## Checks

# %%
# 1. InfoNCE sits below the truth at 2 nats and just under log N at 10 nats.
#    Seeds 0-4 (cpu preset): gap to the truth at 2 nats -0.196 to -0.169
#    (standard error of one seed's mean about 0.011); gap to log 64 at 10
#    nats 0.036 to 0.041. Bands: (-0.30, -0.10) and (0.01, 0.10).
nce_gap = values["InfoNCE"][0].mean().item() - LEVELS[0]
cap_gap = math.log(BATCH) - values["InfoNCE"][-1].mean().item()
print(
    f"InfoNCE - I at 2 nats: {nce_gap:+.3f}; log N - InfoNCE at 10: "
    f"{cap_gap:.3f}"
)
assert -0.30 < nce_gap < -0.10, nce_gap
assert 0.01 < cap_gap < 0.10, cap_gap

# %%
# 2. With the optimal critic NWJ, DV and BA are accurate at 2 nats.
#    Seeds 0-4: largest |mean - 2| 0.025 (NWJ), 0.030 (DV), 0.029 (BA).
for name in ("NWJ", "DV", "BA"):
    gap = values[name][0].mean().item() - LEVELS[0]
    print(f"{name:3s} at 2 nats: gap {gap:+.3f} (tolerance 0.08)")
    assert abs(gap) < 0.08, (name, gap)

# %%
# 3. NWJ's variance: the exact formula holds at 2 nats (measured / exact
#    0.82 to 1.09 on seeds 0-4; band 0.6 to 1.5); the variance grows with I
#    (measured at 6 nats / at 2 nats: 9.2 to 27; threshold 4); and at 10 nats
#    a few hundred batches measure at most 43 nats² where the formula gives
#    1.2e5 (threshold: below 1 % of it).
var_nwj = values["NWJ"].var(1)
ratio_at_2 = var_nwj[0].item() / nwj_variance(LEVELS[0])
growth = var_nwj[2].item() / var_nwj[0].item()
share_at_10 = var_nwj[-1].item() / nwj_variance(LEVELS[-1])
print(f"measured / exact at 2 nats: {ratio_at_2:.2f}")
print(f"variance at 6 nats / at 2 nats: {growth:.1f}")
print(f"measured / exact at 10 nats: {share_at_10:.2e}")
assert 0.6 < ratio_at_2 < 1.5
assert growth > 4
assert share_at_10 < 0.01

# %%
# 4. The JSD bound at its optimum rises with the MI at every step and stays
#    inside (-2 log 2, 0). Seeds 0-4: smallest rise 0.036 (8 to 10 nats);
#    threshold 0.01.
means = jsd_value.mean(1)
print("JSD bound per level:", [f"{m:.3f}" for m in means.tolist()])
assert bool((means > -2 * math.log(2)).all() and (means < 0).all())
assert bool((means.diff() > 0.01).all())

# %% [markdown]
# ## Exercises
#
# 1. Show $\log u \le u/e$ for $u > 0$ and conclude
#    $I_{\mathrm{DV}}(T) \ge I_{\mathrm{NWJ}}(T)$ for every critic. When are
#    they equal?
# 2. Show that $I_{\mathrm{NCE}} \le \log K$ for any score matrix, and that
#    the bound is reached when $S_{ii} - S_{ij} \to \infty$ for all $j \ne i$.
# 3. NWJ is not invariant to adding a constant $c$ to the critic, DV is.
#    Find the $c$ that maximises $I_{\mathrm{NWJ}}(T + c)$ and show that the
#    maximum is $I_{\mathrm{DV}}(T)$.

# %% tags=["solution"]
# 1. f(u) = u/e - log u has f'(u) = 1/e - 1/u = 0 at u = e, f(e) = 0,
#    f convex, so f >= 0. Equal when the batch partition mean of exp(T) is
#    exactly e.
# 2. Each term S_ii - logsumexp_j S_ij is a log-softmax <= 0; averaging and
#    adding log K gives <= log K; the softmax -> 1 when S_ii dominates.
# 3. d/dc [E_p T + c - e^{c-1} E_q e^T] = 1 - e^{c-1} E_q e^T = 0
#    => c = 1 - log E_q e^T, value E_p T - log E_q e^T = DV.
s = torch.randn(8, 8, dtype=torch.float64, generator=gen)
off = ~torch.eye(8, dtype=torch.bool)
c_best = 1 - s[off].exp().mean().log()
print(
    float(nwj_lower_bound(s + c_best).estimate),
    float(dv_lower_bound(s).estimate),
)

# %% [markdown]
# ## Summary
#
# - One inequality, $\mathrm{KL} \ge 0$, with a choice of $q$ gives BA; an
#   energy-based $q$ gives UBA; Jensen gives DV; the tangent
#   $\log u \le u/e$ gives NWJ; self-normalising over $K$ samples gives
#   InfoNCE.
# - Trade-offs, visible even with the optimal critic: InfoNCE is capped at
#   $\log K$; NWJ's variance grows like $e^{2I}/N^2$ for our Gaussians, so
#   fast that a few hundred batches cannot even measure it; DV's batch
#   estimate overshoots; the JSD bound is stable but is not measured in
#   nats; SMILE clips to trade bias for variance; BA is excellent when $H(X)$
#   and a good $q$ are known.
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
#   {cite}`donsker1975asymptotic`; MINE {cite}`belghazi2018mine` Sec. 3.2
#   (the moving average); NWJ {cite}`nguyen2010estimating`; $f$-GAN
#   {cite}`nowozin2016f`; Deep InfoMax {cite}`hjelm2019learning`; CPC
#   {cite}`oord2018representation`; SMILE {cite}`song2020understanding`
#   Thm. 2 and Eq. (17).
# - Seed paper 000 {cite}`zuo2020segan`: Eq. (5) (the JSD bound) and App. B
#   (its relation to MI).
