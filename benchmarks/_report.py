"""What the seed-sweep benchmarks print and write, in one place.

The benchmarks that run a method on several variants and seeds (``sdit_ablations.py``,
``step_pretrain_transfer.py``, ``bicycle_encoder_start.py``, ``conditional_transfer.py``) keep
their results as ``{variant: {seed: {metric: value}}}``, print a line per run and a summary
over seeds, and write the whole record to ``benchmarks/results/<name>.json``. They import this
module as a sibling (``python benchmarks/<name>.py`` puts ``benchmarks/`` on ``sys.path``).

Every record names the CPU kind it ran on (:func:`companion.config.cpu_kind`) because a toy run
lands elsewhere on another kind of CPU, as far as a new seed moves it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from companion.config import cpu_kind

__all__ = ["print_run", "print_summary", "stage_args", "sweep", "write_record"]

Results = Mapping[str, Mapping[int, Mapping[str, float]]]


def print_run(name: str, seed: int, result: Mapping[str, float], keys: Sequence[str]) -> None:
    """One line for one run: ``name seed S: key value, ..., N s`` (3 decimals).

    ``result["seconds"]`` (or ``"train seconds"``) is appended when present.
    """
    cells = ", ".join(f"{k} {result[k]:.3f}" for k in keys)
    seconds = result.get("seconds", result.get("train seconds"))
    tail = "" if seconds is None else f", {seconds:.0f} s"
    print(f"{name} seed {seed}: {cells}{tail}", flush=True)


def sweep(
    arms: Iterable[str],
    seeds: Sequence[int],
    run: Callable[[str, int], dict[str, float]],
    keys: Sequence[str],
) -> dict[str, dict[int, dict[str, float]]]:
    """``run(arm, seed)`` for every arm and seed, in that order, printing a line per run.

    Returns:
        ``{arm: {seed: result}}``.
    """
    results: dict[str, dict[int, dict[str, float]]] = {}
    for arm in arms:
        results[arm] = {}
        for seed in seeds:
            result = results[arm][seed] = run(arm, seed)
            print_run(arm, seed, result, keys)
    return results


def print_summary(results: Results, keys: Sequence[str], *, label: str, digits: int = 3) -> None:
    """A table, one row per variant: each key's mean over seeds, and its range ``[min, max]``.

    Args:
        results: ``{variant: {seed: {key: value}}}``.
        keys: the columns, in order.
        label: the heading of the variant column.
        digits: decimals shown.
    """
    seeds = sorted({seed for per_seed in results.values() for seed in per_seed})
    print(f"\nmean [min, max] over seeds {seeds}")
    first = max(len(label), *(len(name) for name in results)) + 2
    cell = 3 * (digits + 3) + 6
    print(f"{label:<{first}}" + "".join(f"{k:>{cell}}" for k in keys))
    for name, per_seed in results.items():
        row = ""
        for k in keys:
            values = [r[k] for r in per_seed.values()]
            text = f"{statistics.mean(values):.{digits}f} "
            text += f"[{min(values):.{digits}f}, {max(values):.{digits}f}]"
            row += f"{text:>{cell}}"
        print(f"{name:<{first}}{row}")


def write_record(path: Path, setting: str, results: Any, **extra: Any) -> None:
    """Write ``{"setting", "cpu", **extra, "results"}`` to ``path`` as indented JSON.

    The file is written beside ``path`` and renamed over it, so an interrupted benchmark
    leaves the previous record whole. Seeds become strings, as JSON keys must.
    """
    record = {"setting": setting, "cpu": " ".join(part or "unknown" for part in cpu_kind())}
    record.update(extra)
    record["results"] = results
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, path)
    print(f"wrote {path}")


def stage_args(doc: str, rows: Sequence[str]) -> tuple[argparse.Namespace, tuple[int, int, int]]:
    """The options of StEP's three-stage sweeps: ``--seeds``, ``--stage1/2/3`` (steps per stage,
    10.2's schedule by default) and ``--only`` (a subset of ``rows``); with the steps as a tuple.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--stage1", type=int, default=150)
    parser.add_argument("--stage2", type=int, default=100)
    parser.add_argument("--stage3", type=int, default=100)
    parser.add_argument("--only", nargs="+", choices=list(rows), default=list(rows))
    args = parser.parse_args()
    return args, (args.stage1, args.stage2, args.stage3)
