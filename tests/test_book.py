"""Guards for the book: table of contents, notebook pairing and hygiene, and a clean site build."""

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p
    for folder in ("chapters", "book")
    for p in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts
)
REPO = "mi-i2it/mi-i2it-book"
# A text link, not Colab's badge image: it shows offline, on Colab and on GitHub alike, and the
# site draws it as a badge (book/_static/site.css). It is the line after the title.
BADGE = "[Open in Colab](https://colab.research.google.com/github/{repo}/blob/main/{path})"
INSTALL_CELL = """# Colab: install the companion package (does nothing elsewhere).
import subprocess
import sys

COMPANION_URL = (
    "mi-i2it-companion @ git+https://github.com/mi-i2it/mi-i2it-book"
)
if "google.colab" in sys.modules:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", COMPANION_URL],
        check=True,
    )"""


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def _resolve(entry):
    for suffix in ("", ".md", ".ipynb"):
        path = ROOT / (entry + suffix)
        if path.is_file():
            return path
    return None


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_every_toc_entry_exists():
    missing = [f for f in _toc_files() if _resolve(f) is None]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = {_resolve(f) for f in _toc_files()}
    absent = [str(p.relative_to(ROOT)) for p in NOTEBOOKS if p not in listed]
    assert not absent, f"notebooks missing from _toc.yml: {absent}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_outputs(nb):
    dirty = [
        i
        for i, c in enumerate(_cells(nb))
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{nb.name}: cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_sync_with_its_script(nb):
    import jupytext

    script = nb.with_suffix(".py")
    assert script.is_file(), f"{nb.name} has no paired {script.name} (jupytext py:percent)"
    from_script = jupytext.read(script)
    pairs = [(c["cell_type"], _source(c).strip()) for c in _cells(nb)]
    expected = [(c.cell_type, c.source.strip()) for c in from_script.cells]
    assert pairs == expected, (
        f"{nb.name} and {script.name} differ; run `jupytext --sync {script}` and commit both"
    )


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_badge_and_install_cell(nb):
    cells = _cells(nb)
    rel = nb.relative_to(ROOT).as_posix()
    assert cells[0]["cell_type"] == "markdown"
    lines = [line for line in _source(cells[0]).splitlines() if line.strip()]
    assert lines[1:2] == [BADGE.format(repo=REPO, path=rel)], (
        f"{nb.name}: the line after the title must be the Colab link "
        f"{BADGE.format(repo=REPO, path=rel)!r}, got {lines[1:2]}"
    )
    assert cells[1]["cell_type"] == "code" and _source(cells[1]).strip() == INSTALL_CELL, (
        f"{nb.name}: the second cell must be the standard install cell"
    )


CODE_COLUMNS = 88  # what a code cell shows in the site's 676-px column without scrolling
HIDDEN = {"hide-input", "remove-input", "remove-cell"}  # cells whose code the page does not show


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_the_site_column(nb):
    wide = [
        f"cell {i}: {line[:60]}... ({len(line)} characters)"
        for i, cell in enumerate(_cells(nb))
        if cell["cell_type"] == "code" and not HIDDEN & set(cell["metadata"].get("tags", []))
        for line in _source(cell).splitlines()
        if len(line) > CODE_COLUMNS
    ]
    assert not wide, (
        f"{nb.name}: code lines wider than {CODE_COLUMNS} characters scroll on the site; "
        "wrap them: " + "; ".join(wide)
    )


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_title_has_no_math(nb):
    # Titles go into the sidebar of every page, and pages without math load no MathJax.
    title = _source(_cells(nb)[0]).lstrip().splitlines()[0]
    assert "$" not in title, f"{nb.name}: keep math out of the title {title!r}"


def _markdown_lines(text):
    """The lines of Markdown text outside fenced code blocks."""
    fence = None
    for line in text.splitlines():
        stripped = line.lstrip()
        if fence is None and stripped[:3] in ("```", "~~~", ":::"):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        elif fence is None:
            yield line


def _headings(path):
    """(level, text) of every Markdown heading of a page (.md or the markdown cells of .ipynb)."""
    if path.suffix == ".ipynb":
        text = "\n\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")
    else:
        text = path.read_text()
    found = (re.match(r"^(#{1,6})\s+(.*)$", line) for line in _markdown_lines(text))
    return [(len(m[1]), m[2].strip()) for m in found if m]


_CHAPTER_FILE = re.compile(r"^chapters/(\d+)_[^/]+/(\d+)_(\d+)_[^/]+$")


def _title_number(entry):
    """The number a toc entry's title must carry ("3.2" for chapters/03_x/03_02_y), or None."""
    match = _CHAPTER_FILE.match(re.sub(r"\.(md|ipynb)$", "", entry))
    if match is None:
        return None
    assert match[1] == match[2], f"{entry}: the file's chapter number is not its folder's"
    return f"{int(match[2])}.{int(match[3])}"


def test_toc_leaves_numbering_to_the_titles():
    # Sphinx's numbers would count the front matter as chapters and double the titles' own.
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())

    def numbered(node):
        if isinstance(node, dict):
            return "numbered" in node or any(numbered(v) for v in node.values())
        return isinstance(node, list) and any(numbered(v) for v in node)

    assert not numbered(toc), "remove `numbered:` from _toc.yml: the titles carry the numbers"


@pytest.mark.parametrize("entry", _toc_files())
def test_title_numbers_follow_the_file_names(entry):
    path = _resolve(entry)
    assert path is not None, f"{entry} does not exist"
    headings = _headings(path)
    titles = [text for level, text in headings if level == 1]
    assert len(titles) == 1, f"{entry}: one title (a single # heading) expected, got {titles}"
    assert headings[0][0] == 1, f"{entry}: the page must start with its title, not {headings[0]}"
    number = re.match(r"^(\d+(?:\.\d+)*)\.?\s", titles[0])
    want = _title_number(entry)
    if want is None:
        assert number is None, (
            f"{entry}: front matter and appendices are unnumbered, drop the number of {titles[0]!r}"
        )
    else:
        assert number is not None and number[1] == want, (
            f"{entry}: the title {titles[0]!r} must start with {want} (from the file name)"
        )
        rest = titles[0][number.end() :]
        assert not re.match(r"\d", rest), f"{entry}: two numbers in the title {titles[0]!r}"


@pytest.mark.parametrize("entry", _toc_files())
def test_headings_are_at_most_two_levels_deep(entry):
    path = _resolve(entry)
    assert path is not None, f"{entry} does not exist"
    deep = [f"{'#' * level} {text}" for level, text in _headings(path) if level > 2]
    assert not deep, (
        f"{entry}: headings go two levels deep (# title, ## sections); make these ## sections "
        f"or bold lead-ins: {deep}"
    )


CHAPTER_NOTEBOOKS = [p for p in NOTEBOOKS if "chapters" in p.relative_to(ROOT).parts]


@pytest.mark.parametrize("nb", CHAPTER_NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_says_what_differs_from_the_paper(nb):
    """Every chapter page carries the box of DESIGN section 6: its deviations from the paper."""
    text = "\n".join(_source(c) for c in _cells(nb) if c["cell_type"] == "markdown")
    box = re.search(
        r"```\{admonition\} What differs from the papers?, and why\n(.*?)```", text, re.S
    )
    assert box, f"{nb.name} has no 'What differs from the paper, and why' admonition"
    assert len(box.group(1).split()) >= 15, f"{nb.name}: the box says almost nothing"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_public_api_only(nb):
    code = "\n".join(_source(c) for c in _cells(nb) if c["cell_type"] == "code")
    assert "sys.path" not in code, f"{nb.name} edits sys.path"
    private = re.findall(r"companion[\w.]*\._\w+", code)
    assert not private, f"{nb.name} uses private names: {private}"


@pytest.mark.slow
def test_site_builds_without_execution_and_without_broken_references(site_build):
    """Sphinx in nitpicky mode with warnings as errors, notebooks not executed.

    The build is the session's shared one (tests/conftest.py), which tests/test_site.py then
    opens in a browser; with `--site DIR` this checks the given site instead.
    """
    assert site_build.returncode == 0, site_build.log[-4000:]
    assert (site_build.html / "index.html").is_file()


def _root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_output_width_rule_measures_text_and_leaves_rich_outputs_to_the_browser():
    wide_lines = _root_conftest().wide_lines
    long, short = "x" * 80, "y" * 79
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": f"{short}\n{long}\n"},
        {"output_type": "execute_result", "data": {"text/plain": long + "z"}},
        {"output_type": "display_data", "data": {"text/plain": "w" * 90, "text/html": "<b/>"}},
        {"output_type": "display_data", "data": {"text/plain": "v" * 90, "image/png": "..."}},
    ]
    assert wide_lines(outputs) == [long, long + "z"]
    assert wide_lines(None) == []


def _preset_tables(tree):
    """(line, keys) of every dict literal a page indexes with PRESET (directly or by name)."""
    named = {
        node.targets[0].id: node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Dict)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and getattr(node.slice, "id", None) == "PRESET":
            table = named.get(node.value.id) if isinstance(node.value, ast.Name) else node.value
            if isinstance(table, ast.Dict):
                yield node.lineno, {k.value for k in table.keys if isinstance(k, ast.Constant)}


def _exits_on_paper(tree):
    """Whether the page stops with a message (SystemExit) when PRESET is "paper"."""
    return any(
        isinstance(node, ast.If)
        and "PRESET" in ast.unparse(node.test)
        and "paper" in ast.unparse(node.test)
        and any(isinstance(s, ast.Raise) and "SystemExit" in ast.unparse(s) for s in node.body)
        for node in ast.walk(tree)
    )


@pytest.mark.parametrize("nb", CHAPTER_NOTEBOOKS, ids=lambda p: p.name)
def test_every_preset_table_has_every_preset(nb):
    """A Colab GPU runtime picks ``gpu``: no page may stop there on a missing preset key.

    A page that refuses ``paper`` with a message before its tables need not list ``paper``.
    """
    tree = ast.parse(nb.with_suffix(".py").read_text())
    wanted = {"smoke", "cpu", "gpu"} | (set() if _exits_on_paper(tree) else {"paper"})
    missing = [
        f"line {line}: {sorted(wanted - keys)}"
        for line, keys in _preset_tables(tree)
        if not wanted <= keys
    ]
    assert not missing, f"{nb.name}: preset tables without every preset: {missing}"


def test_preset_table_check_finds_a_missing_key():
    bad = ast.parse('PRESET = "cpu"\nSTEPS = {"smoke": 1, "cpu": 2}\nn = STEPS[PRESET]\n')
    assert list(_preset_tables(bad)) == [(3, {"smoke", "cpu"})]
    assert not _exits_on_paper(bad)
    refusing = ast.parse('if PRESET == "paper":\n    raise SystemExit("no data")\n')
    assert _exits_on_paper(refusing)


REPRODUCTION = ROOT / "book" / "appendix_reproduction.py"
NUMBER = re.compile(r"-?\d+\.\d+")


def _assigned(tree, name):
    """The value node of the (first) assignment ``name = ...`` anywhere in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node.value
    raise AssertionError(f"{REPRODUCTION.name} assigns no {name}")


def _calls(tree, name):
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name
    ]


def test_every_analogue_in_the_reproduction_table_shows_what_the_book_measured():
    """Each table with an analogue has a measured table, read from files that exist."""
    tree = ast.parse(REPRODUCTION.read_text())
    analogues, measured, same_as = (
        {ast.literal_eval(k) for k in _assigned(tree, name).keys}
        for name in ("ANALOGUES", "MEASURED", "SAME_AS")
    )
    assert analogues == measured | same_as, analogues ^ (measured | same_as)
    results = ROOT / "benchmarks" / "results"
    seeds = results / "notebook_seeds"
    for reader, folder in (("benchmark", results), ("versus", seeds), ("page_runs", seeds)):
        for call in _calls(tree, reader):
            if isinstance(call.args[0], ast.Constant):
                path = folder / f"{call.args[0].value}.json"
                assert path.is_file(), f"{REPRODUCTION.name} reads {path}, which is missing"
    for page in (results / "notebook_seeds").glob("*.json"):
        for run in json.loads(page.read_text())["runs"]:
            assert {"seed", "cpu", "preset"} <= set(run), (page.name, run.keys())


def test_reproduction_table_copies_of_chapter_numbers_match_the_chapters():
    """Numbers the appendix copies from a chapter's text occur in that chapter."""
    tree = ast.parse(REPRODUCTION.read_text())
    copies = []
    for call in _calls(tree, "from_page"):
        page = call.args[2]
        if isinstance(page, ast.Name):
            page = _assigned(tree, page.id)
        cells = [c for row in ast.literal_eval(call.args[0]).values() for c in row]
        copies.append((ast.literal_eval(page), cells))
    # pages whose runs are recorded (notebook_seeds) are read from the record, not copied
    assert copies, "the appendix copies no chapter numbers any more: drop this test"
    for page, cells in copies:
        text = (ROOT / page).read_text()
        for cell in cells:
            for number in NUMBER.findall(cell):
                assert number in text, f"{number} ({cell!r}) is not in {page}"
    # the five-method table of Section 3.2, copied as "mean ± std" strings
    chapter = ast.parse((ROOT / "chapters/03_segan/03_02_segan_paired.py").read_text())
    five = ast.literal_eval(_assigned(chapter, "FIVE"))
    copy = ast.literal_eval(_assigned(tree, "five"))
    assert set(five) == set(copy)
    for method, cells in copy.items():
        typed = [tuple(float(x) for x in cell.split(" ± ")) for cell in cells]
        assert typed == [tuple(map(float, pair)) for pair in five[method]], method
