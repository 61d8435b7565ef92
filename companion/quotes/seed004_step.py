"""Seed paper 004: "Style-based Encoder Pre-training for Multi-modal Image Synthesis" (anonymous
ICLR 2020 submission; the method later published as StEP, arXiv:2104.07098). Read from the
submitted PDF's text layer.

Table 1's edges2handbags and edges2shoes columns (the header prints "edge2shandbags"): the
validation reconstruction of the BicycleGAN baselines and of style pre-training before
(stage 2) and after (stage 3) fine-tuning the encoder. One number per cell, no spread.

Table 2 (Sec. 3.3): the same reconstruction when the encoder is pre-trained on the target's own
output domain, on a similar one and on a different one (rows: target, pre-training dataset).

Table 6 (appendix A.6): training time in seconds per 1000 images of the BicycleGAN baselines and
of the loss variants of Table 4, at batch 8 and at the largest batch that fits. Hardware is not
stated. The text layer prints Bicycle v1's batch-8 cell as "^^9311"; its digits are 9311 and
every other cell of the column has two decimals, so it is quoted as "93.11" (the only cell read
rather than copied; tests/test_quotes_seed004.py checks the digits).
"""

from __future__ import annotations

from companion.quotes import QuotedTable

__all__ = ["TABLES"]

TABLES = [
    QuotedTable(
        paper="seed004",
        table="Table 1 (edges2handbags, edges2shoes)",
        caption=(
            "Validation reconstruction G(a, E(b)) vs b: PSNR (higher is better) and AlexNet "
            "LPIPS (lower is better)"
        ),
        columns=("handbags PSNR ↑", "handbags LPIPS ↓", "shoes PSNR ↑", "shoes LPIPS ↓"),
        rows={
            "Bicycle v0": ("17.08", "0.255", "20.24", "0.177"),
            "Bicycle v1": ("18.52", "0.198", "21.84", "0.124"),
            "Bicycle v2": ("19.23", "0.192", "22.51", "0.132"),
            "ours - stage 2": ("18.01", "0.209", "21.40", "0.140"),
            "ours - stage 3": ("18.91", "0.177", "22.68", "0.117"),
        },
        source=(
            "Style-based Encoder Pre-training for Multi-modal Image Synthesis, ICLR 2020 "
            "submission, Sec. 4, Table 1"
        ),
    ),
    QuotedTable(
        paper="seed004",
        table="Table 2",
        caption=(
            "Generalization of a pretrained style encoder E: validation reconstruction of the "
            "target dataset when E is pre-trained on another dataset; stage 2 before and "
            "stage 3 after fine-tuning E"
        ),
        columns=("stage 2 PSNR ↑", "stage 2 LPIPS ↓", "stage 3 PSNR ↑", "stage 3 LPIPS ↓"),
        rows={
            "edges2handbags, pretrain edges2handbags": ("18.01", "0.209", "18.91", "0.177"),
            "edges2handbags, pretrain edges2shoes": ("17.89", "0.215", "18.96", "0.176"),
            "edges2handbags, pretrain space_needle": ("17.86", "0.221", "19.02", "0.175"),
            "night2day, pretrain night2day": ("13.75", "0.489", "15.15", "0.454"),
            "night2day, pretrain space_needle": ("14.34", "0.476", "15.05", "0.452"),
            "night2day, pretrain edges2handbags": ("13.91", "0.492", "15.03", "0.461"),
        },
        source=(
            "Style-based Encoder Pre-training for Multi-modal Image Synthesis, ICLR 2020 "
            "submission, Sec. 3.3, Table 2"
        ),
    ),
    QuotedTable(
        paper="seed004",
        table="Table 6",
        caption=(
            "Training time (in seconds) per 1000 images for the baselines and the versions of "
            "the approach defined in Table 4, at batch 8 and at the largest batch size"
        ),
        columns=("Batch size", "time/kimg (sec)", "Max batch size", "time/kimg at max (sec)"),
        rows={
            "Bicycle v1": ("8", "93.11", "12", "85.36"),
            "Bicycle v2": ("8", "155.72", "8", "155.72"),
            "Ours v1": ("8", "145.50", "8", "145.50"),
            "Ours v2": ("8", "98.55", "12", "93.04"),
            "Ours v3": ("8", "64.92", "16", "53.80"),
            "Ours v4": ("8", "63.96", "16", "51.23"),
        },
        source=(
            "Style-based Encoder Pre-training for Multi-modal Image Synthesis, ICLR 2020 "
            "submission, appendix A.6, Table 6"
        ),
    ),
]
