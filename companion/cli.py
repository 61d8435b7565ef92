"""Command line: ``companion train | sample | eval | list | data``.

Examples::

    companion list
    companion train dcgan --preset cpu --steps 2000 --out runs/dcgan
    companion train bicyclegan --preset paper --data facades --root ~/datasets/facades \\
        --out runs/facades --set lambda_l1=10 --set batch_size=2
    torchrun --nproc_per_node=4 -m companion train segan --preset paper --data maps --root ...
    companion sample runs/dcgan --n 64 --out samples.png
    companion data fetch facades --root ~/datasets

Exit codes: 0 success; 1 an unexpected error (a bug: the trace is shown); 2 bad input (an unknown
method, key or value, a missing or malformed dataset, a checkpoint that cannot be resumed);
3 training diverged (a non-finite loss); 130 interrupted (Ctrl-C). ``-v`` shows the trace of an
expected failure too.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from companion.config import PRESETS, RunConfig

__all__ = ["EXIT_CODES", "build_parser", "load_run", "main"]

log = logging.getLogger("companion")

EXIT_CODES = {
    0: "success",
    1: "unexpected error (a bug: please report it with the trace)",
    2: "bad input: unknown method, key or value, missing or malformed data or checkpoint",
    3: "training diverged: a loss or a weight became NaN or infinite",
    130: "interrupted (Ctrl-C); a run resumes from its last checkpoint",
}
"""The documented exit statuses of ``companion``."""

_EPILOG = (
    "exit codes:\n"
    + "\n".join(f"  {k:<4} {v}" for k, v in EXIT_CODES.items())
    + ("\n\nRun 'companion COMMAND --help' for a command's options; -v shows traces.")
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``companion`` command."""
    parser = argparse.ArgumentParser(
        prog="companion",
        description="Train, sample and evaluate the models of the book 'Mutual Information for "
        "Multimodal Image-to-Image Translation'.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_EPILOG,
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log at INFO level and show error traces"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "train",
        help="train a method",
        description="Train METHOD and write "
        "checkpoints, config.json, history.jsonl and TensorBoard logs to --out. "
        "A run resumes from its checkpoint when --out already holds one.",
    )
    p.add_argument("method", help="method name (see 'companion list')")
    p.add_argument(
        "--preset",
        choices=PRESETS,
        default=None,
        help="hyper-parameter preset (default: $COMPANION_PRESET, else gpu with CUDA, else cpu)",
    )
    p.add_argument("--data", default=None, help="dataset name (default: the config's dataset)")
    p.add_argument("--root", default=None, help="local folder of a real dataset")
    p.add_argument(
        "--steps",
        type=int,
        default=RunConfig.steps,
        help=f"training iterations, counting resumed ones (default {RunConfig.steps})",
    )
    p.add_argument("--out", default=None, help="run folder (default: runs/METHOD)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field, e.g. --set lr=1e-4 (repeatable)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=None, help="per-process batch size")
    p.add_argument("--workers", type=int, default=0, help="DataLoader workers")
    p.add_argument("--log-every", type=int, default=RunConfig.log_every)
    p.add_argument("--ckpt-every", type=int, default=RunConfig.ckpt_every)
    p.add_argument("--image-every", type=int, default=500)
    p.add_argument(
        "--no-resume", action="store_true", help="start over even if a checkpoint exists"
    )
    p.add_argument("--device", default=None, help="e.g. cpu or cuda:1 (default: automatic)")
    p.add_argument(
        "--init",
        default=None,
        metavar="CKPT",
        help="start from a source model's checkpoint or run folder (methods with an 'init' "
        "field, e.g. transfergan); same as --set init=CKPT",
    )
    p.set_defaults(func=_train)

    p = sub.add_parser("sample", help="draw samples from a trained run into an image grid")
    p.add_argument("run", help="run folder written by 'companion train'")
    p.add_argument(
        "--n",
        type=int,
        default=64,
        help="samples (unconditional) or inputs x codes (conditional: --n inputs, 8 codes each)",
    )
    p.add_argument(
        "--out", default=None, help="PNG path, or a folder for samples.png (default: RUN)"
    )
    p.add_argument("--root", default=None, help="dataset root, for conditional methods")
    p.add_argument("--split", default="test", help="split the inputs come from (default: test)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_sample)

    p = sub.add_parser("eval", help="evaluate a trained run; writes RUN/eval.json")
    p.add_argument("run", help="run folder written by 'companion train'")
    p.add_argument(
        "--metrics",
        nargs="+",
        default=None,
        help="metric names (default: those the method's data supports)",
    )
    p.add_argument("--root", default=None, help="dataset root for real datasets")
    p.add_argument("--split", default="test", help="split to evaluate on (default: test)")
    p.add_argument("--out", default=None, help="JSON path (default: RUN/eval.json)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-inputs", type=int, default=100, help="test inputs (SEGAN: 100)")
    p.add_argument(
        "--samples-per-input", type=int, default=50, help="translations per input for FID/KID/NDB"
    )
    p.add_argument(
        "--lpips-backend",
        default="lpips-alex",
        help="LPIPS backend for diversity "
        "(pretrained weights from --weights or $COMPANION_WEIGHTS_DIR)",
    )
    p.add_argument("--weights", default=None, help="folder or file of pretrained weights")
    p.add_argument(
        "--feature-cache",
        default="data/cache/features",
        help="folder keeping the reference set's FID features between evaluations ('' for none)",
    )
    p.set_defaults(func=_eval)

    p = sub.add_parser("list", help="list methods, datasets and presets")
    p.set_defaults(func=_list)

    p = sub.add_parser("data", help="fetch, show or check datasets")
    data_sub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    q = data_sub.add_parser(
        "fetch", help="download a real dataset (the only command that downloads anything)"
    )
    q.add_argument("name")
    q.add_argument("--root", required=True, help="folder to put the dataset in")
    q.add_argument("--url", default=None, help="download from this mirror instead")
    q.add_argument("--sha256", default=None, help="expected checksum of the archive")
    q.set_defaults(func=_data_fetch)
    q = data_sub.add_parser("list", help="list the dataset names")
    q.set_defaults(func=_data_list)
    q = data_sub.add_parser("show", help="save a grid of samples of a dataset")
    q.add_argument("name")
    q.add_argument("--root", default=None)
    q.add_argument("--out", default=None, help="PNG path (default: NAME.png)")
    q.add_argument("--resolution", type=int, default=64)
    q.add_argument("--seed", type=int, default=0)
    q.set_defaults(func=_data_show)
    q = data_sub.add_parser(
        "check", help="open every image of a dataset once and list all problems (exit 2 if any)"
    )
    q.add_argument("name")
    q.add_argument("--root", required=True, help="folder holding the dataset")
    q.set_defaults(func=_data_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``companion`` and ``python -m companion``; returns the exit status.

    Expected failures print one line, ``companion COMMAND: error: CAUSE``, and return a code of
    :data:`EXIT_CODES`; ``-v`` also shows their trace.
    """
    from companion.stepper import NonFiniteLossError

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return _fail(args, "interrupted; run the same command again to resume", 130)
    except NonFiniteLossError as err:
        return _fail(args, err, 3)
    except (KeyError, TypeError, ValueError, OSError, RuntimeError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        return _fail(args, message, 2)


def _fail(args: argparse.Namespace, message: Any, code: int) -> int:
    if args.verbose:
        import traceback

        traceback.print_exc()
    print(f"companion {args.command}: error: {message}", file=sys.stderr)
    return code


def _train(args: argparse.Namespace) -> int:
    import companion
    from companion.methods.base import get_method
    from companion.train import fit

    cls = get_method(args.method)
    preset_name = companion.preset(args.preset)
    cfg = cls.Config.from_preset(preset_name)
    data_name = args.data or getattr(cfg, "dataset", None)
    if data_name is None:
        raise ValueError(f"{args.method} has no default dataset; pass --data NAME")
    if args.data is not None:  # the paper's settings for that dataset, before --set overrides
        from companion.data import dataset_facts

        cfg = cfg.for_dataset(dataset_facts(args.data))
    cfg = cfg.with_overrides(args.overrides)
    if args.init is not None:
        if not hasattr(cfg, "init"):
            raise ValueError(f"{args.method} does not start from a source model; drop --init")
        cfg = cfg.with_overrides({"init": args.init})
    run = RunConfig(
        steps=args.steps,
        seed=args.seed,
        batch_size=args.batch_size,
        num_workers=args.workers,
        log_every=args.log_every,
        ckpt_every=args.ckpt_every,
        image_every=args.image_every,
        device=args.device,
        resume=not args.no_resume,
    )
    out = Path(args.out or f"runs/{args.method}")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a run folder; choose another --out")
    data = _load_data(data_name, cfg, root=args.root, seed=args.seed, split="train")
    companion.seed_everything(args.seed)  # initial weights depend on the seed only
    method = cls(cfg)
    history = fit(method, data, out_dir=out, run=run)
    last = history[-1] if history else {}
    summary = ", ".join(f"{k} {v:.4g}" for k, v in last.items() if k != "step")
    print(
        f"trained {args.method} ({preset_name}) for {run.steps} steps on {data_name}; "
        f"run folder {out}" + (f"; last: {summary}" if summary else "")
    )
    return 0


def _load_data(name: str, cfg: Any, *, root: str | None, seed: int, split: str) -> Any:
    from companion.data import load_dataset

    resolution = getattr(cfg, "image_size", 32)
    return load_dataset(name, split=split, resolution=resolution, root=root, seed=seed)


def load_run(run: str | Path) -> Any:
    """Rebuild the method of a run folder with its trained weights (on CPU, eval mode)."""
    from companion.config import config_from_dict
    from companion.methods.base import get_method
    from companion.train import load_checkpoint

    run = Path(run)
    info_path = run / "run.json"
    if not info_path.is_file():
        raise FileNotFoundError(
            f"{run} is not a run folder (no run.json); train one with "
            f"'companion train METHOD --out {run}'"
        )
    info = json.loads(info_path.read_text())
    cls = get_method(info["method"])
    state = load_checkpoint(run)
    method = cls(config_from_dict(cls.Config, state["config"]))
    method.load_state_dict(state["method"])
    return method.eval()


def _sample(args: argparse.Namespace) -> int:
    import torch

    from companion.viz import diversity_grid, grid

    method = load_run(args.run)
    gen = torch.Generator().manual_seed(args.seed)
    out = Path(args.out) if args.out else Path(args.run)
    if out.is_dir() or not out.suffix:
        out = out / "samples.png"
    if out.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ValueError(f"--out {out} must be a .png or .jpg file, or a folder")
    if not method.conditional:
        picture = grid(method.sample(args.n, generator=gen), nrow=8)
    else:
        cfg = method.cfg
        data = _load_data(
            getattr(cfg, "dataset", "shapes"), cfg, root=args.root, seed=args.seed, split=args.split
        )
        # The data layer gives each sample in the direction the method trained on.
        a = torch.stack([data[i]["a"] for i in range(min(args.n, 8, len(data)))])
        picture = diversity_grid(
            method.translate, a, num_samples=8, generator=gen, z_dim=method.code_dim or None
        )
    _save_png(picture, out)
    print(f"wrote {out}")
    return 0


def _save_png(picture: Any, path: Path) -> None:
    from torchvision.utils import save_image

    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(picture, str(path))


def _eval(args: argparse.Namespace) -> int:
    from companion.metrics import EvalConfig, evaluate

    method = load_run(args.run)
    cfg = method.cfg
    data = _load_data(
        getattr(cfg, "dataset", "shapes"), cfg, root=args.root, seed=args.seed, split=args.split
    )
    # Synthetic domains carry an oracle of their styles; real data gets the label-free metrics.
    has_oracle = method.conditional and getattr(data, "oracle", None) is not None
    metrics = args.metrics or (
        ["mode_coverage", "style_consistency", "ndb"] if has_oracle else ["ndb"]
    )
    eval_cfg = EvalConfig(
        n_inputs=min(args.n_inputs, len(data)),
        samples_per_input=args.samples_per_input,
        lpips_backend=args.lpips_backend,
        feature_cache=args.feature_cache or None,
    )
    out = Path(args.out or Path(args.run) / "eval.json")
    result = evaluate(
        method, data, metrics, eval_cfg, weights_path=args.weights, seed=args.seed, out_path=out
    )
    for name, record in result["metrics"].items():
        print(f"{name:<18} {record['value']:.4g}")
    print(f"wrote {out}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from companion.data import describe_dataset, list_datasets
    from companion.methods.base import get_method, list_methods

    print("methods:")
    for name in list_methods():
        module_doc = sys.modules[get_method(name).__module__].__doc__ or ""
        summary = " ".join(module_doc.strip().split("\n\n")[0].split()) if module_doc else ""
        print(f"  {name:<14} {summary}")
    print("datasets:")
    for name in list_datasets():
        print(f"  {name:<24} {describe_dataset(name)}")
    print("presets:\n  " + "\n  ".join(PRESETS))
    return 0


def _data_fetch(args: argparse.Namespace) -> int:
    from companion.data import fetch

    path = fetch(args.name, args.root, url=args.url, sha256=args.sha256)
    print(f"{args.name} is in {path}")
    return 0


def _data_list(args: argparse.Namespace) -> int:
    from companion.data import list_datasets

    print("\n".join(list_datasets()))
    return 0


def _data_show(args: argparse.Namespace) -> int:
    from companion.data import save_sample_grid

    out = Path(args.out or f"{args.name}.png")
    save_sample_grid(args.name, out, root=args.root, resolution=args.resolution, seed=args.seed)
    print(f"wrote {out}")
    return 0


def _data_check(args: argparse.Namespace) -> int:
    from companion.data import check_dataset

    report = check_dataset(args.name, args.root)
    for line in report.problems + [f"note: {n}" for n in report.notes]:
        print(line)
    if report.problems:
        print(f"companion data: error: {report.summary()} (listed above)", file=sys.stderr)
        return 2
    print(report.summary())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
