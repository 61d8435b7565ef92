"""SEGAN's own ablations at toy scale: lambda_MI, batch size, lambda_L1 and App. D's negatives.

Seed paper 000 reports a search over lambda_MI (Sec. 4.4: 3 was best), a batch of 32 because the
estimator needs it (Sec. 4.4), lambda_L1 = 3 (Sec. 4.6) and three ways of drawing negatives
(App. D): all non-matching pairs of a batch ("runs out of GPU memory"), pairing an output with a
code drawn afresh from the prior ("performs badly") and a second batch of outputs from the same
inputs (the paper's choice, :class:`~companion.methods.segan.SEGAN`). This script trains SEGAN on
32x32 ``shapes`` (grey background, the setting of Section 3.2) at its ``cpu`` preset with one
change at a time and measures, per seed: styles per input (oracle, 20 codes on 32 test inputs),
precision (share of valid outputs, :func:`companion.metrics.precision`), the final JSD bound
and the training time. Writes benchmarks/results/segan_ablations.json. The all-pairs variant
runs T on N^2 = 1024 pairs per step instead of 2N = 64: about ten times slower per step on a
CPU (measured at 2 steps under load: 13 s against 1.1 s per step).

    python benchmarks/segan_ablations.py                       # seeds 0 1 2, 250 steps
    python benchmarks/segan_ablations.py --seeds 0 --steps 20 --only "paper choice"
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
from companion.losses import scale_gradient
from companion.methods.segan import SEGAN, SEGANConfig
from companion.metrics import mode_coverage, precision
from companion.mi import jsd_lower_bound
from companion.mi.bounds import Bound
from companion.train import fit


class AllPairsSEGAN(SEGAN):
    """App. D's first strategy: every non-matching pair (z_i, b_hat_j), j != i, is a negative."""

    def mi_bound(self, b_hat_1: torch.Tensor, b_hat_2: torch.Tensor, z_1: torch.Tensor) -> Bound:
        n = z_1.shape[0]
        b_hat = scale_gradient(b_hat_1, self.cfg.lambda_mi)  # (N, C, H, W)
        images = b_hat.repeat(n, 1, 1, 1)  # (N*N, C, H, W): row k holds b_hat_{k % N}
        codes = z_1.repeat_interleave(n, dim=0)  # (N*N, D): row k holds z_{k // N}
        return jsd_lower_bound(self.T(images, codes).view(n, n))  # [i, j] = T(b_hat_j, z_i)


class ResampledCodeSEGAN(SEGAN):
    """App. D's second strategy: each output paired with a code drawn afresh from N(0, I)."""

    def mi_bound(self, b_hat_1: torch.Tensor, b_hat_2: torch.Tensor, z_1: torch.Tensor) -> Bound:
        b_hat = scale_gradient(b_hat_1, self.cfg.lambda_mi)  # (N, C, H, W)
        return jsd_lower_bound(self.T(b_hat, z_1), self.T(b_hat, torch.randn_like(z_1)))


VARIANTS: dict[str, tuple[type[SEGAN], dict]] = {
    "paper choice": (SEGAN, {}),
    "lambda_MI 0": (SEGAN, {"lambda_mi": 0.0}),
    "lambda_MI 1": (SEGAN, {"lambda_mi": 1.0}),
    "lambda_MI 10": (SEGAN, {"lambda_mi": 10.0}),
    "batch 16": (SEGAN, {"batch_size": 16}),
    "lambda_L1 3": (SEGAN, {"lambda_l1": 3.0}),
    "lambda_L1 3, lambda_MI 0": (SEGAN, {"lambda_l1": 3.0, "lambda_mi": 0.0}),
    "negatives: all pairs": (AllPairsSEGAN, {}),
    "negatives: resampled code": (ResampledCodeSEGAN, {}),
}
"""Label -> (model class, overrides of the ``cpu`` preset): one change at a time."""


def run(label: str, seed: int, steps: int) -> dict[str, float]:
    """Train one variant on one seed and measure it."""
    cls, overrides = VARIANTS[label]
    data = load_dataset("shapes", seed=seed, background="grey")
    test = load_dataset("shapes", split="test", seed=seed, background="grey")
    companion.seed_everything(seed)
    model = cls(SEGANConfig.cpu().with_overrides(overrides))
    start = time.perf_counter()
    history = fit(model, data, steps, seed=seed, log_every=max(steps // 10, 1), progress=False)
    seconds = time.perf_counter() - start
    a = test.batch(range(32))["a"]  # (32, 1, H, W) masks
    gen = torch.Generator().manual_seed(seed + 3)
    with torch.no_grad():
        outs = torch.stack([model.eval().translate(a, generator=gen) for _ in range(20)], 1)
    styles = test.style_of(outs.flatten(0, 1)).view(32, 20)  # (32, 20)
    return {
        "styles": mode_coverage(styles),
        "precision": precision(outs, a, test.palette_colors, tuple(test.textures)),
        "bound": history[-1]["mi/jsd"],
        "train_s": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--out", default="benchmarks/results/segan_ablations.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {}
    for label in args.only:
        per_seed = {seed: run(label, seed, args.steps) for seed in args.seeds}
        results[label] = {
            m: {
                "values": [per_seed[s][m] for s in args.seeds],
                "mean": statistics.mean(per_seed[s][m] for s in args.seeds),
            }
            for m in per_seed[args.seeds[0]]
        }
        cells = " ".join(f"{m} {v['mean']:.3f}" for m, v in results[label].items())
        print(f"{label:<26} {cells}", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"seeds": args.seeds, "steps": args.steps, "results": results}))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
