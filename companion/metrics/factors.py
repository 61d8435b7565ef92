"""How well a model's unsupervised codes match known factors of its images.

InfoGAN (Chen et al. 2016) learns categories and continuous codes without labels. On digits the
factors are known or measurable, so the match can be scored exactly: :func:`matched_accuracy`
scores categories against classes after the best one-to-one renaming, and
:func:`stroke_properties` measures slant, ink and width, which a continuous code should move
monotonically (Chapter 4.2).
"""

from __future__ import annotations

import torch

__all__ = ["matched_accuracy", "stroke_properties"]


def matched_accuracy(codes: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy of unsupervised categories after the best one-to-one matching to classes.

    The codes' names are arbitrary (code 3 may mean digit 7), so the codes are matched to labels
    by the assignment that maximizes agreement (Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment``), as in InfoGAN Sec. 7.1's "5% error rate".

    Args:
        codes: (N,) int64 predicted categories in [0, K).
        labels: (N,) int64 true classes in [0, K').

    Returns:
        Accuracy in [0, 1]; a random assignment scores about 1 / K.

    Example:
        >>> matched_accuracy(torch.tensor([2, 2, 0, 1]), torch.tensor([0, 0, 1, 2]))
        1.0
    """
    from scipy.optimize import linear_sum_assignment

    codes, labels = torch.as_tensor(codes).long().cpu(), torch.as_tensor(labels).long().cpu()
    if codes.shape != labels.shape or codes.dim() != 1:
        raise ValueError(
            f"expected codes and labels of one shape (N,), got {tuple(codes.shape)} "
            f"and {tuple(labels.shape)}"
        )
    k = int(max(codes.max(), labels.max())) + 1
    counts = torch.zeros(k, k, dtype=torch.long)
    counts.index_put_((codes, labels), torch.ones_like(codes), accumulate=True)  # (K, K)
    rows, cols = linear_sum_assignment(-counts.numpy())
    return float(counts[rows, cols].sum()) / len(codes)


def stroke_properties(x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Measurable properties of white-on-black digits: slant, ink (thickness) and width.

    With ink weights ``w = (x + 1) / 2`` and centred coordinates (x to the right, y down):
    ``slant = -cov(x, y) / var(y)``, the shear that uprights the digit (positive: leaning right);
    ``ink`` the mean ink per pixel (thicker strokes, more ink); ``width = sqrt(var(x))`` in pixels.

    Args:
        x: (N, 1, H, W) images in [-1, 1].

    Returns:
        ``{"slant", "ink", "width"}``, each (N,) float.
    """
    w = ((x.float() + 1) / 2).clamp(0, 1).sum(1)  # (N, H, W)
    n, h, wd = w.shape
    ys = torch.arange(h, dtype=w.dtype, device=w.device)[:, None].expand(h, wd)  # (H, W)
    xs = torch.arange(wd, dtype=w.dtype, device=w.device)[None, :].expand(h, wd)
    mass = w.sum((1, 2)).clamp_min(1e-6)  # (N,)
    mx = (w * xs).sum((1, 2)) / mass
    my = (w * ys).sum((1, 2)) / mass
    dx, dy = xs - mx[:, None, None], ys - my[:, None, None]  # (N, H, W)
    var_x = (w * dx * dx).sum((1, 2)) / mass
    var_y = (w * dy * dy).sum((1, 2)) / mass
    cov = (w * dx * dy).sum((1, 2)) / mass
    return {"slant": -cov / var_y.clamp_min(1e-6), "ink": mass / (h * wd), "width": var_x.sqrt()}
