# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Reproduction table
#
# [Open in Colab](https://colab.research.google.com/github/mi-i2it/mi-i2it-book/blob/main/book/appendix_reproduction.ipynb)

# %%
# Colab: install the companion package (does nothing elsewhere).
import subprocess
import sys

COMPANION_URL = (
    "mi-i2it-companion @ git+https://github.com/mi-i2it/mi-i2it-book"
)
if "google.colab" in sys.modules:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", COMPANION_URL],
        check=True,
    )

# %% [markdown]
# %% [markdown]
# Every number this book quotes from a paper is typed once, in `companion.quotes` (one module
# per paper, each table with its source, section and the arXiv version it was read from), and a
# test fails if a chapter prints a paper number that is not there. This page is generated from
# that file: each quoted table, exactly as printed, then where the book studies the same claim
# on a synthetic task whose truth is known, and the commands that measure the paper's own number
# for a reader who has the real dataset.
#
# The book's synthetic analogues are not the paper's experiments at a smaller scale: the data,
# the resolution and the metrics differ (the chapters list how, in their "What differs from the
# paper, and why" boxes), so their numbers are compared with the papers' *claims* (which model
# covers more modes, which keeps the content), never with the papers' values.

# %%
import pandas as pd
from IPython.display import Markdown, display

from companion.quotes import all_quotes

# (paper, table) -> (the chapter that studies the claim, its synthetic analogue,
# the commands on the real data). Tables not listed here are quoted by a chapter
# but have no analogue in the book yet; the page says so.
ANALOGUES = {
    ("seed000", "Table 1 (Facades)"): (
        "2.4 and 3.2",
        "shapes (mask -> coloured shape, 8 styles): styles covered, precision, domain FID",
        "companion train segan --preset paper --data facades --root DIR --out runs/f\n"
        "companion eval runs/f --root DIR",
    ),
    ("seed000", "Table 1 (Maps)"): (
        "2.4 and 3.2",
        "the same shapes task; maps has no separate analogue",
        "companion train segan --preset paper --data maps --root DIR --out runs/m\n"
        "companion eval runs/m --root DIR",
    ),
    ("seed000", "Table 2 (Yosemite)"): (
        "3.3",
        "shapes_season (unpaired): styles covered, content IoU, precision",
        "companion train segan --preset paper --data yosemite --root DIR --out runs/y\n"
        "companion eval runs/y --root DIR",
    ),
}
pd.set_option("display.max_colwidth", 40)

# %% tags=["hide-input"]
for table in all_quotes():
    chapter, analogue, commands = ANALOGUES.get(
        (table.paper, table.table), ("", "", "")
    )
    lines = [
        f"## {table.paper}, {table.table}",
        "",
        f"{table.caption} Source: {table.source}.",
        "",
    ]
    if chapter:
        lines += [
            f"In this book: chapter {chapter}, on {analogue}. With the real data:",
            "",
            "```text",
            commands,
            "```",
        ]
    else:
        lines += ["No synthetic analogue in the book yet; the chapter quotes it."]
    display(Markdown("\n".join(lines)))
    display(table.frame())

# %%
# The page shows every quoted table once (a check that the quotes load and
# none is skipped).
shown = {(t.paper, t.table) for t in all_quotes()}
assert len(shown) == len(all_quotes()), "two quoted tables share a name"
assert set(ANALOGUES) <= shown, set(ANALOGUES) - shown
print(f"{len(shown)} quoted tables from {len({p for p, _ in shown})} papers")
