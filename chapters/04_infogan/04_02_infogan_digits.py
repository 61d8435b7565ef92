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
# # 4.2 InfoGAN on digits: a code that learns the digit class
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/04_infogan/04_02_infogan_digits.ipynb)
#
# **Learning goals**
#
# - write InfoGAN's objective as a GAN plus the Barber-Agakov bound of
#   {doc}`04_01_variational_bound`, with $Q$ a head on the discriminator;
# - watch the categorical code's bound on $I(c; x)$ rise towards
#   $\log 10$ nats during training (`fit`'s callbacks and history);
# - check, without labels in training, that the categories line up with
#   digit classes and that a continuous code changes a stroke property.

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
import numpy as np
import torch
from scipy.stats import spearmanr

import companion
from companion.data import load_dataset
from companion.methods.infogan import InfoGAN, InfoGANConfig
from companion.metrics import matched_accuracy, stroke_properties
from companion.train import fit
from companion.viz import curves, grid, show

PRESET = companion.preset()
companion.seed_everything(0)
cfg = InfoGANConfig.from_preset(PRESET)
# cpu: ~800 steps on the 16x16 MNIST-like `digits`; paper: 50 MNIST epochs.
STEPS = {"smoke": 20, "cpu": 800, "paper": 50 * 60_000 // cfg.batch_size}[PRESET]
EVAL_EVERY = max(STEPS // 8, 1)
# Real MNIST is read from a local root (`companion data fetch mnist --root DIR`).
ROOT = os.environ.get("COMPANION_DATA_ROOT", "data/datasets")
print(PRESET, cfg)

# %% [markdown]
# ## The objective
#
# The generator reads noise $z$ and a code $c = (c_1, c_2, c_3)$: a category
# $c_1 \sim \mathrm{Cat}(10)$ and two continuous codes
# $c_2, c_3 \sim \mathcal{U}(-1, 1)$ ({cite}`chen2016infogan`, Sec. 7.1). A
# plain GAN is free to ignore $c$. InfoGAN adds the BA bound with a
# variational posterior $Q(c \mid x)$:
#
# $$L_I(G, Q) = \mathbb{E}_{c \sim p(c),\, x = G(z, c)}[\log Q(c \mid x)] + H(c)
#   \;\le\; I(c; G(z, c)),$$
#
# and plays (Eq. (5))
#
# $$\min_{G, Q} \max_D \; V(D, G) - \lambda L_I(G, Q).$$
#
# $Q$ and $G$ *cooperate*: both raise the bound. $Q$ makes it tighter
# (maximum likelihood on generated pairs), $G$ makes the code easier to read.
# For $c_1$, $\log Q$ is minus a cross-entropy and $H(c_1) = \log 10$; for
# $c_2, c_3$ we use a factored Gaussian with a learned, floored variance and
# $H = \log 2$ each. $Q$ shares every layer of $D$ but its last two, so the
# bound costs almost nothing. The step, in the paper's order:

# %%
print(inspect.getsource(InfoGAN.training_step))

# %% [markdown]
# ## Experiment
#
# The `cpu` preset trains on the MNIST-like sources of `digits` (scikit-learn's
# handwritten digits upscaled to 16x16) with narrow networks; `paper` uses
# MNIST at 28x28 with the networks of Table 1. A callback measures the
# categorical bound on 1,000 fresh samples (fixed noise) during training.

# %%
if cfg.dataset == "digits":
    data = load_dataset("digits", resolution=cfg.image_size, source_channels=1)
    test = load_dataset(
        "digits", split="test", resolution=cfg.image_size, size=1_000,
        source_channels=1,
    )
else:
    data = load_dataset(cfg.dataset, resolution=cfg.image_size, root=ROOT)
    test = load_dataset(
        cfg.dataset, split="test", resolution=cfg.image_size, root=ROOT,
        size=1_000,
    )


def code_bounds(method, step):
    """BA bounds (nats) of both codes on 1,000 samples with fixed noise."""
    gen = torch.Generator().manual_seed(123)
    latents = method.sample_latents(1_000, generator=gen)
    _, q = method.D(method.generate(**latents))
    info = method.information_terms(q, latents)
    return {"eval/cat_bound": info["cat"], "eval/cont_bound": info["cont"]}


model = InfoGAN(cfg)
if cfg.dataset == "digits":
    test_x, test_y = test.batch(range(len(test)))["a"], test.batch(range(len(test)))["y"]
else:
    test_x = torch.stack([test[i][cfg.image_key] for i in range(len(test))])
    test_y = torch.stack([test[i]["y"] for i in range(len(test))])
model.eval()  # baseline: how well an *untrained* Q's argmax matches classes
untrained_accuracy = matched_accuracy(model.infer_codes(test_x).logits.argmax(1),
                                      test_y)
model.train()
history = fit(
    model, data, STEPS, seed=0, log_every=EVAL_EVERY, eval_every=EVAL_EVERY,
    callbacks=[code_bounds],
)
model.eval()
final = [h for h in history if "eval/cat_bound" in h][-1]
print({k: round(v, 3) for k, v in final.items()})

# %%
curves(history, ["eval/cat_bound"], reference={"log 10": math.log(10)})
plt.ylabel("nats")
plt.show()

# %% [markdown]
# ## Do the categories mean digits?
#
# $Q$ was never shown a label. Apply it to real test digits, take the most
# likely category, and match categories to classes by the assignment that
# agrees most (the Hungarian algorithm): the code's names are arbitrary.

# %%
q_real = model.infer_codes(test_x)
accuracy = matched_accuracy(q_real.logits.argmax(1), test_y)
print(f"matched accuracy of c_1 on real test digits: {accuracy:.3f}; "
      f"untrained Q: {untrained_accuracy:.3f}; random codes: about 0.14 "
      f"(the best matching of 10 random labels to 1,000 digits)")

# %% [markdown]
# ## Does a continuous code change a property monotonically?
#
# For 100 random $(z, c_1)$, sweep one continuous code over 9 values in
# $[-1, 1]$ (others fixed) and measure three stroke properties of each
# image: slant (shear of the ink's second moments), ink (thickness) and width.
# Spearman's rank correlation along each sweep is $\pm 1$ for a perfectly
# monotone change; we average it over the 100 sweeps.

# %%
values = torch.linspace(-1, 1, 9)
latents = model.sample_latents(100, generator=torch.Generator().manual_seed(7))
rho = {}
for j in range(cfg.n_continuous):
    sweep = []
    for v in values:
        c_cont = latents["c_cont"].clone()
        c_cont[:, j] = v
        with torch.no_grad():
            sweep.append(model.generate(latents["z"], latents["c_cat"], c_cont))
    x_sweep = torch.stack(sweep, 1)  # (100, 9, C, S, S)
    for name, prop in stroke_properties(x_sweep.flatten(0, 1)).items():
        prop = prop.reshape(100, 9).numpy()
        rhos = [spearmanr(values.numpy(), row).statistic for row in prop]
        rho[(j, name)] = float(np.nanmean(rhos))
for (j, name), r in rho.items():
    print(f"c_{j + 2} vs {name:6s}: mean Spearman {r:+.2f}")
best_code, best_prop = max(rho, key=lambda k: abs(rho[k]))
print(f"strongest: c_{best_code + 2} and {best_prop}, {rho[best_code, best_prop]:+.2f}")

# %% [markdown]
# The grid: rows are the 10 categories, columns the strongest continuous code
# from $-1$ to $1$; one noise vector for the whole grid (InfoGAN Fig. 2).

# %%
rows = model.code_grid(torch.linspace(-1, 1, 7), code=best_code,
                       generator=torch.Generator().manual_seed(0))
show(grid(list(rows)), title=f"rows: c_1, columns: c_{best_code + 2}",
     size=5)
plt.show()

# %% [markdown]
# ## Checks
#
# Thresholds come from 3 seeds (0, 1, 2) of the `cpu` preset, 800 steps:
#
# | seed | categorical bound (nats) | matched accuracy | strongest \|Spearman\| |
# |---|---|---|---|
# | 0 | 2.24 (97% of log 10) | 0.19 | 1.00 (c_2, width) |
# | 1 | 2.24 (97%) | 0.25 | 0.98 (c_2, slant) |
# | 2 | 2.11 (92%) | 0.33 | 0.87 (c_3, width) |
# | this notebook | 2.16 (94%) | 0.25 | 0.84 (c_3, ink) |
#
# Each threshold sits below the worst seed. The accuracy threshold, 0.16, is
# just above the best of 200 random labellings (0.158): the categories align
# with digit classes only weakly in this budget (see the summary).

# %%
cat_bound = final["eval/cat_bound"]
print(f"categorical bound {cat_bound:.3f} nats = "
      f"{cat_bound / math.log(10):.1%} of log 10")
assert cat_bound <= math.log(10) + 1e-6  # a bound on I(c_1; x) <= H(c_1)
assert cat_bound >= 0.85 * math.log(10)

# %%
print(f"matched accuracy {accuracy:.3f}")
assert accuracy >= 0.16  # above random codes (mean 0.143, max 0.158)

# %%
strongest = abs(rho[best_code, best_prop])
print(f"|Spearman| of the strongest code/property pair: {strongest:.2f}")
assert strongest >= 0.7

# %% [markdown]
# ## Exercises
#
# 1. Set `lambda_cat=0` (`cfg.with_overrides(["lambda_cat=0"])`) and retrain:
#    what happens to the bound and to the matched accuracy? Why can the
#    bound still be positive?
# 2. Fix $Q$'s variance (`learn_std=False`): the continuous term becomes an
#    L2 latent loss (the Gaussian case of {doc}`04_01_variational_bound`).

# %% tags=["solution"]
# 1. Q still trains (it is part of D's loss) but G no longer helps it: the
#    bound measures how much of c_1 leaks into x by chance; the categories
#    stop matching digits. 2. Same code, `learn_std=False`.
print(cfg.with_overrides(["lambda_cat=0"]).lambda_cat,
      cfg.with_overrides(["learn_std=no"]).learn_std)

# %% [markdown]
# ## Summary
#
# - InfoGAN = GAN + the BA bound of $I(c; G(z, c))$, with $Q$ sharing $D$'s
#   trunk; $G$ and $Q$ both ascend the bound.
# - On the `cpu` preset the categorical bound climbs to 92-97% of
#   $\log 10$ nats: $G$ makes 10 categories that $Q$ tells apart. A
#   continuous code moves a stroke property (slant or width) monotonically.
# - But a high bound does not say *what* the categories mean. Here they
#   match digit classes only weakly (0.19-0.33 after the best matching,
#   against 0.14 for random labels; an untrained $Q$ scored 0.11 in our
#   run, so training does move the categories towards classes), far from InfoGAN's 95% on MNIST after many epochs.
#   The bound measures information about $c$, not agreement with our labels:
#   any 10 well-separated kinds of image (thick/thin, wide/narrow) maximise
#   it equally. Longer training and real MNIST are where class alignment
#   appears.
# - On a GPU, `COMPANION_PRESET=paper` trains the paper's networks on MNIST
#   (62 noise variables, lr 2e-4 for D and 1e-3 for G).
#
# ## References
#
# - InfoGAN {cite}`chen2016infogan`: Eq. (4)-(5), Sec. 7.1, App. C Table 1.
# - Barber & Agakov {cite}`barber2003im`.
