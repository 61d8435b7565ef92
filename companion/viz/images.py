"""Image grids: inputs and their translations, one picture per message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["FIGURE_WIDTH", "diversity_grid", "diversity_panels", "grid", "show", "to_unit_range"]

FIGURE_WIDTH = 6.5
"""Width in inches of a figure that fills the site's 676-px text column without being shrunk."""


def to_unit_range(x: torch.Tensor) -> torch.Tensor:
    """Map images from [-1, 1] to [0, 1] for display (values outside are clipped).

    Example:
        >>> to_unit_range(torch.tensor([-1.0, 0.0, 1.0])).tolist()
        [0.0, 0.5, 1.0]
    """
    return ((x.detach().float() + 1) / 2).clamp(0, 1)


def grid(
    images: torch.Tensor | Sequence[torch.Tensor], nrow: int = 8, padding: int = 2
) -> torch.Tensor:
    """Tile images into one picture.

    Args:
        images: (N, C, H, W) in [-1, 1] with C in {1, 3}, or a list of such batches (rows).
        nrow: images per row (ignored for a list: each batch is a row).
        padding: pixels between images.

    Returns:
        (3, H', W') float in [0, 1], ready for ``plt.imshow(g.permute(1, 2, 0))`` or saving.

    Raises:
        ValueError: if the images are not 4-D with 1 or 3 channels.

    Example:
        >>> grid(torch.zeros(6, 3, 8, 8), nrow=3).shape
        torch.Size([3, 22, 32])
    """
    from torchvision.utils import make_grid

    if isinstance(images, (list, tuple)):
        nrow = images[0].shape[0]
        images = torch.cat(list(images))
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"expected images of shape (N, 1 or 3, H, W), got {tuple(images.shape)}")
    x = to_unit_range(images.cpu())
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)  # (N, 3, H, W)
    return make_grid(x, nrow=nrow, padding=padding, pad_value=1.0)


def show(
    image: torch.Tensor, title: str | None = None, ax: Any = None, size: float = FIGURE_WIDTH
) -> Any:
    """Draw a (3, H, W) image in [0, 1] (as :func:`grid` returns) with matplotlib.

    Args:
        image: (3, H, W) in [0, 1].
        title: drawn above the image.
        ax: matplotlib axes to draw on; a new figure ``size`` inches wide when None.
        size: width of the new figure in inches.

    Returns:
        The matplotlib axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        h, w = image.shape[-2:]
        _, ax = plt.subplots(figsize=(size, size * h / w))
    ax.imshow(image.permute(1, 2, 0).numpy())
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def diversity_grid(
    translate: Any,
    a: torch.Tensor,
    num_samples: int = 8,
    generator: torch.Generator | None = None,
    z_dim: int | None = None,
    codes: torch.Tensor | None = None,
) -> torch.Tensor:
    """Rows = inputs; first column the input, then ``num_samples`` outputs for random codes.

    With ``codes``, every row uses the same codes in the same order ("synchronized", SEGAN
    Fig. 6): a column then shows what one code does to every input.

    Args:
        translate: ``translate(a, z)`` -> images, e.g. a method's ``translate``.
        a: (N, C, H, W) inputs in [-1, 1].
        num_samples: outputs per input (ignored when ``codes`` is given).
        generator: RNG for the codes.
        z_dim: code size; when None (and no ``codes``), ``translate(a)`` draws its own codes.
        codes: (K, D) codes shared by all rows.

    Returns:
        (3, H', W') grid in [0, 1].

    Example:
        >>> same = diversity_grid(lambda a, z: a + z[:, :1, None, None], torch.zeros(2, 3, 4, 4),
        ...                       codes=torch.randn(5, 2))
        >>> tuple(same.shape)  # 2 rows of 1 input + 5 outputs, with 2-pixel padding
        (3, 14, 38)
    """
    if codes is not None:
        num_samples = codes.shape[0]
    rows = []
    for i in range(a.shape[0]):
        a_i = a[i : i + 1].expand(num_samples, -1, -1, -1)  # (K, C, H, W)
        if codes is not None:
            outs = translate(a_i, codes.to(a.device))
        elif z_dim is None:
            outs = translate(a_i)
        else:
            z = torch.randn(num_samples, z_dim, generator=generator).to(a.device)
            outs = translate(a_i, z)
        src = a[i : i + 1]
        if src.shape[1] != outs.shape[1]:
            src = src.expand(-1, outs.shape[1], -1, -1)
        rows.append(torch.cat([src, outs]).cpu())
    return grid(rows)


def diversity_panels(
    models: Mapping[str, Any],
    a: torch.Tensor,
    num_samples: int = 6,
    *,
    seed: int = 1,
    codes: torch.Tensor | Mapping[str, torch.Tensor] | None = None,
    size: float | None = None,
) -> Any:
    """One :func:`diversity_grid` per model, side by side, every model given the same codes.

    Args:
        models: title -> a method with ``translate(a, z)`` and ``cfg.z_dim``.
        a: (N, C, H, W) inputs in [-1, 1], one row each.
        num_samples: outputs per input (ignored when ``codes`` is given).
        seed: seeds the random codes, afresh for every model, so that panels differ only by
            their model.
        codes: (K, D) codes shared by all rows and models (SEGAN Fig. 6's synchronized grid),
            or title -> (K, D) codes of each model, for models whose codes come from
            different distributions (K the same for all).
        size: width of one panel in inches; by default the panels share :data:`FIGURE_WIDTH`.

    Returns:
        The matplotlib figure.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> from types import SimpleNamespace
        >>> shift = SimpleNamespace(translate=lambda a, z: a + z[:, :1, None, None],
        ...                         cfg=SimpleNamespace(z_dim=2))
        >>> fig = diversity_panels({"A": shift, "B": shift}, torch.zeros(2, 3, 4, 4), 3)
        >>> [ax.get_title() for ax in fig.axes]
        ['A', 'B']
    """
    import matplotlib.pyplot as plt

    per_model = codes if isinstance(codes, Mapping) else dict.fromkeys(models, codes)
    if per_model.keys() != models.keys():
        raise ValueError(
            f"codes are given for {sorted(per_model)} but the models are {sorted(models)}"
        )
    counts = {None if c is None else len(c) for c in per_model.values()}
    if len(counts) > 1:
        raise ValueError(f"every model needs as many codes (or none); got {counts}")
    shared = next(iter(per_model.values()), None)
    cols = 1 + (num_samples if shared is None else shared.shape[0])  # the input, then outputs
    size = FIGURE_WIDTH / len(models) if size is None else size
    height = size * a.shape[0] / cols + 0.4  # square tiles, and room for the title
    fig, axes = plt.subplots(1, len(models), figsize=(size * len(models), height))
    for ax, (title, model) in zip(list(np.atleast_1d(axes)), models.items()):
        gen = torch.Generator().manual_seed(seed)
        picture = diversity_grid(
            model.translate, a, num_samples, gen, model.cfg.z_dim, per_model[title]
        )
        show(picture, title, ax=ax)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- names of logged values

# Generator (or discriminator) terms in ``loss/g_<term>``, and legacy ``loss/<term>`` keys.
