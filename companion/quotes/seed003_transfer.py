"""Seed paper 003: Y. Wang's PhD thesis, Chapters 2 (TransferGAN, ECCV 2018) and 3 (MineGAN).

Read from the thesis's text layer. Table 2.1's two metric rows are FID (lower is better) and IW,
the independent Wasserstein critic's score (printed negative; higher is better). Table 2.2 prints
each cell as "FID/IW". Table 3.1 prints the three {Car, Bus} -> Red vehicles target ratios
(cars:buses 0.3:0.7, 0.5:0.5, 0.7:0.3) in one cell as "a / b / c"; "-" marks a cell the thesis
leaves empty. Tables 2.4, 2.5 and A.1 compare sources (columns) for targets (rows); Table 2.4
prints each cell as "FID/IW". Table A.2 prints each cell as "FID / classifier error" (the error
in percent) for MNIST mining towards one digit d (rows), with |z| = 128. The thesis gives one
number per cell: no spread, no number of runs.
"""

from __future__ import annotations

from companion.quotes import QuotedTable

__all__ = ["TABLES"]

_SOURCE = "Y. Wang, PhD thesis (Universitat Autonoma de Barcelona)"

TABLES = [
    QuotedTable(
        paper="seed003",
        table="Table 2.1",
        caption=(
            "FID (lower is better) and IW (higher is better) for the four transfer "
            "configurations; source ImageNet, target LSUN Bedrooms (100K images)"
        ),
        columns=(
            "G scratch, D scratch",
            "G scratch, D pre-trained",
            "G pre-trained, D scratch",
            "G pre-trained, D pre-trained",
        ),
        rows={
            "FID": ("32.87", "30.57", "56.16", "24.35"),
            "IW": ("-4.27", "-4.02", "-6.35", "-3.88"),
        },
        source=f"{_SOURCE}, Chapter 2, Sec. 2.3.4, Table 2.1",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 2.2",
        caption=("FID/IW for different sizes of the target set (LSUN Bedrooms), source ImageNet"),
        columns=("1K", "5K", "10K", "50K", "100K", "500K", "1M"),
        rows={
            "From scratch": (
                "256.1/-33.3",
                "86.0/-18.5",
                "73.7/-15.3",
                "45.5/-7.4",
                "32.9/-4.3",
                "24.9/-3.6",
                "21.0/-2.9",
            ),
            "Pre-trained": (
                "93.4/-22.5",
                "74.3/-16.3",
                "47.0/-7.0",
                "29.6/-4.56",
                "24.4/-4.0",
                "21.6/-3.2",
                "18.5/-2.8",
            ),
        },  # fmt: skip
        source=f"{_SOURCE}, Chapter 2, Sec. 2.3.5, Table 2.2",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 2.4",
        caption=(
            "FID/IW between target real data and target generated data after fine-tuning, "
            "per target (rows) and source (columns); Scratch: no source"
        ),
        columns=("Scratch", "ImageNet", "Places", "Bedrooms", "CelebA"),
        rows={
            "Flowers": (
                "71.98/-13.62",
                "54.04/-3.09",
                "66.25/-5.97",
                "56.12/-5.90",
                "67.96/-12.64",
            ),
            "Kitchens": ("42.43/-7.79", "34.35/-4.45", "34.59/-2.92", "28.54/-3.06", "38.41/-4.98"),
            "LFW": ("19.36/-8.62", "9.65/-5.17", "15.02/-6.61", "7.45/-3.61", "7.16/-3.45"),
            "Cityscapes": (
                "155.68/-9.32",
                "122.46/-9.00",
                "151.34/-8.94",
                "123.21/-8.44",
                "130.64/-6.40",
            ),
        },  # fmt: skip
        source=f"{_SOURCE}, Chapter 2, Sec. 2.3.6, Table 2.4",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 2.5",
        caption=(
            "FID between the source model's generated data and the target's real data, "
            "before fine-tuning (target rows); row Source: FID between the source model's "
            "generated data and its own real data"
        ),
        columns=("ImageNet", "Places", "Bedrooms", "CelebA"),
        rows={
            "Flowers": ("237.04", "251.93", "278.80", "284.74"),
            "Kitchens": ("183.27", "180.63", "70.06", "254.12"),
            "LFW": ("333.54", "333.38", "329.92", "151.46"),
            "Cityscapes": ("233.45", "181.72", "227.53", "292.66"),
            "Source": ("63.46", "55.66", "17.30", "75.84"),
        },
        source=f"{_SOURCE}, Chapter 2, Sec. 2.3.7, Table 2.5",
    ),
    QuotedTable(
        paper="seed003",
        table="Table A.1",
        caption="FID between the source's real data and the target's real data",
        columns=("ImageNet", "Places", "Bedrooms", "CelebA"),
        rows={
            "Flowers": ("187.52", "292.36", "270.09", "317.21"),
            "Kitchens": ("139.81", "99.88", "66.54", "311.06"),
            "LFW": ("266.50", "326.76", "318.98", "44.12"),
            "Cityscapes": ("205.04", "143.55", "221.65", "349.28"),
        },
        source=f"{_SOURCE}, Appendix A.1.1, Table A.1",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 3.1 (FID)",
        caption=(
            "FID between real and generated samples; Red vehicle for target ratios "
            "cars:buses 0.3:0.7 / 0.5:0.5 / 0.7:0.3"
        ),
        columns=("Red vehicle", "Tower", "Bedroom"),
        rows={
            "Scratch": ("190 / 185 / 196", "176", "181"),
            "TransferGAN (car)": ("76.9 / 72.4 / 75.6", "-", "-"),
            "TransferGAN (bus)": ("72.8 / 71.3 / 73.5", "-", "-"),
            "TransferGAN (livingroom)": ("-", "78.9", "65.4"),
            "TransferGAN (church)": ("-", "73.8", "71.5"),
            "MineGAN (w/o FT)": ("67.3 / 65.9 / 65.8", "69.2", "58.9"),
            "MineGAN": ("61.2 / 59.4 / 61.5", "62.4", "54.7"),
        },
        source=f"{_SOURCE}, Chapter 3, Sec. 3.4, Table 3.1 (top)",
    ),
    QuotedTable(
        paper="seed003",
        table="Table 3.1 (selector)",
        caption=(
            "The selector's estimated probabilities p_i per pretrained model; Red vehicle "
            "for target ratios cars:buses 0.3:0.7 / 0.5:0.5 / 0.7:0.3"
        ),
        columns=("Red vehicle", "Tower", "Bedroom"),
        rows={
            "Car": ("0.34 / 0.48 / 0.64", "-", "-"),
            "Bus": ("0.66 / 0.52 / 0.36", "-", "-"),
            "Living room": ("-", "0.07", "0.45"),
            "Kitchen": ("-", "0.06", "0.40"),
            "Bridge": ("-", "0.42", "0.08"),
            "Church": ("-", "0.45", "0.07"),
        },
        source=f"{_SOURCE}, Chapter 3, Sec. 3.4, Table 3.1 (bottom)",
    ),
    QuotedTable(
        paper="seed003",
        table="Table A.2",
        caption=(
            "FID / classifier error (%) of mining on MNIST towards the target digit d; "
            "off-manifold: the pretrained generator never saw d"
        ),
        columns=(
            "On-manifold, unconditional",
            "On-manifold, conditional",
            "Off-manifold, unconditional",
            "Off-manifold, conditional",
        ),
        rows={
            "0": ("13.4 / 2.5", "12.6 / 0.7", "21.3 / 2.8", "15.6 / 1.1"),
            "1": ("13.1 / 1.7", "12.6 / 1.9", "15.9 / 2.5", "14.8 / 2.1"),
            "2": ("14.6 / 6.3", "12.8 / 2.7", "23.1 / 5.2", "18.2 / 3.6"),
            "3": ("14.1 / 10.1", "13.3 / 1.6", "22.8 / 7.3", "14.2 / 1.5"),
            "4": ("14.7 / 6.4", "13.4 / 1.2", "23.4 / 6.3", "15.3 / 4.2"),
            "5": ("13.1 / 9.3", "11.7 / 2.1", "21.9 / 10.9", "17.2 / 5.7"),
            "6": ("13.4 / 2.8", "14.3 / 1.8", "24 / 3.1", "15.8 / 1.6"),
            "7": ("12.9 / 3.2", "14.2 / 1.8", "24.8 / 4.9", "16.3 / 2.6"),
            "8": ("14.2 / 7.5", "14.7 / 5.5", "25.7 / 9.8", "18.7 / 5.6"),
            "9": ("11.3 / 6.8", "11.2 / 2.9", "12.5 / 7.4", "16.3 / 3.5"),
            "Average": ("13.5 / 5.7", "13.1 / 2.2", "21.5 / 6.0", "16.2 / 3.2"),
        },
        source=f"{_SOURCE}, Appendix A.2.2, Table A.2",
    ),
]
