"""The committed benchmark records that chapters read back (``benchmarks/results/*.json``).

Some experiments take minutes per seed, too long for a chapter's 90-second budget; their
benchmark writes a JSON record that is committed, and the chapter reads it with
:func:`benchmark_record`. In a checkout the record is found by walking up from the working
directory; elsewhere (a Colab runtime that installed only the package) it is read from the
repository on GitHub, the one place it exists. It is a few kilobytes of numbers, never weights
or data, and it is read only when a chapter asks for it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["REPOSITORY_RAW", "benchmark_record"]

REPOSITORY_RAW = "https://raw.githubusercontent.com/mi-i2it/mi-i2it-book/main"
"""Where the repository's files are served from, for a runtime without a checkout."""


def benchmark_record(name: str, start: str | Path | None = None) -> dict[str, Any]:
    """A committed benchmark record: ``benchmarks/results/<name>`` of this checkout, else of
    the repository on GitHub.

    Args:
        name: the record's file name, e.g. ``"conditional_mining.json"``.
        start: the folder to search up from (default: the working directory).

    Returns:
        The record as parsed JSON (``setting``, ``cpu``, ``results``, ...).

    Raises:
        FileNotFoundError: if no checkout above ``start`` has it and the repository cannot be
            reached (offline), naming the file and the benchmark that writes it.
    """
    here = Path.cwd() if start is None else Path(start)
    here = here.resolve()
    for folder in (here, *here.parents):
        path = folder / "benchmarks" / "results" / name
        if path.is_file():
            return json.loads(path.read_text())
    url = f"{REPOSITORY_RAW}/benchmarks/results/{name}"
    try:
        with urllib.request.urlopen(url, timeout=30) as f:
            return json.load(f)
    except (urllib.error.URLError, OSError) as err:
        raise FileNotFoundError(
            f"benchmarks/results/{name} is not in a checkout above {here} and {url} could not "
            f"be read ({err}); run the benchmark that writes it (benchmarks/"
            f"{Path(name).stem}.py, or the one its chapter names) in a checkout"
        ) from err
