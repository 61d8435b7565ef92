"""The MI staircase of Poole et al. (2019) for every estimator: error and variance per level.

Protocol (``companion.mi.StaircaseConfig.paper()``): 20-dimensional correlated Gaussians with
I(X; Y) = 2, 4, 6, 8, 10 nats, 4000 steps per level, batch 64, Adam 5e-4, separable or
concatenated critics (2 x 256 ReLU, embedding 32). Statistics use the last half of each level.

    python benchmarks/mi_staircase.py                       # separable critics, paper protocol
    python benchmarks/mi_staircase.py --critic concat --device cuda --workers 1
    python benchmarks/mi_staircase.py --steps 400 --seeds 0 1 2

Estimators are split across ``--workers`` processes (one thread each); a critic's numbers do
not depend on the split. Prints a table and writes benchmarks/results/mi_staircase.json
(``mi_staircase_concat.json`` for concatenated critics).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

import companion
from companion.mi import ESTIMATORS, StaircaseConfig, run_staircase, staircase_table

RESULTS = Path(__file__).resolve().parent / "results"
# Cost of one step per estimator relative to InfoNCE (measured: the BA decoder is lighter).
_COST = {"ba": 0.6}


def _run_group(cfg: StaircaseConfig, device: str = "cpu") -> dict:
    torch.set_num_threads(1)
    result = run_staircase(cfg, device=device)
    return {
        "estimates": {k: v.tolist() for k, v in result.estimates.items()},
        "jsd_bce": None if result.jsd_bce is None else result.jsd_bce.tolist(),
        "seconds": result.seconds,
    }


def _groups(estimators: tuple[str, ...], workers: int) -> list[tuple[str, ...]]:
    """Split estimators into ``workers`` groups of about equal cost (greedy)."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(workers, len(estimators))))]
    loads = [0.0] * len(groups)
    for name in sorted(estimators, key=lambda e: -_COST.get(e, 1.0)):
        k = loads.index(min(loads))
        groups[k].append(name)
        loads[k] += _COST.get(name, 1.0)
    return [tuple(g) for g in groups if g]


def run_seed(cfg: StaircaseConfig, workers: int, device: str = "cpu") -> tuple[dict, float]:
    """One staircase over all estimators in parallel groups: per-step estimates and seconds."""
    configs = [cfg.with_overrides({"estimators": g}) for g in _groups(cfg.estimators, workers)]
    start = time.perf_counter()
    if len(configs) == 1:
        outputs = [_run_group(configs[0], device)]
    else:
        with ProcessPoolExecutor(len(configs)) as pool:
            outputs = list(pool.map(_run_group, configs, [device] * len(configs)))
    seconds = time.perf_counter() - start
    merged = {}
    for out in outputs:
        merged.update(out["estimates"])
    return merged, seconds


def summarize(cfg: StaircaseConfig, per_seed: list[dict]) -> list[dict]:
    """Each (estimator, level) row of :func:`staircase_table`: median over seeds, and every seed.

    The median over seeds, not the mean: one seed on which an estimator runs away (MINE at
    8-10 nats on seed 0 of the paper protocol) would otherwise set the whole cell.
    """
    from companion.mi import StaircaseResult, mi_staircase

    tables = []
    for estimates in per_seed:
        result = StaircaseResult(
            true_mi=mi_staircase(cfg.levels, cfg.steps_per_level),
            estimates={k: torch.tensor(v, dtype=torch.float64) for k, v in estimates.items()},
            jsd_bce=None,
            config=cfg,
            seconds=0.0,
        )
        tables.append(staircase_table(result))
    rows = []
    for i, row in enumerate(tables[0]):
        merged = dict(row)
        for key in ("mean", "median", "bias", "variance", "mse"):
            values = [t[i][key] for t in tables]
            merged[key] = torch.tensor(values).median().item()
            merged[f"{key}_per_seed"] = values
        merged["typical_error"] = merged["median"] - merged["true_mi"]
        rows.append(merged)
    return rows


def print_table(rows: list[dict], cfg: StaircaseConfig) -> None:
    """Typical error (median - true MI) and variance per estimator (rows) and level (columns)."""
    levels = cfg.levels
    names = list(cfg.estimators)
    head = "estimator " + "".join(f"| I={lv:<4g} error     var " for lv in levels)
    print(head)
    print("-" * len(head))
    for name in names:
        cells = []
        for lv in levels:
            row = next(r for r in rows if r["estimator"] == name and r["true_mi"] == lv)
            cells.append(f"| {row['typical_error']:+7.2f} {row['variance']:9.3g} ")
        print(f"{name:<10}" + "".join(cells))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--critic", choices=("separable", "concat"), default="separable")
    parser.add_argument("--steps", type=int, default=None, help="steps per level (paper: 4000)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--workers", type=int, default=2, help="processes (one thread each)")
    parser.add_argument("--device", default="cpu", help="e.g. cuda (then use --workers 1)")
    parser.add_argument(
        "--estimators", nargs="+", default=list(ESTIMATORS), choices=list(ESTIMATORS)
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON path (default: results/)")
    args = parser.parse_args(argv)

    cfg = StaircaseConfig.paper().with_overrides(
        {"critic": args.critic, "estimators": tuple(args.estimators)}
    )
    if args.steps is not None:
        cfg = cfg.with_overrides({"steps_per_level": args.steps})
    per_seed, seconds = [], []
    for seed in args.seeds:
        estimates, elapsed = run_seed(cfg.with_overrides({"seed": seed}), args.workers, args.device)
        per_seed.append(estimates)
        seconds.append(elapsed)
        print(f"seed {seed}: {elapsed:.1f} s wall-clock ({args.workers} workers)")
    rows = summarize(cfg, per_seed)
    print(
        f"\nMI staircase, {cfg.critic} critics, {cfg.steps_per_level} steps/level, batch "
        f"{cfg.batch_size} (InfoNCE cap log {cfg.batch_size} = "
        f"{torch.tensor(float(cfg.batch_size)).log().item():.2f} nats); median over "
        f"{len(args.seeds)} seed(s); statistics over the last half of each level\n"
    )
    print_table(rows, cfg)
    report = {
        "benchmark": "mi_staircase",
        "protocol": "Poole et al. 2019 (arXiv:1905.06922), Sec. 4 / Fig. 2",
        "config": cfg.to_dict(),
        "seeds": args.seeds,
        "workers": args.workers,
        "device": args.device,
        "seconds_per_seed": seconds,
        "rows": rows,
        "companion_version": companion.__version__,
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    out = args.out or RESULTS / (
        "mi_staircase.json" if cfg.critic == "separable" else "mi_staircase_concat.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=out.parent, suffix=".tmp", delete=False) as tmp:
        json.dump(report, tmp, indent=2)
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, out)
    print(f"\nwrote {out}")
    return report


if __name__ == "__main__":
    main()
