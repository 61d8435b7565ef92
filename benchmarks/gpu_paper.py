"""The ``paper`` presets on a GPU: images per second, peak memory and the share of the GPU's peak.

For every registered method whose ``paper`` preset the GPU can hold, a few hundred training steps
at the paper's resolution and batch on random images (``Method.example_batch``), in each variant:

- ``fp32``: no autocast;
- ``bf16``: autocast to bfloat16 (fp16 with a gradient scaler where bf16 is missing), as
  :func:`companion.train.fit` does on CUDA;
- ``bf16+cl``: the same with channels-last memory format;
- ``bf16+compile``: the same with every sub-network wrapped in ``torch.compile``.

It reports images/s, peak memory, and the fraction of the GPU's dense bf16 peak the step reaches
(operations counted once with ``torch.utils.flop_counter``, machine-independent). It also checks
the numerics of mixed precision: from the same weights and batch, the first step's losses under
bf16 must match fp32 within ``--rtol`` (default 5%, bf16 has 8 bits of mantissa).

    python benchmarks/gpu_paper.py                       # on CUDA: every method, 200 steps
    python benchmarks/gpu_paper.py --device cpu --steps 1 --warmup 0 --variants fp32  # smoke

Prints a table and writes benchmarks/results/gpu_paper_<device>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

import companion
from companion.methods.base import get_method, list_methods
from companion.train import Stepper

RESULTS = Path(__file__).resolve().parent / "results"
VARIANTS = ("fp32", "bf16", "bf16+cl", "bf16+compile")

# Dense bf16 tensor-core peaks (no sparsity), TFLOP/s, from the vendors' data sheets.
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L4": 121.0, "T4": 65.0}


def peak_tflops(device_name: str) -> float | None:
    """The dense bf16 (fp16 on a T4) peak of a GPU by its name, or None if unknown."""
    for key, value in PEAK_TFLOPS.items():
        if key in device_name:
            return value
    return None


def _amp(variant: str, device: torch.device) -> torch.dtype | None:
    if variant == "fp32":
        return None
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def build(name: str, variant: str, device: torch.device, seed: int = 0):
    """The method's paper preset on ``device``, prepared for ``variant``, and its batch."""
    cls = get_method(name)
    torch.manual_seed(seed)
    model = cls(cls.Config.paper()).to(device).train()
    batch = model.example_batch(model.cfg.batch_size, generator=torch.Generator().manual_seed(seed))
    if variant.endswith("+cl"):
        model = model.to(memory_format=torch.channels_last)
        batch = {k: v.contiguous(memory_format=torch.channels_last) for k, v in batch.items()}
    batch = {k: v.to(device) for k, v in batch.items()}
    if variant.endswith("+compile"):
        for child_name, child in list(model.named_children()):
            if sum(p.numel() for p in child.parameters()):
                setattr(model, child_name, torch.compile(child))
    dtype = _amp(variant, device)
    opt = Stepper(model.configure_optimizers(), amp_dtype=dtype)
    return model, batch, opt, dtype


def step(model, batch, opt, dtype, device, i):
    enabled = dtype is not None
    with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=enabled):
        return model.training_step(batch, i, opt)


def run(name: str, variant: str, steps: int, warmup: int, device: torch.device) -> dict:
    """Time ``steps`` steps after ``warmup`` of one method in one variant."""
    model, batch, opt, dtype = build(name, variant, device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for i in range(warmup + steps):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        step(model, batch, opt, dtype, device, i)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    n = model.cfg.batch_size
    s = statistics.median(times)
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None
    return {"method": name, "variant": variant, "batch_size": n, "s_per_step": s,
            "images_per_s": n / s, "peak_gib": peak}  # fmt: skip


def flops_per_step(name: str, device: torch.device) -> float:
    """Floating-point operations of one fp32 step (forward and backward, all networks)."""
    model, batch, opt, dtype = build(name, "fp32", device)
    with FlopCounterMode(display=False) as counter:
        step(model, batch, opt, dtype, device, 0)
    return float(counter.get_total_flops())


def amp_numerics(name: str, device: torch.device) -> dict:
    """The first step's losses under fp32 and under mixed precision, from identical starts."""
    logs = {}
    for variant in ("fp32", "bf16"):
        model, batch, opt, dtype = build(name, variant, device)
        torch.manual_seed(1)  # the step's own noise (codes, dropout) identical in both
        logs[variant] = step(model, batch, opt, dtype, device, 0)
    rel = {
        k: abs(logs["bf16"][k] - v) / max(abs(v), 1e-3)
        for k, v in logs["fp32"].items()
        if k.startswith("loss/")
    }
    return {"fp32": logs["fp32"], "bf16": logs["bf16"], "max_rel_diff": max(rel.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=None, help="default: all registered")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps (compilation)")
    parser.add_argument("--rtol", type=float, default=0.05, help="AMP vs fp32 loss tolerance")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type != "cuda" and args.steps == parser.get_default("steps"):
        print("gpu_paper: no CUDA device; skipped (a CPU smoke run: --device cpu --steps 1)")
        return
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    peak = peak_tflops(name)
    rows, numerics, failures = [], {}, []
    for method in args.methods or list_methods():
        flops = flops_per_step(method, device)
        for variant in args.variants:
            if variant != "fp32" and device.type != "cuda":
                continue  # autocast, channels-last and compile are GPU variants here
            try:
                row = run(method, variant, args.steps, args.warmup, device)
            except torch.cuda.OutOfMemoryError as err:
                failures.append(f"{method} {variant}: out of memory ({err})")
                torch.cuda.empty_cache()
                continue
            achieved = flops / row["s_per_step"] / 1e12
            row.update(gflop_per_step=flops / 1e9, tflops=achieved)
            row["share_of_peak"] = achieved / peak if peak else None
            rows.append(row)
            print(_format(row), flush=True)
        if device.type == "cuda":
            numerics[method] = amp_numerics(method, device)
            ok = numerics[method]["max_rel_diff"] <= args.rtol
            numerics[method]["ok"] = ok
            if not ok:
                diff = numerics[method]["max_rel_diff"]
                failures.append(f"{method}: AMP losses differ from fp32 by {diff:.3f}")
    record = {"benchmark": "gpu_paper", "device": name, "peak_tflops": peak,
              "torch": torch.__version__, "companion": companion.__version__,
              "steps": args.steps, "warmup": args.warmup, "rows": rows,
              "amp_numerics": numerics, "failures": failures}  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"gpu_paper_{device.type}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, path)
    print(f"wrote {path}")
    for line in failures:
        print("FAILED", line)
    if failures:
        raise SystemExit(1)


def _format(r: dict) -> str:
    share = "-" if r["share_of_peak"] is None else f"{100 * r['share_of_peak']:.1f}%"
    mem = "-" if r["peak_gib"] is None else f"{r['peak_gib']:.2f} GiB"
    return (
        f"{r['method']:<12} {r['variant']:<13} batch {r['batch_size']:>3}  "
        f"{r['images_per_s']:8.1f} img/s  {r['tflops']:7.2f} TFLOP/s  {share:>6} of peak  {mem}"
    )


if __name__ == "__main__":
    main()
