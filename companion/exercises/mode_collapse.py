"""Chapter 2's checkers: the terms of BicycleGAN and MSGAN.

The KL of a diagonal Gaussian to N(0, I) (BicycleGAN Eq. 6), the reparametrisation trick, and
MSGAN's mode-seeking loss (Eq. 3-4), each against the package's function on known inputs.

Example:
    >>> check_kl_to_standard_normal(kl_to_standard_normal)  # doctest: +ELLIPSIS
    check_kl_to_standard_normal: correct on 6 cases ...
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from companion.exercises._common import Case, Mistakes, check_cases
from companion.losses import kl_to_standard_normal, mode_seeking_ratio

__all__ = ["check_kl_to_standard_normal", "check_mode_seeking_ratio", "check_reparameterize"]


def _gaussian_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(0)

    def randn(*shape: int) -> Tensor:
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    return [
        ("mu = 0, logvar = 0 (2, 8)", (randn(2, 8) * 0, randn(2, 8) * 0)),
        ("mu = 1, logvar = 0 (3, 4)", (torch.ones(3, 4, dtype=torch.float64), randn(3, 4) * 0)),
        (
            "mu = 0, logvar = 2 (1, 3)",
            (torch.zeros(1, 3, dtype=torch.float64), randn(1, 3) * 0 + 2),
        ),
        ("random (5, 8)", (randn(5, 8), randn(5, 8))),
        ("random, wide spread (16, 2)", (3 * randn(16, 2), 2 * randn(16, 2))),
        ("random (4, 8)", (randn(4, 8), randn(4, 8) - 1)),
    ]


def _kl_terms(mu: Tensor, logvar: Tensor, log_var: Tensor | None = None) -> Tensor:
    log_var = logvar if log_var is None else log_var
    return mu.pow(2) + log_var.exp() - 1 - log_var  # (N, D), twice the KL per dimension


def check_kl_to_standard_normal(fn: Callable[[Tensor, Tensor], object]) -> None:
    """Check a student's ``fn(mu, logvar) -> 0-d tensor``: KL(N(mu, exp(logvar)) || N(0, I)).

    The convention is that of :func:`companion.losses.kl_to_standard_normal`: ``mu`` and
    ``logvar`` are (N, D); the KL (nats) is summed over the D dimensions and averaged over N.

    Raises:
        AssertionError: with a diagnosis, if a value or the gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> check_kl_to_standard_normal(kl_to_standard_normal)  # doctest: +ELLIPSIS
        check_kl_to_standard_normal: correct on 6 cases ...
    """
    mistakes: Mistakes = [
        ("the factor 1/2 is missing", lambda m, v: _kl_terms(m, v).sum(1).mean()),
        (
            "you averaged over the D code dimensions: the KL of a diagonal Gaussian is the "
            "sum of the per-dimension KLs (average over the batch only)",
            lambda m, v: 0.5 * _kl_terms(m, v).mean(),
        ),
        (
            "you summed over the batch: sum over dimensions, then average over the N rows",
            lambda m, v: 0.5 * _kl_terms(m, v).sum(),
        ),
        (
            "logvar is log sigma^2, not log sigma: the variance is exp(logvar)",
            lambda m, v: 0.5 * _kl_terms(m, v, 2 * v).sum(1).mean(),
        ),
        (
            "the constant -1 per dimension is missing (the KL of N(0, I) to itself must be 0)",
            lambda m, v: 0.5 * (_kl_terms(m, v) + 1).sum(1).mean(),
        ),
        ("the sign is flipped: a KL is never negative", lambda m, v: -kl_to_standard_normal(m, v)),
    ]
    check_cases(
        fn,
        "check_kl_to_standard_normal",
        _gaussian_cases(),
        kl_to_standard_normal,
        mistakes,
        "KL = mean over N of sum over D of (mu^2 + exp(logvar) - 1 - logvar) / 2",
    )


def check_reparameterize(fn: Callable[[Tensor, Tensor, Tensor], object]) -> None:
    """Check a student's ``fn(mu, logvar, eps) -> z``: the reparametrisation trick.

    ``z = mu + exp(logvar / 2) * eps`` elementwise, all (N, D): a sample of
    N(mu, exp(logvar)) when ``eps ~ N(0, I)``, differentiable in ``mu`` and ``logvar``. The
    noise is passed in, so that the answer is known.

    Raises:
        AssertionError: with a diagnosis, if a value or the gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> check_reparameterize(lambda m, v, e: m + (0.5 * v).exp() * e)  # doctest: +ELLIPSIS
        check_reparameterize: correct on 6 cases ...
    """
    gen = torch.Generator().manual_seed(1)
    cases = [
        (f"{case}, eps ~ N(0, I)", (m, v, torch.randn(m.shape, generator=gen, dtype=m.dtype)))
        for case, (m, v) in _gaussian_cases()
    ]
    mistakes: Mistakes = [
        (
            "exp(logvar) is the variance; scale eps by the standard deviation exp(logvar / 2)",
            lambda m, v, e: m + v.exp() * e,
        ),
        ("logvar is not the standard deviation: use exp(logvar / 2)", lambda m, v, e: m + v * e),
        ("the mean is missing: z = mu + sigma * eps", lambda m, v, e: (0.5 * v).exp() * e),
        ("eps multiplies sigma, it is not added to it", lambda m, v, e: m + (0.5 * v).exp() + e),
    ]
    check_cases(
        fn,
        "check_reparameterize",
        cases,
        lambda m, v, e: m + (0.5 * v).exp() * e,
        mistakes,
        "z = mu + exp(logvar / 2) * eps",
    )


def _ms_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(2)

    def randn(*shape: int) -> Tensor:
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    x, z = randn(4, 3, 8, 8), randn(4, 8)
    ones = torch.ones(2, 1, 4, 4, dtype=torch.float64)
    return [
        ("a collapsed G: x_1 == x_2 (4, 3, 8, 8)", (x, x.clone(), z, randn(4, 8))),
        (
            "x_2 = x_1 + 1, z_2 = z_1 + 2",
            (ones, ones + 1, ones[:, 0, 0, :2], ones[:, 0, 0, :2] + 2),
        ),
        ("random (4, 3, 8, 8), codes (4, 8)", (x, randn(4, 3, 8, 8), z, randn(4, 8))),
        ("random, nearly equal outputs", (x, x + 1e-3 * randn(4, 3, 8, 8), z, randn(4, 8))),
        (
            "random (6, 1, 5, 5), codes (6, 2)",
            (randn(6, 1, 5, 5), randn(6, 1, 5, 5), *randn(2, 6, 2)),
        ),
    ]


def _batch_ratio(x_1: Tensor, x_2: Tensor, z_1: Tensor, z_2: Tensor) -> Tensor:
    return (x_1 - x_2).abs().mean() / (z_1 - z_2).abs().mean()


def _per_sample_ratio(x_1: Tensor, x_2: Tensor, z_1: Tensor, z_2: Tensor) -> Tensor:
    d_x = (x_1 - x_2).abs().flatten(1).mean(1)  # (N,)
    return (d_x / (z_1 - z_2).abs().flatten(1).mean(1)).mean()


def check_mode_seeking_ratio(fn: Callable[..., object]) -> None:
    """Check a student's MSGAN loss ``fn(x_1, x_2, z_1, z_2) -> 0-d tensor``.

    The convention is that of :func:`companion.losses.mode_seeking_ratio` and the released
    MSGAN code: ``r = mean|x_1 - x_2| / mean|z_1 - z_2|`` (means over all entries of the batch)
    and the loss ``1 / (r + eps)`` with ``eps = 1e-5``.

    Raises:
        AssertionError: with a diagnosis, if a value or the gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> check_mode_seeking_ratio(mode_seeking_ratio)  # doctest: +ELLIPSIS
        check_mode_seeking_ratio: correct on 5 cases ...
    """
    eps = 1e-5
    mistakes: Mistakes = [
        (
            "you returned the ratio itself; G minimises its loss, so return 1 / (ratio + eps)",
            _batch_ratio,
        ),
        (
            "minus the ratio is unbounded below: MSGAN's code minimises 1 / (ratio + eps), "
            "which stops pushing once outputs differ",
            lambda *a: -_batch_ratio(*a),
        ),
        (
            "eps is missing: a collapsed generator (x_1 == x_2) must give 1 / eps, not inf",
            lambda *a: 1 / _batch_ratio(*a),
        ),
        (
            "the code distance is missing: divide the image distance by mean|z_1 - z_2|",
            lambda x_1, x_2, z_1, z_2: 1 / ((x_1 - x_2).abs().mean() + eps),
        ),
        (
            "the distances are mean absolute differences (L1), not squared differences",
            lambda x_1, x_2, z_1, z_2: (
                1 / ((x_1 - x_2).pow(2).mean() / (z_1 - z_2).pow(2).mean() + eps)
            ),
        ),
        (
            "distances are means over the batch; you summed, which scales the ratio by the "
            "number of pixels per code entry",
            lambda x_1, x_2, z_1, z_2: (
                1 / ((x_1 - x_2).abs().sum() / (z_1 - z_2).abs().sum() + eps)
            ),
        ),
        (
            "take the ratio of the batch means, not the mean of per-sample ratios (the "
            "released code's choice)",
            lambda *a: 1 / (_per_sample_ratio(*a) + eps),
        ),
    ]
    check_cases(
        fn,
        "check_mode_seeking_ratio",
        _ms_cases(),
        mode_seeking_ratio,
        mistakes,
        "loss = 1 / (mean|x_1 - x_2| / mean|z_1 - z_2| + 1e-5)",
    )
