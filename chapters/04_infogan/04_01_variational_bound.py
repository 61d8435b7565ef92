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
# # 4.1 The variational (Barber-Agakov) bound
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/04_infogan/04_01_variational_bound.ipynb)
#
# **Learning goals**
#
# - derive the Barber-Agakov (BA) lower bound on $I(c; x)$ from
#   $H(c) - H(c \mid x)$, and name its gap: an expected KL divergence;
# - see that the bound is tight exactly when $q(c \mid x)$ is the true
#   posterior, and never above the true MI otherwise;
# - recognise the three posterior families the book uses (categorical,
#   Gaussian, Laplace) and why an L1 latent loss *is* the Laplace case and an
#   L2 latent loss the Gaussian one.

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

import matplotlib.pyplot as plt
import torch

import companion
from companion.losses import latent_regression_l1
from companion.mi.variational import (
    ba_gap,
    categorical_ba_lower_bound,
    discrete_ba_lower_bound,
    discrete_mi,
    gaussian_ba_lower_bound,
    laplace_ba_lower_bound,
    laplace_log_likelihood,
    uniform_entropy,
)
from companion.viz import source_listing

PRESET = companion.preset()
companion.seed_everything(0)
# Everything here is exact or a few thousand samples: no data, any preset.
N_SAMPLES = {"smoke": 2_000, "cpu": 20_000, "gpu": 200_000, "paper": 200_000}[PRESET]
Q_STEPS = {"smoke": 50, "cpu": 300, "gpu": 1_000, "paper": 1_000}[PRESET]
print(companion.run_header(PRESET, samples=N_SAMPLES, q_steps=Q_STEPS))

# %% [markdown]
# ## The idea
#
# A generator $G(z, c)$ should *use* its code $c$: looking at $x = G(z, c)$
# should tell us which $c$ made it. That is a large mutual information
# $I(c; x)$. Maximising it directly needs the posterior $p(c \mid x)$, which
# means inverting the generator. The BA bound {cite}`barber2003im` replaces it
# by any distribution $q(c \mid x)$ that we can evaluate, for instance a
# network's output, and turns "invert G" into "train a classifier (or a
# regressor) of the code".
#
# ## Derivation
#
# Start from the definition with the conditional entropy
# $H(c \mid x) = -\mathbb{E}_{p(c, x)}[\log p(c \mid x)]$:
#
# $$I(c; x) = H(c) - H(c \mid x) = H(c) + \mathbb{E}_{p(c, x)}[\log p(c \mid x)].$$
#
# Multiply and divide by $q(c \mid x)$ inside the logarithm:
#
# $$\mathbb{E}_{p(c, x)}[\log p(c \mid x)]
#   = \mathbb{E}_{p(c, x)}[\log q(c \mid x)]
#   + \mathbb{E}_{p(x)}\,\mathbb{E}_{p(c \mid x)}\Big[\log \frac{p(c \mid x)}{q(c \mid x)}\Big].$$
#
# The inner expectation of the second term is
# $\mathrm{KL}(p(c \mid x) \,\|\, q(c \mid x)) \ge 0$. Hence
#
# $$I(c; x) = \underbrace{H(c) + \mathbb{E}_{p(c, x)}[\log q(c \mid x)]}_{I_{\mathrm{BA}}(q)}
#   + \underbrace{\mathbb{E}_{p(x)}\,\mathrm{KL}(p(c \mid x) \,\|\, q(c \mid x))}_{\text{gap} \;\ge\; 0}
#   \;\ge\; I_{\mathrm{BA}}(q).$$
#
# Three consequences:
#
# 1. the bound never exceeds the MI, whatever $q$ is;
# 2. it is tight if and only if $q(c \mid x) = p(c \mid x)$ for ($p$-almost) every $x$;
# 3. maximising $I_{\mathrm{BA}}$ over $q$ *is* fitting $q$ by maximum likelihood
#    on pairs $(c, x)$, and $H(c)$ is a constant when the prior of $c$ is fixed.
#
# InfoGAN {cite}`chen2016infogan` (Lemma 5.1) adds one observation: the pairs
# can be drawn forwards, $c \sim p(c)$ then $x = G(z, c)$, so no sample from
# the posterior is ever needed. Seed paper 000 {cite}`zuo2020segan` (App. A,
# Eq. (9)) applies the same steps to the pair $(z, \hat b)$ of a conditional
# generator.

# %% [markdown]
# ## Posterior families, and the L1 = Laplace statement
#
# | family | $-\log q(c \mid x)$ per dimension | used by |
# |---|---|---|
# | categorical, logits $\ell$ | $-\ell_c + \log \sum_k e^{\ell_k}$ (cross-entropy) | InfoGAN's digit code |
# | Gaussian $\mathcal{N}(\mu, \sigma^2)$ | $\frac{(c - \mu)^2}{2\sigma^2} + \log \sigma + \tfrac12 \log 2\pi$ | InfoGAN's continuous codes, MISO's MILO |
# | Laplace $\mathcal{L}(\mu, b)$ | $\frac{\lvert c - \mu\rvert}{b} + \log 2b$ | cLR-GAN, BicycleGAN's latent regression |
#
# With the scale fixed, the Laplace row is $\lvert c - \mu\rvert / b$ plus a
# constant: **an L1 latent loss is minus a BA bound with a Laplace posterior**,
# with gradient $1/b$ times the L1 gradient. With $\sigma$ fixed, the Gaussian
# row is an **L2 (squared error) latent loss**. The package's versions return
# $\log q$ in nats, summed over code dimensions:

# %%
source_listing(laplace_log_likelihood)

# %% [markdown]
# ## Experiment 1: a discrete toy with known MI
#
# A code $c$ uniform on 10 values goes through a noisy channel: $x = c$ with
# probability $1 - \varepsilon$, otherwise a uniformly random other value. All
# quantities are exact sums over the $10 \times 10$ joint table. We slide $q$
# from a blind guess (uniform, $t = 0$) to the true posterior ($t = 1$):
# $q_t = (1 - t)\,\text{uniform} + t\, p(c \mid x)$.

# %%
K, EPS = 10, 0.3
joint = torch.full((K, K), EPS / (K - 1), dtype=torch.float64)
joint.fill_diagonal_(1 - EPS)
joint = joint / K  # p(c, x): rows c, columns x
posterior = joint / joint.sum(0)  # p(c | x), columns sum to 1
uniform_q = torch.full_like(posterior, 1 / K)

mi_true = discrete_mi(joint)
ts = torch.linspace(0, 1, 21, dtype=torch.float64)
bounds = [
    discrete_ba_lower_bound(joint, (1 - t) * uniform_q + t * posterior) for t in ts
]
gaps = [ba_gap(joint, (1 - t) * uniform_q + t * posterior) for t in ts]
print(f"true I(c; x) = {mi_true:.4f} nats (log 10 = {math.log(10):.4f})")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(ts, bounds, label="$I_{BA}(q_t)$")
ax.plot(ts, [b + g for b, g in zip(bounds, gaps)], "--", label="bound + E KL gap")
ax.axhline(mi_true, c="gray", lw=1, label="true MI")
ax.set_xlabel("t (0: uniform q, 1: true posterior)")
ax.set_ylabel("nats")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# The bound climbs to the true MI as $q$ approaches the posterior, and bound
# plus gap is the MI everywhere: the derivation's identity, exactly.
#
# ## Experiment 2: learning $q$ from samples, as InfoGAN's $Q$ does
#
# Now forget the table: draw pairs $(c, x)$ and fit the logits of
# $q(c \mid x)$ (a $10 \times 10$ table of parameters) by gradient ascent on
# the sampled bound, exactly the loss InfoGAN's $Q$ head minimises.

# %%
gen = torch.Generator().manual_seed(0)
idx = torch.multinomial(joint.flatten(), N_SAMPLES, replacement=True, generator=gen)
c, x = idx // K, idx % K  # (N,), (N,)
logits_table = torch.zeros(K, K, requires_grad=True)  # row x: logits of q(. | x)
opt = torch.optim.Adam([logits_table], lr=0.05)
trace = []
for _ in range(Q_STEPS):
    bound = categorical_ba_lower_bound(logits_table[x], c)
    opt.zero_grad()
    bound.loss.backward()
    opt.step()
    trace.append(bound.estimate.item())
learned = torch.softmax(logits_table.detach().double(), dim=1).T  # (K, K) q(c | x)
print(f"sampled bound after {Q_STEPS} steps: {trace[-1]:.4f} nats")
print(
    "exact bound of the learned q: "
    f"{discrete_ba_lower_bound(joint, learned):.4f} nats; "
    f"true MI {mi_true:.4f}"
)

# %% [markdown]
# ## Experiment 3: a continuous code; Gaussian and Laplace posteriors
#
# $c \sim \mathcal{U}(-1, 1)$ (InfoGAN's continuous codes, entropy $\log 2$
# nats) and $x = c + 0.1\,n$ with Gaussian $n$. Centre both posteriors at
# $\mu = x$ (nearly the posterior mean) and pick each family's best fixed
# scale; the bounds stay below the true MI, which we compute by numerical
# integration.

# %%
c_cont = torch.rand(N_SAMPLES, 1, generator=gen, dtype=torch.float64) * 2 - 1
x_cont = c_cont + 0.1 * torch.randn(c_cont.shape, generator=gen, dtype=torch.float64)
h_c = uniform_entropy(-1, 1)
sigma_best = (x_cont - c_cont).square().mean().sqrt()
b_best = (x_cont - c_cont).abs().mean()
ba_gauss = gaussian_ba_lower_bound(c_cont, x_cont, 2 * sigma_best.log(), h_c).estimate
ba_laplace = laplace_ba_lower_bound(c_cont, x_cont, b_best.log(), h_c).estimate


def mi_uniform_plus_gaussian(noise: float, grid: int = 4001) -> float:
    """I(c; c + noise * n) for c ~ U(-1, 1), by numerical integration (nats)."""
    xs = torch.linspace(-1 - 6 * noise, 1 + 6 * noise, grid, dtype=torch.float64)
    # p(x) = (Phi((x + 1) / s) - Phi((x - 1) / s)) / 2
    normal = torch.distributions.Normal(0.0, 1.0)
    p_x = 0.5 * (normal.cdf((xs + 1) / noise) - normal.cdf((xs - 1) / noise))
    h_x = -(p_x * p_x.clamp_min(1e-300).log()).sum() * (xs[1] - xs[0])
    h_x_given_c = 0.5 * math.log(2 * math.pi * math.e * noise**2)
    return float(h_x) - h_x_given_c


mi_cont = mi_uniform_plus_gaussian(0.1)
print(
    f"true MI {mi_cont:.4f} | BA Gaussian {ba_gauss:.4f} | BA Laplace {ba_laplace:.4f}"
)

# %% [markdown]
# And the L1 statement, numerically: the gradient of the Laplace negative
# log-likelihood with a fixed scale $b$ equals $D / b$ times the gradient of
# the package's `latent_regression_l1` (which averages over all $N \times D$
# entries, while the likelihood sums over $D$).

# %%
D, b = 8, 0.5
z = torch.randn(64, D, generator=gen)
mu_1 = torch.randn(64, D, generator=gen, requires_grad=True)
mu_2 = mu_1.detach().clone().requires_grad_(True)
(-laplace_log_likelihood(z, mu_1, math.log(b)).mean()).backward()
latent_regression_l1(mu_2, z).backward()
ratio = (mu_1.grad / mu_2.grad).flatten()
print(f"gradient ratio: min {ratio.min():.4f}, max {ratio.max():.4f}, D / b = {D / b}")

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# - **No GAN here**: InfoGAN's bound is checked on channels whose MI is known (a 10-symbol
#   noisy channel, a uniform code plus Gaussian noise), not on a generator's outputs, whose MI
#   no one can compute. Section 4.2 trains the GAN.
# - **$q$**: a free table of logits (Experiment 2) or a fixed-scale posterior centred at $x$
#   (Experiment 3), instead of a network head $Q$ that shares the discriminator's trunk. The
#   bound is the same function of $q$; only the way $q$ is parameterised differs.
# - **Continuous codes**: InfoGAN fits a factored Gaussian and, in its released code, fixes the
#   scale; here both the Gaussian and the Laplace family are compared with their best fixed scale.
# ```
#
# ## Checks

# %%
# 1. The BA bound never exceeds the true MI, and bound + gap = MI exactly.
assert max(bounds) <= mi_true + 1e-12, (max(bounds), mi_true)
assert all(abs(b + g - mi_true) < 1e-9 for b, g in zip(bounds, gaps))
# 2. Tight at the true posterior, and 0 for a blind (uniform) q.
assert abs(bounds[-1] - mi_true) < 1e-9 and abs(bounds[0]) < 1e-9
print(f"bound at t=0: {bounds[0]:.2e}, at t=1: {bounds[-1]:.6f} = MI {mi_true:.6f}")

# %%
# 3. A q learned from samples reaches >= 95% of the true MI (exact bound).
learned_bound = discrete_ba_lower_bound(joint, learned)
print(f"learned q: {learned_bound:.4f} nats = {learned_bound / mi_true:.1%} of the MI")
assert learned_bound <= mi_true + 1e-12
assert learned_bound >= 0.95 * mi_true

# %%
# 4. Continuous code: both families bound the MI from below; the Gaussian,
#    the right family for Gaussian noise, is the tighter.
print(f"MI {mi_cont:.4f} >= Gaussian {ba_gauss:.4f} >= Laplace {ba_laplace:.4f}")
assert ba_laplace < ba_gauss <= mi_cont + 0.01  # 0.01: Monte Carlo error
# 5. L1 latent loss = Laplace case: gradients proportional, ratio D / b.
assert torch.allclose(ratio, torch.full_like(ratio, D / b), rtol=1e-4)

# %% [markdown]
# ## Exercises
#
# 1. Show that the best *fixed* scale of a Laplace posterior is the mean
#    absolute error $\bar e$, and that the bound then equals
#    $H(c) - D(1 + \log 2\bar e)$.
# 2. For which $\varepsilon$ does the channel of Experiment 1 carry no
#    information? Check it with `discrete_mi`.

# %% tags=["solution"]
# 1. d/db [e/b + log 2b] = -e/b^2 + 1/b = 0  =>  b = e; value 1 + log 2e.
# 2. eps = 0.9: then x is uniform whatever c is.
toy = torch.full((K, K), 0.9 / (K - 1), dtype=torch.float64)
toy.fill_diagonal_(0.1)
print(f"I(c; x) at eps = 0.9: {discrete_mi(toy / K):.2e} nats")

# %% [markdown]
# ## Summary
#
# - $I(c; x) = I_{\mathrm{BA}}(q) + \mathbb{E}_x \mathrm{KL}(p(c \mid x) \| q(c \mid x))$:
#   every $q$ gives a lower bound, tight at the true posterior.
# - Maximising the bound over $q$ is maximum-likelihood regression or
#   classification of the code; $H(c)$ is a constant of the prior.
# - The loss you write picks the posterior family: cross-entropy
#   (categorical), squared error (Gaussian), absolute error (Laplace).
#   A learned variance (or scale) makes the bound tighter.
#
# Next: InfoGAN trains such a $q$ as a head on the discriminator, and the
# generator maximises the same bound ({doc}`04_02_infogan_digits`).
#
# ## References
#
# - Barber & Agakov (2003), the IM algorithm {cite}`barber2003im`.
# - InfoGAN {cite}`chen2016infogan`: Lemma 5.1 and Eq. (4)-(5).
# - Seed paper 000 {cite}`zuo2020segan`: App. A, Eq. (8)-(9) (latent
#   reconstruction as a Laplace BA bound).
# - Poole et al. (2019) {cite}`poole2019variational`, Sec. 2.1 (the BA bound
#   among the other variational bounds).
