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
# # 7.5 Exercises: the selector, the max over generators, and MMD²
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/07_transfer/07_05_exercises.ipynb)
#
# **Learning goals**
#
# - compute MineGAN's selector: the frequency with which each generator wins the critic's
#   arg-max, over the last minibatches only;
# - write the miners' loss of Eq. 3.6 so that only the winning sample of each supersample
#   backpropagates;
# - write the unbiased MMD² estimator that Section 7.2 scores samples with.
#
# Write your answers in the cells marked `# YOUR CODE`; the solutions are in
# cells tagged `solution` (hidden on the website). The check cell calls a
# checker from `companion.exercises`, which compares your function with the
# package's reference on known answers.

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
import torch

import companion
from companion.exercises import (
    check_mmd2,
    check_selector_probs,
    check_supersample_loss,
)

PRESET = companion.preset()
print(companion.run_header(PRESET, {"cpu": 5}))

# %% [markdown]
# ## Exercise 1: the selector
#
# `scores` (B, K, N) holds the critic's scores of B minibatches (oldest first), each of K
# supersamples of N generators. For each minibatch, $\hat p_i$ is the fraction of its K
# supersamples in which generator $i$ has the highest score; the selector's $p_i$ is the
# mean of $\hat p_i$ over the last `window` minibatches (Sec. 3.3: the last 1000).


# %%
def selector_probs(scores, window):
    """(B, K, N) scores, an int window -> (N,) probabilities summing to 1."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def selector_probs(scores, window):  # noqa: F811
    """(B, K, N) scores, an int window -> (N,) probabilities summing to 1."""
    n = scores.shape[2]
    recent = scores[-window:]  # (W, K, N): the last `window` minibatches
    wins = torch.nn.functional.one_hot(recent.argmax(dim=2), n)  # (W, K, N)
    return wins.double().mean(dim=(0, 1))  # mean over supersamples, then batches


# %%
check_selector_probs(selector_probs)

# %% [markdown]
# ## Exercise 2: only the winner backpropagates
#
# `generators` and `miners` are lists of N modules, `u` (N, K, U) one noise batch per
# generator, `critic` maps (M, 2) points to (M,) scores. Sample $i$ of supersample $k$ is
# $G_i(M_i(u^i_k))$. Return the miners' loss of Eq. 3.6,
# $\mathcal{L}^M_G = -\frac{1}{K} \sum_k \max_i D(G_i(M_i(u^i_k)))$. The checker also
# verifies where the gradient goes: a generator whose sample never wins must leave its
# miner without gradient.


# %%
def supersample_loss(critic, generators, miners, u):
    """The miners' loss (a scalar tensor) of K supersamples."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def supersample_loss(critic, generators, miners, u):  # noqa: F811
    """The miners' loss (a scalar tensor) of K supersamples."""
    x = torch.stack([g(m(u_i)) for g, m, u_i in zip(generators, miners, u)])
    n, k = x.shape[:2]  # x: (N, K, 2)
    scores = critic(x.flatten(0, 1)).view(n, k).T  # (K, N)
    # max's gradient is 1 at the arg-max and 0 elsewhere: losers get none
    return -scores.max(dim=1).values.mean()


# %%
check_supersample_loss(supersample_loss)

# %% [markdown]
# Why not average all samples? Then every miner is pushed toward the target,
# whether its generator can draw it or not, and the critic, which scores only the best
# sample of a supersample in Eq. 3.5, can no longer compare *how often* each generator
# wins with how often the target needs it: the selector's frequencies would lose their
# meaning.
#
# ## Exercise 3: the MMD² estimator
#
# With $k(a, b) = \exp(-\lVert a - b \rVert^2 / (2 s^2))$, the unbiased estimator of
# $\mathrm{MMD}^2$ between samples $x_{1..N}$ and $y_{1..M}$ is
#
# $$
# \frac{1}{N(N-1)} \sum_{i \ne j} k(x_i, x_j)
# + \frac{1}{M(M-1)} \sum_{i \ne j} k(y_i, y_j)
# - \frac{2}{NM} \sum_{i, j} k(x_i, y_j).
# $$
#
# Return it as a scalar tensor for `x` (N, D), `y` (M, D) and a float `s`.


# %%
def mmd2(x, y, s):
    """Unbiased Gaussian-kernel MMD² of x (N, D) and y (M, D), bandwidth s."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def mmd2(x, y, s):  # noqa: F811
    """Unbiased Gaussian-kernel MMD² of x (N, D) and y (M, D), bandwidth s."""

    def k(a, b):
        return torch.exp(-torch.cdist(a, b).pow(2) / (2 * s**2))

    n, m = len(x), len(y)
    k_xx = (k(x, x).sum() - n) / (n * (n - 1))  # the diagonal holds n ones
    k_yy = (k(y, y).sum() - m) / (m * (m - 1))
    return k_xx + k_yy - 2 * k(x, y).mean()


# %%
check_mmd2(mmd2)

# %% [markdown]
# Why leave the diagonal out? Each $k(x_i, x_i) = 1$ whatever the distributions, so
# including it adds $1/N + 1/M$ (less the matching cross terms) to the estimate: two
# samples of the *same* distribution would score above zero, the more so the smaller the
# samples. With 20 target points, as in Section 7.2, that bias would be of the size of
# the differences we want to see.

# %%
g = torch.Generator().manual_seed(0)
x, y = torch.randn(20, 2, generator=g), torch.randn(20, 2, generator=g)
k_xx = torch.exp(-torch.cdist(x, x).pow(2) / 2)  # (20, 20), s = 1
k_yy = torch.exp(-torch.cdist(y, y).pow(2) / 2)
k_xy = torch.exp(-torch.cdist(x, y).pow(2) / 2)
unbiased = mmd2(x, y, 1.0).item()
biased = (k_xx.mean() + k_yy.mean() - 2 * k_xy.mean()).item()
print("two samples of N(0, I), 20 points each, s = 1:")
print(f"  unbiased {unbiased:+.3f}, biased {biased:+.3f}")
# the gap is exactly (1 - off-diagonal mean) / N for each sample
off = [(k.sum() - 20) / (20 * 19) for k in (k_xx, k_yy)]
gap = sum((1 - o) / 20 for o in off).item()
assert abs((biased - unbiased) - gap) < 1e-5, (biased - unbiased, gap)
assert gap > 0.03

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# The thesis has no exercises. Exercise 1 follows the selector of Sec. 3.3 exactly (arg-max
# frequencies over a window of minibatches, no Gumbel-softmax); Exercise 2 uses fixed
# shift "generators" on 2-D points so that which sample wins is known in advance; the
# thesis scores with KMMD on Inception features, where Exercise 3 works on raw points.
# Nothing is trained, so every preset runs the same cells.
# ```
#
# ## Summary
#
# - The selector is a count, not a network: the frequency of arg-max wins over recent
#   minibatches, fixed at inference.
# - The max over a supersample routes the gradient to one miner per supersample.
# - The unbiased MMD² drops the kernel's diagonal, so equal distributions score about 0.
#
# ## References
#
# - MineGAN {cite}`wang2020minegan`: Chapter 3 of the seed thesis 003, Eqs. 3.5-3.6,
#   Sec. 3.3.
# - MMD: Gretton et al., A kernel two-sample test, JMLR 13, 2012.
