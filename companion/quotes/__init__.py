"""The papers' numbers, typed once: every table of paper results that a chapter shows comes from
here, so a misquote is fixed in one place and a test can compare the book against it.

One module per source paper (``seed000_segan``, ...) defines ``TABLES``, a list of
:class:`QuotedTable`. Values are kept as the paper prints them (strings such as
``"98.85 ± 1.21"``), with the table number, the section and the arXiv version they were read
from; :meth:`QuotedTable.value` parses the number. Chapters show a table with
:meth:`QuotedTable.frame` (a pandas DataFrame), never by retyping it.

Example:
    >>> table = QuotedTable(
    ...     "toy", "Table 1", "FID on a toy set", ("FID",), {"ours": ("1.50 ± 0.10",)}, "a note"
    ... )
    >>> table.value("ours", "FID"), table.std("ours", "FID")
    (1.5, 0.1)
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import textwrap
from collections.abc import Mapping
from typing import Any

__all__ = ["QuotedTable", "all_quotes", "quoted_table"]

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclasses.dataclass(frozen=True)
class QuotedTable:
    """One table (or part of one) of a paper's results, exactly as printed.

    Attributes:
        paper: the source's key, e.g. "seed000" (the book's seed papers) or a bibliography key.
        table: the paper's own label, e.g. "Table 1" or "Table 2 (Yosemite half)".
        caption: what it reports (metric, dataset, direction), in a sentence.
        columns: the column headers.
        rows: row label -> one string per column, as printed ("98.85 ± 1.21", "-", "0.1032").
        source: where it was read: citation, arXiv id and version, section.
    """

    paper: str
    table: str
    caption: str
    columns: tuple[str, ...]
    rows: Mapping[str, tuple[str, ...]]
    source: str

    def __post_init__(self) -> None:
        for label, values in self.rows.items():
            if len(values) != len(self.columns):
                raise ValueError(
                    f"{self.paper} {self.table}: row {label!r} has {len(values)} values for "
                    f"{len(self.columns)} columns"
                )

    def cell(self, row: str, column: str) -> str:
        """The printed text of one cell.

        Raises:
            KeyError: for an unknown row or column (the message lists the known ones).
        """
        if row not in self.rows:
            raise KeyError(f"{self.paper} {self.table} has no row {row!r}; rows: {list(self.rows)}")
        if column not in self.columns:
            raise KeyError(
                f"{self.paper} {self.table} has no column {column!r}; columns: {self.columns}"
            )
        return self.rows[row][self.columns.index(column)]

    def value(self, row: str, column: str) -> float:
        """The cell's main number (before any ±); NaN for a cell without one ("-")."""
        numbers = _NUMBER.findall(self.cell(row, column))
        return float(numbers[0]) if numbers else float("nan")

    def std(self, row: str, column: str) -> float:
        """The number after a ± in the cell; NaN when the paper gives none."""
        text = self.cell(row, column)
        if "±" not in text:
            return float("nan")
        numbers = _NUMBER.findall(text.split("±", 1)[1])
        return float(numbers[0]) if numbers else float("nan")

    def heading(self, width: int = 79) -> str:
        """ "<table>: <caption>" in lines of at most ``width`` characters (the site's column).

        Example:
            >>> t = QuotedTable("p", "Table 1", "FID " * 30, ("FID",), {"a": ("1",)}, "s")
            >>> max(len(line) for line in t.heading().splitlines()) <= 79
            True
        """
        return textwrap.fill(f"{self.table}: {self.caption}", width, break_on_hyphens=False)

    def frame(self) -> Any:
        """The table as a pandas DataFrame of the printed strings (rows x columns)."""
        import pandas as pd

        return pd.DataFrame(
            [list(v) for v in self.rows.values()], index=list(self.rows), columns=self.columns
        )


def all_quotes() -> list[QuotedTable]:
    """Every quoted table of every paper module, in module order."""
    import companion.quotes as package

    tables: list[QuotedTable] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"companion.quotes.{info.name}")
        tables.extend(getattr(module, "TABLES", []))
    return tables


def quoted_table(paper: str, table: str) -> QuotedTable:
    """The quoted table ``table`` of ``paper``.

    Raises:
        KeyError: for an unknown pair; the message lists the known tables.
    """
    tables = all_quotes()
    for t in tables:
        if (t.paper, t.table) == (paper, table):
            return t
    known = ", ".join(f"{t.paper} {t.table!r}" for t in tables) or "none yet"
    raise KeyError(f"no quoted table {table!r} of {paper!r}; known: {known}")
