"""Seconds per image of one training step of pix2pix and BicycleGAN at their paper presets.

Each method is built with its ``paper`` config (256x256, U-Net with 8 levels, the papers'
discriminators; batch 1 for pix2pix, 2 for BicycleGAN) and trained on random images for
``--warmup`` untimed then ``--steps`` timed iterations of its ``training_step``; the median step
time divided by the batch size is the cost per image. Reference: BicycleGAN's released code
takes about 1.17 s per image on a 2-core CPU (measured for this book's planning).

    python benchmarks/train_step.py                    # CPU, the machine's threads
    python benchmarks/train_step.py --device cuda --steps 20
    python benchmarks/train_step.py --methods pix2pix msgan --threads 2

Prints a table and writes benchmarks/results/train_step.json (``train_step_<device>.json`` for a
device other than cpu).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

import companion
from companion.methods.base import get_method
from companion.train import Stepper

RESULTS = Path(__file__).resolve().parent / "results"
REFERENCE_S_PER_IMAGE = {"bicyclegan": 1.17}  # released BicycleGAN code, 2-core CPU


def time_method(name: str, steps: int, warmup: int, device: torch.device) -> dict:
    """Median seconds per step and per image of ``name``'s paper preset on random images."""
    cls = get_method(name)
    cfg = cls.Config.paper()
    model = cls(cfg).to(device).train()
    opt = Stepper(model.configure_optimizers())  # the trainer's, as fit() uses it (AMP off)
    g = torch.Generator().manual_seed(0)
    n, s = cfg.batch_size, cfg.image_size
    batch = {
        "a": (torch.rand(n, cfg.in_channels, s, s, generator=g) * 2 - 1).to(device),
        "b": (torch.rand(n, cfg.out_channels, s, s, generator=g) * 2 - 1).to(device),
    }
    times, cpu_times = [], []
    for i in range(warmup + steps):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start, cpu_start = time.perf_counter(), time.process_time()
        model.training_step(batch, i, opt)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if i >= warmup:
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    step_s = statistics.median(times)
    cpu_s = statistics.median(cpu_times)
    return {
        "method": name,
        "image_size": s,
        "batch_size": n,
        "parameters": sum(p.numel() for p in model.parameters()),
        "steps": steps,
        "s_per_step": step_s,
        "s_per_image": step_s / n,
        # CPU seconds of this process (all threads): robust to other processes on the machine
        "cpu_s_per_image": cpu_s / n,
        "reference_s_per_image": REFERENCE_S_PER_IMAGE.get(name),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["pix2pix", "bicyclegan"])
    parser.add_argument("--steps", type=int, default=5, help="timed steps per method")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rows = [time_method(m, args.steps, args.warmup, device) for m in args.methods]

    print(
        f"{'method':<12} {'size':>5} {'batch':>5} {'params':>8} "
        f"{'s/step':>8} {'s/image':>8} {'cpu-s/image':>11} {'ref s/image':>11}"
    )
    for r in rows:
        ref = "-" if r["reference_s_per_image"] is None else f"{r['reference_s_per_image']:.2f}"
        print(
            f"{r['method']:<12} {r['image_size']:>5} {r['batch_size']:>5} "
            f"{r['parameters'] / 1e6:>7.1f}M {r['s_per_step']:>8.3f} "
            f"{r['s_per_image']:>8.3f} {r['cpu_s_per_image']:>11.3f} {ref:>11}"
        )
    record = {
        "benchmark": "train_step",
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "torch": torch.__version__,
        "companion": companion.__version__,
        "rows": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if device.type == "cpu" else f"_{device.type}"
    path = RESULTS / f"train_step{suffix}.json"
    with tempfile.NamedTemporaryFile("w", dir=RESULTS, suffix=".tmp", delete=False) as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    os.replace(f.name, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
