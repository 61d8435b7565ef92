"""Dataset bias and its leakage into translations, read exactly on synthetic shapes.

A nuisance attribute ``u`` (UDIT's "unwanted property", thesis Sec. 5.3) should survive a
translation unchanged. On the book's shapes it is the background hue, which
:func:`companion.data.biased` correlates with the domain. Three exact read-outs:

- :func:`background_hue`: the oracle of ``u`` for any image, real or generated (the hue of the
  median border colour);
- :func:`bias_strength`: how strongly a dataset ties an attribute to its class, on the scale of
  :func:`~companion.data.biased`'s ``strength`` (0: independent, 1: the attribute reveals the
  class);
- :func:`flip_rate`: the fraction of translations whose nuisance bin differs from their
  input's (the thesis' misclassification rate, Sec. 5.6.1, with an exact oracle in place of a
  trained classifier). Lower is better.
"""

from __future__ import annotations

import torch

__all__ = ["background_hue", "bias_strength", "flip_rate", "hue_bins", "hue_distance"]


def background_hue(images: torch.Tensor) -> torch.Tensor:
    """The hue of each image's background: HSV hue of the median colour of its border pixels.

    Args:
        images: (N, 3, H, W) float in [-1, 1].

    Returns:
        (N,) float32 hues in [0, 1) (0 for a grey background, whose hue is undefined).

    Raises:
        ValueError: if ``images`` is not (N, 3, H, W).

    Example:
        >>> red = torch.tensor([0.3, -1.0, -1.0])[None, :, None, None].expand(1, 3, 8, 8)
        >>> round(background_hue(red).item(), 3)
        0.0
    """
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be (N, 3, H, W) in [-1, 1], got {tuple(images.shape)}")
    x = (images.float() + 1) / 2
    border = torch.cat([x[..., 0, :], x[..., -1, :], x[..., 1:-1, 0], x[..., 1:-1, -1]], dim=-1)
    rgb = border.median(dim=-1).values  # (N, 3)
    r, g, b = rgb.unbind(1)
    top, low = rgb.max(1).values, rgb.min(1).values
    span = (top - low).clamp_min(1e-8)
    sector = torch.where(top == g, (b - r) / span + 2, (r - g) / span + 4)
    hue = torch.where(top == r, ((g - b) / span) % 6, sector)  # (N,) in [0, 6)
    return torch.where(top - low > 1e-6, hue / 6, torch.zeros_like(hue)) % 1.0


def hue_distance(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Circular distance between the background hues of paired images, in turns (0 to 0.5).

    A distance for :func:`~companion.metrics.diversity.pairwise_diversity`: how far the noise
    moves a translation's background colour around the hue circle. Independent uniform hues are
    0.25 apart on average; a translator that ignores its noise scores 0.

    Args:
        u: images (M, 3, H, W) in [-1, 1].
        v: images (M, 3, H, W) in [-1, 1].

    Returns:
        (M,) float32 distances in [0, 0.5].

    Example:
        >>> red = torch.tensor([1.0, -1.0, -1.0])[None, :, None, None].expand(1, 3, 4, 4)
        >>> cyan = torch.tensor([-1.0, 1.0, 1.0])[None, :, None, None].expand(1, 3, 4, 4)
        >>> hue_distance(red, cyan).tolist(), hue_distance(red, red).tolist()
        ([0.5], [0.0])
    """
    gap = (background_hue(u) - background_hue(v)).abs()
    return torch.minimum(gap, 1 - gap)


def hue_bins(hue: torch.Tensor, bins: int = 2) -> torch.Tensor:
    """Which of ``bins`` equal hue intervals each hue falls in: (N,) int64 in [0, bins).

    :func:`~companion.data.biased` puts class ``c``'s biased samples in bin ``c``.

    Example:
        >>> hue_bins(torch.tensor([0.1, 0.6, 0.999]))
        tensor([0, 1, 1])
    """
    return (torch.as_tensor(hue).float() * bins).long().clamp(0, bins - 1)


def bias_strength(attribute: torch.Tensor, classes: torch.Tensor, bins: int) -> float:
    """How strongly an attribute in [0, 1) reveals the class, on ``biased()``'s scale.

    With ``p`` the fraction of samples whose attribute lies in their class's bin,
    ``(p - 1 / bins) / (1 - 1 / bins)``: 0 when the attribute is independent of the class
    (``p = 1 / bins`` by chance), 1 when it always lies in the class's bin. On data built by
    ``biased(ds, strength=s)`` it estimates ``s`` (binomial error ``~ sqrt(p (1 - p) / N)``).

    Args:
        attribute: (N,) float in [0, 1), e.g. the factor ``background_hue``.
        classes: (N,) int64 in [0, bins).
        bins: number of classes.

    Returns:
        The strength, <= 1 (below 0 when the attribute avoids the class's bin).

    Raises:
        ValueError: for mismatched shapes or ``bins < 2``.

    Example:
        >>> bias_strength(torch.tensor([0.1, 0.2, 0.7, 0.9]), torch.tensor([0, 0, 1, 1]), 2)
        1.0
    """
    attribute, classes = torch.as_tensor(attribute), torch.as_tensor(classes).long()
    if attribute.shape != classes.shape or attribute.dim() != 1:
        raise ValueError(
            f"attribute and classes must be (N,) each, got {tuple(attribute.shape)} and "
            f"{tuple(classes.shape)}"
        )
    if bins < 2:
        raise ValueError(f"bins must be >= 2, got {bins}")
    p = (hue_bins(attribute, bins) == classes).double().mean().item()
    return (p - 1 / bins) / (1 - 1 / bins)


def flip_rate(u_in: torch.Tensor, u_out: torch.Tensor) -> float:
    """Fraction of outputs whose nuisance label differs from their input's (lower is better).

    Args:
        u_in: (N,) integer nuisance labels of the inputs (e.g. :func:`hue_bins`).
        u_out: (N,) or (N, K) integer labels of one or K outputs per input.

    Returns:
        The flip rate in [0, 1] over all N (x K) outputs.

    Raises:
        ValueError: if the first dimensions differ.

    Example:
        >>> flip_rate(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 1, 1]))
        0.25
    """
    u_in, u_out = torch.as_tensor(u_in).long(), torch.as_tensor(u_out).long()
    if u_out.shape[0] != u_in.shape[0] or u_in.dim() != 1:
        raise ValueError(
            f"u_in must be (N,) and u_out (N,) or (N, K), got {tuple(u_in.shape)} and "
            f"{tuple(u_out.shape)}"
        )
    u_out = u_out.reshape(len(u_in), -1)  # (N, K)
    return float((u_out != u_in[:, None]).double().mean())
