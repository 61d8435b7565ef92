"""Checkpoints: written atomically, loaded without executing code, checked before a resume.

A checkpoint holds the method's state, every optimizer and gradient scaler, the step, the
history and every random generator (Python, NumPy, torch CPU and CUDA), so that a run killed after
a checkpoint and resumed reaches the same parameters and losses as one that was never interrupted.
"""

from __future__ import annotations

import os
import pickle
import random
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from companion.config import PresetConfig

__all__ = [
    "CHECKPOINT_NAME",
    "CheckpointError",
    "check_resumable",
    "load_checkpoint",
    "rng_state",
    "save_checkpoint",
    "set_rng_state",
]

CHECKPOINT_NAME = "checkpoint.pt"


class CheckpointError(RuntimeError):
    """A checkpoint cannot be loaded or does not belong to the run that wants to resume it."""


def save_checkpoint(path: str | os.PathLike, state: Mapping[str, Any]) -> Path:
    """Write ``state`` atomically: to a temporary file, fsync, then ``os.replace``.

    A crash while writing leaves the previous checkpoint intact (and no temporary file behind
    when the failure is an exception in this process).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            torch.save(dict(state), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_checkpoint(path: str | os.PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Load a checkpoint written by :func:`companion.train.fit`, with ``weights_only=True``.

    Args:
        path: the file, or a run folder holding ``checkpoint.pt``.
        map_location: where tensors go.

    Raises:
        FileNotFoundError: if there is no file at ``path``.
        CheckpointError: for a truncated or corrupt file, or one holding pickled objects that
            weights-only loading refuses (never executed); the message names the file.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        raise CheckpointError(
            f"{path} holds objects that a safe (weights-only) load refuses, so it was not "
            "loaded: it was not written by companion. Remove it, or start a fresh run with "
            "--no-resume or another --out"
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as err:
        raise CheckpointError(
            f"{path} is truncated or corrupt ({type(err).__name__}); remove it, or start a "
            "fresh run with --no-resume or another --out"
        ) from None


def rng_state() -> dict[str, Any]:
    """Every global random generator's state, storable under weights-only loading."""
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


def set_rng_state(state: Mapping[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
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


def _resumable_change(key: str) -> bool:
    """Fields that may change on resume: learning rates (applied to the restored optimizers)."""
    return key == "lr" or key.startswith("lr_") or key.endswith("_lr")


def check_resumable(
    state: Mapping[str, Any], method_name: str, cfg: PresetConfig, path: Path
) -> list[str]:
    """Check that a checkpoint can continue this run; return the changed learning rates.

    A run resumes only the method and config it was started with. Learning rates may change
    (the caller applies the new ones to the restored optimizers); any other difference is
    refused, because the restored state would silently keep the old setting.

    Args:
        state: the loaded checkpoint.
        method_name: the registry name of the method about to resume.
        cfg: its config.
        path: the checkpoint's path, for messages.

    Returns:
        The names of the changed learning-rate fields (empty if none changed).

    Raises:
        CheckpointError: for another method's checkpoint or a changed non-resumable field.
    """
    saved_method = state.get("method_name")
    if saved_method is not None and saved_method != method_name:
        raise CheckpointError(
            f"{path} is a checkpoint of {saved_method!r}, not {method_name!r}; resume it with "
            f"'companion train {saved_method}', or start a fresh {method_name} run with "
            "--no-resume (it overwrites that checkpoint) or another --out"
        )
    saved = dict(state.get("config", {}))
    current = cfg.to_dict()
    changed = sorted(k for k in current.keys() | saved.keys() if current.get(k) != saved.get(k))
    refused = [k for k in changed if not _resumable_change(k)]
    if refused:
        diffs = ", ".join(f"{k}: {saved.get(k)!r} -> {current.get(k)!r}" for k in refused)
        raise CheckpointError(
            f"the run in {path.parent} was trained with another config ({diffs}); resuming would "
            "keep the old values. Drop the changed --set/--preset, or start a fresh run with "
            "--no-resume or another --out (learning rates may change on resume)"
        )
    return changed
