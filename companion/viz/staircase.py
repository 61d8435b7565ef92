"""The MI staircase: every estimator against the true MI of each step (Chapter 1.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

__all__ = ["staircase_panels"]


# Short names of the estimators of companion.mi.ESTIMATORS, as the chapters write them.
_NAMES = {
    "infonce": "InfoNCE",
    "nwj": "NWJ",
    "jsd": "JSD read-out",
    "dv": "DV",
    "mine": "MINE",
    "smile": "SMILE",
    "ba": "BA",
}


def estimator_name(key: str) -> str:
    """The name a figure shows for an MI estimator's key, e.g. ``"infonce"`` -> "InfoNCE".

    ``"jsd"`` is the JSD critic read out in nats through the NWJ bound, hence "JSD read-out";
    an unknown key is returned as it is.

    Example:
        >>> [estimator_name(k) for k in ("infonce", "jsd", "smile", "mine", "custom")]
        ['InfoNCE', 'JSD read-out', 'SMILE', 'MINE', 'custom']
    """
    return _NAMES.get(key, key)


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

    Each panel is titled with :func:`estimator_name` of its key.

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
    for name, ax in grid.axes_dict.items():
        ax.set_title(estimator_name(name))
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
