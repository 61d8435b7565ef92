"""Run chapter pages on several seeds and record what their check cells print.

A page at the ``cpu`` preset trains one toy model for a few hundred steps on one seed and
asserts what it measured. At that scale a run is a single draw from a wide distribution: a new
seed, or the same seed on another kind of CPU (whose vector kernels round differently), moves
the result as far as a new seed does. The thresholds of a page's checks are therefore chosen
from runs over several seeds and CPU kinds, and the page prints the table. This script makes
those runs: it executes each page's jupytext script (``chapters/*/*.py``) with
``COMPANION_SEED`` set, keeps the last lines it printed (the check cell's measurements) and
whether its assertions held, and writes them with the CPU kind to
``benchmarks/results/notebook_seeds/<page>.json``, merging with runs recorded earlier on other
seeds or CPU kinds.

    python benchmarks/notebook_seeds.py chapters/03_segan/03_03_segan_unpaired.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from companion.config import cpu_kind

RESULTS = Path(__file__).parent / "results" / "notebook_seeds"
KEEP_LINES = 20  # the check cell's printed measurements sit at the end of the output


def run_page(page: Path, seed: int, preset: str) -> dict:
    """Execute one page as a script on one seed; its tail, exit status and wall time."""
    env = {
        **os.environ,
        "COMPANION_SEED": str(seed),
        "COMPANION_PRESET": preset,
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
    }
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, str(page)], env=env, capture_output=True, text=True, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = (done.stdout + done.stderr).rstrip().splitlines()
    return {
        "seed": seed,
        "checks_hold": done.returncode == 0,
        "wall_s": round(time.perf_counter() - start, 1),
        # CPU seconds of the page's process (user + system, all threads): unlike wall time,
        # this barely moves when other jobs share the machine
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "printed": lines[-KEEP_LINES:],
    }


def reads_seed(page: Path) -> bool:
    """Whether the page takes its seed from ``COMPANION_SEED`` (otherwise every run is seed 0)."""
    return "COMPANION_SEED" in page.read_text(encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path, help="chapters/NN_x/NN_MM_name.py")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--preset", default="cpu")
    args = parser.parse_args()
    kind = " ".join(part or "unknown" for part in cpu_kind())  # e.g. "GenuineIntel AVX512"
    ignored = [str(p) for p in args.pages if not reads_seed(p)]
    if ignored and args.seeds != [0]:
        # such a page runs seed 0 whatever COMPANION_SEED says: a run "on seed 3" would be a
        # mislabelled repeat of seed 0
        parser.error(
            f"{', '.join(ignored)} ignore(s) COMPANION_SEED; make the page read its seed with "
            '`SEED = int(os.environ.get("COMPANION_SEED", 0))` or run only --seeds 0'
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    for page in args.pages:
        out = RESULTS / f"{page.stem}.json"
        record = json.loads(out.read_text()) if out.exists() else {"page": str(page), "runs": []}
        for seed in args.seeds:
            run = {"cpu": kind, "preset": args.preset, **run_page(page, seed, args.preset)}
            record["runs"] = [
                r
                for r in record["runs"]
                if (r["cpu"], r["preset"], r["seed"]) != (kind, args.preset, seed)
            ] + [run]
            verdict = "hold" if run["checks_hold"] else "FAIL"
            print(
                f"{page.stem:<28} seed {seed:>2}  {kind:<20} {run['wall_s']:>6.1f} s "
                f"(cpu {run['cpu_s']:.0f} s)  {verdict}"
            )
        record["runs"].sort(key=lambda r: (r["preset"], r["cpu"], r["seed"]))
        out.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
