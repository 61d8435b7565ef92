"""TransferGAN against the size of the target set (thesis Sec. 2.3.5, Table 2.2), at toy scale.

Table 2.2 fine-tunes on 1K to 1M LSUN Bedrooms and finds the pretrained model's FID far below
the scratch model's with few images (93.4 against 256.1 at 1K) and the gap closing as the
target set grows (18.5 against 21.0 at 1M). Here the source is Chapter 7.1's (the ``cpu``
preset, an unconditional TransferGAN on 16x16 digits 0-4, 400 steps, seed 0), and the target
is ``n`` distinct training images of digits 5-9 for each ``n`` of ``--sizes``, drawn anew for
each seed. For every size and seed, two models train 120 steps (Chapter 7.1's budget) with the
same seed: G and D from the source, and both from scratch. Measured every 20 steps on 300
samples: FID on 8x8 pixels against a held-out pool of test-split 5-9s (Chapter 7.1's features),
from which ``FID last`` (at the last step) and ``FID mean`` (the mean over the curve, Chapter
7.1's area under it). ``data floor`` is the FID of the ``n`` training images themselves to the
pool: what a model that copied its training set would score (the thesis's "lower bound").

Writes ``benchmarks/results/transfer_data_size.json`` and prints a table.

    python benchmarks/transfer_data_size.py            # sizes 10 30 100 300, seeds 0-4
    python benchmarks/transfer_data_size.py --seeds 0 --sizes 10 --steps 10 --source-steps 10
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from _report import write_record
from conditional_transfer import CFG, SOURCE_CLASSES, TARGET_CLASSES, digits, train_source

import companion
from companion.methods.transfergan import TransferGAN
from companion.metrics import PixelFeatures, extract_features
from companion.metrics.fid import frechet_distance, gaussian_statistics
from companion.train import fit

OUT = Path(__file__).parent / "results" / "transfer_data_size.json"
N_EVAL = 300  # samples per evaluation, as Chapter 7.1's cpu preset
INITS = ("pretrained", "scratch")


class PixelFID:
    """FID on 8x8 pixels of the first channel against a fixed pool of images."""

    def __init__(self, pool: torch.Tensor) -> None:
        self.features = PixelFeatures(size=8, channels=1)
        self.pool = self.statistics(pool)

    def statistics(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return gaussian_statistics(extract_features(x[:, :1].cpu(), self.features))

    @torch.no_grad()
    def __call__(self, x: torch.Tensor) -> float:
        return float(frechet_distance(*self.pool, *self.statistics(x)))


def fine_tune(init: str, source: Path, x: torch.Tensor, seed: int, steps: int, fid: PixelFID):
    """Train an unconditional TransferGAN on images ``x``; its FID curve and seconds."""
    companion.seed_everything(seed)
    model = TransferGAN.from_pretrained(source, CFG) if init == "pretrained" else TransferGAN(CFG)

    def judge(m: TransferGAN) -> float:
        return fid(m.eval().sample(N_EVAL, generator=torch.Generator().manual_seed(0)))

    repeats = -(-CFG.batch_size // len(x))  # a set smaller than a batch is repeated to fill it
    curve = {0: judge(model)}
    start = time.perf_counter()
    fit(
        model.train(),
        [{"a": xi} for xi in x] * repeats,
        steps,
        seed=seed,
        eval_every=20,
        callbacks=[lambda m, step: curve.__setitem__(step, judge(m))],  # steps done
        progress=False,
    )
    return curve, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10, 30, 100, 300])
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--source-steps", type=int, default=400)
    args = parser.parse_args()
    torch.set_num_threads(2)
    held, _ = digits("test", TARGET_CLASSES, 1000)
    fid = PixelFID(held)
    source = train_source(args.source_steps, Path(tempfile.mkdtemp()))
    results: dict[str, dict] = {}
    for n in args.sizes:
        for seed in args.seeds:
            x, _ = digits("train", TARGET_CLASSES, n, seed=1 + seed)
            assert len(x) == n, f"only {len(x)} distinct target images for n = {n}"
            row = results.setdefault(str(n), {}).setdefault(seed, {"data floor": fid(x)})
            for init in INITS:
                curve, seconds = fine_tune(init, source, x, seed, args.steps, fid)
                row[init] = {
                    "FID last": curve[args.steps],
                    "FID mean": statistics.mean(curve.values()),
                    "curve": curve,
                    "seconds": seconds,
                }
            p, s = row["pretrained"], row["scratch"]
            print(
                f"n {n:>4} seed {seed}: FID last pretrained {p['FID last']:.2f} scratch "
                f"{s['FID last']:.2f}; mean {p['FID mean']:.2f} vs {s['FID mean']:.2f}; "
                f"floor {row['data floor']:.2f}",
                flush=True,
            )
    print(f"\nmeans over seeds {args.seeds}, {args.steps} steps (wins: pretrained lower)")
    print(f"{'n':>5}{'floor':>8}" + "".join(f"{f'{k} {i}':>22}" for k in ("last", "mean")
                                          for i in INITS) + f"{'wins last':>11}")  # fmt: skip
    for n, by_seed in results.items():
        rows = list(by_seed.values())
        cells = [statistics.mean(r["data floor"] for r in rows)]
        cells += [statistics.mean(r[i][f"FID {k}"] for r in rows) for k in ("last", "mean")
                  for i in INITS]  # fmt: skip
        wins = sum(r["pretrained"]["FID last"] < r["scratch"]["FID last"] for r in rows)
        print(f"{n:>5}{cells[0]:>8.2f}" + "".join(f"{c:>22.2f}" for c in cells[1:])
              + f"{f'{wins}/{len(rows)}':>11}")  # fmt: skip
    write_record(
        OUT,
        f"TransferGAN cpu preset (16x16 digits); source: digits {SOURCE_CLASSES}, "
        f"{args.source_steps} steps, seed 0; target: n distinct train-split images of "
        f"{TARGET_CLASSES} (seed 1 + seed), {args.steps} steps, G and D pretrained or both "
        f"scratch; FID on 8x8 pixels, {N_EVAL} samples vs {len(held)} held-out test-split "
        "images, every 20 steps",
        results,
    )


if __name__ == "__main__":
    main()
