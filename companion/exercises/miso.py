"""Chapter 5's checkers: MISO's MILO (Eq. 5) and which network each of its losses trains.

Example:
    >>> from companion.losses import milo_loss
    >>> check_milo_loss(lambda z, m, v: milo_loss(z, m, v, min_std=1e-6, detach_target=False))
    ... # doctest: +ELLIPSIS
    check_milo_loss: correct on 5 cases ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import torch
from torch import Tensor

from companion.exercises._common import Case, Mistakes, check_cases, report
from companion.losses import milo_loss
from companion.methods.miso import MISO, MISOConfig

__all__ = ["MISO_NETWORKS", "check_milo_loss", "check_miso_routing", "miso_routing"]

LOG_2PI = math.log(2 * math.pi)
MISO_NETWORKS = ("E_A", "E_B", "G", "G_BA", "D", "D_A")
"""MISO's networks: style encoders, translators (``G`` maps A to B), discriminators."""


def _reference(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    return milo_loss(z, mu, logvar, min_std=1e-8, detach_target=False)


def _terms(z: Tensor, mu: Tensor, v: Tensor, log_term: Tensor | None = None) -> Tensor:
    log_term = v if log_term is None else log_term
    return LOG_2PI + log_term + (z - mu).pow(2) * torch.exp(-v)  # (N, D), twice the NLL


def _cases() -> list[Case]:
    gen = torch.Generator().manual_seed(5)

    def randn(*shape: int) -> Tensor:
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    zeros = torch.zeros(3, 2, dtype=torch.float64)
    return [
        ("z = mu, unit variance (3, 2)", (zeros, zeros, zeros)),
        ("random z, mu = 0, unit variance (4, 8)", (randn(4, 8), randn(4, 8) * 0, randn(4, 8) * 0)),
        ("random z and mu, logvar = -1 (5, 3)", (randn(5, 3), randn(5, 3), randn(5, 3) * 0 - 1)),
        ("random (6, 4)", (randn(6, 4), randn(6, 4), randn(6, 4))),
        ("random, small variances (2, 8)", (randn(2, 8), randn(2, 8), randn(2, 8) - 2)),
    ]


def check_milo_loss(fn: Callable[[Tensor, Tensor, Tensor], object]) -> None:
    """Check a student's ``fn(z, mu, logvar) -> 0-d tensor``: MILO, the paper's Eq. 5.

    ``-log N(z; mu, exp(logvar))`` summed over the D code dimensions and averaged over the N
    rows, all inputs (N, D); no floor on sigma and no stop-gradient (the cases keep the
    variances away from 0).

    Raises:
        AssertionError: with a diagnosis, if a value or the gradient disagrees.
        TypeError: if ``fn`` is not callable.
    """
    mistakes: Mistakes = [
        ("the factor 1/2 is missing", lambda z, m, v: _terms(z, m, v).sum(1).mean()),
        (
            "the constant log(2 pi) / 2 per dimension is missing: without it MILO is not a "
            "negative log-density and H(z) - MILO is not a bound",
            lambda z, m, v: 0.5 * (_terms(z, m, v) - LOG_2PI).sum(1).mean(),
        ),
        (
            "you averaged over the code dimensions: the log-density of a vector is the sum of "
            "its coordinates' (average over the batch only)",
            lambda z, m, v: 0.5 * _terms(z, m, v).mean(),
        ),
        (
            "you summed over the batch: sum over dimensions, then average over the N rows",
            lambda z, m, v: 0.5 * _terms(z, m, v).sum(),
        ),
        (
            "logvar is log sigma^2: the log term is logvar / 2 per dimension, not log(logvar)",
            lambda z, m, v: 0.5 * _terms(z, m, v, 2 * v).sum(1).mean(),
        ),
        (
            "the sign is flipped: MILO is the NEGATIVE log-likelihood, minimised",
            lambda z, m, v: -_reference(z, m, v),
        ),
    ]
    check_cases(
        fn,
        "check_milo_loss",
        _cases(),
        _reference,
        mistakes,
        "MILO = mean over N of sum over D of (log 2 pi + logvar + (z - mu)^2 / exp(logvar)) / 2",
    )


def _reached(model: MISO, loss: Tensor) -> set[str]:
    params = list(model.parameters())
    grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    hit = {id(p) for p, g in zip(params, grads) if g is not None and g.abs().sum() > 0}
    return {n for n in MISO_NETWORKS if any(id(p) in hit for p in getattr(model, n).parameters())}


def miso_routing(seed: int = 0) -> dict[str, set[str]]:
    """Which networks each MISO loss trains, measured by autograd on a small model.

    A loss trains a network when it sends it a gradient and is minimised by the optimizer
    that steps it (the generator losses also send gradients into D, which their step ignores).

    Keys: ``"L_info"`` (MILO, A side), ``"L_kl"``, ``"L_cyc"``, ``"L_lat"``, ``"L_adv_enc"``
    and ``"L_adv_rand"`` (the generator side, A's discriminator), ``"L_D"`` (A's discriminator
    loss); values are subsets of :data:`MISO_NETWORKS`.
    """
    torch.manual_seed(seed)
    model = MISO(MISOConfig.smoke())
    gen = torch.Generator().manual_seed(seed)
    a, b = (torch.rand(4, 3, 32, 32, generator=gen) * 2 - 1 for _ in range(2))
    a1, b1, a2, b2 = model.split({"a": a, "b": b})
    ifi, fif = model.ifi(a1, b1), model.fif(a2, b2)
    mu_a, logvar_a = model.E_A(a1)
    z_a = model.reparameterize(mu_a, logvar_a)
    losses = {
        "L_info": model.milo(model.E_A, model.G_BA(b1, z_a), z_a),
        "L_kl": ifi["kl"],
        "L_cyc": ifi["cyc"],
        "L_lat": fif["lat"],
        "L_adv_enc": model.g_adversarial(model.D_A, [ifi["a_enc"]]),
        "L_adv_rand": model.g_adversarial(model.D_A, [fif["a_rand"]]),
        "L_D": model.d_adversarial(model.D_A, a1, [ifi["a_enc"], fif["a_rand"]]),
    }
    stepped = {"D": {"D", "D_A"}, "G": {"E_A", "E_B", "G", "G_BA"}}  # each optimizer's nets
    return {
        name: _reached(model, loss) & stepped["D" if name == "L_D" else "G"]
        for name, loss in losses.items()
    }


def check_miso_routing(answer: Mapping[str, set[str]]) -> None:
    """Check a student's table of which networks each MISO loss trains (see :func:`miso_routing`).

    Raises:
        AssertionError: naming every loss whose set of networks is wrong, and what is missing
            or extra (the measured truth is only revealed loss by loss).
    """
    truth = miso_routing()
    missing = sorted(set(truth) - set(answer))
    if missing:
        raise AssertionError(f"your answer has no entry for {missing}; keys: {sorted(truth)}")
    wrong = []
    for name, nets in truth.items():
        given = set(answer[name])
        if given != nets:
            extra, lacking = sorted(given - nets), sorted(nets - given)
            parts = [f"does not reach {extra}"] if extra else []
            parts += [f"also reaches {lacking}"] if lacking else []
            wrong.append(f"{name} " + " and ".join(parts))
    if wrong:
        raise AssertionError("; ".join(wrong))
    report(f"check_miso_routing: all {len(truth)} losses route as measured")
