"""Counter-based randomness and the base class of every synthetic domain.

A synthetic sample is a pure function of ``(seed, split, index)``: its random numbers come from a
hash of those integers (SplitMix64, Steele et al. 2014), not from a generator that carries state.
So sample 17 is the same whether it is drawn first or last, alone or in a batch, in one worker or
in eight, and a whole batch of indices is drawn with a handful of vectorised NumPy operations.

A domain subclasses :class:`SyntheticDataset` and writes two batched methods:
``sample_factors(index) -> {name: array (N,)}`` draws the ground-truth factors, and
``render(factors) -> {key: tensor (N, ...)}`` draws the images from them. Wrappers such as
:func:`companion.data.biased` change factors between the two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = [
    "SPLITS",
    "Oracle",
    "SyntheticDataset",
    "factors_to_tensors",
    "uniform",
    "unit_grid",
    "unstack",
]

SPLITS = {"train": 0, "test": 1, "val": 2}
"""Split names and the integer folded into the hash, so splits never share samples."""


@dataclasses.dataclass(frozen=True)
class Oracle:
    """What a synthetic dataset knows about any image of its target domain.

    Metrics read it from ``dataset.oracle`` (:func:`companion.metrics.evaluate`), so no caller
    passes a style function by hand.

    Attributes:
        style_of: images (N, 3, H, W) in [-1, 1] -> their styles, (N,) int64 in
            [0, num_styles).
        num_styles: K, the number of styles of the target domain.
    """

    style_of: Callable[[torch.Tensor], torch.Tensor]
    num_styles: int


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, elementwise on a uint64 array (wraps modulo 2**64)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def uniform(key: int, index: np.ndarray, stream: int, k: int = 1) -> np.ndarray:
    """Uniform numbers in [0, 1) that depend only on ``(key, index, stream, j)``.

    Args:
        key: an integer naming the dataset instance (its seed and split, see
            :meth:`SyntheticDataset.key`).
        index: (N,) integer sample indices.
        stream: an integer naming what the numbers are for (one per factor), so factors
            are independent.
        k: how many numbers per sample.

    Returns:
        (N, k) float64 in [0, 1).

    Example:
        >>> u = uniform(0, np.arange(3), stream=1, k=2)
        >>> u.shape, bool((uniform(0, np.arange(3), 1, 2) == u).all())
        ((3, 2), True)
    """
    with np.errstate(over="ignore"):
        idx = np.asarray(index, dtype=np.int64).astype(np.uint64).reshape(-1, 1)  # (N, 1)
        base = _mix(np.array([key], dtype=np.uint64) * _GOLDEN + np.uint64(stream))
        j = np.arange(k, dtype=np.uint64).reshape(1, -1)  # (1, k)
        h = _mix(_mix(base + idx * _GOLDEN) + (j + np.uint64(1)) * _M1)  # (N, k)
    return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53


def unit_grid(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in [-1, 1]: ``(xs, ys)``, each (H, W) float32, y pointing down."""
    t = (np.arange(resolution, dtype=np.float32) + 0.5) / resolution * 2.0 - 1.0
    ys, xs = np.meshgrid(t, t, indexing="ij")
    return xs, ys


class SyntheticDataset(Dataset):
    """A procedural domain whose sample ``i`` is a pure function of ``(seed, split, i)``.

    Subclasses implement :meth:`sample_factors` and :meth:`render`, both batched. Indexing one
    sample renders a batch of one; a ``DataLoader`` calls :meth:`__getitems__` with the whole batch
    of indices, which renders them together (much faster).

    Args:
        split: "train", "test" or "val"; each split draws different samples.
        resolution: image side H = W in pixels (at least 8).
        seed: a non-negative integer; same seed, same samples.
        size: number of samples (the dataset's length).
    """

    salt: int = 0
    """Folded into :attr:`key` so that two domains built with the same seed draw differently."""

    def __init__(self, *, split: str = "train", resolution: int = 32, seed: int = 0, size: int):
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose one of {sorted(SPLITS)}")
        if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 8:
            raise ValueError(f"resolution must be an int >= 8, got {resolution!r}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be a positive int, got {size!r}")
        self.split = split
        self.resolution = resolution
        self.seed = seed
        self.size = size

    @property
    def key(self) -> int:
        """The integer hashed with every index: seed and split folded together."""
        return (self.seed * len(SPLITS) + SPLITS[self.split]) * 64 + self.salt

    def uniform(self, index: np.ndarray, stream: int, k: int = 1) -> np.ndarray:
        """(N, k) uniforms in [0, 1) for ``index`` from this dataset's stream ``stream``."""
        return uniform(self.key, index, stream, k)

    def sample_factors(self, index: np.ndarray) -> dict[str, np.ndarray]:
        """Ground-truth factors of samples ``index``: ``{name: (N,) array}``."""
        raise NotImplementedError(f"{type(self).__name__} must implement sample_factors(index)")

    def render(self, factors: dict[str, np.ndarray], index: np.ndarray) -> dict[str, Any]:
        """Images of a batch from its factors: ``{key: (N, ...) tensor, "factors": {...}}``."""
        raise NotImplementedError(f"{type(self).__name__} must implement render(factors, index)")

    def __len__(self) -> int:
        return self.size

    def _check_index(self, index: Sequence[int]) -> np.ndarray:
        idx = np.asarray(index, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < -self.size or idx.max() >= self.size):
            bad = idx[(idx < -self.size) | (idx >= self.size)][0]
            raise IndexError(
                f"index {int(bad)} out of range for {type(self).__name__} of size {self.size}"
            )
        return np.where(idx < 0, idx + self.size, idx)

    def batch(self, index: Sequence[int]) -> dict[str, Any]:
        """Samples ``index`` rendered together, stacked: tensors (N, ...), factors (N,)."""
        idx = self._check_index(index)
        return self.render(self.sample_factors(idx), idx)

    def __getitems__(self, index: Sequence[int]) -> list[dict[str, Any]]:
        return unstack(self.batch(index), len(index))

    def __getitem__(self, index: int) -> dict[str, Any]:
        return unstack(self.batch([index]), 1)[0]


def factors_to_tensors(factors: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Integer arrays to int64 tensors, float arrays to float32 tensors."""
    out = {}
    for name, value in factors.items():
        value = np.asarray(value)
        if np.issubdtype(value.dtype, np.integer):
            out[name] = torch.from_numpy(value.astype(np.int64))
        else:
            out[name] = torch.from_numpy(value.astype(np.float32))
    return out


def unstack(batch: Any, n: int) -> list[Any]:
    """Split a (possibly nested) dict of (N, ...) tensors into N per-sample dicts."""
    if isinstance(batch, dict):
        parts = {k: unstack(v, n) for k, v in batch.items()}
        return [{k: parts[k][i] for k in batch} for i in range(n)]
    if isinstance(batch, torch.Tensor):
        return list(batch.unbind(0))
    raise TypeError(f"cannot unstack a batch entry of type {type(batch).__name__}")
