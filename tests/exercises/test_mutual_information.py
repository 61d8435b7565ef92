"""Chapter 1's exercise checkers: companion/exercises/mutual_information.py."""

import math

import pytest
import torch

from companion.exercises import check_infonce_lower_bound, check_nwj_lower_bound
from companion.mi import dv_lower_bound, infonce_lower_bound, nwj_lower_bound


def _off(s):
    return s[~torch.eye(s.shape[0], dtype=torch.bool)]


def test_reference_implementations_pass(capsys):
    check_nwj_lower_bound(nwj_lower_bound)
    check_infonce_lower_bound(lambda s: infonce_lower_bound(s).estimate)
    out = capsys.readouterr().out
    assert "check_nwj_lower_bound: correct on 8" in out
    assert "check_infonce_lower_bound: correct on 8" in out


def test_independent_correct_solutions_pass():
    def nwj(scores):
        n = scores.shape[0]
        mask = ~torch.eye(n, dtype=torch.bool)
        return scores.diagonal().mean() - torch.exp(scores[mask] - 1).mean()

    def infonce(scores):
        return math.log(scores.shape[0]) + torch.log_softmax(scores, dim=1).diagonal().mean()

    check_nwj_lower_bound(nwj)
    check_infonce_lower_bound(infonce)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda s: dv_lower_bound(s).estimate, "Donsker-Varadhan"),
        (lambda s: s.diagonal().mean() - _off(s).exp().mean(), r"exp\(T\) instead of exp\(T - 1\)"),
        (lambda s: s.diagonal().mean() - (s - 1).exp().mean(), "off-diagonal entries only"),
        (lambda s: -nwj_lower_bound(s).estimate, "sign is flipped"),
        (lambda s: s.sum() * 0 + 1.0, "disagrees with the reference"),
        (lambda s: s.diagonal() - 1, "did you forget a .mean"),
        (lambda s: float(nwj_lower_bound(s).estimate), "without a gradient"),
    ],
)
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
def test_nwj_mistakes_are_diagnosed(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_nwj_lower_bound(fn)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda s: torch.log_softmax(s, 1).diagonal().mean(), r"\+ log K term is missing"),
        (
            lambda s: math.log(s.shape[0]) + torch.log_softmax(s, 0).diagonal().mean(),
            "normalised over columns",
        ),
        (lambda s: -infonce_lower_bound(s).estimate, "sign is flipped"),
        (
            lambda s: math.log(s.shape[0]) + torch.log_softmax(s, 1).diagonal().sum(),
            "summed over i",
        ),
        (
            lambda s: math.log(s.shape[0] - 1) + torch.log_softmax(s, 1).diagonal().mean(),
            "number of negatives",
        ),
    ],
)
def test_infonce_mistakes_are_diagnosed(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_infonce_lower_bound(fn)


def test_in_place_modification_and_exceptions_are_reported():
    def in_place(s):
        s.fill_diagonal_(0.0)
        return s.mean()

    with pytest.raises(AssertionError, match="modified its input in place"):
        check_nwj_lower_bound(in_place)

    def broken(s):
        return s @ torch.ones(3)

    with pytest.raises(AssertionError, match="raised RuntimeError"):
        check_infonce_lower_bound(broken)


def test_stub_raising_not_implemented_propagates_and_non_callable_is_a_type_error():
    def stub(s):
        raise NotImplementedError("write the NWJ bound")

    with pytest.raises(NotImplementedError, match="write the NWJ bound"):
        check_nwj_lower_bound(stub)
    with pytest.raises(TypeError, match="expects a function"):
        check_infonce_lower_bound(3.0)
