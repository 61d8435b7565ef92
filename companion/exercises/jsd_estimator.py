"""Chapter 3's checkers for the Jensen-Shannon estimator of SEGAN's Eq. (5) (Section 3.1).

- :func:`check_jsd_lower_bound`: Eq. (5) from the critic's logits on positives and negatives.
- :func:`check_jsd_bound_at_optimum`: Eq. (5) at the optimal critic (the PMI) of a discrete
  joint table, against ``2 JSD(P || Q) - 2 log 2`` computed from the definition of the JSD.

Example:
    >>> from companion.mi import jsd_lower_bound
    >>> check_jsd_lower_bound(lambda t, t_m: jsd_lower_bound(t, t_m).estimate)
    ... # doctest: +ELLIPSIS
    check_jsd_lower_bound: correct on 8 cases ...
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from companion.exercises._common import Case, Mistakes, call, check_cases
from companion.mi.bounds import jsd_lower_bound
from companion.mi.gaussian import gaussian_pmi, sample_correlated_gaussian

__all__ = ["check_jsd_bound_at_optimum", "check_jsd_lower_bound"]

LOG4 = 2 * math.log(2)


# Eq. (5) from logits. ------------------------------------------------------------


def _jsd_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(3)

    def randn(*shape: int) -> Tensor:
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    def full(n: int, value: float) -> Tensor:
        return torch.full((n,), value, dtype=torch.float64)

    z, b_hat = sample_correlated_gaussian(16, 1, 0.9, gen, dtype=torch.float64)
    pmi = gaussian_pmi(z, b_hat, 0.9)  # (16, 16), the optimal critic on all pairs
    return [
        ("a constant critic T = 0 (N = M = 4)", (full(4, 0.0), full(4, 0.0))),
        (
            "T = log 3 on positives, -log 3 on negatives",
            (full(3, math.log(3)), full(3, -math.log(3))),
        ),
        ("separable pairs: T = +30 / -30 (N = M = 5)", (full(5, 30.0), full(5, -30.0))),
        ("a confidently wrong critic: T = -800 / +800", (full(2, -800.0), full(2, 800.0))),
        ("5 positives, 7 negatives", (randn(5), randn(7))),
        ("random (N = M = 8)", (randn(8), randn(8))),
        ("Gaussian PMI, rho = 0.9 (N = M = 16)", (pmi.diagonal(), pmi.roll(1, dims=1).diagonal())),
        ("3 * random (N = M = 16)", (3 * randn(16), 3 * randn(16))),
    ]


def _bce_mean_over_all(t_joint: Tensor, t_marginal: Tensor) -> Tensor:
    logits = torch.cat([t_joint, t_marginal])  # (N + M,)
    labels = torch.cat([torch.ones_like(t_joint), torch.zeros_like(t_marginal)])
    return -F.binary_cross_entropy_with_logits(logits, labels)


def _naive_log_sigmoids(t_joint: Tensor, t_marginal: Tensor) -> Tensor:
    return (
        torch.log(torch.sigmoid(t_joint)).mean() + torch.log(1 - torch.sigmoid(t_marginal)).mean()
    )


def check_jsd_lower_bound(fn: Callable[[Tensor, Tensor], object]) -> None:
    """Check a student's ``fn(scores_joint, scores_marginal) -> 0-d tensor``: SEGAN's Eq. (5).

    The convention is that of :func:`companion.mi.jsd_lower_bound` in its two-vector form:
    ``scores_joint`` (N,) are the critic's logits on positive pairs, ``scores_marginal`` (M,) on
    negative pairs, and the bound (nats) is ``mean log sigma(T_joint) + mean log(1 -
    sigma(T_marginal)) = -mean sp(-T_joint) - mean sp(T_marginal)``: at most 0, and ``-2 log 2``
    for a constant critic T = 0.

    Raises:
        AssertionError: with a diagnosis, if a value, a shape or the gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> check_jsd_lower_bound(lambda t, t_m: -F.softplus(-t).mean() - F.softplus(t_m).mean())
        ... # doctest: +ELLIPSIS
        check_jsd_lower_bound: correct on 8 cases ...
    """
    mistakes: Mistakes = [
        (
            "the sign is flipped: return the bound (at most 0), not the loss a critic minimises",
            lambda t, t_m: -jsd_lower_bound(t, t_m).estimate,
        ),
        (
            "the softplus is missing: log sigma(T) = -softplus(-T) and log(1 - sigma(T)) = "
            "-softplus(T), not T and -T",
            lambda t, t_m: t.mean() - t_m.mean(),
        ),
        (
            "the sides are swapped: positives are labelled 1, log sigma(T_joint); negatives 0, "
            "log(1 - sigma(T_marginal))",
            lambda t, t_m: -F.softplus(t).mean() - F.softplus(-t_m).mean(),
        ),
        (
            "both terms use log sigma(T); the negatives' term is log(1 - sigma(T)) = -softplus(T)",
            lambda t, t_m: -F.softplus(-t).mean() - F.softplus(-t_m).mean(),
        ),
        (
            "both terms use log(1 - sigma(T)); the positives' term is log sigma(T) = -softplus(-T)",
            lambda t, t_m: -F.softplus(t).mean() - F.softplus(t_m).mean(),
        ),
        (
            "you averaged one binary cross-entropy over all N + M logits: Eq. (5) is the SUM of "
            "two means (one over positives, one over negatives); the single mean halves the bound "
            "when N = M, and with lambda_MI = 3 you would train with 1.5",
            _bce_mean_over_all,
        ),
        (
            "you added 2 log 2 (Deep InfoMax's 'JSD' measure); SEGAN's Eq. (5) has no constant: a "
            "constant critic gives -2 log 2, the 'random guess' at the start of training",
            lambda t, t_m: jsd_lower_bound(t, t_m).estimate + LOG4,
        ),
        (
            "you summed over the pairs: Eq. (5) takes a mean over positives and one over negatives",
            lambda t, t_m: -F.softplus(-t).sum() - F.softplus(t_m).sum(),
        ),
        (
            "log(sigmoid(T)) underflows to log(0) = -inf once |T| is large (here T = -800); use "
            "the stable form -softplus(-T) (or F.logsigmoid(T)), and -softplus(T) for "
            "log(1 - sigma(T))",
            lambda t, t_m: (
                torch.log(torch.sigmoid(t)).mean() + torch.log(1 - torch.sigmoid(t_m)).mean()
            ),
        ),
        (
            "the logs are missing: Eq. (5) averages log-probabilities log sigma(T), not the "
            "probabilities sigma(T)",
            lambda t, t_m: torch.sigmoid(t).mean() + (1 - torch.sigmoid(t_m)).mean(),
        ),
    ]
    check_cases(
        fn,
        "check_jsd_lower_bound",
        _jsd_cases(),
        lambda t, t_m: jsd_lower_bound(t, t_m).estimate,
        mistakes,
        "I_JSD = mean over positives of -softplus(-T) + mean over negatives of -softplus(T)",
    )


# Eq. (5) at the optimal critic of a discrete joint table. -------------------------


def _product_of_marginals(joint: Tensor) -> Tensor:
    return joint.sum(1, keepdim=True) * joint.sum(0, keepdim=True)  # (K, M)


def _jsd(joint: Tensor) -> Tensor:
    """JSD(P || Q) from its definition, P the joint table and Q the product of its marginals."""
    q = _product_of_marginals(joint)
    m = 0.5 * (joint + q)  # (K, M), > 0 wherever q > 0
    return 0.5 * torch.xlogy(joint, joint / m).sum() + 0.5 * torch.xlogy(q, q / m).sum()


def _bound_with_q(joint: Tensor, q: Tensor) -> Tensor:
    """E_P[log p / (p + q)] + E_Q[log q / (p + q)]: Eq. (5) at T = log p / q."""
    return torch.xlogy(joint, joint / (joint + q)).sum() + torch.xlogy(q, q / (joint + q)).sum()


def _optimum_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(4)

    def table(t: Tensor) -> tuple[Tensor]:
        return (t / t.sum(),)

    z_given = torch.full((8, 8), 0.1 / 7, dtype=torch.float64).fill_diagonal_(0.9)
    sparse = torch.rand(5, 3, generator=gen, dtype=torch.float64)
    sparse[sparse < 0.4] = 0.0
    sparse[torch.arange(3), torch.arange(3)] += 0.5  # every row and column keeps some mass
    sparse[3:, 0] += 0.3
    marginal_z = torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64)
    marginal_x = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    return [
        ("independent: p(z) p(x), 3 x 4", table(marginal_z[:, None] * marginal_x[None, :])),
        ("x = z, 2 equally likely values", table(torch.eye(2, dtype=torch.float64))),
        ("x = z, 8 equally likely values", table(torch.eye(8, dtype=torch.float64))),
        ("8 styles, read back right 90% of the time", table(z_given)),
        ("random 4 x 6", table(torch.rand(4, 6, generator=gen, dtype=torch.float64) ** 3)),
        ("random 5 x 3 with zeros", table(sparse)),
    ]


def check_jsd_bound_at_optimum(fn: Callable[[Tensor], object]) -> None:
    """Check a student's ``fn(joint) -> 0-d tensor``: Eq. (5) at its optimal critic, exactly.

    ``joint`` is a (K, M) float64 table ``p(z, x)`` summing to 1, every row and column with some
    mass. ``fn`` evaluates Eq. (5), ``E_P[log sigma(T)] + E_Q[log(1 - sigma(T))]`` with
    ``Q = p(z) p(x)``, at the optimal critic ``T = PMI = log p(z, x) / (p(z) p(x))``, as a sum
    over the cells (no sampling). The reference is ``2 JSD(P || Q) - 2 log 2``, computed from the
    definition of the JSD: the checker verifies the identity on every table it tries.

    Raises:
        AssertionError: with a diagnosis, if a value disagrees or is NaN.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> def bound(p):
        ...     q = p.sum(1, keepdim=True) * p.sum(0, keepdim=True)
        ...     return torch.xlogy(p, p / (p + q)).sum() + torch.xlogy(q, q / (p + q)).sum()
        >>> check_jsd_bound_at_optimum(bound)  # doctest: +ELLIPSIS
        check_jsd_bound_at_optimum: correct on 6 cases ...
    """
    if not callable(fn):
        raise TypeError(f"check_jsd_bound_at_optimum expects a function, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    cases = _optimum_cases()
    for case, args in cases:
        value = call(fn, fn_name, case, args)
        if value.dim() != 0:
            raise AssertionError(
                f"{fn_name} returned shape {tuple(value.shape)} on {case}, expected (): an "
                "expectation over a table is a sum over its cells, weighted by p or q"
            )
        if bool(torch.isnan(value)):
            raise AssertionError(
                f"{fn_name} returned NaN on {case}: a cell with p(z, x) = 0 gives 0 * log 0 = "
                "0 * (-inf). Such cells add nothing to E_P (the limit of p log p is 0): mask "
                "them, or use torch.xlogy(p, ...), which is 0 where p = 0"
            )
    mistakes: Mistakes = [
        (
            "you returned JSD(P || Q) itself; Eq. (5) at its best is 2 JSD - 2 log 2",
            _jsd,
        ),
        (
            "you returned 2 JSD (Deep InfoMax's form); SEGAN's Eq. (5) at its best is "
            "2 JSD - 2 log 2, in [-2 log 2, 0]",
            lambda p: 2 * _jsd(p),
        ),
        (
            "you returned the mutual information I = E_P[PMI] = KL(P || Q); the exercise asks "
            "for the JSD bound at the optimal critic",
            lambda p: torch.xlogy(p, p / _product_of_marginals(p)).sum(),
        ),
        (
            "the critic is the ratio r = p / q; the optimal critic is its log, the PMI",
            lambda p: (
                (p * F.logsigmoid(p / _product_of_marginals(p))).sum()
                + (_product_of_marginals(p) * F.logsigmoid(-p / _product_of_marginals(p))).sum()
            ),
        ),
        (
            "the critic's sign is flipped: the optimum is T = log p / q (matched pairs score "
            "high), not log q / p",
            lambda p: (
                torch.xlogy(p, _product_of_marginals(p) / (p + _product_of_marginals(p))).sum()
                + torch.xlogy(_product_of_marginals(p), p / (p + _product_of_marginals(p))).sum()
            ),
        ),
        (
            "both expectations are under P; the second, log(1 - sigma(T)), is under "
            "Q = p(z) p(x), the distribution of the negatives",
            lambda p: (
                torch.xlogy(p, p / (p + _product_of_marginals(p))).sum()
                + torch.xlogy(p, _product_of_marginals(p) / (p + _product_of_marginals(p))).sum()
            ),
        ),
        (
            "Q is the product of the marginals p(z) p(x) (rows and columns summed), not a "
            "uniform table",
            lambda p: _bound_with_q(p, torch.full_like(p, 1 / p.numel())),
        ),
    ]
    check_cases(
        fn,
        "check_jsd_bound_at_optimum",
        cases,
        lambda p: 2 * _jsd(p) - LOG4,
        mistakes,
        "sup_T I_JSD = sum over cells of p log(p / (p + q)) + q log(q / (p + q)), q = p(z) p(x)",
        gradients=False,
    )
