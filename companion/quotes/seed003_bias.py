"""Seed paper 003, Chapters 5 and 6: Y. Wang's PhD thesis (Universitat Autonoma de Barcelona),
"Controlling biases and diversity in diverse image-to-image translation" (UDIT, Ch. 5) and
"SDIT: Scalable and Diverse Cross-domain Image Translation" (Ch. 6; ACM MM 2019). Read from the
thesis text.

Table 5.5's boldface (the selected D) was lost in the text; Sec. 5.6.6-5.6.7 name the choices
(D = 16 for scenes, 8 for color, 32 for texture). Its rows name the attribute the extractor
classifies, not the translation experiment. Table 6.3 prints "accuracy/LPIPS" in each cell;
its "Mean" column is printed, not recomputed. No table gives a spread or a number of runs.
"""

from __future__ import annotations

from companion.quotes import QuotedTable

__all__ = ["TABLES"]

_THESIS = "Y. Wang, PhD thesis (seed paper 003)"

TABLES = [
    QuotedTable(
        paper="seed003",
        table="Table 5.5",
        caption=(
            "Accuracy (%) of the semantic extractor's classifier for different bottleneck "
            "sizes D (1x1xD convolution); rows name the classified attribute"
        ),
        columns=("2", "8", "16", "32", "64", "128", "256"),
        rows={
            "Scenes-daytime": ("85", "87", "91", "92", "92", "95", "95"),
            "Handbags-color": ("96.3", "99.1", "99.0", "99.3", "98.3", "98.9", "98.4"),
            "Handbags-texture": ("64.2", "65.2", "66.4", "87.0", "91.3", "92.8", "95.4"),
        },
        source=f"{_THESIS}, Ch. 5, Sec. 5.6.6-5.6.7, Table 5.5",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 6.1",
        caption=(
            "SDIT variants on CelebA: ID distance (lower is better) and LPIPS (higher is "
            "better); Atten: attention, Y: yes, N: no"
        ),
        columns=("Atten", "CIN", "L_LAT", "ID Distance", "LPIPS"),
        rows={
            "SDIT w/o CIN (Atten)": ("Y", "N", "N", "0.061", "0.408"),
            "SDIT w/o Atten (L_LAT = 0)": ("N", "Y", "N", "0.063", "0.409"),
            "SDIT w/o Atten (L_LAT > 0)": ("N", "Y", "Y", "0.070", "0.432"),
            "SDIT (L_LAT = 0)": ("Y", "Y", "N", "0.063", "0.412"),
            "SDIT": ("Y", "Y", "Y", "0.060", "0.424"),
        },
        source=f"{_THESIS}, Ch. 6, Sec. 6.5.2, Table 6.1",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 6.3",
        caption=(
            "Reverse classification accuracy (%) / LPIPS on the color dataset (higher is "
            "better for both); Num E/G: encoders / generators the method needs"
        ),
        columns=("Yellow", "Blue", "Green", "Orange", "Mean", "Num E/G"),
        rows={
            "CycleGAN": (
                "93.4/0.599",
                "95.1/0.601",
                "93.4/0.584",
                "92.3/0.587",
                "93.5/0.592",
                "6/6",
            ),
            "IcGAN": ("92.2/0.581", "93.5/0.592", "92.8/0.579", "92.1/0.589", "92.6/0.585", "1/1"),
            "StarGAN": (
                "95.9/0.591",
                "95.3/0.602",
                "96.0/0.590",
                "94.2/0.584",
                "95.3/0.591",
                "1/1",
            ),
            "MUNIT": ("97.3/0.607", "97.1/0.603", "97.2/0.599", "96.8/0.621", "97.2/0.608", "6/6"),
            "SDIT": ("97.6/0.610", "96.6/0.607", "97.3/0.604", "97.1/0.627", "97.1/0.612", "1/1"),
            "Real image": (
                "98.5/0.652",
                "98.6/0.652",
                "97.8/0.653",
                "98.8/0.652",
                "98.4/0.652",
                "-/-",
            ),
        },  # fmt: skip
        source=f"{_THESIS}, Ch. 6, Sec. 6.5.3, Table 6.3",
    ),
]
