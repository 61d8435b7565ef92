"""The budget table that ends CI's log (.ci/budget_table.py), on a crafted JUnit XML."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("budget_table", ROOT / ".ci" / "budget_table.py")
budget_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(budget_table)

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">
<testsuite name="pytest" errors="0" failures="0" skipped="0" tests="6" time="700.5">
<testcase classname="tests.test_config" name="test_a" time="300.0" />
<testcase classname="tests.mi.test_bounds" name="test_b" time="181.0">
<skipped message="no GPU"/></testcase>
<testcase classname="chapters.02_mode_collapse.02_02_bicyclegan.ipynb" name="Cell 0" time="4.0" />
<testcase classname="chapters.02_mode_collapse.02_02_bicyclegan.ipynb" name="Cell 1" time="87.0" />
<testcase classname="chapters.01_mutual_information.01_01_mi_entropy_kl.ipynb" name="Cell 0"
 time="12.5" />
<testcase classname="book.datasets.ipynb" name="Cell 0" time="3.0"><failure message="x"/></testcase>
</testsuite></testsuites>"""


def test_sums_cells_per_notebook_and_flags_the_budget(tmp_path, capsys):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    notebooks, units, session = budget_table.read_times(path)
    assert notebooks == {
        "02_mode_collapse/02_02_bicyclegan": 91.0,
        "01_mutual_information/01_01_mi_entropy_kl": 12.5,
        "book/datasets": 3.0,
    }
    assert units == {"tests.test_config": 300.0, "tests.mi.test_bounds": 181.0}
    assert session == 700.5
    assert budget_table.main([str(path)]) == 0
    rows = capsys.readouterr().out.splitlines()
    flagged = [row for row in rows if "OVER" in row]
    assert len(flagged) == 2
    assert flagged[0].startswith("02_mode_collapse/02_02_bicyclegan") and "OVER 90 s" in flagged[0]
    assert flagged[1].startswith("unit tests (2 modules)") and "481.0  OVER 8 min" in flagged[1]
    assert rows[-2] == "1 notebook(s) over 90 s; unit tests over 8 min"
    assert rows[-1] == "tests: 4 passed, 1 failed, 1 skipped"


def test_within_budget_flags_nothing(tmp_path, capsys):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT.replace('time="87.0"', 'time="86.0"').replace("181.0", "180.0"))
    assert budget_table.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "OVER" not in out and out.splitlines()[-2].startswith("0 notebook(s) over 90 s")


def test_missing_file_says_what_to_run(tmp_path, capsys):
    assert budget_table.main([str(tmp_path / "none.xml")]) == 1
    assert "run `make test` first" in capsys.readouterr().err
