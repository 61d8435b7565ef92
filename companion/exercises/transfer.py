"""Chapter 7's checkers: MineGAN's selector, its max-over-generators loss, and MMD².

- :func:`check_selector_probs`: the selector's probabilities are the frequencies with which each
  generator wins the critic's arg-max, averaged over the last ``window`` minibatches (Sec. 3.3).
- :func:`check_supersample_loss`: the miners' loss ``-E_k[max_i D(G_i(M_i(u_k^i)))]`` (Eq. 3.6),
  whose gradient reaches only the winning sample's miner of each supersample.
- :func:`check_mmd2`: the unbiased Gaussian-kernel MMD² the chapter scores 2-D samples with.

Example:
    >>> from companion.methods.minegan import ArgmaxSelector
    >>> def selector_probs(scores, window):
    ...     sel = ArgmaxSelector(scores.shape[2], window)
    ...     for batch in scores:
    ...         sel.update(batch)
    ...     return sel.probs
    >>> check_selector_probs(selector_probs)  # doctest: +ELLIPSIS
    check_selector_probs: correct on 4 cases ...
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from companion.exercises._common import Mistakes, check_cases, close, report, run_guarded
from companion.losses import mmd2
from companion.methods.minegan import ArgmaxSelector

__all__ = ["check_mmd2", "check_selector_probs", "check_supersample_loss"]


def _selector_reference(scores: Tensor, window: Tensor) -> Tensor:
    sel = ArgmaxSelector(scores.shape[2], int(window))
    for batch in scores:  # (K, N) per minibatch
        sel.update(batch)
    return sel.probs


def check_selector_probs(fn: Callable[[Tensor, int], Tensor]) -> None:
    """Check ``fn(scores, window)``: the arg-max selector's probabilities (N,).

    ``scores`` (B, K, N) are the critic's scores of B minibatches of K supersamples of N
    generators, oldest first; ``window`` how many of the latest minibatches to average.

    Raises:
        AssertionError: naming the first wrong case and the likely mistake (averaged
            scores or their softmax instead of wins, the arg-max over supersamples instead
            of generators, every minibatch instead of the last ``window``).
    """
    gen = torch.Generator().manual_seed(0)
    biased = torch.randn(30, 16, 3, generator=gen) + torch.tensor([0.0, 0.4, -0.3])
    drift = torch.cat([torch.tensor([2.0, 0.0]).expand(10, 8, 2),
                       torch.randn(5, 8, 2, generator=gen)])  # fmt: skip
    cases = [
        ("one minibatch of 4 supersamples, 2 generators",
         (torch.tensor([[[0.0, 1.0], [2.0, 1.0], [0.0, 3.0], [0.0, 5.0]]]), 1)),
        ("30 minibatches, 3 generators, window 30", (biased, 30)),
        ("30 minibatches, window 10", (biased, 10)),
        ("generator 0 wins the first 10 minibatches, window 5", (drift, 5)),
    ]  # fmt: skip
    tensor_cases = [(c, (s, torch.tensor(w))) for c, (s, w) in cases]

    def wrap(f: Callable[[Tensor, int], Tensor]) -> Callable[[Tensor, Tensor], Tensor]:
        def wrapped(scores: Tensor, window: Tensor) -> Tensor:
            return torch.as_tensor(f(scores, int(window)))

        wrapped.__name__ = getattr(f, "__name__", "selector_probs")
        return wrapped

    mistakes: Mistakes = [
        ("it averages the softmax of the scores; count arg-max wins instead",
         lambda s, w: s[-int(w):].softmax(-1).mean((0, 1))),
        ("it counts the wins without dividing by K and the number of minibatches",
         lambda s, w: torch.bincount(s[-int(w):].argmax(-1).flatten(), minlength=s.shape[2])),
        ("it averages every minibatch; keep only the last `window`",
         lambda s, w: _selector_reference(s, torch.tensor(len(s)))),
    ]  # fmt: skip
    check_cases(
        wrap(fn),
        "check_selector_probs",
        tensor_cases,
        _selector_reference,
        mistakes,
        "p_i = mean over the last `window` minibatches of (1/K) sum_k 1[argmax_j score[k, j] = i]",
        gradients=False,
    )


class _Shift(nn.Module):
    """A frozen 'generator' ``z -> z + offset`` (N, 2)."""

    def __init__(self, offset: list[float]) -> None:
        super().__init__()
        self.offset = nn.Parameter(torch.tensor(offset), requires_grad=False)

    def forward(self, z: Tensor) -> Tensor:
        return z + self.offset


def _supersample_reference(
    critic: nn.Module, generators: list[nn.Module], miners: list[nn.Module], u: Tensor
) -> Tensor:
    x = torch.stack([g(m(u_i)) for g, m, u_i in zip(generators, miners, u)])  # (N, K, 2)
    scores = critic(x.flatten(0, 1)).view(len(generators), -1).T  # (K, N)
    return -scores.max(dim=1).values.mean()


def check_supersample_loss(fn: Callable[..., Tensor]) -> None:
    """Check ``fn(critic, generators, miners, u)``: the miners' loss of Eq. 3.6, a scalar.

    ``u`` (N, K, U) holds one noise batch per generator; sample i of supersample k is
    ``generators[i](miners[i](u[i, k]))``; ``critic`` maps (M, 2) points to (M,) scores.

    Raises:
        AssertionError: for a wrong value (the mean over all samples, the minimum, a sign
            error), or when a losing sample's miner receives a gradient, or the winner's none.
    """
    gen = torch.Generator().manual_seed(2)
    critic = nn.Sequential(nn.Linear(2, 1), nn.Flatten(0))
    with torch.no_grad():
        critic[0].weight.copy_(torch.tensor([[1.0, 0.5]]))
        critic[0].bias.zero_()
    generators = [_Shift([0.0, 0.0]), _Shift([0.3, 0.0]), _Shift([-5.0, 0.0])]
    miners = [nn.Linear(2, 2) for _ in generators]
    with torch.no_grad():
        for m in miners:
            m.weight.copy_(torch.eye(2) + 0.1 * torch.randn(2, 2, generator=gen))
            m.bias.zero_()
    u = torch.randn(3, 64, 2, generator=gen)
    case = "3 generators, 64 supersamples; generator 2 never wins"
    got = run_guarded(fn, "supersample_loss", case, (critic, generators, miners, u), (u,))
    if not isinstance(got, Tensor) or got.dim() != 0:
        raise AssertionError("supersample_loss must return a scalar tensor")
    with torch.no_grad():
        want = _supersample_reference(critic, generators, miners, u).item()
        x = torch.stack([g(m(u_i)) for g, m, u_i in zip(generators, miners, u)])
        scores = critic(x.flatten(0, 1)).view(3, -1).T  # (K, N)
    if not close(got.item(), want):
        hint = ""
        if close(got.item(), -scores.mean().item()):
            hint = " That is the mean over all samples; take the max per supersample."
        elif close(got.item(), -want):
            hint = " The sign is flipped: the miners minimise minus the best score."
        elif close(got.item(), -scores.min(1).values.mean().item()):
            hint = " That is the minimum per supersample; take the maximum."
        elif close(got.item(), -scores.max(0).values.mean().item()):
            hint = " That is the max over the supersamples; take it over the generators."
        raise AssertionError(f"supersample_loss gave {got.item():.4f}, expected {want:.4f}.{hint}")
    for m in miners:
        m.zero_grad(set_to_none=True)
    if not got.requires_grad:
        raise AssertionError("the loss has no gradient: the miners could not be trained")
    got.backward()
    grads = [sum(p.grad.abs().sum().item() for p in m.parameters() if p.grad is not None)
             for m in miners]  # fmt: skip
    if grads[2] > 0:
        raise AssertionError(
            "miner 2's sample never wins, yet its miner received a gradient: only the "
            "winning sample of each supersample may backpropagate (Eq. 3.6)"
        )
    if grads[0] == 0 or grads[1] == 0:
        raise AssertionError("a winning sample's miner received no gradient")
    report("check_supersample_loss: correct value; only the winners' miners get gradients")


def _mmd2_reference(x: Tensor, y: Tensor, s: Tensor) -> Tensor:
    return mmd2(x, y, float(s))


def _kernel(a: Tensor, b: Tensor, s: Tensor, scale: float = 2.0) -> Tensor:
    return torch.exp(-torch.cdist(a.double(), b.double()).pow(2) / (scale * s.double() ** 2))


def _biased_mmd2(x: Tensor, y: Tensor, s: Tensor) -> Tensor:
    return _kernel(x, x, s).mean() + _kernel(y, y, s).mean() - 2 * _kernel(x, y, s).mean()


def _unbiased(x: Tensor, y: Tensor, s: Tensor, scale: float) -> Tensor:
    n, m = len(x), len(y)
    k_xx = (_kernel(x, x, s, scale).sum() - n) / (n * (n - 1))
    k_yy = (_kernel(y, y, s, scale).sum() - m) / (m * (m - 1))
    return k_xx + k_yy - 2 * _kernel(x, y, s, scale).mean()


def check_mmd2(fn: Callable[[Tensor, Tensor, float], Tensor]) -> None:
    """Check ``fn(x, y, s)``: the unbiased MMD² of (N, D) and (M, D) with bandwidth ``s``.

    ``k(a, b) = exp(-|a - b|^2 / (2 s^2))``; the within-sample means leave out the diagonal.

    Raises:
        AssertionError: naming the first wrong case and the likely mistake (the biased
            estimator with the diagonal, ``s^2`` without the factor 2).
    """
    gen = torch.Generator().manual_seed(3)
    a = torch.randn(40, 2, generator=gen)
    cases = [
        ("x = {0, 0}, y = {1, 1} in 1-D, s = 1",
         (torch.zeros(2, 1), torch.ones(2, 1), torch.tensor(1.0))),
        ("two samples of N(0, I), s = 1",
         (a, torch.randn(30, 2, generator=gen), torch.tensor(1.0))),
        ("N(0, I) against N((1, 1), I), s = 0.5",
         (a, torch.randn(50, 2, generator=gen) + 1, torch.tensor(0.5))),
    ]  # fmt: skip

    def wrapped(x: Tensor, y: Tensor, s: Tensor) -> Tensor:
        return torch.as_tensor(fn(x, y, float(s)))

    wrapped.__name__ = getattr(fn, "__name__", "mmd2")
    mistakes: Mistakes = [
        ("it is the biased estimator; leave the diagonal k(x_i, x_i) = 1 out of the "
         "within-sample means", _biased_mmd2),
        ("the kernel divides by s^2; it is exp(-|a - b|^2 / (2 s^2))",
         lambda x, y, s: _unbiased(x, y, s, 1.0)),
    ]  # fmt: skip
    check_cases(
        wrapped,
        "check_mmd2",
        cases,
        _mmd2_reference,
        mistakes,
        "MMD^2 = mean_{i != j} k(x_i, x_j) + mean_{i != j} k(y_i, y_j) - 2 mean k(x_i, y_j)",
        gradients=False,
    )
