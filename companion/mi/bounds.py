"""Variational bounds on mutual information, each a function of critic scores.

Every estimator here reads a **score matrix** ``scores`` of shape (N, N) with
``scores[i, j] = T(x_i, y_j)``: the diagonal holds the N joint pairs (samples of p(x, y)) and
the N(N - 1) off-diagonal entries stand in for the product of marginals p(x) p(y). This is the
layout of Poole et al. (2019), "On Variational Bounds of Mutual Information" (arXiv:1905.06922),
whose Sec. 2 derives every bound below from one inequality.

Every function returns the same type, a :class:`Bound`:

- ``estimate``: the bound's value in nats. For every function except :func:`jsd_lower_bound`
  it is a lower bound on I(X; Y) (in expectation over batches). :func:`jsd_lower_bound` is the
  f-GAN objective of SEGAN's Eq. (5): its value bounds ``2 JSD(p(x,y) || p(x)p(y)) - 2 log 2``,
  which lies in ``[-2 log 2, 0]`` and grows with the dependence but is **not** I;
  :func:`jsd_nwj_lower_bound` reads I in nats out of a critic trained with it.
- ``loss``: the scalar a critic minimizes. Its value is always ``-estimate``; where an
  estimator takes its gradient from a different objective (MINE's moving-average correction,
  SMILE and the JSD read-out take JSD gradients) the loss carries the gradient of that other
  objective (a straight-through ``detach`` trick), so logged losses stay comparable.
- ``state``: None, except for :func:`mine_lower_bound`, whose moving average of the partition
  is carried from one step to the next (or use the :class:`MINE` module, which stores it).

SEGAN (seed paper 000, Eq. (5)) uses one negative per positive instead of a full matrix, so
:func:`jsd_lower_bound` also accepts ``(scores_joint, scores_marginal)`` vectors; build them
with :func:`shuffle_pairs`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "MINE",
    "Bound",
    "ba_lower_bound",
    "dv_lower_bound",
    "infonce_lower_bound",
    "jsd_lower_bound",
    "jsd_nwj_lower_bound",
    "mine_lower_bound",
    "nwj_lower_bound",
    "pair_scores",
    "shuffle_pairs",
    "smile_lower_bound",
]

LOG4 = math.log(4.0)


class Bound(NamedTuple):
    """A bound's value, the loss a critic minimizes to tighten it, and any state to carry.

    Attributes:
        estimate: () float tensor in nats (differentiable where the bound is); a lower bound on
            I(X; Y) for every bound here except :func:`jsd_lower_bound` (see the module
            docstring).
        loss: () float tensor to minimize; its value is ``-estimate`` for every bound here.
        state: None, or for :func:`mine_lower_bound` the () detached log of the moving-average
            partition, to pass to the next step's call.
    """

    estimate: Tensor
    loss: Tensor
    state: Tensor | None = None


def _check_square(scores: Tensor, name: str = "scores") -> int:
    if not isinstance(scores, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(scores).__name__}")
    if scores.dim() != 2 or scores.shape[0] != scores.shape[1] or scores.shape[0] < 2:
        raise ValueError(
            f"{name} must be a square (N, N) score matrix with N >= 2 (diagonal = joint pairs), "
            f"got shape {tuple(scores.shape)}; build one with a critic's forward(x, y)"
        )
    return scores.shape[0]


def _diagonal_mask(scores: Tensor) -> Tensor:
    return torch.eye(scores.shape[0], dtype=torch.bool, device=scores.device)  # (N, N)


def _log_mean_exp_off_diagonal(scores: Tensor) -> Tensor:
    """log of the mean of exp(scores) over the N(N-1) off-diagonal (product-of-marginals) pairs."""
    n = scores.shape[0]
    masked = scores.masked_fill(_diagonal_mask(scores), float("-inf"))
    return torch.logsumexp(masked.flatten(), dim=0) - math.log(n * (n - 1))


def _mean_off_diagonal(values: Tensor) -> Tensor:
    n = values.shape[0]
    return values.masked_fill(_diagonal_mask(values), 0.0).sum() / (n * (n - 1))


def _straight_through(value: Tensor, gradient_source: Tensor) -> Tensor:
    """A tensor equal to ``value`` whose gradient is that of ``gradient_source``."""
    return gradient_source + (value - gradient_source).detach()


def infonce_lower_bound(scores: Tensor) -> Bound:
    """InfoNCE (CPC) lower bound on I(X; Y) from an (N, N) score matrix (van den Oord et al.).

    ``I >= log N + mean_i [scores[i, i] - logsumexp_j scores[i, j]]`` (Poole et al. 2019,
    Eq. (12)). Each row is an N-way classification of the true partner, so the bound can never
    exceed ``log N``: low variance, but it saturates when I > log N.

    Args:
        scores: (N, N) float, ``scores[i, j] = T(x_i, y_j)``; the diagonal holds joint pairs.

    Returns:
        :class:`Bound` in nats, ``estimate <= log N`` for any scores.

    Raises:
        TypeError: if scores is not a tensor.
        ValueError: if scores is not square with N >= 2.

    Example:
        >>> b = infonce_lower_bound(100.0 * torch.eye(8))
        >>> round(b.estimate.item(), 4), round(math.log(8), 4)
        (2.0794, 2.0794)
    """
    n = _check_square(scores)
    log_softmax = scores.diagonal() - torch.logsumexp(scores, dim=1)  # (N,)
    estimate = math.log(n) + log_softmax.mean()
    return Bound(estimate, -estimate)


def nwj_lower_bound(scores: Tensor) -> Bound:
    """NWJ (f-divergence, "MINE-f") lower bound on I(X; Y) (Nguyen, Wainwright & Jordan 2010).

    ``I >= E_p(x,y)[T] - E_p(x)p(y)[exp(T - 1)]``, the f-divergence dual of the KL
    (Poole et al. 2019, Eq. (8) with the ``T - 1`` convention). The optimal critic is
    ``1 + log p(x, y) / (p(x) p(y))``. Unbiased in the minibatch, but its variance grows like
    ``exp(I)`` because of the exponential.

    Args:
        scores: (N, N) float; diagonal = joint pairs, off-diagonal = product of marginals.

    Returns:
        :class:`Bound` in nats.

    Raises:
        TypeError: if scores is not a tensor.
        ValueError: if scores is not square with N >= 2.

    Example:
        >>> round(nwj_lower_bound(torch.ones(4, 4)).estimate.item(), 4)
        0.0
    """
    _check_square(scores)
    joint = scores.diagonal().mean()
    marginal = torch.exp(_log_mean_exp_off_diagonal(scores) - 1.0)
    estimate = joint - marginal
    return Bound(estimate, -estimate)


def dv_lower_bound(scores: Tensor) -> Bound:
    """Donsker-Varadhan lower bound on I(X; Y) (Donsker & Varadhan 1975; MINE without EMA).

    ``I >= E_p(x,y)[T] - log E_p(x)p(y)[exp(T)]`` (Poole et al. 2019, Eq. (6)). Tighter than NWJ
    for the same critic (``log m <= m / e``), but the minibatch estimate of the log-partition
    is biased, and so is its gradient; see :class:`MINE` for the moving-average correction.

    Args:
        scores: (N, N) float; diagonal = joint pairs, off-diagonal = product of marginals.

    Returns:
        :class:`Bound` in nats; ``estimate >= nwj_lower_bound(scores).estimate``.

    Raises:
        TypeError: if scores is not a tensor.
        ValueError: if scores is not square with N >= 2.

    Example:
        >>> round(dv_lower_bound(torch.ones(4, 4)).estimate.item(), 4)
        0.0
    """
    _check_square(scores)
    estimate = scores.diagonal().mean() - _log_mean_exp_off_diagonal(scores)
    return Bound(estimate, -estimate)


def mine_lower_bound(
    scores: Tensor, log_ema_partition: Tensor | None, decay: float = 0.99
) -> Bound:
    """DV bound with MINE's moving-average gradient correction (Belghazi et al. 2018, Sec. 3.2).

    The gradient of ``log E_q[exp(T)]`` is ``E_q[exp(T) grad T] / E_q[exp(T)]``; the minibatch
    denominator makes it biased. MINE divides instead by an exponential moving average of the
    partition ``E_q[exp(T)]`` across steps. The EMA is kept in log space so that large scores
    (high MI) do not overflow. The estimate is the plain DV value.

    Args:
        scores: (N, N) float; diagonal = joint pairs.
        log_ema_partition: () float, log of the running partition estimate, or None on the
            first step (then the current batch initialises it).
        decay: EMA decay in [0, 1); MINE's code uses 0.99 (Poole et al.'s colab 0.9 is also
            common). ``decay = 0`` recovers the plain DV gradient.

    Returns:
        :class:`Bound` in nats whose ``state`` is the new (detached) log moving-average
        partition; pass it as ``log_ema_partition`` on the next step.

    Raises:
        ValueError: if decay is outside [0, 1) or scores is not square.

    Example:
        >>> b = mine_lower_bound(torch.ones(4, 4), None)
        >>> round(b.estimate.item(), 4), round(b.state.item(), 4)
        (0.0, 1.0)
        >>> b = mine_lower_bound(torch.ones(4, 4), b.state)  # the next step
    """
    _check_square(scores)
    if not 0.0 <= decay < 1.0:
        raise ValueError(f"decay must be in [0, 1), got {decay!r}; MINE uses 0.99")
    joint = scores.diagonal().mean()
    log_partition = _log_mean_exp_off_diagonal(scores)  # log of the batch E_q[exp(T)]
    batch_log = log_partition.detach()
    if log_ema_partition is None or decay == 0.0:
        new_log_ema = batch_log
    else:
        log_ema_partition = log_ema_partition.to(batch_log)
        new_log_ema = torch.logaddexp(
            log_ema_partition + math.log(decay), batch_log + math.log1p(-decay)
        )
    # d/dtheta exp(log_partition - c) = E_q[exp(T) grad T] / exp(c): the corrected gradient.
    surrogate = joint - torch.exp(log_partition - new_log_ema)
    estimate = joint - log_partition
    loss = -_straight_through(estimate, surrogate)
    return Bound(estimate, loss, new_log_ema)


class MINE(torch.nn.Module):
    """MINE's estimator with its moving-average state held in a buffer.

    The buffer ``log_ema_partition`` (NaN until the first call) moves with ``.to()`` and is saved
    in ``state_dict``; call the module on each step's score matrix.

    Args:
        decay: EMA decay in [0, 1) (MINE: 0.99).

    Example:
        >>> mine = MINE(decay=0.9)
        >>> round(mine(torch.ones(4, 4)).estimate.item(), 4)
        0.0
        >>> round(mine.log_ema_partition.item(), 4)
        1.0
    """

    def __init__(self, decay: float = 0.99) -> None:
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay!r}; MINE uses 0.99")
        self.decay = decay
        self.register_buffer("log_ema_partition", torch.tensor(float("nan")))

    def forward(self, scores: Tensor) -> Bound:
        """Bound for this step's (N, N) scores; updates the moving average in place."""
        state = self.log_ema_partition
        previous = None if torch.isnan(state) else state
        bound = mine_lower_bound(scores, previous, self.decay)
        self.log_ema_partition = bound.state.to(state)
        return bound

    def extra_repr(self) -> str:
        return f"decay={self.decay}"


# log sigma(t) = -softplus(-t);  log(1 - sigma(t)) = -softplus(t)


def jsd_lower_bound(scores: Tensor, scores_marginal: Tensor | None = None) -> Bound:
    """Jensen-Shannon (f-GAN "GAN") bound of SEGAN Eq. (5), a binary cross-entropy.

    ``E_p(z,b)[log sigma(T)] + E_p(z)p(b)[log(1 - sigma(T))]`` (seed paper 000, Eq. (5);
    Nowozin et al. 2016; Hjelm et al. 2019), the sum of two means (positives, negatives). It is
    at most 0 for any critic, and its maximum over T, ``2 JSD(p(z,b) || p(z)p(b)) - 2 log 2``,
    reached at ``T = log p(z,b) / p(z)p(b)`` (the pointwise MI), lies in ``[-2 log 2, 0]``:
    a constant critic T = 0, or independent variables with the optimal critic, give
    ``-2 log 2 = -1.386``; perfectly separable pairs approach 0. It is **not** an estimate of I
    in nats; :func:`jsd_nwj_lower_bound` reads one out of a critic trained with it.

    Two calling forms:

    - ``jsd_lower_bound(scores)`` with an (N, N) matrix: diagonal = positives, the N(N-1)
      off-diagonal entries = negatives.
    - ``jsd_lower_bound(scores_joint, scores_marginal)`` with (N,) and (M,) vectors: SEGAN's one
      negative per positive (see :func:`shuffle_pairs`).

    Args:
        scores: (N, N) score matrix, or (N,) logits of joint pairs.
        scores_marginal: None, or (M,) logits of product-of-marginals pairs.

    Returns:
        :class:`Bound` with ``estimate <= 0`` (nats; ``>= -2 log 2`` once the critic is trained).

    Raises:
        TypeError: if an input is not a tensor.
        ValueError: on shapes that fit neither form.

    Example:
        >>> round(jsd_lower_bound(torch.zeros(5), torch.zeros(5)).estimate.item(), 4)
        -1.3863
        >>> round(jsd_lower_bound(torch.zeros(3, 3)).estimate.item(), 4)
        -1.3863
    """
    if scores_marginal is None:
        _check_square(scores)
        joint = -F.softplus(-scores.diagonal()).mean()
        estimate = joint - _mean_off_diagonal(F.softplus(scores))
        return Bound(estimate, -estimate)
    for name, value in (("scores_joint", scores), ("scores_marginal", scores_marginal)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        if value.dim() != 1 or value.numel() == 0:
            raise ValueError(
                f"{name} must be a non-empty (N,) vector of critic logits, got shape "
                f"{tuple(value.shape)}; pass a single (N, N) matrix for the all-pairs form"
            )
    estimate = -F.softplus(-scores).mean() - F.softplus(scores_marginal).mean()
    return Bound(estimate, -estimate)


def jsd_nwj_lower_bound(scores: Tensor) -> Bound:
    """NWJ bound on I read out from a critic trained with the JSD bound (Poole et al.'s "JS").

    The JSD-optimal critic is the pointwise MI, and the NWJ-optimal critic is ``1 +`` that, so
    ``nwj_lower_bound(scores + 1)`` is a valid lower bound on I in nats; the gradient comes from
    :func:`jsd_lower_bound` (stable, bounded) and the value from NWJ (Poole et al. 2019,
    Sec. 2.3; Hjelm et al. 2019).

    Args:
        scores: (N, N) float; diagonal = joint pairs.

    Returns:
        :class:`Bound`: NWJ value in nats, JSD gradient in ``loss``.

    Raises:
        TypeError: if scores is not a tensor.
        ValueError: if scores is not square with N >= 2.

    Example:
        >>> round(jsd_nwj_lower_bound(torch.zeros(4, 4)).estimate.item(), 4)
        0.0
    """
    estimate = nwj_lower_bound(scores + 1.0).estimate
    loss = -_straight_through(estimate, jsd_lower_bound(scores).estimate)
    return Bound(estimate, loss)


def smile_lower_bound(scores: Tensor, tau: float | None = 5.0) -> Bound:
    """SMILE: DV value with a clipped partition, JSD gradient (Song & Ermon 2020, Eq. (17)).

    ``E_p[T] - log E_q[exp(clip(T, -tau, tau))]``. Clipping caps the variance of the partition
    term at the price of bias (``tau = inf``, passed as None, gives the DV value); the critic
    is trained with the JSD objective, as in the paper's code.

    Args:
        scores: (N, N) float; diagonal = joint pairs.
        tau: clipping threshold > 0, or None for no clipping (the paper's "SMILE (tau = inf)").

    Returns:
        :class:`Bound` in nats.

    Raises:
        ValueError: if tau is not positive, or scores is not square.

    Example:
        >>> round(smile_lower_bound(torch.zeros(4, 4)).estimate.item(), 4)
        0.0
    """
    _check_square(scores)
    if tau is not None and not tau > 0:
        raise ValueError(f"tau must be positive or None (no clipping), got {tau!r}; try 5.0")
    clipped = scores if tau is None else scores.clamp(-tau, tau)
    estimate = scores.diagonal().mean() - _log_mean_exp_off_diagonal(clipped)
    loss = -_straight_through(estimate, jsd_lower_bound(scores).estimate)
    return Bound(estimate, loss)


def ba_lower_bound(log_q: Tensor, entropy_x: float | Tensor) -> Bound:
    """Barber-Agakov lower bound ``I(X; Y) >= H(X) + E_p(x,y)[log q(x | y)]`` (Barber & Agakov).

    The variational posterior q(x | y) is any normalised density; the gap is
    ``E_y KL(p(x|y) || q(x|y))`` (Poole et al. 2019, Eq. (2); seed paper 000, Eq. (9)). It needs
    the entropy H(X) in closed form, which is why it suits a latent code with a known prior.

    Args:
        log_q: (N,) float, ``log q(x_i | y_i)`` in nats for joint pairs, or an (N, N) matrix
            ``log q(x_i | y_j)`` of which the diagonal is used.
        entropy_x: H(X) in nats (e.g. :func:`companion.mi.gaussian.gaussian_entropy`).

    Returns:
        :class:`Bound` in nats.

    Raises:
        TypeError: if log_q is not a tensor.
        ValueError: if log_q is neither (N,) nor (N, N).

    Example:
        >>> round(ba_lower_bound(torch.full((4,), -1.0), 1.5).estimate.item(), 4)
        0.5
    """
    if not isinstance(log_q, Tensor):
        raise TypeError(f"log_q must be a torch.Tensor, got {type(log_q).__name__}")
    if log_q.dim() == 2:
        _check_square(log_q, "log_q")
        log_q = log_q.diagonal()
    elif log_q.dim() != 1 or log_q.numel() == 0:
        raise ValueError(
            f"log_q must be (N,) log-densities of joint pairs or an (N, N) matrix, "
            f"got shape {tuple(log_q.shape)}"
        )
    estimate = log_q.mean() + entropy_x
    return Bound(estimate, -estimate)


def shuffle_pairs(
    z: Tensor, x: Tensor, generator: torch.Generator | None = None
) -> tuple[Tensor, Tensor]:
    """One product-of-marginals pair per joint pair: ``(z_i, x_pi(i))`` with pi a derangement.

    ``pi`` is a uniformly random N-cycle, so no sample keeps its own partner (SEGAN App. D:
    "we exclude the positive samples from the product of marginals"). Pair the outputs with
    the critic to get ``scores_marginal`` for :func:`jsd_lower_bound`.

    Args:
        z: (N, ...) codes (any dtype), kept in place.
        x: (N, ...) partners (e.g. images (N, C, H, W)), shuffled along dim 0.
        generator: torch.Generator for the permutation (CPU generator), or None for the
            global RNG.

    Returns:
        ``(z, x_shuffled)``, with ``x_shuffled[i] = x[pi(i)]`` and ``pi(i) != i`` for all i.

    Raises:
        ValueError: if N < 2 or z and x disagree on N.

    Example:
        >>> z, x = torch.arange(5.0), torch.arange(5.0)
        >>> z_neg, x_neg = shuffle_pairs(z, x, torch.Generator().manual_seed(0))
        >>> bool((x_neg != z_neg).all())
        True
    """
    n = z.shape[0]
    if x.shape[0] != n:
        raise ValueError(f"z and x must share the batch size, got {n} and {x.shape[0]}")
    if n < 2:
        raise ValueError(f"need at least 2 samples to form non-matching pairs, got N = {n}")
    order = torch.randperm(n, generator=generator)
    cycle = torch.empty_like(order)
    cycle[order] = order.roll(-1)  # pi(order[k]) = order[k + 1]: one cycle, no fixed point
    return z, x[cycle.to(x.device)]


def pair_scores(
    critic: torch.nn.Module,
    u: Tensor,
    y: Tensor,
    marginal: str = "shuffle",
    u_fresh: Tensor | None = None,
) -> Tensor:
    """The (N, N) score matrix a bound reads, joint pairs on the diagonal, from a pair critic.

    ``"shuffle"``: ``scores[i, j] = S(u_i, y_j)``, every other row's ``u`` a product-of-marginals
    sample. ``"fresh"``: the off-diagonal entries are ``S(u_fresh_i, y_j)`` with ``u_fresh`` drawn
    afresh from ``u``'s known law (possible for the noise, whose law is N(0, I)).

    Args:
        critic: ``S(u, y)`` -> (N, N) scores, ``S(u_i, y_j)`` at ``[i, j]``.
        u: (N, ...) what the outputs are paired with (noise or sources).
        y: (N, C, H, W) outputs.
        marginal: ``"shuffle"`` or ``"fresh"``.
        u_fresh: (N, ...) fresh draws for ``"fresh"``.

    Raises:
        ValueError: for an unknown marginal, or ``"fresh"`` without ``u_fresh``.
    """
    scores = critic(u, y)  # (N, N)
    if marginal == "shuffle":
        return scores
    if marginal != "fresh" or u_fresh is None:
        raise ValueError(f"marginal must be 'shuffle' or 'fresh' (with u_fresh), got {marginal!r}")
    eye = torch.eye(len(u), dtype=torch.bool, device=scores.device)
    return torch.where(eye, scores, critic(u_fresh, y))
