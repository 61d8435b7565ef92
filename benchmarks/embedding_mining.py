"""MineGAN's class-embedding miner at toy scale: where in a conditional generator's class-embedding
space does a '9' lie? (thesis Sec. 3.3 and Fig. 3.2, the BigGAN setting; the digest's B-CPU-3)

The thesis mines a BigGAN, whose classes enter through a learned embedding, with "a second miner
network that maps u to the embedding space", ``G(M^c(u), M^z(u))``, trained as a single GAN
(Eqs. 3.3, 3.4) with no labels of the target. Here (Chapter 7.3's data: 16x16 grey digits of the
bank's training split) the source is a conditional TransferGAN with a class embedding
(``num_classes=9``, ``embed_dim=8``: each batch norm's gain and bias are linear maps of the
embedding, as in BigGAN; an AC critic) trained from scratch on the digits 0-8 for
``--source-steps`` with each seed. Two targets of ``N_TARGET`` training images each, drawn with
the seed: nines (never seen: off-manifold) and, as a control, the source's own class ``CONTROL``
(on-manifold). For each, :func:`companion.methods.class_mining.embedding_minegan` mines the
source's frozen generator for ``--steps`` steps (stage 1 only), its critic starting as the
source's. Measured, with the judge of Chapter 7.3 (a digit classifier trained on real training
digits of all ten classes):

- ``source accuracy``: the share of the source's samples of class i the judge calls i;
- ``target error unmined`` / ``mined``: the share of samples the judge does not call the target
  digit, for the source over all classes and for the mined generator;
- ``nearest class``: for 500 mined embeddings ``M^c(u)``, how many have each source class's
  embedding as their nearest (Euclidean);
- ``distance ratio``: the mean distance of a mined embedding to its nearest class embedding,
  over the mean distance between two class embeddings (near 0: the miner picked a class; near
  0.5 or more: it sits between or beyond them);
- ``... unmined``: the same for the miner's embeddings before mining (its random start);
- ``pca``: the class embeddings and 200 mined embeddings projected on the first two principal
  axes of the class embeddings (for the chapter's plot).

Writes ``benchmarks/results/embedding_mining.json`` and prints a table.

    python benchmarks/embedding_mining.py          # seeds 0-4, a few minutes, one thread
    python benchmarks/embedding_mining.py --seeds 0 --steps 5 --source-steps 5
"""

from __future__ import annotations

import copy
import dataclasses
import tempfile
import time
from pathlib import Path

import torch
from _report import write_record
from conditional_mining import (
    CONTROL,
    N_EVAL,
    N_TARGET,
    SOURCE_CLASSES,
    digit_data,
    judge_model,
    judged_source,
    parse_args,
    target_images,
)
from conditional_mining import mining_config as class_mining_config

import companion
from companion.methods.class_mining import embedding_minegan
from companion.methods.transfergan import TransferGANConfig as _Config
from companion.train import fit

OUT = Path(__file__).parent / "results" / "embedding_mining.json"
EMBED_DIM = 8  # the digest's B-CPU-3: E(l) in R^8
CFG = dataclasses.replace(
    _Config.cpu(), channels=1, num_classes=len(SOURCE_CLASSES), embed_dim=EMBED_DIM
)
N_EMBEDDINGS = 500  # mined embeddings measured
N_PLOTTED = 200  # of which the record keeps the PCA coordinates


def pca_axes(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean (D,) and the first two principal axes (D, 2) of ``points`` (N, D)."""
    mean = points.mean(0)
    _, _, v = torch.linalg.svd(points - mean, full_matrices=False)
    return mean, v[:2].T


def embedding_report(classes: torch.Tensor, mined: torch.Tensor) -> dict:
    """Where mined embeddings (M, D) lie among the class embeddings (K, D)."""
    dist = torch.cdist(mined, classes)  # (M, K)
    nearest = dist.argmin(1)
    between = torch.pdist(classes).mean()
    mean, axes = pca_axes(classes)
    return {
        "nearest class": torch.bincount(nearest, minlength=len(classes)).tolist(),
        "distance ratio": (dist.min(1).values.mean() / between).item(),
        "mean embedding nearest class": int(torch.cdist(mined.mean(0, True), classes).argmin()),
        "pca": {
            "classes": ((classes - mean) @ axes).tolist(),
            "mined": ((mined[:N_PLOTTED] - mean) @ axes).tolist(),
            "explained": (
                torch.linalg.svdvals(classes - mean)[:2].square().sum()
                / (classes - mean).square().sum()
            ).item(),
        },
    }


def main() -> None:
    args = parse_args(__doc__, steps=300)
    torch.set_num_threads(1)  # one thread: on 2 shared cores, two thrash
    judge = judge_model()
    images, labels, is_train, source_data = digit_data()
    mining_cfg = dataclasses.replace(class_mining_config(args.steps), z_dim=CFG.z_dim)
    workdir = Path(tempfile.mkdtemp())
    results: dict[str, dict] = {}
    for seed in args.seeds:
        start = time.perf_counter()
        source, _, predicted, accuracy = judged_source(
            CFG, source_data, args.source_steps, seed, workdir / str(seed), judge
        )
        classes = source.G.embed.weight.detach().clone()  # (9, 8)
        print(f"seed {seed}: source accuracy {accuracy:.3f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip
        for target in (9, CONTROL):
            x_tgt = target_images(images, labels, is_train, target, seed)
            start = time.perf_counter()
            companion.seed_everything(seed)
            gan = embedding_minegan(mining_cfg, copy.deepcopy(source.G), copy.deepcopy(source.D))
            u = torch.randn(
                N_EMBEDDINGS, mining_cfg.u_dim, generator=torch.Generator().manual_seed(1)
            )
            with torch.no_grad():
                before = embedding_report(classes, gan.M[0].embedding(u))
            data = [{"a": x} for x in x_tgt] * 2  # 80 entries: one 32-batch and change
            fit(gan, data, args.steps, seed=seed, log_every=0, ckpt_every=0, progress=False)
            gan.eval()
            with torch.no_grad():
                mined = gan.sample(N_EVAL, generator=torch.Generator().manual_seed(0))
                embeddings = gan.M[0].embedding(u)
            row = {
                "source accuracy": accuracy,
                "target error unmined": (predicted != target).float().mean().item(),
                "target error mined": (judge.predict(mined) != target).float().mean().item(),
                "mined judged as": torch.bincount(judge.predict(mined), minlength=10).tolist(),
                **embedding_report(classes, embeddings),
                "nearest class unmined": before["nearest class"],
                "distance ratio unmined": before["distance ratio"],
                "seconds": time.perf_counter() - start,
            }
            results.setdefault(f"target {target}", {})[seed] = row
            print(
                f"seed {seed} target {target}: error {row['target error unmined']:.3f} -> "
                f"{row['target error mined']:.3f}; nearest class {row['nearest class']}, "
                f"distance ratio {row['distance ratio']:.2f} ({row['seconds']:.0f} s)",
                flush=True,
            )
    print("\nnearest source class of 500 mined embeddings (rows: target, seed)")
    head = "".join(f"{i:>5}" for i in SOURCE_CLASSES)
    print(f"{'':<14}{head}{'ratio':>7}{'error':>7}")
    for name, by_seed in results.items():
        for seed, row in by_seed.items():
            cells = "".join(f"{n:>5}" for n in row["nearest class"])
            print(f"{name + ' s' + str(seed):<14}{cells}{row['distance ratio']:>7.2f}"
                  f"{row['target error mined']:>7.3f}")  # fmt: skip
    write_record(
        OUT,
        f"conditional TransferGAN with a class embedding (cpu preset, grey 16x16, "
        f"num_classes=9, embed_dim={EMBED_DIM}) trained from scratch on the bank's training "
        f"digits {SOURCE_CLASSES}, {args.source_steps} steps with each seed; targets: "
        f"{N_TARGET} training images of 9 (off-manifold) or of {CONTROL} (control), drawn "
        f"with the seed; MineGAN with the two miners M^z and M^c (embedding_minegan), "
        f"{args.steps} mining steps (G frozen, no fine-tuning); judged on {N_EVAL} samples by "
        f"a digit classifier trained on real training digits; {N_EMBEDDINGS} mined embeddings",
        results,
        threads=1,
    )


if __name__ == "__main__":
    main()
