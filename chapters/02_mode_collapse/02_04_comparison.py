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
# # 2.4 Three baselines on the same data
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/chapters/02_mode_collapse/02_04_comparison.ipynb)
#
# **Learning goals**
#
# - train pix2pix + noise, BicycleGAN and MSGAN on the same `shapes` data, networks and step
#   budget;
# - read six numbers per model: two of diversity (oracle mode coverage, LPIPS-style
#   diversity), two of quality that the oracle measures exactly (precision: the share of
#   outputs that are valid targets; content IoU: is the input's shape kept?), and two that
#   compare distributions (a domain FID and NDB), and say what each one sees;
# - check the claims of Sections 2.1-2.3 where this budget can show them: MSGAN covers more
#   styles per input than pix2pix + noise, and what its diversity costs in precision, next
#   to what the SEGAN paper found it costs in FID on real data. (BicycleGAN's coverage needs
#   400 steps: Section 2.2 checks it.)

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
import time

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch

import companion
from companion.data import load_dataset
from companion.methods.bicyclegan import BicycleGAN, BicycleGANConfig
from companion.methods.msgan import MSGAN, MSGANConfig
from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig
from companion.metrics import (
    EvalConfig,
    content_iou,
    evaluate,
    precision,
    sample_translations,
    style_transfer,
    style_transfer_chance,
    train_factor_classifier,
    transferred_styles,
)
from companion.quotes import quoted_table
from companion.train import fit
from companion.viz import diversity_panels

PRESET = companion.preset()
SEED = int(os.environ.get("COMPANION_SEED", 0))
companion.seed_everything(SEED)
# Steps per model: the same budget for all three.
STEPS = {"smoke": 10, "cpu": 250, "gpu": 1_500, "paper": 200 * 400}[PRESET]
N_INPUTS = {"smoke": 8, "cpu": 32, "gpu": 100, "paper": 100}[PRESET]
MODELS = {
    "pix2pix + noise": (Pix2Pix, Pix2PixConfig.from_preset(PRESET)),
    "BicycleGAN": (BicycleGAN, BicycleGANConfig.from_preset(PRESET)),
    "MSGAN": (MSGAN, MSGANConfig.from_preset(PRESET)),
}
cfg = MODELS["pix2pix + noise"][1]
if PRESET == "paper":  # facades from a local folder (see the Setup page)
    data = load_dataset(cfg.dataset, root="data/datasets", resolution=cfg.image_size)
    test = load_dataset(cfg.dataset, root="data/datasets", split="test")
else:
    data = load_dataset(
        "shapes", resolution=cfg.image_size, seed=SEED, background="grey"
    )
    test = load_dataset(
        "shapes", split="test", resolution=cfg.image_size, seed=SEED, background="grey"
    )
print(companion.run_header(PRESET, {"cpu": 80}, steps=STEPS, batch=cfg.batch_size))

# %% [markdown]
# ## Training
#
# The three models share the generator (a U-Net with $z$ at its input), the PatchGAN's
# layers and the $L_1$ weight $\lambda_1 = 10$. pix2pix + noise and MSGAN judge pairs with a
# conditional discriminator $D(a, b)$; BicycleGAN's two discriminators see the image alone,
# $D(b)$, as in its released code, and it adds an encoder (Section 2.2). MSGAN adds the
# mode-seeking term with $\lambda_{\mathrm{ms}} = 1$ (Section 2.3).

# %%
models, seconds = {}, {}
for name, (method, model_cfg) in MODELS.items():
    companion.seed_everything(SEED)
    start = time.perf_counter()
    model = method(model_cfg)
    fit(model, data, STEPS, seed=SEED, log_every=STEPS)
    models[name], seconds[name] = model.eval(), time.perf_counter() - start
    print(f"{name}: {seconds[name]:.0f} s")

# %%
diversity_panels(models, torch.stack([test[i]["a"] for i in range(5)]))
plt.show()

# %% [markdown]
# ## The table
#
# - **Mode coverage** (higher is better): distinct oracle styles among 20 outputs per input,
#   of 8. It sees exactly the diversity we care about here and nothing else.
# - **Diversity** (higher): mean LPIPS distance between outputs of one input, the
#   `bicyclegan` protocol (19 consecutive pairs of 20 samples). LPIPS's ImageNet weights are
#   not downloaded by this book: `lpips-random-alex` is LPIPS's architecture with a random
#   trunk. It ranks, but its values are not comparable with published LPIPS.
# - **Precision** (higher): the share of outputs that are valid targets for their input,
#   judged exactly by the oracle: the mask's shape filled with one palette colour (90 % of
#   its pixels within 0.35 of it), the grey background untouched. It is quality alone, in the
#   spirit of the precision of {cite}`kynkaanniemi2019precision`: a generator that always
#   paints red scores 1.
# - **Content IoU** (higher): intersection over union of the output's foreground (pixels
#   far from the background) with the input mask: is the input's shape kept?
# - **Domain FID** (lower): Fréchet distance between generated and real targets in the
#   feature space of a small classifier trained on the real targets to tell their 8 styles
#   apart (test accuracy printed below), instead of Inception's. Its features *are* the
#   styles, so it rewards spreading the outputs over the styles: a collapsed model loses by
#   construction, whatever its quality. It is a measure of spread here, not of quality.
# - **NDB** (lower): of 20 k-means bins fitted on real targets, how many receive a
#   significantly different share of generated images {cite}`richardson2018gans`.

# %%
classifier = train_factor_classifier(data, "style", seed=SEED)
print(f"style classifier test accuracy: {classifier.test_accuracy:.3f}")

eval_cfg = EvalConfig.cpu(N_INPUTS)
metrics = ["mode_coverage", "diversity", "domain_fid", "ndb"]
table = {}
for name, model in models.items():
    record = evaluate(
        model,
        test,
        metrics,
        cfg=eval_cfg,
        classifier=classifier,
        seed=SEED,
    )["metrics"]
    table[name] = {m: record[m]["value"] for m in metrics}

a_eval = torch.stack([test[i]["a"] for i in range(N_INPUTS)])
for name, model in models.items():  # 20 outputs per input, judged by the shapes oracle
    gen = torch.Generator().manual_seed(SEED)
    samples = sample_translations(model, a_eval, 20, generator=gen)
    judged = PRESET != "paper"  # real data have no oracle
    table[name]["precision"] = precision(samples, a_eval) if judged else float("nan")
    table[name]["content_iou"] = (
        content_iou(samples, a_eval) if judged else float("nan")
    )

frame = pd.DataFrame(table).T[
    ["mode_coverage", "diversity", "precision", "content_iou", "domain_fid", "ndb"]
]
SHORT = {"mode_coverage": "styles", "content_iou": "IoU", "domain_fid": "FID"}
print(frame.rename(columns=SHORT).round(3).to_string())

# %%
LABELS = {
    "mode_coverage": "styles per input (of 8) ↑",
    "diversity": "diversity (LPIPS, random trunk) ↑",
    "precision": "precision ↑",
    "content_iou": "content IoU ↑",
    "domain_fid": "domain FID ↓",
    "ndb": "NDB ↓",
}
long = frame.rename_axis("model").reset_index().melt("model", var_name="metric")
long["metric"] = long["metric"].map(LABELS)
bars = sns.catplot(
    long, kind="bar", x="model", y="value", col="metric", col_wrap=3, sharey=False,
    hue="model", height=2.2, aspect=1.3, legend=False,
)  # fmt: skip
bars.set_titles("{col_name}", size=9)
bars.set_xlabels("")
bars.set_ylabels("")
bars.tick_params(axis="x", labelsize=8, rotation=15)
plt.show()

# %% [markdown]
# ## What the papers report
#
# On real data (256x256, LPIPS with AlexNet weights, FID on Inception features) the papers
# agree on the ordering of diversity: pix2pix + noise is the least diverse. BicycleGAN's
# paper measures quality as realism, the rate at which people on Amazon Mechanical Turk take
# an output for a real photo, and diversity with LPIPS; it reports no FID. The SEGAN paper
# runs all of them with one architecture; its Table 1 (quoted exactly below, mean ± std over
# its runs) has FID, NDB, JSD and LPIPS, where "SEGAN w/o MI" is its pix2pix + noise
# baseline (with a larger batch):

# %%
paper_tables = [quoted_table("seed000", f"Table 1 ({d})") for d in ("Facades", "Maps")]
for quoted in paper_tables:
    print(f"seed 000, {quoted.table}, mean ± std over the paper's runs:")
    print(quoted.frame().to_string(), "\n")
for quoted in paper_tables:
    base_fid = quoted.value("FID", "SEGAN w/o MI")
    for method in ("BicycleGAN", "MSGAN"):
        print(
            f"{quoted.table}: {method} FID {quoted.value('FID', method)} vs the "
            f"baseline's {base_fid},\n  LPIPS {quoted.value('LPIPS', method)} vs "
            f"{quoted.value('LPIPS', 'SEGAN w/o MI')}"
        )

# %% [markdown]
# On both datasets BicycleGAN and MSGAN are more diverse than the baseline (higher LPIPS)
# and have a *worse* FID: in the SEGAN paper's runs their diversity cost some quality (the
# paper attributes part of the gap to its baseline's larger batch). The values above are on
# other data, at another scale and with other feature extractors: compare orderings, not
# values. Our precision is the toy's analogue of that quality axis, measured exactly.
#
# ## Checks
#
# 1. MSGAN covers more styles per input than pix2pix + noise (by at least 0.14, half the
#    smallest gain measured), and its outputs are at least 3 times as diverse;
# 2. the toy's version of the paper's finding, that diversity costs BicycleGAN and MSGAN some
#    quality: at this budget almost none of MSGAN's outputs is a valid target (precision at
#    most 0.1), and it keeps the input's shape worse than pix2pix + noise (content IoU at
#    least 0.1 lower).
#
# Measured on three seeds at this preset (32 inputs, 20 outputs each; these runs used one CPU
# thread, and a run on two threads, as above, differs in its details):
#
# | seed | model | styles per input | precision | content IoU |
# |---|---|---|---|---|
# | 0 | pix2pix + noise | 1.00 | 0.78 | 0.71 |
# | 0 | BicycleGAN | 3.00 | 0.45 | 0.86 |
# | 0 | MSGAN | 3.38 | 0.01 | 0.56 |
# | 1 | pix2pix + noise | 1.00 | 0.44 | 0.89 |
# | 1 | BicycleGAN | 3.34 | 0.04 | 0.78 |
# | 1 | MSGAN | 3.69 | 0.00 | 0.51 |
# | 2 | pix2pix + noise | 1.34 | 0.03 | 0.86 |
# | 2 | BicycleGAN | 2.94 | 0.54 | 0.83 |
# | 2 | MSGAN | 6.31 | 0.00 | 0.52 |
#
# The margins: MSGAN's coverage gain was 2.4 to 5.0 styles here, and 0.6 in the smallest case
# of earlier two-thread runs. The threshold was 0.5 until ten seeds on an Intel Xeon
# (AVX-512; `python benchmarks/notebook_seeds.py` reruns them) found one run, seed 1, where
# pix2pix + noise itself kept 2.66 styles per input and MSGAN 2.94, a gain of 0.28; the
# other nine held every check below; its diversity was 0.095-0.113
# against 0.001-0.019, at least 5.8 times; its precision at most 0.013 (0.09 below 0.1); its
# IoU gap 0.15, 0.38 and 0.34 (0.05 above 0.1).
#
# What the table also shows, and the checks do not claim: pix2pix + noise's precision swings
# from 0.78 to 0.03 with the seed. A collapsed generator is precise when its one colour is a
# palette colour, and imprecise when it settles near the off-palette $L_1$ optimum of
# Section 2.1 (the median box). BicycleGAN's precision swings as well (0.04-0.54). The domain
# FID, which rewards spread, ranks MSGAN first on every seed; precision ranks it last: at this
# budget the mode-seeking term buys its styles with colours that are no palette's, the
# artifacts the SEGAN paper reports for MSGAN.
#
# BicycleGAN's coverage is *not* checked here. It led the baseline on all three seeds in the
# table above, but in earlier two-thread runs at 250 steps pix2pix + noise itself kept 2.9
# styles per input on seed 1, as many as BicycleGAN: the margin is not safe at this budget.
# Section 2.2 trains both for 400 steps and checks the claim there. Its `cpu` preset starts
# the encoder so that it can carry a signal from step 0 (Section 2.2 explains why); with the
# released code's start its encoder collapsed on two seeds of three at this budget.
#
# ```{admonition} What differs from the papers, and why
# - **Data and scale**: 32x32 `shapes` with 8 colour styles instead of 256x256 facades and
#   maps, 250 steps of batch 16 per model instead of hundreds of epochs: three models in a CPU
#   minute, and an oracle that judges every output exactly.
# - **Networks**: a 3-level U-Net with $z$ at its input and one 2-layer PatchGAN for all three
#   (the papers: 8 levels, $z$ at every layer for BicycleGAN, two PatchGANs); BicycleGAN's
#   encoder starts with gain 1 and a log-variance bias of $-4$ (Section 2.2: with the code's
#   start its encoder collapsed on two seeds of three at this budget).
# - **Metrics**: LPIPS with a random trunk (the ImageNet weights are not downloaded), FID in
#   the features of a style classifier instead of Inception's; precision and content IoU are
#   the oracle's and appear in no paper.
# ```
#
# ## Has BicycleGAN's encoder learned the style?
#
# BicycleGAN's cVAE cycle makes $G$ use $z$ only if the encoder $E$ puts the target's style into
# its code, so that $\lVert G(a, E(b)) - b \rVert_1$ can be lowered by reading it. Two
# measurements tell whether that happened: the spread of the codes $\mu = E(b)$ over 500 test
# targets (standard deviation per dimension, averaged; the prior has 1), and *style transfer*:
# how often $G(a_i, E(b_j))$ shows $b_j$'s style, for 32 inputs and 80 targets, next to its
# chance level, how often it shows another target's style (Section 2.2).

# %%
if PRESET != "paper":
    bicycle = models["BicycleGAN"]
    with torch.no_grad():  # needs the oracle styles of the synthetic data
        spread = bicycle.encode(test.batch(range(500))["b"]).std(dim=0).mean().item()
    refs = test.batch(range(500, 580))  # 80 targets, each lends its code to every input
    a_in = torch.stack([test[i]["a"] for i in range(N_INPUTS)])
    lent = transferred_styles(
        bicycle.translate, bicycle.encode, a_in, refs["b"], test.style_of
    )
    transfer = style_transfer(lent, refs["factors"]["style"])
    chance = style_transfer_chance(lent, refs["factors"]["style"])
    print(f"spread of E(b): {spread:.3f} (prior: 1)")
    print(f"style transfer: {transfer:.2f}, its chance level {chance:.2f}")

# %% [markdown]
# Measured at this preset on three seeds:
#
# | seed | spread of E(b) | transfer | chance | spread with the code's start |
# |---|---|---|---|---|
# | 0 | 0.42 | 0.21 | 0.13 | 0.009 |
# | 1 | 0.41 | 0.36 | 0.16 | 0.39 |
# | 2 | 0.42 | 0.20 | 0.10 | 0.004 |
#
# The codes are spread and say something about the style, but $G$ reads them right for only
# one target in three to five. The encoder is learning, and 250 steps are early: at 400
# (Section 2.2) transfer reached 0.42-0.49 on these seeds. With the released code's start
# nearly every target mapped to one code on two seeds of three, a *posterior collapse*.

# %%
base, msgan = table["pix2pix + noise"], table["MSGAN"]
for key in ("mode_coverage", "diversity", "precision", "content_iou"):
    print(f"{key}: MSGAN {msgan[key]:.3f}, pix2pix + noise {base[key]:.3f}")
if PRESET in ("cpu", "gpu"):  # the shapes oracle judges validity; paper data have none
    assert msgan["mode_coverage"] >= base["mode_coverage"] + 0.14, (msgan, base)
    assert msgan["diversity"] >= 3 * base["diversity"], (msgan, base)
    assert msgan["precision"] <= 0.1, (msgan, base)
    assert msgan["content_iou"] <= base["content_iou"] - 0.1, (msgan, base)
    print("claims hold")

# %% [markdown]
# ## Exercises
#
# 1. Double `STEPS`. Which of the four numbers move most, and for which model?
# 2. Add MSGAN on top of BicycleGAN (`MSGANConfig.for_base("bicyclegan", PRESET)`) as a fourth
#    row. Does the mode-seeking term add coverage to a model that already uses $z$?
# 3. Replace the style classifier of the domain FID by one trained on the shape *kinds*
#    (`data[i]["factors"]["kind"]`). Predict how each model's domain FID changes, then check.
#    (Our small classifier reached only 0.37-0.48 test accuracy on kinds in 200-400 steps:
#    check how good a feature space is before trusting a distance in it.)
#
# ## Summary
#
# - With the same networks, data and budget, the mode-seeking term turns a generator that
#   mostly ignores $z$ into one whose outputs change style with $z$. BicycleGAN gets there
#   more slowly: its encoder has to learn the style before its generator can read it.
# - Mode coverage and diversity measure the same thing from two sides: one counts styles with
#   an oracle, the other measures distances between images. FID and NDB compare distributions,
#   and so mix quality with spread; a FID in style features rewards spread outright.
# - Quality needs its own measure. Precision (valid outputs) and content IoU (kept shapes)
#   show what MSGAN's coverage costs at this budget: almost no output in a palette colour,
#   and blurred shapes. On real data the SEGAN paper finds the same direction, a worse FID
#   for BicycleGAN and MSGAN than for its baseline.
# - Neither regulariser measures information. Chapter 3 adds a term that does: SEGAN maximises
#   a bound on $I(Z; G(a, Z))$.
#
# ## References
#
# - BicycleGAN {cite}`zhu2017bicyclegan`: realism (AMT) and diversity (LPIPS) on real data.
# - Seed paper 000, SEGAN {cite}`zuo2020segan`: Sec. 4.6, Table 1.
# - Precision and recall for generative models {cite}`kynkaanniemi2019precision`.
# - MSGAN {cite}`mao2019msgan`: Table 2 (pix2pix + noise vs MSGAN on facades and maps).
# - NDB {cite}`richardson2018gans`.
