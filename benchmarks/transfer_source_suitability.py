"""Which source to fine-tune from: FID before transfer against FID after (thesis Sec. 2.3.6-2.3.7,
Tables 2.4, 2.5 and A.1), at toy scale.

The thesis fine-tunes GANs pretrained on four sources on four targets (Table 2.4) and asks
whether the suitability of a source can be read off *before* fine-tuning: from the FID between
the source's real images and the target's (Table A.1), or, better, between the source model's
samples and the target's images (Table 2.5), "a rough indicator of suitability rather than
accurate metric" (Sec. 2.3.7).

Here the target is Chapter 7.1's: 50 distinct training images of the digits 5-9 (16x16, drawn
anew for each seed with seed 1 + seed), FID on 8x8 pixels of the first channel against a
held-out pool of test-split 5-9s. Five sources, 2000 training images each (16x16, RGB):

- ``digits 0-4``: the other digits, white strokes on black (Chapter 7.1's source);
- ``house-number 0-4``: the same digits rendered as house numbers (coloured, textured
  background, shifted, fragments of neighbours: the ``b`` images of the ``digits`` set);
- ``shape outlines``: outlines of procedural shapes, white on black (``shapes_edges``);
- ``filled shapes``: the same shapes filled, white on black (``shapes`` masks);
- ``scenes``: rendered 3-D scenes with a sky, a ground and objects (``scenes``, RGB).

For each seed every source model is trained from scratch for ``--source-steps`` steps with that
seed (an unconditional TransferGAN, the ``cpu`` preset); then, before any fine-tuning, three
indicators are measured on 300 samples:

- ``FID src data -> tgt`` (Table A.1): the source's real images against the 50 target images;
- ``FID src gen -> tgt`` (Table 2.5, top): the source model's samples against the 50 target
  images (what one has before fine-tuning);
- ``FID src gen -> src`` (Table 2.5, bottom row): the source model's samples against its own
  training images (its quality).

Then each source model (G and D) is fine-tuned on the target for ``--steps`` steps (Chapter
7.1's budget, 120) with the same seed, and so is a model from scratch; ``FID last`` (after the
last step) and ``FID mean`` (over an evaluation every 20 steps) are measured against the
held-out pool (Table 2.4). Per seed, the Spearman rank correlation over the five sources between
each indicator and ``FID last`` is reported.

Writes ``benchmarks/results/transfer_source_suitability.json`` and prints a table.

    python benchmarks/transfer_source_suitability.py        # seeds 0-4, about 6 min, one thread
    python benchmarks/transfer_source_suitability.py --seeds 0 --steps 10 --source-steps 10
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from _report import print_summary, write_record
from conditional_transfer import CFG, SOURCE_CLASSES, TARGET_CLASSES, digits
from scipy.stats import spearmanr
from transfer_data_size import N_EVAL, PixelFID, fine_tune

import companion
from companion.data import load_dataset
from companion.methods.transfergan import TransferGAN
from companion.train import fit

OUT = Path(__file__).parent / "results" / "transfer_source_suitability.json"
N_SOURCE = 2000  # training images per source
N_TARGET = 50  # Chapter 7.1's few target images
INDICATORS = ("FID src data -> tgt", "FID src gen -> tgt", "FID src gen -> src")
SOURCES = ("digits 0-4", "house-number 0-4", "shape outlines", "filled shapes", "scenes")


def source_images(name: str) -> torch.Tensor:
    """``N_SOURCE`` training images (N, 3, 16, 16) in [-1, 1] of the source ``name``."""
    size = CFG.image_size
    if name == "digits 0-4":
        return digits("train", SOURCE_CLASSES, N_SOURCE)[0]
    if name == "house-number 0-4":
        batch = load_dataset("digits", resolution=size, size=3 * N_SOURCE).batch(
            range(3 * N_SOURCE)
        )
        return batch["b"][torch.isin(batch["y"], torch.tensor(SOURCE_CLASSES))][:N_SOURCE]
    dataset, key = {
        "shape outlines": ("shapes_edges", "a"),
        "filled shapes": ("shapes", "a"),
        "scenes": ("scenes", "rgb"),
    }[name]
    return load_dataset(dataset, resolution=size, size=N_SOURCE).batch(range(N_SOURCE))[key]


def train_source(x: torch.Tensor, seed: int, steps: int, out: Path) -> TransferGAN:
    """An unconditional TransferGAN trained from scratch on ``x`` (its checkpoint in ``out``)."""
    companion.seed_everything(seed)
    model = TransferGAN(CFG)
    fit(model, [{"a": xi} for xi in x], steps, out_dir=out, seed=seed, progress=False)
    return model.eval()


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation of two equally long lists."""
    return float(spearmanr(a, b).statistic)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--source-steps", type=int, default=400)
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread: on 2 shared cores, two thrash
    held, _ = digits("test", TARGET_CLASSES, 1000)
    pool = PixelFID(held)
    images = {name: source_images(name) for name in SOURCES}
    workdir = Path(tempfile.mkdtemp())
    results: dict[str, dict] = {name: {} for name in (*SOURCES, "scratch")}
    correlations: dict[int, dict[str, float]] = {}
    for seed in args.seeds:
        x_tgt, _ = digits("train", TARGET_CLASSES, N_TARGET, seed=1 + seed)
        assert len(x_tgt) == N_TARGET, len(x_tgt)
        to_target = PixelFID(x_tgt)
        for name in (*SOURCES, "scratch"):
            row: dict = {}
            if name != "scratch":
                start = time.perf_counter()
                x_src = images[name]
                model = train_source(x_src, seed, args.source_steps, workdir / f"{seed}-{name}")
                fake = model.sample(N_EVAL, generator=torch.Generator().manual_seed(0))
                row["FID src data -> tgt"] = to_target(x_src[:N_EVAL])
                row["FID src gen -> tgt"] = to_target(fake)
                row["FID src gen -> src"] = PixelFID(x_src)(fake)
                row["FID src gen -> pool"] = pool(fake)
                row["source seconds"] = time.perf_counter() - start
            init = "scratch" if name == "scratch" else "pretrained"
            curve, seconds = fine_tune(
                init, workdir / f"{seed}-{name}", x_tgt, seed, args.steps, pool
            )
            row |= {
                "FID last": curve[args.steps],
                "FID mean": statistics.mean(curve.values()),
                "curve": curve,
                "seconds": seconds,
            }
            results[name][seed] = row
            cells = ", ".join(f"{k} {row[k]:.2f}" for k in (*INDICATORS, "FID last") if k in row)
            print(f"seed {seed} {name}: {cells}", flush=True)
        last = [results[name][seed]["FID last"] for name in SOURCES]
        correlations[seed] = {
            k: spearman([results[name][seed][k] for name in SOURCES], last) for k in INDICATORS
        }
        print(f"seed {seed} Spearman with FID last: {correlations[seed]}", flush=True)

    print_summary(results, ["FID last", "FID mean"], label="source", digits=2)
    sources_only = {name: results[name] for name in SOURCES}
    print_summary(sources_only, list(INDICATORS), label="source (before)", digits=2)
    print(f"\nSpearman over the {len(SOURCES)} sources, indicator vs FID last, per seed")
    for k in INDICATORS:
        print(f"{k:<22}" + "".join(f"{correlations[s][k]:>7.2f}" for s in args.seeds))
    write_record(
        OUT,
        f"TransferGAN cpu preset (16x16); sources {list(SOURCES)}, {N_SOURCE} images each, "
        f"trained from scratch {args.source_steps} steps with each seed; target: {N_TARGET} "
        f"distinct train-split images of digits {TARGET_CLASSES} (seed 1 + seed); fine-tuning "
        f"{args.steps} steps, G and D from the source, or both from scratch; indicators on "
        f"{N_EVAL} samples against the {N_TARGET} target images (or the source's images); "
        f"FID on 8x8 pixels of the first channel, final FID against {len(held)} held-out "
        "test-split images, every 20 steps",
        results,
        spearman=correlations,
        threads=1,
    )


if __name__ == "__main__":
    main()
