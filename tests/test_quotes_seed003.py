"""Seed thesis 003's Chapter 4 tables, as printed (spot checks of the text's claims)."""

import pytest

from companion.quotes import quoted_table


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
