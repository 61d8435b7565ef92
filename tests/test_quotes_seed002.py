"""Seed paper 002's Table 1, as printed (the introduction's "71% accuracy" is its top cell)."""

import pytest

from companion.quotes import quoted_table


def test_table_1_is_quoted_exactly():
    table = quoted_table("seed002", "Table 1")
    assert table.columns == ("SVHN (%)", "MNIST (%)")
    assert dict(table.rows) == {
        "CycleGAN": ("19.6", "21.2"),
        "Ours + min I(Ξ; T(X, Ξ))": ("71.87", "38.4"),
        "Ours": ("63.6", "11.56"),
    }
    gain = table.value("Ours + min I(Ξ; T(X, Ξ))", "MNIST (%)") - table.value("Ours", "MNIST (%)")
    assert gain == pytest.approx(26.84)
