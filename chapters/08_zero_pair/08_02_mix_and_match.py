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
# # 8.2 Mix and match on scenes: zero-pair against cascade and oracle
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/08_zero_pair/08_02_mix_and_match.ipynb)
#
# Section 8.1 derived why an unseen translation $g_S \circ f_D$ can work: a seen error plus
# a latent gap that seen pairs can train. Here we train mix-and-match networks on the
# zero-pair split of the book's scenes and score the unseen translations against the truth.
#
# **You will learn**
# - to train M&MNets in stages on two disjoint sets of pairs;
# - to score depth $\to$ segmentation (mIoU, global accuracy) and segmentation $\to$ depth
#   (RMSE, $\delta < 1.25$) against a cascade through RGB and a paired upper bound;
# - to look at the shared latent space, and to read what a small model does not show.

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
from companion.data import SCENE_CLASSES, load_dataset
from companion.methods.mix_and_match import MixAndMatch, MixAndMatchConfig
from companion.metrics import confusion_matrix, depth_scores, segmentation_scores
from companion.quotes import quoted_table
from companion.train import fit

PRESET = companion.preset()
# The training seed; the data drawn are the same on every seed.
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# The paper preset draws the synthetic scenes at the paper's 256 px with the
# paper's networks and schedule; SceneNet RGB-D (load_dataset("scenenet_rgbd",
# root=...)) is trained on through the CLI, not on this page.
STEPS = {"smoke": 8, "cpu": 600, "gpu": 9000, "paper": 500_000}[PRESET]
TRAIN = {"smoke": 32, "cpu": 1000, "gpu": 10_000, "paper": 20_000}[PRESET]
TEST = {"smoke": 16, "cpu": 300, "gpu": 1000, "paper": 1000}[PRESET]
CFG = MixAndMatchConfig.from_preset("cpu" if PRESET == "smoke" else PRESET)
if PRESET == "smoke":
    CFG = CFG.with_overrides({"stage2_start": STEPS // 2})
K = CFG.num_classes
print(
    companion.run_header(
        PRESET,
        {"cpu": 60},
        steps=STEPS,
        stage_2=CFG.stage2_start,
        batch=CFG.batch_size,
        size=CFG.image_size,
        seed=SEED,
    )
)

# %% [markdown]
# ## Training: seen pairs only, in two stages
#
# Stage 1 (steps $0$ to `stage2_start`) trains the four seen translations $T_{RS}, T_{SR},
# T_{RD}, T_{DR}$ with cross-entropy, Berhu and L2. Stage 2 freezes $f_R$ and adds the
# autoencoders, the latent consistency loss and latent noise $\sigma = 0.5$. The *oracle*
# is the same networks trained on full triplets with the unseen pair supervised too
# (`supervise_unseen=True`): the upper bound a paired dataset would give.

# %%
size = CFG.image_size
zero_pair = load_dataset("scenes_zeropair", resolution=size, size=TRAIN, seed=0)
triplets = load_dataset(
    "scenes_zeropair", resolution=size, size=TRAIN, seed=0, triplets=True
)
test = load_dataset("scenes", split="test", resolution=size, size=TEST, seed=0)
test = test.batch(range(TEST))
models = {}
for name, data, cfg in [
    ("M&MNets", zero_pair, CFG),
    ("oracle", triplets, CFG.with_overrides({"supervise_unseen": True})),
]:
    companion.seed_everything(SEED)
    models[name] = MixAndMatch(cfg)
    fit(models[name], data, STEPS, seed=SEED, log_every=50)
    models[name].eval()

# %% [markdown]
# ## Scores
#
# Segmentation: one confusion matrix over all test pixels, IoU per class, their mean (mIoU)
# and the share of pixels right (global). Depth: the distance $d = (v + 1) / 2$ in units of
# the far plane (1 = the sky), RMSE and the share of pixels within a factor 1.25 of the
# truth. The cascade runs through RGB with the same M&MNets: $T_{RS}(T_{DR}(z))$ and
# $T_{RD}(T_{SR}(y))$.


# %%
def seg_scores(logits):
    """mIoU and global accuracy of (N, K, H, W) logits on the test set."""
    m = confusion_matrix(logits.argmax(1), test["seg"], K)
    s = segmentation_scores(m)
    return {"mIoU": s["miou"], "global": s["global"]}, s["iou"]


def dep_scores(v):
    """RMSE and delta < 1.25 of (N, 1, H, W) depth in [-1, 1] on the test set."""
    s = depth_scores((v + 1) / 2, (test["depth"] + 1) / 2)
    return {"RMSE": s["rmse"], "δ<1.25": s["delta1"], "δ<1.25²": s["delta2"]}


mm, oracle = models["M&MNets"], models["oracle"]
z, y, x = test["depth"], test["seg"], test["rgb"]
with torch.no_grad():
    rgb_from_z = mm.translate(z, source="depth", target="rgb")
    rgb_from_y = mm.translate(y, source="seg", target="rgb")
    seg_out = {
        "zero-pair D→S": mm.translate(z, source="depth", target="seg"),
        "cascade D→R→S": mm.translate(rgb_from_z, source="rgb", target="seg"),
        "oracle D→S (paired)": oracle.translate(z, source="depth", target="seg"),
        "seen R→S": mm.translate(x, source="rgb", target="seg"),
    }
    depth_out = {
        "zero-pair S→D": mm.translate(y, source="seg", target="depth"),
        "cascade S→R→D": mm.translate(rgb_from_y, source="rgb", target="depth"),
        "oracle S→D (paired)": oracle.translate(y, source="seg", target="depth"),
        "seen R→D": mm.translate(x, source="rgb", target="depth"),
    }
seg_table = pd.DataFrame({k: seg_scores(v)[0] for k, v in seg_out.items()}).T
depth_table = pd.DataFrame({k: dep_scores(v) for k, v in depth_out.items()}).T
ious = pd.DataFrame(
    {k: seg_scores(v)[1].numpy() for k, v in seg_out.items()}, index=SCENE_CLASSES
).T
print(seg_table.round(3).to_string(), "\n")
print(ious.round(2).to_string(), "\n")
print(depth_table.round(3).to_string())

# %% [markdown]
# The thesis's numbers on SceneNet RGB-D (13 classes, 256 px, 170K triplets), quoted:

# %%
for label in ("Table 4.4 (mIoU and Global columns)", "Table 4.5"):
    table = quoted_table("seed003", label)
    print(table.heading())
    print(table.frame().to_string(), "\n")

# %% [markdown]
# ## What the translations look like

# %%
cols = ["depth", "truth"] + list(seg_out)[:3]
fig, axes = plt.subplots(4, len(cols), figsize=(6.5, 5.4))
for r in range(4):
    axes[r, 0].imshow(z[r, 0], cmap="magma")
    axes[r, 1].imshow(y[r], cmap="tab10", vmin=0, vmax=9)
    for c, name in enumerate(list(seg_out)[:3]):
        axes[r, c + 2].imshow(seg_out[name][r].argmax(0), cmap="tab10", vmin=0, vmax=9)
for ax, title in zip(axes[0], cols):
    ax.set_title(title, fontsize=7)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The shared latent space
#
# If the space is shared, the latents of one scene's three views lie close together, closer
# than latents of different scenes. Below: the first two principal components of the
# flattened latents $f_R(x)$, $f_S(y)$, $f_D(z)$ of 200 test scenes, coloured by modality,
# and the mean cosine similarity of two views (the thesis's alignment factor, Eq. (4.16))
# for the same scene and for shuffled scenes.

# %%
n = min(200, TEST)
with torch.no_grad():
    lat = {
        "RGB": mm.encode("rgb", x[:n])[0].flatten(1),
        "seg": mm.encode("seg", y[:n])[0].flatten(1),
        "depth": mm.encode("depth", z[:n])[0].flatten(1),
    }
allz = torch.cat(list(lat.values()))  # (3n, D)
_, _, v = torch.pca_lowrank(allz, q=2)
proj = (allz - allz.mean(0)) @ v  # (3n, 2)
fig, ax = plt.subplots(figsize=(4.2, 3.4))
for i, name in enumerate(lat):
    p = proj[i * n : (i + 1) * n]
    ax.scatter(p[:, 0], p[:, 1], s=6, alpha=0.6, label=name)
ax.set_xlabel("principal component 1")
ax.set_ylabel("principal component 2")
ax.legend(fontsize=8)
plt.tight_layout()
plt.show()


def cosine(a, b):
    """Mean cosine similarity of rows of a and b."""
    return torch.nn.functional.cosine_similarity(a, b).mean().item()


shuffle = torch.roll(torch.arange(n), 1)
align = pd.DataFrame(
    {
        "same scene": [
            cosine(lat["depth"], lat["RGB"]),
            cosine(lat["seg"], lat["RGB"]),
            cosine(lat["depth"], lat["seg"]),
        ],
        "other scene": [
            cosine(lat["depth"], lat["RGB"][shuffle]),
            cosine(lat["seg"], lat["RGB"][shuffle]),
            cosine(lat["depth"], lat["seg"][shuffle]),
        ],
    },
    index=["AF_RD", "AF_RS", "AF_DS"],
)
print(align.round(3).to_string())

# %% [markdown]
# The projection does **not** show one shared cloud: its first two components separate
# the three modalities completely, each encoder placing its latents in a region of its own,
# although the latent-consistency term ($\lambda_A$) pulls the two views of a training pair
# together. What is shared is smaller, and the alignment factors measure it: one scene's
# views are more alike than views of different scenes, but only by the gap between the two
# columns above, a small part of a cosine similarity that is high even for different
# scenes (Fig. 4.11 of the thesis follows the same factors during training, on SceneNet
# RGB-D, without a same-versus-other-scene comparison).
#
# ## A blind baseline
#
# Sky above, ground below: the layout alone says much. A "segmenter" that never looks at
# its input and paints every pixel with the class most frequent at that position in the
# training segmentations sets the level any translation must beat.

# %%
train_seg = zero_pair.batch(range(TRAIN))["rs_seg"]  # (N, H, W)
prior = torch.nn.functional.one_hot(train_seg, K).float().mean(0).argmax(-1)
blind = segmentation_scores(confusion_matrix(prior.expand_as(y), y, K))
print(f"prior map: mIoU {blind['miou']:.3f}, global {blind['global']:.3f}")

# %% [markdown]
# ```{admonition} What differs from the paper, and why
# :class: note
# - Data: the book's procedural scenes at 32 px with 5 classes (sky, ground, sphere, box,
#   cone), 1,000 samples per pair set; the thesis uses SceneNet RGB-D at 256 px with 13
#   classes and 85K pairs per set. No download, and a run fits the budget.
# - Networks: the thesis's SegNet layout (conv, batch norm, ReLU, max-pool with indices;
#   the RGB decoder without indices) at 2 levels of 16 and 32 channels with one conv per
#   level, not VGG-16; the RGB encoder is trained from scratch (the thesis starts from
#   ImageNet weights, worth about 3.5 points of mIoU in its Table 4.2).
# - Schedule: 300 + 300 steps at batch 8 and learning rate $10^{-3}$ (the thesis:
#   200K + 200K at batch 6 and $2 \cdot 10^{-4}$); no RGB discriminator (the RGB outputs are
#   not scored here), no pseudo-pair stage (Section 8.3 discusses it).
# - Losses: mean squared errors where the thesis writes $\|\cdot\|_2$; the weights are the
#   thesis's ($\lambda_S = 100$, $\lambda_D = 10$, $\lambda_A = 10$, $\lambda_R\lambda_{L2}$
#   $= 1$ then $1000$).
# ```
#
# ## Checks
#
# What the toy shows, over training seeds 0 to 9 on an Intel Xeon (AVX-512, 600 steps each;
# `python benchmarks/notebook_seeds.py chapters/08_zero_pair/08_02_mix_and_match.py --seeds
# 0 1 2 3 4 5 6 7 8 9` reruns them):
#
# | seed | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 |
# |---|---|---|---|---|---|---|---|---|---|---|
# | RMSE: cascade − zero-pair | .026 | .031 | .036 | .006 | .036 | −.007 | .026 | .017 | .027 | .024 |
# | mIoU: zero-pair − prior | .042 | .048 | .088 | .059 | .039 | .047 | .076 | .064 | .058 | .044 |
# | mIoU: oracle − zero-pair | .046 | .065 | .042 | .025 | .075 | .087 | .051 | .024 | .061 | .047 |
#
# - Depth $\to$ segmentation: the zero-pair translation beats the blind prior map on every
#   seed (gaps 0.039 to 0.088); the check asks for a gap above 0.01.
# - The paired oracle beats the zero-pair translation on every seed (mIoU gaps 0.024 to
#   0.087; the check asks for 0.02): zero-pair is not free.
#
# What it does **not** show reliably:
#
# - Segmentation $\to$ depth: the zero-pair translation beats the cascade through RGB in
#   RMSE on 9 of the 10 seeds (by up to 0.036), but on seed 5 the cascade is ahead by
#   0.007 and on seed 3 the two are 0.006 apart. This page asserted a gap above 0.01 from
#   three earlier seeds on another CPU kind; ten seeds here show it does not hold on every
#   run, so it is printed and not asserted.
# - Depth $\to$ segmentation beats the cascade by 0.007 to 0.045 mIoU on those earlier
#   seeds, too close to assert; and in $\delta < 1.25$ the cascade is *ahead* (0.62 to 0.67
#   against 0.54 to 0.58). The thesis's gap (55.4% against 5.96% mIoU) comes from a large RGB
# decoder whose outputs lose detail at 256 px; at 32 px with five classes the small network
# barely separates sphere, box and cone at all (their IoUs above), so every method sits
# near the layout prior and the cascade loses little.

# %%
gap_depth = (
    depth_table.loc["cascade S→R→D", "RMSE"]
    - depth_table.loc["zero-pair S→D", "RMSE"]
)
gap_blind = seg_table.loc["zero-pair D→S", "mIoU"] - blind["miou"]
gap_oracle = (
    seg_table.loc["oracle D→S (paired)", "mIoU"]
    - seg_table.loc["zero-pair D→S", "mIoU"]
)
print(
    f"RMSE gap to cascade {gap_depth:.3f}, mIoU gap to prior {gap_blind:.3f}, "
    f"oracle gap {gap_oracle:.3f}"
)
if PRESET != "smoke":
    assert gap_blind > 0.01, gap_blind
    assert gap_oracle > 0.02, gap_oracle

# %% [markdown]
# ## Summary
#
# - Trained on (RGB, seg) and (RGB, depth) pairs of disjoint scenes, the composed
#   $g_S \circ f_D$ segments above the blind layout prior and below a paired oracle on
#   every seed; $g_D \circ f_S$ predicts depth from segmentation better than the cascade
#   through RGB on 9 seeds of 10, by a few hundredths of RMSE.
# - The alignment factors compare the latents of one scene's views with those of
#   different scenes: how far the space is shared, measured rather than assumed.
# - At this scale the depth $\to$ segmentation gain over the cascade is too small to
#   claim; the thesis's large gap is a result at 256 px with a VGG-16 encoder.
#
# ## References
#
# - Mix-and-match networks {cite}`wang2020mixmatch`: Sec. 4.4.3 (losses and stages),
#   Sec. 4.6 (SceneNet RGB-D protocol, metrics Eq. (4.15)), Tables 4.4 and 4.5, Eq. (4.16)
#   and Fig. 4.11 (alignment factors).
