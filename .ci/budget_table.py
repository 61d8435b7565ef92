"""The test suite's time budget, from the JUnit XML that `make test` writes.

Prints one row per notebook (the sum of its cells, kernel start included) and one for the unit
tests, and flags a notebook over 90 s and unit tests over 8 minutes (the budget of DESIGN.md:
ten chapters in 45 minutes of CI). A flag is not a failure: the machines are noisy, and the
lead re-measures on an idle machine. The last line repeats pytest's counts. The exit status is 0
unless the file cannot be read.

Usage::

    python .ci/budget_table.py .ci/reports/junit.xml
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

NOTEBOOK_BUDGET_S = 90.0
UNIT_BUDGET_S = 8 * 60.0


def read_times(path: Path) -> tuple[dict[str, float], dict[str, float], float]:
    """Seconds per notebook and per unit-test module, and the whole session's seconds.

    Args:
        path: a JUnit XML file written by ``pytest --junitxml``; nbval names a notebook's cells
            ``Cell N`` with the notebook's dotted path (``chapters.01_x.01_01_y.ipynb``) as class.

    Returns:
        ``(notebooks, unit_modules, session_s)``; notebooks are keyed ``folder/stem``.
    """
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    notebooks: dict[str, float] = defaultdict(float)
    units: dict[str, float] = defaultdict(float)
    for case in root.iter("testcase"):
        cls, seconds = case.get("classname", ""), float(case.get("time", 0.0))
        if cls.endswith(".ipynb"):
            parts = cls.removesuffix(".ipynb").split(".")
            notebooks["/".join(parts[-2:])] += seconds
        else:
            units[cls] += seconds
    session = sum(float(s.get("time", 0.0)) for s in suites)
    return dict(notebooks), dict(units), session


def read_counts(path: Path) -> tuple[int, int, int]:
    """``(passed, failed, skipped)`` over the file's test cases; errors count as failed."""
    passed = failed = skipped = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        outcomes = {child.tag for child in case}
        if outcomes & {"failure", "error"}:
            failed += 1
        elif "skipped" in outcomes:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def format_table(notebooks: dict[str, float], units: dict[str, float], session: float) -> str:
    """The table CI prints last: notebooks in book order, then unit tests, then totals."""
    rows = ["", "== test-suite budget (seconds; a flag is not a failure) =="]
    width = max([len(n) for n in notebooks] + [28])
    over = 0
    for name in sorted(notebooks):
        seconds = notebooks[name]
        flag = f"  OVER {NOTEBOOK_BUDGET_S:.0f} s" if seconds > NOTEBOOK_BUDGET_S else ""
        over += bool(flag)
        rows.append(f"{name:<{width}}  {seconds:7.1f}{flag}")
    unit_total = sum(units.values())
    flag = f"  OVER {UNIT_BUDGET_S / 60:.0f} min" if unit_total > UNIT_BUDGET_S else ""
    rows.append(
        f"{'unit tests (' + str(len(units)) + ' modules)':<{width}}  {unit_total:7.1f}{flag}"
    )
    for name, seconds in sorted(units.items(), key=lambda kv: -kv[1])[:5]:
        rows.append(f"  {name:<{width - 2}}  {seconds:7.1f}")
    notebook_total = sum(notebooks.values())
    rows.append(f"{'notebooks (' + str(len(notebooks)) + ')':<{width}}  {notebook_total:7.1f}")
    rows.append(f"{'session (collection included)':<{width}}  {session:7.1f}")
    rows.append(
        f"{over} notebook(s) over {NOTEBOOK_BUDGET_S:.0f} s; unit tests "
        f"{'over' if flag else 'within'} {UNIT_BUDGET_S / 60:.0f} min"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("junit", type=Path, help="JUnit XML from pytest --junitxml")
    args = parser.parse_args(argv)
    if not args.junit.is_file():
        print(f"budget_table: no JUnit XML at {args.junit}; run `make test` first", file=sys.stderr)
        return 1
    print(format_table(*read_times(args.junit)))
    # pytest's own closing line is above the table; repeat the counts as the log's last line.
    passed, failed, skipped = read_counts(args.junit)
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
