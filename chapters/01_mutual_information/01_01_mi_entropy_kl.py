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
# # 1.1 Entropy, KL divergence and mutual information
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/01_mutual_information/01_01_mi_entropy_kl.ipynb)
#
# **Learning goals**
#
# - define entropy, the KL divergence and mutual information (MI), in nats,
#   and move between the three forms
#   $I = \mathrm{KL}(p(x, y) \,\|\, p(x)p(y)) = H(Y) - H(Y \mid X)$;
# - derive the closed form $I = -\tfrac{D}{2}\log(1 - \rho^2)$ for a
#   $D$-dimensional Gaussian pair, the test bed of the whole chapter;
# - read the MI as the mean of the *pointwise* MI, the quantity every neural
#   estimator of the next notebooks learns.

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

import matplotlib.pyplot as plt
import torch
from torch.distributions import MultivariateNormal, kl_divergence

import companion
from companion.mi import (
    gaussian_entropy,
    gaussian_mi,
    gaussian_pmi,
    rho_from_mi,
    sample_correlated_gaussian,
)

PRESET = companion.preset()
companion.seed_everything(0)
SEED = 0
# Monte Carlo sample size; everything else here is exact.
N_SAMPLES = {"smoke": 2_000, "cpu": 20_000, "gpu": 200_000, "paper": 200_000}[PRESET]
print(companion.run_header(PRESET, {"cpu": 6}, monte_carlo_pairs=N_SAMPLES))

# %% [markdown]
# ## Entropy and KL divergence
#
# For a density $p$, the (differential) entropy is
# $H(X) = -\mathbb{E}_{p(x)}[\log p(x)]$, and the KL divergence from $q$ to $p$ is
#
# $$\mathrm{KL}(p \,\|\, q) = \mathbb{E}_{p(x)}\Big[\log\frac{p(x)}{q(x)}\Big] \;\ge\; 0,$$
#
# with equality if and only if $p = q$. The inequality (Gibbs') is Jensen's
# inequality for the concave $\log$:
# $-\mathrm{KL} = \mathbb{E}_p[\log (q/p)] \le \log \mathbb{E}_p[q/p] = \log 1 = 0$.
# It is the *one inequality* behind every bound of this chapter.
#
# For a Gaussian $\mathcal{N}(\mu, \sigma^2)$,
# $-\log p(x) = \tfrac12\log(2\pi\sigma^2) + (x-\mu)^2 / (2\sigma^2)$, and the
# expectation of the second term is $\tfrac12$, so
# $H = \tfrac12 \log(2\pi e \sigma^2)$ nats per dimension.
#
# ## Mutual information
#
# MI is the KL divergence from the product of the marginals to the joint:
#
# $$
# \begin{aligned}
# I(X; Y) &= \mathrm{KL}\big(p(x, y) \,\|\, p(x) p(y)\big) \\
#   &= \mathbb{E}_{p(x, y)}\Big[\underbrace{\log
#      \frac{p(x, y)}{p(x) p(y)}}_{\mathrm{PMI}(x, y)}\Big].
# \end{aligned}
# $$
#
# Writing $p(x, y) = p(x) p(y \mid x)$ inside the logarithm gives
# $I = \mathbb{E}[\log p(y \mid x)] - \mathbb{E}[\log p(y)] = H(Y) - H(Y \mid X)$,
# and symmetrically $H(X) - H(X \mid Y)$. So $I \ge 0$, and $I = 0$ exactly when
# $X$ and $Y$ are independent. Seed paper 000 {cite}`zuo2020segan` (Eq. (3)-(4))
# uses both forms for $I(Z; \hat B)$: a generator that ignores its code has
# $I = 0$.
#
# ## The Gaussian closed form
#
# Let $x \sim \mathcal{N}(0, I_D)$ and $y = \rho x + \sqrt{1 - \rho^2}\,\varepsilon$
# with $\varepsilon \sim \mathcal{N}(0, I_D)$. Then $y \sim \mathcal{N}(0, I_D)$ and
# $y \mid x \sim \mathcal{N}(\rho x, (1 - \rho^2) I_D)$. With the Gaussian entropy:
#
# $$
# \begin{aligned}
# I(X; Y) &= H(Y) - H(Y \mid X) \\
#   &= \tfrac{D}{2}\log(2\pi e)
#      - \tfrac{D}{2}\log\big(2\pi e (1 - \rho^2)\big) \\
#   &= -\tfrac{D}{2}\log(1 - \rho^2).
# \end{aligned}
# $$
#
# Inverting, the correlation that gives a target MI $I$ is
# $\rho = \sqrt{1 - e^{-2I/D}}$: this is how Poole et al.
# {cite}`poole2019variational` build their "staircase" of 2, 4, ..., 10 nats in
# $D = 20$ dimensions (notebook 1.3). The package's version:

# %%
for fn in (gaussian_mi, rho_from_mi):  # the line that computes, for floats
    lines = inspect.getsource(fn).splitlines()
    print(f"{fn.__name__}:", [x for x in lines if "return" in x][-1].strip())

# %% [markdown]
# The pointwise MI follows from the two densities:
#
# $$
# \begin{aligned}
# \mathrm{PMI}(x, y) &= \log p(y \mid x) - \log p(y) \\
#   &= -\tfrac{D}{2}\log(1-\rho^2)
#      - \frac{\|y - \rho x\|^2}{2(1-\rho^2)} + \frac{\|y\|^2}{2}.
# \end{aligned}
# $$
#
# Its mean over joint pairs is $I$; its exponential averages to 1 over pairs
# drawn from $p(x)p(y)$ (because $\mathbb{E}_{p(x)p(y)}[p(x,y)/(p(x)p(y))] = 1$).
# Both facts are checked below.
#
# ## Experiment: MI against correlation, three ways
#
# 1. the closed form;
# 2. $\mathrm{KL}(p(x, y) \,\|\, p(x)p(y))$ between two $2D$-dimensional
#    Gaussians, computed by `torch.distributions` (an independent formula);
# 3. a Monte Carlo mean of the PMI over sampled pairs.

# %%
D = 4
rhos = torch.linspace(0.0, 0.95, 12).tolist()


def joint_and_product(rho: float, dim: int):
    """p(x, y) and p(x) p(y) as 2D-dimensional Gaussians."""
    eye = torch.eye(dim, dtype=torch.float64)
    cov = torch.cat(
        [torch.cat([eye, rho * eye], 1), torch.cat([rho * eye, eye], 1)], 0
    )  # (2D, 2D)
    zero = torch.zeros(2 * dim, dtype=torch.float64)
    return MultivariateNormal(zero, cov), MultivariateNormal(
        zero, torch.eye(2 * dim, dtype=torch.float64)
    )


gen = torch.Generator().manual_seed(SEED)
closed, via_kl, monte_carlo, stderr = [], [], [], []
for rho in rhos:
    joint, product = joint_and_product(rho, D)
    closed.append(gaussian_mi(rho, D))
    via_kl.append(kl_divergence(joint, product).item())
    x, y = sample_correlated_gaussian(
        N_SAMPLES, D, rho, gen, dtype=torch.float64
    )
    pmi = torch.cat(
        [
            gaussian_pmi(xb, yb, rho).diagonal()
            for xb, yb in zip(x.split(1000), y.split(1000))
        ]
    )  # (N_SAMPLES,) PMI of the joint pairs
    monte_carlo.append(pmi.mean().item())
    stderr.append((pmi.std() / math.sqrt(N_SAMPLES)).item())

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(rhos, closed, label=r"closed form $-\frac{D}{2}\log(1-\rho^2)$")
ax.plot(rhos, via_kl, "o", mfc="none", label="KL(joint || product)")
ax.errorbar(
    rhos,
    monte_carlo,
    yerr=[3 * s for s in stderr],
    fmt="x",
    label="Monte Carlo mean PMI (3 s.e.)",
)
ax.set_xlabel(r"correlation $\rho$")
ax.set_ylabel("I(X; Y) in nats")
ax.set_title(f"D = {D}")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# MI grows slowly at first and then without bound as $\rho \to 1$: when $y$
# determines $x$ exactly, a continuous MI is infinite. The staircase of
# notebook 1.3 lives in this steep region:

# %%
for mi in (2.0, 4.0, 6.0, 8.0, 10.0):
    print(
        f"I = {mi:4.1f} nats in D = 20 dims: rho = {rho_from_mi(mi, 20):.4f}"
    )

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# Nothing of substance: everything here is a closed form. The `cpu` preset
# draws 20,000 Monte Carlo pairs per correlation (the `paper` preset
# 200,000), which only widens the Monte Carlo error bars.
# ```
#
# ## Checks

# %%
# 1. Three routes to the Gaussian MI agree: closed form = KL between the
#    joint and the product of marginals (exact), and the Monte Carlo mean of
#    the PMI lies within 4 standard errors.
for rho, a, b, m, s in zip(rhos, closed, via_kl, monte_carlo, stderr):
    assert abs(a - b) < 1e-8, (rho, a, b)
    assert abs(m - a) < 4 * s + 1e-12, (rho, m, a, s)
print("max |closed - KL| =", max(abs(a - b) for a, b in zip(closed, via_kl)))
print(
    "max |MC - closed| / s.e. =",
    max(
        abs(m - a) / max(s, 1e-12)
        for a, m, s in zip(closed, monte_carlo, stderr)
    ),
)

# %%
# 2. I = H(X) + H(Y) - H(X, Y), with entropies from torch.distributions, and
#    H of a standard normal matches the package's gaussian_entropy.
joint, _ = joint_and_product(0.8, D)
h_joint = joint.entropy().item()
mi_entropies = 2 * gaussian_entropy(D) - h_joint
print(
    f"H(X)+H(Y)-H(X,Y) = {mi_entropies:.6f}, "
    f"closed form {gaussian_mi(0.8, D):.6f}"
)
assert abs(mi_entropies - gaussian_mi(0.8, D)) < 1e-9
ref = MultivariateNormal(torch.zeros(D), torch.eye(D)).entropy().item()
assert abs(gaussian_entropy(D) - ref) < 1e-5

# %%
# 3. Independence gives zero MI; exp(PMI) averages to one over the product.
assert gaussian_mi(0.0, D) == 0.0
x, y = sample_correlated_gaussian(2000, D, 0.6, gen, dtype=torch.float64)
off = ~torch.eye(2000, dtype=torch.bool)
mean_ratio = gaussian_pmi(x, y, 0.6)[off].exp().mean().item()
print(f"E_p(x)p(y)[exp PMI] = {mean_ratio:.3f} (should be 1)")
assert abs(mean_ratio - 1.0) < 0.1

# %% [markdown]
# ## Exercises
#
# 1. Two scalars with covariance $\begin{pmatrix}1 & r\\ r & 1\end{pmatrix}$:
#    show $I = -\tfrac12\log(1 - r^2)$ from
#    $I = H(X) + H(Y) - H(X, Y)$ and $H = \tfrac12\log\big((2\pi e)^k \det\Sigma\big)$.
# 2. KL is not symmetric: compute $\mathrm{KL}(p(x)p(y) \,\|\, p(x, y))$ for
#    the Gaussian pair (the "reverse" MI) and compare it with $I$ at
#    $\rho = 0.9$, $D = 1$.

# %% tags=["solution"]
# 1. det Sigma = 1 - r^2, so H(X) + H(Y) - H(X, Y)
#    = log(2 pi e) - 0.5 log((2 pi e)^2 (1 - r^2)) = -0.5 log(1 - r^2).
# 2. KL(N(0, I) || N(0, Sigma)) = 0.5 (tr(Sigma^-1) - 2 + log det Sigma)
#    = rho^2 / (1 - rho^2) + 0.5 log(1 - rho^2) per dimension.
joint, product = joint_and_product(0.9, 1)
print(
    f"reverse KL = {kl_divergence(product, joint).item():.4f} nats, "
    f"formula {0.81 / 0.19 + 0.5 * math.log(0.19):.4f}, "
    f"MI = {gaussian_mi(0.9, 1):.4f}"
)

# %% [markdown]
# ## Summary
#
# - $H$, KL and $I$ are expectations of log-densities;
#   $I = \mathrm{KL}(p(x, y) \,\|\, p(x)p(y)) = H(Y) - H(Y \mid X) \ge 0$, with
#   equality only under independence.
# - For Gaussian pairs, $I = -\tfrac{D}{2}\log(1 - \rho^2)$: a test bed with
#   the answer known, at any MI we like.
# - $I$ is the mean of the pointwise MI $\log p(x, y)/(p(x)p(y))$. Neural
#   estimators never see densities; they learn a *critic* $T(x, y)$ that
#   approximates the PMI from samples (notebook 1.2).
#
# On the `paper` preset (a GPU) this notebook only draws more Monte Carlo
# samples; all its quantities are exact or nearly so on the CPU.
#
# ## References
#
# - Seed paper 000 {cite}`zuo2020segan`: Eq. (3)-(4) (MI as entropy difference
#   and as a KL divergence), App. B Eq. (10)-(11) (PMI).
# - Poole et al. (2019) {cite}`poole2019variational`: Sec. 4 (the Gaussian
#   test bed and the staircase).
