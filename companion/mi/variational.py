"""Variational posteriors for the Barber-Agakov bound: categorical, Gaussian and Laplace.

The Barber-Agakov (BA) bound (Barber & Agakov 2003; InfoGAN, Chen et al. 2016, arXiv:1606.03657,
Lemma 5.1; seed paper 000, App. A, Eq. (9)) holds for any conditional density ``q(c | x)``::

    I(C; X) = H(C) - H(C | X)
            = H(C) + E_p(c, x)[log q(c | x)] + E_p(x)[KL(p(c | x) || q(c | x))]
           >= H(C) + E_p(c, x)[log q(c | x)].

The gap is the expected KL divergence from the true posterior, so the bound is tight exactly when
``q`` is the true posterior. This module holds the families of ``q`` that the book uses, each as a
log-likelihood in nats, one value per sample (summed over code dimensions):

- :func:`categorical_log_likelihood`: a discrete code (InfoGAN's 10-way digit code);
- :func:`gaussian_log_likelihood`: a continuous code with a learned, floored variance (InfoGAN's
  "factored Gaussian"; MISO's MILO, seed paper 001, Eq. (5)). With the variance fixed, minus it is
  ``||c - mu||^2 / (2 sigma^2)`` plus a constant: **an L2 latent loss is the Gaussian case**;
- :func:`laplace_log_likelihood`: with a fixed scale ``b``, minus it is ``|c - mu| / b + log 2b``
  per dimension: **an L1 latent loss (BicycleGAN's cLR-GAN, Eq. (8) of seed paper 000) is the
  Laplace case**, with the same gradient up to the factor ``1 / b``.

:func:`companion.mi.bounds.ba_lower_bound` adds the prior's entropy to the mean log-likelihood;
the ``*_ba_lower_bound`` functions below do both steps for one family. The discrete helpers
(:func:`discrete_mi`, :func:`discrete_ba_lower_bound`, :func:`ba_gap`) work on a joint table, where
every quantity is exact, for Chapter 4's first notebook and the tests.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from companion.mi.bounds import Bound, ba_lower_bound

__all__ = [
    "ba_gap",
    "categorical_ba_lower_bound",
    "categorical_log_likelihood",
    "discrete_ba_lower_bound",
    "discrete_mi",
    "gaussian_ba_lower_bound",
    "gaussian_log_likelihood",
    "laplace_ba_lower_bound",
    "laplace_log_likelihood",
    "uniform_entropy",
]

LOG_2PI = math.log(2.0 * math.pi)


def _check_pair(c: Tensor, mu: Tensor, what: str) -> None:
    if not isinstance(c, Tensor) or not isinstance(mu, Tensor):
        raise TypeError(
            f"{what}: codes and means must be tensors, got {type(c).__name__}, {type(mu).__name__}"
        )
    if c.shape != mu.shape or c.dim() != 2:
        raise ValueError(
            f"{what}: expected codes and means of the same shape (N, D), got {tuple(c.shape)} "
            f"and {tuple(mu.shape)}; add a code dimension with c[:, None] for a scalar code"
        )


def categorical_log_likelihood(logits: Tensor, c: Tensor) -> Tensor:
    """``log q(c | x)`` for a categorical posterior given by logits.

    Args:
        logits: (N, K) float, unnormalised log-probabilities of the K categories.
        c: (N,) int64 in [0, K), the categories that were drawn.

    Returns:
        (N,) float, log-probabilities in nats (at most 0).

    Raises:
        ValueError: if the shapes disagree or a category is outside [0, K).

    Example:
        >>> ll = categorical_log_likelihood(torch.zeros(2, 10), torch.tensor([3, 7]))
        >>> [round(v, 4) for v in ll.tolist()]  # uniform q: log(1/10)
        [-2.3026, -2.3026]
    """
    if logits.dim() != 2 or c.shape != logits.shape[:1]:
        raise ValueError(
            f"expected logits (N, K) and categories (N,), got {tuple(logits.shape)} and "
            f"{tuple(c.shape)}"
        )
    k = logits.shape[1]
    if c.numel() and (int(c.min()) < 0 or int(c.max()) >= k):
        raise ValueError(
            f"categories must lie in [0, {k}), got min {int(c.min())} max {int(c.max())}"
        )
    return F.log_softmax(logits, dim=1).gather(1, c.long()[:, None]).squeeze(1)  # (N,)


def gaussian_log_likelihood(
    c: Tensor, mu: Tensor, log_var: Tensor | float = 0.0, *, min_std: float = 1e-2
) -> Tensor:
    """``log q(c | x)`` for a diagonal Gaussian ``N(mu, sigma^2)``, summed over dimensions.

    ``log q = -sum_d [ (c_d - mu_d)^2 / (2 sigma_d^2) + log sigma_d + log(2 pi) / 2 ]``.
    The variance is floored at ``min_std ** 2`` (``log_var`` is clamped, so below the floor the
    gradient stops): a continuous code read back exactly would otherwise let ``sigma -> 0`` and the
    log-likelihood, hence the bound, grow without limit (the true MI of a continuous code and a
    deterministic function of it is infinite).

    Args:
        c: (N, D) float, the codes that were drawn.
        mu: (N, D) float, the posterior means (e.g. a Q head's output).
        log_var: (N, D) float log-variances (learned), or a number (fixed variance; 0 = unit).
        min_std: floor on sigma, > 0.

    Returns:
        (N,) float, log-densities in nats.

    Raises:
        ValueError: for mismatched shapes or a non-positive ``min_std``.

    Example:
        >>> c = torch.zeros(1, 2)
        >>> round(gaussian_log_likelihood(c, c).item(), 4)  # -log(2 pi)
        -1.8379
    """
    _check_pair(c, mu, "gaussian_log_likelihood")
    if not min_std > 0:
        raise ValueError(f"min_std must be > 0, got {min_std!r}; try 1e-2")
    log_var = torch.as_tensor(log_var, dtype=mu.dtype, device=mu.device)
    log_var = log_var.clamp(min=2.0 * math.log(min_std)).expand_as(mu)  # (N, D)
    nll = 0.5 * ((c - mu).square() * torch.exp(-log_var) + log_var + LOG_2PI)  # (N, D)
    return -nll.sum(dim=1)


def laplace_log_likelihood(
    c: Tensor, mu: Tensor, log_scale: Tensor | float = 0.0, *, min_scale: float = 1e-2
) -> Tensor:
    """``log q(c | x)`` for a factored Laplace ``L(mu, b)``, summed over dimensions.

    ``log q = -sum_d [ |c_d - mu_d| / b_d + log(2 b_d) ]``. With a fixed scale ``b`` its gradient
    in ``mu`` is ``sign(c - mu) / b``: minus the gradient of the L1 latent loss ``|mu - c|`` scaled
    by ``1 / b``. So minimizing ``||E(G(a, z)) - z||_1`` maximizes the BA bound with a Laplace
    posterior centred at the encoder's output (seed paper 000, App. A).

    Args:
        c: (N, D) float, the codes that were drawn.
        mu: (N, D) float, the posterior locations (e.g. an encoder's output).
        log_scale: (N, D) float ``log b`` (learned), or a number (fixed; 0 = unit scale).
        min_scale: floor on ``b``, > 0 (same reason as the Gaussian's floor).

    Returns:
        (N,) float, log-densities in nats.

    Raises:
        ValueError: for mismatched shapes or a non-positive ``min_scale``.

    Example:
        >>> c = torch.zeros(1, 1)
        >>> round(laplace_log_likelihood(c, c).item(), 4)  # -log 2
        -0.6931
    """
    _check_pair(c, mu, "laplace_log_likelihood")
    if not min_scale > 0:
        raise ValueError(f"min_scale must be > 0, got {min_scale!r}; try 1e-2")
    log_b = torch.as_tensor(log_scale, dtype=mu.dtype, device=mu.device)
    log_b = log_b.clamp(min=math.log(min_scale)).expand_as(mu)  # (N, D)
    nll = (c - mu).abs() * torch.exp(-log_b) + log_b + math.log(2.0)  # (N, D)
    return -nll.sum(dim=1)


def uniform_entropy(low: float = -1.0, high: float = 1.0, dim: int = 1) -> float:
    """Differential entropy of the uniform distribution on ``[low, high]^dim``, in nats.

    InfoGAN's continuous codes are ``U(-1, 1)``: ``log 2`` nats each.

    Raises:
        ValueError: if ``high <= low`` or ``dim < 1``.

    Example:
        >>> round(uniform_entropy(-1, 1, 2), 4)
        1.3863
    """
    if not high > low or dim < 1:
        raise ValueError(f"need high > low and dim >= 1, got low={low}, high={high}, dim={dim}")
    return dim * math.log(high - low)


def categorical_ba_lower_bound(
    logits: Tensor, c: Tensor, entropy_c: float | Tensor | None = None
) -> Bound:
    """BA bound on ``I(C; X)`` with a categorical posterior: ``H(C) + E[log q(c | x)]``.

    Args:
        logits: (N, K) float, the posterior's logits on each sample's ``x``.
        c: (N,) int64 in [0, K), the codes that made each ``x``.
        entropy_c: H(C) in nats; default ``log K`` (a uniform prior, as in InfoGAN).

    Returns:
        :class:`~companion.mi.bounds.Bound` in nats, at most ``log K`` for a uniform prior.

    Example:
        >>> c = torch.arange(10)
        >>> b = categorical_ba_lower_bound(20 * F.one_hot(c).float(), c)
        >>> round(b.estimate.item(), 3)  # a confident, correct Q reaches log 10 = 2.303
        2.303
    """
    if entropy_c is None:
        entropy_c = math.log(logits.shape[-1])
    return ba_lower_bound(categorical_log_likelihood(logits, c), entropy_c)


def gaussian_ba_lower_bound(
    c: Tensor,
    mu: Tensor,
    log_var: Tensor | float,
    entropy_c: float | Tensor,
    *,
    min_std: float = 1e-2,
) -> Bound:
    """BA bound on ``I(C; X)`` with a diagonal Gaussian posterior (see
    :func:`gaussian_log_likelihood`).

    Args:
        c, mu, log_var, min_std: as in :func:`gaussian_log_likelihood`.
        entropy_c: H(C) in nats, e.g. :func:`uniform_entropy` for ``U(-1, 1)`` codes.

    Returns:
        :class:`~companion.mi.bounds.Bound` in nats.

    Example:
        >>> c = torch.zeros(4, 1)
        >>> b = gaussian_ba_lower_bound(c, c, 0.0, 1.4189)  # N(0, 1) prior, unit-variance q
        >>> round(b.estimate.item(), 3)  # 0.5 log(2 pi e) - 0.5 log(2 pi) = 0.5
        0.5
    """
    return ba_lower_bound(gaussian_log_likelihood(c, mu, log_var, min_std=min_std), entropy_c)


def laplace_ba_lower_bound(
    c: Tensor,
    mu: Tensor,
    log_scale: Tensor | float,
    entropy_c: float | Tensor,
    *,
    min_scale: float = 1e-2,
) -> Bound:
    """BA bound on ``I(C; X)`` with a factored Laplace posterior (see
    :func:`laplace_log_likelihood`); with a fixed scale, the L1 latent loss's bound.

    Example:
        >>> c = torch.zeros(4, 1)
        >>> round(laplace_ba_lower_bound(c, c, 0.0, math.log(2)).estimate.item(), 3)
        0.0
    """
    return ba_lower_bound(laplace_log_likelihood(c, mu, log_scale, min_scale=min_scale), entropy_c)


def _check_joint(joint: Tensor) -> Tensor:
    joint = torch.as_tensor(joint, dtype=torch.float64)
    if joint.dim() != 2 or (joint < 0).any() or abs(float(joint.sum()) - 1.0) > 1e-6:
        raise ValueError(
            f"expected a joint probability table p(c, x) of shape (K, M), non-negative and "
            f"summing to 1, got shape {tuple(joint.shape)} and sum {float(joint.sum()):.6f}; "
            f"normalise with joint / joint.sum()"
        )
    return joint


def _xlogy(x: Tensor, y: Tensor) -> Tensor:
    return torch.where(x > 0, x * torch.log(y.clamp_min(1e-300)), torch.zeros_like(x))


def discrete_mi(joint: Tensor) -> float:
    """Exact ``I(C; X)`` in nats of a discrete joint table ``p(c, x)``.

    Args:
        joint: (K, M) probabilities, non-negative, summing to 1 (rows: c, columns: x).

    Returns:
        The mutual information in nats, in [0, min(log K, log M)].

    Raises:
        ValueError: for a table that is not a distribution.

    Example:
        >>> round(discrete_mi(torch.eye(4) / 4), 4)  # c = x, uniform: log 4
        1.3863
    """
    joint = _check_joint(joint)
    p_c, p_x = joint.sum(1, keepdim=True), joint.sum(0, keepdim=True)  # (K, 1), (1, M)
    return float(_xlogy(joint, joint / (p_c * p_x).clamp_min(1e-300)).sum())


def discrete_ba_lower_bound(joint: Tensor, q_c_given_x: Tensor) -> float:
    """Exact BA bound ``H(C) + sum_{c,x} p(c, x) log q(c | x)`` of a discrete joint, in nats.

    Args:
        joint: (K, M) joint table ``p(c, x)``.
        q_c_given_x: (K, M) variational posterior; column ``x`` is ``q(. | x)`` (sums to 1).

    Returns:
        The bound in nats; at most :func:`discrete_mi`, equal when ``q`` is the true posterior.

    Raises:
        ValueError: for tables of different shapes or a ``q`` whose columns do not sum to 1.

    Example:
        >>> joint = torch.eye(2) / 2
        >>> discrete_ba_lower_bound(joint, torch.full((2, 2), 0.5))  # a blind q: bound 0
        0.0
    """
    joint = _check_joint(joint)
    q = torch.as_tensor(q_c_given_x, dtype=torch.float64)
    if q.shape != joint.shape:
        raise ValueError(
            f"q must have the joint's shape {tuple(joint.shape)}, got {tuple(q.shape)}"
        )
    if (q < 0).any() or not torch.allclose(q.sum(0), torch.ones(q.shape[1], dtype=q.dtype)):
        raise ValueError(
            "each column q[:, x] must be a distribution over c (non-negative, "
            "summing to 1); normalise with q / q.sum(0)"
        )
    p_c = joint.sum(1)  # (K,)
    entropy_c = -float(_xlogy(p_c, p_c).sum())
    return entropy_c + float(_xlogy(joint, q).sum())


def ba_gap(joint: Tensor, q_c_given_x: Tensor) -> float:
    """The BA bound's gap ``E_p(x) KL(p(c | x) || q(c | x))`` in nats (non-negative).

    :func:`discrete_mi` minus :func:`discrete_ba_lower_bound` equals this, which is the identity
    the chapter derives.

    Example:
        >>> joint = torch.eye(2) / 2
        >>> round(ba_gap(joint, torch.full((2, 2), 0.5)), 4)  # log 2
        0.6931
    """
    joint = _check_joint(joint)
    q = torch.as_tensor(q_c_given_x, dtype=torch.float64)
    p_x = joint.sum(0, keepdim=True)  # (1, M)
    posterior = joint / p_x.clamp_min(1e-300)  # (K, M), p(c | x)
    return float(_xlogy(joint, posterior / q.clamp_min(1e-300)).sum())
