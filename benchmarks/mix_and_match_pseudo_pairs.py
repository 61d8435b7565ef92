"""M&MNets with and without pseudo-pairs (Table 4.3's last row, Tables 4.4-4.5) on ``scenes``.

Stage 3 of the thesis (Sec. 4.6.1, Eq. (4.12)-(4.13)) fine-tunes the unseen translators on
pseudo-pairs, (T_RD(x), y) and (T_RS(x), z), at a tenth of the learning rate. Chapter 8.3 has no
budget for it, so this script runs it at the cpu preset of Chapter 8.2-8.3 (32 px scenes,
1,000 zero-pair samples, 300 + 300 steps) plus a stage 3 of 150 steps at lr 1e-4 (a tenth of
the cpu preset's 1e-3, the thesis's ratio). The control runs the same 750 steps and the same
learning-rate drop with a pseudo-pair weight of 1e-12, so the two arms differ only in the
pseudo-pair term. Scores on 300 test triplets: depth -> seg mIoU and global accuracy, seg ->
depth RMSE and delta < 1.25 (depth as the scenes' [0, 1] distance). Writes
benchmarks/results/mix_and_match_pseudo_pairs.json.

    python benchmarks/mix_and_match_pseudo_pairs.py               # seeds 0 1 2
    python benchmarks/mix_and_match_pseudo_pairs.py --seeds 0 --pp-steps 10
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
from companion.methods.mix_and_match import MixAndMatch, MixAndMatchConfig
from companion.metrics import confusion_matrix, depth_scores, segmentation_scores
from companion.train import fit

ARMS = {"M&MNets": 1e-12, "M&MNets+PP": 100.0}
"""Pseudo-pair weight of each arm (1e-12: the same schedule without the term's effect)."""

RESULTS = Path(__file__).parent / "results" / "mix_and_match_pseudo_pairs.json"
KEYS = ("miou", "global", "rmse", "delta1")
TRAIN, TEST = 1000, 300


def run_one(lambda_pp: float, seed: int, pp_steps: int) -> dict[str, float]:
    """Train one arm with ``seed`` (data and weights); its zero-pair scores and time."""
    base = MixAndMatchConfig.cpu()
    steps = 2 * base.stage2_start + pp_steps
    cfg = base.with_overrides(
        {"lambda_pp": lambda_pp, "pp_start": 2 * base.stage2_start, "lr_pp": base.lr / 10}
    )
    data = load_dataset("scenes_zeropair", resolution=cfg.image_size, size=TRAIN, seed=seed)
    test = load_dataset("scenes", split="test", resolution=cfg.image_size, size=TEST, seed=seed)
    test = test.batch(range(TEST))
    companion.seed_everything(seed)
    model = MixAndMatch(cfg)
    start = time.perf_counter()
    fit(model, data, steps, seed=seed, log_every=50)
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        seg = model.translate(test["depth"], source="depth", target="seg").argmax(1)
        dep = model.translate(test["seg"], source="seg", target="depth")
    s = segmentation_scores(confusion_matrix(seg, test["seg"], cfg.num_classes))
    d = depth_scores((dep + 1) / 2, (test["depth"] + 1) / 2)
    return {"miou": s["miou"], "global": s["global"], "rmse": d["rmse"],
            "delta1": d["delta1"], "seconds": seconds}  # fmt: skip


def table(runs: dict[str, dict[str, dict]]) -> str:
    """Per-seed values and the mean of every score, one row per arm."""
    rows = [f"{'arm':<12}" + "".join(f"{k:>28}" for k in KEYS)]
    for name, by_seed in runs.items():
        cells = []
        for key in KEYS:
            values = [r[key] for r in by_seed.values()]
            each = "/".join(f"{v:.3f}" for v in values)
            cells.append(f"{each} ({statistics.mean(values):.3f})".rjust(28))
        rows.append(f"{name:<12}" + "".join(cells))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--pp-steps", type=int, default=150)
    args = parser.parse_args()
    torch.set_num_threads(2)
    runs: dict[str, dict[str, dict]] = {}
    for name, lam in ARMS.items():
        runs[name] = {str(s): run_one(lam, s, args.pp_steps) for s in args.seeds}
        print(name, {s: round(r["miou"], 3) for s, r in runs[name].items()}, flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"pp_steps": args.pp_steps, "runs": runs}, indent=1) + "\n")
    print(table(runs))


if __name__ == "__main__":
    main()
