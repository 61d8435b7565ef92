"""The training loop: :func:`fit`.

Data order is a function of ``(seed, epoch)`` (:class:`ResumableSampler`), so a run killed after a
checkpoint and resumed reaches the same parameters and losses as one that was never interrupted
(with ``num_workers=0``, or with data whose samples are functions of (seed, index) as the
synthetic domains are).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from companion.config import RunConfig, save_config, seed_everything
from companion.methods.base import Method
from companion.stepper import NonFiniteLossError, Stepper
from companion.train.checkpoint import (
    CHECKPOINT_NAME,
    check_resumable,
    load_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from companion.train.distributed import Distributed, amp_dtype, choose_device
from companion.train.logs import RunLog, progress_bar

__all__ = ["ResumableSampler", "fit"]

log = logging.getLogger(__name__)

Callback = Callable[[Method, int], "Mapping[str, float] | None"]


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


def fit(
    method: Method,
    data: Dataset,
    steps: int | None = None,
    out_dir: str | os.PathLike | None = None,
    *,
    run: RunConfig | None = None,
    callbacks: Iterable[Callback] = (),
    **settings: Any,
) -> list[dict[str, float]]:
    """Train ``method`` on ``data`` for ``steps`` iterations (total, counting resumed ones).

    Under ``torchrun`` it runs data-parallel (NCCL on GPUs, gloo on CPUs); on one device it is a
    plain loop. The run folder receives ``checkpoint.pt`` (atomically), ``config.json``,
    ``run.json``, ``history.jsonl`` and TensorBoard logs (rank 0 only); a run that fails before
    its first checkpoint leaves nothing behind.

    Args:
        method: a :class:`~companion.methods.base.Method`; moved to the chosen device.
        data: a map-style dataset of samples (tensors or dicts of tensors).
        steps: total training iterations (default: ``run.steps``).
        out_dir: the run folder; None trains in memory.
        run: the run's settings (:class:`~companion.config.RunConfig`); default ``RunConfig()``.
        callbacks: ``cb(method, step) -> dict | None`` run on rank 0 in eval mode without
            gradients every ``run.eval_every`` steps and at the end; their values join the
            history.
        **settings: fields of ``run`` to replace, e.g. ``seed=1, log_every=10``.

    Returns:
        The history: a list of dicts with ``step`` and the logged values.

    Raises:
        NonFiniteLossError: when a loss or a parameter becomes NaN or infinite; the message
            says which checkpoint (all of whose weights are finite) is on disk, if any.
        CheckpointError: when the run folder's checkpoint belongs to another method or config.
        ValueError: for a dataset smaller than one batch.
        TypeError: for an unknown setting.
    """
    if isinstance(settings.get("device"), torch.device):
        settings["device"] = str(settings["device"])
    run = (run or RunConfig()).with_overrides(settings)
    if steps is not None:
        run = dataclasses.replace(run, steps=steps)
    ddp = Distributed()
    try:
        trainer = _Trainer(method, data, run, out_dir, tuple(callbacks), ddp)
        return trainer.train()
    finally:
        ddp.close()


class _Trainer:
    """The state of one :func:`fit` call: device, stepper, sampler, files, step and history."""

    def __init__(
        self,
        method: Method,
        data: Dataset,
        run: RunConfig,
        out_dir: str | os.PathLike | None,
        callbacks: tuple[Callback, ...],
        ddp: Distributed,
    ) -> None:
        self.method, self.data, self.run, self.callbacks, self.ddp = (
            method,
            data,
            run,
            callbacks,
            ddp,
        )
        self.dev = choose_device(run.device, ddp.local_rank)
        seed_everything(run.seed + ddp.rank)
        method.to(self.dev)
        ddp.broadcast_state(method)
        self.amp_dtype = amp_dtype(self.dev, run.amp)
        self.stepper = Stepper(
            method.configure_optimizers(),
            amp_dtype=self.amp_dtype,
            clip_grad_norm=run.clip_grad_norm,
            world_size=ddp.world_size,
        )
        self.batch_size = run.batch_size or getattr(method.cfg, "batch_size", None)
        if not self.batch_size:
            raise ValueError("no batch size: set batch_size in the run or in the method's config")
        self.sampler = ResumableSampler(
            data, num_replicas=ddp.world_size, rank=ddp.rank, seed=run.seed
        )
        self.batches_per_epoch = len(self.sampler) // self.batch_size
        if self.batches_per_epoch == 0:
            raise ValueError(
                f"dataset of {len(data)} samples is smaller than one batch of {self.batch_size} "
                f"per process ({ddp.world_size} processes); use a larger dataset or smaller batch"
            )
        self.out = Path(out_dir) if out_dir is not None else None
        if self.out is not None and self.out.exists() and not self.out.is_dir():
            raise ValueError(f"the run folder {self.out} is a file; choose another --out")
        self.ckpt_path = self.out / CHECKPOINT_NAME if self.out is not None else None
        self.step, self.history = 0, []
        self.last_checkpoint: int | None = None
        self.log = RunLog(self.out if ddp.is_main else None)

    def resume(self) -> None:
        """Continue from the run folder's checkpoint, if any (learning rates may change)."""
        if not (self.run.resume and self.ckpt_path is not None and self.ckpt_path.is_file()):
            return
        state = load_checkpoint(self.ckpt_path, map_location=self.dev)
        changed = check_resumable(state, self.method.name, self.method.cfg, self.ckpt_path)
        fresh_lrs = {
            name: [group["lr"] for group in opt.param_groups]
            for name, opt in self.stepper.optimizers.items()
        }
        self.method.load_state_dict(state["method"])
        self.stepper.load_state_dict(state["stepper"])
        if changed:  # the restored optimizers hold the old learning rates
            self.stepper.set_lr(fresh_lrs)
            log.warning("resumed with new learning rates: %s", ", ".join(changed))
        self.step, self.history = int(state["step"]), list(state["history"])
        self.last_checkpoint = self.step
        set_rng_state(state["rng"][min(self.ddp.rank, len(state["rng"]) - 1)])
        log.info("resumed from %s at step %d", self.ckpt_path, self.step)

    def checkpoint(self) -> None:
        """Write the checkpoint and the run's records, if every weight is finite."""
        if self.ckpt_path is None:
            return
        bad = [k for k, v in self.method.state_dict().items() if _non_finite(v)]
        if bad:
            raise NonFiniteLossError(
                f"parameters became non-finite at step {self.step} ({', '.join(bad[:3])})"
            )
        rng = self.ddp.gather(rng_state())
        if not self.ddp.is_main:
            return
        state = {
            "step": self.step,
            "method": self.method.state_dict(),
            "stepper": self.stepper.state_dict(),
            "history": self.history,
            "rng": rng,
            "config": self.method.cfg.to_dict(),
            "method_name": self.method.name,
            "version": _version(),
        }
        save_checkpoint(self.ckpt_path, state)
        save_config(self.method.cfg, self.out / "config.json")
        (self.out / "run.json").write_text(json.dumps(self.run_record(), indent=2) + "\n")
        self.last_checkpoint = self.step

    def run_record(self) -> dict[str, Any]:
        """What ``run.json`` says about the run: method, settings, device, version."""
        return {
            "method": self.method.name,
            **dataclasses.asdict(self.run),
            "batch_size": self.batch_size,
            "world_size": self.ddp.world_size,
            "device": str(self.dev),
            "amp": str(self.amp_dtype),
            "version": _version(),
        }

    def train(self) -> list[dict[str, float]]:
        """Resume if asked, run the loop to ``run.steps``, and clean up after a failure."""
        self.resume()
        self.log.open(self.history)
        bar = progress_bar(
            self.run.progress if self.ddp.is_main else False,
            initial=self.step,
            total=self.run.steps,
            desc=self.method.name,
        )
        try:
            self.loop(bar)
        except NonFiniteLossError as err:
            raise NonFiniteLossError(f"{err}. Training stopped; {self.on_disk()}") from None
        except BaseException:
            if self.last_checkpoint is None:
                self.log.discard()
            raise
        finally:
            if bar is not None:
                bar.close()
            self.log.close()
        return self.history

    def on_disk(self) -> str:
        """One sentence on what a failed run left, for the error message."""
        if self.ckpt_path is None:
            return "nothing was saved (no run folder)"
        if self.last_checkpoint is None:
            self.log.discard()
            return f"no checkpoint was written, and nothing was left in {self.out}"
        return (
            f"{self.ckpt_path} holds step {self.last_checkpoint} (all its weights finite); "
            "the same command resumes from it"
        )

    def loop(self, bar: Any) -> None:
        """Train from ``self.step`` to ``run.steps``, logging and checkpointing on schedule."""
        run, method = self.run, self.method
        method.train()
        while self.step < run.steps:
            for batch in self.epoch_loader():
                self.stepper.global_step = self.step
                metrics = self.train_step(_to_device(batch, self.dev))
                self.step += 1
                record = dict(metrics) if _due(run.log_every, self.step) else {}
                if _due(run.eval_every, self.step) or self.step == run.steps:
                    record.update(self.run_callbacks())
                if record:
                    self.history.append({"step": self.step, **record})
                    self.log.record(self.history[-1])
                if _due(run.image_every, self.step) and self.log.writer is not None:
                    with _outside_training(method):
                        self.log.images(method.preview(batch), self.step)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix({k: f"{v:.3g}" for k, v in list(metrics.items())[:4]})
                if _due(run.ckpt_every, self.step) or self.step == run.steps:
                    self.checkpoint()
                if self.step >= run.steps:
                    break

    def epoch_loader(self) -> DataLoader:
        """The batches left in the current epoch, in the order an uninterrupted run sees."""
        epoch, offset = divmod(self.step, self.batches_per_epoch)
        self.sampler.set_epoch(epoch)
        self.sampler.set_start(offset * self.batch_size)
        return DataLoader(
            self.data,
            batch_size=self.batch_size,
            sampler=self.sampler,
            drop_last=True,
            num_workers=self.run.num_workers,
            pin_memory=self.dev.type == "cuda",
            generator=torch.Generator().manual_seed(self.run.seed * 1_000_003 + epoch),
        )

    def train_step(self, batch: Any) -> dict[str, float]:
        """The method's step under autocast; its logged values, checked to be finite."""
        with torch.autocast(
            self.dev.type,
            dtype=self.amp_dtype or torch.float32,
            enabled=self.amp_dtype is not None,
        ):
            metrics = self.method.training_step(batch, self.step, self.stepper)
        self.ddp.broadcast_buffers(self.method)
        out = {}
        for key, value in (metrics or {}).items():
            value = float(value)
            if not math.isfinite(value):
                raise NonFiniteLossError(f"{key} is {value} at step {self.step}")
            out[key] = value
        return out

    def run_callbacks(self) -> dict[str, float]:
        """The callbacks' values (rank 0, eval mode, no gradients, RNG streams untouched)."""
        if not self.ddp.is_main or not self.callbacks:
            return {}
        values: dict[str, float] = {}
        with _outside_training(self.method):
            for cb in self.callbacks:
                values.update({k: float(v) for k, v in (cb(self.method, self.step) or {}).items()})
        return values


def _due(every: int, step: int) -> bool:
    return bool(every) and step % every == 0


def _non_finite(t: torch.Tensor) -> bool:
    return t.is_floating_point() and not bool(torch.isfinite(t).all())


def _to_device(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


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


def _version() -> str:
    from companion import __version__

    return __version__
