"""Training curves, with the log keys named for readers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from companion.viz.images import FIGURE_WIDTH

__all__ = ["curves", "key_label"]

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
