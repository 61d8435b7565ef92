"""Seconds per image of one training step of pix2pix and BicycleGAN at their paper presets.

Each method is built with its ``paper`` config (256x256, U-Net with 8 levels, the papers'
discriminators; batch 1 for pix2pix, 2 for BicycleGAN) and trained on random images for
``--warmup`` untimed then ``--steps`` timed iterations of its ``training_step``; the median step
time divided by the batch size is the cost per image. Reference: BicycleGAN's released code
takes about 1.17 s per image on a 2-core CPU (measured for this book's planning, on another
machine than the one running this script, so compare seconds only on one machine).

The first untimed step also counts the step's floating-point operations
(:class:`torch.utils.flop_counter.FlopCounterMode`: convolutions and matrix products, forward
and backward), a cost that does not depend on the machine. The released BicycleGAN code's step
(same networks; G and E updated with D frozen, then the latent term backpropagated a second
time through G with E frozen, then D and D2) counts 261.0 GFLOP for its two images.

    python benchmarks/train_step.py                    # CPU, the machine's threads
    python benchmarks/train_step.py --device cuda --steps 20
    python benchmarks/train_step.py --methods pix2pix msgan --threads 2
    python benchmarks/train_step.py --reference ~/src/BicycleGAN   # side by side, same run

``--reference PATH`` also times the released BicycleGAN code (a local checkout of
github.com/junyanz/BicycleGAN that the user fetched; nothing of it is copied here) on the same
random images, batch and number of steps, in the same process right after ours, with its
facades training options (``scripts/train_facades.sh``: BtoA, 256, nz 8, --use_dropout), and
prints the ratio of our seconds per image to its.

Prints a table and writes benchmarks/results/train_step.json (``train_step_<device>.json`` for a
device other than cpu).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

import companion
from companion.config import cpu_kind
from companion.methods.base import get_method
from companion.train import Stepper

RESULTS = Path(__file__).resolve().parent / "results"
REFERENCE_S_PER_IMAGE = {"bicyclegan": 1.17}  # released BicycleGAN code, 2-core CPU
REFERENCE_GFLOP_PER_IMAGE = {"bicyclegan": 130.5}  # its step, counted as above, per image


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
    times, cpu_times, flops = [], [], None
    for i in range(warmup + steps):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start, cpu_start = time.perf_counter(), time.process_time()
        if i == 0 and warmup > 0:  # untimed: count the operations of one step
            with FlopCounterMode(display=False) as counter:
                model.training_step(batch, i, opt)
            flops = counter.get_total_flops()
        else:
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
        "gflop_per_image": None if flops is None else flops / n / 1e9,
        "reference_s_per_image": REFERENCE_S_PER_IMAGE.get(name),
        "reference_gflop_per_image": REFERENCE_GFLOP_PER_IMAGE.get(name),
    }


def time_reference(path: str, steps: int, warmup: int, device: torch.device) -> dict:
    """Median seconds per image of the released BicycleGAN code's training step.

    Runs ``optimize_parameters`` of a checkout at ``path`` with its facades options (the
    released ``scripts/train_facades.sh``) on random 256x256 images, batch 2.
    """
    import sys

    checkout = Path(path).expanduser().resolve()
    if not (checkout / "models" / "bicycle_gan_model.py").is_file():
        raise FileNotFoundError(
            f"{checkout} is not a checkout of github.com/junyanz/BicycleGAN "
            "(no models/bicycle_gan_model.py); clone it and pass its folder"
        )
    scratch = tempfile.mkdtemp()
    argv, sys.argv = sys.argv, [
        "train.py", "--dataroot", scratch, "--checkpoints_dir", scratch, "--name", "bench",
        "--model", "bicycle_gan", "--direction", "BtoA", "--load_size", "256",
        "--crop_size", "256", "--nz", "8", "--input_nc", "3", "--use_dropout",
        "--display_id", "0", "--gpu_ids", "0" if device.type == "cuda" else "-1",
    ]  # fmt: skip
    sys.path.insert(0, str(checkout))
    try:
        import models  # the checkout's package
        from options.train_options import TrainOptions

        opt = TrainOptions().parse()
        model = models.create_model(opt)
        model.setup(opt)
    finally:
        sys.argv = argv
        sys.path.remove(str(checkout))
    g = torch.Generator().manual_seed(0)
    n = opt.batch_size
    batch = {
        "A": torch.rand(n, 3, 256, 256, generator=g) * 2 - 1,
        "B": torch.rand(n, 3, 256, 256, generator=g) * 2 - 1,
        "A_paths": ["a"] * n,
        "B_paths": ["b"] * n,
    }
    times, cpu_times = [], []
    for i in range(warmup + steps):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start, cpu_start = time.perf_counter(), time.process_time()
        model.set_input(batch)
        model.optimize_parameters()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if i >= warmup:
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    return {
        "checkout": str(checkout),
        "batch_size": n,
        "s_per_image": statistics.median(times) / n,
        "cpu_s_per_image": statistics.median(cpu_times) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["pix2pix", "bicyclegan"])
    parser.add_argument("--steps", type=int, default=5, help="timed steps per method")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument(
        "--reference", default=None, help="a local checkout of the released BicycleGAN code"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rows = [time_method(m, args.steps, args.warmup, device) for m in args.methods]

    print(
        f"{'method':<12} {'size':>5} {'batch':>5} {'params':>8} {'s/step':>8} {'s/image':>8} "
        f"{'cpu-s/image':>11} {'GFLOP/image':>11} {'ref s/image':>11} {'ref GFLOP':>9}"
    )

    def fmt(value: float | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    for r in rows:
        print(
            f"{r['method']:<12} {r['image_size']:>5} {r['batch_size']:>5} "
            f"{r['parameters'] / 1e6:>7.1f}M {r['s_per_step']:>8.3f} "
            f"{r['s_per_image']:>8.3f} {r['cpu_s_per_image']:>11.3f} "
            f"{fmt(r['gflop_per_image'], '.1f'):>11} {fmt(r['reference_s_per_image'], '.2f'):>11} "
            f"{fmt(r['reference_gflop_per_image'], '.1f'):>9}"
        )
    reference = None
    if args.reference:
        reference = time_reference(args.reference, args.steps, args.warmup, device)
        ours = next((r for r in rows if r["method"] == "bicyclegan"), None)
        if ours is not None:  # wall time, and CPU time (robust to other load on the machine)
            reference["ratio_ours_to_released"] = ours["s_per_image"] / reference["s_per_image"]
            reference["cpu_ratio_ours_to_released"] = (
                ours["cpu_s_per_image"] / reference["cpu_s_per_image"]
            )
        print(
            f"released BicycleGAN code: {reference['s_per_image']:.3f} s/image, "
            f"{reference['cpu_s_per_image']:.3f} cpu-s/image"
            + (
                f"; ours / released = {reference['ratio_ours_to_released']:.2f} (wall), "
                f"{reference['cpu_ratio_ours_to_released']:.2f} (cpu)"
                if ours
                else ""
            )
        )
    record = {
        "benchmark": "train_step",
        "reference": reference,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or platform.machine(),
        "cpu_kind": " ".join(part or "unknown" for part in cpu_kind()),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
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
