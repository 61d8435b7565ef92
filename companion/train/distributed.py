"""The process group under ``torchrun``, and the device a run trains on.

On one process everything here is a no-op: :class:`Distributed` has ``world_size == 1`` and
:func:`choose_device` picks ``cuda:0`` when CUDA is available, else the CPU.
"""

from __future__ import annotations

import os
from typing import Any

import torch
import torch.distributed as dist

__all__ = ["Distributed", "amp_dtype", "choose_device"]


class Distributed:
    """The process group when launched by ``torchrun``; a no-op on a single process.

    Reads ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK`` and, with more than one process, starts the
    group (NCCL on GPUs, gloo on CPUs) unless one is already running; :meth:`close` ends only a
    group it started.
    """

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
        """Whether this is rank 0, the process that writes files and runs callbacks."""
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

    def gather(self, obj: Any) -> list[Any]:
        """Every rank's ``obj``, in rank order (``[obj]`` on one process)."""
        if self.world_size == 1:
            return [obj]
        gathered: list[Any] = [None] * self.world_size
        dist.all_gather_object(gathered, obj)
        return gathered

    def close(self) -> None:
        """End the process group if this object started it."""
        if self.started_here:
            dist.destroy_process_group()


def choose_device(device: str | torch.device | None, local_rank: int = 0) -> torch.device:
    """``device`` if given, else ``cuda:LOCAL_RANK`` when CUDA is available, else the CPU."""
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def amp_dtype(dev: torch.device, amp: bool | None) -> torch.dtype | None:
    """The autocast dtype: bf16 where supported, else fp16 (with loss scaling); None: no AMP.

    Raises:
        ValueError: for ``amp=True`` on a device other than CUDA.
    """
    if amp is None:
        amp = dev.type == "cuda"
    if not amp:
        return None
    if dev.type != "cuda":
        raise ValueError("amp=True needs a CUDA device; leave amp=None to decide automatically")
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
