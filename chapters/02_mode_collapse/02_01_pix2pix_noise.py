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
# # 2.1 The problem: a conditional GAN ignores its noise
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/02_mode_collapse/02_01_pix2pix_noise.ipynb)
#
# **Learning goals**
#
# - state what a *multimodal* translation task is, on data where the number of correct
#   answers per input is known exactly;
# - see why pix2pix's objective gives the generator no reason to use a noise input $z$:
#   neither the $L_1$ term nor a discriminator that judges one pair at a time can tell a
#   collapsed generator from a diverse one;
# - measure the collapse: a diversity grid, oracle mode coverage and how far outputs move
#   when only $z$ changes.

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
import os

import matplotlib.pyplot as plt
import torch

import companion
from companion.data import load_dataset
from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig
from companion.metrics import EvalConfig, evaluate
from companion.metrics.oracle import mode_coverage
from companion.train import fit
from companion.viz import curves, diversity_grid, grid, show

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
cfg = Pix2PixConfig.from_preset(PRESET)
# cpu: 800 steps on 32x32 shapes (about 45 s); paper: facades, 200 epochs of 400 pairs.
STEPS = {"smoke": 20, "cpu": 800, "paper": 200 * 400 // cfg.batch_size}[PRESET]
N_INPUTS = {"smoke": 8, "cpu": 32, "paper": 100}[PRESET]
if PRESET == "paper":  # facades from a local folder (see the Setup page)
    data = load_dataset(cfg.dataset, root="data/datasets", resolution=cfg.image_size)
    test = load_dataset(cfg.dataset, root="data/datasets", split="test")
else:
    # A fixed grey background: given the mask, the style is the only thing left open.
    data = load_dataset("shapes", resolution=cfg.image_size, seed=SEED, background="grey")
    test = load_dataset(
        "shapes", split="test", resolution=cfg.image_size, seed=SEED, background="grey"
    )
print(f"preset {PRESET}: {STEPS} steps, batch {cfg.batch_size}, {cfg.image_size}x{cfg.image_size}")

# %% [markdown]
# ## A task with eight right answers
#
# In `shapes` the source $a$ is a shape's mask and the target $b$ is the same shape painted
# in one of $K = 8$ colours, drawn uniformly and independently of the shape. So for every
# input there are exactly eight correct outputs, $p(b \mid a)$ has eight modes, and the
# oracle `test.style_of` reads the colour of any image back. Below, one mask and the targets
# the data pair with masks like it.

# %%
batch = data.batch(range(8))
fig, axes = plt.subplots(1, 2, figsize=(9, 1.6))
show(grid(batch["a"]), "sources a", ax=axes[0])
show(grid(batch["b"]), "targets b", ax=axes[1])
plt.show()
print("styles of these targets:", batch["factors"]["style"].tolist())

# %% [markdown]
# ## Why the noise is ignored
#
# pix2pix with noise {cite}`isola2017pix2pix` trains $G(a, z)$, $z \sim \mathcal{N}(0, I)$,
# against a conditional discriminator $D(a, b)$ with
#
# $$
# \min_G \max_D\; \mathcal{L}_{\mathrm{GAN}}(G, D)
#   + \lambda_1\, \mathbb{E}_{a, b, z} \lVert b - G(a, z) \rVert_1 .
# $$
#
# Neither term asks for $z$ to matter.
#
# **The $L_1$ term prefers one answer.** For a fixed $a$, the target $b$ is random (one of
# eight colours). For any output $x$ the expected loss $\mathbb{E}_{b \mid a}\lVert b - x
# \rVert_1$ is a convex function of $x$, minimised by the per-pixel median $x^\star(a)$. A
# generator that spreads its outputs over $z$ pays the average of the losses at those outputs,
#
# $$
# \mathbb{E}_z\, \mathbb{E}_{b \mid a} \lVert b - G(a, z) \rVert_1
#   \;\ge\; \min_x\, \mathbb{E}_{b \mid a} \lVert b - x \rVert_1 ,
# $$
#
# with equality when $G(a, z) = x^\star(a)$ for every $z$: a deterministic answer is always
# at least as good, and diversity is never rewarded.
#
# **The discriminator judges one pair at a time.** $D$ sees one $(a, \hat b)$ and asks whether
# it is plausible. A generator that paints every shape red produces only plausible pairs:
# each is a real-looking red shape. Nothing in $\mathcal{L}_{\mathrm{GAN}}$ compares two outputs
# for the same input, so a generator that has found one good answer per input is at an
# equilibrium even though $p_G(b \mid a)$ has one mode instead of eight.
#
# **Early training finishes the job.** At initialisation $z$ only adds noise to the output.
# Every gradient step that reduces the $L_1$ error also reduces the weights through which that
# noise arrives, and once $z$ is attenuated nothing brings it back. This is the observation
# that motivated BicycleGAN {cite}`zhu2017bicyclegan` and, in this book, the MI methods.

# %% [markdown]
# ## Training pix2pix with noise
#
# `Pix2Pix` with `z_dim > 0` is the pix2pix + noise baseline of BicycleGAN: $z$ (8-d) is
# tiled and concatenated to the input of a U-Net; $D$ is a conditional PatchGAN; the loss is
# LSGAN plus $10\,L_1$, as in BicycleGAN's code.

# %%
print(inspect.getsource(Pix2Pix.training_step))

# %%
z_grid = torch.randn(6, cfg.z_dim, generator=torch.Generator().manual_seed(1))
a_show = torch.stack([test[i]["a"] for i in range(6)])


def coverage_now(model, step):
    """Mode coverage of 20 codes on 32 test inputs: the callback logged during training."""
    a = torch.stack([test[i]["a"] for i in range(32)])
    gen = torch.Generator().manual_seed(0)
    styles = torch.stack([test.style_of(model.translate(a, generator=gen)) for _ in range(20)], 1)
    return {"styles per input": mode_coverage(styles)}


model = Pix2Pix(cfg)
history = fit(
    model,
    data,
    STEPS,
    seed=SEED,
    log_every=max(STEPS // 25, 1),
    eval_every=max(STEPS // 5, 1),
    callbacks=[coverage_now],
)
model.eval()

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
curves(history, ["loss/g_l1", "loss/g_adv"], ax=axes[0])
curves([h for h in history if "styles per input" in h], ["styles per input"], ax=axes[1])
axes[1].set_ylim(0, 8.5)
plt.tight_layout()
plt.show()

# %% [markdown]
# Each row is one test input followed by its translations under eight random codes. A model
# that used $z$ would paint each row in several colours.

# %%
gen = torch.Generator().manual_seed(2)
show(diversity_grid(model.translate, a_show, 8, gen, cfg.z_dim), "pix2pix + noise")
plt.show()

# %% [markdown]
# ## Measured
#
# Oracle *mode coverage*: for each of the test inputs, 20 random codes, the number of distinct
# styles among the 20 outputs, averaged over inputs. The data themselves would give
# $8\,(1 - (7/8)^{20}) \approx 7.6$. *Diversity*: the mean LPIPS distance between outputs of
# the same input under the `bicyclegan` protocol (19 consecutive pairs of 20 samples); LPIPS
# needs ImageNet-trained weights that this offline book does not download, so we use LPIPS's
# architecture with a random trunk, `lpips-random-alex`, which ranks diversity but is not
# comparable with published LPIPS values. We also measure how far an output moves when only
# $z$ changes, next to how far it is from its target.

# %%
eval_cfg = EvalConfig.cpu(N_INPUTS)
record = evaluate(
    model,
    test,
    ["mode_coverage", "diversity"],
    cfg=eval_cfg,
    seed=SEED,
)["metrics"]
coverage, diversity = record["mode_coverage"]["value"], record["diversity"]["value"]

a = torch.stack([test[i]["a"] for i in range(N_INPUTS)])
b = torch.stack([test[i]["b"] for i in range(N_INPUTS)])
gen = torch.Generator().manual_seed(3)
with torch.no_grad():
    out_1, out_2 = model.translate(a, generator=gen), model.translate(a, generator=gen)
move_z = (out_1 - out_2).abs().mean().item()  # change caused by z alone
error = (out_1 - b).abs().mean().item()  # distance to the paired target
k = test.num_styles
data_coverage = k * (1 - (1 - 1 / k) ** 20)  # expected distinct styles in 20 uniform draws
print(f"styles per input: {coverage:.2f} of {test.num_styles}")
print(f"the data (20 independent uniform styles): {data_coverage:.2f} expected")
print(f"diversity ({eval_cfg.lpips_backend}, {eval_cfg.protocol} protocol): {diversity:.4f}")
print(f"mean |G(a, z1) - G(a, z2)| = {move_z:.4f}, mean |G(a, z) - b| = {error:.4f}")

# %% [markdown]
# ## Checks
#
# 1. The generator covers few styles: fewer than half of the 8 (at most 3.5 per input), where
#    the data give 7.6. On this preset we measured 1.0, 1.0 and 2.8 styles per input on seeds
#    0, 1 and 2: on some seeds the generator keeps a weak use of $z$ that flips a few inputs
#    between two neighbouring palettes, but never spreads over the eight.
# 2. $z$ moves the output less than its error does: changing the code moves an output less
#    than 0.4 times its distance to the target (measured 0.06, 0.05 and 0.31).

# %%
if PRESET != "smoke":
    assert coverage <= 3.5, f"pix2pix + noise covered {coverage:.2f} styles per input"
    assert move_z < 0.4 * error, (move_z, error)
    print("collapse confirmed")

# %% [markdown]
# ## Exercises
#
# 1. Remove the $L_1$ term (`lambda_l1=0`, via `cfg.with_overrides`) and train again. Does the
#    generator use $z$ now? Which of the three arguments above still applies?
# 2. Inject $z$ at every layer (`z_injection="all"`) instead of only at the input. Does the
#    collapse survive? (BicycleGAN's Fig. 6 compares the two for its own model.)
# 3. The median argument says nothing about *which* colour the generator picks. Count the
#    styles over all test inputs (not per input) with `test.style_of`. Is it always the same
#    colour? What decides it?
#
# ## Summary
#
# - On a task with eight right answers per input, pix2pix + noise gives one to three: the noise
#   is mostly ignored, as the pix2pix and BicycleGAN papers report on real data.
# - The $L_1$ term is minimised by a deterministic answer, and a discriminator that judges
#   single pairs cannot see a missing mode; collapse is an equilibrium of the objective, not a
#   failure of optimisation.
# - The rest of the book adds a term that *does* see it: a cycle through an encoder
#   (Section 2.2), a ratio of distances (Section 2.3), and mutual information between $z$ and
#   the output (Chapters 3 and 4).
#
# ## References
#
# - pix2pix {cite}`isola2017pix2pix`: Eq. (1)-(4); Sec. 3.1 on noise being ignored.
# - BicycleGAN {cite}`zhu2017bicyclegan`: Sec. 3.1 (pix2pix + noise) and Table 1's baseline.
