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
# # 4.4 Exercises: the Laplace case and the BA bound by hand
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/04_infogan/04_04_exercises.ipynb)
#
# **Learning goals**
#
# - derive, step by step, that an L1 latent loss is minus a Barber-Agakov
#   bound with a Laplace posterior (and L2 with a Gaussian one);
# - implement the BA bound for a categorical and a Gaussian posterior and
#   check them against `companion.mi.variational`;
# - see numerically that a floor on the variance keeps the continuous bound
#   finite.
#
# Write your answers in the cells marked `# YOUR CODE`; the solutions are in
# cells tagged `solution` (hidden on the website). The check cells compare
# your functions with the package's on known answers.

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

import torch

import companion
from companion.losses import latent_regression_l1
from companion.mi.variational import (
    categorical_ba_lower_bound,
    discrete_ba_lower_bound,
    discrete_mi,
    gaussian_log_likelihood,
    laplace_log_likelihood,
)

PRESET = companion.preset()
companion.seed_everything(0)
N = {"smoke": 256, "cpu": 4_096, "gpu": 65_536, "paper": 65_536}[PRESET]
print(companion.run_header(PRESET, samples=N))

# %% [markdown]
# ## Exercise 1: derive the Laplace case
#
# Let $z \in \mathbb{R}^D$, $z \sim \mathcal{N}(0, I_D)$, and let
# $q(z \mid \hat b) = \prod_{d=1}^{D} \frac{1}{2b} \exp(-|z_d - \mu_d(\hat b)| / b)$
# with $\mu = E(\hat b)$ and a fixed $b > 0$.
#
# 1. Write $\log q(z \mid \hat b)$.
# 2. Write the BA bound $H(Z) + \mathbb{E}[\log q(z \mid \hat b)]$ and show
#    it equals $\frac{D}{2}\log(2\pi e) - D\log 2b - \frac{D}{b}
#    \mathcal{L}_{\mathrm{latent}}$, where $\mathcal{L}_{\mathrm{latent}}$ is
#    the *mean* absolute error over the $N \times D$ entries (the package's
#    `latent_regression_l1`).
# 3. Conclude: which $b$ maximises the bound for a given error, and why does
#    the gradient with respect to $\mu$ not depend on that choice except for
#    a positive factor?

# %% [markdown] tags=["solution"]
# **Solution.**
# 1. $\log q = -\sum_d \big(|z_d - \mu_d| / b + \log 2b\big)$.
# 2. $H(Z) = \frac{D}{2}\log(2\pi e)$ for $\mathcal{N}(0, I_D)$. Taking the
#    expectation, $\mathbb{E}\sum_d |z_d - \mu_d| = D\,\mathcal{L}_{\mathrm{latent}}$,
#    so the bound is $\frac{D}{2}\log(2\pi e) - D\log 2b - \frac{D}{b}
#    \mathcal{L}_{\mathrm{latent}}$.
# 3. $\partial / \partial b = -D/b + D\mathcal{L}/b^2 = 0$ gives
#    $b = \mathcal{L}_{\mathrm{latent}}$. The gradient in $\mu$ is
#    $-\frac{D}{b}\nabla_\mu \mathcal{L}_{\mathrm{latent}}$: a positive
#    multiple of the L1 loss's gradient for every $b$, so minimising the L1
#    loss ascends the bound whatever scale one has in mind.

# %% [markdown]
# Check your formula numerically: fill in `laplace_bound` below.

# %%
def laplace_bound(z, mu, b):
    """H(Z) + mean log q(z | b_hat) for z ~ N(0, I_D), Laplace q (nats)."""
    # YOUR CODE: use only torch and math (no companion functions)
    raise NotImplementedError


# %% tags=["solution"]
def laplace_bound(z, mu, b):  # noqa: F811
    """H(Z) + mean log q(z | b_hat) for z ~ N(0, I_D), Laplace q (nats)."""
    d = z.shape[1]
    entropy = 0.5 * d * math.log(2 * math.pi * math.e)
    mae = (z - mu).abs().mean()
    return entropy - d * math.log(2 * b) - d / b * mae


# %%
gen = torch.Generator().manual_seed(0)
z = torch.randn(N, 8, generator=gen)
mu = z + 0.3 * torch.randn(z.shape, generator=gen)
for b in (0.2, 0.5, 1.0):
    mine = float(laplace_bound(z, mu, b))
    ref = float(laplace_log_likelihood(z, mu, math.log(b)).mean()
                + 4 * math.log(2 * math.pi * math.e))
    print(f"b = {b}: yours {mine:.4f}, package {ref:.4f}")
    assert abs(mine - ref) < 1e-4
mae = float(latent_regression_l1(mu, z))
best = max((0.2, 0.5, mae, 1.0), key=lambda b: float(laplace_bound(z, mu, b)))
print(f"best scale among the candidates: {best:.4f} (the MAE is {mae:.4f})")
assert best == mae

# %% [markdown]
# ## Exercise 2: implement the categorical BA bound
#
# Given logits $\ell \in \mathbb{R}^{N \times K}$ of $q(c \mid x)$ and the
# categories $c \in \{0..K-1\}^N$ drawn from a uniform prior, return
# $\log K + \frac1N \sum_i \log\mathrm{softmax}(\ell_i)_{c_i}$ in nats. Use a
# numerically stable log-softmax (`torch.logsumexp`).

# %%
def my_categorical_bound(logits, c):
    """BA bound (nats) with a categorical q and a uniform prior over K."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def my_categorical_bound(logits, c):  # noqa: F811
    """BA bound (nats) with a categorical q and a uniform prior over K."""
    k = logits.shape[1]
    log_q = logits - torch.logsumexp(logits, dim=1, keepdim=True)  # (N, K)
    return math.log(k) + log_q[torch.arange(len(c)), c].mean()


# %%
logits = 5 * torch.randn(N, 10, generator=gen)
c = torch.randint(0, 10, (N,), generator=gen)
mine = float(my_categorical_bound(logits, c))
ref = float(categorical_ba_lower_bound(logits, c).estimate)
print(f"yours {mine:.5f}, package {ref:.5f}")
assert abs(mine - ref) < 1e-4
# Known answers: a blind q gives 0; a confident, correct q gives log 10;
# huge logits must not overflow.
assert abs(float(my_categorical_bound(torch.zeros(4, 10), c[:4]))) < 1e-6
exact = 1e4 * torch.nn.functional.one_hot(c, 10).float()
assert abs(float(my_categorical_bound(exact, c)) - math.log(10)) < 1e-4

# %% [markdown]
# ## Exercise 3: the bound never exceeds the MI
#
# Take a random joint table $p(c, x)$ ($4 \times 6$) and 100 random
# posteriors $q(c \mid x)$. Compute the exact bound with
# `discrete_ba_lower_bound` and the MI with `discrete_mi`. What is the largest
# bound you find, and which $q$ attains the MI?

# %% tags=["solution"]
joint = torch.rand(4, 6, generator=gen, dtype=torch.float64) ** 3
joint = joint / joint.sum()
mi = discrete_mi(joint)
best_random = max(
    discrete_ba_lower_bound(joint, q / q.sum(0))
    for q in torch.rand(100, 4, 6, generator=gen, dtype=torch.float64)
)
at_posterior = discrete_ba_lower_bound(joint, joint / joint.sum(0))
print(f"MI {mi:.4f}, best random q {best_random:.4f}, "
      f"true posterior {at_posterior:.4f}")
assert best_random <= mi and abs(at_posterior - mi) < 1e-9

# %% [markdown]
# ## Exercise 4: why a variance floor?
#
# A code read back exactly lets a learned variance shrink forever. Evaluate
# the Gaussian log-likelihood of an exact reconstruction with
# $\log\sigma^2 = -40$ with and without a floor (`min_std`). What is the
# bound for $D = 2$ codes with `min_std=0.05`?

# %% tags=["solution"]
c2 = torch.zeros(3, 2)
tiny = torch.full((3, 2), -40.0)
no_floor = gaussian_log_likelihood(c2, c2, tiny, min_std=1e-12)
floored = gaussian_log_likelihood(c2, c2, tiny, min_std=0.05)
print(f"log q without a floor {no_floor[0]:.1f}, with min_std=0.05 "
      f"{floored[0]:.3f} nats")
expected = -2 * math.log(0.05) - math.log(2 * math.pi)
assert no_floor[0] > 30 and abs(floored[0] - expected) < 1e-4

# %% [markdown]
# ```{admonition} What differs from the papers, and why
# :class: note
# The papers have no exercises. Every answer here is checked against a closed form on sampled
# codes (4,096 at the `cpu` preset, 65,536 at `gpu` and `paper`); nothing is trained, so the
# presets change only the Monte Carlo error.
# ```
#
# ## Summary
#
# - L1 latent loss = Laplace BA bound (best scale: the mean absolute error);
#   L2 = Gaussian with a fixed variance.
# - The categorical BA bound is $\log K$ minus a cross-entropy, at most
#   $\log K$.
# - Continuous bounds need a floor on the posterior's scale.
#
# ## References
#
# - Seed paper 000 {cite}`zuo2020segan`, App. A; InfoGAN
#   {cite}`chen2016infogan`, Lemma 5.1; Barber & Agakov {cite}`barber2003im`.
