"""Seed thesis 003's tables (Chapters 2, 4, 5 and 6), as printed in the thesis text."""

from pathlib import Path

import pytest

from companion.quotes import quoted_table

# The source texts sit beside the repository (../shared/papers) on the machines the book is
# written on; elsewhere the verbatim check skips.
THESIS = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "papers"
    / "seed_003_thesis_transfer_zeropair_bias.txt"
)


def test_table_4_3_latent_consistency_gain():
    table = quoted_table("seed003", "Table 4.3")
    with_latent = table.value("AutoEnc Y, Latent Y, Noise N, PP N", "mIoU")
    without = table.value("AutoEnc Y, Latent N, Noise N, PP N", "mIoU")
    assert (with_latent, without) == (45.8, 20.3)


def test_table_4_4_zero_pair_more_than_doubles_the_cascade():
    table = quoted_table("seed003", "Table 4.4 (mIoU and Global columns)")
    zero_pair = table.value("M&MNets D → S (PI), zero-pair", "mIoU")
    cascade = table.value("M&MNets D → R → S (PI), cascade", "mIoU")
    assert zero_pair == 55.4 and zero_pair > 2 * cascade
    gain = table.value("M&MNets+PP D → S (PI), zero-pair", "mIoU") - zero_pair
    assert gain == pytest.approx(4.7)  # the text's "another 5% in mIoU"


def test_table_4_5_rows():
    table = quoted_table("seed003", "Table 4.5")
    assert table.rows["M&MNets S → D, zero-pair"] == ("0.33", "0.42", "0.59", "2.80", "0.67")
    assert table.value("Oracle S → D, paired", "RMSE (lin)") == 1.94


def test_table_5_5_rows_and_the_selected_sizes():
    table = quoted_table("seed003", "Table 5.5")
    assert table.columns == ("2", "8", "16", "32", "64", "128", "256")
    assert table.value("Scenes-daytime", "16") == 91  # the scenes extractor's D = 16
    assert table.value("Handbags-color", "8") == pytest.approx(99.1)  # colour: D = 8
    assert table.value("Handbags-texture", "32") == pytest.approx(87.0)  # texture: D = 32


def test_table_a_2_off_manifold_nine():
    table = quoted_table("seed003", "Table A.2")
    cell = table.cell("9", "Off-manifold, unconditional")
    assert cell == "12.5 / 7.4"  # FID / classifier error (%) for the digit the page mines
    assert table.value("9", "Off-manifold, unconditional") == 12.5  # the first number: FID
    assert table.value("Average", "On-manifold, conditional") == 13.1


def test_tables_2_4_2_5_a_1_source_suitability():
    """Cells read off the thesis a second time (Sec. 2.3.6-2.3.7, App. A.1.1)."""
    after = quoted_table("seed003", "Table 2.4")
    assert after.cell("Kitchens", "Bedrooms") == "28.54/-3.06"
    assert after.value("Flowers", "ImageNet") == 54.04  # the first number: FID
    before = quoted_table("seed003", "Table 2.5")
    assert before.value("Kitchens", "Bedrooms") == 70.06
    assert before.value("Source", "Places") == 55.66
    assert quoted_table("seed003", "Table A.1").value("LFW", "CelebA") == 44.12


@pytest.mark.parametrize(
    "name",
    ["Table 2.4", "Table 2.5", "Table A.1", "Table 5.5", "Table 6.1", "Table 6.3", "Table A.2"],
)
def test_rows_appear_verbatim_in_the_thesis_text(name):
    if not THESIS.exists():
        pytest.skip(f"the thesis text is not at {THESIS}")
    text = " ".join(THESIS.read_text().split())
    table = quoted_table("seed003", name)
    for label, values in table.rows.items():
        printed = label.replace("L_LAT", "LL AT")  # the text layer splits the subscript
        assert f"{printed} {' '.join(values)}" in text, (name, label)
