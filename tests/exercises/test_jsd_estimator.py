"""Chapter 3's exercise checkers: companion/exercises/jsd_estimator.py.

Each checker accepts the package's answer and an independent one, and names each listed mistake.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from companion.exercises import check_jsd_bound_at_optimum, check_jsd_lower_bound
from companion.mi import jsd_lower_bound


def _sp_bound(t, t_m):
    return -F.softplus(-t).mean() - F.softplus(t_m).mean()


def _marginals(p):
    return p.sum(1, keepdim=True) * p.sum(0, keepdim=True)


def _optimum(p):
    q = _marginals(p)
    return torch.xlogy(p, p / (p + q)).sum() + torch.xlogy(q, q / (p + q)).sum()


def test_references_and_independent_solutions_pass(capsys):
    check_jsd_lower_bound(lambda t, t_m: jsd_lower_bound(t, t_m).estimate)
    check_jsd_lower_bound(lambda t, t_m: F.logsigmoid(t).mean() + F.logsigmoid(-t_m).mean())
    check_jsd_bound_at_optimum(_optimum)

    def optimum_from_sigmoids(p):  # Eq. (5) literally, with the p = 0 cells masked
        q = _marginals(p)
        t = torch.log(p / q)  # the PMI, -inf where p = 0
        joint = torch.where(p > 0, p * torch.log(torch.sigmoid(t)), torch.zeros_like(p)).sum()
        return joint + (q * torch.log(1 - torch.sigmoid(t))).sum()

    check_jsd_bound_at_optimum(optimum_from_sigmoids)
    out = capsys.readouterr().out
    for name in ("jsd_lower_bound", "jsd_bound_at_optimum"):
        assert out.count(f"check_{name}: correct on") == 2


def test_jsd_known_answers_of_the_cases():
    # the values the exercise's text quotes: the floor, a hand-computed pair of scores, the ceiling
    floor = jsd_lower_bound(torch.zeros(4), torch.zeros(4)).estimate
    assert math.isclose(floor, -2 * math.log(2), abs_tol=1e-7)
    three = jsd_lower_bound(torch.full((3,), math.log(3)), torch.full((3,), -math.log(3)))
    assert math.isclose(three.estimate, 2 * math.log(3 / 4), abs_tol=1e-6)
    assert -1e-12 < jsd_lower_bound(torch.full((5,), 30.0), torch.full((5,), -30.0)).estimate <= 0


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda t, t_m: -_sp_bound(t, t_m), "sign is flipped"),
        (lambda t, t_m: t.mean() - t_m.mean(), "softplus is missing"),
        (lambda t, t_m: -F.softplus(t).mean() - F.softplus(-t_m).mean(), "sides are swapped"),
        (lambda t, t_m: F.logsigmoid(t).mean() + F.logsigmoid(t_m).mean(), "both terms use log s"),
        (lambda t, t_m: -F.softplus(t).mean() - F.softplus(t_m).mean(), r"both terms use log\(1"),
        (
            lambda t, t_m: (
                -F.binary_cross_entropy_with_logits(
                    torch.cat([t, t_m]), torch.cat([torch.ones_like(t), torch.zeros_like(t_m)])
                )
            ),
            "SUM of two means",
        ),
        (lambda t, t_m: _sp_bound(t, t_m) + 2 * math.log(2), "Deep InfoMax"),
        (lambda t, t_m: -F.softplus(-t).sum() - F.softplus(t_m).sum(), "summed over the pairs"),
        (
            lambda t, t_m: (
                torch.log(torch.sigmoid(t)).mean() + torch.log(1 - torch.sigmoid(t_m)).mean()
            ),
            "underflows",
        ),
        (lambda t, t_m: t.sigmoid().mean() + (1 - t_m.sigmoid()).mean(), "logs are missing"),
        (lambda t, t_m: -F.softplus(-t) - F.softplus(t_m).mean(), "forget a .mean"),
        (lambda t, t_m: float(_sp_bound(t, t_m)), "without a gradient"),
        (lambda t, t_m: _sp_bound(t, t_m.detach()), "without a gradient in argument 2"),
        (lambda t, t_m: -F.softplus(-t).mean() - F.softplus(t_m).mean() * 0.9, "disagrees"),
    ],
)
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
def test_jsd_mistakes_are_diagnosed(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_jsd_lower_bound(fn)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda p: 0.5 * (_optimum(p) + 2 * math.log(2)), "JSD\\(P \\|\\| Q\\) itself"),
        (lambda p: _optimum(p) + 2 * math.log(2), "Deep InfoMax"),
        (lambda p: torch.xlogy(p, p / _marginals(p)).sum(), "mutual information"),
        (
            lambda p: (
                (p * F.logsigmoid(p / _marginals(p))).sum()
                + (_marginals(p) * F.logsigmoid(-p / _marginals(p))).sum()
            ),
            "ratio r = p / q",
        ),
        (
            lambda p: (
                torch.xlogy(p, _marginals(p) / (p + _marginals(p))).sum()
                + torch.xlogy(_marginals(p), p / (p + _marginals(p))).sum()
            ),
            "sign is flipped",
        ),
        (
            lambda p: (
                torch.xlogy(p, p / (p + _marginals(p))).sum()
                + torch.xlogy(p, _marginals(p) / (p + _marginals(p))).sum()
            ),
            "both expectations are under P",
        ),
        (
            lambda p: (
                torch.xlogy(p, p / (p + 1 / p.numel())).sum()
                + torch.xlogy(
                    torch.full_like(p, 1 / p.numel()), 1 / p.numel() / (p + 1 / p.numel())
                ).sum()
            ),
            "not a uniform table",
        ),
        (
            lambda p: (
                (p * F.logsigmoid(torch.log(p / _marginals(p)))).sum()
                + (_marginals(p) * F.logsigmoid(-torch.log(p / _marginals(p)))).sum()
            ),
            "returned NaN",
        ),
        (lambda p: _optimum(p) * 1.01, "disagrees"),
        (lambda p: torch.xlogy(p, p / (p + _marginals(p))), "a sum over its cells"),
    ],
)
def test_optimum_mistakes_are_diagnosed(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_jsd_bound_at_optimum(fn)


def test_stubs_in_place_edits_and_non_callables():
    def stub(*args):
        raise NotImplementedError("write it")

    for checker in (check_jsd_lower_bound, check_jsd_bound_at_optimum):
        with pytest.raises(NotImplementedError, match="write it"):
            checker(stub)
        with pytest.raises(TypeError, match="expects a function"):
            checker("not a function")

    def in_place_bound(t, t_m):
        return -F.softplus(-t).mean() - F.softplus(t_m.clamp_(max=50)).mean()

    with pytest.raises(AssertionError, match="modified its input in place"):
        check_jsd_lower_bound(in_place_bound)
