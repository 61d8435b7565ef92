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
# # 4.3 Latent regression in a conditional generator (cLR-GAN)
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/04_infogan/04_03_latent_regression.ipynb)
#
# **Learning goals**
#
# - read BicycleGAN's latent regression $\|E(G(a, z)) - z\|_1$ as
#   InfoGAN's bound with a Laplace posterior, and log it in nats;
# - measure what it buys on `shapes`: the number of styles a translator
#   produces for one input (mode coverage), against pix2pix + noise;
# - test seed paper 000's remark that latent regression "resulted in less
#   variation in the output" than its JSD estimator, and say what the toy
#   can and cannot show.

# %%
# Colab: install the companion package (does nothing elsewhere).
import subprocess
import sys

COMPANION_URL = "companion @ git+https://github.com/mi-i2it/mi-i2it-book"
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", COMPANION_URL], check=True)

# %%
import inspect

import matplotlib.pyplot as plt
import torch

import companion
from companion.data import load_dataset
from companion.methods.clrgan import CLRGAN, CLRGANConfig, latent_regression_bound
from companion.methods.segan import SEGAN, SEGANConfig
from companion.metrics.oracle import mode_coverage
from companion.train import fit
from companion.viz import curves, diversity_grid, show

PRESET = companion.preset()
companion.seed_everything(0)
# Three models with SEGAN's generator, discriminator, GAN loss and L1 weight
# (lambda_1 = 3, seed paper 000 Sec. 4.1); they differ only in the MI term.
segan_cfg = SEGANConfig.from_preset(PRESET)
nomi_cfg = segan_cfg.with_overrides({"lambda_mi": 0.0})  # pix2pix + noise
clr_cfg = CLRGANConfig.from_preset(PRESET).with_overrides({
    "lambda_l1": segan_cfg.lambda_l1,
    "gan_loss": segan_cfg.gan_loss,
    "conditional_d": segan_cfg.conditional_d,
    "d_scales": segan_cfg.d_scales,
    "z_injection": segan_cfg.z_injection,
})
STEPS = {"smoke": 10, "cpu": 300, "paper": 200_000}[PRESET]
N_INPUTS, N_SAMPLES = {"smoke": (4, 4), "cpu": (32, 20), "paper": (100, 20)}[PRESET]
print(PRESET, STEPS, clr_cfg.dataset, clr_cfg.image_size)

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
print(inspect.getsource(latent_regression_bound).split('"""')[-1])
print(inspect.getsource(CLRGAN.training_step))

# %% [markdown]
# ## Experiment: coverage on `shapes`
#
# `shapes` pairs a shape mask $a$ with the shape rendered in one of 8 styles
# (colour palette x texture) $b$: for every input there are 8 right answers,
# and the oracle `style_of` reads the style of any output. We train three
# models with the same networks, steps and **the same L1 weight**
# $\lambda_1 = 3$ on the paired target; only the MI term differs:
#
# - **pix2pix + noise** (SEGAN with $\lambda_{\mathrm{MI}} = 0$): nothing asks
#   $G$ to use $z$; its statistics network still trains, as a probe;
# - **cLR-GAN + L1**: latent regression, the Laplace BA bound
#   ($\lambda_{\mathrm{latent}} = 0.5$, BicycleGAN Sec. 4);
# - **SEGAN**: the JSD estimator of $I(Z; \hat B)$ with
#   $\lambda_{\mathrm{MI}} = 3$ (Chapter 3).

# %%
data = load_dataset(clr_cfg.dataset, resolution=clr_cfg.image_size)
test = load_dataset(
    clr_cfg.dataset, split="test", resolution=clr_cfg.image_size, size=N_INPUTS
)
test_batch = test.batch(range(N_INPUTS))


def coverage(method) -> float:
    """Distinct oracle styles among N_SAMPLES outputs per test input."""
    gen = torch.Generator().manual_seed(1)
    outs = torch.stack(
        [method.translate(test_batch["a"], generator=gen)
         for _ in range(N_SAMPLES)], dim=1,
    )  # (N_INPUTS, N_SAMPLES, 3, H, W)
    styles = test.style_of(outs.flatten(0, 1)).reshape(N_INPUTS, N_SAMPLES)
    return mode_coverage(styles, test.num_styles)


results, histories = {}, {}
for name, model in [("pix2pix + noise", SEGAN(nomi_cfg)),
                    ("cLR-GAN + L1", CLRGAN(clr_cfg)),
                    ("SEGAN (JSD)", SEGAN(segan_cfg))]:
    histories[name] = fit(model, data, STEPS, seed=0,
                          log_every=max(STEPS // 10, 1))
    model.eval()
    results[name] = (model, coverage(model))
    print(f"{name}: {results[name][1]:.2f} styles per input "
          f"(of {test.num_styles})")

# %%
curves(histories["cLR-GAN + L1"], ["mi/latent_bound"])
plt.ylabel("Laplace BA bound on I(Z; B_hat), nats")
plt.show()

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, (name, (model, cov)) in zip(axes, results.items()):
    g = diversity_grid(model.translate, test_batch["a"][:6], num_samples=8,
                       generator=torch.Generator().manual_seed(0),
                       z_dim=model.cfg.z_dim)
    show(g, title=f"{name}: {cov:.1f} styles", ax=ax)
plt.show()

# %% [markdown]
# ## Checks

# %%
cov_p2p = results["pix2pix + noise"][1]
cov_clr = results["cLR-GAN + L1"][1]
cov_segan = results["SEGAN (JSD)"][1]
bound = [h["mi/latent_bound"] for h in histories["cLR-GAN + L1"]]
print(f"coverage: pix2pix + noise {cov_p2p:.2f}, cLR-GAN + L1 {cov_clr:.2f}, "
      f"SEGAN {cov_segan:.2f}")
verdict = "fewer" if cov_clr < cov_segan else "at least as many"
print(f"this run: latent regression covers {verdict} styles than the JSD "
      f"estimator")
print(f"latent bound: first log {bound[0]:.2f} nats, last {bound[-1]:.2f}")
# Thresholds from seeds 1 and 2 (300 steps): pix2pix + noise 2.31 / 2.94,
# cLR-GAN + L1 3.00 / 4.69, SEGAN 4.56 / 4.38 styles; latent bound
# -0.46 -> 0.47 and -0.11 -> 0.05 nats.
# 1. Latent regression makes G use z: more styles per input than without it.
assert cov_clr >= cov_p2p + 0.5
# 2. ... and the Laplace BA bound on I(Z; B_hat) that it maximises rises.
assert bound[-1] > bound[0]

# %% [markdown]
# ## Does the toy reproduce "less variation than the JSD estimator"?
#
# **Not in general.** Without an L1 term, a prototype measured about 7.1-7.5
# styles per input for cLR-GAN against about 6.0 for SEGAN's JSD estimator
# ($\lambda_1 = 3$): latent regression was the *stronger* one. The cell
# above prints this run's verdict with the same $\lambda_1 = 3$ for both. In
# two 300-step runs (seeds 1, 2) it went both ways: cLR-GAN 3.00 vs SEGAN
# 4.56 styles (the remark holds), then 4.69 vs 4.38 (it does not). At this
# budget the gap is within seed-to-seed noise, so the toy does not settle
# the remark. Why the
# remark need not transfer to this toy:
#
# - the style is a *global*, low-dimensional factor (8 colour/texture
#   combinations) that a small encoder reads easily from an output, so the
#   Laplace posterior is a good $q$ and the bound is not much looser than the
#   JSD estimator. Seed paper 000 blames "the capacity of the encoders to
#   learn useful information" and the task design: on real images (shoes,
#   facades) what varies is spread over many local details, which an L1
#   regression of an 8-d code captures only partly;
# - the paper's observation is about its own real-data runs, with different
#   losses and weights; a 32x32 toy with one global factor cannot reproduce
#   it, and the chapter does not claim that it does.
#
# What the toy does show: both estimators are lower bounds on the same
# $I(Z; \hat B)$; which one trains a better generator depends on how well
# their variational family (a Laplace encoder or a critic) fits the data.

# %% [markdown]
# ## Exercises
#
# 1. Set `lambda_latent=0` in `clr_cfg`: which model do you get, and what
#    coverage do you expect?
# 2. Replace the L1 latent loss by an L2 one: which posterior family is that,
#    and what would a learned variance add (see MISO, Chapter 5)?

# %% tags=["solution"]
# 1. pix2pix + noise with an unused encoder: coverage near 1 style.
# 2. A Gaussian with fixed variance; a learned variance tightens the bound
#    and reweights well-recovered dimensions (MILO).
print(clr_cfg.with_overrides({"lambda_latent": 0.0}).lambda_latent)

# %% [markdown]
# ## Summary
#
# - cLR-GAN's latent loss is minus a Barber-Agakov bound on $I(Z; \hat B)$
#   with a Laplace posterior, InfoGAN's bound for a conditional generator.
# - On `shapes`, with the same L1 weight, it covers more styles per input
#   than pix2pix + noise (3.0 / 4.7 against 2.3 / 2.9 in two 300-step runs):
#   a modest gain at this budget.
# - The toy does not clearly reproduce seed paper 000's remark that latent
#   regression varies less than the JSD estimator; the remark is about real
#   images whose variation an encoder captures poorly.
# - On a GPU, `COMPANION_PRESET=paper` uses BicycleGAN's settings
#   ($|z| = 8$, $\lambda_{\mathrm{latent}} = 0.5$, 256x256 facades).
#
# ## References
#
# - BicycleGAN {cite}`zhu2017bicyclegan`: Sec. 3.3 (cLR-GAN), Eq. (8)-(9).
# - Seed paper 000 {cite}`zuo2020segan`: Sec. 1, Sec. 2 ("less variation"),
#   App. A Eq. (8)-(9).
# - InfoGAN {cite}`chen2016infogan`.
