"""The plug-in MI checker accepts the reference and names two frequent mistakes."""

import math

import pytest
import torch

from companion.exercises import check_plugin_mi
from companion.exercises.one_to_many import _entropy, _reference


def test_the_reference_passes(capsys):
    check_plugin_mi(_reference)
    assert "correct on 5" in capsys.readouterr().out


def test_bits_are_named():
    with pytest.raises(AssertionError, match="bits"):
        check_plugin_mi(lambda a, b: _reference(a, b) / math.log(2))


def test_an_entropy_is_named():
    with pytest.raises(AssertionError, match="entropy of one side"):
        check_plugin_mi(lambda a, b: _entropy(a))


def test_a_constant_fails():
    with pytest.raises(AssertionError, match="expected"):
        check_plugin_mi(lambda a, b: 0.0)


def test_xor_has_no_pairwise_information():
    x, xi = torch.arange(4) // 2, torch.arange(4) % 2
    assert _reference(xi, x ^ xi) == pytest.approx(0.0)
    assert _reference(x, x ^ xi) == pytest.approx(0.0)
