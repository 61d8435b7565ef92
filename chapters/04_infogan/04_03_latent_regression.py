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
# # 4.3 Latent regression in a conditional generator (cLR-GAN)
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/04_infogan/04_03_latent_regression.ipynb)
#
# **Learning goals**
#
# - read BicycleGAN's latent regression $\|E(G(a, z)) - z\|_1$ as
#   InfoGAN's bound with a Laplace posterior, and log it in nats;
# - measure what it buys on `shapes`: the number of styles a translator
#   produces for one input (mode coverage), next to SEGAN's JSD estimator;
# - test the remark that latent regression "resulted in less variation in
#   the output" (BicycleGAN's observation about cLR-GAN, which seed paper
#   000 relays), against SEGAN's JSD estimator, and say what the toy can
#   and cannot show.

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
import torch
from IPython.display import display

import companion
from companion.data import load_dataset
from companion.methods.clrgan import CLRGAN, CLRGANConfig, latent_regression_bound
from companion.methods.segan import SEGAN, SEGANConfig
from companion.metrics import precision
from companion.metrics.oracle import mode_coverage
from companion.train import fit
from companion.viz import FIGURE_WIDTH, curves, diversity_grid, show, source_listing

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# Two models with SEGAN's generator, discriminator, GAN loss, L1 weight, batch
# and learning rate; they differ only in how they raise I(Z; B_hat).
segan_cfg = SEGANConfig.from_preset(PRESET)
clr_cfg = CLRGANConfig.from_preset(PRESET).with_overrides(
    {
        key: getattr(segan_cfg, key)
        for key in (
            "lambda_l1",
            "gan_loss",
            "conditional_d",
            "d_scales",
            "z_injection",
            "batch_size",
            "lr",
        )
    }
    | {"encoder_init_gain": 0.02}  # BicycleGAN's code; why: see the box below
)
STEPS = {"smoke": 10, "cpu": 250, "gpu": 1_000, "paper": 200_000}[PRESET]
N_INPUTS, N_SAMPLES = {
    "smoke": (4, 4), "cpu": (32, 20), "gpu": (64, 20), "paper": (100, 20),
}[PRESET]
if PRESET == "paper":  # the comparison counts styles with the oracle of `shapes`
    raise SystemExit(
        "4.3 measures coverage with the `shapes` oracle, which real data lack: "
        "run it with COMPANION_PRESET=cpu or gpu"
    )
print(companion.run_header(PRESET, {"cpu": 60}, steps=STEPS, seed=SEED))
print(f"L1 weight {clr_cfg.lambda_l1} | batch {clr_cfg.batch_size} | "
      f"encoder init gain {clr_cfg.encoder_init_gain}")

# %% [markdown]
# ## Latent regression is InfoGAN's bound, conditioned
#
# cLR-GAN {cite}`zhu2017bicyclegan` (Sec. 3.3) draws $z \sim \mathcal{N}(0, I_D)$,
# translates $\hat b = G(a, z)$ and asks an encoder to read $z$ back:
#
# $$\mathcal{L}_{\mathrm{latent}} = \mathbb{E}_{a, z}\,\|E(G(a, z)) - z\|_1 .$$
#
# Seed paper 000 {cite}`zuo2020segan` (App. A, Eq. (9)) runs the derivation of
# {doc}`04_01_variational_bound` on the pair $(z, \hat b)$:
#
# $$I(Z; \hat B) = H(Z) - H(Z \mid \hat B)
#   \;\ge\; H(Z) + \mathbb{E}_{z, \hat b}[\log q(z \mid \hat b)],$$
#
# and with the Laplace posterior $q(z \mid \hat b) = \prod_d \frac{1}{2b}
# e^{-|z_d - E(\hat b)_d| / b}$,
#
# $$H(Z) + \mathbb{E}[\log q] = \underbrace{\tfrac{D}{2}\log(2\pi e)}_{H(Z)}
#   - \frac{1}{b}\,\mathbb{E}\,\|E(\hat b) - z\|_1 - D \log 2b .$$
#
# So minimising the L1 latent loss maximises a lower bound on
# $I(Z; \hat B)$, InfoGAN's objective with $c = z$ and $Q = E$. The method
# logs the bound in nats with the best single scale $b$ (the mean absolute
# error), which is $H(Z) - D(1 + \log 2b)$:

# %%
display(source_listing(latent_regression_bound))
display(source_listing(CLRGAN.training_step))

# %% [markdown]
# ## Experiment: coverage on `shapes`
#
# `shapes` pairs a shape mask $a$ with the shape painted in one of 8 colours
# over a grey background: for every input there are 8 right answers, and the
# oracle `style_of` reads the style of any output. We train two models with
# the same networks, steps and **the same L1 weight** on the paired target
# (SEGAN's `cpu` preset, $\lambda_1 = 10$); only the MI term differs:
#
# - **cLR-GAN + L1**: latent regression, the Laplace BA bound
#   ($\lambda_{\mathrm{latent}} = 0.5$, BicycleGAN Sec. 4);
# - **SEGAN**: the JSD estimator of $I(Z; \hat B)$ with
#   $\lambda_{\mathrm{MI}} = 3$ (Chapter 3).
#
# cLR-GAN's encoder $E$ starts as in BicycleGAN's code, at gain 0.02. A
# start at unit scale, like SEGAN's statistics network, looks fairer, but
# here it ruined the generator: the encoder's first predictions are far too
# large, the latent loss dominates, and on seeds 0-2 not one output was a
# valid shape (the oracle's precision 0.00; the grid showed grey texture).
#
# Besides the styles per input we count how many outputs are valid shapes
# at all (the oracle's **precision**, Section 2.4): a model that paints
# noise can "cover" several styles.
#
# Without either term this model collapses to one style per input on every
# seed we ran (SEGAN w/o MI in Section 3.2).

# %%
data = load_dataset(
    "shapes", resolution=clr_cfg.image_size, seed=SEED, background="grey"
)
test = load_dataset(
    "shapes",
    split="test",
    resolution=clr_cfg.image_size,
    seed=SEED,
    size=N_INPUTS,
    background="grey",
)
test_batch = test.batch(range(N_INPUTS))


def coverage(method) -> tuple[float, float]:
    """Distinct oracle styles among N_SAMPLES outputs per test input, and the
    share of those outputs that are valid shapes (the oracle's precision)."""
    gen = torch.Generator().manual_seed(1)
    outs = torch.stack(
        [method.translate(test_batch["a"], generator=gen) for _ in range(N_SAMPLES)],
        dim=1,
    )  # (N_INPUTS, N_SAMPLES, 3, H, W)
    styles = test.style_of(outs.flatten(0, 1)).reshape(N_INPUTS, N_SAMPLES)
    return mode_coverage(styles, test.num_styles), precision(outs, test_batch["a"])


results, histories = {}, {}
models = [("cLR-GAN + L1", CLRGAN(clr_cfg)), ("SEGAN (JSD)", SEGAN(segan_cfg))]
for name, model in models:
    companion.seed_everything(SEED)
    histories[name] = fit(model, data, STEPS, seed=SEED, log_every=max(STEPS // 10, 1))
    model.eval()
    results[name] = (model, *coverage(model))
    print(f"{name}: {results[name][1]:.2f} styles per input (of {test.num_styles}), "
          f"precision {results[name][2]:.2f}")

# %%
ax = curves(histories["cLR-GAN + L1"], ["mi/latent_bound"],
            reference={"0 nats": 0.0})
ax.set_ylabel("nats")
ax.set_title("cLR-GAN's Laplace bound on I(Z; B_hat) during training")
plt.show()

# %%
fig, axes = plt.subplots(1, 2, figsize=(FIGURE_WIDTH, 3.4))
for ax, (name, (model, cov, prec)) in zip(axes, results.items()):
    g = diversity_grid(
        model.translate,
        test_batch["a"][:6],
        num_samples=8,
        generator=torch.Generator().manual_seed(0),
        z_dim=model.cfg.z_dim,
    )
    show(g, title=f"{name}\n{cov:.1f} styles, precision {prec:.2f}", ax=ax)
plt.show()

# %% [markdown]
# What you see: six test inputs (rows), each translated with eight codes;
# the titles give this run's styles per input (32 inputs, 20 codes) and
# precision. What the grids show depends on the run (see the table under
# Checks). On AMD seed 0, cLR-GAN + L1 painted each shape in one colour
# with small changes of shade that the style oracle does not count as a
# new style, and SEGAN's rows varied more in colour with most outputs not
# valid shapes: smeared colour and grid texture. On Intel seed 0 both
# models varied the colour: cLR-GAN + L1 kept the shapes but in shades of
# green and blue that are no palette's colour (precision 0.00), and 28% of
# SEGAN's outputs were valid.

# %% [markdown]
# ## Checks
#
# At 250 steps one run is one draw from a wide distribution: another seed,
# or the same seed on another kind of CPU (whose vector kernels round
# differently), moves every number. This page first asserted that
# cLR-GAN + L1 draws valid shapes (precision at least 0.25) and that its
# bound rises, from three seeds on an AMD EPYC machine; on an Intel Xeon
# (AVX-512) seed 0 gave cLR-GAN a precision of 0.00. Ten more seeds
# there (`python benchmarks/notebook_seeds.py` reruns them) show that
# neither held on every run. Styles per input (of 8) and precision:
#
# | CPU, seed | cLR-GAN + L1 | SEGAN | latent bound, nats |
# |---|---|---|---|
# | AMD 0 | 1.00, 0.58 | 2.34, 0.08 | -0.22 to 0.60 |
# | AMD 1 | 2.97, 0.37 | 3.50, 0.26 | -0.18 to 0.22 |
# | AMD 2 | 1.00, 0.83 | 1.00, 0.02 | -0.06 to 0.10 |
# | Intel 0 | 2.00, 0.00 | 3.16, 0.28 | -0.22 to 0.07 |
# | Intel 1 | 2.00, 0.25 | 3.38, 0.17 | -0.18 to 0.19 |
# | Intel 2 | 1.00, 0.94 | 3.00, 0.12 | -0.06 to 0.23 |
# | Intel 3 | 1.00, 0.57 | 3.09, 0.43 | -0.06 to 0.96 |
# | Intel 4 | 1.00, 0.76 | 3.12, 0.21 | -0.16 to -0.60 |
# | Intel 5 | 3.00, 0.20 | 2.06, 0.11 | 0.10 to 0.12 |
# | Intel 6 | 3.00, 0.40 | 3.09, 0.37 | -0.47 to -0.65 |
# | Intel 7 | 3.00, 0.08 | 3.00, 0.07 | 0.02 to 0.26 |
# | Intel 8 | 1.00, 0.00 | 4.28, 0.00 | -0.65 to -0.13 |
# | Intel 9 | 1.31, 0.28 | 3.72, 0.21 | 0.56 to 0.22 |
#
# With the encoder at gain 1 instead, cLR-GAN + L1 scored 1.22, 1.19 and
# 1.03 styles at precision 0.00 on AMD seeds 0-2, its bound rising from
# about -18 to -13 nats: no valid output at all.
#
# Over the 13 runs the usual picture is that SEGAN covers more styles
# (10 runs; 2 ties) and cLR-GAN keeps more outputs valid (11 runs; 1 tie),
# and the latent bound rises (10 runs). None of these held on every run,
# so none is asserted on one run. What held on all 13, and is checked:
#
# 1. **No model is both diverse and valid**: whenever a model averages 2
#    or more styles per input, at most half of its outputs are valid
#    shapes (the largest such precision was 0.43, SEGAN on Intel seed 3).
#    This is the page's negative finding below, and the check fails the
#    day a change to the package trains a translator that is both.
# 2. The latent bound stays near zero, within 1.5 nats at its first and
#    last log (the largest magnitude was 0.96), the fact the discussion
#    below builds on: near zero, a lower bound says little about the MI.

# %%
cov_clr = results["cLR-GAN + L1"][1]
cov_segan = results["SEGAN (JSD)"][1]
bound = [h["mi/latent_bound"] for h in histories["cLR-GAN + L1"]]
prec_clr, prec_segan = results["cLR-GAN + L1"][2], results["SEGAN (JSD)"][2]
print(f"coverage: cLR-GAN + L1 {cov_clr:.2f}, SEGAN {cov_segan:.2f}")
print(f"precision: cLR-GAN + L1 {prec_clr:.2f}, SEGAN {prec_segan:.2f}")
print(f"latent bound: first log {bound[0]:.2f} nats, last {bound[-1]:.2f}")
print(f"SEGAN - cLR-GAN: {cov_segan - cov_clr:+.2f} styles per input")
if PRESET == "cpu":  # thresholds measured at this preset
    for name, (_, cov, prec) in results.items():
        assert cov < 2 or prec <= 0.5, f"{name} is diverse and valid: update the page"
    assert abs(bound[0]) < 1.5 and abs(bound[-1]) < 1.5, bound
    print("checks hold")

# %% [markdown]
# ## Does the toy reproduce "less variation"?
#
# Seed paper 000 (Sec. 2.3) relays a finding of BicycleGAN's authors: they
# tried cLR-GAN for paired translation and it "resulted in less variation
# in the output and sometimes failed in severe mode collapse". That remark
# compares cLR-GAN with BicycleGAN's other models; seed paper 000 uses it to
# argue that latent regression does not really maximise $I(Z; \hat B)$ and
# that its JSD estimator does. The toy tests that argument directly, with
# the same networks, $L_1$ weight and encoder scale for both estimators.
#
# **No, not at this budget; a negative finding.** Latent regression left
# one style per input on 6 of the 13 runs of the table above, usually
# with more valid shapes than SEGAN. SEGAN covered more styles on 10 runs,
# but at a precision of 0.00-0.43: its extra "styles" are mostly colours
# of outputs that are not shapes, the same loss of content Section 3.3
# measured. At 250 steps on 32x32 shapes the toy shows neither estimator
# training a generator that is both diverse and valid (check 1), so it
# cannot say which is the better one.
#
# The bound shows why it is no measure of diversity here. It stays within
# a nat of zero on every run (a lower bound near zero says little about
# the MI) and usually rises as $E$ learns whatever trace of $z$ it can
# read; on 3 runs of 13 it fell. Under a strong
# $L_1$ term the cheapest trace is a small change the style oracle does not
# count: exercise 3 measures how much of it is detail of the size of
# Gaussian noise of 0.05.
#
# One caveat: with nothing pulling outputs towards the median target (no
# $L_1$ term), the encoder's easiest signal is the colour itself, and the
# ordering may change; we did not measure that setting at the final
# configuration. Which estimator trains the more diverse generator depends
# on what else the loss makes cheap, not on the estimator alone.

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# - **Both models are SEGAN's `cpu` model** (pix2pix's networks at 32x32 on
#   `shapes`, $z$ at the input, one discriminator scale, batch 32, 250
#   steps), so that only the MI term differs; BicycleGAN's cLR-GAN has no
#   $L_1$ term and batch 2 (the `paper` preset).
# - **$L_1$ weight 10**, not SEGAN's 3: with 3 the model without an MI term
#   did not collapse within this budget (Chapter 3), so there would be no
#   diversity for the MI terms to restore.
# - **Encoder start at gain 0.02**, BicycleGAN's, although the `cpu` preset
#   of `clrgan` starts at gain 1 (Chapter 2.2 needed it for BicycleGAN):
#   with gain 1 and SEGAN's $L_1$ setting no output of cLR-GAN was a valid
#   shape on seeds 0-2 (precision 0.00).
# - **Coverage, not the paper's FID/LPIPS**: the oracle of `shapes` counts
#   the styles per input exactly; real data have no such oracle, so this
#   notebook has no `paper` run.
# ```

# %% [markdown]
# ## Exercises
#
# 1. Set `lambda_latent=0` in `clr_cfg`: which model do you get, and what
#    coverage do you expect?
# 2. Replace the L1 latent loss by an L2 one: which posterior family is that,
#    and what would a learned variance add (see {doc}`04_01_variational_bound`)?
# 3. Measure how much of $z$ the encoder reads from *invisible* detail: add
#    Gaussian noise of standard deviation 0.05 to $G(a, z)$ before $E$ and
#    recompute `latent_regression_bound`. What happens to the bound?

# %% tags=["solution"]
# 1. pix2pix + noise with an unused encoder: about 1 style per input.
# 2. A Gaussian with fixed variance; a learned variance tightens the bound
#    and reweights well-recovered dimensions.
# 3. See the code below: a large drop means E reads z partly from detail
#    of the size of the noise, which the style oracle does not count.
clr = results["cLR-GAN + L1"][0]
with torch.no_grad():
    z = torch.randn(256, clr.cfg.z_dim, generator=torch.Generator().manual_seed(2))
    a = test_batch["a"][torch.arange(256) % N_INPUTS]
    b_hat = clr.translate(a, z)
    gen = torch.Generator().manual_seed(3)
    noisy = b_hat + 0.05 * torch.randn(b_hat.shape, generator=gen)
    for label, x in [("clean", b_hat), ("noisy", noisy)]:
        print(label, f"{latent_regression_bound(clr.E(x)[0], z).item():.2f} nats")

# %% [markdown]
# ## Summary
#
# - cLR-GAN's latent loss is minus a Barber-Agakov bound on $I(Z; \hat B)$
#   with a Laplace posterior, InfoGAN's bound for a conditional generator.
# - On `shapes`, with the same networks and $L_1$ weight as SEGAN, it
#   usually raised its bound and kept more outputs valid, but left one
#   style per input on 6 runs of 13. SEGAN covered more styles on 10 runs,
#   mostly with invalid outputs. No model on any run was both diverse and
#   valid: at this budget the toy cannot rank the two estimators, and one
#   run of 250 steps is a single draw, so the page reports the spread.
#   A bound on MI rewards codes hidden in detail as much as codes shown in
#   style.
# - On a GPU, `COMPANION_PRESET=gpu` runs the same comparison for 1,000
#   steps (not yet measured).
#
# ## References
#
# - BicycleGAN {cite}`zhu2017bicyclegan`: Sec. 3.3 (cLR-GAN), Eq. (8)-(9).
# - Seed paper 000 {cite}`zuo2020segan`: Sec. 2.3 (BicycleGAN's "less
#   variation" remark about cLR-GAN), App. A Eq. (8)-(9).
# - InfoGAN {cite}`chen2016infogan`.
