"""Student copies of the chapters (`make student`, .ci/student.py): no solutions, and they run.

What "they run" means for a notebook whose exercise functions are still stubs: every cell before
the first exercise check runs; the check reports the unanswered exercise (the stub's
``NotImplementedError`` with the exercise's name) instead of a ``NameError`` or a crash; and once
the stubs are answered, every cell runs, checks included. A static check covers every chapter:
no kept cell uses a name that only a removed solution cell defines.
"""

from __future__ import annotations

import builtins
import importlib.util
import re
import symtable
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
EXERCISES = ROOT / "chapters" / "01_mutual_information" / "01_04_exercises.ipynb"
SOURCES = sorted(CHAPTERS.glob("*/*.ipynb"))
# Names a Jupyter kernel defines before the first cell.
KERNEL_NAMES = set(dir(builtins)) | {"display", "get_ipython", "In", "Out", "__name__"}


def _load_student_module():
    spec = importlib.util.spec_from_file_location("student", ROOT / ".ci" / "student.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


student = _load_student_module()


def _is_solution(cell) -> bool:
    return "solution" in cell.metadata.get("tags", [])


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[Path, int]:
    """The student folder's notebooks, and how many cells each lost."""
    return student.write_student_notebooks(CHAPTERS, tmp_path_factory.mktemp("student"))


@pytest.fixture(scope="module")
def copies(written) -> dict[Path, Path]:
    """Each chapter notebook's student copy."""
    out = next(iter(written)).parents[1]
    return {source: out / source.relative_to(CHAPTERS) for source in SOURCES}


def test_every_chapter_has_a_student_copy(written, copies):
    assert sorted(written) == sorted(copies.values())
    assert len(SOURCES) >= 17
    removed = {path.name: n for path, n in written.items()}
    assert removed["01_04_exercises.ipynb"] == 2 and removed["02_04_comparison.ipynb"] == 0


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_copy_is_the_chapter_without_its_solution_cells(source, copies):
    original = nbformat.read(source, as_version=4)
    copy = nbformat.read(copies[source], as_version=4)
    nbformat.validate(copy)
    solutions = [c for c in original.cells if _is_solution(c)]
    if source.stem.endswith("_exercises"):
        assert len(solutions) >= 2, "an exercises notebook without solution cells?"
    assert not any(_is_solution(c) for c in copy.cells)
    kept = [(c.cell_type, c.source) for c in original.cells if not _is_solution(c)]
    got = [(c.cell_type, c.source) for c in copy.cells]
    assert len(got) == len(kept)
    # The first cell loses its Colab badge (it points to the notebook with the solutions).
    assert got[0][1] == student.BADGE.sub("", kept[0][1]) and "colab" not in got[0][1]
    assert got[1:] == kept[1:]
    assert "mi-i2it-companion @ git+" in copy.cells[1].source  # the Colab install cell
    assert copy.metadata.kernelspec.name == "python3" and "jupytext" not in copy.metadata
    text = "\n".join(c.source for c in copy.cells)
    kept_text = "\n".join(source for _, source in kept)
    for cell in solutions:  # no line that only a solution holds
        own = [ln for ln in cell.source.splitlines() if len(ln) > 20 and ln not in kept_text]
        assert not [ln for ln in own if ln in text], "solution code in the student copy"
    assert all(c.get("outputs", []) == [] for c in copy.cells)


def test_colab_badge_points_to_the_course_copy(tmp_path):
    base = "github/some-course/homework/blob/main/student"
    student.write_student_notebooks(CHAPTERS, tmp_path, colab_base=base)
    copy = nbformat.read(tmp_path / EXERCISES.relative_to(CHAPTERS), as_version=4)
    links = re.findall(r"\]\((https://colab[^)]+\.ipynb)\)", copy.cells[0].source)
    rel = EXERCISES.relative_to(CHAPTERS).as_posix()
    assert links == [f"https://colab.research.google.com/{base}/{rel}"]


def _free_and_bound(source: str) -> tuple[set[str], set[str]]:
    """Global names a cell reads without binding them first, and the names it binds."""
    top = symtable.symtable(source, "<cell>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    free = {s.get_name() for s in top.get_symbols() if s.is_referenced()} - bound
    stack = list(top.get_children())
    while stack:
        table = stack.pop()
        stack.extend(table.get_children())
        free |= {
            s.get_name()
            for s in table.get_symbols()
            if s.is_referenced() and (s.is_global() or s.is_declared_global())
        } - bound
    return free, bound


def _undefined_uses(cells) -> list[tuple[str, list[str]]]:
    """(first line, names) of each code cell that reads a name no earlier cell defined."""
    defined, problems = set(KERNEL_NAMES), []
    for cell in cells:
        if cell.cell_type != "code":
            continue
        free, bound = _free_and_bound(cell.source)
        if missing := sorted(free - defined):
            problems.append((cell.source.splitlines()[0], missing))
        defined |= bound
    return problems


def test_the_name_analysis_finds_a_name_only_a_solution_defines():
    cells = [
        nbformat.v4.new_code_cell("import math\nf = lambda x: math.sqrt(x)"),
        nbformat.v4.new_code_cell("answer = [f(v) for v in range(3)]"),
        nbformat.v4.new_code_cell("print(answer, undefined_name, sum(answer))"),
    ]
    assert _undefined_uses(cells) == [
        ("print(answer, undefined_name, sum(answer))", ["undefined_name"])
    ]
    assert _undefined_uses(cells[:2]) == []


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_no_kept_cell_needs_a_name_only_a_solution_defines(source, copies):
    assert _undefined_uses(nbformat.read(source, as_version=4).cells) == []  # the analysis holds
    assert _undefined_uses(nbformat.read(copies[source], as_version=4).cells) == []


def _execute(nb, cwd: Path) -> CellExecutionError | None:
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    try:
        client.execute()
    except CellExecutionError as err:
        return err
    return None


def _error_cells(nb) -> list[int]:
    return [
        i
        for i, cell in enumerate(nb.cells)
        if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    ]


def test_handed_out_copy_runs_up_to_the_first_exercise_and_names_it(copies, tmp_path):
    nb = nbformat.read(copies[EXERCISES], as_version=4)
    err = _execute(nb, tmp_path)
    assert err is not None and err.ename == "NotImplementedError", err
    assert "Exercise 1" in err.evalue
    (failed,) = _error_cells(nb)
    assert nb.cells[failed].source.startswith("check_nwj_lower_bound(my_nwj_lower_bound)")
    ran = [c for c in nb.cells[:failed] if c.cell_type == "code"]
    assert len(ran) >= 3 and all(c.execution_count for c in ran)


def test_answered_copy_runs_every_cell(copies, tmp_path):
    """Fill each stub with the function the book's solution cell defines: every cell runs."""
    original = nbformat.read(EXERCISES, as_version=4)
    answers = {}
    for cell in original.cells:
        if _is_solution(cell) and cell.cell_type == "code":
            name = re.search(r"^def (\w+)\(", cell.source, re.M).group(1)
            answers[name] = cell.source
    nb = nbformat.read(copies[EXERCISES], as_version=4)
    stubs = [c for c in nb.cells if "raise NotImplementedError" in c.source]
    assert len(stubs) == len(answers) == 2
    for cell in stubs:
        cell.source = answers[re.search(r"^def (\w+)\(", cell.source, re.M).group(1)]
    err = _execute(nb, tmp_path)
    assert err is None, f"{err.ename}: {err.evalue}"
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
