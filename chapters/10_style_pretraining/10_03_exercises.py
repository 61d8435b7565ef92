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
# # 10.3 Exercises: Gram matrices, the triplet loss and the stage schedule
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/10_style_pretraining/10_03_exercises.ipynb)
#
# **Learning goals**
#
# - write the Gram matrix of a layer's features, with the StEP code's
#   normalisation, and see that it forgets where a pattern is;
# - write the triplet loss of stage 1 (Eq. 1) and see when it stops
#   teaching;
# - write the schedule that makes three stages one resumable run.
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
    check_gram_matrix,
    check_stage_schedule,
    check_triplet_margin_loss,
)
from companion.methods.step import StEP, StEPConfig

PRESET = companion.preset()
print(companion.run_header(PRESET, {"cpu": 5}))

# %% [markdown]
# ## Exercise 1: the Gram matrix
#
# `features` holds one layer's activations, (N, C, H, W). For each image
# flatten them to $F \in \mathbb{R}^{C \times HW}$ and return
# $\mathcal{G} = F F^\top / (C H W)$, an (N, C, C) tensor. Entry $(i, j)$
# is how much channels $i$ and $j$ fire together, averaged over positions.


# %%
def gram_matrix(features):
    """(N, C, H, W) features -> (N, C, C) Gram matrices."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def gram_matrix(features):  # noqa: F811
    """(N, C, H, W) features -> (N, C, C) Gram matrices."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)  # (N, C, HW)
    return flat @ flat.transpose(1, 2) / (c * h * w)  # (N, C, C)


# %%
check_gram_matrix(gram_matrix)

# %% [markdown]
# Why does a Gram matrix measure style and not content? Shift an image's
# features circularly by a few pixels: the pattern moves, the Gram matrix
# does not (every position still meets the same partner channels).

# %%
x = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(0))
moved = torch.roll(x, shifts=(3, 5), dims=(2, 3))
change = (gram_matrix(moved) - gram_matrix(x)).abs().max().item()
print(f"largest change of the Gram matrix after the shift: {change:.1e}")
assert change < 1e-6
assert (moved - x).abs().max() > 1  # the features themselves did move

# %% [markdown]
# ## Exercise 2: the triplet loss
#
# Codes $z_a, z_p, z_n$ (N, D) of anchors, positives and negatives; a margin
# $\alpha$ (a 0-d tensor). Return the batch mean of
# $\max(\lVert z_a - z_p\rVert^2 - \lVert z_a - z_n\rVert^2 + \alpha, 0)$
# with *squared* Euclidean distances (Eq. 1 without its L2 term).


# %%
def triplet_loss(z_a, z_p, z_n, margin):
    """Mean hinge of squared distances; a 0-d tensor."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def triplet_loss(z_a, z_p, z_n, margin):  # noqa: F811
    """Mean hinge of squared distances; a 0-d tensor."""
    d_pos = (z_a - z_p).pow(2).sum(1)  # (N,)
    d_neg = (z_a - z_n).pow(2).sum(1)  # (N,)
    return torch.relu(d_pos - d_neg + margin).mean()


# %%
check_triplet_margin_loss(triplet_loss)

# %% [markdown]
# **Question.** A triplet whose negative is already more than the margin
# further away than its positive: what gradient does it give the encoder?
# Why does that make the loss in 10.1 fall to about zero early?

# %% [markdown] tags=["solution"]
# **Solution.** None: the hinge is flat at zero, so its gradient with
# respect to all three codes is 0. Once most mined negatives (from the 13
# furthest images, mostly of another colour) are past the margin, most
# triplets contribute nothing and training stalls; the paper trains "until
# the loss saturates" for the same reason.

# %%
z_a = torch.zeros(1, 2, requires_grad=True)
loss = triplet_loss(
    z_a, torch.zeros(1, 2), torch.tensor([[1.0, 0.0]]), torch.tensor(0.1)
)
loss.backward()
print(f"loss {loss.item():.2f}, gradient {z_a.grad.tolist()}")
assert loss.item() == 0 and z_a.grad.abs().sum() == 0

# %% [markdown]
# ## Exercise 3: three stages, one run
#
# A run of StEP counts its steps from 0. The first `stage1_steps` train the
# encoder alone, the next `stage2_steps` the generator with the encoder
# frozen, and every later step both. Return the stage (1, 2 or 3) of
# `step`. Because the stage is a function of the step alone, a run resumed
# from a checkpoint continues in the right stage without storing it.


# %%
def stage_at(step, stage1_steps, stage2_steps):
    """The stage, 1, 2 or 3, of iteration ``step`` (counted from 0)."""
    # YOUR CODE
    raise NotImplementedError


# %% tags=["solution"]
def stage_at(step, stage1_steps, stage2_steps):  # noqa: F811
    """The stage, 1, 2 or 3, of iteration ``step`` (counted from 0)."""
    if step < stage1_steps:
        return 1
    return 2 if step < stage1_steps + stage2_steps else 3


# %%
check_stage_schedule(stage_at)

# %% [markdown]
# Your schedule agrees with the package's at the `cpu` preset's lengths:

# %%
cfg = StEPConfig.smoke().with_overrides({"stage1_steps": 150, "stage2_steps": 100})
model = StEP(cfg)
steps = [0, 149, 150, 249, 250, 400]
print([(s, model.stage_at(s)) for s in steps])
assert all(stage_at(s, 150, 100) == model.stage_at(s) for s in steps)

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# The paper has no exercises. The three functions are checked against the
# package's own (`companion.losses.gram_matrix`, `triplet_margin_loss` and
# `StEP.stage_at`) on random tensors and known answers; nothing is trained,
# so every preset runs the same cells.
# ```
#
# ## Summary
#
# - A Gram matrix averages products of channels over positions: style
#   without place.
# - The triplet loss teaches only with triplets inside the margin.
# - A stage that is a function of the step makes a staged recipe one
#   resumable run.
#
# ## References
#
# - Style pre-training {cite}`meshry2020step`: Eq. (1), A.1. Gram matrices
#   {cite}`gatys2016style`.
