"""Chapter 6's checker: the plug-in mutual information of paired discrete samples (Section 6.4).

The XOR example of Section 6.1 (``Y' = X xor Xi``: ``I(Xi; Y') = I(X; Y') = 0`` although ``Y'`` is
a function of both) is checked with a plug-in estimate: the MI of the samples' empirical joint
table.

Example:
    >>> from companion.mi import discrete_mi
    >>> def plugin(a, b):
    ...     joint = torch.zeros(int(a.max()) + 1, int(b.max()) + 1, dtype=torch.float64)
    ...     joint.index_put_((a, b), torch.ones(len(a), dtype=torch.float64), accumulate=True)
    ...     return discrete_mi(joint / len(a))
    >>> check_plugin_mi(plugin)  # doctest: +ELLIPSIS
    check_plugin_mi: correct on 5 sample sets ...
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from companion.exercises._common import close, report, run_guarded
from companion.mi.variational import discrete_mi

__all__ = ["check_plugin_mi"]


def _reference(a: Tensor, b: Tensor) -> float:
    joint = torch.zeros(int(a.max()) + 1, int(b.max()) + 1, dtype=torch.float64)
    joint.index_put_((a, b), torch.ones(len(a), dtype=torch.float64), accumulate=True)
    return discrete_mi(joint / len(a))


def _cases() -> list[tuple[str, tuple[Tensor, Tensor], float]]:
    """(description, (a, b), exact answer) with every combination enumerated once."""
    x, xi = torch.arange(4) // 2, torch.arange(4) % 2  # all four (x, xi) pairs of bits
    gen = torch.Generator().manual_seed(0)
    c = torch.randint(3, (50,), generator=gen)
    return [
        ("a = b, 4 equally likely values", (torch.arange(4), torch.arange(4)), math.log(4)),
        ("independent bits (all 4 pairs)", (x, xi), 0.0),
        ("XOR: I(Xi; X xor Xi)", (xi, x ^ xi), 0.0),
        ("a = b, 3 unequal values", (torch.tensor([0, 0, 1, 2]),) * 2, 1.5 * math.log(2)),
        ("50 random draws of a 3-valued c against itself", (c, c), _reference(c, c)),
    ]


def check_plugin_mi(fn: Callable[[Tensor, Tensor], float]) -> None:
    """Check ``fn(a, b)``: the plug-in MI in nats of paired integer samples (N,) and (N,).

    Raises:
        AssertionError: naming the first case where ``fn`` disagrees, and the likely mistake
            (bits instead of nats, the entropy of one side instead of the MI).
    """
    cases = _cases()
    for case, args, want in cases:
        got = float(run_guarded(fn, "plugin_mi", case, args))
        if close(got, want):
            continue
        hint = ""
        if want and close(got * math.log(2), want):
            hint = " You return bits; use natural logarithms (nats)."
        elif close(got, _entropy(args[0])) or close(got, _entropy(args[1])):
            hint = " That is the entropy of one side; subtract the conditional entropy."
        raise AssertionError(f"plugin_mi gave {got:.4f} on {case}, expected {want:.4f}.{hint}")
    report(f"check_plugin_mi: correct on {len(cases)} sample sets (nats, exact tables)")


def _entropy(a: Tensor) -> float:
    p = torch.bincount(a).double() / len(a)
    p = p[p > 0]
    return float(-(p * p.log()).sum())
