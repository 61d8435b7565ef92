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
# # 6.4 Exercises: the information budget of a translator
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/06_min_mi/06_04_exercises.ipynb)
#
# **Learning goals**
#
# - compute a plug-in mutual information from paired discrete samples;
# - check the budget $H(Y') = I(\Xi; Y') + I(X; Y' \mid \Xi)$ of Section 6.1 on three
#   one-bit translators: source only, noise only, and $X \oplus \Xi$;
# - see why a small $I(\Xi; Y')$ does not imply a large $I(X; Y')$.
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
import math

import pandas as pd
import torch

import companion
from companion.exercises import check_plugin_mi
from companion.mi import discrete_mi

PRESET = companion.preset()
print(companion.run_header(PRESET, {"cpu": 5}))

# %% [markdown]
# ## Exercise 1: a plug-in estimate
#
# Given paired samples $a_1, \dots, a_N$ and $b_1, \dots, b_N$ of two discrete variables
# (integers from $0$), count the pairs into a joint table, divide by $N$, and return
# $\sum_{a, b} \hat p(a, b) \log \frac{\hat p(a, b)}{\hat p(a)\, \hat p(b)}$ in nats.
# `companion.mi.discrete_mi(joint)` computes the last step from a table, if you want it.


# %%
def plugin_mi(a, b):
    """Plug-in MI in nats of paired integer samples a (N,), b (N,)."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def plugin_mi(a, b):  # noqa: F811
    """Plug-in MI in nats of paired integer samples a (N,), b (N,)."""
    joint = torch.zeros(int(a.max()) + 1, int(b.max()) + 1, dtype=torch.float64)
    ones = torch.ones(len(a), dtype=torch.float64)
    joint.index_put_((a, b), ones, accumulate=True)
    return discrete_mi(joint / len(a))


# %%
check_plugin_mi(plugin_mi)

# %% [markdown]
# ## Exercise 2: three one-bit translators
#
# Let $X$ (the source) and $\Xi$ (the noise) be independent fair bits, and enumerate the
# four pairs $(x, \xi)$ once each, so that every plug-in value is exact. Three translators:
# *source only* $Y' = X$, *noise only* $Y' = \Xi$, and *XOR* $Y' = X \oplus \Xi$. For each,
# compute $H(Y')$, $I(\Xi; Y')$, $I(X; Y')$ and $I(X; Y' \mid \Xi)$. For the last one use
# $X \perp \Xi$: $I(X; Y' \mid \Xi) = I(X; (Y', \Xi))$, and encode the pair $(y', \xi)$ as the
# single integer $2y' + \xi$. Then check the budget of Section 6.1.

# %%
x, xi = torch.arange(4) // 2, torch.arange(4) % 2
translators = {"source only": x, "noise only": xi, "XOR": x ^ xi}


def budget(y):
    """H(Y'), I(Xi; Y'), I(X; Y'), I(X; Y' | Xi) in nats for outputs y (4,)."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def budget(y):  # noqa: F811
    """H(Y'), I(Xi; Y'), I(X; Y'), I(X; Y' | Xi) in nats for outputs y (4,)."""
    return {
        "H(Y')": plugin_mi(y, y),  # I(Y'; Y') = H(Y')
        "I(Xi; Y')": plugin_mi(xi, y),
        "I(X; Y')": plugin_mi(x, y),
        "I(X; Y' | Xi)": plugin_mi(x, 2 * y + xi),
    }


# %%
table = pd.DataFrame({name: budget(y) for name, y in translators.items()}).T
print(table.round(4).to_string())

# %% [markdown] tags=["solution"]
# **Solution.** Every output is one fair bit, so $H(Y') = \ln 2 = 0.6931$ for all three.
# Source only: $I(\Xi; Y') = 0$ and $I(X; Y' \mid \Xi) = \ln 2$. Noise only: the reverse. XOR:
# $I(\Xi; Y') = 0$ *and* $I(X; Y') = 0$, yet $I(X; Y' \mid \Xi) = \ln 2$: given the noise,
# the output reveals the source, but neither input alone says anything about the output.
# In all three rows $H(Y') = I(\Xi; Y') + I(X; Y' \mid \Xi)$, the budget of Section 6.1.
#
# ## Exercise 3: which sign?
#
# A GAN pins the law of $Y'$, hence $H(Y')$. Among the three translators, which one does
# *maximizing* $I(\Xi; Y')$ select, and which does *minimizing* it leave? What does the XOR
# row say about using $\min I(\Xi; Y')$ as a proxy for "the output depends on the source"?

# %% [markdown] tags=["solution"]
# **Solution.** Maximizing $I(\Xi; Y')$ selects *noise only* ($\ln 2$, the whole budget):
# the random transfer the paper warns about. Minimizing it leaves *source only* and *XOR*
# (both $0$). Only the first makes $Y'$ depend on $X$ by itself ($I(X; Y') = \ln 2$); XOR
# satisfies the penalty while $I(X; Y') = 0$. So $\min I(\Xi; Y')$ raises the source's share
# $I(X; Y' \mid \Xi)$, not $I(X; Y')$; what rules out entangled solutions like XOR in the paper
# is the architecture (the noise joins at a bottleneck through its own branch), and the
# paper's other option, maximizing $I(X; Y')$ directly, targets the dependence itself.
#
# ```{admonition} What differs from the paper, and why
# :class: note
# The paper has no exercises. The one-bit translators are exact enumerations (no sampling,
# no training), so every preset runs the same cells.
# ```
#
# ## Checks
#
# The values are exact, so the checks compare with the closed forms: $H(Y') = \ln 2$ for every
# row, the two mutual informations of each row as in the solution, and the budget identity.

# %%
check_plugin_mi(lambda a, b: plugin_mi(a, b))
LN2 = math.log(2)
expected = {
    "source only": (LN2, 0.0, LN2, LN2),
    "noise only": (LN2, LN2, 0.0, 0.0),
    "XOR": (LN2, 0.0, 0.0, LN2),
}
for name, values in expected.items():
    got = tuple(table.loc[name])
    assert all(abs(g - v) < 1e-9 for g, v in zip(got, values)), (name, got)
    h, i_noise, _, i_source_given_noise = got
    assert abs(h - (i_noise + i_source_given_noise)) < 1e-9, name
print("budget holds on all three translators")

# %% [markdown]
# ## Summary
#
# - The plug-in MI of exact tables makes the budget $H(Y') = I(\Xi; Y') + I(X; Y' \mid \Xi)$
#   visible: the GAN fixes the left side, the penalty moves information between the terms.
# - Maximizing the noise's share selects the translator that ignores its source;
#   minimizing it does not by itself guarantee $I(X; Y') > 0$ (XOR).
#
# ## References
#
# - Seed paper 002 {cite}`anonymous2019onetomany`: Sec. 2.3 (trivial solutions), Sec. 4.2
#   (the two options: minimize $I(\Xi; Y')$ or maximize $I(X; Y')$).
