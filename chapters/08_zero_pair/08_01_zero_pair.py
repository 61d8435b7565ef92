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
# # 8.1 Zero-pair translation: a shared latent instead of a cascade
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/08_zero_pair/08_01_zero_pair.ipynb)
#
# Three views of one scene: a colour image (RGB), a depth map and a semantic segmentation.
# One dataset pairs RGB with segmentation, another, of *other* scenes, pairs RGB with depth.
# No depth map ever comes with its segmentation, yet we want to translate depth into
# segmentation. This is *zero-pair* translation, the setting of mix-and-match networks
# (M&MNets).
#
# **You will learn**
# - what seen and unseen translations are, and why a cascade through RGB loses information;
# - how per-modality encoders and decoders around one latent space make every translation
#   available, and which losses align that space (derived, term by term);
# - why the latent needs noise, and why the *source* encoder's pooling indices travel well.

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

import matplotlib.pyplot as plt

import companion
from companion.data import SCENE_CLASSES, load_dataset
from companion.methods.mix_and_match import MixAndMatch, MixAndMatchConfig
from companion.viz import source_listing

PRESET = companion.preset()
companion.seed_everything(0)
# The paper preset draws the synthetic scenes at the paper's 256 px; SceneNet
# RGB-D itself is load_dataset("scenenet_rgbd", root=...), used by the CLI.
CFG = MixAndMatchConfig.from_preset("cpu" if PRESET == "smoke" else PRESET)
print(companion.run_header(PRESET, {"cpu": 10}, size=CFG.image_size))

# %% [markdown]
# ## The data: two disjoint sets of pairs
#
# The book's `scenes` render one procedural view as RGB, depth (distance, $-1$ at the
# camera, $1$ at the far plane and the sky) and a segmentation into five classes. The
# zero-pair split `scenes_zeropair` cuts the training scenes in two halves with no scene in
# common, as the thesis splits SceneNet RGB-D: the first half keeps (RGB, seg), the set
# $\mathcal D_{RS}$; the second keeps (RGB, depth), $\mathcal D_{RD}$. The test set holds full
# triplets, so the unseen translation can be scored against the truth.

# %%
size = CFG.image_size
train = load_dataset("scenes_zeropair", resolution=size, size=4, seed=0).batch(range(4))
fig, axes = plt.subplots(2, 4, figsize=(6.5, 3.4))
for i in range(2):
    axes[i, 0].imshow((train["rs_rgb"][i].permute(1, 2, 0) + 1) / 2)
    axes[i, 1].imshow(train["rs_seg"][i], cmap="tab10", vmin=0, vmax=9)
    axes[i, 2].imshow((train["rd_rgb"][i].permute(1, 2, 0) + 1) / 2)
    axes[i, 3].imshow(train["rd_depth"][i, 0], cmap="magma")
titles = ["RGB (set RS)", "seg (set RS)", "RGB (set RD)", "depth (set RD)"]
for ax, title in zip(axes[0], titles):
    ax.set_title(title, fontsize=8)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()
print("classes:", ", ".join(f"{k} {c}" for k, c in enumerate(SCENE_CLASSES)))

# %% [markdown]
# Each row holds two *different* scenes: nothing ever tells the learner which depth map
# goes with which segmentation.
#
# ## Three ways to reach an unseen translation
#
# Write $x$ for RGB, $y$ for segmentation and $z$ for depth; $f_R, f_S, f_D$ for encoders
# and $g_R, g_S, g_D$ for decoders; $T_{ij} = g_j \circ f_i$. Training sees $T_{RS}$,
# $T_{SR}$, $T_{RD}$, $T_{DR}$ (and the autoencoders $T_{RR}, T_{SS}, T_{DD}$).
#
# 1. **Cascade** through the modality both sets share: $\hat y = T_{RS}(T_{DR}(z))$. Every
#    step is a seen translation, but the intermediate image is a *prediction*: by the data
#    processing inequality, $I(Y; \hat y) \le I(Y; T_{DR}(z))$, so whatever $T_{DR}$ fails
#    to paint (a blurry object, a wrong colour) is lost to the segmenter, and $T_{RS}$ was
#    trained on real photographs, not on $T_{DR}$'s renderings.
# 2. **Unpaired** translation depth $\leftrightarrow$ seg (CycleGAN-like): it ignores the
#    RGB pairs, the only link between the two modalities.
# 3. **Mix and match**: $\hat y = T_{DS}(z) = g_S(f_D(z))$, an encoder and a decoder that
#    never met in training. It can only work if $f_D(z)$ lands where $g_S$ expects the
#    latent of that scene, that is, near $f_R(x)$.
#
# ## Which losses align the latent space
#
# Why must $f_D(z)$ be near $f_R(x)$? Suppose $g_S$ is $L$-Lipschitz (its output moves by at
# most $L$ times the move of its input). For a triplet $(x, y, z)$ of one scene,
#
# $$
# \begin{aligned}
# \| g_S(f_D(z)) - y \|
#   &\le \| g_S(f_R(x)) - y \| + \| g_S(f_D(z)) - g_S(f_R(x)) \| \\
#   &\le \underbrace{\| T_{RS}(x) - y \|}_{\text{seen: trained on } \mathcal D_{RS}}
#   + L \, \underbrace{\| f_D(z) - f_R(x) \|}_{\text{latent gap}} .
# \end{aligned}
# $$
#
# The first term is a seen translation's error. The second is not on any unseen pair: it
# involves only $x$ and $z$ of *one* scene, which $\mathcal D_{RD}$ provides. So the
# *latent consistency* loss
#
# $$
# \mathcal L_{LAT} = \mathbb E_{(x, y) \sim \mathcal D_{RS}} \| f_R(x) - f_S(y) \|^2
#   + \mathbb E_{(x, z) \sim \mathcal D_{RD}} \| f_R(x) - f_D(z) \|^2
# $$
#
# bounds the unseen error through seen data only (Eq. (4.9)-(4.11) of the thesis; we use
# the mean squared error where the thesis writes $\|\cdot\|_2$). The autoencoders
# $T_{SS}, T_{DD}, T_{RR}$ add that every decoder must also read the latents of its *own*
# modality's encoder, so $g_S$ has met latents that did not come from $f_R$.
#
# **Noise.** $\mathcal L_{LAT}$ alone has a cheap minimum: shrink every latent,
# $f_i \to c f_i$ with $c \to 0$, and let the decoders' first layers (with batch norm, which
# undoes a scale) grow. Adding $\epsilon \sim \mathcal N(0, \sigma^2 I)$ to every latent
# before decoding, with $\sigma = 0.5$ fixed, makes a shrunk latent drown in the noise, so the
# seen losses rise and the shrinking stops.
#
# **Side information.** A U-Net skip hands the decoder the encoder's feature maps: fine
# when the decoder was trained with that encoder, but $g_S$ never saw $f_D$'s features.
# SegNet's pooling indices, the arg-max positions of each max-pool, say only *where* the
# strong responses were; the unpooling that uses them is not learned, so they depend less on
# which encoder made them (Table 4.2 of the thesis: 43.2% mIoU with indices, 12.7% with
# skips).
#
# ## The method in code
#
# The training step (Sec. 4.4.3): stage 1 trains the seen translations; from stage 2 the RGB
# encoder is frozen, and autoencoders, latent consistency and noise join; stage 3 adds
# pseudo-pairs. No term composes $g_S$ with $f_D$ (a test in the package checks that no loss
# but the pseudo-pairs reaches both).

# %%
source_listing(MixAndMatch.g_terms)

# %% [markdown]
# ## Scaling: N encoders and N decoders
#
# With $N$ modalities, pairwise translators need $N(N-1)/2$ encoder-decoder pairs (one per
# unordered pair and its inverse); mix and match needs $N$ encoders and $N$ decoders, and
# each new modality needs one seen pair to join. The thesis's recolouring demo: 11 colour
# domains, 55 CycleGANs against 11 encoders and 11 decoders.

# %%
model = MixAndMatch(CFG)
per_modality = {
    m: sum(p.numel() for p in model.enc[m].parameters())
    + sum(p.numel() for p in model.dec[m].parameters())
    for m in ("rgb", "seg", "depth")
}
print("parameters per modality (encoder + decoder):")
print("  " + ", ".join(f"{m} {n:,}" for m, n in per_modality.items()))
for n in (3, 5, 11):
    print(
        f"N = {n:2d}: {n} encoders + {n} decoders vs {n * (n - 1) // 2} pairwise models"
    )

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# Nothing is trained on this page. The scenes are the book's procedural ones (32 px, 5
# classes: sky, ground, sphere, box, cone) instead of SceneNet RGB-D (256 px, 13 classes),
# so that the three modalities of a scene agree exactly and the seen/unseen split can be
# drawn without a download; the `paper` preset draws the same scenes at 256 px. SceneNet
# RGB-D can be read from a local copy (`load_dataset("scenenet_rgbd", root=...)`, see the
# datasets page) and trained on with `companion train mix_and_match --preset paper --data
# scenenet_rgbd`, but these pages do not use it. The networks counted here are the `cpu` preset's small
# SegNets (Section 8.2 lists their sizes against the thesis's VGG-16).
# ```
#
# ## Summary
#
# - Zero-pair: the pairs (RGB, seg) and (RGB, depth) come from disjoint scenes; depth
#   $\to$ seg is never shown.
# - A cascade through RGB passes through a predicted image and can only lose information.
# - Mix and match composes $g_S \circ f_D$ directly; the unseen error is bounded by a seen
#   error plus the latent gap, which latent consistency trains on seen pairs. Noise stops the
#   latent from shrinking its way to a zero gap; pooling indices carry spatial detail
#   across encoders.
#
# Section 8.2 trains the networks and measures all of this.
#
# ## References
#
# - Mix-and-match networks {cite}`wang2020mixmatch`: Sec. 4.3-4.4 (setting and losses),
#   Table 4.2 (side information), Fig. 4.4 (three ways to infer an unseen translation).
