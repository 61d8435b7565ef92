"""One training loop for every method: devices, AMP, DDP, checkpoints, resume, logging.

:func:`fit` owns everything that is not the paper's algorithm. The method's ``training_step``
calls ``opt.step("D", loss)`` on the :class:`Stepper` that ``fit`` hands it, and the Stepper does
the plumbing: zero the grads, scale the loss under AMP, backpropagate, average the gradients
across processes, clip, update. The AMP and DDP switches cost nothing when off.

Resuming is exact: a checkpoint holds the method's state, every optimizer and gradient scaler,
the step, the history and every random generator (Python, NumPy, torch CPU and CUDA). Data order
is a function of ``(seed, epoch)`` (:class:`ResumableSampler`), so a run killed after a checkpoint
and resumed reaches the same parameters and losses as one that was never interrupted (with
``num_workers=0``, or with data whose samples are functions of (seed, index) as the synthetic
domains are).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import random
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from companion.config import save_config, seed_everything
from companion.methods.base import Method

__all__ = [
    "NonFiniteLossError",
    "ResumableSampler",
    "Stepper",
    "fit",
    "load_checkpoint",
    "save_checkpoint",
]

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "checkpoint.pt"

Callback = Callable[[Method, int], "Mapping[str, float] | None"]


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; the run stopped before it touched the weights."""


class ResumableSampler(DistributedSampler):
    """A :class:`~torch.utils.data.DistributedSampler` that can start part-way into an epoch.

    The order of epoch ``e`` is a permutation drawn from ``seed + e`` (as in the parent class),
    split across ranks; ``start`` skips the first ``start`` indices of this rank's share, so a
    resumed run continues with exactly the samples an uninterrupted one would have seen.
    """

    def __init__(
        self,
        dataset: Dataset,
        *,
        num_replicas: int = 1,
        rank: int = 0,
        seed: int = 0,
        shuffle: bool = True,
    ) -> None:
        super().__init__(
            dataset,
            num_replicas=num_replicas,
            rank=rank,
            shuffle=shuffle,
            seed=seed,
            drop_last=True,
        )
        self.start = 0

    def set_start(self, start: int) -> None:
        """Skip the first ``start`` indices of the current epoch (this rank's share)."""
        self.start = start

    def __iter__(self) -> Iterator[int]:
        indices = list(super().__iter__())
        return iter(indices[self.start :])

    def __len__(self) -> int:
        return max(self.num_samples - self.start, 0)


class Stepper:
    """Performs the optimizer updates that a method's ``training_step`` asks for.

    ``opt.step(name, loss)`` zeroes optimizer ``name``'s gradients, backpropagates ``loss``
    (scaled by that optimizer's gradient scaler under fp16 AMP) into that optimizer's parameters
    only, averages gradients over the process group when running under DDP, unscales and clips
    them (``clip_grad_norm``), and steps. Each optimizer has its own scaler, so a method may step
    the same optimizer several times per iteration (e.g. ``n_critic`` critic updates).

    Backpropagating into the stepped parameters only is what the papers' code does by setting
    ``requires_grad = False`` on D during G's update (BicycleGAN's ``set_requires_grad``): a G
    step's loss passes through D, whose weight gradients (about half the cost of D's backward
    pass) would only be discarded by D's next ``zero_grad``. The stepped parameters get the same
    gradients either way, so training is unchanged, bit for bit.

    Args:
        optimizers: name -> optimizer, from ``method.configure_optimizers()``.
        amp_dtype: ``torch.float16`` (with scaling) or ``torch.bfloat16``; None disables AMP.
        clip_grad_norm: max gradient norm per optimizer, or None.
        world_size: number of processes; gradients are averaged over them when > 1.
    """

    def __init__(
        self,
        optimizers: Mapping[str, torch.optim.Optimizer],
        *,
        amp_dtype: torch.dtype | None = None,
        clip_grad_norm: float | None = None,
        world_size: int = 1,
    ) -> None:
        self.optimizers = dict(optimizers)
        self.clip_grad_norm = clip_grad_norm
        self.world_size = world_size
        use_scaler = amp_dtype == torch.float16
        self.scalers = {
            name: torch.amp.GradScaler("cuda", enabled=use_scaler) for name in self.optimizers
        }
        self.global_step = 0

    def step(self, name: str, loss: torch.Tensor, *, retain_graph: bool = False) -> None:
        """Backpropagate ``loss`` and update optimizer ``name``.

        Raises:
            KeyError: for an optimizer name the method did not configure.
            NonFiniteLossError: if ``loss`` is NaN or infinite (the weights are left untouched).
        """
        if name not in self.optimizers:
            raise KeyError(f"no optimizer named {name!r}; configured: {sorted(self.optimizers)}")
        if not bool(torch.isfinite(loss.detach()).all()):
            raise NonFiniteLossError(
                f"loss for optimizer {name!r} is {loss.detach().float().item()} at step "
                f"{self.global_step}; stopping before it reaches the weights"
            )
        opt, scaler = self.optimizers[name], self.scalers[name]
        params = [p for group in opt.param_groups for p in group["params"]]
        trainable = [p for p in params if p.requires_grad]
        opt.zero_grad(set_to_none=True)
        # inputs=: no gradients for other optimizers' parameters (D's weights in a G step)
        scaler.scale(loss).backward(retain_graph=retain_graph, inputs=trainable or None)
        if self.world_size > 1:
            _average_gradients(params, self.world_size)
        if self.clip_grad_norm is not None:
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(params, self.clip_grad_norm)
        scaler.step(opt)
        scaler.update()

    def state_dict(self) -> dict[str, Any]:
        """Optimizer and scaler states, by name."""
        return {
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "scalers": {k: s.state_dict() for k, s in self.scalers.items()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        for k, o in self.optimizers.items():
            o.load_state_dict(state["optimizers"][k])
        for k, s in self.scalers.items():
            if state["scalers"].get(k):
                s.load_state_dict(state["scalers"][k])


def _average_gradients(params: Sequence[torch.nn.Parameter], world_size: int) -> None:
    # One flat all-reduce per update; a parameter without a gradient on this rank contributes
    # zeros, so every rank takes part in the same collective and none deadlocks.
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])  # (P,)
    dist.all_reduce(flat)
    flat /= world_size
    offset = 0
    for p, g in zip(params, grads):
        n = g.numel()
        p.grad = flat[offset : offset + n].view_as(p).clone()
        offset += n


def _rng_state() -> dict[str, Any]:
    np_state = np.random.get_state()
    state = {
        "python": random.getstate(),
        # NumPy's state holds an ndarray; store it as a tensor so weights_only loading accepts it.
        "numpy": {
            "keys": torch.from_numpy(np_state[1].astype(np.int64)),
            "pos": int(np_state[2]),
            "has_gauss": int(np_state[3]),
            "cached_gaussian": float(np_state[4]),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: Mapping[str, Any]) -> None:
    random.setstate(_as_tuple(state["python"]))
    npy = state["numpy"]
    np.random.set_state(
        (
            "MT19937",
            npy["keys"].numpy().astype(np.uint32),
            npy["pos"],
            npy["has_gauss"],
            npy["cached_gaussian"],
        )
    )
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _as_tuple(x: Any) -> Any:
    return tuple(_as_tuple(i) for i in x) if isinstance(x, (list, tuple)) else x


def save_checkpoint(path: str | os.PathLike, state: Mapping[str, Any]) -> Path:
    """Write ``state`` atomically: to a temporary file, fsync, then ``os.replace``.

    A crash while writing leaves the previous checkpoint intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        torch.save(dict(state), f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | os.PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by :func:`fit` with ``weights_only=True`` (no pickled code).

    Raises:
        FileNotFoundError: if there is no file at ``path``.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    return torch.load(path, map_location=map_location, weights_only=True)


def _to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


class _Distributed:
    """The process group when launched by ``torchrun``; a no-op on a single process."""

    def __init__(self) -> None:
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.started_here = False
        if self.world_size > 1 and not dist.is_initialized():
            backend = "nccl" if torch.cuda.is_available() else "gloo"
            if torch.cuda.is_available():
                torch.cuda.set_device(self.local_rank)
            dist.init_process_group(backend=backend)
            self.started_here = True

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def broadcast_state(self, module: torch.nn.Module) -> None:
        """Make every rank hold rank 0's parameters and buffers."""
        if self.world_size > 1:
            for t in list(module.parameters()) + list(module.buffers()):
                dist.broadcast(t.data if isinstance(t, torch.nn.Parameter) else t, src=0)

    def broadcast_buffers(self, module: torch.nn.Module) -> None:
        """Copy rank 0's buffers (BatchNorm statistics) to every rank, as DDP does."""
        if self.world_size > 1:
            for buf in module.buffers():
                dist.broadcast(buf, src=0)

    def close(self) -> None:
        if self.started_here:
            dist.destroy_process_group()


def _choose_device(device: str | torch.device | None, local_rank: int) -> torch.device:
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def _finite_metrics(metrics: Mapping[str, float], step: int) -> dict[str, float]:
    out = {}
    for key, value in metrics.items():
        value = float(value)
        if not math.isfinite(value):
            raise NonFiniteLossError(f"{key} is {value} at step {step}")
        out[key] = value
    return out


def fit(
    method: Method,
    data: Dataset,
    steps: int,
    out_dir: str | os.PathLike | None = None,
    *,
    resume: bool = True,
    seed: int = 0,
    batch_size: int | None = None,
    num_workers: int = 0,
    log_every: int = 50,
    eval_every: int = 0,
    ckpt_every: int = 500,
    image_every: int = 0,
    callbacks: Iterable[Callback] = (),
    amp: bool | None = None,
    clip_grad_norm: float | None = None,
    device: str | torch.device | None = None,
    progress: bool | None = None,
) -> list[dict[str, float]]:
    """Train ``method`` on ``data`` for ``steps`` iterations (total, counting resumed ones).

    Args:
        method: a :class:`~companion.methods.base.Method`; moved to the chosen device.
        data: a map-style dataset of samples (tensors or dicts of tensors).
        steps: total number of training iterations; a resumed run continues up to it.
        out_dir: where checkpoints, ``config.json``, ``history.jsonl`` and TensorBoard logs go
            (rank 0 only); None trains in memory.
        resume: continue from ``out_dir/checkpoint.pt`` when present.
        seed: seeds every generator (plus the rank, so processes draw different noise).
        batch_size: per-process batch; defaults to ``method.cfg.batch_size``.
        num_workers: DataLoader worker processes.
        log_every: record the step's metrics in the history every this many steps.
        eval_every: call each callback every this many steps (0: only at the end).
        ckpt_every: write a checkpoint every this many steps (and at the end).
        image_every: log ``method.preview(batch)`` to TensorBoard every this many steps (0: never).
        callbacks: ``cb(method, step) -> dict | None`` run on rank 0 in eval mode without
            gradients; the values they return join the history.
        amp: mixed precision (bf16 where supported, else fp16 with loss scaling); default on CUDA.
        clip_grad_norm: gradient-norm clipping for every optimizer, or None.
        device: overrides the default (``cuda:LOCAL_RANK`` when available, else CPU).
        progress: show a tqdm bar; default: when stderr is a terminal.

    Returns:
        The history: a list of dicts with ``step`` and the logged values.

    Raises:
        NonFiniteLossError: when a loss becomes NaN or infinite; the last checkpoint is kept.
        ValueError: for a dataset smaller than one batch or a non-positive ``steps``.
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    ddp = _Distributed()
    try:
        return _fit(
            method,
            data,
            steps,
            out_dir,
            ddp,
            resume=resume,
            seed=seed,
            batch_size=batch_size,
            num_workers=num_workers,
            log_every=log_every,
            eval_every=eval_every,
            ckpt_every=ckpt_every,
            image_every=image_every,
            callbacks=tuple(callbacks),
            amp=amp,
            clip_grad_norm=clip_grad_norm,
            device=device,
            progress=progress,
        )
    finally:
        ddp.close()


def _fit(
    method: Method,
    data: Dataset,
    steps: int,
    out_dir: str | os.PathLike | None,
    ddp: _Distributed,
    *,
    resume: bool,
    seed: int,
    batch_size: int | None,
    num_workers: int,
    log_every: int,
    eval_every: int,
    ckpt_every: int,
    image_every: int,
    callbacks: tuple[Callback, ...],
    amp: bool | None,
    clip_grad_norm: float | None,
    device: str | torch.device | None,
    progress: bool | None,
) -> list[dict[str, float]]:
    dev = _choose_device(device, ddp.local_rank)
    seed_everything(seed + ddp.rank)
    method.to(dev)
    ddp.broadcast_state(method)
    amp_dtype = _amp_dtype(dev, amp)
    stepper = Stepper(
        method.configure_optimizers(),
        amp_dtype=amp_dtype,
        clip_grad_norm=clip_grad_norm,
        world_size=ddp.world_size,
    )

    batch_size = batch_size or getattr(method.cfg, "batch_size", None)
    if not batch_size:
        raise ValueError("no batch size: pass batch_size= or give the config a batch_size field")
    sampler = ResumableSampler(data, num_replicas=ddp.world_size, rank=ddp.rank, seed=seed)
    batches_per_epoch = len(sampler) // batch_size
    if batches_per_epoch == 0:
        raise ValueError(
            f"dataset of {len(data)} samples is smaller than one batch of {batch_size} "
            f"per process ({ddp.world_size} processes); use a larger dataset or smaller batch"
        )

    out = Path(out_dir) if out_dir is not None else None
    step, history = 0, []
    ckpt_path = out / CHECKPOINT_NAME if out is not None else None
    if resume and ckpt_path is not None and ckpt_path.is_file():
        state = load_checkpoint(ckpt_path, map_location=dev)
        method.load_state_dict(state["method"])
        stepper.load_state_dict(state["stepper"])
        step, history = int(state["step"]), list(state["history"])
        _set_rng_state(state["rng"][min(ddp.rank, len(state["rng"]) - 1)])
        log.info("resumed from %s at step %d", ckpt_path, step)

    writer = None
    if out is not None and ddp.is_main:
        out.mkdir(parents=True, exist_ok=True)
        save_config(method.cfg, out / "config.json")
        (out / "run.json").write_text(
            json.dumps(
                {
                    "method": method.name,
                    "seed": seed,
                    "steps": steps,
                    "batch_size": batch_size,
                    "world_size": ddp.world_size,
                    "device": str(dev),
                    "amp": str(amp_dtype),
                    "version": _version(),
                },
                indent=2,
            )
            + "\n"
        )
        writer = _summary_writer(out)

    def checkpoint() -> None:
        if ckpt_path is None:
            return
        rng = _gather_rng_states(ddp)
        if ddp.is_main:
            save_checkpoint(
                ckpt_path,
                {
                    "step": step,
                    "method": method.state_dict(),
                    "stepper": stepper.state_dict(),
                    "history": history,
                    "rng": rng,
                    "config": method.cfg.to_dict(),
                    "method_name": method.name,
                    "version": _version(),
                },
            )

    show_bar = (sys.stderr.isatty() if progress is None else progress) and ddp.is_main
    bar = _progress_bar(show_bar, initial=step, total=steps, desc=method.name)
    method.train()
    try:
        while step < steps:
            epoch, offset = divmod(step, batches_per_epoch)
            sampler.set_epoch(epoch)
            sampler.set_start(offset * batch_size)
            loader = DataLoader(
                data,
                batch_size=batch_size,
                sampler=sampler,
                drop_last=True,
                num_workers=num_workers,
                pin_memory=dev.type == "cuda",
                generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch),
            )
            for batch in loader:
                stepper.global_step = step
                batch = _to_device(batch, dev)
                with torch.autocast(
                    dev.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None
                ):
                    metrics = method.training_step(batch, step, stepper)
                metrics = _finite_metrics(metrics or {}, step)
                ddp.broadcast_buffers(method)
                step += 1
                record = {}
                if log_every and step % log_every == 0:
                    record.update(metrics)
                if (eval_every and step % eval_every == 0) or step == steps:
                    record.update(_run_callbacks(callbacks, method, step, ddp))
                if record:
                    history.append({"step": step, **record})
                    _log_record(writer, out, history[-1], ddp)
                if image_every and step % image_every == 0 and writer is not None:
                    _log_images(writer, method, batch, step)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix({k: f"{v:.3g}" for k, v in list(metrics.items())[:4]})
                if ckpt_every and step % ckpt_every == 0 or step == steps:
                    checkpoint()
                if step >= steps:
                    break
    except NonFiniteLossError as err:
        raise NonFiniteLossError(
            f"{err}. Training stopped; the last good checkpoint"
            f"{' at ' + str(ckpt_path) if ckpt_path else ''} is untouched."
        ) from None
    finally:
        if bar is not None:
            bar.close()
        if writer is not None:
            writer.close()
    return history


def _amp_dtype(dev: torch.device, amp: bool | None) -> torch.dtype | None:
    if amp is None:
        amp = dev.type == "cuda"
    if not amp:
        return None
    if dev.type != "cuda":
        raise ValueError("amp=True needs a CUDA device; leave amp=None to decide automatically")
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _gather_rng_states(ddp: _Distributed) -> list[dict[str, Any]]:
    state = _rng_state()
    if ddp.world_size == 1:
        return [state]
    gathered: list[Any] = [None] * ddp.world_size
    dist.all_gather_object(gathered, state)
    return gathered


@contextlib.contextmanager
def _outside_training(method: Method) -> Iterator[None]:
    """Eval mode, no gradients, and every torch generator restored afterwards.

    Callbacks and previews draw their own noise; restoring the CPU and CUDA generators keeps the
    training stream, and so a resumed run, identical with or without them.
    """
    was_training = method.training
    cpu_state = torch.get_rng_state()
    cuda_state = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    method.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        torch.set_rng_state(cpu_state)
        if cuda_state is not None:
            torch.cuda.set_rng_state_all(cuda_state)
        method.train(was_training)


def _run_callbacks(
    callbacks: Sequence[Callback], method: Method, step: int, ddp: _Distributed
) -> dict[str, float]:
    if not ddp.is_main or not callbacks:
        return {}
    values: dict[str, float] = {}
    with _outside_training(method):
        for cb in callbacks:
            values.update({k: float(v) for k, v in (cb(method, step) or {}).items()})
    return values


def _summary_writer(out: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is a dependency, but keep training if it is broken
        log.warning("tensorboard is not importable; no event files will be written")
        return None
    return SummaryWriter(log_dir=str(out / "tb"))


def _log_record(
    writer: Any, out: Path | None, record: Mapping[str, float], ddp: _Distributed
) -> None:
    if not ddp.is_main or out is None:
        return
    with open(out / "history.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")
    if writer is not None:
        for key, value in record.items():
            if key != "step":
                writer.add_scalar(key, value, record["step"])


def _log_images(writer: Any, method: Method, batch: Any, step: int) -> None:
    from torchvision.utils import make_grid

    with _outside_training(method):
        images = method.preview(batch)
    if images is not None:
        grid = make_grid(images.detach().float().cpu(), nrow=8, normalize=True, value_range=(-1, 1))
        writer.add_image("preview", grid, step)


def _progress_bar(show: bool, *, initial: int, total: int, desc: str) -> Any:
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, dynamic_ncols=True)


def _version() -> str:
    from companion import __version__

    return __version__
