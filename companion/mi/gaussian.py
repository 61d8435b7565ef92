"""Correlated Gaussians: the test bed with mutual information known in closed form.

``x ~ N(0, I_d)`` and ``y = rho x + sqrt(1 - rho^2) eps`` with ``eps ~ N(0, I_d)``: each of the d
coordinate pairs has correlation rho, so ``I(X; Y) = -d/2 log(1 - rho^2)`` nats. Poole et al.
(2019, Sec. 4) raise the MI in steps of 2 nats ("the staircase") to show how each estimator
tracks, saturates or blows up; :func:`rho_from_mi` inverts the formula for each step.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "gaussian_entropy",
    "gaussian_mi",
    "gaussian_pmi",
    "mi_staircase",
    "rho_from_mi",
    "sample_correlated_gaussian",
]


def _check_dim(dim: int) -> None:
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise ValueError(f"dim must be a positive int, got {dim!r}")


def gaussian_mi(rho: float | Tensor, dim: int = 1) -> float | Tensor:
    """Mutual information ``-dim/2 log(1 - rho^2)`` of ``dim`` pairs with correlation rho (nats).

    Args:
        rho: correlation in (-1, 1), a float or a tensor of any shape.
        dim: number of independent coordinate pairs.

    Returns:
        I(X; Y) in nats, of the same kind as ``rho``.

    Raises:
        ValueError: if dim < 1 or abs(rho) >= 1 (the MI would be infinite).

    Example:
        >>> round(gaussian_mi(0.5, dim=2), 4)
        0.2877
    """
    _check_dim(dim)
    if isinstance(rho, Tensor):
        if bool((rho.abs() >= 1).any()):
            raise ValueError("rho must lie in (-1, 1); |rho| = 1 gives infinite MI")
        return -0.5 * dim * torch.log1p(-rho.square())
    if not -1.0 < rho < 1.0:
        raise ValueError(f"rho must lie in (-1, 1), got {rho!r}; |rho| = 1 gives infinite MI")
    return -0.5 * dim * math.log1p(-(rho**2))


def rho_from_mi(mi: float | Tensor, dim: int = 1) -> float | Tensor:
    """The correlation that gives ``mi`` nats over ``dim`` pairs: ``sqrt(1 - exp(-2 mi / dim))``.

    Args:
        mi: target MI in nats, >= 0 (float or tensor).
        dim: number of coordinate pairs.

    Returns:
        rho in [0, 1), of the same kind as ``mi``.

    Raises:
        ValueError: if mi < 0 or dim < 1.

    Example:
        >>> round(rho_from_mi(gaussian_mi(0.8, dim=20), dim=20), 6)
        0.8
    """
    _check_dim(dim)
    if isinstance(mi, Tensor):
        if bool((mi < 0).any()):
            raise ValueError("mi must be >= 0 nats")
        return torch.sqrt(-torch.expm1(-2.0 * mi / dim))
    if mi < 0:
        raise ValueError(f"mi must be >= 0 nats, got {mi!r}")
    return math.sqrt(-math.expm1(-2.0 * mi / dim))


def gaussian_entropy(dim: int, var: float = 1.0) -> float:
    """Differential entropy of ``N(0, var I_dim)``: ``dim/2 log(2 pi e var)`` nats.

    Example:
        >>> round(gaussian_entropy(1), 4)
        1.4189
    """
    _check_dim(dim)
    if not var > 0:
        raise ValueError(f"var must be positive, got {var!r}")
    return 0.5 * dim * math.log(2.0 * math.pi * math.e * var)


def sample_correlated_gaussian(
    n: int,
    dim: int,
    rho: float,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> tuple[Tensor, Tensor]:
    """Draw n joint samples ``(x, y)`` with ``y = rho x + sqrt(1 - rho^2) eps``.

    Args:
        n: number of pairs.
        dim: dimension d of x and y.
        rho: per-coordinate correlation in (-1, 1).
        generator: torch.Generator on ``device`` (or None for the global RNG).
        dtype, device: of the returned tensors.

    Returns:
        ``(x, y)``, each (n, dim) float; marginally standard normal, I(X; Y) =
        ``gaussian_mi(rho, dim)`` nats.

    Raises:
        ValueError: if n < 1, dim < 1 or abs(rho) >= 1.

    Example:
        >>> x, y = sample_correlated_gaussian(4, 3, 0.5, torch.Generator().manual_seed(0))
        >>> tuple(x.shape), tuple(y.shape)
        ((4, 3), (4, 3))
    """
    _check_dim(dim)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not -1.0 < rho < 1.0:
        raise ValueError(f"rho must lie in (-1, 1), got {rho!r}")
    x = torch.randn(n, dim, generator=generator, dtype=dtype, device=device)
    eps = torch.randn(n, dim, generator=generator, dtype=dtype, device=device)
    y = rho * x + math.sqrt(1.0 - rho**2) * eps
    return x, y


def gaussian_pmi(x: Tensor, y: Tensor, rho: float) -> Tensor:
    """Pointwise MI ``log p(x, y) / (p(x) p(y))`` of the correlated Gaussian, on all pairs.

    ``PMI(x, y) = -d/2 log(1 - rho^2) - |y - rho x|^2 / (2 (1 - rho^2)) + |y|^2 / 2``.
    Its mean over joint pairs is I(X; Y); it is the optimal critic of the DV, JSD and InfoNCE
    bounds (NWJ wants ``1 +`` it).

    Args:
        x: (N, D) float.
        y: (M, D) float.
        rho: the correlation used to draw them, in (-1, 1).

    Returns:
        (N, M) float, entry (i, j) the PMI of (x_i, y_j) in nats.

    Raises:
        ValueError: on shape mismatch or abs(rho) >= 1.

    Example:
        >>> x, y = sample_correlated_gaussian(20000, 2, 0.6, torch.Generator().manual_seed(0))
        >>> pmi = gaussian_pmi(x[:500], y[:500], 0.6)  # (500, 500)
        >>> bool(abs(pmi.diagonal().mean() - gaussian_mi(0.6, 2)) < 0.1)
        True
    """
    if x.dim() != 2 or y.dim() != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(
            f"x and y must be (N, D) and (M, D) with the same D, got {tuple(x.shape)} "
            f"and {tuple(y.shape)}"
        )
    d = x.shape[1]
    var = 1.0 - rho**2
    mi = gaussian_mi(rho, d)
    diff = y.unsqueeze(0) - rho * x.unsqueeze(1)  # (N, M, D)
    return mi - diff.square().sum(-1) / (2.0 * var) + 0.5 * y.square().sum(-1).unsqueeze(0)


def mi_staircase(
    levels: tuple[float, ...] = (2.0, 4.0, 6.0, 8.0, 10.0), steps: int = 4000
) -> Tensor:
    """True MI at each training step of the staircase: each level held for ``steps`` steps.

    Poole et al. (2019, Fig. 2): 2, 4, 6, 8, 10 nats, 4000 steps each (20000 in all).

    Args:
        levels: MI per level in nats, each >= 0.
        steps: steps per level, >= 1.

    Returns:
        (len(levels) * steps,) float64 tensor of MI in nats.

    Raises:
        ValueError: if levels is empty, a level is negative or steps < 1.

    Example:
        >>> mi_staircase((2.0, 4.0), steps=2).tolist()
        [2.0, 2.0, 4.0, 4.0]
    """
    if len(levels) == 0 or any(level < 0 for level in levels):
        raise ValueError(f"levels must be a non-empty tuple of MIs >= 0 nats, got {levels!r}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps!r}")
    return torch.tensor(levels, dtype=torch.float64).repeat_interleave(steps)
