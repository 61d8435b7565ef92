"""Chapter 9's checkers: UDIT's semantic constraint and SDIT's conditional instance norm.

Example:
    >>> from companion.nets.adain import adaptive_instance_norm
    >>> check_conditional_instance_norm(
    ...     lambda e, label, gamma, beta: adaptive_instance_norm(e, gamma[label], beta[label])
    ... )  # doctest: +ELLIPSIS
    check_conditional_instance_norm: correct on 3 cases ...
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from companion.exercises._common import call, close, run_guarded, same
from companion.nets.adain import adaptive_instance_norm

__all__ = ["check_conditional_instance_norm", "check_semantic_constraint"]


def _cin_cases() -> list[tuple[str, tuple[Tensor, ...]]]:
    gen = torch.Generator().manual_seed(0)
    e = torch.randn(4, 3, 5, 5, generator=gen) * 2 + 1
    gamma = torch.rand(3, 3, generator=gen) + 0.5  # (domains, channels)
    beta = torch.randn(3, 3, generator=gen)
    return [
        ("4 samples, domains [0, 1, 2, 1]", (e, torch.tensor([0, 1, 2, 1]), gamma, beta)),
        ("all samples in domain 2", (e, torch.full((4,), 2), gamma, beta)),
        ("rows (1, 0): plain instance norm", (e, torch.tensor([0, 0, 1, 1]),
                                               torch.ones(3, 3), torch.zeros(3, 3))),
    ]  # fmt: skip


def check_conditional_instance_norm(fn: Callable[..., Tensor]) -> None:
    """Check ``fn(e, label, gamma, beta)``: instance norm with the label's rows of the tables.

    ``e`` (N, C, H, W), ``label`` (N,) int64, ``gamma`` and ``beta`` (num_domains, C).

    Raises:
        AssertionError: naming the first wrong case and the likely mistake (statistics over
            the batch instead of each sample, one row for every sample, scale and shift swapped).
    """
    cases = _cin_cases()
    for case, (e, label, gamma, beta) in cases:
        got = call(fn, "conditional_instance_norm", case, (e, label, gamma, beta))
        want = adaptive_instance_norm(e, gamma[label], beta[label]).double()
        if same(got, want):
            continue
        hint = ""
        if same(
            got,
            adaptive_instance_norm(
                e, gamma[label[:1]].expand_as(gamma[label]), beta[label[:1]].expand_as(beta[label])
            ).double(),
        ):
            hint = " Every sample used the first sample's row; index the tables with label."
        elif same(got, adaptive_instance_norm(e, beta[label], gamma[label]).double()):
            hint = " Scale and shift are swapped: gamma multiplies, beta is added."
        else:
            mean = e.mean(dim=(0, 2, 3), keepdim=True)  # batch statistics
            std = e.var(dim=(0, 2, 3), keepdim=True, unbiased=False).add(1e-5).sqrt()
            batch = gamma[label][..., None, None] * (e - mean) / std + beta[label][..., None, None]
            if same(got, batch.double()):
                hint = " You normalised over the batch; instance norm uses each sample alone."
        raise AssertionError(f"conditional_instance_norm is wrong on {case}.{hint}")
    print(f"check_conditional_instance_norm: correct on {len(cases)} cases (per-domain rows)")


def check_semantic_constraint(fn: Callable[..., Tensor]) -> None:
    """Check ``fn(features, a, b_fake)``: mean |h(b_fake) - h(a)| with h(a) a fixed target.

    ``features`` maps images (N, C, H, W) to features (N, D, H', W'); the gradient must reach
    ``b_fake`` and must not reach ``a`` (h(a) is a target, Eq. 5.3).

    Raises:
        AssertionError: for a wrong value, a gradient into ``a``, or none into ``b_fake``.
    """
    gen = torch.Generator().manual_seed(1)
    weight = torch.randn(2, 3, 1, 1, generator=gen)

    def features(x: Tensor) -> Tensor:  # a fixed 1x1 "extractor" with D = 2
        return torch.nn.functional.conv2d(x, weight)

    a = torch.randn(4, 3, 6, 6, generator=gen).requires_grad_(True)
    b_fake = torch.randn(4, 3, 6, 6, generator=gen).requires_grad_(True)
    case = "4 random inputs and outputs"
    got = run_guarded(fn, "semantic_constraint", case, (features, a, b_fake), watched=())
    if not isinstance(got, Tensor) or got.dim() != 0:
        raise AssertionError("semantic_constraint must return a scalar tensor")
    want = (features(b_fake) - features(a)).abs().mean()
    if not close(got.item(), want.item()):
        hint = ""
        if close(got.item(), (features(b_fake) - features(a)).pow(2).mean().item()):
            hint = " That is the squared (L2) distance; the chapter uses L1."
        raise AssertionError(f"semantic_constraint gave {got.item():.4f}, expected "
                             f"{want.item():.4f}.{hint}")  # fmt: skip
    if got.requires_grad:
        got.backward()
    if b_fake.grad is None or b_fake.grad.abs().sum() == 0:
        raise AssertionError("no gradient reached b_fake: the generator would learn nothing")
    if a.grad is not None and a.grad.abs().sum() > 0:
        raise AssertionError("a gradient reached a: compute h(a) under torch.no_grad()")
    print("check_semantic_constraint: correct value, gradient into G(a, z) only")
