"""One training loop for every method: devices, AMP, DDP, checkpoints, resume, logging.

:func:`fit` owns everything that is not the paper's algorithm. The method's ``training_step``
calls ``opt.step("D", loss)`` on the :class:`~companion.stepper.Stepper` that ``fit`` hands it.
The parts, each small enough to read on its own:

- :mod:`companion.train.loop`: :func:`fit` and its loop;
- :mod:`companion.train.checkpoint`: atomic checkpoints, every RNG state, resume checks;
- :mod:`companion.train.distributed`: the process group under ``torchrun``, the device;
- :mod:`companion.train.logs`: history file, TensorBoard, progress bar, preview grids.
"""

from companion.config import RunConfig
from companion.stepper import NonFiniteLossError, Stepper
from companion.train.checkpoint import (
    CHECKPOINT_NAME,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from companion.train.loop import ResumableSampler, fit

__all__ = [
    "CHECKPOINT_NAME",
    "CheckpointError",
    "NonFiniteLossError",
    "ResumableSampler",
    "RunConfig",
    "Stepper",
    "fit",
    "load_checkpoint",
    "save_checkpoint",
]
