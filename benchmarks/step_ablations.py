"""StEP's Table 4 "Ours" rows and Table 6 at toy scale: which loss terms the staged recipe needs.

The paper (Sec. 4, Table 4) starts from its BicycleGAN setups and removes loss terms from its own
staged training one at a time: "Ours v1" has random-code sampling (a GAN loss on G(a, z_rand)
and the latent regression z_recon) and cyclic reconstruction; v2 drops cyclic reconstruction; v3
drops random-code sampling; v4 drops the latent L2 term, leaving "just a GAN loss and a
reconstruction loss". It reports that the approach "generally performs better with less
constraints" and (Table 6) that the simpler objectives train faster per image. This script runs
the four rows on the book's 32x32 ``shapes`` (16 styles over a background of random hue:
Chapter 10's setting) at :class:`~companion.methods.step.StEP`'s ``cpu`` preset and 10.2's
schedule (stage 1, 2, 3: 150, 100, 100 steps), with the switches of
:mod:`companion.methods.step_terms`. Measured after stage 3, on test images:

- ``gain``: style recovery above its chance level (10.2's measure: how often the oracle reads
  reference b_j's style in G(a_i, E(b_j)), minus how often another reference's style);
- ``L1``: the reconstruction error |G(a, E(b)) - b| on 256 test pairs, pixels in [-1, 1] (the
  analogue of Table 4's PSNR; lower is better);
- ``styles``: oracle styles among 16 samples per input from codes drawn from N(mean, std) of
  the training codes (Sec. 3.2's sampling);
- ``ms/img``: CPU milliseconds per training image in stages 2 and 3 (process time, all threads;
  Table 6's time per 1000 images divided by 1000), less sensitive to other jobs than wall time.

Writes ``benchmarks/results/step_ablations.json`` and prints a table.

    python benchmarks/step_ablations.py                    # seeds 0 1 2
    python benchmarks/step_ablations.py --seeds 0 --stage1 4 --stage2 2 --stage3 2
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from _report import print_summary, stage_args, sweep, write_record

import companion
from companion.data import load_dataset
from companion.methods.step import StEP, StEPConfig
from companion.metrics import (
    mode_coverage,
    sample_translations,
    style_transfer,
    style_transfer_chance,
    styles_of_samples,
    transferred_styles,
)
from companion.train import fit

OUT = Path(__file__).parent / "results" / "step_ablations.json"
SHAPES = {"resolution": 32, "textures": ("flat", "stripes"), "background": "hue"}
VARIANTS = {
    "Ours v1": {"random_z": True, "cross_cycle": True},
    "Ours v2": {"random_z": True},
    "Ours v3": {},  # StEP's default: Eq. 2 plus the latent L2 term in stage 3
    "Ours v4": {"lambda_l2": 0.0},
}
"""Table 4's rows -> overrides of the ``cpu`` preset."""
N_INPUTS, N_REFS, N_REC, K = 24, 48, 256, 16


@torch.no_grad()
def measure(model: StEP, test, seed: int) -> dict[str, float]:
    """Recovery above chance, reconstruction L1 and styles per input, on test images."""
    model.eval()
    model.fit_code_distribution(test.batch(range(100, 356))["b"])
    a_in = test.batch(range(N_INPUTS))["a"]
    refs = test.batch(range(500, 500 + N_REFS))
    lent = transferred_styles(model.translate, model.encode, a_in, refs["b"], test.style_of)
    styles = refs["factors"]["style"]
    pairs = test.batch(range(N_REC))
    rec = model.translate(pairs["a"], model.encode(pairs["b"]))
    codes = model.sample_codes(K, generator=torch.Generator().manual_seed(seed))
    samples = sample_translations(model, a_in, codes=codes)  # (N, K, 3, H, W)
    return {
        "gain": style_transfer(lent, styles) - style_transfer_chance(lent, styles),
        "L1": (rec - pairs["b"]).abs().mean().item(),
        "styles": mode_coverage(styles_of_samples(samples, test.style_of)),
    }


def run(name: str, seed: int, steps: tuple[int, int, int]) -> dict[str, float]:
    """Train one row of Table 4 on one seed through all three stages, then measure it."""
    s1, s2, s3 = steps
    cfg = StEPConfig.from_preset("cpu").with_overrides(
        {"stage1_steps": s1, "stage2_steps": s2, **VARIANTS[name]}
    )
    train = load_dataset("shapes", size=4096, seed=seed, **SHAPES)
    test = load_dataset("shapes", split="test", size=600, seed=seed, **SHAPES)
    companion.seed_everything(seed)
    model = StEP(cfg)
    clock: dict[int, float] = {}

    def callback(m: StEP, step: int) -> None:
        clock[step] = time.process_time()

    start = time.perf_counter()
    fit(model, train, s1 + s2 + s3, seed=seed, log_every=0, eval_every=s1, callbacks=[callback],
        progress=False)  # fmt: skip
    cpu_s = clock[s1 + s2 + s3] - clock[s1]  # stages 2 and 3 only
    row = measure(model, test, seed)
    row["ms/img"] = 1000 * cpu_s / ((s2 + s3) * cfg.batch_size)
    row["seconds"] = time.perf_counter() - start
    return row


def main() -> None:
    args, steps = stage_args(__doc__, VARIANTS)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    keys = ["gain", "L1", "styles", "ms/img"]
    results = sweep(args.only, args.seeds, lambda name, seed: run(name, seed, steps), keys)
    print(f"\nstages {steps}")
    print_summary(results, keys, label="Table 4 row")
    write_record(
        OUT,
        f"StEP cpu preset, shapes 32x32 (16 styles), stages {steps}, {N_INPUTS} inputs x "
        f"{N_REFS} references, L1 on {N_REC} test pairs, {K} sampled codes per input",
        results,
    )


if __name__ == "__main__":
    main()
