"""Seed paper 002: "Unsupervised one-to-many image translation" (anonymous ICLR 2019 submission,
OpenReview B1GIQhCcYm; the method is called TI-GAN there). Read from the submitted PDF.

Table 1 is the paper's only table. The PDF's text layer prints the second column after the rows;
its values are assigned top to bottom (CycleGAN 21.2, min-MI 38.4, GAN only 11.56), which fits
the text (min-MI improves both directions, SVHN -> MNIST is the harder one). The column headers
name the *target* domain: "SVHN (%)" is MNIST -> SVHN, "MNIST (%)" is SVHN -> MNIST. The paper
gives one number per cell: no spread, no number of runs.
"""

from __future__ import annotations

from companion.quotes import QuotedTable

__all__ = ["TABLES"]

TABLES = [
    QuotedTable(
        paper="seed002",
        table="Table 1",
        caption=(
            "Transfer accuracy (%) of translations of the source's validation set, judged by a "
            "classifier trained on target images only; columns name the target domain"
        ),
        columns=("SVHN (%)", "MNIST (%)"),
        rows={
            "CycleGAN": ("19.6", "21.2"),
            "Ours + min I(Ξ; T(X, Ξ))": ("71.87", "38.4"),
            "Ours": ("63.6", "11.56"),
        },
        source=(
            "Unsupervised one-to-many image translation, ICLR 2019 submission (OpenReview "
            "B1GIQhCcYm), Sec. 5.2, Table 1"
        ),
    ),
]
