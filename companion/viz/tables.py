"""Configs as short tables: the fields that matter, and how a preset departs from the paper."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

__all__ = ["config_table"]


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
