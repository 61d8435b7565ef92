"""The papers' numbers: typed as printed, and the only source of the chapters' paper tables."""

import math
import re
from pathlib import Path

import pytest

from companion.quotes import all_quotes, quoted_table

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*/*.py"))
PAPER_TEXT = Path("/work/shared/papers/seed_000_mi_i2it_segan.txt")
NUMBER = re.compile(r"(?<![\w.])\d+\.\d+")
METRIC_ROW = re.compile(r"\b(FID|NDB|JSD|LPIPS)\b")


def _quoted_numbers() -> set[str]:
    return {
        n for t in all_quotes() for row in t.rows.values() for c in row for n in NUMBER.findall(c)
    }


def _paper_tables(path: Path) -> list[tuple[int, str]]:
    """Rows of markdown tables announced as a paper's table (in the 4 lines above them)."""
    lines = path.read_text().splitlines()
    rows, paper = [], False
    for i, line in enumerate(lines):
        if not line.startswith("# |"):
            continue
        if i == 0 or not lines[i - 1].startswith("# |"):  # a table starts
            above = " ".join(lines[max(0, i - 4) : i])
            paper = bool(re.search(r"Table \d|paper'?s? table", above, re.IGNORECASE))
        if paper:
            rows.append((i + 1, line))
    return rows


def test_seed000_tables_are_registered():
    labels = {t.table for t in all_quotes() if t.paper == "seed000"}
    assert {
        "Table 1 (Facades)",
        "Table 1 (Maps)",
        "Table 2 (Yosemite)",
        "Table 2 (cat → dog)",
    } <= labels
    assert quoted_table("seed000", "Table 2 (Yosemite)").columns[2:] == ("MUNIT", "DRIT", "DRIT++")
    for table in ("Table 1 (Facades)", "Table 1 (Maps)"):
        assert set(quoted_table("seed000", table).rows) == {"FID", "NDB", "JSD", "LPIPS"}


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "std"),
    [
        ("Table 1 (Facades)", "FID", "BicycleGAN", 98.85, 1.21),
        ("Table 1 (Facades)", "FID", "SEGAN w/o MI", 89.14, 0.99),
        ("Table 1 (Facades)", "JSD", "MSGAN", 0.038, 0.0011),
        ("Table 1 (Maps)", "NDB", "SEGAN", 40.72, 1.00),
        ("Table 1 (Maps)", "LPIPS", "MSGAN", 0.2049, 0.002),
        ("Table 2 (Yosemite)", "FID", "SEGAN w/o MI", 50.05, 0.64),
        ("Table 2 (Yosemite)", "LPIPS", "SEGAN w/o MI", 0.1032, 0.0007),
        ("Table 2 (Yosemite)", "JSD", "DRIT", 0.304, 0.075),
        ("Table 2 (cat → dog)", "FID", "DRIT++", 17.25, 0.65),
        ("Table 2 (cat → dog)", "NDB", "SEGAN", 7.52, 1.35),
    ],
)
def test_spot_checks_against_the_paper(table, row, column, value, std):
    """Cells read off the paper a second time, independently of the module."""
    t = quoted_table("seed000", table)
    assert t.value(row, column) == value
    assert t.std(row, column) == std


@pytest.mark.skipif(not PAPER_TEXT.exists(), reason="the paper's text is not on this machine")
def test_every_seed000_row_is_a_line_of_the_paper():
    """Each quoted row, joined as the paper's text prints it, is a line of the paper."""
    text = PAPER_TEXT.read_text()
    for t in (t for t in all_quotes() if t.paper == "seed000"):
        for label, cells in t.rows.items():
            arrow = "↑" if label == "LPIPS" else "↓"
            line = f"{label} {arrow}\t" + "\t".join(cells)
            assert line in text, f"{t.table} row {label}: {line!r} is not in the paper"


def test_every_quoted_cell_parses():
    """Every cell is a number, a mark the paper prints for "not given" (-, —, N/A), or a
    yes/no switch of an ablation table (Y, N)."""
    for t in all_quotes():
        for label, cells in t.rows.items():
            for column, cell in zip(t.columns, cells):
                not_given = {"-", "—", "", "N/A", "Y", "N"}
                pair = {part.strip() for part in cell.split("/")}  # "-/-": a pair not given
                if cell.strip() not in not_given and not pair <= not_given:
                    assert math.isfinite(t.value(label, column)), (t.table, label, column)
                if "±" in cell:
                    assert t.std(label, column) > 0, (t.table, label, column)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_name_existing_quoted_tables(path):
    for paper, table in re.findall(
        r"quoted_table\(\s*\"([^\"]+)\",\s*\"([^\"]+)\"", path.read_text()
    ):
        quoted_table(paper, table)  # KeyError names the known tables


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_paper_tables_quote_exactly(path):
    """Every number in a hand-typed paper table must be one the paper prints (no misquotes)."""
    known = _quoted_numbers()
    wrong = [
        (i, n)
        for i, row in _paper_tables(path)
        if METRIC_ROW.search(row) or "±" in row
        for n in NUMBER.findall(row)
        if n not in known
    ]
    assert not wrong, f"{path.name}: numbers not in companion.quotes (line, number): {wrong}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_print_paper_tables_only_via_quoted_table(path):
    """The convention: a chapter shows a paper's numbers with quoted_table, never retyped."""
    rows = [i for i, row in _paper_tables(path) if NUMBER.search(row)]
    assert not rows, f"{path.name}: lines {rows} retype a paper table; use quoted_table"


@pytest.mark.skipif(not PAPER_TEXT.exists(), reason="the paper's text is not on this machine")
def test_the_ablation_section_of_3_2_quotes_the_paper_word_for_word():
    """Each quotation in 3.2's ablation section is the paper's text (math aside)."""
    paper = " ".join(PAPER_TEXT.read_text().split())
    page = (ROOT / "chapters/03_segan/03_02_segan_paired.py").read_text()
    section = page.split("## The paper's own ablations", 1)[1].split("# %%", 1)[0]
    prose = " ".join(line.removeprefix("#") for line in section.splitlines())
    quotes = re.findall(r'\((?:Sec\. [\d.]+|App\. D)\):\*\* "([^"]+)"', " ".join(prose.split()))
    assert len(quotes) == 4 and min(map(len, quotes)) > 40  # Sec. 4.4 twice, 4.6, App. D
    for quote in quotes:
        for piece in re.split(r"\$[^$]*\$", quote):  # the paper's math is typeset differently
            assert piece.strip() in paper, piece
