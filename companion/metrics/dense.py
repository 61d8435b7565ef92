"""Dense-prediction metrics: semantic segmentation (IoU, mIoU, global accuracy) and depth
(RMSE, log RMSE, threshold accuracy delta < 1.25^k).

They follow the definitions of the mix-and-match thesis chapter (Wang 2020, Sec. 4.6.1 and
Eq. (4.15)), which are the usual ones of Eigen et al. (2014) for depth and of the PASCAL VOC
protocol for segmentation. Segmentation scores are computed from a confusion matrix summed over
the whole test set (not averaged per image), so :class:`SegmentationScores` keeps that matrix as
its state and batches add to it.
"""

from __future__ import annotations

import torch

__all__ = [
    "SegmentationScores",
    "confusion_matrix",
    "depth_scores",
    "segmentation_scores",
]


def confusion_matrix(
    pred: torch.Tensor, target: torch.Tensor, num_classes: int, *, ignore_index: int = -1
) -> torch.Tensor:
    """Counts of (true class, predicted class) over all pixels.

    Args:
        pred: (N, H, W) int64 predicted class indices in [0, num_classes).
        target: (N, H, W) int64 true class indices; pixels equal to ``ignore_index`` are left out.
        num_classes: K, the number of classes.
        ignore_index: the label of pixels without ground truth ("unknown"/void).

    Returns:
        (K, K) float64, entry [t, p] the number of pixels of true class t predicted as p.

    Raises:
        ValueError: if the shapes differ or a prediction lies outside [0, K).

    Example:
        >>> t = torch.tensor([[[0, 0, 1, 1]]])
        >>> confusion_matrix(torch.tensor([[[0, 1, 1, 1]]]), t, 2).tolist()
        [[1.0, 1.0], [0.0, 2.0]]
    """
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target shapes differ: {tuple(pred.shape)} vs {tuple(target.shape)}"
        )
    if pred.numel() and (pred.min() < 0 or pred.max() >= num_classes):
        raise ValueError(
            f"predictions must lie in [0, {num_classes}), got [{pred.min()}, {pred.max()}]; "
            "pass the arg-max over the class channel"
        )
    keep = target != ignore_index
    flat = target[keep].long() * num_classes + pred[keep].long()  # (P,)
    counts = torch.bincount(flat, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).double().cpu()  # (K, K)


def segmentation_scores(matrix: torch.Tensor) -> dict[str, torch.Tensor | float]:
    """Per-class IoU, their mean (mIoU) and global pixel accuracy from a confusion matrix.

    IoU of class k is TP / (TP + FP + FN). A class absent from both the ground truth and the
    predictions has no IoU (NaN) and is left out of the mean.

    Args:
        matrix: (K, K) counts, [true, predicted], as :func:`confusion_matrix` returns.

    Returns:
        ``{"iou": (K,) float64 in [0, 1] (NaN for absent classes), "miou": float,
        "global": float}``; higher is better for all.

    Example:
        >>> m = torch.tensor([[1.0, 1.0], [0.0, 2.0]])
        >>> s = segmentation_scores(m)
        >>> s["iou"].tolist(), round(s["miou"], 4), s["global"]
        ([0.5, 0.6666666666666666], 0.5833, 0.75)
    """
    matrix = matrix.double()
    tp = matrix.diagonal()  # (K,)
    union = matrix.sum(0) + matrix.sum(1) - tp  # (K,)
    iou = torch.where(union > 0, tp / union.clamp_min(1), torch.full_like(tp, float("nan")))
    total = matrix.sum()
    return {
        "iou": iou,
        "miou": float(iou.nanmean()) if bool((union > 0).any()) else float("nan"),
        "global": float(tp.sum() / total) if total > 0 else float("nan"),
    }


class SegmentationScores:
    """mIoU and global accuracy over a test set, batch by batch (higher is better).

    Protocol: one confusion matrix summed over every pixel of every batch, then IoU per class
    and their mean, as in the thesis's Tables 4.2-4.4.

    Args:
        num_classes: K.
        ignore_index: label of pixels left out.

    Example:
        >>> meter = SegmentationScores(2)
        >>> meter.update(torch.tensor([[[0, 1]]]), torch.tensor([[[0, 1]]]))
        >>> meter.compute()["miou"]
        1.0
    """

    def __init__(self, num_classes: int, *, ignore_index: int = -1) -> None:
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.reset()

    def reset(self) -> None:
        """Forget every batch seen."""
        self.matrix = torch.zeros(self.num_classes, self.num_classes, dtype=torch.float64)

    def update(self, pred: torch.Tensor, target: torch.Tensor) -> None:
        """Add a batch: ``pred`` and ``target`` (N, H, W) int64 class indices."""
        self.matrix += confusion_matrix(
            pred, target, self.num_classes, ignore_index=self.ignore_index
        )

    def compute(self) -> dict[str, torch.Tensor | float]:
        """:func:`segmentation_scores` of everything seen so far."""
        return segmentation_scores(self.matrix)


def depth_scores(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    valid: torch.Tensor | None = None,
    min_depth: float = 1e-3,
) -> dict[str, float]:
    """RMSE (linear and log) and threshold accuracies of predicted depth (Eq. (4.15)).

    ``delta < t`` is the fraction of pixels with ``max(p / g, g / p) < t``, for t = 1.25,
    1.25^2, 1.25^3 (higher is better); the RMSEs are in the depth's units (lower is better).
    Predictions are clamped to ``min_depth`` before ratios and logs are taken, so a network
    that outputs zero or negative depth is scored, not crashed.

    Args:
        pred: (N, 1, H, W) or (N, H, W) float predicted depth, in the units of ``target``.
        target: same shape, float true depth > 0 where valid.
        valid: optional bool mask of the same shape; pixels outside it are left out (default:
            pixels with ``target > 0``).
        min_depth: floor applied to predictions.

    Returns:
        ``{"rmse", "rmse_log", "delta1", "delta2", "delta3"}`` as floats.

    Raises:
        ValueError: if the shapes differ or no pixel is valid.

    Example:
        >>> g = torch.tensor([1.0, 2.0, 4.0, 1.0])
        >>> s = depth_scores(torch.tensor([1.0, 2.0, 4.0, 2.0]), g)
        >>> s["rmse"], s["delta1"], s["delta2"]
        (0.5, 0.75, 0.75)
    """
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target shapes differ: {tuple(pred.shape)} vs {tuple(target.shape)}"
        )
    keep = (target > 0) if valid is None else valid & (target > 0)
    if not bool(keep.any()):
        raise ValueError("no valid pixel: every target depth is <= 0 or masked out")
    p = pred[keep].double().clamp_min(min_depth)  # (P,)
    g = target[keep].double()  # (P,)
    ratio = torch.maximum(p / g, g / p)  # (P,)
    scores = {
        "rmse": float(((p - g) ** 2).mean().sqrt()),
        "rmse_log": float(((p.log() - g.log()) ** 2).mean().sqrt()),
    }
    for k in (1, 2, 3):
        scores[f"delta{k}"] = float((ratio < 1.25**k).double().mean())
    return scores
