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
# # Evaluation protocols
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/book/appendix_evaluation.ipynb)

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

# %% [markdown]
# A number such as "LPIPS 0.19" or "FID 78.4" only means something together with the protocol that
# produced it: which network computed the features, how many samples were drawn from how many inputs,
# which pairs were compared and against which reference set. This appendix explains what each metric
# in `companion.metrics` measures, how the papers this book follows computed theirs, and why numbers
# from different papers, or from this book's CPU runs, should not be set side by side.
#
# Every result written by `companion.metrics.evaluate` records, beside each value, its protocol,
# backend, feature network, sample counts and the sha256 of any pretrained weights. When you compare
# two numbers, compare those records first.
#
# ## What each metric measures
#
# | Metric | Measures | Better | In `companion.metrics` |
# |---|---|---|---|
# | Mode coverage | distinct oracle styles among $K$ samples of one input, averaged over inputs | higher (at most $\min(K, \text{number of styles})$) | `mode_coverage(styles, n_styles)` |
# | Style consistency | with one code shared by all inputs, the share of inputs that get the code's most common style | higher, but read it with coverage | `style_consistency(styles)` |
# | Style recovery | held-out accuracy of a linear probe reading the true style from a code | higher | `style_recovery(codes, styles)` |
# | Nuisance leakage | how far above chance a probe reads a nuisance attribute from a code, scaled to $[0, 1]$ | lower | `nuisance_leakage(codes, nuisance)` |
# | Semantic accuracy | how often a classifier trained on ground truth gives a translation its input's class | higher | `label_accuracy`, `train_classifier` |
# | FID | Fréchet distance between Gaussians fitted to features of real and generated images | lower | `fid_from_features`, `frechet_distance` |
# | KID | unbiased squared MMD with a cubic polynomial kernel on the same features | lower | `kid_from_features` |
# | LPIPS diversity | mean perceptual distance between two translations of the same input | higher | `diversity`, `DiversityMeter`, `build_lpips` |
# | NDB | number of k-means bins (fitted on real data) whose share of generated samples differs significantly from the real share | lower | `NDB(k, alpha, seed)` |
# | JSD (bins) | Jensen–Shannon divergence between the real and generated bin histograms, in nats | lower | `NDBResult.jsd` |
#
# **Oracle metrics.** The synthetic domains of this book know each image's style, so diversity can be
# counted exactly instead of estimated through a perceptual network. A generator that ignores its
# code has coverage 1; one that picks among $S$ styles uniformly at random has expected coverage
# $S\,(1 - (1 - 1/S)^K)$ with $K$ samples per input (5.79 for $S = 8$, $K = 10$). A collapsed
# generator is perfectly *consistent* (every code gives the same style for every input), so report
# consistency only next to coverage.
#
# **FID.** With feature means $\mu_r, \mu_g$ and covariances $\Sigma_r, \Sigma_g$,
#
# $$
# \mathrm{FID} = \lVert \mu_r - \mu_g \rVert_2^2
#   + \operatorname{Tr}\!\big(\Sigma_r + \Sigma_g - 2\,(\Sigma_r \Sigma_g)^{1/2}\big).
# $$
#
# It depends on the feature network (standard FID uses Inception-v3 pool3, 2048-d, from the
# TensorFlow graph of 2015-12-05) and it is biased upward when few samples are used, so FIDs from
# different sample counts do not compare. The package can also compute a *domain FID* on the
# features of a small classifier trained on the synthetic data: it runs offline, but its scale has
# nothing to do with Inception FID.
#
# **LPIPS.** LPIPS compares unit-normalized activations of an ImageNet network layer by layer with
# channel weights calibrated on human judgments. The `lpips` package ships two versions (v0.0 had a
# normalization bug; v0.1 is current) and three trunks (AlexNet, VGG16, SqueezeNet); the values
# depend on both. The package's `lpips-random-*` backends use a randomly initialized trunk for offline
# work. Their results are labelled "not LPIPS" and do not compare with any paper.
#
# **NDB and JSD** {cite}`richardson2018gans`. The real samples are clustered into $k$ bins by
# k-means; each generated sample goes to the bin of its nearest centre; a two-proportion z-test at
# level $\alpha$ compares each bin's real and generated shares. If the generator matches the data,
# about $\alpha k$ bins differ by chance. On two samples of the same 2-D Gaussian (1,000 each,
# $k = 20$, $\alpha = 0.05$, 40 seeds) we measured a mean of 0.63 bins. That is a little below
# $\alpha k = 1$ because the bins are fitted on the reference sample itself: with bins fitted on a
# third, independent sample the mean was 0.88. If the two sets do not overlap, all $k$ bins differ.
#
# ## How the papers' protocols differ
#
# | Paper | Diversity | Fidelity | Coverage |
# |---|---|---|---|
# | BicycleGAN {cite}`zhu2017bicyclegan` | LPIPS (AlexNet): 1,900 pairs from 100 test inputs (19 per input) | — | — |
# | SEGAN (App. E) | LPIPS: 100 test inputs × 19 pairs, "following" BicycleGAN; LPIPS network and version not stated | FID: 100 inputs × 50 samples = 5,000 generated vs all training targets | NDB/JSD: k-means on all training samples, $K = 20$ (Facades) or $50$, ≥ 10 samples per bin |
# | MSGAN {cite}`mao2019msgan` | LPIPS | FID | NDB/JSD |
# | DRIT++ {cite}`lee2020drit` | LPIPS | FID | NDB/JSD |
# | StarGAN v2 {cite}`choi2020starganv2` | LPIPS: 10 outputs per test input, all 45 pairs | FID per source–target domain pair | — |
# | MISO | LPIPS O↔O between outputs of one input, I↔O between input and output, with a "REAL" reference value; network, version and pairs not stated | — | — |
#
# The package names the two diversity layouts it implements and records the one used:
#
# - `"bicyclegan"`: 20 samples per input, the 19 consecutive pairs (1–2, 2–3, …, 19–20). The papers
#   say "19 pairs per input" but not how they are formed; consecutive pairs of 20 samples is our
#   reading.
# - `"stargan_v2"`: 10 samples per input, all 45 pairs.
#
# Both estimate the same expectation $\mathbb{E}\,[d(G(a, z_1), G(a, z_2))]$ for independent codes,
# but with different variances. Over a few inputs they can disagree by more than the gaps between
# methods that papers report.
#
# ## Why numbers from different papers are not comparable
#
# 1. **Feature networks and ports.** FID computed with torchvision's Inception weights differs from FID
#    computed with the TensorFlow graph port used by `torch-fidelity`, `pytorch-fid` and clean-fid.
#    Resizing (bilinear with or without antialiasing, PIL or tensor) changes FID further. LPIPS
#    changes with trunk (alex, vgg) and version (v0.0, v0.1).
# 2. **Sample counts.** FID is biased upward by roughly $1/N$. Facades has only 400 training targets,
#    which partly explains FIDs of 80–150 there. KID is unbiased, but its subset size still changes
#    its variance.
# 3. **Reference sets.** "All training targets", "the test set" and "one domain of a multi-domain set"
#    give different FIDs for the same generator.
# 4. **Pairs and inputs.** 19 pairs of 20 samples is not 45 pairs of 10; 100 inputs is not all of
#    them.
# 5. **NDB's choices.** $K$, $\alpha$, the feature space (raw pixels at which size, whitened or not,
#    a random subset of dimensions) and the k-means seed all change NDB. The reference code keeps
#    $d/6$ random dimensions when $d > 1000$; this package does not, and it bins area-downsampled
#    pixels (`EvalConfig.ndb_size`).
# 6. **"±" values.** Papers rarely say whether ± is the standard deviation over evaluation seeds,
#    over training runs or a standard error.
# 7. **This book's CPU runs.** They use small synthetic images, few samples and, offline, random-trunk
#    LPIPS or domain FID. Their purpose is to order methods on the same data and to check a claim
#    with a known answer. They are not an attempt to reproduce a paper's table.
#
# So compare numbers only within one protocol record: same metric backend and weights hash, same
# sample counts, same reference set, and ideally several seeds.
#
# ## A small demonstration on synthetic data
#
# On `shapes` the style of every target is known, so we can build "generators" whose failure we
# choose and watch each metric react. Here a *faithful* sampler returns real targets of all 8
# styles, a *collapsed* one only targets of styles 0 and 1; both are compared with held-out real
# targets. Mode coverage is read from the oracle, NDB and pixel-space FID from the images.

# %%
import torch

from companion.data import load_dataset
from companion.metrics import NDB, PixelFeatures, fid_from_features, mode_coverage

shapes = load_dataset("shapes", resolution=16, size=3000, seed=0)
samples = [shapes[i] for i in range(3000)]
images = torch.stack([s["b"] for s in samples])  # (3000, 3, 16, 16)
styles = torch.tensor([int(s["factors"]["style"]) for s in samples])  # (3000,)

reference, pool = images[:1000], images[1000:]
pool_styles = styles[1000:]
faithful = pool[:1000]
collapsed = pool[pool_styles < 2][:1000]

pixels = PixelFeatures(8, 3)
ndb = NDB(k=20, alpha=0.05, seed=0).fit(pixels(reference))
print(f"{'':<10}{'coverage':>10}{'NDB':>6}{'JSD':>8}{'pixel FID':>11}")
for name, fake, fake_styles in [
    ("faithful", faithful, pool_styles[:1000]),
    ("collapsed", collapsed, pool_styles[pool_styles < 2][:1000]),
]:
    score = ndb.score(pixels(fake))
    coverage = mode_coverage(fake_styles.reshape(1, -1), 8)  # one "input", all samples
    fid = fid_from_features(pixels(reference), pixels(fake))
    print(f"{name:<10}{coverage:>10.0f}{score.ndb:>6}{score.jsd:>8.3f}{fid:>11.2f}")

# %% [markdown]
#
# Coverage counts exactly what was lost (2 of 8 styles); NDB and JSD flag the missing bins without
# knowing what a style is; FID grows too, but mixes the loss of modes with every other difference
# between the two sets. On real data only the last three are available, which is why this book
# proves its claims on synthetic data first.
#
# ## Pretrained weights, offline
#
# Inception (FID) and the LPIPS trunks are looked up in this order: an explicit `weights_path`, the
# folder in `COMPANION_WEIGHTS_DIR`, then the torch hub cache (`torch.hub.get_dir()/checkpoints`).
# If the file is in none of them, the error names the file, its URL and its hash. Nothing is
# downloaded unless you pass `allow_download=True`.
#
# | Name | File | Source | Hash check |
# |---|---|---|---|
# | `inception-fid` | `weights-inception-2015-12-05-6726825d.pth` | torch-fidelity release v0.2.0 | full sha256 not recorded: the hash is computed and stored with each result |
# | `alexnet` | `alexnet-owt-7be5be79.pth` | download.pytorch.org/models | sha256 prefix `7be5be79` |
# | `vgg16` | `vgg16-397923af.pth` | download.pytorch.org/models | sha256 prefix `397923af` |
#
# For example, to use real LPIPS, copy `alexnet-owt-7be5be79.pth` into a folder, set
# `COMPANION_WEIGHTS_DIR` to that folder, and pass `lpips_backend="lpips-alex"` (the default of
# `EvalConfig`).
