"""Mutual information between two arrays in one call: train a critic, read out a bound.

:func:`estimate` is the assignment-sized entry point to :mod:`companion.mi`. It holds out a
share of the pairs, trains a critic on minibatches of the rest with one of the bounds of
:mod:`companion.mi.bounds` (Poole et al. 2019's protocol: Adam, learning rate 5e-4, the
off-diagonal pairs of each batch as negatives) and evaluates the trained critic on disjoint
batches of the held-out pairs, so that a critic which memorises its training pairs cannot
inflate the answer. Vectors get Poole et al.'s MLP critics, images a small convolutional
encoder (:class:`companion.mi.ConvEncoder`).

Each input is standardised with its training split's mean and standard deviation (per feature
for vectors, one pair of numbers for images): an invertible affine map, so the MI is unchanged.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from companion.mi.bounds import (
    MINE,
    Bound,
    dv_lower_bound,
    infonce_lower_bound,
    jsd_nwj_lower_bound,
    nwj_lower_bound,
    smile_lower_bound,
)
from companion.mi.critics import (
    ConcatCritic,
    ConvEncoder,
    EncoderCritic,
    EnsembleLinear,
    SeparableCritic,
    mlp,
)

__all__ = ["BOUNDS", "MIEstimate", "estimate", "estimate_sampled"]

BOUNDS = ("infonce", "nwj", "jsd", "dv", "mine", "smile")
"""Bounds :func:`estimate` can train with; ``jsd`` trains with the JSD bound and reports the
NWJ read-out (nats), ``smile`` clips at tau = 5, ``mine`` reports the DV value."""


@dataclasses.dataclass(frozen=True)
class MIEstimate:
    """The result of :func:`estimate`.

    Attributes:
        nats: the estimate of I(X; Y) in nats: the bound's mean over the held-out batches.
        stderr: standard error of that mean over the held-out batches (nats); it measures the
            evaluation noise only, not the bias of the bound or of the training.
        curve: (steps,) float64, the bound on each training batch (nats), for plotting.
        bound: the bound that trained the critic (one of :data:`BOUNDS`).
        batch_size: N; InfoNCE can never report more than ``log N``.
        eval_batches: number of held-out batches averaged into ``nats``.
    """

    nats: float
    stderr: float
    curve: Tensor
    bound: str
    batch_size: int
    eval_batches: int

    def __float__(self) -> float:
        return self.nats

    def __repr__(self) -> str:
        return (
            f"MIEstimate(nats={self.nats:.4f}, stderr={self.stderr:.4f}, bound={self.bound!r}, "
            f"steps={len(self.curve)}, batch_size={self.batch_size})"
        )


def _as_batch(values: Any, name: str) -> Tensor:
    """Array-like (N, ...) -> float32 (N, D) vectors or (N, C, H, W) images on the CPU."""
    tensor = torch.as_tensor(values).detach().to("cpu", torch.float32)
    if tensor.dim() == 1:
        tensor = tensor.unsqueeze(1)  # (N, 1): one scalar per sample
    elif tensor.dim() == 3:
        tensor = tensor.unsqueeze(1)  # (N, 1, H, W): single-channel images
    if tensor.dim() not in (2, 4):
        raise ValueError(
            f"{name} must be (N,), (N, D) vectors, (N, H, W) or (N, C, H, W) images, got shape "
            f"{tuple(tensor.shape)}; flatten other layouts to (N, D)"
        )
    if not bool(torch.isfinite(tensor).all()):
        raise ValueError(f"{name} contains NaN or infinite values; remove those samples")
    return tensor


def _standardise(values: Tensor, train: Tensor) -> Tensor:
    """Centre and scale with the training rows' statistics (per feature for vectors)."""
    ref = values[train]
    if values.dim() == 2:
        mean, std = ref.mean(0), ref.std(0)  # (D,)
    else:
        mean, std = ref.mean(), ref.std()
    return (values - mean) / std.clamp_min(1e-8)


def _reset_parameters(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default initialisation, ``U(+-1/sqrt(fan_in))``, drawn from ``generator``."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, EnsembleLinear):
                layer.reset_parameters(generator)
            elif isinstance(layer, (nn.Linear, nn.Conv2d)):
                bound = 1.0 / math.sqrt(layer.weight[0].numel())  # fan_in
                layer.weight.uniform_(-bound, bound, generator=generator)
                if layer.bias is not None:
                    layer.bias.uniform_(-bound, bound, generator=generator)


def _encoder(sample: Tensor, embed: int, hidden: int) -> nn.Module:
    if sample.dim() == 4:
        return ConvEncoder(sample.shape[1], embed, hidden)
    return mlp(sample.shape[1], hidden, embed)


def _default_critic(x: Tensor, y: Tensor, kind: str, embed: int, hidden: int) -> nn.Module:
    if kind not in ("separable", "concat"):
        raise ValueError(
            f"critic must be 'separable', 'concat' or an nn.Module scoring all pairs, got {kind!r}"
        )
    if x.dim() == 2 and y.dim() == 2:  # Poole et al.'s MLP critics
        if kind == "separable":
            return SeparableCritic(x.shape[1], y.shape[1], hidden, embed)
        return ConcatCritic(x.shape[1], y.shape[1], hidden)
    return EncoderCritic(_encoder(x, embed, hidden), _encoder(y, embed, hidden), kind, embed)


def _bound_value(bound: str, scores: Tensor) -> Bound:
    """The reported value of ``bound`` on one (N, N) score matrix (MINE reports DV's)."""
    if bound == "infonce":
        return infonce_lower_bound(scores)
    if bound == "nwj":
        return nwj_lower_bound(scores)
    if bound == "jsd":
        return jsd_nwj_lower_bound(scores)
    if bound == "smile":
        return smile_lower_bound(scores, 5.0)
    return dv_lower_bound(scores)


def _check_args(n: int, bound: str, steps: int, batch_size: int, held_out: float) -> int:
    if bound not in BOUNDS:
        raise ValueError(f"unknown bound {bound!r}; choose one of {BOUNDS}")
    if steps < 1 or batch_size < 2:
        raise ValueError(f"need steps >= 1 and batch_size >= 2, got {steps} and {batch_size}")
    if not 0.0 <= held_out < 1.0:
        raise ValueError(f"held_out must be in [0, 1), got {held_out!r}; 0.2 is a good default")
    n_eval = round(held_out * n)
    if min(n - n_eval, n_eval or n) < batch_size:
        raise ValueError(
            f"{n} pairs with held_out={held_out} leave {n - n_eval} to train and {n_eval or n} "
            f"to evaluate, fewer than batch_size={batch_size}; lower batch_size or pass more "
            "pairs"
        )
    return n_eval


def estimate(
    x: Any,
    y: Any,
    bound: str = "infonce",
    critic: str | nn.Module = "separable",
    steps: int = 1000,
    batch_size: int = 128,
    seed: int = 0,
    lr: float = 5e-4,
    held_out: float = 0.2,
    hidden: int = 256,
    embed: int = 32,
    device: torch.device | str = "cpu",
) -> MIEstimate:
    """Estimate I(X; Y) in nats from paired samples by training a critic on a variational bound.

    Args:
        x: (N,), (N, D) or (N, [C,] H, W) array or tensor; row i is paired with row i of y.
        y: the same for y (vectors and images may be mixed).
        bound: one of :data:`BOUNDS`. ``"infonce"`` (the default) has low variance but can never
            exceed ``log(batch_size)``; ``"nwj"``, ``"dv"``, ``"mine"`` and ``"jsd"`` (JSD-trained,
            NWJ read-out) are uncapped but their variance grows quickly with the MI;
            ``"smile"`` clips the partition at 5 (Song & Ermon 2020).
        critic: ``"separable"`` (``T = f(x) . g(y)``, the default) or ``"concat"``
            (``T = h([f(x), g(y)])``); f and g are ReLU MLPs for vectors (2 x ``hidden``) and
            :class:`companion.mi.ConvEncoder` for images. Or your own ``nn.Module`` mapping
            batches x (N, ...), y (N, ...) to an (N, N) score matrix (used as given, on
            ``device``; it is not re-initialised).
        steps: training steps (one minibatch each).
        batch_size: N, pairs per batch; each batch's N(N-1) mismatched pairs are its negatives.
        seed: seeds the critic's initialisation and the batch order (no global RNG is touched).
        lr: Adam's learning rate (Poole et al.: 5e-4).
        held_out: share of the pairs kept out of training and used for the estimate; 0 evaluates
            on the training pairs (then an over-fitted critic inflates the estimate).
        hidden: hidden width of the default critic's networks.
        embed: embedding size of the default critic.
        device: where the critic trains (the caller chooses).

    Returns:
        :class:`MIEstimate`: ``nats``, its ``stderr`` over held-out batches and the training
        ``curve``.

    Raises:
        ValueError: on an unknown bound or critic, inputs of other shapes or lengths, non-finite
            values, or too few pairs for ``batch_size``.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=(2000, 2))
        >>> b = 0.8 * a + 0.6 * rng.normal(size=(2000, 2))  # true I = -log(1 - 0.64) = 1.02
        >>> result = estimate(a, b, steps=300, hidden=64)
        >>> abs(result.nats - 1.02) < 0.2
        True
    """
    x, y = _as_batch(x, "x"), _as_batch(y, "y")
    n = x.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"x and y must hold the same number of pairs, got {n} and {y.shape[0]}")
    n_eval = _check_args(n, bound, steps, batch_size, held_out)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(n, generator=generator)
    train = order[n_eval:] if n_eval else order
    evaluate = order[:n_eval] if n_eval else order
    x, y = _standardise(x, train), _standardise(y, train)
    if isinstance(critic, nn.Module):
        net = critic
    else:
        net = _default_critic(x, y, critic, embed, hidden)
        _reset_parameters(net, generator)
    net.to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    mine = MINE(decay=0.99).to(device) if bound == "mine" else None
    curve = torch.empty(steps, dtype=torch.float64)
    net.train()
    for step in range(steps):
        batch = train[torch.randperm(len(train), generator=generator)[:batch_size]]  # (N,)
        scores = net(x[batch].to(device), y[batch].to(device))  # (N, N), diagonal = joint
        trained = mine(scores) if mine is not None else _bound_value(bound, scores)
        optimizer.zero_grad(set_to_none=True)
        trained.loss.backward()
        optimizer.step()
        curve[step] = trained.estimate.item()
    net.eval()
    values = []
    with torch.no_grad():
        for batch in evaluate.split(batch_size)[: len(evaluate) // batch_size]:  # full batches
            scores = net(x[batch].to(device), y[batch].to(device))  # (N, N)
            values.append(_bound_value(bound, scores).estimate.item())
    held = torch.tensor(values, dtype=torch.float64)
    stderr = held.std().item() / math.sqrt(len(held)) if len(held) > 1 else float("nan")
    return MIEstimate(held.mean().item(), stderr, curve, bound, batch_size, len(held))


def estimate_sampled(
    draw: Callable[[int], tuple[Tensor, Tensor]],
    critic: nn.Module,
    steps: int,
    *,
    bound: str = "mine",
    lr: float = 5e-4,
    batch_size: int = 128,
    eval_batches: int = 4,
    eval_size: int = 256,
) -> MIEstimate:
    """Estimate I(X; Y) in nats from a sampler of fresh pairs: a probe of a frozen model.

    Where :func:`estimate` splits a fixed array of pairs, this draws every batch anew, as when
    the pairs come from a model (the noise and the output of a frozen translator, Chapter 6):
    the critic then never sees a pair twice, and the read-out batches are fresh draws too. The
    critic trains with ``bound`` (MINE's moving average by default, decay 0.99), then the bound's
    value (DV's for ``"mine"``) is averaged over ``eval_batches`` batches of ``eval_size``.
    Seeding is the caller's: seed the critic's construction and the generator ``draw`` uses.

    Args:
        draw: ``draw(n)`` returns ``n`` pairs ``(x (n, ...), y (n, ...))``, row i with row i.
        critic: maps batches x, y to an (n, n) score matrix (diagonal: the drawn pairs); it is
            trained in place from its current weights.
        steps: training steps, one fresh batch each.
        bound: one of :data:`BOUNDS`.
        lr: Adam's learning rate.
        batch_size: pairs per training batch.
        eval_batches: fresh batches averaged into the estimate.
        eval_size: pairs per evaluation batch.

    Returns:
        :class:`MIEstimate` with ``nats``, its ``stderr`` over the evaluation batches and the
        training ``curve``.

    Raises:
        ValueError: for an unknown bound, ``steps < 1`` or fewer than 2 pairs per batch.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> def draw(n):  # x ~ N(0, 1), y = x + noise: I = 0.5 log(1 + 1 / 0.25) = 0.80
        ...     x = torch.randn(n, 1, generator=g)
        ...     return x, x + 0.5 * torch.randn(n, 1, generator=g)
        >>> _ = torch.manual_seed(0)
        >>> critic = SeparableCritic(1, 1, hidden=32, embed=8)
        >>> result = estimate_sampled(draw, critic, steps=300, lr=3e-3)
        >>> abs(result.nats - 0.80) < 0.15
        True
    """
    if bound not in BOUNDS:
        raise ValueError(f"unknown bound {bound!r}; choose one of {BOUNDS}")
    if steps < 1 or min(batch_size, eval_size) < 2 or eval_batches < 1:
        raise ValueError(
            f"need steps >= 1, eval_batches >= 1 and at least 2 pairs per batch, got "
            f"steps={steps}, batch_size={batch_size}, eval_batches={eval_batches}, "
            f"eval_size={eval_size}"
        )
    optimizer = torch.optim.Adam(critic.parameters(), lr=lr)
    mine = MINE(decay=0.99) if bound == "mine" else None
    curve = torch.empty(steps, dtype=torch.float64)
    for step in range(steps):
        scores = critic(*draw(batch_size))  # (N, N)
        trained = mine(scores) if mine is not None else _bound_value(bound, scores)
        optimizer.zero_grad()
        trained.loss.backward()
        optimizer.step()
        curve[step] = trained.estimate.item()
    with torch.no_grad():
        values = [
            _bound_value(bound, critic(*draw(eval_size))).estimate for _ in range(eval_batches)
        ]
    held = torch.stack(values).double()
    stderr = held.std().item() / math.sqrt(len(held)) if len(held) > 1 else float("nan")
    return MIEstimate(held.mean().item(), stderr, curve, bound, batch_size, len(held))
