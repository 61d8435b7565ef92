"""Exercise checkers: companion/exercises.py."""

import math

import pytest
import torch

from companion.exercises import (
    check_infonce_lower_bound,
    check_kl_to_standard_normal,
    check_mode_seeking_ratio,
    check_nwj_lower_bound,
    check_reparameterize,
)
from companion.losses import kl_to_standard_normal, mode_seeking_ratio
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


# Chapter 2: KL to N(0, I), the reparametrisation trick and MSGAN's mode-seeking loss.


def _kl(mu, logvar):
    return 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(dim=1).mean()


def _ratio(x_1, x_2, z_1, z_2):
    return (x_1 - x_2).abs().mean() / (z_1 - z_2).abs().mean()


def test_chapter_2_references_and_independent_solutions_pass(capsys):
    check_kl_to_standard_normal(kl_to_standard_normal)
    check_kl_to_standard_normal(_kl)
    check_reparameterize(lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar) * eps)
    check_reparameterize(lambda mu, logvar, eps: torch.addcmul(mu, logvar.div(2).exp(), eps))
    check_mode_seeking_ratio(mode_seeking_ratio)
    check_mode_seeking_ratio(lambda *a: 1 / (_ratio(*a) + 1e-5))
    out = capsys.readouterr().out
    for name in ("kl_to_standard_normal", "reparameterize", "mode_seeking_ratio"):
        assert f"check_{name}: correct on" in out


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda m, v: 2 * _kl(m, v), "factor 1/2 is missing"),
        (lambda m, v: 0.5 * (m**2 + v.exp() - 1 - v).mean(), "averaged over the D code"),
        (lambda m, v: 0.5 * (m**2 + v.exp() - 1 - v).sum(), "summed over the batch"),
        (lambda m, v: 0.5 * (m**2 + (2 * v).exp() - 1 - 2 * v).sum(1).mean(), "not log sigma"),
        (lambda m, v: 0.5 * (m**2 + v.exp() - v).sum(1).mean(), "constant -1"),
        (lambda m, v: -_kl(m, v), "sign is flipped"),
        (lambda m, v: 0.5 * (m**2 + v.exp() - 1 - v).sum(1), "did you forget a .mean"),
        (lambda m, v: float(_kl(m, v)), "without a gradient"),
        (lambda m, v: _kl(m, v.detach()), "without a gradient in argument 2"),
        (lambda m, v: _kl(m, v.detach()) + 0 * v.sum(), "wrong gradient in argument 2"),
        (lambda m, v: m.abs().mean(), "disagrees with the reference"),
    ],
)
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
def test_kl_mistakes_are_diagnosed(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_kl_to_standard_normal(fn)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda m, v, e: m + v.exp() * e, "exp\\(logvar\\) is the variance"),
        (lambda m, v, e: m + v * e, "logvar is not the standard deviation"),
        (lambda m, v, e: (0.5 * v).exp() * e, "mean is missing"),
        (lambda m, v, e: m + (0.5 * v).exp() + e, "eps multiplies sigma"),
        (lambda m, v, e: m + (0.5 * v).exp() * torch.randn_like(m), "draws its own random"),
        (lambda m, v, e: torch.normal(m, (0.5 * v).exp()), "draws its own random"),
        (lambda m, v, e: (m + (0.5 * v).exp() * e).detach(), "without a gradient"),
        (lambda m, v, e: m + (0.5 * v.detach()).exp() * e, "without a gradient in argument 2"),
        (lambda m, v, e: (m + (0.5 * v).exp() * e).mean(), "returned shape"),
    ],
)
def test_reparameterize_mistakes_are_diagnosed(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_reparameterize(fn)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (_ratio, "returned the ratio itself"),
        (lambda *a: -_ratio(*a), "unbounded below"),
        (lambda *a: 1 / _ratio(*a), "eps is missing"),
        (lambda x_1, x_2, z_1, z_2: 1 / ((x_1 - x_2).abs().mean() + 1e-5), "code distance"),
        (
            lambda x_1, x_2, z_1, z_2: (
                1 / ((x_1 - x_2).pow(2).mean() / (z_1 - z_2).pow(2).mean() + 1e-5)
            ),
            "not squared differences",
        ),
        (
            lambda x_1, x_2, z_1, z_2: (
                1 / ((x_1 - x_2).abs().sum() / (z_1 - z_2).abs().sum() + 1e-5)
            ),
            "you summed",
        ),
        (
            lambda x_1, x_2, z_1, z_2: (
                1
                / (((x_1 - x_2).abs().flatten(1).mean(1) / (z_1 - z_2).abs().mean(1)).mean() + 1e-5)
            ),
            "per-sample ratios",
        ),
        (lambda *a: 1 / (_ratio(*a).detach() + 1e-5), "without a gradient"),
    ],
)
def test_mode_seeking_mistakes_are_diagnosed(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_mode_seeking_ratio(fn)


def test_chapter_2_checkers_report_stubs_in_place_edits_and_bad_arguments():
    def stub(*args):
        raise NotImplementedError("write the KL")

    with pytest.raises(NotImplementedError, match="write the KL"):
        check_kl_to_standard_normal(stub)

    def in_place(mu, logvar, eps):
        return mu.add_(torch.exp(0.5 * logvar) * eps)

    with pytest.raises(AssertionError, match="modified its input in place"):
        check_reparameterize(in_place)
    with pytest.raises(AssertionError, match="raised RuntimeError"):
        check_mode_seeking_ratio(lambda x_1, x_2, z_1, z_2: x_1 @ z_1)
    with pytest.raises(TypeError, match="expects a function"):
        check_mode_seeking_ratio("1 / ratio")
