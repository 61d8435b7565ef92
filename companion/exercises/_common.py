"""Shared by every checker: tolerances, calling the student's function, comparing with a reference.

A checker runs the student's function on a list of cases (description, tuple of arguments),
compares each result with the reference, and, when they disagree, tries the chapter's list of
frequent mistakes to name the one the student made. Every failure is an ``AssertionError`` whose
message names the case and, where it can, the mistake.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import torch
from torch import Tensor

ATOL = 1e-5
RTOL = 1e-5

# A case is (description, tuple of arguments); a mistake is (diagnosis, wrong function).
Case = tuple[str, tuple[Tensor, ...]]
Mistakes = list[tuple[str, Callable[..., Tensor]]]


def close(a: float, b: float) -> bool:
    """``a`` equals ``b`` within the checkers' tolerances."""
    return abs(a - b) <= ATOL + RTOL * abs(b)


def same(got: Tensor, want: Tensor) -> bool:
    """Equal values (infinities included) within the checkers' tolerances."""
    finite = torch.isfinite(want)
    if not torch.equal(torch.isfinite(got), finite) or not torch.equal(got[~finite], want[~finite]):
        return False
    return bool(torch.allclose(got[finite], want[finite], atol=ATOL, rtol=RTOL))


def run_guarded(
    fn: Callable[..., object],
    fn_name: str,
    case: str,
    args: tuple[object, ...],
    watched: tuple[Tensor, ...] | None = None,
) -> object:
    """``fn(*args)``, with the student's exceptions and in-place edits as AssertionErrors.

    ``watched`` are the tensors that must come back unchanged (default: all of ``args``);
    ``NotImplementedError`` (an unanswered exercise) passes through as it is.
    """
    watched = args if watched is None else watched  # type: ignore[assignment]
    originals = [t.clone() for t in watched]
    try:
        value = fn(*args)
    except NotImplementedError:
        raise
    except Exception as err:  # the student's bug: report it with the input that caused it
        raise AssertionError(f"{fn_name} raised {type(err).__name__}: {err} on {case}") from err
    if any(not torch.equal(t, o) for t, o in zip(watched, originals)):
        raise AssertionError(f"{fn_name} modified its input in place on {case}; work on a copy")
    return value


def call(fn: Callable[..., object], fn_name: str, case: str, args: tuple[Tensor, ...]) -> Tensor:
    """``fn(*args)`` as a detached float64 tensor; the student's errors become AssertionErrors."""
    value = run_guarded(fn, fn_name, case, args)
    if isinstance(value, (int, float)):
        value = torch.tensor(float(value))
    if not isinstance(value, Tensor):
        raise AssertionError(
            f"{fn_name} returned {type(value).__name__} on {case}; return a tensor"
        )
    return value.detach().double()


def check_cases(
    fn: Callable[..., object],
    name: str,
    cases: list[Case],
    reference: Callable[..., Tensor],
    mistakes: Mistakes,
    formula: str,
    gradients: bool = True,
) -> None:
    """Compare ``fn`` with ``reference`` on every case: shapes, values, then gradients.

    With ``gradients=False`` (a quantity computed, not trained) the gradient check is skipped.
    """
    if not callable(fn):
        raise TypeError(f"{name} expects a function, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    got, want = [], []
    for case, args in cases:  # shapes first, case by case: a later case may fail on a bad shape
        got.append(call(fn, fn_name, case, args))
        want.append(reference(*args).detach().double())
        if got[-1].shape != want[-1].shape:
            hint = " (did you forget a .mean()?)" if want[-1].dim() == 0 else ""
            raise AssertionError(
                f"{fn_name} returned shape {tuple(got[-1].shape)} on {case}, expected "
                f"{tuple(want[-1].shape)}{hint}"
            )
    if not torch.equal(call(fn, fn_name, *cases[-1]), got[-1]):
        raise AssertionError(
            f"{fn_name} gives different results on the same input: it draws its own random "
            "numbers; use only its arguments (the noise is passed in)"
        )
    wrong = [i for i, (g, w) in enumerate(zip(got, want)) if not same(g, w)]
    if wrong:
        for diagnosis, mistake in mistakes:
            with torch.no_grad():
                guesses = [mistake(*args).double() for _, args in cases]
            if all(g.shape == m.shape and same(g, m) for g, m in zip(got, guesses)):
                raise AssertionError(f"{fn_name} is not the expected function: {diagnosis}.")
        i = wrong[0]
        raise AssertionError(
            f"{fn_name} disagrees with the reference on {len(wrong)} of {len(cases)} cases; "
            f"first: {cases[i][0]}: got {got[i].flatten()[:4].tolist()}, expected "
            f"{want[i].flatten()[:4].tolist()}. Recall: {formula}"
        )
    if gradients:
        check_gradients(fn, fn_name, reference, cases[-1][1])
    errors = [float((g - w)[torch.isfinite(w)].abs().max()) for g, w in zip(got, want)]
    tail = ", and differentiable" if gradients else ""
    report(f"{name}: correct on {len(cases)} cases (max error {max(errors):.1e}){tail}")


OUTPUT_WIDTH = 79
"""Characters in a line of a notebook's output that fit the site's text column unscrolled."""


def report(message: str) -> None:
    """Print a checker's verdict in lines of at most :data:`OUTPUT_WIDTH` characters.

    Continuation lines are indented by two spaces, so one verdict reads as one paragraph.

    Example:
        >>> report("check_x: correct on 3 cases")
        check_x: correct on 3 cases
    """
    print(textwrap.fill(message, OUTPUT_WIDTH, subsequent_indent="  ", break_on_hyphens=False))


def check_gradients(
    fn: Callable[..., object], fn_name: str, reference: Callable[..., Tensor], args: tuple
) -> None:
    """``fn`` and ``reference`` have the same gradient in every argument that has one."""
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
