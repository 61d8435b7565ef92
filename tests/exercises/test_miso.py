"""Chapter 5's exercise checkers: companion/exercises/miso.py."""

import math

import pytest
import torch

from companion.exercises import check_milo_loss, check_miso_routing, miso_routing
from companion.losses import milo_loss


def _milo(z, mu, logvar):
    return 0.5 * (math.log(2 * math.pi) + logvar + (z - mu) ** 2 / logvar.exp()).sum(1).mean()


ROUTING = {
    "L_info": {"E_A", "G_BA"},
    "L_kl": {"E_A", "E_B"},
    "L_cyc": {"E_A", "E_B", "G", "G_BA"},
    "L_lat": {"G", "G_BA"},
    "L_adv_enc": {"E_A", "G_BA"},
    "L_adv_rand": {"G_BA"},
    "L_D": {"D_A"},
}


def test_references_and_independent_solutions_pass(capsys):
    check_milo_loss(lambda z, m, v: milo_loss(z, m, v, min_std=1e-8, detach_target=False))
    check_milo_loss(_milo)
    check_milo_loss(
        lambda z, m, v: -torch.distributions.Normal(m, (0.5 * v).exp()).log_prob(z).sum(1).mean()
    )
    out = capsys.readouterr().out
    assert "check_milo_loss: correct on 5 cases" in out


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda z, m, v: 2 * _milo(z, m, v), "factor 1/2 is missing"),
        (
            lambda z, m, v: _milo(z, m, v) - 0.5 * math.log(2 * math.pi) * z.shape[1],
            "log\\(2 pi\\)",
        ),
        (lambda z, m, v: _milo(z, m, v) / z.shape[1], "averaged over the code dimensions"),
        (lambda z, m, v: _milo(z, m, v) * z.shape[0], "summed over the batch"),
        (lambda z, m, v: -_milo(z, m, v), "sign is flipped"),
        (lambda z, m, v: _milo(z.detach(), m, v) + 0 * z.sum(), "wrong gradient"),
    ],
)
def test_frequent_mistakes_are_named(fn, match):
    with pytest.raises(AssertionError, match=match):
        check_milo_loss(fn)


def test_routing_is_measured_and_checked(capsys):
    assert miso_routing() == ROUTING
    check_miso_routing(ROUTING)
    assert "all 7 losses" in capsys.readouterr().out
    wrong = {**ROUTING, "L_adv_rand": {"G_BA", "E_A"}, "L_kl": {"E_A"}}
    with pytest.raises(AssertionError, match="L_kl also reaches \\['E_B'\\]") as err:
        check_miso_routing(wrong)
    assert "L_adv_rand does not reach ['E_A']" in str(err.value)
    with pytest.raises(AssertionError, match="no entry"):
        check_miso_routing({"L_kl": {"E_A", "E_B"}})
