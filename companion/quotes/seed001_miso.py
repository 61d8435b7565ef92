"""MISO (Na, Yoo and Choo 2019, arXiv:1902.03938 v1; the book's seed paper 001): Tables 2, 3.

The paper gives single numbers without ± (no spread over runs is reported). In the extracted
text of Table 3 the first four rows and the two ablation rows share cells (each cell lists its
column's values in row order); the rows below are that listing read in row order.
"""

from __future__ import annotations

from companion.quotes import QuotedTable

__all__ = ["TABLES"]

_SOURCE = "Na, Yoo and Choo (2019), MISO, arXiv:1902.03938 v1, Sec. 5.1"

TABLES = [
    QuotedTable(
        "seed001",
        "Table 2",
        "CelebA male <-> female at 128x128: accuracy (%) of a gender classifier trained on real "
        "faces on translated faces, and its mean probability (%) of the target gender "
        "(10 outputs for each of 300 inputs)",
        ("ACCURACY", "p(y = F | x)", "p(y = M | x)"),
        {
            "NycleGAN": ("90.34", "97.78", "86.96"),
            "DRIT": ("94.26", "99.56", "91.75"),
            "MUNIT": ("98.40", "99.58", "97.89"),
            "SRSO": ("98.48", "99.89", "97.81"),
            "w/o L_adv^rand": ("92.61", "99.59", "89.45"),
            "w/o L_adv^enc": ("96.87", "98.34", "96.19"),
            "MISO (ours)": ("99.35", "99.98", "99.10"),
            "StarGAN": ("98.81", "99.93", "98.28"),
        },
        _SOURCE,
    ),
    QuotedTable(
        "seed001",
        "Table 3",
        "Monet <-> photo at 128x128: LPIPS between input and outputs (I<->O, lower keeps more "
        "content) and between outputs of one input (O<->O, higher is more diverse); REAL is "
        "the O<->O of real images, the paper's upper bound (10 outputs for each of 800 inputs)",
        (
            "Monet->Photo I<->O",
            "Monet->Photo O<->O",
            "Photo->Monet I<->O",
            "Photo->Monet O<->O",
        ),
        {
            "NycleGAN": ("0.4052", "0.0044", "0.5946", "0.0025"),
            "DRIT": ("0.5829", "0.2838", "0.6572", "0.3807"),
            "MUNIT": ("0.6571", "0.5947", "0.6154", "0.4786"),
            "SRSO": ("0.5168", "0.4798", "0.6103", "0.5150"),
            "w/o L_adv^rand": ("0.7553", "0.3660", "0.7523", "0.3957"),
            "w/o L_adv^enc": ("0.5515", "0.5102", "0.5616", "0.4764"),
            "MISO (ours)": ("0.4549", "0.3889", "0.4811", "0.3887"),
            "REAL": ("N/A", "0.3981", "N/A", "0.3984"),
        },
        _SOURCE,
    ),
]
