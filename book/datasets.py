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
# # Datasets
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/book/datasets.ipynb)

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
# Every experiment in this book runs on data whose ground truth is known. The synthetic domains
# below are generated on the fly by `companion.data`: sample `i` is a pure function of
# `(seed, split, i)`, so the same seed gives the same samples in any order, on any number of
# workers, and each sample carries the factors that produced it. Real datasets load from a local
# folder in their published format; nothing downloads unless you run
# `companion data fetch NAME --root DIR`.
#
# All images are float32 tensors in NCHW layout with values in $[-1, 1]$. Translation data yields
# `{"a": source, "b": target, "factors": {...}}`, single-domain data
# `{"x": image, "y": label, "factors": {...}}`.

# %% [markdown]
# ```python
# import companion.data as data
#
# ds = data.load_dataset("shapes", resolution=32, seed=0)   # 10,000 training samples
# sample = ds[0]                                           # {"a", "b", "factors"}
# data.save_sample_grid("shapes", "shapes.png")            # or: companion data show shapes
# ```

# %% [markdown]
# ## Synthetic domains
#
# Eight samples of each synthetic domain at 32x32, one row per image entry, named on the left
# (made when the site is built, by the same function as `companion data show NAME`):

# %% tags=["hide-input"]
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from companion.data import load_dataset, save_sample_grid
from companion.viz import FIGURE_WIDTH

names = [
    "shapes",
    "shapes_edges",
    "shapes_season",
    "shapes_species",
    "digits",
    "scenes",
]


def image_keys(name):
    """The image entries of a sample: the rows of its grid, in order."""
    sample = load_dataset(name, resolution=32)[0]
    return [
        key
        for key, value in sample.items()
        if isinstance(value, torch.Tensor) and value.dim() in (2, 3)
    ]


rows = {name: image_keys(name) for name in names}
height = 0.75 * sum(map(len, rows.values())) + 0.3 * len(names)  # inches
fig, axes = plt.subplots(
    len(names),
    1,
    figsize=(FIGURE_WIDTH, height),
    gridspec_kw={"height_ratios": [len(keys) for keys in rows.values()]},
)
with tempfile.TemporaryDirectory() as tmp:
    for ax, (name, keys) in zip(axes, rows.items()):
        path = Path(tmp) / f"{name}.png"
        save_sample_grid(name, path, n=8, resolution=32)
        picture = plt.imread(path)
        ax.imshow(picture)
        row_height = picture.shape[0] / len(keys)
        ax.set_yticks([(i + 0.5) * row_height for i in range(len(keys))], keys)
        ax.set_xticks([])
        ax.tick_params(length=0, labelsize=10)
        ax.spines[:].set_visible(False)
        ax.set_title(name, fontsize=10, loc="left")
plt.tight_layout()
plt.show()

# %% [markdown]
#
# | name | kind | keys | ground-truth factors |
# |---|---|---|---|
# | `shapes` | paired, multimodal | `a` mask (3 or 1 channels), `b` painted shape | `kind`, `style`, `palette`, `texture`, `cx`, `cy`, `size`, `angle`, `background_hue` |
# | `shapes_edges` | paired, multimodal | `a` edge band, `b` painted shape | as `shapes` |
# | `shapes_season` | unpaired, appearance changes | `a` warm palettes, `b` cool palettes | per domain, as `shapes` |
# | `shapes_species` | unpaired, shape changes too | `a` round shapes, `b` angular shapes | per domain, as `shapes` |
# | `digits` | paired (or unpaired) | `a` MNIST-like, `b` SVHN-like, `y` | `label`, `digit`, `dx`, `dy`, `left`, `right`, `fg_hue`, `background_hue`, ... |
# | `digits_near` | as `digits` | `b` recoloured in place | `dx = dy = 0`, no `left`, `right` |
# | `digits_reverse` | as `digits` | `a` SVHN-like, `b` MNIST-like, `y` | as `digits` (`a`, `b` swapped when unpaired) |
# | `scenes` | three modalities of one view | `rgb`, `depth`, `seg`, `instances` | `horizon`, `sky_hue`, `ground_hue`, per object `object_class`, `object_depth`, ... |
#
# ## Shapes
#
# The source $a$ is the mask of a circle, square, triangle or plus sign at a random position,
# size and angle; the target $b$ is the same shape painted in one of $K = 8$ styles (by default 8
# palette colours, one flat texture; `textures=("flat", "stripes")` with 4 palettes gives 4 x 2)
# over a dark background of random hue. Given $a$, exactly $K$ targets are correct, so the number
# of distinct styles a model produces for one input *is* its mode coverage.
#
# The oracle `companion.data.style_of(b, mask)` reads the style back from pixels: the nearest
# palette colour to the mean foreground colour (the mask eroded by one pixel, so blurred outlines
# do not pull the colour towards the background), and for striped styles the contrast between
# rows two pixels apart. It is exact on clean samples and on blurred ones (3 x 3 box filter, flat
# styles), and more than 99% accurate under Gaussian noise of standard deviation 0.1 (measured
# 100% on 1,000 samples). Without a mask it estimates the foreground from the border colour.
#
# ## Unpaired shapes
#
# `shapes_season` mimics summer/winter: both domains draw the same shapes, positions and sizes;
# domain A paints them red, green, yellow or orange, domain B blue, magenta, cyan or white. A
# faithful translation keeps the mask and changes the palette. `shapes_species` mimics cat/dog:
# domain A holds circles and ellipses, domain B squares and triangles, so the shape changes too
# while position, size and angle are the content to keep. Factors are nested per domain,
# `factors["a"]` and `factors["b"]`, and each domain has its own oracle (`ds.domain_b.style_of`).
#
# ## Digits
#
# scikit-learn's 1,797 bundled handwritten digits (no download), upscaled to white-on-black
# strokes, are the MNIST-like source. The SVHN-like target re-renders the same digit in a colour
# that contrasts with a textured, coloured background, shifted by a few pixels, between fragments
# of two neighbouring digits. Digits 0-1436 serve the training split, the last 360 the test split.
# The label is kept (`y`, `factors["label"]`); `paired=False` draws the target independently.
# `digits_near` (or `target="near"`) is the near target: the same digit in the same pixels, in the
# same colours over the same textured background, with no shift and no fragments, so only the
# appearance changes (the edges-to-shoes analogue of Chapter 6). `digits_reverse` (or
# `reverse=True`) is the other direction, house numbers to plain digits: each sample is the
# `digits` sample of the same index with `a` and `b` exchanged.
#
# ## Scenes
#
# A camera over a ground plane under a sky, with one to three spheres, boxes or cones standing on
# the ground. Ground at image height $y$ below the horizon $y_h$ lies at distance
# $0.15 / (y - y_h)$; each object is a card at the distance of the ground where it stands, and a
# depth test composites them. RGB (with shading and distance fog), depth and segmentation come
# from the same composite, so they agree exactly with the object masks (`instances`): the zero-pair
# setting where each modality can be translated into any other.
#
# ## Bias as a knob
#
# `companion.data.biased(ds, attribute="background_hue", strength=0.9)` correlates a nuisance
# attribute with the domain (unpaired data), the label (digits) or the style (paired shapes):
# with probability `strength`, the attribute is redrawn inside its class's bin. `strength=0` is the
# original data; `strength=1` makes the background reveal the class. A model that leaks the
# nuisance into what it should preserve shows it in the leakage metric.
#
# ## Single-domain use
#
# `companion.data.single_domain(ds, key="b")` turns any of these into unconditional data
# `{"x", "y", "factors"}` for GANs trained on images (`y` is the label or the style).
#
# ## Real datasets
#
# Real datasets are read from `ROOT/NAME` in the layout their authors publish. Fetch them once
# with `companion data fetch NAME --root data/datasets` (resumable download, sha256 check, safe
# extraction), then `load_dataset(NAME, root="data/datasets", resolution=256)`.
#
# | name | used by | layout | source |
# |---|---|---|---|
# | `facades`, `maps`, `cityscapes` | pix2pix | A\|B side by side in `train/`, `val/`, `test/` | efrosgans.eecs.berkeley.edu/pix2pix |
# | `edges2shoes`, `edges2handbags`, `night2day` | BicycleGAN | A\|B side by side | efrosgans.eecs.berkeley.edu/pix2pix |
# | `horse2zebra`, `summer2winter_yosemite`, `monet2photo`, ... | CycleGAN, MUNIT, DRIT | `trainA`, `trainB`, `testA`, `testB` | efrosgans.eecs.berkeley.edu/cyclegan |
# | `cat2dog` | DRIT | `trainA`, `trainB`, `testA`, `testB` | vllab.ucmerced.edu/hylee/DRIT |
# | `afhq` | StarGAN v2 | `train/<domain>/`, `val/<domain>/` | StarGAN v2 (Dropbox) |
# | `mnist`, `svhn`, `celeba` | several | torchvision's | torchvision downloaders |
# | `celeba_domains` | SDIT | torchvision's CelebA files, one domain per attribute | torchvision's CelebA downloader |
# | `celeba_male2female` | MISO | torchvision's CelebA files, unpaired: `Male` faces (A) and the others (B) | torchvision's CelebA downloader |
# | `scenenet_rgbd` | M&MNets | `{train,val}/<shard>/<trajectory>/{photo,depth,class13}/` | by hand (below) |
#
# For pix2pix data the paper's direction is the default (`facades` and `cityscapes` translate
# labels to photos, `direction="BtoA"`). Training augmentation follows pix2pix: resize to
# `load_size` (286 for 256 x 256 crops), random crop, random horizontal flip, the same for both
# halves of a pair. None of these archives has a published checksum; the first fetch records the
# sha256 it saw in `ROOT/companion-data.lock.json` and later fetches must match it.
#
# `scenenet_rgbd` is SceneNet RGB-D, the main dataset of the mix-and-match chapter (Chapter 8;
# the thesis's Sec. 4.6.1), in its trajectory folders: `photo/<frame>.jpg` (320 x 240),
# `depth/<frame>.png` (16-bit, millimetres) and `class13/<frame>.png` (8-bit NYU-13 labels,
# 0 = Unknown). It cannot be fetched: download the renders and protobufs from the SceneNet
# RGB-D page (robotvault.bitbucket.io/scenenet-rgbd.html) and write the `class13` labels from
# the published `instance/` images with pySceneNetRGBD's `convert_instance2class.py`. The
# training split comes out zero-pair (trajectories alternate between the (RGB, seg) half and
# the (RGB, depth) half, keys `rs_rgb`, `rs_seg`, `rd_rgb`, `rd_depth`); `val` comes out as
# whole triplets for scoring the unseen pair. Depth is mapped to [-1, 1] over 0-10 m
# (`companion.data.depth_to_metres` undoes it), Unknown becomes -1 and is left out of the loss
# and the scores. `companion train mix_and_match --preset paper --data scenenet_rgbd --root
# data/datasets` trains on it.
