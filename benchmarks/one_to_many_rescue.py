"""E2 of digest 002 (Sec. 10.3): does the min-MI penalty rescue a noise-only start?

The paper (Sec. 2.3, 4.2) reports a failure in which the translator ``T(x, xi)`` paints its
output from the noise ``xi`` alone, and proposes to minimize ``I(Xi; T(X, Xi))`` with weight
``lambda`` against it. Its only evidence in numbers is Table 1 ("Ours" against "Ours + min I").
E2 makes the failure happen on purpose and asks whether the penalty gets the translator out.

**The noise-only start.** :func:`~companion.methods.one_to_many.gate_source` multiplies the
encoder's code ``E(x)`` by 0, so ``T = G([0, F(xi)])``. The model (T, D and S together) is trained
with ``lambda = 0`` for ``--pretrain`` steps under the gate: an unconditional GAN generator of
house-number-like digits that cannot see ``x`` (the digest's recipe: "pretrain ~300 steps with
E's output multiplied by 0, then remove the gate"). Then the gate comes off, and copies of that
same model continue for ``--steps`` steps with each ``lambda`` (the paper never gives its weight;
1 is the package's default, 10 is Chapter 6.2's, 30 a larger one). Fresh Adam states start
with the continuation. While gated, ``E`` and the weights of ``G``'s first layer that read
``E(x)`` receive no gradient, so at gate removal the source enters through untrained weights.
As a reference, a model without the gate is trained for ``--pretrain + --steps`` steps with
``lambda = 0`` (the ordinary start).

**Measures**, per seed and run, on 512 test sources (scikit-learn digits 1437-1796, never seen
in training) with 4 noise draws each:

- ``accuracy``: transfer accuracy, the share of translations ``T(x, xi)`` that a classifier
  trained on real target renders only (:func:`~companion.metrics.classifiers.train_classifier`,
  width 32, 1,500 steps on 4,000 SVHN-like renders of training digits with the rendered digit's
  label) assigns the source's label; chance is about 0.10. The classifier's accuracy on
  real renders is printed;
- ``probe MI``: the held-out DV bound of a fresh separable critic (no spectral norm, 300 steps,
  Chapter 6.2's probe) on pairs ``(xi, T(x, xi))`` of the frozen translator, in nats;
- ``training S``: the last DV value of the statistics network ``T`` trained against;
- ``d_x``, ``d_xi``: how far outputs move when the source changes and when the noise changes
  (:func:`~companion.methods.one_to_many.sensitivities`, images in [-1, 1]).

- ``hue spread``: how far the background hue (:func:`~companion.metrics.bias.background_hue`)
  of one source's translations moves across the noise draws, the mean circular distance over
  pairs of draws in turns (0 to 0.5); real renders, whose hue is uniform, give about 0.25.

The digest's check is ``acc(lambda > 0) - acc(lambda = 0) >= 0.15`` averaged over 3 seeds with
``acc(lambda = 0)`` near chance. Writes ``benchmarks/results/one_to_many_rescue.json``.

**The near target** (``--target near``, the dataset ``digits_near``): the same digit in the same
pixels, recoloured, with no shift and no fragments (digest Sec. 10.1, the edges -> shoes
analogue). The classifier is then trained on real near-target renders. With ``--no-rescue``
only the ordinary start runs: E3 of the digest, "a GAN alone suffices when no geometric change
is needed" (``lambda = 0``, accuracy >= 0.8 and the hue varying with the noise). Results go to
``one_to_many_rescue_near.json`` (E2) and ``one_to_many_near_e3.json`` (E3) unless ``--out``.

**The translator** (``--generator``): ``bottleneck`` is Sec. 4.2's ``G([E(x), F(xi)])``, whose
source reaches the output only through the 4x4 code ``E(x)``; ``unet`` is the package's U-Net
(skips at every level, the noise concatenated to the input), the paper's App. A ablation. The
noise-only start gates ``E(x)``, which only the bottleneck has, so ``unet`` needs
``--no-rescue``; its results go to the default file name with ``_unet`` appended.
``--reference-lambdas`` trains the ordinary start with each weight (default 0 only).

**The reverse direction** (``--target reverse``, the dataset ``digits_reverse``): far
house-number renders to plain white-on-black digits, the paper's SVHN -> MNIST (Table 1,
column 2). The classifier is trained on real plain digits. The hue spread is then meaningless
(the targets are grey). Results go to ``one_to_many_reverse.json``.

    python benchmarks/one_to_many_rescue.py                       # seeds 0 1 2
    python benchmarks/one_to_many_rescue.py --seeds 0 --pretrain 20 --steps 20 --probe-steps 10
    python benchmarks/one_to_many_rescue.py --seeds 0 --set lr_s=0.001 --out /tmp/strong_s.json
    python benchmarks/one_to_many_rescue.py --target near --no-rescue --seeds 0 1 2 3 4   # E3
    python benchmarks/one_to_many_rescue.py --target near --no-reference --lambdas 0 10 \
        --seeds 0 1 2 3 4                                         # E2 on the near target
    python benchmarks/one_to_many_rescue.py --target near --no-reference --lambdas 10 \
        --set mi_variant=max_source --seeds 0 1 2 3 4 \
        --out benchmarks/results/one_to_many_rescue_near_max_source.json   # max I(X; Y')
    python benchmarks/one_to_many_rescue.py --target near --no-rescue --generator unet \
        --reference-lambdas 0 10 --seeds 0 1 2 3 4                # E3 (and E1) with the U-Net
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from _report import write_record

import companion
from companion.data import load_dataset
from companion.methods.one_to_many import (
    OneToMany,
    OneToManyConfig,
    gate_source,
    sensitivities,
)
from companion.metrics import hue_distance, pairwise_diversity
from companion.metrics.classifiers import train_classifier
from companion.mi import ConvEncoder, EncoderCritic, estimate_sampled, mlp
from companion.train import fit

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "one_to_many_rescue.json"
N_TEST, K = 512, 4
REFERENCE = "ordinary start, lambda 0"
DATASETS = {"svhn": "digits", "near": "digits_near", "reverse": "digits_reverse"}
GENERATORS = ("bottleneck", "unet")
"""The dataset of each ``--target``: the far SVHN-like one, the near one (colour only), or the
reverse direction (SVHN-like -> plain digits)."""


def target_classifier(size: int, seed: int = 0, target: str = "svhn"):
    """A classifier of real target renders (never of translations) and its test accuracy."""
    name = DATASETS[target]
    train = load_dataset(name, resolution=size, size=4000, seed=seed, paired=False)
    batch = train.batch(range(4000))
    return train_classifier(
        batch["b"],
        batch["factors"]["b"]["label"],
        10,
        name=f"{name}-b-label-{size}",
        steps=1500,
        width=32,
    )


def hue_spread(images: torch.Tensor) -> float:
    """Mean circular distance (turns, 0 to 0.5) of background hues over pairs of draws.

    Args:
        images: (N, K, 3, H, W) K draws for each of N sources, in [-1, 1].
    """
    return pairwise_diversity(images, hue_distance).mean().item()


@torch.no_grad()
def transfer_accuracy(model: OneToMany, clf, a: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of T(a, xi) classified as the source's label, over K noise draws."""
    g = torch.Generator().manual_seed(0)
    hits = [(clf.predict(model.translate(a, generator=g)) == labels).float() for _ in range(K)]
    return torch.cat(hits).mean().item()


def probe_mi(model: OneToMany, a: torch.Tensor, seed: int, steps: int) -> float:
    """Held-out DV bound of a fresh critic on (xi, T(x, xi)) of a frozen T (Chapter 6.2)."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    z_dim = model.cfg.z_dim
    critic = EncoderCritic(mlp(z_dim, 64, 32), ConvEncoder(3, embed=32, hidden=64), embed=32)

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = a[torch.randint(len(a), (n,), generator=g)]
        xi = torch.randn(n, z_dim, generator=g)
        return xi, model.translate(x, xi)

    return estimate_sampled(draw, critic, steps, lr=3e-3).nats


def measure(model: OneToMany, clf, test: dict, seed: int, probe_steps: int) -> dict:
    model.eval()
    a, labels = test["a"], test["factors"]["a"]["label"]
    d_x, d_xi = sensitivities(model, a[:256], torch.Generator().manual_seed(1))
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        draws = torch.stack([model.translate(a[:256], generator=g) for _ in range(K)], dim=1)
    return {
        "accuracy": transfer_accuracy(model, clf, a, labels),
        "probe MI": probe_mi(model, a, seed, probe_steps),
        "d_x": d_x,
        "d_xi": d_xi,
        "hue spread": hue_spread(draws),
    }


def reference_name(lam: float) -> str:
    """The ordinary start's key in the results (``REFERENCE`` for lambda 0, as before)."""
    return REFERENCE if lam == 0 else f"ordinary start, lambda {lam:g}"


def run_seed(seed: int, args: argparse.Namespace, clf, test: dict) -> dict[str, dict]:
    overrides = {**args.set, "generator": args.generator, "lambda_mi": 0.0}
    cfg = OneToManyConfig.from_preset("cpu").with_overrides(overrides)
    data = load_dataset(
        DATASETS[args.target], resolution=cfg.image_size, size=4000, seed=seed, paired=False
    )
    out: dict[str, dict] = {}
    if args.rescue:
        out.update(rescue(seed, args, cfg, data, clf, test))
    for lam in args.reference_lambdas if args.reference else []:
        companion.seed_everything(seed)
        model = OneToMany(cfg.with_overrides({"lambda_mi": lam}))
        start = time.perf_counter()
        hist = fit(model, data, args.pretrain + args.steps, seed=seed, log_every=10, progress=False)
        seconds = time.perf_counter() - start
        out[reference_name(lam)] = {
            **measure(model, clf, test, seed, args.probe_steps),
            "training S": hist[-1]["mi/dv"],
            "train seconds": seconds,
        }
    return out


def rescue(seed: int, args: argparse.Namespace, cfg, data, clf, test: dict) -> dict[str, dict]:
    """The gated noise-only start, then a copy of it continued with each lambda."""
    out: dict[str, dict] = {}

    companion.seed_everything(seed)
    start = time.perf_counter()
    pre = OneToMany(cfg)
    handle = gate_source(pre)
    fit(pre, data, args.pretrain, seed=seed, log_every=10, progress=False)
    out["noise-only start (gated)"] = {
        **measure(pre, clf, test, seed, args.probe_steps),
        "train seconds": time.perf_counter() - start,
    }
    handle.remove()
    out["noise-only start, gate off"] = {
        **measure(pre, clf, test, seed, args.probe_steps),
        "train seconds": 0.0,
    }
    for lam in args.lambdas:
        companion.seed_everything(seed + 1)
        model = OneToMany(cfg.with_overrides({"lambda_mi": lam}))
        model.load_state_dict(pre.state_dict())
        start = time.perf_counter()
        hist = fit(model, data, args.steps, seed=seed + 1, log_every=10, progress=False)
        seconds = time.perf_counter() - start
        out[f"rescue, lambda {lam:g}"] = {
            **measure(model, clf, test, seed, args.probe_steps),
            "training S": hist[-1]["mi/dv"],
            "train seconds": seconds,
        }
    return out


def setting(text: str) -> tuple[str, object]:
    """``"lr_s=0.001"`` -> ``("lr_s", 0.001)``: the value read as JSON, else kept as text."""
    key, _, value = text.partition("=")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--pretrain", type=int, default=300, help="gated steps, lambda 0")
    parser.add_argument("--steps", type=int, default=600, help="steps after the gate comes off")
    parser.add_argument("--lambdas", nargs="+", type=float, default=[0.0, 1.0, 10.0, 30.0])
    parser.add_argument("--probe-steps", type=int, default=300)
    parser.add_argument("--no-reference", dest="reference", action="store_false")
    parser.add_argument(
        "--reference-lambdas",
        nargs="+",
        type=float,
        default=[0.0],
        help="lambdas of the ordinary start (E1, E5)",
    )
    parser.add_argument(
        "--generator",
        choices=GENERATORS,
        default="bottleneck",
        help="T = G([E(x), F(xi)]) (Sec. 4.2) or the U-Net of App. A (ordinary start only)",
    )
    parser.add_argument(
        "--no-rescue", dest="rescue", action="store_false", help="the ordinary start only (E3)"
    )
    parser.add_argument("--target", choices=sorted(DATASETS), default="svhn")
    parser.add_argument(
        "--set",
        nargs="*",
        type=setting,
        default=[],
        metavar="KEY=VALUE",
        help="config fields for every run, e.g. lr_s=0.001",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    args.set = dict(args.set)
    if args.generator != "bottleneck" and args.rescue:
        parser.error("the noise-only start gates E(x) of the bottleneck: add --no-rescue")
    if args.out is None:
        near = "one_to_many_rescue_near.json" if args.rescue else "one_to_many_near_e3.json"
        args.out = {"svhn": OUT, "near": RESULTS / near}.get(
            args.target, RESULTS / f"one_to_many_{args.target}.json"
        )
        if args.generator != "bottleneck":
            args.out = args.out.with_name(f"{args.out.stem}_{args.generator}.json")

    size = OneToManyConfig.cpu().image_size
    dataset = DATASETS[args.target]
    clf = target_classifier(size, target=args.target)
    real = load_dataset(
        dataset, split="test", resolution=size, size=N_TEST, seed=0, paired=False
    ).batch(range(N_TEST))
    with torch.no_grad():
        real_acc = (
            (clf.model.predict(real["b"]) == real["factors"]["b"]["label"]).float().mean().item()
        )
    real_hue = hue_spread(real["b"][:256].view(K, 64, *real["b"].shape[1:]).transpose(0, 1))
    print(
        f"target classifier: held-out {clf.test_accuracy:.3f}, test-split renders {real_acc:.3f}"
        f"; real renders' hue spread {real_hue:.3f}",
        flush=True,
    )
    test = load_dataset(
        dataset, split="test", resolution=size, size=N_TEST, seed=1, paired=False
    ).batch(range(N_TEST))

    results: dict[str, dict[int, dict]] = {}
    for seed in args.seeds:
        for name, r in run_seed(seed, args, clf.model, test).items():
            results.setdefault(name, {})[seed] = r
            extra = f", S {r['training S']:.2f}" if "training S" in r else ""
            print(
                f"seed {seed} {name:<28} acc {r['accuracy']:.3f}, probe "
                f"{r['probe MI']:.2f}{extra}, d_x {r['d_x']:.3f}, d_xi {r['d_xi']:.3f}, "
                f"hue {r['hue spread']:.3f}, {r['train seconds']:.0f} s",
                flush=True,
            )

    base = results.get("rescue, lambda 0")
    if base is not None:
        print(f"\naccuracy gain over lambda 0 (points), seeds {args.seeds}")
    for name, per_seed in results.items():
        if base is None or not name.startswith("rescue") or per_seed is base:
            continue
        gains = [100 * (per_seed[s]["accuracy"] - base[s]["accuracy"]) for s in args.seeds]
        print(
            f"{name:<28}" + "".join(f"{g:>8.1f}" for g in gains) + f"   mean "
            f"{statistics.mean(gains):.1f}"
        )
    runs = []
    if args.rescue:
        runs.append(f"{args.pretrain} gated steps (lambda 0) then {args.steps} steps per lambda")
    if args.reference:
        lams = ", ".join(f"{lam:g}" for lam in args.reference_lambdas)
        runs.append(f"ordinary start {args.pretrain + args.steps} steps (lambda {lams})")
    runs = ", ".join(runs)
    write_record(
        args.out,
        f"one_to_many cpu preset, {args.generator} T, {dataset} 16x16, {runs}; {N_TEST} test "
        f"sources x {K} noise draws; probe {args.probe_steps} steps; overrides {args.set}; "
        f"{torch.get_num_threads()} torch threads",
        results,
        classifier={"held-out": clf.test_accuracy, "test-split renders": real_acc},
        **{"real hue spread": real_hue},
    )


if __name__ == "__main__":
    main()
