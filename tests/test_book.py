"""Guards for the book: table of contents, notebook pairing and hygiene, and a clean site build."""

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
BADGE = (
    "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
    "(https://colab.research.google.com/github/{repo}/blob/main/{path})"
)
INSTALL_CELL = """# Colab: install the companion package (does nothing elsewhere).
import subprocess
import sys

COMPANION_URL = "companion @ git+https://github.com/mi-i2it/mi-i2it-book"
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", COMPANION_URL], check=True)"""


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
    assert BADGE.format(repo=REPO, path=rel) in _source(cells[0]), (
        f"{nb.name}: the first cell needs the Colab badge pointing at {rel}"
    )
    assert cells[1]["cell_type"] == "code" and _source(cells[1]).strip() == INSTALL_CELL, (
        f"{nb.name}: the second cell must be the standard install cell"
    )


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_title_has_no_math(nb):
    # Titles go into the sidebar of every page, and pages without math load no MathJax.
    title = _source(_cells(nb)[0]).lstrip().splitlines()[0]
    assert "$" not in title, f"{nb.name}: keep math out of the title {title!r}"


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
