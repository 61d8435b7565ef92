"""Chapter 2's exercise checkers: companion/exercises/mode_collapse.py.

KL to N(0, I), the reparametrisation trick and MSGAN's mode-seeking loss.
"""

import pytest
import torch

from companion.exercises import (
    check_kl_to_standard_normal,
    check_mode_seeking_ratio,
    check_reparameterize,
)
from companion.losses import kl_to_standard_normal, mode_seeking_ratio


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
