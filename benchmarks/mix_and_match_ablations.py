"""M&MNets ablations on ``scenes``: the rows of the thesis's Tables 4.2-4.3, over seeds.

Chapter 8.3 ablates one switch (latent consistency) on its page. This script runs every row of
Tables 4.2-4.3 that the method has a switch for, at the cpu preset of Chapters 8.2-8.3 (32 px
scenes, 1,000 zero-pair samples, 300 + 300 steps, batch 8, lr 1e-3), each from the same seed:

- ``M&MNets``: the full model (pooling indices, autoencoders, latent consistency);
- ``+ pseudo-pairs``: stage 3 of the thesis (Sec. 4.6.1, Eq. (4.12)-(4.13)), 150 more steps
  that fine-tune the unseen translators on (T_RD(x), y) and (T_RS(x), z) at a tenth of the
  learning rate (the thesis's ratio);
- ``w/o latent consistency`` (lambda_a = 0), ``w/o side information`` (no pooling indices:
  Table 4.2's "no side information"), ``w/o autoencoders`` (Table 4.3's "AutoEnc" column).

Every arm runs the same 750 steps with the same learning-rate drop after step 600; the arms
other than ``+ pseudo-pairs`` give the pseudo-pair term a weight of 1e-12, so they differ from
it only in that term. Scores on 300 test triplets: depth -> seg mIoU and global accuracy, seg ->
depth RMSE and delta < 1.25 (depth as the scenes' [0, 1] distance), and the latent gap
||f_D(z) - f_R(x)|| / ||f_R(x)|| that latent consistency trains. Writes
``benchmarks/results/mix_and_match_ablations.json``; about 15 s per run on 2 cores.

    python benchmarks/mix_and_match_ablations.py                    # seeds 0-4, every arm
    python benchmarks/mix_and_match_ablations.py --seeds 0 --pp-steps 10 --only "M&MNets"
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from _report import print_summary, sweep, write_record

import companion
from companion.data import load_dataset
from companion.methods.mix_and_match import MixAndMatch, MixAndMatchConfig
from companion.metrics import confusion_matrix, depth_scores, segmentation_scores
from companion.train import fit

ARMS = {
    "M&MNets": {},
    "+ pseudo-pairs": {"lambda_pp": 100.0},
    "w/o latent consistency": {"lambda_a": 0.0},
    "w/o side information": {"use_pooling_indices": False},
    "w/o autoencoders": {"use_autoencoders": False},
}
"""Each arm's changes from the full model (whose pseudo-pair weight is 1e-12)."""

OUT = Path(__file__).parent / "results" / "mix_and_match_ablations.json"
KEYS = ("miou", "global", "rmse", "delta1", "latent gap")
TRAIN, TEST = 1000, 300


def run_one(overrides: dict, seed: int, pp_steps: int) -> dict[str, float]:
    """Train one arm with ``seed`` (data and weights); its zero-pair scores and time."""
    base = MixAndMatchConfig.cpu()
    steps = 2 * base.stage2_start + pp_steps
    cfg = base.with_overrides(
        {"lambda_pp": 1e-12, "pp_start": 2 * base.stage2_start, "lr_pp": base.lr / 10} | overrides
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
        h_d = model.encode("depth", test["depth"])[0].flatten(1)
        h_r = model.encode("rgb", test["rgb"])[0].flatten(1)
    s = segmentation_scores(confusion_matrix(seg, test["seg"], cfg.num_classes))
    d = depth_scores((dep + 1) / 2, (test["depth"] + 1) / 2)
    gap = ((h_d - h_r).norm(dim=1) / h_r.norm(dim=1)).mean().item()
    return {"miou": s["miou"], "global": s["global"], "rmse": d["rmse"],
            "delta1": d["delta1"], "latent gap": gap, "seconds": seconds}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--pp-steps", type=int, default=150)
    parser.add_argument("--only", nargs="+", choices=list(ARMS), default=list(ARMS))
    args = parser.parse_args()
    torch.set_num_threads(2)
    results = sweep(
        args.only, args.seeds, lambda name, seed: run_one(ARMS[name], seed, args.pp_steps), KEYS
    )
    print_summary(results, KEYS, label="arm")
    write_record(
        OUT,
        f"M&MNets cpu preset, scenes 32 px, {TRAIN} zero-pair samples, 300 + 300 steps "
        f"+ {args.pp_steps} steps at lr/10 (pseudo-pair weight 1e-12 except '+ pseudo-pairs'); "
        f"{TEST} test triplets",
        results,
    )


if __name__ == "__main__":
    main()
