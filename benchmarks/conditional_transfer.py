"""Unconditional -> conditional transfer at toy scale (thesis Sec. 2.4, Tables 2.6, 2.7).

The thesis fine-tunes an AC-GAN whose weights come from an unconditional GAN (Places) on ten
LSUN classes and compares it with an AC-GAN trained from scratch, by FID and by the accuracy of
a classifier on the generated classes (Table 2.7); transfer helps most with few images per
class. Here the source is the unconditional TransferGAN of Chapter 7.1 (the ``cpu`` preset,
16x16 digits 0-4, 400 steps, seed 0) and the target is labelled digits 5-9 with few images per
class (their labels remapped to 0-4). Two conditional TransferGANs (``num_classes=5``) train on
the target for the same steps with the same seed: one from the source (class-conditional batch
norm rows copied from the source's, the classifier head random), one from scratch. Measured on
``N_EVAL`` samples per class, over training:

- ``class accuracy``: the share of samples of class k that a digit classifier trained on real
  digits (all ten, :func:`companion.metrics.train_classifier`) labels as digit k + 5;
- ``FID``: the Frechet distance on 8x8 pixels (Chapter 7.1's features; computed by
  :func:`companion.metrics.fid.frechet_distance`, stable for near-singular covariances) against
  a held-out pool of test-split 5-9s, disjoint from the training images.

1000 steps, because the class conditioning appears only after several hundred: at 200 steps
neither model's samples are classified above chance.

Writes ``benchmarks/results/conditional_transfer.json`` and prints a per-seed table.

    python benchmarks/conditional_transfer.py                  # seeds 0 1 2
    python benchmarks/conditional_transfer.py --seeds 0 --steps 20 --source-steps 20
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import torch
from _report import write_record

import companion
from companion.data import load_dataset
from companion.methods.transfergan import TransferGAN, TransferGANConfig
from companion.metrics import PixelFeatures, extract_features
from companion.metrics.classifiers import train_classifier
from companion.metrics.fid import frechet_distance, gaussian_statistics
from companion.train import fit

OUT = Path(__file__).parent / "results" / "conditional_transfer.json"
SOURCE_CLASSES, TARGET_CLASSES = [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]
N_EVAL = 100  # samples per class at each evaluation
CFG = TransferGANConfig.cpu()


def digits(split: str, keep: list[int], n: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Up to ``n`` distinct bank digits of classes ``keep``: images (N, 3, S, S), labels (N,)."""
    ds = load_dataset("digits", split=split, resolution=CFG.image_size, size=4 * n, seed=seed)
    batch = ds.batch(range(len(ds)))
    _, first = torch.unique(batch["factors"]["digit"], return_inverse=True)
    order = torch.zeros(int(first.max()) + 1, dtype=torch.long).scatter_(
        0, first.flip(0), torch.arange(len(first)).flip(0)
    )  # the first sample of each bank image
    x, y = batch["a"][order], batch["y"][order]
    mask = torch.isin(y, torch.tensor(keep))
    return x[mask][:n], y[mask][:n]


def few_per_class(per_class: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``per_class`` distinct training images of each target digit, labels remapped to 0-4."""
    x, y = digits("train", TARGET_CLASSES, 400, seed=1 + seed)
    picks = torch.cat([torch.nonzero(y == c)[:per_class, 0] for c in TARGET_CLASSES])
    return x[picks], y[picks] - TARGET_CLASSES[0]


class Judge:
    """Class accuracy under a real-digit classifier and pixel FID against a held-out pool."""

    def __init__(self) -> None:
        x, y = digits("train", list(range(10)), 1400)
        self.clf = train_classifier(x, y, 10, steps=400, name="digits-16", use_cache=False)
        held, _ = digits("test", TARGET_CLASSES, 1000)
        self.features = PixelFeatures(size=8, channels=1)
        self.held = gaussian_statistics(extract_features(held[:, :1], self.features))
        self.n_held = len(held)

    @torch.no_grad()
    def __call__(self, model: TransferGAN) -> dict[str, float]:
        k = model.cfg.num_classes
        labels = torch.arange(k).repeat_interleave(N_EVAL)  # (k * N_EVAL,)
        x = model.sample(len(labels), generator=torch.Generator().manual_seed(0), labels=labels)
        predicted = self.clf.model.predict(x.cpu())
        accuracy = (predicted == labels + TARGET_CLASSES[0]).float().mean().item()
        fake = gaussian_statistics(extract_features(x[:, :1].cpu(), self.features))
        fid = frechet_distance(*self.held, *fake)
        spread = x.std(0).mean().item()  # near 0: every sample alike (collapse)
        return {"class accuracy": accuracy, "FID": float(fid), "pixel std": spread}


def train_source(steps: int, workdir: Path) -> Path:
    """Chapter 7.1's source: an unconditional TransferGAN on digits 0-4, from scratch."""
    x, _ = digits("train", SOURCE_CLASSES, 2000)
    companion.seed_everything(0)
    source = TransferGAN(CFG)
    fit(source, [{"a": xi} for xi in x], steps, out_dir=workdir / "source", seed=0, progress=False)
    return workdir / "source"


def fine_tune(init: str, source: Path, data: list, seed: int, steps: int, every: int, judge):
    """Train a conditional TransferGAN on ``data``; returns the judged curve and seconds."""
    cfg = dataclasses.replace(CFG, num_classes=len(TARGET_CLASSES))
    companion.seed_everything(seed)
    if init == "transfer":
        model = TransferGAN.from_pretrained(source, cfg)  # G and D from the source
    else:
        model = TransferGAN(cfg)
    curve = {0: judge(model.eval())}
    start = time.perf_counter()
    fit(
        model.train(),
        data,
        steps,
        seed=seed,
        eval_every=every,
        callbacks=[lambda m, step: curve.__setitem__(step, judge(m))],  # steps done
        progress=False,
    )
    return curve, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--source-steps", type=int, default=400)
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--eval-every", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(2)
    judge = Judge()
    print(f"digit classifier: test accuracy {judge.clf.test_accuracy:.3f}", flush=True)
    workdir = Path(tempfile.mkdtemp())
    start = time.perf_counter()
    source = train_source(args.source_steps, workdir)
    print(f"source: {args.source_steps} steps in {time.perf_counter() - start:.0f} s", flush=True)
    results: dict = {}
    for seed in args.seeds:
        x, y = few_per_class(args.per_class, seed)
        data = [{"a": xi, "y": yi} for xi, yi in zip(x, y)]
        for init in ("transfer", "scratch"):
            curve, seconds = fine_tune(init, source, data, seed, args.steps, args.eval_every, judge)
            results.setdefault(init, {})[seed] = {"curve": curve, "train seconds": seconds}
            end = curve[args.steps]
            print(
                f"seed {seed} {init:<8}: class accuracy {end['class accuracy']:.3f}, FID "
                f"{end['FID']:.2f} after {args.steps} steps ({seconds:.0f} s)",
                flush=True,
            )

    shown = [t for t in (0, args.steps // 5, 2 * args.steps // 5, 3 * args.steps // 5)
             if t in results["transfer"][args.seeds[0]]["curve"]] + [args.steps]  # fmt: skip
    print(f"\n{args.per_class} images per class, {N_EVAL} samples per class; class accuracy")
    print(f"and FID at steps {shown}; 'to 0.8': first evaluated step with accuracy >= 0.8")
    print(f"{'seed':<5}{'init':<9}" + "".join(f"{'acc@' + str(t):>9}" for t in shown), end="")
    print("".join(f"{'FID@' + str(t):>9}" for t in shown) + f"{'to 0.8':>8}")
    for seed in args.seeds:
        for init in results:
            curve = results[init][seed]["curve"]
            first = [t for t, v in curve.items() if v["class accuracy"] >= 0.8]
            results[init][seed]["steps to accuracy 0.8"] = first[0] if first else None
            row = "".join(f"{curve[t]['class accuracy']:>9.3f}" for t in shown)
            row += "".join(f"{curve[t]['FID']:>9.2f}" for t in shown)
            print(f"{seed:<5}{init:<9}{row}{str(first[0] if first else '-'):>8}")
    for init in results:
        per_seed = [results[init][seed]["curve"] for seed in args.seeds]
        row = "".join(
            f"{statistics.mean(c[t]['class accuracy'] for c in per_seed):>9.3f}" for t in shown
        )
        row += "".join(f"{statistics.mean(c[t]['FID'] for c in per_seed):>9.2f}" for t in shown)
        print(f"{'mean':<5}{init:<9}{row}")
    write_record(
        OUT,
        f"TransferGAN cpu preset (16x16 digits), source: unconditional on digits "
        f"0-4, {args.source_steps} steps, seed 0; target: conditional "
        f"(num_classes=5) on digits 5-9, {args.per_class} images per class, "
        f"{args.steps} steps; {N_EVAL} samples per class; FID on 8x8 pixels vs "
        f"{judge.n_held} held-out test-split 5-9s",
        results,
        classifier=judge.clf.describe(),
    )


if __name__ == "__main__":
    main()
