"""StEP's Table 2 at toy scale: does a style encoder pre-trained on *other* images serve?

The paper (Sec. 3.3, Table 2) pre-trains the style encoder E on the target's own output domain,
on a similar domain and on a different one, then trains the generator with E frozen (stage 2)
and fine-tunes both (stage 3); it reports "a slight performance degradation" from same to
similar to different pre-training before fine-tuning, and differences that "further reduce to
be insignificant" after it. This script runs the analogue on the book's 32x32 ``shapes`` (8
palette colours x 2 textures, 16 styles, over a background of random hue: Chapter 10's setting)
at the ``cpu`` preset of :class:`~companion.methods.step.StEP`, with stage 1 on one of:

- ``same``: the target's own shapes (circles, squares, triangles, crosses);
- ``similar``: ellipses only, in the same 16 styles (another shape, same styles);
- ``held-out colours``: the target's shapes in 6 of the 8 palette colours (12 styles): the
  encoder never sees orange or white, which the target uses;
- ``different``: the book's SVHN-like house-number digits (colours and textures of another
  kind);
- ``none``: no stage 1 (E stays at its random start and is frozen in stage 2): the control.

Stage 1 on the source runs in one model; a second model with ``stage1_steps=0`` takes its
encoder and runs stages 2 and 3 on the target, so that only E carries over (in the paper, too,
stage 1 yields only E). Measured on the target's test images, after stage 2 and after stage 3:

- ``retrieval``: nearest-neighbour style retrieval in code space after stage 1 (10.1's measure;
  the share of 512 test targets whose nearest code has the same oracle style);
- ``gain``: style recovery above its chance level (10.2's measure: how often the oracle reads
  reference b_j's style in G(a_i, E(b_j)), minus how often another reference's style);
- ``L1``: the reconstruction error |G(a, E(b)) - b| on 256 test pairs, pixels in [-1, 1] (the
  analogue of the paper's PSNR; lower is better).

Writes ``benchmarks/results/step_pretrain_transfer.json`` and prints a table.

    python benchmarks/step_pretrain_transfer.py                  # seeds 0 1 2
    python benchmarks/step_pretrain_transfer.py --seeds 0 --stage1 4 --stage2 2 --stage3 2
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from _report import print_summary, stage_args, sweep, write_record

import companion
from companion.data import load_dataset
from companion.methods.step import StEP, StEPConfig
from companion.metrics import style_transfer, style_transfer_chance, transferred_styles
from companion.train import fit

OUT = Path(__file__).parent / "results" / "step_pretrain_transfer.json"
SHAPES = {"resolution": 32, "textures": ("flat", "stripes"), "background": "hue"}
SOURCES = {
    "same": {},
    "similar": {"kinds": ("ellipse",)},
    "held-out colours": {"palettes": tuple(range(6))},
    "different": None,  # house-number digits
    "none": None,
}
N_INPUTS, N_REFS, N_REC, N_RETRIEVAL = 24, 48, 256, 512


def source_data(name: str, seed: int):
    """Stage 1's training images for the regime ``name`` (4096 of them)."""
    if name == "different":
        return load_dataset("digits", size=4096, seed=seed, resolution=32)
    return load_dataset("shapes", size=4096, seed=seed, **SHAPES, **SOURCES[name])


@torch.no_grad()
def retrieval(model: StEP, b: torch.Tensor, style: torch.Tensor) -> float:
    """Share of targets ``b`` (N, 3, H, W) whose nearest other code has the same style."""
    codes = model.encode(b)
    d = torch.cdist(codes, codes)
    d.fill_diagonal_(float("inf"))
    return (style[d.argmin(1)] == style).float().mean().item()


@torch.no_grad()
def measure(model: StEP, test) -> dict[str, float]:
    """Style recovery above chance and reconstruction L1 on the target's test images."""
    a_in = test.batch(range(N_INPUTS))["a"]
    refs = test.batch(range(500, 500 + N_REFS))
    lent = transferred_styles(model.translate, model.encode, a_in, refs["b"], test.style_of)
    styles = refs["factors"]["style"]
    pairs = test.batch(range(N_REC))
    rec = model.translate(pairs["a"], model.encode(pairs["b"]))
    return {
        "gain": style_transfer(lent, styles) - style_transfer_chance(lent, styles),
        "L1": (rec - pairs["b"]).abs().mean().item(),
    }


def run(name: str, seed: int, steps: tuple[int, int, int]) -> dict[str, float]:
    """Stage 1 on the regime's source, then stages 2 and 3 on the target shapes."""
    s1, s2, s3 = steps
    base = StEPConfig.from_preset("cpu")
    target = load_dataset("shapes", size=4096, seed=seed, **SHAPES)
    test = load_dataset("shapes", split="test", size=600, seed=seed, **SHAPES)
    val = load_dataset("shapes", split="val", size=N_RETRIEVAL, seed=seed, **SHAPES)
    val_b = val.batch(range(N_RETRIEVAL))
    start = time.perf_counter()
    companion.seed_everything(seed)
    pre = StEP(base.with_overrides({"stage1_steps": s1}))
    if name != "none":
        fit(pre, source_data(name, seed), s1, seed=seed, log_every=0, progress=False)
    row = {"retrieval": retrieval(pre.eval(), val_b["b"], val_b["factors"]["style"])}
    companion.seed_everything(seed)
    model = StEP(base.with_overrides({"stage1_steps": 0, "stage2_steps": s2}))
    model.E.load_state_dict(pre.E.state_dict())  # all that stage 1 hands on is E
    after: dict[int, dict[str, float]] = {}

    def callback(m: StEP, step: int) -> None:
        after[step] = measure(m, test)

    fit(model, target, s2 + s3, seed=seed, log_every=0, eval_every=s2, callbacks=[callback],
        progress=False)  # fmt: skip
    for stage, step in ((2, s2), (3, s2 + s3)):
        row.update({f"{k} stage {stage}": v for k, v in after[step].items()})
    row["seconds"] = time.perf_counter() - start
    return row


def main() -> None:
    args, steps = stage_args(__doc__, SOURCES)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    keys = ["retrieval", "gain stage 2", "L1 stage 2", "gain stage 3", "L1 stage 3"]
    results = sweep(args.only, args.seeds, lambda name, seed: run(name, seed, steps), keys)
    print(f"\nstages {steps}")
    print_summary(results, keys, label="stage 1 on")
    write_record(
        OUT,
        f"StEP cpu preset, shapes 32x32 (16 styles), stages {steps}, "
        f"{N_INPUTS} inputs x {N_REFS} references, L1 on {N_REC} test pairs",
        results,
    )


if __name__ == "__main__":
    main()
