"""Seed paper 003, Chapter 4: "Mix and match networks: cross-modal alignment for zero-pair
image-to-image translation" (Y. Wang, PhD thesis, Universitat Autonoma de Barcelona, 2020;
after Wang et al., CVPR 2018 and IJCV 2020). Read from the thesis text.

Tables 4.2 and 4.3 are ablations on the 51K subset of SceneNet RGB-D; Tables 4.4 and 4.5 use
the 170K set. Only the columns the book compares with are quoted: mIoU and global accuracy of
depth -> segmentation (Table 4.4's per-class columns are left out), and the depth scores of
segmentation -> depth. The thesis gives one number per cell: no spread, no number of runs.
Table 4.2's caption says "zero-shot"; the task is the zero-pair one.
"""

from __future__ import annotations

from companion.quotes import QuotedTable

__all__ = ["TABLES"]

_SOURCE = "Wang (2020), PhD thesis, Chapter 4, Sec. 4.6"

TABLES = [
    QuotedTable(
        paper="seed003",
        table="Table 4.2",
        caption=(
            "Side information and RGB-encoder pretraining: zero-pair depth -> segmentation on "
            "SceneNet RGB-D (51K)"
        ),
        columns=("mIoU", "Global"),
        rows={
            "side information -, pretrained N": ("29.8%", "61.6%"),
            "Skip connections, pretrained N": ("12.7%", "50.1%"),
            "Pooling indices, pretrained N": ("43.2%", "73.5%"),
            "Pooling indices, pretrained Y": ("46.7%", "78.4%"),
        },
        source=_SOURCE + ", Table 4.2",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 4.3",
        caption=(
            "Components (autoencoders, latent consistency, noise, pseudo-pairs): zero-pair "
            "depth -> segmentation on SceneNet RGB-D (51K)"
        ),
        columns=("mIoU", "Global"),
        rows={
            "AutoEnc N, Latent N, Noise N, PP N": ("6.48%", "15.7%"),
            "AutoEnc Y, Latent N, Noise N, PP N": ("20.3%", "49.4%"),
            "AutoEnc Y, Latent Y, Noise N, PP N": ("45.8%", "76.9%"),
            "AutoEnc Y, Latent Y, Noise Y, PP N": ("46.7%", "78.4%"),
            "AutoEnc Y, Latent Y, Noise Y, PP Y": ("49.2%", "80.5%"),
        },
        source=_SOURCE + ", Table 4.3",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 4.4 (mIoU and Global columns)",
        caption="Depth -> segmentation on SceneNet RGB-D (170K); PI: pooling indices",
        columns=("mIoU", "Global"),
        rows={
            "M&MNets D → R → S (PI), cascade": ("5.96", "32.3"),
            "M&MNets D → S (PI), zero-pair": ("55.4", "80.4"),
            "M&MNets+PP D → S (PI), zero-pair": ("60.1", "82.2"),
            "Oracle D → S (PI), paired": ("61.2", "83.4"),
        },
        source=_SOURCE + ", Table 4.4",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 4.5",
        caption="Segmentation -> depth on SceneNet RGB-D (170K)",
        columns=("δ<1.25", "δ<1.25²", "δ<1.25³", "RMSE (lin)", "RMSE (log)"),
        rows={
            "M&MNets S → R → D, cascade": ("0.15", "0.30", "0.44", "3.24", "1.24"),
            "M&MNets S → D, zero-pair": ("0.33", "0.42", "0.59", "2.80", "0.67"),
            "M&MNets+PP S → D, zero-pair": ("0.42", "0.61", "0.79", "2.24", "0.60"),
            "Oracle S → D, paired": ("0.49", "0.72", "0.85", "1.94", "0.43"),
        },
        source=_SOURCE + ", Table 4.5",
    ),
]
