"""MISO's Tables 2-3 analogue on ``toyvec``: MISO, its baselines and its ablations, per seed.

Seed paper 001 compares MISO with SRSO (self-reconstruction instead of MILO), NycleGAN (CycleGAN
with noise) and two ablations (w/o the adversarial term on random-style or on encoded-style
outputs), on LPIPS diversity (O<->O), input-output distance (I<->O) and a classifier's accuracy.
This script trains each on the ``toyvec`` vectors (Chapter 5.2) with one switch changed at a
time, adds two ablations the paper never ran (a fixed sigma; an independent content encoder
``E_c(b)`` in place of the conditional encoder ``E(b, z)``) and one cycle weight below DRIT's,
and measures with the exact probes of :func:`companion.metrics.toyvec_scores`: diversity
against the real data's, style modes per source, same-code consistency, content R^2, manifold
residual, the final MILO estimate and the training time. Writes
benchmarks/results/miso_ablations.json (runs of other variants already in the file are kept).

    python benchmarks/miso_ablations.py                        # seeds 0 1 2, 800 steps
    python benchmarks/miso_ablations.py --seeds 0 --steps 20 --only MISO
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path

import torch

import companion
from companion.data import dataset_facts, load_dataset
from companion.methods.miso import MISO, MISOConfig
from companion.metrics import toyvec_scores
from companion.train import fit

VARIANTS: dict[str, dict] = {
    "MISO": {},
    "SRSO": {"ifi_loss": "sr"},
    "NycleGAN": {"style_encoders": False},
    "w/o L_adv^rand": {"adv_rand": False},
    "w/o L_adv^enc": {"adv_enc": False},
    "fixed sigma": {"learn_sigma": False},
    "lambda_cyc 1": {"lambda_cyc": 1.0},
    "independent E_c": {"z_injection": "decoder"},  # content encoder without z (MUNIT/DRIT)
}
"""Each variant's changes to MISO's config on ``toyvec``."""

RESULTS = Path(__file__).parent / "results" / "miso_ablations.json"
KEYS = ("diversity", "modes", "consistency", "content_r2", "residual", "milo_estimate")


def run_one(name: str, seed: int, steps: int) -> dict[str, float]:
    """Train variant ``name`` with ``seed`` for ``steps`` steps; its scores and time."""
    companion.seed_everything(seed)
    cfg = MISOConfig.cpu().for_dataset(dataset_facts("toyvec")).with_overrides(VARIANTS[name])
    data = load_dataset("toyvec", seed=seed)
    test = load_dataset("toyvec", split="test", seed=seed)
    model = MISO(cfg)
    start = time.perf_counter()
    history = fit(model, data, steps, seed=seed, log_every=max(steps // 20, 1))
    seconds = time.perf_counter() - start
    model.eval()
    scores = toyvec_scores(model.translate, test, cfg.z_dim, seed=seed)
    milo = [h["mi/milo"] for h in history if "mi/milo" in h]
    scores["milo_estimate"] = sum(milo[-5:]) / len(milo[-5:]) if milo else float("nan")
    return {**scores, "seconds": seconds}


def table(runs: dict[str, dict[str, dict]]) -> str:
    """Mean +- std over seeds of every score, one row per variant."""
    head = f"{'variant':<16}" + "".join(f"{k:>18}" for k in KEYS)
    rows = [head]
    for name, by_seed in runs.items():
        cells = []
        for key in KEYS:
            values = [r[key] for r in by_seed.values() if not math.isnan(r[key])]
            if not values:  # e.g. no MILO estimate without MILO
                cells.append(f"{'-':>18}")
                continue
            std = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):>10.3f} +- {std:<5.3f}")
        rows.append(f"{name:<16}" + "".join(cells))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--only", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    runs = saved.get("runs", {}) if saved.get("steps") == args.steps else {}
    for name in args.only:
        runs[name] = {str(s): run_one(name, s, args.steps) for s in args.seeds}
        print(name, {s: round(r["diversity"], 3) for s, r in runs[name].items()}, flush=True)
        runs = {name: runs[name] for name in VARIANTS if name in runs}
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps({"steps": args.steps, "runs": runs}, indent=1) + "\n")
    print(table(runs))


if __name__ == "__main__":
    main()
