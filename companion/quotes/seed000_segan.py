"""Seed 000 (SEGAN): Tables 1 and 2, typed exactly as printed, with their ± (std over runs).

Zuo et al., "Multimodal Image-to-Image Translation via Mutual Information Estimation and
Maximization", arXiv:2008.03529, first version. Table 1 is the paired setting (Sec. 4.6), Table 2
the unpaired one (Sec. 4.7). Each table is split into its two dataset halves, columns are the
methods as the paper labels them, rows the metrics (FID, NDB and JSD lower is better, LPIPS
diversity higher is better).
"""

from __future__ import annotations

from companion.quotes import QuotedTable

__all__ = ["TABLES"]

_SOURCE = "Zuo et al., arXiv:2008.03529 v1"
_PAIRED = ("SEGAN w/o MI", "SEGAN", "BicycleGAN", "MSGAN")
_UNPAIRED = ("SEGAN w/o MI", "SEGAN", "MUNIT", "DRIT", "DRIT++")
_ARROWS = "FID, NDB, JSD: lower is better; LPIPS (diversity): higher is better"

TABLES = [
    QuotedTable(
        "seed000",
        "Table 1 (Facades)",
        f"Paired translation on Facades, mean ± std ({_ARROWS}).",
        _PAIRED,
        {
            "FID": ("89.14 ± 0.99", "78.43 ± 1.15", "98.85 ± 1.21", "92.84 ± 1.00"),
            "NDB": ("14.40 ± 0.65", "11.60 ± 0.80", "13.80 ± 0.45", "12.40 ± 0.55"),
            "JSD": ("0.068 ± 0.003", "0.036 ± 0.005", "0.058 ± 0.004", "0.038 ± 0.0011"),
            "LPIPS": ("0.1038 ± 0.0015", "0.1897 ± 0.0015", "0.1413 ± 0.0005", "0.1894 ± 0.0011"),
        },
        f"{_SOURCE}, Sec. 4.6, Table 1 (Facades half)",
    ),
    QuotedTable(
        "seed000",
        "Table 1 (Maps)",
        f"Paired translation on Maps, mean ± std ({_ARROWS}).",
        _PAIRED,
        {
            "FID": ("126.73 ± 1.47", "119.51 ± 0.62", "145.78 ± 3.90", "152.46 ± 2.52"),
            "NDB": ("47.40 ± 1.50", "40.72 ± 1.00", "46.60 ± 1.34", "41.60 ± 0.55"),
            "JSD": ("0.048 ± 0.002", "0.021 ± 0.002", "0.023 ± 0.002", "0.031 ± 0.003"),
            "LPIPS": ("0.1121 ± 0.002", "0.1972 ± 0.003", "0.1142 ± 0.001", "0.2049 ± 0.002"),
        },
        f"{_SOURCE}, Sec. 4.6, Table 1 (Maps half)",
    ),
    QuotedTable(
        "seed000",
        "Table 2 (Yosemite)",
        f"Unpaired translation, Yosemite winter → summer, mean ± std ({_ARROWS}).",
        _UNPAIRED,
        {
            "FID": ("50.05 ± 0.64", "40.72 ± 0.82", "57.09 ± 0.37", "41.34 ± 0.20", "41.02 ± 0.24"),
            "NDB": ("10.33 ± 0.85", "9.15 ± 0.67", "9.53 ± 0.64", "9.38 ± 0.74", "9.22 ± 0.97"),
            "JSD": (
                "0.302 ± 0.052",
                "0.210 ± 0.070",
                "0.293 ± 0.062",
                "0.304 ± 0.075",
                "0.222 ± 0.070",
            ),
            "LPIPS": (
                "0.1032 ± 0.0007",
                "0.1381 ± 0.0004",
                "0.1136 ± 0.0008",
                "0.0965 ± 0.0004",
                "0.1183 ± 0.0007",
            ),
        },
        f"{_SOURCE}, Sec. 4.7, Table 2 (Winter → Summer half)",
    ),
    QuotedTable(
        "seed000",
        "Table 2 (cat → dog)",
        f"Unpaired translation, cat → dog, mean ± std ({_ARROWS}).",
        _UNPAIRED,
        {
            "FID": ("28.86 ± 0.35", "17.20 ± 0.22", "22.13 ± 0.71", "24.31 ± 0.33", "17.25 ± 0.65"),
            "NDB": ("9.70 ± 0.51", "7.52 ± 1.35", "8.21 ± 1.17", "8.16 ± 1.60", "7.57 ± 1.25"),
            "JSD": (
                "0.144 ± 0.030",
                "0.037 ± 0.023",
                "0.132 ± 0.066",
                "0.075 ± 0.046",
                "0.041 ± 0.014",
            ),
            "LPIPS": (
                "0.231 ± 0.002",
                "0.282 ± 0.002",
                "0.244 ± 0.002",
                "0.245 ± 0.002",
                "0.280 ± 0.002",
            ),
        },
        f"{_SOURCE}, Sec. 4.7, Table 2 (Cat → Dog half)",
    ),
]
