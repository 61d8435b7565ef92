"""Seed paper 004's Table 1 (two of its datasets), as printed."""

from pathlib import Path

import pytest

from companion.quotes import quoted_table


def test_table_1_is_quoted_exactly():
    table = quoted_table("seed004", "Table 1 (edges2handbags, edges2shoes)")
    assert dict(table.rows)["ours - stage 3"] == ("18.91", "0.177", "22.68", "0.117")
    assert dict(table.rows)["Bicycle v0"] == ("17.08", "0.255", "20.24", "0.177")
    # the paper's claim: fine-tuning E (stage 3) lowers LPIPS on both datasets
    for column in ("handbags LPIPS ↓", "shoes LPIPS ↓"):
        gain = table.value("ours - stage 2", column) - table.value("ours - stage 3", column)
        assert gain == pytest.approx({"handbags LPIPS ↓": 0.032, "shoes LPIPS ↓": 0.023}[column])


PAPER_TEXT = Path("/work/shared/papers/seed_004_style_pretraining.txt")


def test_table_6_is_quoted_exactly():
    table = quoted_table("seed004", "Table 6")
    assert table.value("Ours v4", "time/kimg (sec)") == pytest.approx(63.96)
    assert table.value("Bicycle v2", "time/kimg at max (sec)") == pytest.approx(155.72)
    # the paper's claim: Ours v4 trains about 2.4x faster than cross-cycle BicycleGAN (v2)
    ratio = table.value("Bicycle v2", "time/kimg (sec)") / table.value("Ours v4", "time/kimg (sec)")
    assert ratio == pytest.approx(2.43, abs=0.01)


@pytest.mark.skipif(not PAPER_TEXT.exists(), reason="the paper's text is not on this machine")
def test_table_6_rows_are_lines_of_the_paper():
    """Each row, tab-joined as the text layer prints it; Bicycle v1's batch-8 cell is "^^9311"."""
    lines = PAPER_TEXT.read_text().splitlines()
    table = quoted_table("seed004", "Table 6")
    for label, cells in table.rows.items():
        printed = list(cells)
        if label == "Bicycle v1":
            assert cells[1].replace(".", "") == "9311"
            printed[1] = "^^9311"
        assert "\t".join([label, *printed]) in lines, label


def test_table_2_is_quoted_exactly():
    table = quoted_table("seed004", "Table 2")
    assert table.rows["night2day, pretrain space_needle"] == ("14.34", "0.476", "15.05", "0.452")
    # Table 1's night2day "ours" row is Table 2's Space-Needle row, not its night2day one
    assert table.value("night2day, pretrain night2day", "stage 3 PSNR ↑") == pytest.approx(15.15)
    # the paper's claim for handbags before fine-tuning: same > similar > different (PSNR)
    psnr = [
        table.value(f"edges2handbags, pretrain {d}", "stage 2 PSNR ↑")
        for d in ("edges2handbags", "edges2shoes", "space_needle")
    ]
    assert psnr == sorted(psnr, reverse=True)


@pytest.mark.skipif(not PAPER_TEXT.exists(), reason="the paper's text is not on this machine")
def test_table_2_numbers_are_lines_of_the_paper():
    lines = [line.split("\t") for line in PAPER_TEXT.read_text().splitlines()]
    printed = {tuple(cells[-4:]) for cells in lines if len(cells) >= 4}
    for cells in quoted_table("seed004", "Table 2").rows.values():
        assert cells in printed, cells


def test_table_4_is_quoted_exactly():
    table = quoted_table("seed004", "Table 4")
    assert table.rows["Ours v4"][:8] == ("Y", "N", "Y", "N", "N", "N", "N", "N")
    assert table.value("Ours v1", "PSNR ↑") == pytest.approx(18.97)
    assert table.std("Ours v1", "LPIPS ↓") == pytest.approx(0.004)
    # the paper's reading: "Ours v1, v2" reconstruct worse than "Bicycle v1.3, v2.3" (PSNR)
    assert table.value("Ours v1", "PSNR ↑") < table.value("Bicycle v2.3", "PSNR ↑")
    assert table.value("Ours v2", "PSNR ↑") < table.value("Bicycle v1.3", "PSNR ↑")


@pytest.mark.skipif(not PAPER_TEXT.exists(), reason="the paper's text is not on this machine")
def test_table_4_rows_are_lines_of_the_paper():
    """Each row, tab-joined as printed, with Y/N back to the paper's check marks and dashes."""
    lines = PAPER_TEXT.read_text().splitlines()
    for label, cells in quoted_table("seed004", "Table 4").rows.items():
        marks = [{"Y": "✓", "N": "-"}[c] for c in cells[:8]]
        assert "\t".join([label, *marks, *cells[8:]]) in lines, label
