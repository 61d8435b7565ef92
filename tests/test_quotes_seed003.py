"""Seed paper 003's tables (thesis Ch. 5 and 6), as printed in the thesis text."""

from pathlib import Path

import pytest

from companion.quotes import quoted_table

THESIS = Path("/work/shared/papers/seed_003_thesis_transfer_zeropair_bias.txt")


def test_table_5_5_rows_and_the_selected_sizes():
    table = quoted_table("seed003", "Table 5.5")
    assert table.columns == ("2", "8", "16", "32", "64", "128", "256")
    assert table.value("Scenes-daytime", "16") == 91  # the scenes extractor's D = 16
    assert table.value("Handbags-color", "8") == pytest.approx(99.1)  # colour: D = 8
    assert table.value("Handbags-texture", "32") == pytest.approx(87.0)  # texture: D = 32


@pytest.mark.parametrize("name", ["Table 5.5", "Table 6.1", "Table 6.3"])
def test_rows_appear_verbatim_in_the_thesis_text(name):
    if not THESIS.exists():
        pytest.skip(f"the thesis text is not at {THESIS}")
    text = " ".join(THESIS.read_text().split())
    table = quoted_table("seed003", name)
    for label, values in table.rows.items():
        printed = label.replace("L_LAT", "LL AT")  # the text layer splits the subscript
        assert f"{printed} {' '.join(values)}" in text, (name, label)
