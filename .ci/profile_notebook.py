"""Where a chapter notebook spends its time: per cell, and per kind of work.

Runs the code cells of a notebook (its paired py:percent script or the .ipynb, read with
jupytext) in one namespace, in the notebook's folder, the way nbval runs them: figures are
rendered to PNG when shown and at the end of each cell, as the inline backend does. A sampling
thread looks at the main thread's stack every few milliseconds and files each sample under the
outermost kind of work it finds there:

- ``training``: inside ``companion.train.fit``;
- ``classifier``: training an oracle classifier (``companion.metrics.classifiers``);
- ``evaluation``: any other ``companion.metrics`` function;
- ``critics``: estimating MI with a critic outside ``fit`` (``companion.mi``);
- ``data``: generating or loading data (``companion.data``);
- ``plotting``: ``companion.viz``, matplotlib or seaborn, and rendering figures;
- ``other``: the rest (imports, the notebook's own loops and prints).

The sampler costs little (no tracing), so the wall and CPU times are those of a normal run.
Usage::

    COMPANION_PRESET=cpu OMP_NUM_THREADS=2 python .ci/profile_notebook.py --cold-cache \\
        chapters/02_mode_collapse/02_02_bicyclegan.py

It prints one table per notebook and writes ``benchmarks/results/profile_<name>.json``.
``--threads`` sets torch's and OpenMP's thread count (default 2, the budget machine).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

KINDS = ("training", "classifier", "evaluation", "critics", "data", "plotting", "other")
RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def _kind_of(filename: str, function: str) -> str | None:
    path = filename.replace(os.sep, "/")
    if path.endswith("companion/train.py") and function == "fit":
        return "training"
    if "companion/metrics/classifiers.py" in path and function.startswith("train"):
        return "classifier"
    if "/companion/metrics/" in path:
        return "evaluation"
    if "/companion/mi/" in path:
        return "critics"
    if "/companion/data/" in path:
        return "data"
    if "/companion/viz" in path or "/matplotlib/" in path or "/seaborn/" in path:
        return "plotting"
    if function == "_render_figures":
        return "plotting"
    return None


class StackSampler:
    """Samples the main thread's stack every ``interval`` s; counts kinds and hot functions."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.kinds: Counter[str] = Counter()
        self.functions: Counter[str] = Counter()
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> StackSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self._main)
            kind, innermost_companion = None, None
            while frame is not None:
                code = frame.f_code
                found = _kind_of(code.co_filename, code.co_name)
                kind = found or kind  # the outermost match wins
                if innermost_companion is None and "/companion/" in code.co_filename:
                    rel = code.co_filename.split("/companion/", 1)[1]
                    innermost_companion = f"companion/{rel}:{code.co_name}"
                frame = frame.f_back
            self.kinds[kind or "other"] += 1
            if innermost_companion:
                self.functions[innermost_companion] += 1


def _render_figures() -> None:
    """What the inline backend does: draw every open figure to PNG, then close it."""
    import matplotlib.pyplot as plt

    for num in plt.get_fignums():
        plt.figure(num).savefig(io.BytesIO(), format="png")
    plt.close("all")


def profile(notebook: Path, threads: int) -> dict:
    """Run ``notebook``'s code cells; return per-cell wall/CPU seconds and kinds of work."""
    import jupytext
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    torch.set_num_threads(threads)
    plt.show = lambda *a, **k: _render_figures()
    nb = jupytext.read(notebook)
    namespace: dict = {"__name__": "__main__"}
    cells, total = [], StackSampler()
    cwd = os.getcwd()
    os.chdir(notebook.parent)
    try:
        with total:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                source = cell.source
                first = next((ln for ln in source.splitlines() if ln.strip()), "")[:60]
                sampler = StackSampler()
                wall, cpu = time.perf_counter(), time.process_time()
                with sampler:
                    exec(compile(source, f"<cell {index}>", "exec"), namespace)
                    _render_figures()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                n = max(sum(sampler.kinds.values()), 1)
                kinds = {k: round(wall * c / n, 2) for k, c in sampler.kinds.most_common()}
                cells.append(
                    {"cell": index, "first_line": first, "wall_s": round(wall, 2),
                     "cpu_s": round(cpu, 2), "kinds_s": kinds}
                )  # fmt: skip
    finally:
        os.chdir(cwd)
    by_kind = Counter()
    for cell in cells:
        by_kind.update(cell["kinds_s"])
    wall = sum(c["wall_s"] for c in cells)
    per_sample = wall / max(sum(total.kinds.values()), 1)
    hot = {f: round(c * per_sample, 2) for f, c in total.functions.most_common(15)}
    return {
        "notebook": str(notebook),
        "threads": threads,
        "preset": os.environ.get("COMPANION_PRESET", ""),
        "load_average": os.getloadavg(),
        "wall_s": round(wall, 2),
        "cpu_s": round(sum(c["cpu_s"] for c in cells), 2),
        "kinds_s": {k: round(by_kind.get(k, 0.0), 2) for k in KINDS},
        "hot_companion_functions_s": hot,
        "cells": cells,
    }


def print_report(result: dict) -> None:
    """One table: the cells that took at least 1 s, then the totals per kind of work."""
    print(f"\n== {result['notebook']}  (threads {result['threads']}, "
          f"load average at the end {result['load_average'][0]:.1f})")  # fmt: skip
    print(f"{'cell':>4}  {'wall s':>7}  {'cpu s':>7}  kinds (s)  first line")
    for cell in result["cells"]:
        if cell["wall_s"] >= 1.0:
            kinds = ", ".join(f"{k} {v:.1f}" for k, v in cell["kinds_s"].items() if v >= 0.5)
            print(f"{cell['cell']:>4}  {cell['wall_s']:7.1f}  {cell['cpu_s']:7.1f}  "
                  f"{kinds}  | {cell['first_line']}")  # fmt: skip
    kinds = ", ".join(f"{k} {v:.1f}" for k, v in result["kinds_s"].items())
    print(f"total {result['wall_s']:.1f} s wall, {result['cpu_s']:.1f} s CPU: {kinds}")
    print("hot companion functions (s, innermost frame):")
    for name, seconds in result["hot_companion_functions_s"].items():
        print(f"  {seconds:7.1f}  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="py:percent scripts or .ipynb")
    parser.add_argument("--threads", type=int, default=2, help="torch/OpenMP threads (2)")
    parser.add_argument(
        "--cold-cache",
        action="store_true",
        help="point COMPANION_CACHE_DIR at an empty folder (as on a clean clone)",
    )
    args = parser.parse_args(argv)
    if args.cold_cache:
        os.environ["COMPANION_CACHE_DIR"] = tempfile.mkdtemp(prefix="companion-cache-")
    RESULTS.mkdir(parents=True, exist_ok=True)
    for notebook in args.notebooks:
        result = profile(notebook.resolve(), args.threads)
        result["cold_cache"] = args.cold_cache
        print_report(result)
        out = RESULTS / f"profile_{notebook.stem}.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
