"""Results across seeds (seaborn): points per seed, bars with error bars, panels, heatmaps."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from companion.viz.curves import _reference_line, key_label
from companion.viz.images import FIGURE_WIDTH

__all__ = ["heatmap", "metric_panels", "seed_bars", "seed_points"]


def _long_table(results: Any, x: str, y: str) -> Any:
    """A pandas DataFrame from a DataFrame, a list of row dicts, or a mapping group -> values."""
    import pandas as pd

    if isinstance(results, pd.DataFrame):
        table = results
    elif isinstance(results, Mapping):
        rows = [
            {x: group, "seed": i, y: float(v)}
            for group, values in results.items()
            for i, v in enumerate(np.atleast_1d(np.asarray(values, dtype=float)))
        ]
        table = pd.DataFrame(rows, columns=[x, "seed", y])
    else:
        table = pd.DataFrame(list(results))
    missing = [c for c in (x, y) if c not in table.columns]
    if missing:
        raise ValueError(
            f"the results have no column {missing} (columns: {list(table.columns)}); "
            "name the columns with x= and y=, or pass a mapping group -> values per seed"
        )
    return table


def _order(table: Any, column: str | None, order: Sequence[Any] | None) -> list[Any] | None:
    if column is None:
        return None
    return list(order) if order is not None else list(dict.fromkeys(table[column]))


def _centers(order: list[Any], hue_order: list[Any] | None, width: float = 0.8) -> dict:
    """Where seaborn puts each (group, hue level): dodged within ``width`` around the group."""
    if not hue_order:
        return {(g, None): float(i) for i, g in enumerate(order)}
    n = len(hue_order)
    return {
        (g, h): i - width / 2 + width * (j + 0.5) / n
        for i, g in enumerate(order)
        for j, h in enumerate(hue_order)
    }


def _category_axes(ax: Any, n_groups: int, height: float = 3.0) -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(min(FIGURE_WIDTH, 1.8 + 1.1 * n_groups), height))
    return ax


def _wrap_ticks(ax: Any, n_groups: int) -> None:
    """Name logged keys readably, and wrap long group names so that neighbours do not overlap."""
    width = max(8, int(72 / max(n_groups, 1)))
    names = [textwrap.fill(key_label(t.get_text()), width) for t in ax.get_xticklabels()]
    ax.set_xticks(ax.get_xticks())
    ax.set_xticklabels(names)


def _chance(
    ax: Any,
    chance: float | Mapping[Any, float] | None,
    label: str | None,
    order: list[Any],
) -> None:
    """One chance line for all groups, or a segment per group (group -> level)."""
    if chance is None:
        return
    if not isinstance(chance, Mapping):
        _reference_line(ax, float(chance), label)
        return
    from matplotlib.lines import Line2D

    unknown = [g for g in chance if g not in order]
    if unknown:
        raise ValueError(f"chance levels for groups {unknown} not in the results ({order})")
    for i, group in enumerate(order):
        if group in chance:
            ax.hlines(chance[group], i - 0.45, i + 0.45, colors="0.45", linestyles="--", lw=1)
    handles, _ = ax.get_legend_handles_labels()
    proxy = Line2D([], [], ls="--", c="0.45", lw=1, label=label or "chance")
    ax.legend(handles=[*handles, proxy], frameon=False, fontsize=9)


def _finish(ax: Any, table: Any, x: str, y: str, ylabel: str | None, n_groups: int) -> Any:
    ax.set_xlabel("")
    ax.set_ylabel(ylabel if ylabel is not None else key_label(y))
    _wrap_ticks(ax, n_groups)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def seed_points(
    results: Any,
    *,
    x: str = "method",
    y: str = "value",
    hue: str | None = None,
    order: Sequence[Any] | None = None,
    chance: float | Mapping[Any, float] | None = None,
    chance_label: str | None = "chance",
    ylabel: str | None = None,
    palette: Mapping[Any, Any] | None = None,
    ax: Any = None,
) -> Any:
    """One point per seed, a black bar at each group's mean, and the chance level (seaborn).

    Args:
        results: one row per seed and group: a pandas DataFrame or a list of dicts with columns
            ``x`` and ``y`` (and ``hue``), or a mapping group -> the values of its seeds.
        x: the column of groups (methods), one per position on the x-axis.
        y: the column of values.
        hue: a column that splits each group into dodged, coloured subgroups.
        order: the groups in the order to draw (default: first appearance).
        chance: the chance or reference level, drawn dashed and labelled inside the axes: one
            number for all groups, or group -> number for a level per group.
        chance_label: the line's label (None for none).
        ylabel: the y-axis label (default: :func:`key_label` of ``y``).
        palette: group -> colour, to colour each group (without ``hue``).
        ax: matplotlib axes to draw on.

    Returns:
        The matplotlib axes.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> ax = seed_points({"pix2pix": [1.0, 1.3, 1.0], "BicycleGAN": [3.3, 3.0, 4.0]},
        ...                  chance=1.0, chance_label="one style", ylabel="styles per input")
        >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_ylabel()
        (['pix2pix', 'BicycleGAN'], 'styles per input')
    """
    import seaborn as sns

    table = _long_table(results, x, y)
    order = _order(table, x, order)
    hue_order = _order(table, hue, None)
    ax = _category_axes(ax, len(order))
    by_group = hue is None and palette is not None  # colour each group, no subgroups
    sns.stripplot(
        data=table,
        x=x,
        y=y,
        hue=x if by_group else hue,
        order=order,
        hue_order=order if by_group else hue_order,
        palette=dict(palette) if by_group else None,
        dodge=hue is not None,
        jitter=0.12,
        size=6,
        alpha=0.8,
        color=None if hue or by_group else "C0",
        legend=hue is not None,
        ax=ax,
        zorder=3,
    )
    half = 0.3 / (len(hue_order) if hue_order else 1)
    keys = [x] if hue is None else [x, hue]
    for key, values in table.groupby(keys, sort=False)[y]:
        group, level = (key[0], None) if hue is None else key
        if group in order:
            center = _centers(order, hue_order)[(group, level)]
            ax.hlines(values.mean(), center - half, center + half, colors="k", lw=2, zorder=4)
    _chance(ax, chance, chance_label, order)
    return _finish(ax, table, x, y, ylabel, len(order))


def seed_bars(
    results: Any,
    *,
    x: str = "method",
    y: str = "value",
    hue: str | None = None,
    order: Sequence[Any] | None = None,
    errorbar: Any = "sd",
    show_seeds: bool = True,
    chance: float | Mapping[Any, float] | None = None,
    chance_label: str | None = "chance",
    ylabel: str | None = None,
    palette: Mapping[Any, Any] | None = None,
    ax: Any = None,
) -> Any:
    """Bars at the mean over seeds with error bars, grouped by ``hue`` (seaborn).

    Args:
        results: as for :func:`seed_points`.
        x: the column of groups on the x-axis.
        y: the column of values.
        hue: a column of subgroups drawn as neighbouring bars.
        order: the groups in the order to draw (default: first appearance).
        errorbar: seaborn's error bar, ``"sd"`` (default: one standard deviation over seeds),
            ``("ci", 95)``, ``"se"``, or None.
        show_seeds: also draw each seed as a small black point.
        chance: the chance or reference level, as for :func:`seed_points`.
        chance_label: the line's label (None for none).
        ylabel: the y-axis label (default: :func:`key_label` of ``y``).
        palette: group -> colour, to colour each group's bar (without ``hue``).
        ax: matplotlib axes to draw on.

    Returns:
        The matplotlib axes.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> rows = [{"method": m, "metric": k, "value": v, "seed": s}
        ...         for s in range(3) for m, v in (("SEGAN", 0.3 + s / 100), ("w/o MI", 0.1))
        ...         for k in ("LPIPS", "coverage")]
        >>> ax = seed_bars(rows, x="metric", hue="method")
        >>> len(ax.patches) >= 4  # 2 metrics x 2 methods
        True
    """
    import seaborn as sns

    table = _long_table(results, x, y)
    order = _order(table, x, order)
    hue_order = _order(table, hue, None)
    ax = _category_axes(ax, len(order) * (len(hue_order) if hue_order else 1) // 2 + 1)
    by_group = hue is None and palette is not None  # colour each group, no subgroups
    sns.barplot(
        data=table,
        x=x,
        y=y,
        hue=x if by_group else hue,
        order=order,
        hue_order=order if by_group else hue_order,
        palette=dict(palette) if by_group else None,
        dodge=hue is not None,
        errorbar=errorbar,
        capsize=0.15,
        err_kws={"linewidth": 1.2, "color": "0.2"},
        color=None if hue or by_group else "C0",
        alpha=0.85,
        legend=hue is not None,
        ax=ax,
    )
    if show_seeds:
        sns.stripplot(
            data=table,
            x=x,
            y=y,
            hue=hue,
            order=order,
            hue_order=hue_order,
            dodge=hue is not None,
            jitter=0.08,
            size=3.5,
            palette=["k"] * len(hue_order) if hue_order else None,
            color=None if hue else "k",
            legend=False,
            ax=ax,
            zorder=3,
        )
    if hue is not None:
        ax.legend(frameon=False, fontsize=9, title=None)
    _chance(ax, chance, chance_label, order)
    return _finish(ax, table, x, y, ylabel, len(order))


def metric_panels(
    results: Any,
    draw: Callable[..., Any] | None = None,
    *,
    by: str = "metric",
    chance: Mapping[Any, float | Mapping[Any, float]] | None = None,
    ncols: int | None = None,
    height: float = 2.6,
    **kwargs: Any,
) -> Any:
    """One small panel per metric, each with its own y-axis, e.g. a five-method table as a figure.

    Without ``hue``, each group (method) has its own colour, named once in a legend above the
    panels, so that the narrow panels need no tick labels.

    Args:
        results: a long table (see :func:`seed_points`) with a column ``by``.
        draw: :func:`seed_points` (default) or :func:`seed_bars`, called once per panel.
        by: the column whose values get a panel each, in order of appearance; each value is
            its panel's y label (through :func:`key_label`).
        chance: metric -> its chance level (a number, or group -> number).
        ncols: panels per row (default: up to 3).
        height: height of one row of panels in inches.
        **kwargs: passed to ``draw`` (``x``, ``y``, ``hue``, ``order``, ...).

    Returns:
        The matplotlib figure.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> rows = [{"method": m, "metric": k, "value": v}
        ...         for m in ("A", "B") for k, v in (("coverage", 7.0), ("eval/fid", 30.0))]
        >>> fig = metric_panels(rows, chance={"coverage": 1.0})
        >>> [ax.get_ylabel() for ax in fig.axes]
        ['coverage', 'FID']
    """
    import matplotlib.pyplot as plt

    draw = seed_points if draw is None else draw
    table = _long_table(results, by, kwargs.get("y", "value"))
    metrics = list(dict.fromkeys(table[by]))
    x = kwargs.get("x", "method")
    by_group = kwargs.get("hue") is None
    if by_group:
        groups = _order(table, x, kwargs.get("order"))
        kwargs.setdefault("palette", {g: f"C{i % 10}" for i, g in enumerate(groups)})
    ncols = ncols or min(3, len(metrics))
    nrows = -(-len(metrics) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(FIGURE_WIDTH, height * nrows), squeeze=False, layout="constrained"
    )
    for ax, metric in zip(axes.flat, metrics):
        levels = (chance or {}).get(metric)
        draw(
            table[table[by] == metric],
            ax=ax,
            ylabel=key_label(str(metric)),
            chance=levels,
            **kwargs,
        )
        if by_group:
            ax.tick_params(axis="x", bottom=False, labelbottom=False)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.remove()
    if by_group:
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], ls="", marker="o", color=kwargs["palette"][g], label=str(g))
            for g in groups
        ]
        fig.legend(
            handles=handles,
            loc="outside upper center",
            ncols=len(groups) if sum(len(str(g)) for g in groups) < 60 else -(-len(groups) // 2),
            frameon=False,
            fontsize=9,
        )
    return fig


def heatmap(
    matrix: Any,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    *,
    fmt: str = ".2f",
    center: float | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str | None = None,
    xlabel: str = "",
    ylabel: str = "",
    cbar_label: str | None = None,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """A small annotated heatmap (seaborn), e.g. a Spearman or a confusion matrix.

    Args:
        matrix: (R, C) numbers: a NumPy array, a tensor, a nested list or a pandas DataFrame
            (whose index and columns are the default labels).
        row_labels: R names for the rows (default: the DataFrame's index, else 0..R-1).
        col_labels: C names for the columns.
        fmt: format of the numbers written in the cells.
        center: the value at the colormap's centre: give 0 for correlations, which then use a
            diverging colormap whose ends lie at the same distance from the centre.
        vmin: the lower end of the colour scale (default: the data's minimum).
        vmax: the upper end.
        cmap: a matplotlib colormap name (default: "vlag" with ``center``, else "Blues").
        xlabel: the x-axis label.
        ylabel: the y-axis label.
        cbar_label: the colour bar's label.
        title: drawn above the matrix.
        ax: matplotlib axes to draw on.

    Returns:
        The matplotlib axes.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> ax = heatmap([[1.0, -0.2], [0.1, 0.9]], ["c1", "c2"], ["width", "slant"], center=0)
        >>> [t.get_text() for t in ax.texts]
        ['1.00', '-0.20', '0.10', '0.90']
    """
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    if isinstance(matrix, torch.Tensor):
        matrix = matrix.detach().cpu().numpy()
    table = matrix if isinstance(matrix, pd.DataFrame) else pd.DataFrame(np.asarray(matrix))
    if table.ndim != 2 or 0 in table.shape:
        raise ValueError(f"expected a non-empty (rows, columns) matrix, got shape {table.shape}")
    if row_labels is not None:
        table = table.set_axis(list(row_labels), axis=0)
    if col_labels is not None:
        table = table.set_axis(list(col_labels), axis=1)
    rows, cols = table.shape
    values = table.to_numpy(dtype=float)
    if center is not None and vmin is None and vmax is None:  # the same colour for +x and -x
        spread = float(np.nanmax(np.abs(values - center)))
        vmin, vmax = center - spread, center + spread
    if ax is None:
        width = min(FIGURE_WIDTH, 1.6 + 0.7 * cols)
        _, ax = plt.subplots(figsize=(width, 0.8 + 0.45 * rows))
    sns.heatmap(
        table.astype(float),
        annot=True,
        fmt=fmt,
        center=center,
        vmin=vmin,
        vmax=vmax,
        cmap=cmap or ("vlag" if center is not None else "Blues"),
        linewidths=0.5,
        cbar_kws={"label": cbar_label} if cbar_label else None,
        annot_kws={"fontsize": 9},
        ax=ax,
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="y", rotation=0)
    if title:
        ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- configs
