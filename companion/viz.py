"""Figures every chapter uses: image grids, training curves, results across seeds, tables.

Images come in the package's convention, float (N, C, H, W) in [-1, 1]; :func:`to_unit_range`
is the one place they are converted for display. Image grids are drawn with matplotlib; results
across seeds (:func:`seed_points`, :func:`seed_bars`, :func:`metric_panels`) and matrices
(:func:`heatmap`) with seaborn.

Figures are sized for the website's text column, 676 px wide: a figure :data:`FIGURE_WIDTH`
inches wide is 650 px at matplotlib's 100 dpi and is shown at its own size, so its 10-point text
stays readable (a 13-inch figure is shrunk to half, and its text with it). Logged values are
named for readers by :func:`key_label` (``"loss/g_adv"`` is "G adversarial loss").
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

__all__ = [
    "FIGURE_WIDTH",
    "config_table",
    "curves",
    "diversity_grid",
    "diversity_panels",
    "grid",
    "heatmap",
    "key_label",
    "metric_panels",
    "seed_bars",
    "seed_points",
    "show",
    "to_unit_range",
]

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
    codes: torch.Tensor | None = None,
    size: float | None = None,
) -> Any:
    """One :func:`diversity_grid` per model, side by side, every model given the same codes.

    Args:
        models: title -> a method with ``translate(a, z)`` and ``cfg.z_dim``.
        a: (N, C, H, W) inputs in [-1, 1], one row each.
        num_samples: outputs per input (ignored when ``codes`` is given).
        seed: seeds the random codes, afresh for every model, so that panels differ only by
            their model.
        codes: (K, D) codes shared by all rows and models (SEGAN Fig. 6's synchronized grid).
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

    cols = 1 + (num_samples if codes is None else codes.shape[0])  # the input, then outputs
    size = FIGURE_WIDTH / len(models) if size is None else size
    height = size * a.shape[0] / cols + 0.4  # square tiles, and room for the title
    fig, axes = plt.subplots(1, len(models), figsize=(size * len(models), height))
    for ax, (title, model) in zip(list(np.atleast_1d(axes)), models.items()):
        gen = torch.Generator().manual_seed(seed)
        picture = diversity_grid(model.translate, a, num_samples, gen, model.cfg.z_dim, codes)
        show(picture, title, ax=ax)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- names of logged values

# Generator (or discriminator) terms in ``loss/g_<term>``, and legacy ``loss/<term>`` keys.
_TERMS = {
    "adv": "adversarial",
    "gan": "adversarial",
    "l1": "L1",
    "l2": "L2",
    "kl": "KL",
    "latent": "latent regression",
    "ms": "mode-seeking",
    "gc": "geometry-consistency",
    "gp": "gradient penalty",
    "cycle": "cycle-consistency",
    "idt": "identity",
    "rec": "reconstruction",
    "info": "information",
}
# MI estimates in ``mi/<bound>`` (and bounds computed by callbacks, ``eval/<bound>``).
_BOUNDS = {
    "jsd": "JSD bound",
    "nwj": "NWJ bound",
    "dv": "DV bound",
    "mine": "MINE bound",
    "infonce": "InfoNCE bound",
    "smile": "SMILE bound",
    "ba": "BA bound",
    "latent_bound": "latent-regression bound",
    "cat_bound": "categorical-code bound",
    "cont_bound": "continuous-code bound",
}
# Callback metrics in ``eval/<metric>``.
_METRICS = {
    "fid": "FID",
    "kid": "KID",
    "lpips": "LPIPS diversity",
    "ndb": "NDB",
    "coverage": "mode coverage",
    "precision": "precision",
    "styles_per_input": "styles per input",
}
_NETS = {"d": "D", "g": "G", "e": "E", "t": "T", "q": "Q"}


def _words(name: str) -> str:
    return name.replace("_", " ")


def key_label(key: str, labels: Mapping[str, str] | None = None) -> str:
    """The name a figure shows for a logged value, e.g. ``"loss/g_adv"`` -> "G adversarial loss".

    The package logs ``loss/d`` and ``loss/g``, one ``loss/g_<term>`` per generator term,
    ``mi/<bound>`` for MI estimates in nats and ``eval/<metric>`` for callback metrics; each
    gets a name from that vocabulary. Unknown terms and metrics keep their own words (underscores
    become spaces), and a key without a slash is returned as it is.

    Args:
        key: a key of a :func:`companion.train.fit` history.
        labels: explicit names, key -> name; they win over the derived ones.

    Returns:
        A name for a legend or an axis.

    Example:
        >>> [key_label(k) for k in ("loss/d", "loss/g_adv", "loss/g_kl", "loss/g_ms")]
        ['D loss', 'G adversarial loss', 'G KL loss', 'G mode-seeking loss']
        >>> key_label("mi/jsd"), key_label("eval/cat_bound"), key_label("eval/fid")
        ('JSD bound (nats)', 'categorical-code bound (nats)', 'FID')
        >>> key_label("mi/jsd", labels={"mi/jsd": "SEGAN's bound"})
        "SEGAN's bound"
    """
    if labels is not None and key in labels:
        return labels[key]
    prefix, slash, name = key.partition("/")
    if not slash:
        return key
    if prefix == "loss":
        net, underscore, term = name.partition("_")
        if not underscore and name in _NETS:
            return f"{_NETS[name]} loss"
        if underscore and net in _NETS:
            return f"{_NETS[net]} {_TERMS.get(term, _words(term))} loss"
        return f"{_TERMS.get(name, _words(name))} loss"
    if prefix == "mi":
        return f"{_BOUNDS.get(name, _words(name) + ' estimate')} (nats)"
    if prefix == "eval":
        if name in _BOUNDS or name.endswith("_bound"):
            return f"{_BOUNDS.get(name, _words(name))} (nats)"
        return _METRICS.get(name, _words(name))
    return f"{_words(prefix)} {_words(name)}"


def _reference_line(ax: Any, value: float, text: str | None, xmin: float = 0.0, xmax: float = 1.0):
    """A dashed horizontal line at ``value``, labelled inside the axes by its right end.

    The label sits above the line, or below it when the line runs near the top of the axes.
    """
    ax.axhline(value, xmin=xmin, xmax=xmax, ls="--", c="0.45", lw=1, zorder=1)
    if text:
        low, high = sorted(ax.get_ylim())
        below = value > low + 0.85 * (high - low)
        ax.annotate(
            text,
            xy=(xmax, value),
            xycoords=ax.get_yaxis_transform(),  # x in axes fractions, y in data
            xytext=(-4, -3 if below else 3),
            textcoords="offset points",
            ha="right",
            va="top" if below else "bottom",
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            fontsize=9,
            color="0.3",
        )


# --------------------------------------------------------------------------- results across seeds


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


def _format_value(value: Any, width: int = 40) -> str:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        text = type(value).__name__
    elif isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(_format_value(v, width) for v in value)
        text = f"({text})" if isinstance(value, tuple) else f"[{text}]"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def config_table(
    cfg: Any,
    fields: Sequence[str] | None = None,
    *,
    compare: Any = None,
    columns: Sequence[str] | None = None,
) -> Any:
    """The fields of a dataclass config that matter, as a short table (one row per field).

    A run's header shows this instead of the config's one-line repr (thousands of pixels wide).
    Displayed as a cell's last value it is an HTML table; ``print`` gives the text version.

    Args:
        cfg: a dataclass instance, e.g. a method's ``Config``.
        fields: the names to show, in this order (default: every field, or with ``compare``
            every field whose value differs).
        compare: another config of the same class (e.g. the paper preset), shown as a second
            column of values.
        columns: the column titles (default ``("value",)``, with ``compare``
            ``("value", "compare")``).

    Returns:
        A pandas DataFrame whose index holds the field names.

    Raises:
        TypeError: if ``cfg`` (or ``compare``) is not a dataclass instance.
        ValueError: if a name in ``fields`` is not a field of ``cfg``.

    Example:
        >>> from dataclasses import dataclass
        >>> @dataclass
        ... class Config:
        ...     lr: float = 2e-4
        ...     betas: tuple = (0.5, 0.999)
        ...     steps: int = 400
        >>> print(config_table(Config(steps=200), ["steps", "lr"]))
                value
        steps     200
        lr     0.0002
        >>> print(config_table(Config(steps=200), compare=Config(), columns=("cpu", "paper")))
               cpu paper
        steps  200   400
    """
    import pandas as pd

    for name, value in (("cfg", cfg), ("compare", compare)):
        if value is not None and not (
            dataclasses.is_dataclass(value) and not isinstance(value, type)
        ):
            raise TypeError(
                f"{name} must be a dataclass instance, got {type(value).__name__}; "
                "pass a config such as Method.Config()"
            )
    names = [f.name for f in dataclasses.fields(cfg)]
    if fields is None:
        fields = names
        if compare is not None:
            fields = [n for n in names if getattr(cfg, n) != getattr(compare, n, None)]
    unknown = [f for f in fields if f not in names]
    if unknown:
        raise ValueError(f"{type(cfg).__name__} has no field {unknown}; its fields are {names}")
    values = {"value": [_format_value(getattr(cfg, f)) for f in fields]}
    if compare is not None:
        values["compare"] = [_format_value(getattr(compare, f, "")) for f in fields]
    titles = list(columns) if columns is not None else list(values)
    if len(titles) != len(values):
        raise ValueError(f"columns needs {len(values)} titles, got {titles}")
    table = pd.DataFrame(dict(zip(titles, values.values())), index=pd.Index(fields))
    return table


# --------------------------------------------------------------------------- training curves


def curves(
    history: Sequence[Mapping[str, float]],
    keys: Sequence[str] | None = None,
    ax: Any = None,
    reference: Mapping[str, float] | None = None,
    label: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Any:
    """Plot logged values against ``step`` (a :func:`companion.train.fit` history).

    Call it again with the returned ``ax`` to compare runs, naming each with ``label``. Keys are
    shown by their readable names (:func:`key_label`): ``"mi/jsd"`` is "JSD bound (nats)".

    Args:
        history: dicts with a ``step`` key.
        keys: which values to plot (default: all except ``step``).
        ax: matplotlib axes to draw on.
        reference: horizontal lines to draw, label -> value (e.g. the true MI); each is dashed
            and labelled inside the axes, above the line's right end.
        label: the run's name in the legend: the line's label for one key, else its prefix.
        labels: names for keys, key -> name, over the derived ones.

    Returns:
        The matplotlib axes.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> hist = [{"step": 0, "mi/jsd": -1.4}, {"step": 10, "mi/jsd": -0.6}]
        >>> ax = curves(hist, ["mi/jsd"], label="A", reference={"-2 log 2": -1.386})
        >>> ax = curves(hist[:1], ["mi/jsd"], ax=ax, label="B")
        >>> [line.get_label() for line in ax.get_lines() if line.get_label()[0] != "_"]
        ['A', 'B']
        >>> ax.get_ylabel(), ax.texts[0].get_text()
        ('JSD bound (nats)', '-2 log 2')
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(FIGURE_WIDTH, 3.2))
    if keys is None:
        keys = sorted({k for h in history for k in h if k != "step"})
    for key in keys:
        pts = [(h["step"], h[key]) for h in history if key in h]
        if pts:
            name = key_label(key, labels)
            name = name if label is None else label if len(keys) == 1 else f"{label}: {name}"
            ax.plot(*zip(*pts), label=name)
    for text, value in (reference or {}).items():
        _reference_line(ax, value, text)
    if len(keys) == 1:
        ax.set_ylabel(key_label(keys[0], labels))
    elif keys and all(k.startswith("mi/") for k in keys):
        ax.set_ylabel("nats")
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
