"""Chapter 10's checkers: style pre-training's Gram matrix, triplet loss and stage schedule.

Example:
    >>> check_gram_matrix(gram_matrix)  # doctest: +ELLIPSIS
    check_gram_matrix: correct on 4 cases ...
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from companion.exercises._common import Case, Mistakes, check_cases, report, run_guarded
from companion.losses import gram_matrix, triplet_margin_loss

__all__ = ["check_gram_matrix", "check_stage_schedule", "check_triplet_margin_loss"]


def _randn(gen: torch.Generator, *shape: int) -> Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64)


def check_gram_matrix(fn: Callable[[Tensor], object]) -> None:
    """Check ``fn(features) -> (N, C, C)``: ``F F^T / (C H W)`` for features (N, C, H, W).

    Raises:
        AssertionError: with a diagnosis (a missing or wrong normalisation, the positions'
            Gram instead of the channels') if a shape, value or gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> check_gram_matrix(gram_matrix)  # doctest: +ELLIPSIS
        check_gram_matrix: correct on 4 cases ...
    """
    gen = torch.Generator().manual_seed(0)
    cases: list[Case] = [
        ("ones (1, 2, 3, 3)", (torch.ones(1, 2, 3, 3, dtype=torch.float64),)),
        ("random (2, 3, 4, 4)", (_randn(gen, 2, 3, 4, 4),)),
        ("random, not square (3, 4, 2, 5)", (_randn(gen, 3, 4, 2, 5),)),
        ("random (2, 5, 6, 3)", (_randn(gen, 2, 5, 6, 3),)),
    ]

    def flat(f: Tensor) -> Tensor:
        return f.reshape(f.shape[0], f.shape[1], -1)  # (N, C, HW)

    def raw(f: Tensor) -> Tensor:
        return flat(f) @ flat(f).transpose(1, 2)  # (N, C, C), unnormalised

    mistakes: Mistakes = [
        ("the normalisation 1 / (C H W) is missing", raw),
        (
            "you divided by H W only; the StEP code also divides by the C channels",
            lambda f: raw(f) / (f.shape[2] * f.shape[3]),
        ),
        ("you divided by C only; divide by C H W", lambda f: raw(f) / f.shape[1]),
        ("you divided by C^2 H W; divide by C H W", lambda f: raw(f) / f[0].numel() / f.shape[1]),
    ]
    check_cases(
        fn,
        "check_gram_matrix",
        cases,
        gram_matrix,
        mistakes,
        "G = F F^T / (C H W) with F the (C, HW) matrix of one image's features",
    )


def check_triplet_margin_loss(fn: Callable[[Tensor, Tensor, Tensor, float], object]) -> None:
    """Check ``fn(z_a, z_p, z_n, margin)``: Eq. (1), ``mean(max(d_p - d_n + margin, 0))``.

    ``d_p`` and ``d_n`` are *squared* Euclidean distances of (N, D) codes; the result is a
    scalar averaged over the N triplets. The margin arrives as a 0-d tensor.

    Raises:
        AssertionError: with a diagnosis (distances not squared, the hinge missing, a sum
            instead of a mean, the margin's sign) if a shape, value or gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> check_triplet_margin_loss(triplet_margin_loss)  # doctest: +ELLIPSIS
        check_triplet_margin_loss: correct on 4 cases ...
    """
    gen = torch.Generator().manual_seed(1)
    z = torch.zeros(1, 2, dtype=torch.float64)

    def margin(m: float) -> Tensor:
        return torch.tensor(m, dtype=torch.float64)

    def rand(n: int, d: int) -> tuple[Tensor, Tensor, Tensor]:
        return _randn(gen, n, d), _randn(gen, n, d), _randn(gen, n, d)

    far = torch.tensor([[0.1, 0.0]], dtype=torch.float64)
    zeros = z.repeat(3, 1)
    cases: list[Case] = [
        ("one triplet, negative 0.1 away", (z, z, far, margin(0.1))),
        ("margin met by every triplet", (zeros, zeros, 3 + zeros, margin(0.1))),
        ("random (8, 4), margin 0.5", (*rand(8, 4), margin(0.5))),
        ("random (16, 8), margin 1", (*rand(16, 8), margin(1.0))),
    ]

    def dist(u: Tensor, v: Tensor, power: float = 2.0) -> Tensor:
        return (u - v).pow(2).sum(1).pow(power / 2)  # (N,)

    mistakes: Mistakes = [
        (
            "the distances are not squared: Eq. (1) compares ||z_a - z_p||^2 and ||z_a - z_n||^2",
            lambda a, p, n, m: torch.relu(dist(a, p, 1) - dist(a, n, 1) + m).mean(),
        ),
        (
            "the hinge max(., 0) is missing: a triplet that meets the margin must add 0",
            lambda a, p, n, m: (dist(a, p) - dist(a, n) + m).mean(),
        ),
        (
            "you summed over the triplets; average over the batch",
            lambda a, p, n, m: torch.relu(dist(a, p) - dist(a, n) + m).sum(),
        ),
        (
            "the margin is subtracted; it is added: the negative must be further by the margin",
            lambda a, p, n, m: torch.relu(dist(a, p) - dist(a, n) - m).mean(),
        ),
        (
            "positive and negative are swapped: the positive's distance comes first",
            lambda a, p, n, m: torch.relu(dist(a, n) - dist(a, p) + m).mean(),
        ),
    ]
    check_cases(
        fn,
        "check_triplet_margin_loss",
        cases,
        triplet_margin_loss,
        mistakes,
        "mean over triplets of max(||z_a - z_p||^2 - ||z_a - z_n||^2 + margin, 0)",
    )


def _stage(step: int, stage1_steps: int, stage2_steps: int) -> int:
    if step < stage1_steps:
        return 1
    return 2 if step < stage1_steps + stage2_steps else 3


def check_stage_schedule(fn: Callable[[int, int, int], object]) -> None:
    """Check ``fn(step, stage1_steps, stage2_steps) -> 1, 2 or 3``: the stage of a step.

    Steps count from 0: the first ``stage1_steps`` are stage 1, the next ``stage2_steps``
    stage 2, every later one stage 3 (as :meth:`companion.methods.step.StEP.stage_at`). Empty
    stages (length 0) must be skipped.

    Raises:
        AssertionError: naming the first wrong (step, lengths) and the likely mistake (an
            off-by-one at a boundary, stage 2's end counted from step 0, stage 3 never reached).
        TypeError: if ``fn`` is not callable.

    Example:
        >>> check_stage_schedule(lambda s, n1, n2: 1 if s < n1 else 2 if s < n1 + n2 else 3)
        ... # doctest: +ELLIPSIS
        check_stage_schedule: correct on ...
    """
    if not callable(fn):
        raise TypeError(f"check_stage_schedule expects a function, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    lengths = [(3, 2), (150, 100), (0, 5), (4, 0), (0, 0)]
    cases = [(s, n1, n2) for n1, n2 in lengths for s in range(0, n1 + n2 + 3)]
    cases += [(s, 150, 100) for s in (149, 150, 151, 249, 250, 251, 10_000)]
    got = {
        c: run_guarded(fn, fn_name, f"step {c[0]}, lengths {c[1:]}", c, watched=()) for c in cases
    }
    wrong = [c for c in cases if got[c] != _stage(*c) or type(got[c]) is not int]
    if wrong:
        mistakes = [
            (
                " The boundary step belongs to the next stage: with steps counted from 0, "
                "stage 1 is steps 0 .. stage1_steps - 1 (use <, not <=).",
                lambda s, n1, n2: 1 if s <= n1 else (2 if s <= n1 + n2 else 3),
            ),
            (
                " Stage 2 ends stage1_steps + stage2_steps steps in, not stage2_steps.",
                lambda s, n1, n2: 1 if s < n1 else (2 if s < n2 else 3),
            ),
            (
                " Stage 3 never starts: every step after stage 2 is stage 3.",
                lambda s, n1, n2: 1 if s < n1 else 2,
            ),
        ]
        hint = next((h for h, m in mistakes if all(got[c] == m(*c) for c in cases)), "")
        step, n1, n2 = wrong[0]
        if got[wrong[0]] == _stage(*wrong[0]):
            hint = f" Return a plain int, got {type(got[wrong[0]]).__name__}."
        raise AssertionError(
            f"{fn_name} gives {got[wrong[0]]!r} at step {step} with stage1_steps {n1}, "
            f"stage2_steps {n2}; expected {_stage(*wrong[0])}.{hint}"
        )
    report(f"check_stage_schedule: correct on {len(cases)} steps, empty stages included")
