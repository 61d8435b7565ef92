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
# # 8.4 Exercises: zero-pair scores, routing and the latent loss
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/08_zero_pair/08_04_exercises.ipynb)
#
# **Learning goals**
#
# - compute the scores of the thesis's Tables 4.2-4.5 yourself: mean IoU from a confusion
#   matrix, and the depth accuracy $\delta < 1.25$;
# - list which translations a set of seen pairs leaves unseen, and so which encoder and
#   decoder each one composes;
# - write the latent-consistency loss of stage 2 so that it moves only the non-RGB encoder;
# - see why the latent noise of Section 8.1 is needed: the latent loss alone rewards
#   shrinking the latents.
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
    check_delta_accuracy,
    check_latent_consistency,
    check_miou,
    check_unseen_translations,
)

PRESET = companion.preset()
SEED = 0
companion.seed_everything(SEED)
print(companion.run_header(PRESET, {"cpu": 5}))

# %% [markdown]
# ## Exercise 1: mean IoU from a confusion matrix
#
# The thesis scores depth $\to$ segmentation by the intersection over union of each class,
# averaged (Tables 4.2-4.4, "mIoU"). Given the $K \times K$ confusion matrix $M$ summed over
# every test pixel, with $M_{tp}$ the number of pixels of true class $t$ predicted as $p$,
#
# $$
# \mathrm{IoU}_k = \frac{M_{kk}}{\sum_p M_{kp} + \sum_t M_{tk} - M_{kk}}
#   = \frac{\mathrm{TP}_k}{\mathrm{TP}_k + \mathrm{FN}_k + \mathrm{FP}_k} .
# $$
#
# A class that appears neither in the truth nor in the prediction has no IoU ($0/0$) and is
# left out of the mean. Return the mean IoU as a scalar tensor.


# %%
def miou(matrix):
    """(K, K) counts [true, predicted] -> scalar mean IoU over present classes."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def miou(matrix):  # noqa: F811
    """(K, K) counts [true, predicted] -> scalar mean IoU over present classes."""
    tp = matrix.diagonal()  # (K,)
    union = matrix.sum(0) + matrix.sum(1) - tp  # (K,): predicted + true - both
    return (tp / union).nanmean()  # 0 / 0 = NaN for an absent class


# %%
check_miou(miou)

# %% [markdown]
# ## Exercise 2: the depth accuracy $\delta < 1.25$
#
# For predicted depth $p_i$ and true depth $g_i$ at pixel $i$, Eq. (4.15) counts the pixels
# whose ratio $\delta_i = \max(p_i / g_i,\ g_i / p_i)$ is below $1.25$. Pixels with $g_i = 0$
# (no depth measured) are not scored. Return the fraction of valid pixels with
# $\delta_i < 1.25$ (the predictions here are all positive).


# %%
def delta_accuracy(pred, target):
    """Fraction of pixels with target > 0 and max(p/g, g/p) < 1.25."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def delta_accuracy(pred, target):  # noqa: F811
    """Fraction of pixels with target > 0 and max(p/g, g/p) < 1.25."""
    valid = target > 0
    p, g = pred[valid], target[valid]
    ratio = torch.maximum(p / g, g / p)  # symmetric: 0.8x and 1.25x are equally far
    return (ratio < 1.25).float().mean()


# %%
check_delta_accuracy(delta_accuracy)

# %% [markdown]
# ## Exercise 3: which translations are unseen?
#
# Mix and match trains one encoder $f_m$ and one decoder $g_m$ per modality $m$ on the
# seen pairs. A seen pair $(a, b)$ trains both $T_{ab} = g_b \circ f_a$ and
# $T_{ba} = g_a \circ f_b$; an autoencoder $T_{aa}$ is not a translation. Every other
# directed translation $s \to t$ is unseen, and is composed at test time as
# $g_t \circ f_s$, an encoder and a decoder that never met. Write
# `unseen_translations(modalities, seen)` returning the sorted list of unseen
# `(source, target)` tuples.


# %%
def unseen_translations(modalities, seen):
    """Sorted (source, target) pairs, source != target, not trained by a seen pair."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def unseen_translations(modalities, seen):  # noqa: F811
    """Sorted (source, target) pairs, source != target, not trained by a seen pair."""
    trained = {(a, b) for a, b in seen} | {(b, a) for a, b in seen}
    return sorted(
        (s, t)
        for s in modalities
        for t in modalities
        if s != t and (s, t) not in trained
    )


# %%
check_unseen_translations(unseen_translations)
routes = unseen_translations(
    ["rgb", "seg", "depth"], [("rgb", "seg"), ("rgb", "depth")]
)
for s, t in routes:
    print(f"{s} -> {t}: g_{t}(f_{s}(.))")

# %% [markdown]
# With $N$ modalities and only the $N - 1$ pairs through one anchor seen, $N$ encoders and
# $N$ decoders reach all $N(N-1)$ directed translations, $(N-1)(N-2)$ of them unseen; the
# recolouring demo of the thesis has $N = 11$ colours, so 90 of its 110 translations are
# zero-pair.
#
# ## Exercise 4: the latent-consistency loss
#
# In stage 2 the RGB encoder is frozen, and $\mathcal L_{LAT}$ pulls the segmentation and
# depth encoders onto its latents (Eq. (4.9)-(4.11), with the mean squared error as in
# Section 8.1). Given the RGB latents `h_rgb` and the other encoder's latents `h_other` of
# the same scenes, both (N, C, h, w), return the mean over all elements of
# $(h_{other} - h_{rgb})^2$, with no gradient into `h_rgb`.


# %%
def latent_consistency(h_rgb, h_other):
    """Mean squared difference; h_rgb is a fixed target."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def latent_consistency(h_rgb, h_other):  # noqa: F811
    """Mean squared difference; h_rgb is a fixed target."""
    return (h_other - h_rgb.detach()).pow(2).mean()


# %%
check_latent_consistency(latent_consistency)

# %% [markdown]
# ## Exercise 5: why the latents need noise
#
# Scale both latents by $c$. What does $\mathcal L_{LAT}$ become? Now let each decoder
# read $c\,h + \epsilon$ with $\epsilon \sim \mathcal N(0, \sigma^2 I)$, $\sigma = 0.5$: what
# happens to the ratio of the latent's size to the noise's as $c \to 0$? Answer, then run
# the cell, which measures both on random latents.

# %% [markdown] tags=["solution"]
# **Solution.** $\mathcal L_{LAT}(c\,h_a, c\,h_b) = c^2\, \mathcal L_{LAT}(h_a, h_b)$: the
# loss can be driven to 0 by shrinking every latent, without aligning anything (a decoder
# with batch norm undoes the scale, so the seen losses do not object). With noise of fixed
# $\sigma$, the signal-to-noise ratio $\|c\,h\| / \|\epsilon\|$ falls in proportion to $c$:
# a shrunk latent drowns, the decoders can no longer read it, the seen losses rise, and
# shrinking stops paying.

# %%
gen = torch.Generator().manual_seed(SEED)
h_a = torch.randn(64, 16, 4, 4, generator=gen)  # latents of one scene, two modalities
h_b = h_a + 0.3 * torch.randn(64, 16, 4, 4, generator=gen)
eps = 0.5 * torch.randn(64, 16, 4, 4, generator=gen)  # sigma = 0.5
print(" c    L_LAT   ||c h|| / ||eps||")
for c in (1.0, 0.5, 0.1):
    loss = latent_consistency(c * h_a, c * h_b).item()
    snr = ((c * h_b).norm() / eps.norm()).item()
    print(f"{c:4.1f} {loss:7.4f}   {snr:.2f}")
base = latent_consistency(h_a, h_b)
small = latent_consistency(0.1 * h_a, 0.1 * h_b)
assert torch.isclose(small, 0.01 * base), (small, base)  # c^2 scaling
assert (0.1 * h_b).norm() < eps.norm()  # at c = 0.1 the noise dominates

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# The thesis has no exercises. The checkers compare your functions with closed forms on
# hand-made confusion matrices, depth maps and random latents, not on SceneNet RGB-D;
# Exercise 4 uses the mean squared error where the thesis writes $\|\cdot\|_2$, as the
# package does (Section 8.1). Nothing is trained, so every preset runs the same cells.
# ```
#
# ## Summary
#
# - mIoU averages TP / (TP + FP + FN) over the classes present; $\delta < 1.25$ is
#   symmetric in over- and under-estimates and skips pixels without ground truth.
# - Seen pairs train both directions; everything else is composed as $g_t \circ f_s$, and
#   $N$ encoders and decoders reach all $N(N-1)$ translations.
# - The latent loss moves only the non-RGB encoders, and alone it rewards shrinking; the
#   latent noise removes that reward.
#
# ## References
#
# - Mix-and-match networks {cite}`wang2020mixmatch`: Eq. (4.9)-(4.11) and (4.15),
#   Tables 4.2-4.5, Fig. 4.5.
