"""Figures every chapter uses: image grids, diversity grids and training curves.

Images come in the package's convention, float (N, C, H, W) in [-1, 1]; :func:`to_unit_range`
is the one place they are converted for display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["curves", "diversity_grid", "diversity_panels", "grid", "show", "to_unit_range"]


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


def show(image: torch.Tensor, title: str | None = None, ax: Any = None, size: float = 6.0) -> Any:
    """Draw a (3, H, W) image in [0, 1] (as :func:`grid` returns) with matplotlib.

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
    codes: torch.Tensor | None = None,
    size: float = 5.0,
) -> Any:
    """One :func:`diversity_grid` per model, side by side, every model given the same codes.

    Args:
        models: title -> a method with ``translate(a, z)`` and ``cfg.z_dim``.
        a: (N, C, H, W) inputs in [-1, 1], one row each.
        num_samples: outputs per input (ignored when ``codes`` is given).
        seed: seeds the random codes, afresh for every model, so that panels differ only by
            their model.
        codes: (K, D) codes shared by all rows and models (SEGAN Fig. 6's synchronized grid).
        size: width of one panel in inches.

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

    cols = 1 + (num_samples if codes is None else codes.shape[0])  # the input, then outputs
    height = size * a.shape[0] / cols + 0.4  # square tiles, and room for the title
    fig, axes = plt.subplots(1, len(models), figsize=(size * len(models), height))
    for ax, (title, model) in zip(list(np.atleast_1d(axes)), models.items()):
        gen = torch.Generator().manual_seed(seed)
        picture = diversity_grid(model.translate, a, num_samples, gen, model.cfg.z_dim, codes)
        show(picture, title, ax=ax)
    fig.tight_layout()
    return fig


def curves(
    history: Sequence[Mapping[str, float]],
    keys: Sequence[str] | None = None,
    ax: Any = None,
    reference: Mapping[str, float] | None = None,
    label: str | None = None,
) -> Any:
    """Plot logged values against ``step`` (a :func:`companion.train.fit` history).

    Call it again with the returned ``ax`` to compare runs, naming each with ``label``.

    Args:
        history: dicts with a ``step`` key.
        keys: which values to plot (default: all except ``step``).
        ax: matplotlib axes to draw on.
        reference: horizontal lines to draw, label -> value (e.g. the true MI).
        label: the run's name in the legend: the line's label for one key, else its prefix.

    Returns:
        The matplotlib axes.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> ax = curves([{"step": 0, "mi": -1.4}, {"step": 10, "mi": -0.6}], ["mi"], label="A")
        >>> ax = curves([{"step": 0, "mi": -1.4}], ["mi"], ax=ax, label="B")
        >>> [line.get_label() for line in ax.get_lines()]
        ['A', 'B']
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    if keys is None:
        keys = sorted({k for h in history for k in h if k != "step"})
    for key in keys:
        pts = [(h["step"], h[key]) for h in history if key in h]
        if pts:
            name = key if label is None else label if len(keys) == 1 else f"{label}: {key}"
            ax.plot(*zip(*pts), label=name)
    for label, value in (reference or {}).items():
        ax.axhline(value, ls="--", c="gray", lw=1)
        ax.annotate(label, (ax.get_xlim()[0], value), va="bottom", fontsize=8, color="gray")
    ax.set_xlabel("step")
    ax.legend(frameon=False)
    return ax


__all__ += ["staircase_panels"]


def staircase_panels(
    true_mi: torch.Tensor,
    estimates: Mapping[str, torch.Tensor],
    window: int = 40,
    ceiling: float | None = None,
    floor: float | None = None,
    col_wrap: int = 3,
    height: float = 2.1,
) -> Any:
    """One seaborn panel per estimator: its estimate against the true MI of each step.

    Steps are grouped in windows of ``window``; each panel draws the median of every window
    with its 10-90 % band, and the true MI as a black staircase. Every panel has its own
    y-range, chosen to contain the staircase and the whole band (down to ``floor``), so no
    estimator's scale can hide another's curve.

    Args:
        true_mi: (S,) float, the true MI of each step in nats.
        estimates: name -> (S,) float estimate of each step in nats (e.g. a
            :class:`companion.mi.StaircaseResult`'s ``estimates``).
        window: steps per window (>= 1).
        ceiling: None, or a dotted horizontal line in every panel (InfoNCE's ``log N``).
        floor: None, or the lowest y-limit; a band reaching below it is cut there and the
            panel says so.
        col_wrap: panels per row.
        height: height of each panel in inches (width 1.25 times that).

    Returns:
        The seaborn ``FacetGrid``; ``grid.axes_dict[name]`` is the panel of ``name``.

    Raises:
        ValueError: if a series' length differs from ``true_mi``'s, or window < 1.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> truth = torch.tensor([2.0] * 40 + [4.0] * 40)
        >>> grid = staircase_panels(truth, {"a": truth - 1, "b": 0 * truth - 1.3}, window=10)
        >>> [round(float(v), 1) for v in grid.axes_dict["b"].get_ylim()]
        [-1.6, 4.3]
    """
    import pandas as pd
    import seaborn as sns

    steps = len(true_mi)
    if window < 1:
        raise ValueError(f"window must be >= 1 step, got {window}")
    frames = []
    for name, series in estimates.items():
        if len(series) != steps:
            raise ValueError(
                f"estimate {name!r} has {len(series)} steps but true_mi has {steps}; pass the "
                "series of one run"
            )
        step = np.arange(steps)
        frames.append(
            pd.DataFrame(
                {
                    "estimator": name,
                    "step": (step // window) * window + (window - 1) / 2,  # window centre
                    "nats": series.detach().double().cpu().numpy(),
                }
            )
        )
    data = pd.concat(frames, ignore_index=True)
    grid = sns.relplot(
        data=data,
        x="step",
        y="nats",
        col="estimator",
        col_wrap=col_wrap,
        kind="line",
        estimator="median",
        errorbar=("pi", 80),
        height=height,
        aspect=1.25,
        facet_kws={"sharey": False, "sharex": True},
    )
    grid.set_titles("{col_name}")
    truth = true_mi.detach().double().cpu().numpy()
    band = data.groupby(["estimator", "step"])["nats"].quantile([0.1, 0.9])
    for name, ax in grid.axes_dict.items():
        ax.plot(np.arange(steps), truth, c="k", lw=1, drawstyle="steps-post", label="true MI")
        if ceiling is not None:
            ax.axhline(ceiling, c="gray", ls=":", lw=1)
        lines = [float(truth.min()), float(truth.max())] + ([] if ceiling is None else [ceiling])
        low = min(min(lines), float(band[name].min()))
        high = max(max(lines), float(band[name].max()))
        if floor is not None and low < floor:
            low = floor
            ax.text(
                0.98,
                0.03,
                "band continues below",
                transform=ax.transAxes,
                ha="right",
                fontsize=7,
                color="C0",
                backgroundcolor="white",
            )
        pad = 0.05 * (high - low or 1.0)
        ax.set_ylim(low - pad, high + pad)
    grid.set_axis_labels("training step", "nats")
    grid.figure.tight_layout()
    return grid
