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
# # 6.2 Training with the MI penalty: what the weight does
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/06_min_mi/06_02_mi_weight.ipynb)
#
# Section 6.1 measured the noise's share $I(\Xi; T(X, \Xi))$ of hand-built translators. Here
# a translator learns: $T(x, \xi) = G([E(x), F(\xi)])$ against a discriminator on target images,
# with and without the paper's penalty $\lambda \hat I_S(\Xi; T(X, \Xi))$, on the book's
# MNIST-like $\to$ SVHN-like digits.
#
# **You will learn**
# - how one training step plays three games: D against T, S against T, and T against both;
# - to measure what the penalty did with a fresh probe critic, not with the $S$ that $T$
#   trained against, and why the two disagree;
# - what a large weight does to the outputs at this budget, and what it does not;
# - that at this scale the paper's bottleneck translator learns to ignore its source even
#   when the target only recolours it, that the penalty does not bring the source back,
#   and that a translator with skip connections does keep half the digits.

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

import os

import matplotlib.pyplot as plt
import pandas as pd
import torch

import companion
from companion.data import load_dataset
from companion.methods.one_to_many import OneToMany, OneToManyConfig
from companion.mi import (
    ConvEncoder,
    EncoderCritic,
    estimate_sampled,
    mlp,
)
from companion.train import fit
from companion.viz import source_listing

PRESET = companion.preset()
# The training seed (networks, noise, probe); the digits drawn are the same
# on every seed.
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# The paper preset trains the paper's 32x32 networks on the same synthetic
# digits here; the real pair is `mnist2svhn` (companion train one_to_many
# --preset paper --data mnist2svhn --root DIR).
STEPS = {"smoke": 10, "cpu": 200, "gpu": 2000, "paper": 30_000}[PRESET]
PROBE_STEPS = {"smoke": 5, "cpu": 300, "gpu": 1000, "paper": 1000}[PRESET]
LAMBDAS = (0.0, 10.0)
config_preset = "cpu" if PRESET == "smoke" else PRESET
CFG = OneToManyConfig.from_preset(config_preset)
print(
    companion.run_header(
        PRESET, {"cpu": 80}, steps=STEPS, lambdas=LAMBDAS, size=CFG.image_size,
        seed=SEED,
    )
)

# %% [markdown]
# ## One step, three games
#
# The method's `training_step` reads like the paper's algorithm: a discriminator step on
# real targets against translations (non-saturating loss), a step of the statistics network
# $S$ *up* the DV bound on the detached translations, then a translator step on the
# adversarial loss plus $\lambda$ times the bound, which $T$ pushes *down*:

# %%
source_listing(OneToMany.training_step)

# %% [markdown]
# The translator's term is `mi_term`: with `mi_variant="min_noise"` it is
# $+\lambda \hat I_S(\Xi; Y')$, to be minimized; with `"max_source"` it is
# $-\lambda \hat I_S(X; Y')$, the paper's other option. Its gradient is MINE's corrected one.
#
# ## Training with and without the penalty
#
# Sources are white digits on black; targets are house-number-like renders of *other*
# digits (unpaired), with colours, a textured background and neighbouring digits.

# %%
size = CFG.image_size
data = load_dataset("digits", resolution=size, size=4000, seed=0, paired=False)
test = load_dataset(
    "digits", split="test", resolution=size, size=1024, seed=0, paired=False
).batch(range(1024))
models, histories = {}, {}
for lam in LAMBDAS:
    companion.seed_everything(SEED)
    model = OneToMany(CFG.with_overrides({"lambda_mi": lam}))
    histories[lam] = fit(model, data, STEPS, seed=SEED, log_every=10)
    models[lam] = model.eval()

# %%
gen = torch.Generator().manual_seed(SEED)
sources = test["a"][:4]
fig, axes = plt.subplots(8, 5, figsize=(4.5, 7.5))
for block, lam in enumerate(LAMBDAS):
    outs = [models[lam].translate(sources, generator=gen) for _ in range(4)]
    for row in range(4):
        r = block * 4 + row
        axes[r, 0].imshow((sources[row, 0] + 1) / 2, cmap="gray")
        for col in range(4):
            axes[r, col + 1].imshow((outs[col][row].permute(1, 2, 0) + 1) / 2)
    axes[block * 4, 0].set_title(f"x, lambda {lam:g}", fontsize=7, loc="left")
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# Each source is followed by its translations under four noise draws, for $\lambda = 0$
# (top four rows) and $\lambda = 10$ (bottom four). At 200 steps neither translator draws
# a house number yet: the outputs are coloured textures, some with a dark vertical stroke,
# and in both halves the noise changes their colours and texture as much. The penalty's
# effect, if any, is not visible here; the numbers below look for it.
#
# ## Measuring the noise's share
#
# Two numbers per model. *Diversity*: the mean absolute pixel difference between
# translations of the same source under different noise (images in $[-1, 1]$). *Probe MI*:
# a fresh critic, the separable probe of Section 6.1, trained on pairs
# $(\xi, T(x, \xi))$ of the frozen translator; its held-out DV bound. Beside them, the last
# value of the training critic $S$.


# %%
def diversity(model, a, k=4):
    """Mean |T(a, xi) - T(a, xi')| over k noise draws: (N, C, H, W) -> float."""
    g = torch.Generator().manual_seed(0)
    outs = torch.stack([model.translate(a, generator=g) for _ in range(k)])
    pairs = (outs[:, None] - outs[None]).abs().mean(dim=(2, 3, 4, 5))
    return pairs.sum().item() / (k * (k - 1))


def probe_mi(model, seed=0, steps=PROBE_STEPS):
    """Held-out DV bound of a fresh critic on (xi, T(x, xi)) of a frozen T."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    z_dim = model.cfg.z_dim
    critic = EncoderCritic(
        mlp(z_dim, 64, 32), ConvEncoder(3, embed=32, hidden=64), embed=32
    )

    def draw(n):
        a = test["a"][torch.randint(len(test["a"]), (n,), generator=g)]
        xi = torch.randn(n, z_dim, generator=g)
        return xi, model.translate(a, xi)

    # 6.1's loop (MINE's moving average, then DV on fresh batches), as one call
    return estimate_sampled(draw, critic, steps, lr=3e-3).nats


summary = pd.DataFrame(
    {
        lam: {
            "diversity": diversity(models[lam], test["a"][:64]),
            "probe MI (nats)": probe_mi(models[lam], seed=SEED),
            "training S (nats)": histories[lam][-1]["mi/dv"],
        }
        for lam in LAMBDAS
    }
).T.round(3)
summary.index.name = "lambda"
print(summary.to_string())

# %%
fig, ax = plt.subplots(figsize=(6, 2.8))
for lam in LAMBDAS:
    steps = [h["step"] for h in histories[lam]]
    ax.plot(steps, [h["mi/dv"] for h in histories[lam]], label=f"lambda {lam:g}")
ax.set_xlabel("step")
ax.set_ylabel("training S: DV (nats)")
ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# **What this shows, and what it does not.** Over five training seeds at the `cpu` preset
# on an Intel Xeon (AVX-512; `python benchmarks/notebook_seeds.py
# chapters/06_min_mi/06_02_mi_weight.py --seeds 0 1 2 3 4`), each model's training $S$,
# probe MI and diversity were ($\lambda = 0$ / $\lambda = 10$):
#
# | seed | training $S$ (nats) | probe MI (nats) | diversity |
# |---|---|---|---|
# | 0 | 0.26 / 0.10 | 2.15 / 1.27 | 0.309 / 0.311 |
# | 1 | 0.20 / 0.11 | 2.38 / 1.00 | 0.305 / 0.276 |
# | 2 | 0.28 / 0.05 | 2.44 / 2.33 | 0.292 / 0.285 |
# | 3 | 0.28 / 0.13 | 2.33 / 2.03 | 0.309 / 0.286 |
# | 4 | 0.16 / 0.02 | 2.02 / 2.26 | 0.310 / 0.303 |
#
# The penalty does what the game asks: on every seed the statistics network that $T$
# trains against sees far less dependence on the noise. What a fresh probe reads varies:
# much less on seeds 0 and 1, about as much on seeds 2 to 4 (on seed 4 more). The outputs,
# though, are about as diverse on every seed: the noise still changes the translation as
# much as without the penalty. The translator has mostly learned to *hide* the noise from
# its spectrally normalised critic, and on some seeds from a 300-step probe too, rather
# than to stop using it: $T$ minimizes a lower bound, and a lower bound can be lowered by
# making it looser. (An earlier table from three runs on another CPU kind had probe
# readings of 2.52 to 2.89 nats at $\lambda = 10$; at this scale the CPU kind moves a run
# as a new seed does.) The paper's claim that a large weight makes the translator neglect the
# noise (its Fig. 8) is **not** reproduced at this budget, so nothing below asserts it.
# Keeping $S$ strong (more $S$ steps per $T$ step, more capacity, no Lipschitz cap on the
# noise side) is the remedy the analysis suggests; beyond one variant in the next section
# (a faster critic, one seed), it is untested here.
#
# ## A noise-only start: does the penalty rescue it?
#
# The paper's case for the penalty is a failure it reports (Sec. 4.2): a translator that
# paints from $\xi$ alone, which min-MI is meant to pull back to the source (Table 1,
# "Ours" against "Ours + min I"). To test that without waiting for a run to fail by
# chance, `benchmarks/one_to_many_rescue.py` makes the failure on purpose. It multiplies
# $E(x)$ by 0 (`gate_source`), trains $T$, $D$ and $S$ for 300 steps with $\lambda = 0$, so
# that $T = G([0, F(\xi)])$ is a GAN generator that cannot see $x$, then takes the gate off
# and continues copies of that model for 600 steps with $\lambda \in \{0, 1, 10, 30\}$
# ($\lambda$ is never given in the paper). As a reference, an ordinary start trains
# $\lambda = 0$ for all 900 steps. Transfer accuracy is Table 1's metric: the share of
# translations of 512 test sources (4 noise draws each) that a classifier trained on real
# SVHN-like renders only assigns the source's digit. That classifier scores 0.87 on
# held-out renders; chance is 0.10. It is computed by the benchmark, not by this page:
#
# | seed | noise-only (gated) | $\lambda = 0$ | $\lambda = 1$ | $\lambda = 10$ | $\lambda = 30$ | ordinary start |
# |---|---|---|---|---|---|---|
# | 0 | 10.8 | 10.2 | 9.7 | 10.1 | 11.0 | 12.2 |
# | 1 | 8.9 | 10.3 | 11.9 | 10.1 | 10.0 | 10.8 |
# | 2 | 11.2 | 9.7 | 10.5 | 12.9 | 9.2 | 9.8 |
# | 3 | 9.9 | 10.5 | 10.6 | 11.6 | 12.2 | 11.4 |
# | 4 | 10.2 | 9.7 | 10.4 | 10.0 | 10.4 | 9.6 |
#
# (accuracy in %, `cpu` preset, Intel Xeon, AVX-512). **Min-MI did not rescue the
# noise-only start at this scale.** No $\lambda$ beats $\lambda = 0$ by more than 3.2
# points on any seed, and on average over the five seeds by at most 0.9 points; a rescue
# would mean tens of points. Two things in the same runs say why. First, nothing is
# translated at all: the ordinary start is at chance too, so there is no working
# translator for the penalty to pull $T$ back to. Second, the penalty works on its
# critic, not on the noise. Ranges over the five seeds, after the 600 steps (the
# movements are mean absolute pixel differences when the noise, or the source, changes):
#
# | | $\lambda = 0$ | $\lambda = 1$ | $\lambda = 10$ | $\lambda = 30$ |
# |---|---|---|---|---|
# | training $S$ (nats) | 0.47 to 0.61 | 0.39 to 0.52 | 0.09 to 0.19 | $-0.01$ to 0.07 |
# | probe MI (nats) | 1.23 to 2.99 | 1.78 to 3.26 | 2.65 to 3.46 | 1.09 to 3.24 |
# | movement with $\xi$ | 0.49 to 0.51 | 0.45 to 0.49 | 0.44 to 0.48 | 0.44 to 0.47 |
# | movement with $x$ | 0.07 to 0.08 | 0.07 to 0.09 | 0.06 to 0.07 | 0.05 to 0.09 |
#
# The critic $T$ trains against sees the dependence vanish; a fresh probe does not (its
# readings overlap for every $\lambda$), and the outputs change with the noise almost as
# much as before, and with the source no more than before (less, on four seeds of five
# at $\lambda = 30$). This is the hiding of the previous section again. Two variants, on
# seed 0 only, give the same verdict:
#
# | variant (seed 0) | $\lambda = 0$ | $\lambda = 10$ | $\lambda = 30$ | ordinary start |
# |---|---|---|---|---|
# | 2,000 steps after the gate | 11.5 | 9.4 | | 9.8 |
# | critic learning rate $10^{-3}$ (5x) | 10.2 | 8.6 | 11.6 | |
#
# With the faster critic, $\lambda = 30$ does lower the movement with $\xi$ (0.36, against
# 0.49 at $\lambda = 0$), but the accuracy stays at chance. Reproduce the first table with
# `python benchmarks/one_to_many_rescue.py --seeds 0 1 2 3 4` (about 18 minutes on 2
# cores; it writes `benchmarks/results/one_to_many_rescue.json`); `--steps 2000` and
# `--set lr_s=0.001` run the variants.
#
# ## A near target: when nothing has to move
#
# The far target asks for more than a recolouring: the digit moves by up to two pixels
# and sits between fragments of its neighbours. The paper's edges $\to$ shoes examples
# ask for no geometric change at all, and there, it says, the MI penalty "does not serve
# a purpose" (Sec. 5.1). We make that a check of our own (call it E3): a GAN alone
# suffices ($\lambda = 0$, transfer accuracy of at least 80%, and the colour still
# varying with $\xi$). The dataset `digits_near` is that near target: the same
# digit in the same pixels, recoloured on the same textured background, with no shift
# and no fragments. For the same index it shares the far target's digit and colours:

# %%
shown = dict(split="test", resolution=size, size=6)
far = load_dataset("digits", **shown).batch(range(6))
near = load_dataset("digits_near", **shown).batch(range(6))
fig, axes = plt.subplots(3, 6, figsize=(4.5, 2.4))
rows = {"x": far["a"], "far b": far["b"], "near b": near["b"]}
for r, (name, images) in enumerate(rows.items()):
    for c in range(6):
        axes[r, c].imshow((images[c].permute(1, 2, 0) + 1) / 2)
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
    axes[r, 0].set_ylabel(name, fontsize=8)
plt.tight_layout()
plt.show()
# where x has full ink, the near target is one colour: the digit did not move
ink = near["a"][:, 0] == 1  # (N, H, W)
for i in range(6):
    digit = near["b"][i][:, ink[i]]  # (3, pixels)
    assert (digit - digit[:, :1]).abs().max() < 1e-5
    assert (far["y"][i] == near["y"][i]) and ink[i].sum() > 5

# %% [markdown]
# `python benchmarks/one_to_many_rescue.py --target near --no-rescue --seeds 0 1 2 3 4`
# trains the ordinary start ($\lambda = 0$, 900 steps, the `cpu` networks) on it, with a
# classifier trained on real near-target renders only (0.99 on held-out renders, 0.92 on
# renders of the test digits). Besides the accuracy it reads how far the output moves
# when the source changes and when the noise changes, and the *hue spread*: the mean
# circular distance between the background hues of one source's four translations, in
# turns (`companion.metrics.hue_distance`; independent uniform hues give 0.25, and real
# renders 0.249):
#
# | seed | accuracy (%) | movement with $x$ | movement with $\xi$ | hue spread |
# |---|---|---|---|---|
# | 0 | 11.9 | 0.029 | 0.508 | 0.243 |
# | 1 | 10.1 | 0.033 | 0.502 | 0.249 |
# | 2 | 10.7 | 0.030 | 0.511 | 0.251 |
# | 3 | 9.5 | 0.029 | 0.494 | 0.242 |
# | 4 | 9.5 | 0.032 | 0.498 | 0.251 |
#
# **E3 does not hold at this scale: the GAN alone does not translate even when nothing
# has to move.** All five runs are at chance. The hue varies with $\xi$ as much as in
# real renders, so the half of E3 about diversity holds, but for a bad reason: the
# outputs are drawn from the noise, and the source moves them about sixteen times less than
# the noise does. This is the noise-only failure of Sec. 2.3 arising by itself, without
# a gate. 2,000 steps (seed 0, `--steps 1700`) do not change it: 10.8%, movement with
# $x$ 0.023.
#
# That failure is what the penalty is for, so the rescue was rerun on the near target
# (`--target near --no-reference --lambdas 0 10 --seeds 0 1 2 3 4`; 300 gated steps, then
# 600 with each $\lambda$). Accuracy in %:
#
# | seed | noise-only (gated) | gate off | $\lambda = 0$ | $\lambda = 10$ |
# |---|---|---|---|---|
# | 0 | 10.3 | 9.5 | 10.7 | 10.7 |
# | 1 | 10.2 | 10.2 | 9.7 | 9.5 |
# | 2 | 10.1 | 9.1 | 8.9 | 12.1 |
# | 3 | 10.7 | 8.9 | 9.6 | 9.7 |
# | 4 | 10.3 | 10.6 | 10.0 | 10.2 |
#
# **Min-MI does not rescue the noise-only start on the near target either.** $\lambda = 10$
# beats $\lambda = 0$ by $-0.2$ to $3.1$ points (0.6 on average over the five seeds),
# where a rescue would mean tens of points. The pattern of the far target repeats: the training $S$ falls
# (0.43 to 0.56 nats at $\lambda = 0$, 0.02 to 0.29 at $\lambda = 10$) while a fresh
# probe does not (0.92 to 3.57 and 2.28 to 3.01 nats). The gate's removal first lets the
# source in through untrained weights (movement with $x$ about 0.10), and the next 600
# steps push it back out with either weight (0.032 to 0.052 at $\lambda = 0$, 0.035 to
# 0.048 at $\lambda = 10$). The results are in `benchmarks/results/one_to_many_near_e3.json`
# and `one_to_many_rescue_near.json` (Intel Xeon, AVX-512; about 1 minute per seed for E3,
# 2 minutes for the rescue, on 2 cores).
#
# The paper's other option does bring the source back, though not its digit. Continuing
# the same noise-only start for 600 steps with $T$ *maximizing* $\hat I_S(X; T(X, \Xi))$
# (`--set mi_variant=max_source --lambdas 10`, the variant of the paper's edges $\to$
# shoes figures) gives, on seeds 0 to 4:
#
# | seed | 0 | 1 | 2 | 3 | 4 |
# |---|---|---|---|---|---|
# | accuracy (%) | 18.1 | 10.4 | 20.8 | 5.3 | 18.3 |
# | movement with $x$ | 0.295 | 0.239 | 0.348 | 0.289 | 0.261 |
#
# On every seed the output now moves with the source six to eight times more than under
# min-MI with the same seed and weight (0.24 to 0.35, against 0.035 to 0.048), but the accuracy is
# above chance on three seeds of five, and below it on one (5.3%). That is what the
# objective asks for: $I(X; Y')$ is as large for a translator that turns every 3 into an
# 8 as for one that keeps the 3, so maximizing it makes the source matter without saying
# which target digit it should become. On seed 0, $\lambda = 1$ gave 15.7% (movement
# 0.118). Results: `benchmarks/results/one_to_many_rescue_near_max_source.json`.
#
# ## Is it the architecture? A translator with skips
#
# One explanation was left untested above: the bottleneck itself. In $G([E(x), F(\xi)])$
# the source reaches the output only through the code $E(x)$, a 4x4 map at the `cpu`
# preset, and there it sits beside $F(\xi)$; at this budget $G$ may simply learn to read
# the easier input. The paper's App. A tried the other extreme, a U-Net, whose skip
# connections hand the encoder's feature maps to the decoder at higher resolution. The
# package has one (`generator="unet"`): at 16x16 it has one skip, at 8x8, and the noise
# enters as 8 constant channels beside the source (where the paper's U-Net takes its noise
# is not said). It is the smaller network: 74 thousand weights against the bottleneck
# translator's 170 thousand. We reran E3 with it, at the same budget (`--generator unet --target near
# --no-rescue --reference-lambdas 0 10 --seeds 0 1 2 3 4`: 900 steps, the `cpu` widths,
# the same near-target classifier). With $\lambda = 0$:
#
# | seed | accuracy (%) | movement with $x$ | movement with $\xi$ | hue spread | bottleneck's accuracy (%) |
# |---|---|---|---|---|---|
# | 0 | 47.9 | 0.156 | 0.481 | 0.245 | 11.9 |
# | 1 | 49.6 | 0.157 | 0.458 | 0.244 | 10.1 |
# | 2 | 50.9 | 0.159 | 0.505 | 0.246 | 10.7 |
# | 3 | 48.6 | 0.151 | 0.492 | 0.249 | 9.5 |
# | 4 | 51.4 | 0.157 | 0.467 | 0.245 | 9.5 |
#
# **With skips the source comes back, halfway.** On every seed about half the translations
# keep their digit (47.9% to 51.4%, against chance for the bottleneck on the same seeds),
# the output moves with the source five times more (0.151 to 0.159, against 0.029 to
# 0.033), and the hue still varies with $\xi$ as in real renders (0.244 to 0.249). So at
# this budget it is the architecture (the bottleneck, with the noise joining there), not
# the objective, that made the GAN alone ignore its source on the near target. E3 as proposed still fails: half, not 80%, of the
# digits survive (the classifier scores 92% on real renders of the same test digits).
# The noise still moves the output three times more than the source does.
#
# Does the penalty help the U-Net? The same runs with $\lambda = 10$ (same seeds, same
# initialisation):
#
# | seed | accuracy (%) | movement with $x$ | movement with $\xi$ | probe MI (nats) | training $S$ (nats) |
# |---|---|---|---|---|---|
# | 0 | 50.2 | 0.166 | 0.490 | 2.45 | 0.31 |
# | 1 | 20.8 | 0.154 | 0.473 | 2.47 | 0.28 |
# | 2 | 47.4 | 0.161 | 0.489 | 2.30 | 0.22 |
# | 3 | 46.3 | 0.165 | 0.471 | 2.35 | 0.24 |
# | 4 | 40.2 | 0.160 | 0.465 | 2.64 | 0.25 |
#
# (at $\lambda = 0$: probe 1.81 to 2.74 nats, training $S$ 0.43 to 0.48). Neither of the
# paper's claims about the weight shows. The movement with $\xi$ is within 5% of its
# $\lambda = 0$ value on every seed, where E1 asks for less than 30%, and the probe reads
# *more* dependence on the noise on four seeds of five; only the training $S$ falls, as
# with the bottleneck. And the accuracy does not rise: it is lower on four seeds of five
# ($-28.8$ to $+2.3$ points, $-8.7$ on average). The hiding seen above is not a property
# of the bottleneck. Results: `benchmarks/results/one_to_many_near_e3_unet.json` (Intel
# Xeon, AVX-512, one torch thread; about 45 s per run on 2 cores; one thread and two give
# different draws: seed 0 at $\lambda = 0$ gave 44.4% with two).
#
# ## Skip connections on the far target (App. A)
#
# The paper ran U-Nets on MNIST $\to$ SVHN too, and its App. A reports:
#
# > "The results were generally worse than with the default architecture explained
# > earlier, (we obtained accuracy of up to 45%) but we still believe these results are
# > worth sharing."
#
# Our check of that claim (E5) trains the U-Net on the far target with this page's
# weight, $\lambda = 10$, from an ordinary start for 900 steps (`--generator unet --target
# svhn --no-rescue --reference-lambdas 10 --seeds 0 1 2 3 4`), judged by the far-target
# classifier (0.87 on held-out renders, 0.82 on renders of the test digits):
#
# | seed | accuracy (%) | movement with $x$ | movement with $\xi$ | hue spread |
# |---|---|---|---|---|
# | 0 | 15.4 | 0.121 | 0.446 | 0.204 |
# | 1 | 15.5 | 0.161 | 0.417 | 0.211 |
# | 2 | 16.7 | 0.209 | 0.415 | 0.231 |
# | 3 | 14.7 | 0.213 | 0.411 | 0.247 |
# | 4 | 17.6 | 0.176 | 0.465 | 0.254 |
#
# The same command with the bottleneck has not been run yet. Every bottleneck run on this
# target above is at chance: the ordinary start with
# $\lambda = 0$ (9.6% to 12.2% on these seeds) and the noise-only start continued with
# $\lambda = 10$ (10.0% to 12.9%). **At this scale the App. A ordering does not show;
# it is reversed.** The U-Net keeps some digits on every seed (14.7% to 17.6%, chance
# 10%), and its output moves with the source two to five times more than the
# bottleneck's (0.12 to 0.21, against 0.04 to 0.07). That is no contradiction of the
# paper so much as a different regime: its claim compares a U-Net with a bottleneck that
# works (its Table 1), and ours does not at this budget, so here the skips are
# what lets any of the source through. The far target is also much harder than the near
# one for the U-Net (15% to 18%, against 21% to 50% on the near target with the same
# weight): its shift and neighbouring
# fragments are the geometric change that the near target leaves out. Results:
# `benchmarks/results/one_to_many_e5_unet.json` (one torch thread, about 50 s per run).
#
# ```{admonition} What differs from the paper, and why
# :class: note
# - Data: the book's synthetic MNIST-like $\to$ SVHN-like digits at 16x16 (`cpu`; 32x32 at
#   `paper`), not MNIST and SVHN: nothing to download, and a run fits the budget.
# - Networks: the paper's outline ($E$, $F$, $G$ without skips), at widths 32 (`cpu`); the
#   discriminator is the book's PatchGAN with spectral normalisation, not a DCGAN
#   discriminator. Noise size 8 and batch 64 are our choices (the paper gives neither).
# - 200 steps at learning rate $2 \cdot 10^{-4}$ (the paper: $10^{-4}$, steps not given);
#   $\lambda \in \{0, 10\}$ (the paper never gives $\lambda$).
# - Transfer accuracy (Table 1's metric) is not measured on this page: at this budget the
#   translations are not yet legible digits, so a classifier's verdict would measure the
#   GAN's progress, not the penalty. The benchmarks above measure it (16x16 digits, 900
#   steps, a small CNN rather than the paper's VGG) and find chance for every $\lambda$,
#   from either start, with the paper's bottleneck translator; with a U-Net, about half
#   the digits on the near target and 15% to 18% on the far one.
# - The near target stands in for the paper's edges $\to$ shoes (which it shows only as
#   pictures, with the max-$I(X; Y')$ variant); E3 and its 80% threshold are our
#   proposal, not a claim with numbers in the paper.
# - The U-Net is the package's (one skip at 8x8 for 16x16 images, the noise concatenated
#   to the source), trained like the bottleneck with the non-saturating loss; the paper's
#   App. A U-Nets have skips at two or three sizes and use WGAN-GP, and the paper does not
#   say where their noise enters.
# ```
#
# ## Checks
#
# The one claim the toy supports: the penalty lowers the training critic's estimate. Over
# seeds 0 to 4 (table above) the ratio of the final $S$ estimate with $\lambda = 10$ to
# that with $\lambda = 0$ was 0.13 to 0.56; the check requires below 0.7.

# %%
s_values = {lam: histories[lam][-1]["mi/dv"] for lam in LAMBDAS}
if PRESET != "smoke":
    assert s_values[10.0] < 0.7 * s_values[0.0], s_values
print({lam: round(v, 3) for lam, v in s_values.items()})

# %% [markdown]
# ## Summary
#
# - One training step plays three games: D against T, S up the DV bound, T down it.
# - The penalty lowers what the training critic sees; whether it lowers the noise's share
#   must be checked with a fresh probe and with the outputs. At this budget it does not:
#   the probe's reading falls on two seeds of five, the outputs stay as diverse on all
#   five, and the translator hides the dependence instead.
# - A translator that minimizes a lower bound needs a critic it cannot easily fool.
# - A noise-only start was not rescued at this scale (benchmark, seeds 0-4): every
#   $\lambda$ stays at chance accuracy, and so does an ordinary start.
# - On the near target, where nothing moves, the same holds: the ordinary start ignores
#   its source (chance on five seeds of five), and $\lambda = 10$ does not rescue it.
#   Maximizing $I(X; Y')$ instead brings the source back on every seed, but the digit
#   on three of five: that objective does not say which digit $x$ should become.
# - With skip connections (a U-Net) the GAN alone keeps the digit on about half the
#   near-target translations (48% to 51% on five seeds of five): at this budget the
#   bottleneck, not the objective, made the source vanish there. The penalty still hides
#   the noise from its critic instead of removing it, and lowers accuracy on four seeds of
#   five.
# - On the far target the U-Net keeps 15% to 18% of the digits with $\lambda = 10$, where
#   every bottleneck run is at chance: at this scale the paper's App. A ordering (skips
#   worse than the bottleneck) is reversed.
#
# ## References
#
# - Seed paper 002 {cite}`anonymous2019onetomany`: Sec. 4.2 (architecture), Sec. 4.3
#   (spectral normalisation), Sec. 4.4 (loss, learning rate), App. A and Fig. 8 (a large
#   weight), Table 1.
# - MINE {cite}`belghazi2018mine`.
