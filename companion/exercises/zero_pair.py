"""Chapter 8's checkers: the scores of Tables 4.2-4.5, mix-and-match routing, latent consistency.

The references are written out here (the exercises layer does not import
:mod:`companion.metrics`); ``tests/exercises/test_zero_pair.py`` checks that they agree with
:func:`companion.metrics.segmentation_scores` and :func:`companion.metrics.depth_scores`.

Example:
    >>> check_unseen_translations(unseen_translations)  # doctest: +ELLIPSIS
    check_unseen_translations: correct on 4 cases ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import permutations

import torch
from torch import Tensor

from companion.exercises._common import check_cases, close, report, run_guarded

__all__ = [
    "check_delta_accuracy",
    "check_latent_consistency",
    "check_miou",
    "check_unseen_translations",
    "unseen_translations",
]


def _iou(matrix: Tensor) -> Tensor:
    """(K,) IoU per class of a [true, predicted] matrix; NaN for a class with no pixel."""
    m = matrix.double()
    tp = m.diagonal()
    union = m.sum(0) + m.sum(1) - tp
    return torch.where(union > 0, tp / union.clamp_min(1), torch.full_like(tp, float("nan")))


def _miou(matrix: Tensor) -> Tensor:
    return _iou(matrix).nanmean()


def _miou_absent_as_zero(matrix: Tensor) -> Tensor:
    return torch.nan_to_num(_iou(matrix), nan=0.0).mean()


def _mean_recall(matrix: Tensor) -> Tensor:
    m = matrix.double()
    rows = m.sum(1)
    return (m.diagonal()[rows > 0] / rows[rows > 0]).mean()


def _global(matrix: Tensor) -> Tensor:
    m = matrix.double()
    return m.diagonal().sum() / m.sum()


def _matrix_cases() -> list[tuple[str, tuple[Tensor, ...]]]:
    gen = torch.Generator().manual_seed(0)
    full = torch.randint(0, 20, (4, 4), generator=gen).double() + torch.eye(4) * 30
    absent = full.clone()
    absent[2, :] = 0  # class 2: no ground-truth pixel ...
    absent[:, 2] = 0  # ... and never predicted: no IoU at all
    return [
        ("the 2 x 2 matrix [[1, 1], [0, 2]]", (torch.tensor([[1.0, 1.0], [0.0, 2.0]]),)),
        ("a random 4 x 4 matrix", (full,)),
        ("4 classes, class 2 absent from truth and prediction", (absent,)),
        ("class 1 never predicted", (torch.tensor([[5.0, 0.0, 1.0], [2.0, 0.0, 3.0],
                                                    [0.0, 0.0, 4.0]]),)),
    ]  # fmt: skip


def check_miou(fn: Callable[[Tensor], Tensor]) -> None:
    """Check ``fn(matrix)``: the mean IoU of a (K, K) confusion matrix, [true, predicted].

    IoU_k = TP_k / (TP_k + FP_k + FN_k); a class with no pixel in the truth or the prediction
    has no IoU and is left out of the mean (the protocol of Tables 4.2-4.4).

    Raises:
        AssertionError: naming the case and the likely mistake (an absent class counted as 0,
            per-class accuracy TP / (TP + FN) instead of IoU, the global accuracy).
    """
    check_cases(
        fn,
        "check_miou",
        _matrix_cases(),
        _miou,
        [
            (
                "a class absent from truth and prediction counts as IoU 0; leave it out "
                "of the mean (it has no IoU)",
                _miou_absent_as_zero,
            ),
            (
                "that is the mean per-class accuracy TP / (TP + FN); IoU also counts the "
                "false positives: TP / (TP + FP + FN)",
                _mean_recall,
            ),
            ("that is the global accuracy (trace / total), not the mean IoU", _global),
        ],
        "IoU_k = M[k, k] / (row_k + column_k - M[k, k]), averaged over present classes",
        gradients=False,
    )


def _delta1(pred: Tensor, target: Tensor) -> Tensor:
    keep = target > 0
    p, g = pred[keep].double(), target[keep].double()
    return (torch.maximum(p / g, g / p) < 1.25).double().mean()


def _delta_one_sided(pred: Tensor, target: Tensor) -> Tensor:
    keep = target > 0
    return (pred[keep] / target[keep] < 1.25).double().mean()


def _delta_with_invalid(pred: Tensor, target: Tensor) -> Tensor:
    p, g = pred.double(), target.double()
    ratio = torch.maximum(p / g.clamp_min(1e-12), g / p)
    return ((ratio < 1.25) & (g > 0)).double().mean()


def _delta_relative(pred: Tensor, target: Tensor) -> Tensor:
    keep = target > 0
    return ((pred[keep] - target[keep]).abs() / target[keep] < 0.25).double().mean()


def _depth_cases() -> list[tuple[str, tuple[Tensor, ...]]]:
    gen = torch.Generator().manual_seed(0)
    g = torch.rand(2, 1, 8, 8, generator=gen) * 4 + 1  # metres in [1, 5]
    noisy = g * torch.exp(torch.randn(2, 1, 8, 8, generator=gen) * 0.3)
    holes = g.clone()
    holes[:, :, :2] = 0  # no return: invalid ground truth
    return [
        ("pred [1, 2, 4, 2] vs truth [1, 2, 4, 1]",
         (torch.tensor([1.0, 2.0, 4.0, 2.0]), torch.tensor([1.0, 2.0, 4.0, 1.0]))),
        ("predictions 0.7x and 1.3x the truth",
         (torch.tensor([0.7, 1.3, 0.7, 1.3]), torch.ones(4))),
        ("log-normal noise on 2 depth maps", (noisy, g)),
        ("the same with 2 rows of invalid truth (0)", (noisy, holes)),
    ]  # fmt: skip


def check_delta_accuracy(fn: Callable[[Tensor, Tensor], Tensor]) -> None:
    """Check ``fn(pred, target)``: the fraction of valid pixels with delta < 1.25 (Eq. 4.15).

    delta = max(pred / target, target / pred); valid pixels have target > 0; pred > 0 here.

    Raises:
        AssertionError: naming the case and the likely mistake (only pred / target, invalid
            pixels counted, the relative error |pred - target| / target < 0.25).
    """
    check_cases(
        fn,
        "check_delta_accuracy",
        _depth_cases(),
        _delta1,
        [
            (
                "only pred / target < 1.25 is tested; delta is the larger of both ratios, so "
                "an under-estimate by 1.3x fails too",
                _delta_one_sided,
            ),
            (
                "pixels with target 0 (no ground truth) are counted; leave them out",
                _delta_with_invalid,
            ),
            (
                "that is the relative error |pred - target| / target < 0.25, which is not "
                "symmetric in over- and under-estimates",
                _delta_relative,
            ),
        ],
        "delta_i = max(p_i / g_i, g_i / p_i); the mean of [delta_i < 1.25] over g_i > 0",
        gradients=False,
    )


def unseen_translations(
    modalities: Sequence[str], seen: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The directed translations (source, target) that no seen pair trains, sorted.

    A seen pair (a, b) trains both directions, a -> b and b -> a; an autoencoder (a, a) is not
    a translation. Each unseen source -> target is composed as ``g_target(f_source(.))``.

    Example:
        >>> unseen_translations(["rgb", "seg", "depth"], [("rgb", "seg"), ("rgb", "depth")])
        [('depth', 'seg'), ('seg', 'depth')]
    """
    trained = {(a, b) for a, b in seen} | {(b, a) for a, b in seen}
    return sorted(p for p in permutations(modalities, 2) if p not in trained)


def _routing_cases() -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    colours = ["blue", "black", "brown", "green", "grey", "orange", "pink", "purple", "red",
               "white", "yellow"]  # fmt: skip
    return [
        ("RGB, seg and depth (Sec. 4.6)", ["rgb", "seg", "depth"],
         [("rgb", "seg"), ("rgb", "depth")]),
        ("Freiburg: (RGB, seg) and (RGB, depth, NIR) triplets", ["rgb", "seg", "depth", "nir"],
         [("rgb", "seg"), ("rgb", "depth"), ("rgb", "nir"), ("depth", "nir")]),
        ("11 colours, every pair through blue (Fig. 4.5)", colours,
         [("blue", c) for c in colours[1:]]),
        ("every pair seen", ["a", "b", "c"], [("a", "b"), ("b", "c"), ("a", "c")]),
    ]  # fmt: skip


def check_unseen_translations(fn: Callable[..., list[tuple[str, str]]]) -> None:
    """Check ``fn(modalities, seen)``: the sorted unseen directed translations (source, target).

    Raises:
        AssertionError: naming the case and the likely mistake (each pair once instead of in
            both directions, seen pairs as one direction only, autoencoders included).
    """
    for case, modalities, seen in _routing_cases():
        got = run_guarded(fn, "unseen_translations", case, (modalities, seen), watched=())
        want = unseen_translations(modalities, seen)
        try:
            got = sorted(tuple(p) for p in got)  # type: ignore[union-attr]
        except TypeError as err:
            raise AssertionError(
                f"unseen_translations returned {type(got).__name__} on {case}; return a list "
                "of (source, target) tuples"
            ) from err
        if got == want:
            continue
        hint = ""
        if any(a == b for a, b in got):
            hint = " It lists an autoencoder (m, m): that is not a translation."
        elif len(got) * 2 == len(want) and set(got) <= set(want):
            hint = (" Each unseen pair appears once; source -> target and target -> source "
                    "are two translations, g_t(f_s(.)) and g_s(f_t(.)).")  # fmt: skip
        elif set(want) < set(got):
            hint = (" It lists a seen pair's reverse direction: a seen pair (a, b) trains "
                    "both T_ab and T_ba.")  # fmt: skip
        raise AssertionError(
            f"unseen_translations is wrong on {case}: got {len(got)}, expected {len(want)} "
            f"translations.{hint}"
        )
    n = len(_routing_cases()[2][1])
    report(
        f"check_unseen_translations: correct on {len(_routing_cases())} cases ({n} colours: "
        f"{n * (n - 1) - 2 * (n - 1)} unseen translations from {n} encoders and {n} decoders)"
    )


def check_latent_consistency(fn: Callable[[Tensor, Tensor], Tensor]) -> None:
    """Check ``fn(h_rgb, h_other)``: mean squared difference, the RGB latent a fixed target.

    ``h_rgb`` comes from the frozen RGB encoder (stage 2 of Sec. 4.6.1): the loss pulls
    ``h_other`` onto it, so the gradient must reach ``h_other`` and not ``h_rgb``.

    Raises:
        AssertionError: for a wrong value (naming L1, a sum, or a norm per sample), a
            gradient into ``h_rgb``, or none into ``h_other``.
    """
    gen = torch.Generator().manual_seed(2)
    h_rgb = torch.randn(3, 4, 2, 2, generator=gen).requires_grad_(True)
    h_other = torch.randn(3, 4, 2, 2, generator=gen).requires_grad_(True)
    case = "3 pairs of (4, 2, 2) latents"
    got = run_guarded(fn, "latent_consistency", case, (h_rgb, h_other), watched=())
    if not isinstance(got, Tensor) or got.dim() != 0:
        raise AssertionError("latent_consistency must return a scalar tensor")
    diff = (h_other - h_rgb).detach()
    want = diff.pow(2).mean().item()
    if not close(got.item(), want):
        wrong = {
            "the mean absolute (L1) difference; the chapter squares it": diff.abs().mean(),
            "a sum over elements; take the mean": diff.pow(2).sum(),
            "the mean of per-sample L2 norms; the chapter averages squared elements": (
                diff.flatten(1).norm(dim=1).mean()
            ),
        }
        hints = [f" That is {k}." for k, v in wrong.items() if close(got.item(), v.item())]
        raise AssertionError(
            f"latent_consistency gave {got.item():.4f}, expected {want:.4f}."
            + (hints[0] if hints else "")
        )
    if got.requires_grad:
        got.backward()
    if h_other.grad is None or h_other.grad.abs().sum() == 0:
        raise AssertionError("no gradient reached h_other: its encoder would not move")
    if h_rgb.grad is not None and h_rgb.grad.abs().sum() > 0:
        raise AssertionError(
            "a gradient reached h_rgb: the RGB encoder is frozen in stage 2; detach h_rgb"
        )
    report("check_latent_consistency: correct value, gradient into h_other only")
