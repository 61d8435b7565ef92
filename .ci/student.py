"""Student copies of the chapter notebooks: every cell tagged ``solution`` removed.

``make student`` runs this script. For each ``chapters/NN_slug/*.ipynb`` it writes
``student/NN_slug/<same name>.ipynb`` with nbconvert's ``TagRemovePreprocessor`` (cells tagged
``solution`` removed) and ``ClearOutputPreprocessor``; every other cell is kept as it is, so the
install cell, the exercise stubs and the checker cells (``companion.exercises``) stay. The
jupytext pairing is dropped from the copies (a course hands out notebooks, not scripts).

The *Open in Colab* badge of a chapter points to the book's notebook, which holds the solutions.
With ``--colab-base github/ORG/REPO/blob/BRANCH/FOLDER`` (``make student
STUDENT_COLAB=...``) the badge of each copy points to ``FOLDER/NN_slug/<name>.ipynb`` in the
course's repository instead; without it the badge is removed.

Usage::

    python .ci/student.py [--chapters chapters] [--out student] [--colab-base BASE]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_TAG = "solution"
# The chapters carry a text link, "[Open in Colab](...)"; the older image badge is still matched.
BADGE = re.compile(
    r"\[(?:Open in Colab|!\[Open In Colab\]\(https://colab\.research\.google\.com/assets/"
    r"colab-badge\.svg\))\]\(https://colab\.research\.google\.com/[^)]+\.ipynb\)\n*"
)


def student_notebook(
    nb: nbformat.NotebookNode, colab_url: str | None = None
) -> nbformat.NotebookNode:
    """A copy of ``nb`` without its cells tagged ``solution``, outputs cleared.

    Args:
        nb: a notebook (nbformat 4); left unchanged.
        colab_url: where the copy's *Open in Colab* badge should point; ``None`` removes it.

    Returns:
        The student's notebook.
    """
    nb = nbformat.from_dict(nb)  # a deep copy
    resources: dict = {}
    remove = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)
    nb, resources = remove.preprocess(nb, resources)
    nb, resources = ClearOutputPreprocessor(enabled=True).preprocess(nb, resources)
    nb.metadata.pop("jupytext", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and BADGE.search(cell.source):
            if colab_url is None:
                cell.source = BADGE.sub("", cell.source)
            else:
                badge = BADGE.search(cell.source).group(0)
                link = re.sub(r"\(https://colab\.research\.google\.com/[^)]+\.ipynb\)",
                              f"({colab_url})", badge)  # fmt: skip
                cell.source = cell.source.replace(badge, link)
            break
    return nb


def write_student_notebooks(
    chapters: Path, out: Path, colab_base: str | None = None
) -> dict[Path, int]:
    """Write the student copy of every ``chapters/*/*.ipynb`` under ``out``.

    Args:
        chapters: folder of chapter folders.
        out: the student folder (created; existing copies are overwritten).
        colab_base: e.g. ``github/ORG/REPO/blob/main/student``, the student folder on GitHub as
            Colab addresses it; ``None`` removes the badges.

    Returns:
        For each path written (sorted), the number of solution cells removed.
    """
    sources = sorted(p for p in chapters.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not sources:
        raise FileNotFoundError(f"no notebooks under {chapters}/*/; pass --chapters DIR")
    written = {}
    for source in sources:
        rel = source.relative_to(chapters)
        url = None
        if colab_base:
            url = f"https://colab.research.google.com/{colab_base.strip('/')}/{rel.as_posix()}"
        original = nbformat.read(source, as_version=4)
        nb = student_notebook(original, url)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written[target] = len(original.cells) - len(nb.cells)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", type=Path, default=ROOT / "chapters")
    parser.add_argument("--out", type=Path, default=ROOT / "student")
    parser.add_argument(
        "--colab-base",
        default=None,
        help="the student folder as Colab addresses it, e.g. github/ORG/REPO/blob/main/student",
    )
    args = parser.parse_args(argv)
    written = write_student_notebooks(args.chapters, args.out, args.colab_base)
    for path, removed in written.items():
        print(f"{path.relative_to(args.out)}: {removed} solution cells removed")
    print(f"wrote {len(written)} student notebooks to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
