"""Seed paper 004's Table 1 (two of its datasets), as printed."""

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
