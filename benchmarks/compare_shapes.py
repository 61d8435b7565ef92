"""The book's comparison table on ``shapes``: every translation method at its ``cpu`` preset.

Trains pix2pix + noise, BicycleGAN, MSGAN, SEGAN w/o MI and SEGAN for ``--steps`` steps on
32x32 ``shapes`` with a grey background (the setting of Sections 2.1, 2.4 and 3.2), for each
seed, and evaluates each model as the chapters do: oracle mode coverage (20 codes per input),
diversity (``lpips-random-alex``, ``bicyclegan`` protocol), domain FID (features of a style
classifier trained on the real targets) and NDB (20 bins). Prints mean and standard deviation
over seeds and writes benchmarks/results/compare_shapes.json.

    python benchmarks/compare_shapes.py                  # seeds 0 1 2, 250 steps
    python benchmarks/compare_shapes.py --seeds 0 --steps 800

Every model takes the same number of steps; SEGAN's ``cpu`` preset uses batch 32 (the others
16), so it sees twice as many images.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

import companion
from companion.data import load_dataset
from companion.methods.base import get_method
from companion.metrics import EvalConfig, evaluate, train_factor_classifier
from companion.train import fit

MODELS = {
    "pix2pix + noise": ("pix2pix", {}),
    "BicycleGAN": ("bicyclegan", {}),
    "MSGAN": ("msgan", {}),
    "SEGAN w/o MI": ("segan", {"lambda_mi": 0.0}),
    "SEGAN": ("segan", {}),
}
METRICS = ("mode_coverage", "diversity", "domain_fid", "ndb")


def run_seed(seed: int, steps: int) -> dict[str, dict[str, float]]:
    """Train and evaluate every model of :data:`MODELS` for one seed."""
    data = load_dataset("shapes", seed=seed, background="grey")
    test = load_dataset("shapes", split="test", seed=seed, background="grey")
    classifier = train_factor_classifier(data, "style", seed=seed)
    eval_cfg = EvalConfig.cpu(32)
    rows = {}
    for label, (name, overrides) in MODELS.items():
        method = get_method(name)
        companion.seed_everything(seed)
        model = method(method.Config.cpu().with_overrides(overrides))
        start = time.perf_counter()
        fit(model, data, steps, seed=seed, log_every=steps, progress=False)
        seconds = time.perf_counter() - start
        record = evaluate(
            model.eval(),
            test,
            list(METRICS),
            cfg=eval_cfg,
            classifier=classifier,
            seed=seed,
        )["metrics"]
        rows[label] = {m: record[m]["value"] for m in METRICS} | {"train_s": seconds}
        print(
            f"seed {seed} {label:<16} " + " ".join(f"{k} {v:.3f}" for k, v in rows[label].items())
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/results/compare_shapes.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    per_seed = {seed: run_seed(seed, args.steps) for seed in args.seeds}
    print(f"\n{len(args.seeds)} seeds, {args.steps} steps, mean (std)")
    print(f"{'':<16}" + "".join(f"{m:>20}" for m in (*METRICS, "train_s")))
    summary = {}
    for label in MODELS:
        summary[label] = {}
        cells = []
        for m in (*METRICS, "train_s"):
            values = [per_seed[s][label][m] for s in args.seeds]
            std = statistics.stdev(values) if len(values) > 1 else 0.0
            summary[label][m] = {"mean": statistics.mean(values), "std": std, "values": values}
            cells.append(f"{statistics.mean(values):>11.3f} ({std:.3f})")
        print(f"{label:<16}" + "".join(f"{c:>20}" for c in cells))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"seeds": args.seeds, "steps": args.steps, "summary": summary}))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
