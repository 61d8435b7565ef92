"""Quality measured exactly on the shapes domain: is an output a valid sample of the target?

On :class:`~companion.data.ShapesDataset` the oracle knows what a correct target for an input
mask looks like: the mask's shape filled with one of the palette's colours (flat, or in
stripes), over a uniform dark background. Two measures follow, both independent of diversity:

- :func:`precision` (higher is better): the fraction of outputs that are valid samples of the
  target domain, in the spirit of Kynkäänniemi et al. (2019)'s precision, but judged exactly
  instead of by nearest neighbours in a feature space. A generator that always paints red is
  perfectly precise (precision 1) with coverage 1 style: report it beside
  :func:`~companion.metrics.mode_coverage`, as the paper's quality beside its diversity.
- :func:`content_iou` (higher is better): intersection over union of the output's foreground
  (pixels that differ from the background) with the input mask: does the translation keep the
  input's shape and position?

A perfect translator scores 1 on both; one that averages the palette colours (the L2 minimiser)
or blurs the shape scores low precision; noise scores 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from companion.data import PALETTES
from companion.data.synthetic.shapes import BACKGROUND_VALUE, STRIPE_CONTRAST

__all__ = ["content_iou", "precision", "valid_samples"]

TOLERANCE = 0.35
"""A pixel matches a colour within this RGB distance: half the closest palette pair's 0.7."""
MIN_FRACTION = 0.9
"""Share of the foreground (background) pixels that must match for an output to be valid."""
FOREGROUND_THRESHOLD = 0.6
"""A pixel is foreground when it lies further than this from the background colour."""


def _as_mask(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) bool from a bool mask or a source ``a`` in [-1, 1] (foreground > 0)."""
    if mask.dim() != 4 or mask.shape[0] != like.shape[0] or mask.shape[-2:] != like.shape[-2:]:
        raise ValueError(
            f"mask must be (N, 1 or 3, H, W) matching images {tuple(like.shape)}, "
            f"got {tuple(mask.shape)}"
        )
    fg = mask.bool() if mask.dtype == torch.bool else mask.float().mean(1, keepdim=True) > 0
    return fg[:, :1].to(like.device)


def _erode(mask: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) bool eroded by one pixel (3x3)."""
    return -F.max_pool2d(-mask.float(), 3, stride=1, padding=1) > 0.5


def _colours(palettes: torch.Tensor, textures: Sequence[str]) -> torch.Tensor:
    """(P, C, 3): the colours a pixel of each palette may take (plain, and stripes' two)."""
    colours = [palettes]
    if "stripes" in textures:
        colours += [(palettes + STRIPE_CONTRAST).clamp(-1, 1)]
        colours += [(palettes - STRIPE_CONTRAST).clamp(-1, 1)]
    return torch.stack(colours, dim=1)


def _check_images(images: torch.Tensor) -> torch.Tensor:
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be (N, 3, H, W) in [-1, 1], got {tuple(images.shape)}")
    return images.float()


@torch.no_grad()
def valid_samples(
    images: torch.Tensor,
    mask: torch.Tensor,
    palettes: torch.Tensor | None = None,
    textures: Sequence[str] = ("flat",),
    tolerance: float = TOLERANCE,
    min_fraction: float = MIN_FRACTION,
) -> torch.Tensor:
    """Which outputs are valid samples of the shapes target domain for their input mask.

    An output is valid when (1) at least ``min_fraction`` of the mask's pixels (eroded by one
    pixel, so a soft outline is not judged) lie within ``tolerance`` of one palette's colours
    (the same palette for all of them), and (2) at least ``min_fraction`` of the pixels outside
    the mask (dilated by one pixel) lie within ``tolerance`` of their median colour, a dark
    background: its brightest channel within ``tolerance`` of the domain's background value.

    Args:
        images: (N, 3, H, W) float in [-1, 1], outputs of a translator for the inputs.
        mask: (N, 1, H, W) bool, or the filled source ``a`` (N, 1 or 3, H, W) in [-1, 1].
        palettes: (P, 3) in [-1, 1], the dataset's ``palette_colors`` (default all 8).
        textures: the dataset's textures, default ``("flat",)``.
        tolerance: RGB distance within which a pixel matches a colour.
        min_fraction: share of pixels that must match, per region.

    Returns:
        (N,) bool.

    Example:
        >>> from companion.data import ShapesDataset
        >>> batch = ShapesDataset(size=4, background="grey").batch(range(4))
        >>> valid_samples(batch["b"], batch["a"]).tolist()
        [True, True, True, True]
    """
    images = _check_images(images)
    fg = _as_mask(mask, images)
    inner = _erode(fg)
    inner = torch.where(inner.flatten(1).sum(1)[:, None, None, None] >= 4, inner, fg)
    outer = ~(F.max_pool2d(fg.float(), 3, stride=1, padding=1) > 0.5)  # (N, 1, H, W)
    palettes = (PALETTES if palettes is None else palettes).to(images)
    colours = _colours(palettes, textures)  # (P, C, 3)
    pixels = images.permute(0, 2, 3, 1)  # (N, H, W, 3)
    dist = (pixels[:, :, :, None, None, :] - colours).norm(dim=-1).amin(-1)  # (N, H, W, P)
    on = (dist <= tolerance).float() * inner[:, 0, :, :, None]  # (N, H, W, P)
    n_inner = inner.flatten(1).sum(1).clamp_min(1)  # (N,)
    fg_ok = on.sum((1, 2)).amax(1) / n_inner >= min_fraction  # (N,)
    flat = pixels.reshape(len(images), -1, 3)  # (N, H*W, 3)
    out = outer.flatten(1)  # (N, H*W)
    bg_ok = torch.zeros(len(images), dtype=torch.bool, device=images.device)
    for i in range(len(images)):
        region = flat[i][out[i]]  # (M, 3)
        if len(region) == 0:
            continue
        colour = region.median(dim=0).values  # (3,)
        uniform = ((region - colour).norm(dim=-1) <= tolerance).float().mean() >= min_fraction
        dark = (colour.max() - (2 * BACKGROUND_VALUE - 1)).abs() <= tolerance
        bg_ok[i] = bool(uniform and dark)
    return fg_ok & bg_ok


def precision(
    images: torch.Tensor,
    mask: torch.Tensor,
    palettes: torch.Tensor | None = None,
    textures: Sequence[str] = ("flat",),
    tolerance: float = TOLERANCE,
    min_fraction: float = MIN_FRACTION,
) -> float:
    """Fraction of outputs that are valid samples of the target domain (higher is better).

    See :func:`valid_samples` for what counts as valid. ``images`` may also be (N, K, 3, H, W),
    K samples per input (e.g. from :func:`~companion.metrics.sample_translations`); the mask
    (N, ...) is then shared by each input's K samples.

    Returns:
        In [0, 1]: 1 for a perfect translator and for a collapsed one that always paints one
        palette colour; near 0 for one that averages colours or for noise.

    Example:
        >>> from companion.data import ShapesDataset
        >>> batch = ShapesDataset(size=4, background="grey").batch(range(4))
        >>> precision(batch["b"], batch["a"]), precision(torch.rand(4, 3, 32, 32), batch["a"])
        (1.0, 0.0)
    """
    images, mask = _flatten_samples(images, mask)
    valid = valid_samples(images, mask, palettes, textures, tolerance, min_fraction)
    return float(valid.double().mean())


def _flatten_samples(images: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, K, 3, H, W) and (N, C, H, W) -> (N*K, 3, H, W) and (N*K, C, H, W)."""
    if images.dim() == 5:
        n, k = images.shape[:2]
        mask = mask[:, None].expand(n, k, *mask.shape[1:]).reshape(n * k, *mask.shape[1:])
        images = images.reshape(n * k, *images.shape[2:])
    return images, mask


@torch.no_grad()
def content_iou(
    images: torch.Tensor, mask: torch.Tensor, threshold: float = FOREGROUND_THRESHOLD
) -> float:
    """Mean IoU of each output's foreground with its input mask (content preservation).

    The output's foreground is every pixel further than ``threshold`` (RGB distance) from the
    median colour of the image's border, its background. The palette colours all lie more than
    0.6 from the dark backgrounds, so a correct target has IoU 1 whatever its style.

    Args:
        images: (N, 3, H, W) or (N, K, 3, H, W) float in [-1, 1].
        mask: (N, 1, H, W) bool, or the filled source ``a`` (N, 1 or 3, H, W) in [-1, 1].
        threshold: distance from the background beyond which a pixel is foreground.

    Returns:
        Mean IoU in [0, 1] (an empty union counts as 1).

    Example:
        >>> from companion.data import ShapesDataset
        >>> batch = ShapesDataset(size=4, background="grey").batch(range(4))
        >>> content_iou(batch["b"], batch["a"])
        1.0
    """
    images, mask = _flatten_samples(images, mask)
    images = _check_images(images)
    fg = _as_mask(mask, images)[:, 0]  # (N, H, W)
    border = torch.cat(
        [images[..., 0, :], images[..., -1, :], images[..., :, 0], images[..., :, -1]], dim=-1
    )  # (N, 3, 2H + 2W)
    bg = border.median(dim=-1).values[:, :, None, None]  # (N, 3, 1, 1)
    out = (images - bg).norm(dim=1) > threshold  # (N, H, W)
    inter = (out & fg).flatten(1).sum(1).double()
    union = (out | fg).flatten(1).sum(1).double()
    iou = torch.where(union > 0, inter / union.clamp_min(1), torch.ones_like(union))
    return float(iou.mean())
