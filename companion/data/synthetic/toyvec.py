"""Two domains of vectors with exact probes of content, style and realism (``toyvec``).

Each sample is ``x = tanh(g Q [c; s])`` in R^16 with ``g = 0.8``: a content ``c ~ U[-1, 1]^2``
shared by both domains, a style ``s`` in R^2 from the domain's mixture of Gaussians (std 0.15),
and a fixed matrix ``Q`` (16 x 4, orthonormal columns) per domain, so the same content looks
different in the two domains. Domain A (the sources) has 2 style modes, at (+-1, 0); domain B
(the targets) has 4, at (+-1, +-1): given a source, a faithful translation keeps ``c`` and may
take any of B's four styles, so the target is multimodal, as faces or paintings are.

Because ``Q`` is known, any vector claimed to be of a domain can be read exactly: undo the tanh,
``u = atanh(x) / g``, project ``[c_hat; s_hat] = Q^T u``, and measure how far ``u`` lies from
the domain's 4-dimensional subspace (the *manifold residual*, 0 on real data): a realism score
that needs no learned classifier.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from companion.data.synthetic.base import SPLITS, uniform, unstack

__all__ = ["TOYVEC_MODES", "ToyVectors"]

TOYVEC_MODES = {
    "a": np.array([[1.0, 0.0], [-1.0, 0.0]]),
    "b": np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]]),
}
"""The style modes of each domain, (K, 2): 2 in A, 4 in B."""


def _bases(dim: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``Q_A``, ``Q_B`` (dim x 4, orthonormal columns): content columns shared, style apart."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, 6)))  # (dim, 6)
    return {"a": q[:, [0, 1, 2, 3]], "b": q[:, [0, 1, 4, 5]]}


class ToyVectors(Dataset):
    """Unpaired vectors of two domains: ``{"a", "b", "factors": {"a": {...}, "b": {...}}}``.

    ``a`` and ``b`` are (16, 1, 1) float32 in (-1, 1), stored as 1x1 images so that translation
    methods take them unchanged; factors per domain: ``content`` (2,), ``style`` (2,),
    ``mode`` (int). Sample ``i`` is a pure function of ``(seed, split, i)``; the two domains
    are drawn independently. The matrices ``Q_A``, ``Q_B`` are the same for every seed.

    Args:
        split: "train", "test" or "val".
        seed: a non-negative int.
        size: number of samples (default 10,000 for train, 2,000 otherwise).
        resolution: accepted for the loaders' common signature and ignored (vectors).

    Example:
        >>> ds = ToyVectors(size=4)
        >>> s = ds[0]
        >>> s["a"].shape, int(s["factors"]["b"]["mode"]) in range(4)
        (torch.Size([16, 1, 1]), True)
        >>> round(float(ds.probe(ds.batch([0, 1])["b"], "b")["residual"].max()), 6)
        0.0
    """

    dim, gain, style_std = 16, 0.8, 0.15

    def __init__(
        self, *, split: str = "train", seed: int = 0, size: int | None = None, resolution: int = 1
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose one of {sorted(SPLITS)}")
        del resolution
        if seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        self.split, self.seed = split, seed
        self.size = size or (10_000 if split == "train" else 2_000)
        self.q = _bases(self.dim)  # (16, 4) each

    def __len__(self) -> int:
        return self.size

    def factors(self, index: np.ndarray, domain: str) -> dict[str, np.ndarray]:
        """``content`` (N, 2), ``style`` (N, 2), ``mode`` (N,) of samples ``index``."""
        key = (self.seed * len(SPLITS) + SPLITS[self.split]) * 64 + {"a": 1, "b": 2}[domain]
        modes = TOYVEC_MODES[domain]
        content = uniform(key, index, 0, 2) * 2 - 1  # (N, 2)
        mode = (uniform(key, index, 1)[:, 0] * len(modes)).astype(np.int64)  # (N,)
        u1, u2 = uniform(key, index, 2, 2).T  # Box-Muller, (N,) each
        radius = np.sqrt(-2 * np.log1p(-u1))[:, None]  # (N, 1)
        angle = 2 * math.pi * u2[:, None]
        noise = radius * np.concatenate([np.cos(angle), np.sin(angle)], 1)  # (N, 2)
        return {"content": content, "style": modes[mode] + self.style_std * noise, "mode": mode}

    def render(self, content: Any, style: Any, domain: str) -> torch.Tensor:
        """``tanh(g Q [c; s])``: contents (N, 2) and styles (N, 2) to vectors (N, 16, 1, 1)."""
        cs = np.concatenate([np.asarray(content), np.asarray(style)], 1)  # (N, 4)
        x = np.tanh(self.gain * cs @ self.q[domain].T)  # (N, 16)
        return torch.from_numpy(x.astype(np.float32)).view(-1, self.dim, 1, 1)

    def batch(self, index: Any) -> dict[str, Any]:
        """Samples ``index`` together: ``a``, ``b`` (N, 16, 1, 1), factors (N, ...) per domain."""
        idx = np.asarray(index, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < 0 or idx.max() >= self.size):
            raise IndexError(f"index out of range for ToyVectors of size {self.size}")
        out: dict[str, Any] = {"factors": {}}
        for d in ("a", "b"):
            f = self.factors(idx, d)
            out[d] = self.render(f["content"], f["style"], d)
            out["factors"][d] = {k: torch.from_numpy(v) for k, v in f.items()}
        return out

    def __getitems__(self, index: list[int]) -> list[dict[str, Any]]:
        return unstack(self.batch(index), len(index))

    def __getitem__(self, index: int) -> dict[str, Any]:
        return unstack(self.batch([index]), 1)[0]

    def probe(self, x: torch.Tensor, domain: str = "b") -> dict[str, torch.Tensor]:
        """Exact read-out of vectors ``x`` (N, 16, 1, 1) claimed to be of ``domain``.

        Returns:
            ``content`` (N, 2) and ``style`` (N, 2): the projection ``Q^T atanh(x) / g``;
            ``mode`` (N,): the nearest style mode; ``residual`` (N,): the RMS distance of
            ``atanh(x) / g`` from the domain's subspace (0 for real data, higher is less real).
        """
        q = torch.as_tensor(self.q[domain], dtype=torch.float64)  # (16, 4)
        u = torch.atanh(x.flatten(1).double().clamp(-0.999, 0.999)) / self.gain  # (N, 16)
        coef = u @ q  # (N, 4)
        residual = (u - coef @ q.T).norm(dim=1) / math.sqrt(self.dim)
        modes = torch.as_tensor(TOYVEC_MODES[domain])  # (K, 2)
        mode = torch.cdist(coef[:, 2:], modes).argmin(1)
        return {"content": coef[:, :2], "style": coef[:, 2:], "mode": mode, "residual": residual}
