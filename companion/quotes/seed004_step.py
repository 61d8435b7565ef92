"""Seed paper 004: "Style-based Encoder Pre-training for Multi-modal Image Synthesis" (anonymous
ICLR 2020 submission; the method later published as StEP, arXiv:2104.07098). Read from the
submitted PDF's text layer.

Table 1's edges2handbags and edges2shoes columns (the header prints "edge2shandbags"): the
validation reconstruction of the BicycleGAN baselines and of style pre-training before
(stage 2) and after (stage 3) fine-tuning the encoder. One number per cell, no spread.

Table 2 (Sec. 3.3): the same reconstruction when the encoder is pre-trained on the target's own
output domain, on a similar one and on a different one (rows: target, pre-training dataset).

Table 4 (Sec. 4): the ablation from the BicycleGAN setups to the four versions of the approach;
the paper's check marks are quoted as Y and its dashes as N, the metrics with their ± as printed.

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
        table="Table 4",
        caption=(
            "Ablation on edges2handbags: which loss terms each setup trains with (Y/N), and the "
            "validation reconstruction (PSNR, LPIPS) and Inception Score; 3 runs, mean ± std"
        ),
        columns=(
            "dir_recon",
            "cyc_recon",
            "D_dir",
            "D_rand_z",
            "z_recon",
            "z_L2",
            "z_KL",
            "VAE",
            "PSNR ↑",
            "IS ↑",
            "LPIPS ↓",
        ),
        rows={
            "Bicycle v1": (
                "Y",
                "N",
                "Y",
                "Y",
                "Y",
                "N",
                "Y",
                "Y",
                "18.28 ± 0.30",
                "2.31 ± 0.05",
                "0.201 ± 0.003",
            ),
            "Bicycle v2": (
                "Y",
                "Y",
                "Y",
                "Y",
                "Y",
                "N",
                "Y",
                "Y",
                "18.96 ± 0.30",
                "2.45 ± 0.07",
                "0.192 ± 0.002",
            ),
            "Bicycle v1.2": (
                "Y",
                "N",
                "Y",
                "Y",
                "Y",
                "N",
                "Y",
                "N",
                "19.02 ± 0.10",
                "2.36 ± 0.12",
                "0.175 ± 0.001",
            ),
            "Bicycle v2.2": (
                "Y",
                "Y",
                "Y",
                "Y",
                "Y",
                "N",
                "Y",
                "N",
                "19.34 ± 0.07",
                "2.44 ± 0.06",
                "0.176 ± 0.002",
            ),
            "Bicycle v1.3": (
                "Y",
                "N",
                "Y",
                "Y",
                "Y",
                "Y",
                "N",
                "N",
                "19.21 ± 0.06",
                "2.34 ± 0.08",
                "0.177 ± 0.002",
            ),
            "Bicycle v2.3": (
                "Y",
                "Y",
                "Y",
                "Y",
                "Y",
                "Y",
                "N",
                "N",
                "19.24 ± 0.09",
                "2.33 ± 0.04",
                "0.180 ± 0.001",
            ),
            "Ours v1": (
                "Y",
                "Y",
                "Y",
                "Y",
                "Y",
                "Y",
                "N",
                "N",
                "18.97 ± 0.13",
                "2.41 ± 0.07",
                "0.189 ± 0.004",
            ),
            "Ours v2": (
                "Y",
                "N",
                "Y",
                "Y",
                "Y",
                "Y",
                "N",
                "N",
                "18.94 ± 0.10",
                "2.43 ± 0.03",
                "0.183 ± 0.002",
            ),
            "Ours v3": (
                "Y",
                "N",
                "Y",
                "N",
                "N",
                "Y",
                "N",
                "N",
                "18.94 ± 0.05",
                "2.42 ± 0.03",
                "0.176 ± 0.001",
            ),
            "Ours v4": (
                "Y",
                "N",
                "Y",
                "N",
                "N",
                "N",
                "N",
                "N",
                "18.94 ± 0.02",
                "2.46 ± 0.03",
                "0.177 ± 0.001",
            ),
        },
        source=(
            "Style-based Encoder Pre-training for Multi-modal Image Synthesis, ICLR 2020 "
            "submission, Sec. 4, Table 4"
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
