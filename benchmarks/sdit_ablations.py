"""SDIT's ablations at toy scale: the gamma/beta study (Fig. 6.6) and Table 6.1's components.

The thesis (Sec. 6.5.2, Fig. 6.6) trains the conditional instance norm with only the scale
gamma(z), only the shift beta(z), or both, and reports that "only learning gamma fails to
output diverse images, while only learning beta already generates diverse results"; Table 6.1
removes the attention branch and the latent reconstruction L_LAT. This script trains
:class:`~companion.methods.sdit.SDIT` at its ``cpu`` preset (four colour domains of 32x32
shapes, 300 steps, the setting of Chapter 9.2) with one change at a time and measures, per
seed, on 32 test inputs translated to each of the four domains with 6 codes:

- ``target accuracy``: the share of outputs whose oracle colour is the target domain's;
- ``textures per input``: distinct oracle textures among the 6 outputs of one input (of 2);
- ``diversity``: mean L1 distance between two outputs of one input, over all pairs of the 6
  codes, in [-1, 1] pixel units (the per-input protocol with an L1 distance, not LPIPS);
- ``content IoU``: overlap of each output's foreground with the input's shape.

Writes ``benchmarks/results/sdit_ablations.json`` and prints a table of means over seeds.

    python benchmarks/sdit_ablations.py                  # seeds 0 1 2, 300 steps
    python benchmarks/sdit_ablations.py --seeds 0 --steps 20 --only "beta only"
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from _report import print_summary, sweep, write_record

import companion
from companion.data import DomainShapes
from companion.methods.sdit import SDIT, SDITConfig
from companion.metrics import content_iou
from companion.metrics.diversity import pairwise_diversity, pixel_l1
from companion.train import fit

OUT = Path(__file__).parent / "results" / "sdit_ablations.json"
N_INPUTS, K = 32, 6
VARIANTS = {
    "SDIT (gamma and beta)": {},
    "beta only": {"cin_mode": "beta"},
    "gamma only": {"cin_mode": "gamma"},
    "w/o L_LAT": {"lambda_lat": 0.0},
    "w/o attention": {"use_attention": False},
}


def measure(model: SDIT, test: DomainShapes, seed: int) -> dict[str, float]:
    """The four measures of the module docstring, averaged over the target domains."""
    batch = test.batch(range(N_INPUTS))
    x, masks = batch["x"], batch["mask"] > 0
    gen = torch.Generator().manual_seed(seed + 5)
    rows = []
    with torch.no_grad():
        for d in range(model.cfg.num_domains):
            outs = torch.stack(
                [model.translate(x, target=d, generator=gen) for _ in range(K)], 1
            )  # (N, K, 3, H, W)
            flat, flat_masks = outs.flatten(0, 1), masks.repeat_interleave(K, 0)
            textures = test.texture_of(flat, flat_masks).view(N_INPUTS, K)
            rows.append(
                {
                    "target accuracy": (test.domain_of(flat, flat_masks) == d)
                    .float()
                    .mean()
                    .item(),
                    "textures per input": float(np.mean([len(set(t.tolist())) for t in textures])),
                    "diversity": pairwise_diversity(outs, pixel_l1).mean().item(),
                    "content IoU": content_iou(outs, masks),
                }
            )
    return {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}


def run(overrides: dict, seed: int, steps: int) -> dict[str, float]:
    cfg = SDITConfig.from_preset("cpu").with_overrides(overrides)
    data = DomainShapes(cfg.num_domains, resolution=cfg.image_size, seed=seed)
    test = DomainShapes(
        cfg.num_domains, resolution=cfg.image_size, seed=seed, split="test", size=256
    )
    companion.seed_everything(seed)
    model = SDIT(cfg)
    start = time.perf_counter()
    fit(model, data, steps, seed=seed, log_every=max(steps // 10, 1), progress=False)
    seconds = time.perf_counter() - start
    return {**measure(model.eval(), test, seed), "train seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    keys = ["target accuracy", "textures per input", "diversity", "content IoU"]
    results = sweep(
        args.only, args.seeds, lambda name, seed: run(VARIANTS[name], seed, args.steps), keys
    )
    print(f"\n{args.steps} steps")
    print_summary(results, keys, label="variant", digits=4)
    write_record(
        OUT,
        f"SDIT cpu preset, shapes_domains 32x32, {args.steps} steps, "
        f"{N_INPUTS} inputs x 4 domains x {K} codes",
        results,
    )


if __name__ == "__main__":
    main()
