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
# # 5.3 Exercises: MILO, the KL term and who trains what
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/05_miso/05_03_exercises.ipynb)
#
# **Learning goals**
#
# - implement MILO (the paper's Eq. 5) from the Gaussian density, and find
#   by hand the $\sigma$ that minimises it and the value it takes there;
# - implement the KL of a diagonal Gaussian to $\mathcal{N}(0, I)$ (Eqs.
#   10-12) and check it against a Monte Carlo estimate;
# - read MISO's computation graph: which network each of its losses trains,
#   checked against autograd on a real (small) MISO.
#
# Write your answers in the cells marked `# YOUR CODE`; the solutions are in
# cells tagged `solution` (hidden on the website). Each check cell calls a
# checker from `companion.exercises`, which compares your function with the
# package's on known inputs and names the usual mistakes.

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

import torch

import companion
from companion.exercises import (
    check_kl_to_standard_normal,
    check_milo_loss,
    check_miso_routing,
)

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# Monte Carlo samples for the KL of Exercise 2.
N_MC = {"smoke": 10_000, "cpu": 100_000, "gpu": 100_000, "paper": 1_000_000}[PRESET]
print(companion.run_header(PRESET, {"cpu": 15}, mc_samples=N_MC))

# %% [markdown]
# ## Exercise 1: MILO from its density
#
# The style encoder returns $(\mu_{\mathrm{out}}, \log\sigma^2_{\mathrm{out}})$
# for a translated image; MILO is the negative log-density of the code $z$
# under $\mathcal{N}(\mu_{\mathrm{out}}, \sigma^2_{\mathrm{out}})$, summed over
# the $d$ code dimensions and averaged over the batch (Section 5.1).
#
# 1. Implement `my_milo(z, mu, logvar)`, all $(N, d)$, returning a 0-d tensor
#    in nats. No floor on $\sigma$, no stop-gradient.
# 2. By hand: its value for $z = \mu$ and $\log\sigma^2 = 0$ in $d = 2$
#    dimensions.
# 3. For one coordinate with error $\delta = z - \mu \neq 0$, find the
#    $\sigma$ that minimises MILO and the minimum value. What happens as
#    $\delta \to 0$?


# %%
def my_milo(z, mu, logvar):
    """MILO: -log N(z; mu, exp(logvar)), summed over dimensions, mean over rows."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def my_milo(z, mu, logvar):  # noqa: F811
    """MILO: -log N(z; mu, exp(logvar)), summed over dimensions, mean over rows."""
    nll = 0.5 * (math.log(2 * math.pi) + logvar + (z - mu) ** 2 * torch.exp(-logvar))
    return nll.sum(dim=1).mean()


# %%
check_milo_loss(my_milo)

# %% [markdown] tags=["solution"]
# **Solution 2.** Each dimension gives $\tfrac12 \log 2\pi \approx 0.9189$,
# so $\log 2\pi \approx 1.8379$ nats for $d = 2$.
#
# **Solution 3.** $\ell(\sigma) = \tfrac12 \log 2\pi + \log\sigma
# + \delta^2 / 2\sigma^2$ has $\ell'(\sigma) = 1/\sigma - \delta^2/\sigma^3$,
# zero at $\sigma = |\delta|$, where
# $\ell = \tfrac12 \log(2\pi e\,\delta^2)$. As $\delta \to 0$ the minimum goes
# to $-\infty$: MILO is unbounded below, which is why the package floors
# $\sigma$. The grid search below confirms both.

# %% tags=["solution"]
zero = torch.zeros(1, 2, dtype=torch.float64)
by_hand = my_milo(zero, zero, zero).item()
print(f"z = mu, unit variance, d = 2: {by_hand:.4f}")
print(f"log 2 pi = {math.log(2 * math.pi):.4f}")
sigmas = torch.logspace(-3, 1, 801, dtype=torch.float64)  # steps of 1.2 %
for delta in (1.0, 0.1, 0.01):
    z = torch.full((1, 1), delta, dtype=torch.float64)
    log_vars = 2 * torch.log(sigmas).view(-1, 1, 1)  # (801, 1, 1)
    values = torch.stack([my_milo(z, 0 * z, v) for v in log_vars])
    best = sigmas[values.argmin()].item()
    closed = 0.5 * math.log(2 * math.pi * math.e * delta**2)
    print(
        f"delta {delta:5.2f}: best sigma {best:.4f}, min {values.min():.4f}, "
        f"closed form {closed:.4f}"
    )
    assert abs(values.min().item() - closed) < 1e-3 and abs(best - delta) < 0.02 * delta

# %% [markdown]
# ## Exercise 2: the KL term
#
# MISO pulls each style posterior towards $\mathcal{N}(0, I)$ with
# $\mathcal{L}_{\mathrm{KL}} = \mathbb{E}_a\,\mathrm{KL}\big(q(z \mid a)
# \,\|\, \mathcal{N}(0, I)\big)$ (Eqs. 10-12), so that random codes at test
# time look like encoded ones.
#
# 1. Implement `my_kl(mu, logvar)`, $(N, d)$ each: the KL in closed form,
#    summed over dimensions, averaged over rows.
# 2. Compute $\mathrm{KL}(\mathcal{N}(0.5, 0.25) \,\|\, \mathcal{N}(0, 1))$ by
#    hand, then estimate it by Monte Carlo as
#    $\mathbb{E}_{q}[\log q(z) - \log p(z)]$.


# %%
def my_kl(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over dimensions, mean over rows."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def my_kl(mu, logvar):  # noqa: F811
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over dimensions, mean over rows."""
    return (0.5 * (mu**2 + logvar.exp() - 1 - logvar)).sum(dim=1).mean()


# %%
check_kl_to_standard_normal(my_kl)

# %% [markdown] tags=["solution"]
# **Solution 2.** $\tfrac12(\mu^2 + \sigma^2 - 1 - \log\sigma^2)
# = \tfrac12(0.25 + 0.25 - 1 + \log 4) \approx 0.4431$ nats.

# %% tags=["solution"]
gen = torch.Generator().manual_seed(SEED)
q = torch.distributions.Normal(0.5, 0.5)
samples = 0.5 + 0.5 * torch.randn(N_MC, generator=gen)  # draws of q
prior = torch.distributions.Normal(0.0, 1.0)
mc = (q.log_prob(samples) - prior.log_prob(samples)).mean().item()
closed_kl = my_kl(torch.tensor([[0.5]]), torch.tensor([[math.log(0.25)]])).item()
print(f"closed form {closed_kl:.4f}, Monte Carlo ({N_MC} samples) {mc:.4f}")
# Monte Carlo agrees within 4 standard errors (about 0.003 at 100,000 samples).
stderr = (q.log_prob(samples) - prior.log_prob(samples)).std().item() / math.sqrt(N_MC)
print(f"|MC - closed| = {abs(mc - closed_kl):.4f}, standard error {stderr:.4f}")
assert abs(closed_kl - 0.4431) < 1e-4
assert abs(mc - closed_kl) < 4 * stderr

# %% [markdown]
# ## Exercise 3: which network does each loss train?
#
# MISO has six networks: style encoders `E_A`, `E_B`; translators `G`
# ($A \to B$) and `G_BA` ($B \to A$), each with its conditional encoder
# inside; discriminators `D` (of $B$) and `D_A`. One optimizer steps the
# discriminators on $\mathcal{L}_D$, another steps everything else on the
# generator losses. Fill in, for the $A$ side of each loss (the $B$ side is
# symmetric), the set of networks it *trains*: those it sends a gradient to
# and that its optimizer steps. The package's choices (Section 5.1): MILO's
# code $z_a$ is detached inside MILO, $\mathcal{L}_{\mathrm{lat}}$ does not
# update the style encoders, the cycle uses the style of the *real* image.
#
# | key | loss |
# |---|---|
# | `L_info` | MILO of $z_a \sim q(z \mid a)$ under $E_A(G_{BA}(b, z_a))$ |
# | `L_kl` | the KL terms of both style encoders |
# | `L_cyc` | both cycles, $G_{AB}(G_{BA}(b, z_a), z_b) \approx b$ and its twin |
# | `L_lat` | $\lVert \mu_A(G_{BA}(b, z)) - z \rVert_1$ and its twin, random $z$ |
# | `L_adv_enc` | G's adversarial loss on $G_{BA}(b, z_a)$ |
# | `L_adv_rand` | G's adversarial loss on $G_{BA}(b, z)$ |
# | `L_D` | $D_A$'s loss on real $a$ and both kinds of fakes |

# %%
my_routing = {
    # YOUR CODE: e.g. "L_kl": {"E_A", "E_B"},
}

# %% tags=["solution"]
my_routing = {
    "L_info": {"E_A", "G_BA"},  # E_A as q on the fake; G_BA makes the fake
    "L_kl": {"E_A", "E_B"},
    "L_cyc": {"E_A", "E_B", "G", "G_BA"},  # z_a and z_b come from real images
    "L_lat": {"G", "G_BA"},  # the encoders are frozen inside L_lat
    "L_adv_enc": {"E_A", "G_BA"},  # through the reparameterised z_a
    "L_adv_rand": {"G_BA"},  # z ~ N(0, I) has no encoder behind it
    "L_D": {"D_A"},  # fakes are detached
}

# %%
if my_routing:
    check_miso_routing(my_routing)

# %% [markdown] tags=["solution"]
# **Discussion.** `L_info` reaches `E_A` twice over: as the posterior on the
# fake, and through $z_a$ into the fake's input (the stop-gradient only cuts
# the *target* $z_a$ in the likelihood). `L_adv_enc` trains `E_A` too: the
# encoder is asked for codes whose translations fool $D_A$. The generator
# losses also send gradients into the discriminators, but the generator
# optimizer does not step them.
#
# ```{admonition} What differs from the paper, and why
# :class: note
# Nothing is trained. The paper states only that $\mathcal{L}_D$ updates the
# discriminators and $\mathcal{L}_{GE}$ everything else; the per-loss routing
# of Exercise 3 follows from the graph plus the package's two documented
# choices (stop-gradient on MILO's target, frozen encoders in
# $\mathcal{L}_{\mathrm{lat}}$). The Monte Carlo KL uses 100,000 samples at
# `cpu` (1,000,000 at `paper`).
# ```
#
# ## Checks

# %%
# The solutions agree with the references (the checkers raise otherwise).
check_milo_loss(my_milo)
check_kl_to_standard_normal(my_kl)
check_miso_routing(my_routing)

# %% [markdown]
# ## Summary
#
# - MILO is three lines: the Gaussian negative log-density, summed over code
#   dimensions. Its minimum over $\sigma$ is the log of the recovery error,
#   and it has no floor of its own.
# - The KL of a diagonal Gaussian to $\mathcal{N}(0, I)$ is a closed form;
#   Monte Carlo agrees within its standard error.
# - Encoded styles train the style encoder through every loss they enter;
#   random styles train only the translators.
#
# **References.** MISO {cite}`na2019miso`: Eqs. 5, 10-13, Fig. 2.
