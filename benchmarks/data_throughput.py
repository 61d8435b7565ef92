"""Samples per second of each synthetic domain on one CPU core.

Three ways of reading: ``batch`` renders 64 indices at once (``ds.batch``), ``loader`` goes
through a ``DataLoader`` (batch 64, no workers; it calls ``__getitems__`` and collates), and
``item`` indexes one sample at a time. Prints a table and writes
``benchmarks/results/data_throughput.json``.

    python benchmarks/data_throughput.py [--resolution 32] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from companion.data import load_dataset

DOMAINS = ("shapes", "shapes_edges", "shapes_season", "shapes_species", "digits", "scenes")
BATCH = 64


def samples_per_second(read, seconds: float) -> float:
    """Run ``read(step) -> samples read`` until ``seconds`` have passed; samples per second."""
    read(0)  # warm up
    n, step, start = 0, 1, time.perf_counter()
    while time.perf_counter() - start < seconds:
        n += read(step)
        step += 1
    return n / (time.perf_counter() - start)


def measure(name: str, resolution: int, seconds: float) -> dict[str, float]:
    ds = load_dataset(name, resolution=resolution, size=1_000_000)
    loader = iter(torch.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=True))

    def batch(step: int) -> int:
        ds.batch(range(step * BATCH, (step + 1) * BATCH))
        return BATCH

    def via_loader(step: int) -> int:
        next(loader)
        return BATCH

    def item(step: int) -> int:
        ds[step]
        return 1

    return {
        "batch": samples_per_second(batch, seconds),
        "loader": samples_per_second(via_loader, seconds),
        "item": samples_per_second(item, seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    results = {name: measure(name, args.resolution, args.seconds) for name in DOMAINS}
    print(f"samples/s at {args.resolution}x{args.resolution}, one thread")
    print(f"{'domain':<16}{'batch(64)':>12}{'loader(64)':>12}{'item':>10}")
    for name, r in results.items():
        print(f"{name:<16}{r['batch']:>12,.0f}{r['loader']:>12,.0f}{r['item']:>10,.0f}")
    out = Path(__file__).resolve().parent / "results" / "data_throughput.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "resolution": args.resolution,
        "batch_size": BATCH,
        "threads": 1,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "machine": platform.platform(),
        "processor": platform.processor(),
        "torch": torch.__version__,
        "samples_per_second": results,
    }
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    os.replace(tmp, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
