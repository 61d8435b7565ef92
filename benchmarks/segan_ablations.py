"""SEGAN's own ablations at toy scale: lambda_MI, batch size, lambda_L1 and App. D's negatives.

Seed paper 000 reports a search over lambda_MI (Sec. 4.4: 3 was best), a batch of 32 because the
estimator needs it (Sec. 4.4), lambda_L1 = 3 (Sec. 4.6) and three ways of drawing negatives
(App. D): all non-matching pairs of a batch ("would easily run out of GPU memory"), resampling
from one marginal ("performs badly"; our reading: the output paired with a code drawn afresh)
and a second batch of outputs from the same inputs (the paper's choice). The strategies are
``SEGANConfig.negatives`` (:data:`companion.methods.segan.NEGATIVES`).

This script trains SEGAN on 32x32 ``shapes`` (grey background, the setting of Section 3.2) at its
``cpu`` preset (lambda_L1 10, lambda_MI 3, batch 32, 250 steps) with one change at a time and
measures, per seed: styles per input (oracle, 20 codes on 32 test inputs), precision (share of
valid outputs, :func:`companion.metrics.precision`), the final JSD bound (each strategy's own
estimate: not comparable across strategies) and the training seconds per step. Per strategy it
also measures the memory the MI term keeps for its backward pass at batch 32 (every tensor
autograd saves, counted once), at the cpu preset's T and, from the bytes per pair, for the
paper's Table 3 T at 256x256. The all-pairs variant runs T on N^2 = 1024 pairs per step instead
of 2N = 64 (about 0.26 s per step against 0.06 on 2 cores of an Intel Xeon), so it runs on the
seeds of ``--expensive-seeds`` (0-2 by default). About 12 minutes in all. Writes
``benchmarks/results/segan_ablations.json``; ``--merge`` keeps the variants already there that
this run does not train.

    python benchmarks/segan_ablations.py                 # seeds 0-4, all pairs on 0-2
    python benchmarks/segan_ablations.py --seeds 0 --steps 20 --only "cpu preset"
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from _report import print_summary, sweep, write_record

import companion
from companion.data import load_dataset
from companion.methods.segan import NEGATIVES, SEGAN, SEGANConfig
from companion.metrics import mode_coverage, precision
from companion.nets.critics import StatisticsNetwork
from companion.train import fit

VARIANTS = {
    "cpu preset": {},
    "lambda_MI 0": {"lambda_mi": 0.0},
    "lambda_MI 1": {"lambda_mi": 1.0},
    "lambda_MI 10": {"lambda_mi": 10.0},
    "batch 16": {"batch_size": 16},
    "lambda_L1 3": {"lambda_l1": 3.0},
    "lambda_L1 3, lambda_MI 0": {"lambda_l1": 3.0, "lambda_mi": 0.0},
    "negatives: all pairs": {"negatives": "all_pairs"},
    "negatives: fresh code": {"negatives": "resampled_code"},
}
"""Label -> overrides of the ``cpu`` preset (lambda_L1 10, lambda_MI 3, batch 32, second batch)."""

EXPENSIVE = ("negatives: all pairs",)
OUT = Path(__file__).parent / "results" / "segan_ablations.json"
KEYS = ("styles", "precision", "bound", "s/step")
N_TEST, N_CODES = 32, 20


def run(label: str, seed: int, steps: int) -> dict[str, float]:
    """Train one variant on one seed; its oracle scores, final bound and time per step."""
    data = load_dataset("shapes", seed=seed, background="grey")
    test = load_dataset("shapes", split="test", seed=seed, background="grey")
    companion.seed_everything(seed)
    model = SEGAN(SEGANConfig.cpu().with_overrides(VARIANTS[label]))
    start = time.perf_counter()
    history = fit(model, data, steps, seed=seed, log_every=max(steps // 10, 1), progress=False)
    seconds = time.perf_counter() - start
    a = test.batch(range(N_TEST))["a"]  # (32, 1, H, W) masks
    gen = torch.Generator().manual_seed(seed + 3)
    with torch.no_grad():
        outs = [model.eval().translate(a, generator=gen) for _ in range(N_CODES)]
    outs = torch.stack(outs, 1)  # (32, 20, 3, H, W)
    styles = test.style_of(outs.flatten(0, 1)).view(N_TEST, N_CODES)
    return {
        "styles": mode_coverage(styles),
        "precision": precision(outs, a, test.palette_colors, tuple(test.textures)),
        "bound": history[-1]["mi/jsd"],
        "s/step": seconds / steps,
        "seconds": seconds,
    }


def saved_bytes(model: SEGAN, n: int, image_size: int) -> int:
    """Bytes autograd keeps for the backward pass of ``model.mi_bound`` on a batch of ``n``.

    Every tensor saved for backward is counted once (by its storage), parameters included.
    """
    b_1, b_2 = (torch.randn(n, 3, image_size, image_size, requires_grad=True) for _ in "12")
    z_1, z_2 = torch.randn(n, model.cfg.z_dim), torch.randn(n, model.cfg.z_dim)
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model.mi_bound(b_1, b_2, z_1, z_2).loss.backward()
    return sum(storages.values())


def mi_memory(batch: int = 32) -> dict[str, dict[str, float]]:
    """Per strategy: MiB the MI term saves at ``batch``; cpu T measured, paper T extrapolated.

    The paper's Table 3 T at 256x256 is measured on batches of 2 and 4 inputs; bytes grow
    linearly in the number of pairs T scores (2N, or N^2 for all pairs), which gives the bytes
    per pair and the fixed part (T's weights), extrapolated to ``batch``.
    """
    paper = SEGANConfig.paper()
    t_paper = StatisticsNetwork(256, 3, paper.z_dim, paper.t_widths, paper.t_fc_width)
    out = {}
    for negatives in NEGATIVES:
        cfg = SEGANConfig.cpu().with_overrides({"negatives": negatives})
        cpu, big = SEGAN(cfg), SEGAN(cfg)
        big.T = t_paper

        def pairs(n: int, negatives: str = negatives) -> int:
            return n * n if negatives == "all_pairs" else 2 * n

        small, large = saved_bytes(big, 2, 256), saved_bytes(big, 4, 256)
        per_pair = (large - small) / (pairs(4) - pairs(2))
        paper_bytes = small + per_pair * (pairs(batch) - pairs(2))
        out[negatives] = {
            "pairs": pairs(batch),
            "cpu T, MiB": saved_bytes(cpu, batch, 32) / 2**20,
            "paper T, MiB": paper_bytes / 2**20,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--expensive-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--merge", action="store_true", help="keep the other variants in OUT")
    args = parser.parse_args()
    torch.set_num_threads(2)

    def one(label: str, seed: int) -> dict[str, float]:
        return run(label, seed, args.steps)

    results = sweep([v for v in args.only if v not in EXPENSIVE], args.seeds, one, KEYS)
    results |= sweep([v for v in args.only if v in EXPENSIVE], args.expensive_seeds, one, KEYS)
    print_summary(results, KEYS, label="variant")
    memory = mi_memory()
    for negatives, cells in memory.items():
        print(f"{negatives:<15}" + ", ".join(f"{k} {v:.1f}" for k, v in cells.items()))
    if args.merge and OUT.exists():
        results = json.loads(OUT.read_text())["results"] | results
    write_record(
        OUT,
        f"SEGAN cpu preset (lambda_L1 10, lambda_MI 3, batch 32, second-batch negatives), "
        f"shapes 32 px grey background, {args.steps} steps, one change per variant; styles "
        f"and precision on {N_TEST} test inputs x {N_CODES} codes",
        results,
        steps=args.steps,
        mi_memory_at_batch_32=memory,
    )


if __name__ == "__main__":
    main()
