"""What SEGAN's evaluation protocol costs at paper scale: 100 inputs x 50 samples at 256x256.

Times each stage of ``companion.metrics.evaluate`` on a ``paper``-preset generator with random
weights (the cost does not depend on the weights): translating 5,000 images, Inception features
of the translations and of the reference set (FID/KID), LPIPS diversity under BicycleGAN's
protocol (19 consecutive pairs of 20 samples per input), and NDB (k-means on the reference set,
bin counts of the translations). Real Inception and AlexNet weights are not needed: without them
the same architectures run with random weights, which cost the same (the record says so).

``--inputs`` scales the run down (e.g. 10 inputs on a CPU); stage times are then extrapolated
linearly to 100 inputs (every stage but NDB's k-means, which depends on the reference set only,
is linear in the number of inputs).

    python benchmarks/eval_paper.py --inputs 10            # a CPU, extrapolated
    python benchmarks/eval_paper.py --device cuda          # the full protocol on a GPU

Prints a table and writes benchmarks/results/eval_paper_<device>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

import companion
from companion.methods.base import get_method
from companion.metrics import (
    NDB,
    DiversityMeter,
    PixelFeatures,
    build_lpips,
    extract_features,
    fid_from_features,
    sample_translations,
)
from companion.metrics.diversity import DIVERSITY_PROTOCOLS

RESULTS = Path(__file__).resolve().parent / "results"
FULL_INPUTS, SAMPLES, REFERENCE = 100, 50, 400  # SEGAN App. E; facades has 400 train pairs


class InceptionStandIn(torch.nn.Module):
    """torchvision's Inception-v3 up to its 2048-d pool, random weights, input resized to 299."""

    def __init__(self) -> None:
        super().__init__()
        from torchvision.models import inception_v3

        net = inception_v3(weights=None, aux_logits=False, init_weights=False)
        net.fc = torch.nn.Identity()
        self.net = net.eval()

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.nn.functional.interpolate(x, size=(299, 299), mode="bilinear")
        return self.net(x)


def _timed(device: torch.device, fn):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="bicyclegan")
    parser.add_argument(
        "--inputs", type=int, default=None, help="default: 100 on CUDA, 2 on a CPU (extrapolated)"
    )
    parser.add_argument("--batch-size", type=int, default=50, help="images per forward pass")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    if args.inputs is None:
        args.inputs = FULL_INPUTS if device.type == "cuda" else 2
    cls = get_method(args.method)
    model = cls(cls.Config.paper()).to(device).eval()
    g = torch.Generator().manual_seed(0)
    a = model.example_batch(args.inputs, generator=g)["a"].to(device)
    reference = model.example_batch(REFERENCE, generator=g)["b"]
    scale = FULL_INPUTS / args.inputs
    stages = {}

    fake, stages["translate"] = _timed(
        device, lambda: sample_translations(model, a, SAMPLES, g, batch_size=args.batch_size)
    )
    fake = fake.flatten(0, 1).cpu()  # (N * 50, 3, 256, 256)
    inception = InceptionStandIn().to(device)
    f_fake, stages["inception_fake"] = _timed(
        device, lambda: extract_features(fake, inception, args.batch_size)
    )
    f_real, stages["inception_reference"] = _timed(
        device, lambda: extract_features(reference, inception, args.batch_size)
    )
    _, stages["fid_statistics"] = _timed(device, lambda: fid_from_features(f_real, f_fake))
    lpips = build_lpips("lpips-random-alex").to(device)
    protocol = DIVERSITY_PROTOCOLS["bicyclegan"]

    def diversity():
        meter = DiversityMeter(lpips, protocol)
        for i in range(0, args.inputs, 10):
            meter.update(sample_translations(model, a[i : i + 10], protocol.n_samples, g))
        return meter.compute()

    _, stages["lpips_diversity"] = _timed(device, diversity)
    pixels = PixelFeatures(8, 3)
    ndb, stages["ndb_kmeans_reference"] = _timed(
        device, lambda: NDB(k=50, alpha=0.05, seed=0).fit(pixels(reference))
    )
    _, stages["ndb_score"] = _timed(device, lambda: ndb.score(pixels(fake)))

    fixed = {"inception_reference", "ndb_kmeans_reference", "fid_statistics"}
    full = {k: v * (1 if k in fixed else scale) for k, v in stages.items()}
    print(f"{'stage':<22} {'measured s':>11} {'at 100 x 50 s':>14}")
    for k, v in stages.items():
        print(f"{k:<22} {v:>11.1f} {full[k]:>14.1f}")
    print(f"{'total':<22} {sum(stages.values()):>11.1f} {sum(full.values()):>14.1f}")
    record = {
        "benchmark": "eval_paper",
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "threads": torch.get_num_threads(),
        "load_average_1min": os.getloadavg()[0],
        "method": args.method,
        "inputs_measured": args.inputs,
        "samples_per_input": SAMPLES,
        "weights": "random (Inception-v3 and AlexNet architectures; timing only)",
        "measured_s": stages,
        "extrapolated_s_at_100_inputs": full,
        "torch": torch.__version__,
        "companion": companion.__version__,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"eval_paper_{device.type}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
