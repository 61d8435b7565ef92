"""Checkers for the book's exercises: a student's function against the package's reference.

Each ``check_<name>(fn)`` calls ``fn`` on a set of known inputs, compares it with the reference
implementation in ``companion``, prints a short confirmation when everything agrees, and raises
``AssertionError`` with a diagnosis when it does not. For frequent mistakes (a missing constant,
the wrong axis, the wrong bound) the message names the mistake instead of only printing numbers.

Example:
    >>> from companion.mi import infonce_lower_bound
    >>> check_infonce_lower_bound(lambda s: infonce_lower_bound(s).estimate)  # doctest: +ELLIPSIS
    check_infonce_lower_bound: correct on 8 score matrices ...
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from companion.losses import kl_to_standard_normal, mode_seeking_ratio
from companion.mi.bounds import infonce_lower_bound, nwj_lower_bound
from companion.mi.critics import gaussian_optimal_critic
from companion.mi.gaussian import rho_from_mi, sample_correlated_gaussian

__all__ = [
    "check_infonce_lower_bound",
    "check_kl_to_standard_normal",
    "check_mode_seeking_ratio",
    "check_nwj_lower_bound",
    "check_reparameterize",
]

_ATOL = 1e-5
_RTOL = 1e-5

ScoreFn = Callable[[Tensor], object]


def _score_cases() -> list[tuple[str, Tensor]]:
    """Known score matrices (float64): special values, random and a Gaussian optimal critic."""
    gen = torch.Generator().manual_seed(0)
    rho = rho_from_mi(2.0, 5)
    x, y = sample_correlated_gaussian(12, 5, rho, gen, dtype=torch.float64)
    return [
        ("zeros (4, 4)", torch.zeros(4, 4, dtype=torch.float64)),
        ("constant 2 (5, 5)", torch.full((5, 5), 2.0, dtype=torch.float64)),
        ("10 * identity (6, 6)", 10.0 * torch.eye(6, dtype=torch.float64)),
        ("random (3, 3)", torch.randn(3, 3, generator=gen, dtype=torch.float64)),
        ("random (8, 8)", torch.randn(8, 8, generator=gen, dtype=torch.float64)),
        ("3 * random (16, 16)", 3.0 * torch.randn(16, 16, generator=gen, dtype=torch.float64)),
        ("upper triangular ones (5, 5)", torch.ones(5, 5, dtype=torch.float64).triu()),
        ("Gaussian optimal critic (12, 12)", gaussian_optimal_critic(x, y, rho)),
    ]


def _to_float(value: object, fn_name: str, case: str) -> float:
    estimate = getattr(value, "estimate", value)  # accept a Bound as well as a number
    if isinstance(estimate, Tensor):
        if estimate.numel() != 1:
            raise AssertionError(
                f"{fn_name} returned a tensor of shape {tuple(estimate.shape)} on {case}; "
                "it must return one number (a 0-d tensor): did you forget a .mean()?"
            )
        return float(estimate.detach())
    if isinstance(estimate, (int, float)):
        return float(estimate)
    raise AssertionError(
        f"{fn_name} returned {type(value).__name__} on {case}; return a 0-d torch.Tensor"
    )


def _off(scores: Tensor) -> Tensor:
    return scores[~torch.eye(scores.shape[0], dtype=torch.bool)]


def _log_mean_exp_off(s: Tensor) -> Tensor:
    return torch.logsumexp(_off(s), 0) - math.log(_off(s).numel())


def _nwj_mistakes() -> list[tuple[str, Callable[[Tensor], Tensor]]]:
    """Frequent wrong answers for NWJ, each with the diagnosis shown to the student."""
    return [
        (
            "you computed the Donsker-Varadhan bound (log of the mean of exp(T)); NWJ has no "
            "log: subtract the mean of exp(T - 1) itself",
            lambda s: s.diagonal().mean() - _log_mean_exp_off(s),
        ),
        (
            "the marginal term uses exp(T) instead of exp(T - 1): NWJ is "
            "E_joint[T] - E_marginal[exp(T - 1)]",
            lambda s: s.diagonal().mean() - _off(s).exp().mean(),
        ),
        (
            "the marginal term averages over all N^2 entries; the diagonal holds joint pairs, "
            "so average exp(T - 1) over the N(N - 1) off-diagonal entries only",
            lambda s: s.diagonal().mean() - (s - 1).exp().mean(),
        ),
        (
            "the sign is flipped: return the bound E_joint[T] - E_marginal[exp(T - 1)], "
            "not the loss",
            lambda s: -nwj_lower_bound(s).estimate,
        ),
        (
            "the joint term averages all entries; use the diagonal (joint pairs) only",
            lambda s: s.mean() - _off(s - 1).exp().mean(),
        ),
    ]


def _infonce_mistakes() -> list[tuple[str, Callable[[Tensor], Tensor]]]:
    """Frequent wrong answers for InfoNCE, each with the diagnosis shown to the student."""

    def log_softmax_diagonal(s: Tensor, dim: int = 1) -> Tensor:
        return s.diagonal() - torch.logsumexp(s, dim=dim)  # (N,)

    def without_positive(s: Tensor) -> Tensor:
        masked = s.masked_fill(torch.eye(s.shape[0], dtype=torch.bool), float("-inf"))
        return math.log(s.shape[0]) + (s.diagonal() - torch.logsumexp(masked, 1)).mean()

    return [
        (
            "the + log K term is missing: InfoNCE = log K + mean_i [S_ii - logsumexp_j S_ij] "
            "(K = N, the batch size)",
            lambda s: log_softmax_diagonal(s).mean(),
        ),
        (
            "you normalised over columns (dim=0): that is also a valid bound (x's as "
            "negatives), but this exercise asks for rows: for each x_i, a softmax over y_j "
            "(dim=1)",
            lambda s: math.log(s.shape[0]) + log_softmax_diagonal(s, dim=0).mean(),
        ),
        (
            "the denominator must include the positive pair itself: logsumexp over all j, "
            "j = i included",
            without_positive,
        ),
        (
            "the sign is flipped: return the bound, not the loss",
            lambda s: -infonce_lower_bound(s).estimate,
        ),
        (
            "you summed over i instead of averaging: use .mean() over the N rows",
            lambda s: math.log(s.shape[0]) + log_softmax_diagonal(s).sum(),
        ),
        (
            "log K uses the number of negatives K - 1; the bound's K counts the positive "
            "too, so use log N",
            lambda s: math.log(s.shape[0] - 1) + log_softmax_diagonal(s).mean(),
        ),
    ]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _ATOL + _RTOL * abs(b)


def _check(
    fn: ScoreFn,
    name: str,
    reference: Callable[[Tensor], Tensor],
    mistakes: list[tuple[str, Callable[[Tensor], Tensor]]],
    formula: str,
) -> None:
    if not callable(fn):
        raise TypeError(f"{name} expects a function of a score matrix, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    cases = _score_cases()
    got, want, errors = [], [], []
    for case, scores in cases:
        original = scores.clone()
        try:
            value = fn(scores)
        except NotImplementedError:
            raise
        except Exception as err:  # the student's bug: report it with the input that caused it
            raise AssertionError(
                f"{fn_name} raised {type(err).__name__}: {err} on the {case} score matrix"
            ) from err
        if not torch.equal(scores, original):
            raise AssertionError(
                f"{fn_name} modified its input in place on {case}; work on a copy "
                "(avoid in-place ops such as fill_diagonal_ on the scores)"
            )
        got.append(_to_float(value, fn_name, case))
        want.append(float(reference(scores)))
        errors.append(abs(got[-1] - want[-1]))
    wrong = [i for i, (g, w) in enumerate(zip(got, want)) if not _close(g, w)]
    if wrong:
        for diagnosis, mistake in mistakes:
            if all(_close(g, float(mistake(s))) for g, (_, s) in zip(got, cases)):
                raise AssertionError(f"{fn_name} is not the expected bound: {diagnosis}.")
        i = wrong[0]
        raise AssertionError(
            f"{fn_name} disagrees with the reference on {len(wrong)} of {len(cases)} score "
            f"matrices; first: {cases[i][0]}: got {got[i]:.6f}, expected {want[i]:.6f}. "
            f"Recall: {formula}"
        )
    _check_gradient(fn, fn_name, reference, cases[-1][1])
    print(
        f"{name}: correct on {len(cases)} score matrices (max error {max(errors):.1e}), "
        "and differentiable"
    )


def _check_gradient(
    fn: ScoreFn, fn_name: str, reference: Callable[[Tensor], Tensor], scores: Tensor
) -> None:
    mine = scores.clone().requires_grad_(True)
    value = fn(mine)
    value = getattr(value, "estimate", value)
    if not isinstance(value, Tensor) or value.grad_fn is None:
        raise AssertionError(
            f"{fn_name} returns a value without a gradient: a critic could not be trained "
            "with it. Keep everything in torch (no .item(), numpy or torch.no_grad())"
        )
    (grad,) = torch.autograd.grad(value, mine)
    ref = scores.clone().requires_grad_(True)
    (grad_ref,) = torch.autograd.grad(reference(ref), ref)
    if not torch.allclose(grad, grad_ref, atol=1e-6, rtol=1e-5):
        raise AssertionError(
            f"{fn_name} has the right value but the wrong gradient (largest difference "
            f"{(grad - grad_ref).abs().max():.2e}); did you detach part of it?"
        )


def check_nwj_lower_bound(fn: ScoreFn) -> None:
    """Check a student's NWJ bound ``fn(scores) -> 0-d tensor`` against the reference.

    The convention is that of :func:`companion.mi.nwj_lower_bound`: ``scores`` is (N, N) with
    joint pairs on the diagonal, and the bound is ``mean_i S_ii - mean_{i != j} exp(S_ij - 1)``
    in nats.

    Args:
        fn: the student's function; it may return a 0-d tensor, a float or a ``Bound``.

    Raises:
        AssertionError: with a diagnosis, if a value or the gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> from companion.mi import nwj_lower_bound
        >>> check_nwj_lower_bound(nwj_lower_bound)  # doctest: +ELLIPSIS
        check_nwj_lower_bound: correct on 8 score matrices ...
    """
    _check(
        fn,
        "check_nwj_lower_bound",
        lambda s: nwj_lower_bound(s).estimate,
        _nwj_mistakes(),
        "NWJ = mean of the diagonal - mean over i != j of exp(S_ij - 1)",
    )


def check_infonce_lower_bound(fn: ScoreFn) -> None:
    """Check a student's InfoNCE bound ``fn(scores) -> 0-d tensor`` against the reference.

    The convention is that of :func:`companion.mi.infonce_lower_bound`: ``scores`` is (N, N)
    with ``S_ij = T(x_i, y_j)``; the bound is ``log N + mean_i [S_ii - logsumexp_j S_ij]``
    in nats (a softmax over each row).

    Args:
        fn: the student's function; it may return a 0-d tensor, a float or a ``Bound``.

    Raises:
        AssertionError: with a diagnosis, if a value or the gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> from companion.mi import infonce_lower_bound
        >>> check_infonce_lower_bound(infonce_lower_bound)  # doctest: +ELLIPSIS
        check_infonce_lower_bound: correct on 8 score matrices ...
    """
    _check(
        fn,
        "check_infonce_lower_bound",
        lambda s: infonce_lower_bound(s).estimate,
        _infonce_mistakes(),
        "InfoNCE = log N + mean over rows i of (S_ii - logsumexp_j S_ij)",
    )


# Chapter 2: the terms of BicycleGAN and MSGAN. Each case is (description, tuple of arguments).
Case = tuple[str, tuple[Tensor, ...]]
Mistakes = list[tuple[str, Callable[..., Tensor]]]


def _same(got: Tensor, want: Tensor) -> bool:
    """Equal values (infinities included) within the module's tolerances."""
    finite = torch.isfinite(want)
    if not torch.equal(torch.isfinite(got), finite) or not torch.equal(got[~finite], want[~finite]):
        return False
    return bool(torch.allclose(got[finite], want[finite], atol=_ATOL, rtol=_RTOL))


def _call(fn: Callable[..., object], fn_name: str, case: str, args: tuple[Tensor, ...]) -> Tensor:
    """``fn(*args)`` as a detached float64 tensor; the student's errors become AssertionErrors."""
    originals = [a.clone() for a in args]
    try:
        value = fn(*args)
    except NotImplementedError:
        raise
    except Exception as err:  # the student's bug: report it with the input that caused it
        raise AssertionError(f"{fn_name} raised {type(err).__name__}: {err} on {case}") from err
    if any(not torch.equal(a, o) for a, o in zip(args, originals)):
        raise AssertionError(f"{fn_name} modified its input in place on {case}; work on a copy")
    if isinstance(value, (int, float)):
        value = torch.tensor(float(value))
    if not isinstance(value, Tensor):
        raise AssertionError(
            f"{fn_name} returned {type(value).__name__} on {case}; return a tensor"
        )
    return value.detach().double()


def _check_cases(
    fn: Callable[..., object],
    name: str,
    cases: list[Case],
    reference: Callable[..., Tensor],
    mistakes: Mistakes,
    formula: str,
) -> None:
    """Compare ``fn`` with ``reference`` on every case (values, shapes, then gradients)."""
    if not callable(fn):
        raise TypeError(f"{name} expects a function, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    got = [_call(fn, fn_name, case, args) for case, args in cases]
    if not torch.equal(_call(fn, fn_name, *cases[-1]), got[-1]):
        raise AssertionError(
            f"{fn_name} gives different results on the same input: it draws its own random "
            "numbers; use only its arguments (the noise is passed in)"
        )
    want = [reference(*args).detach().double() for _, args in cases]
    for (case, _), g, w in zip(cases, got, want):
        if g.shape != w.shape:
            hint = " (did you forget a .mean()?)" if w.dim() == 0 else ""
            raise AssertionError(
                f"{fn_name} returned shape {tuple(g.shape)} on {case}, expected "
                f"{tuple(w.shape)}{hint}"
            )
    wrong = [i for i, (g, w) in enumerate(zip(got, want)) if not _same(g, w)]
    if wrong:
        for diagnosis, mistake in mistakes:
            with torch.no_grad():
                guesses = [mistake(*args).double() for _, args in cases]
            if all(g.shape == m.shape and _same(g, m) for g, m in zip(got, guesses)):
                raise AssertionError(f"{fn_name} is not the expected function: {diagnosis}.")
        i = wrong[0]
        raise AssertionError(
            f"{fn_name} disagrees with the reference on {len(wrong)} of {len(cases)} cases; "
            f"first: {cases[i][0]}: got {got[i].flatten()[:4].tolist()}, expected "
            f"{want[i].flatten()[:4].tolist()}. Recall: {formula}"
        )
    _check_gradients(fn, fn_name, reference, cases[-1][1])
    errors = [float((g - w)[torch.isfinite(w)].abs().max()) for g, w in zip(got, want)]
    print(
        f"{name}: correct on {len(cases)} cases (max error {max(errors):.1e}), and differentiable"
    )


def _check_gradients(
    fn: Callable[..., object], fn_name: str, reference: Callable[..., Tensor], args: tuple
) -> None:
    weight = torch.linspace(-1, 1, 7, dtype=torch.float64)

    def grads(f: Callable[..., object]) -> list[Tensor | None]:
        inputs = [a.clone().requires_grad_(True) for a in args]
        out = f(*inputs)
        if not isinstance(out, Tensor) or out.grad_fn is None:
            return [None] * len(inputs)
        flat = out.flatten()
        w = weight.repeat(flat.numel() // 7 + 1)[: flat.numel()].to(flat.dtype)  # (numel,)
        return list(torch.autograd.grad((flat * w).sum(), inputs, allow_unused=True))

    mine, ref = grads(fn), grads(reference)
    for i, (g, r) in enumerate(zip(mine, ref)):
        if r is not None and g is None:
            raise AssertionError(
                f"{fn_name} returns a value without a gradient in argument {i + 1}: no network "
                "could be trained through it. Keep everything in torch (no .item(), numpy, "
                "torch.no_grad() or a sampler such as torch.normal)"
            )
        if r is not None and not torch.allclose(g, r, atol=1e-6, rtol=1e-4):
            raise AssertionError(
                f"{fn_name} has the right value but the wrong gradient in argument {i + 1} "
                f"(largest difference {(g - r).abs().max():.2e}); did you detach part of it?"
            )


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
    _check_cases(
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
    _check_cases(
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
    _check_cases(
        fn,
        "check_mode_seeking_ratio",
        _ms_cases(),
        mode_seeking_ratio,
        mistakes,
        "loss = 1 / (mean|x_1 - x_2| / mean|z_1 - z_2| + 1e-5)",
    )
