"""Samplers of (x, y) pairs whose mutual information is known: the input of the staircase.

A sampler is any object with ``dim_x``, ``dim_y``, ``entropy_x`` and a call
``sampler(mi, n, generator) -> (x, y)`` that draws n joint pairs with I(X; Y) = ``mi`` nats
(:class:`PairSampler`). :func:`companion.mi.run_staircase` trains every estimator on one.

:class:`GaussianPairs` covers the two families that keep the MI in closed form:

- per-coordinate correlations: coordinate d carries a share ``w_d`` of the MI, so its
  correlation is ``rho_d = sqrt(1 - exp(-2 w_d I))`` and ``I = sum_d -1/2 log(1 - rho_d^2)``;
- an invertible coordinatewise map of y (e.g. ``y -> y^3``): MI is invariant under invertible
  maps of either variable, so the truth is unchanged while the inputs a critic sees can become
  heavy-tailed (the ``cubic`` option of Poole et al.'s demo code, which Song & Ermon 2020 run
  beside the Gaussian staircase).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor

from companion.mi.gaussian import gaussian_entropy

__all__ = ["GaussianPairs", "PairSampler", "cube"]


@runtime_checkable
class PairSampler(Protocol):
    """What :func:`companion.mi.run_staircase` needs from a sampler of known MI.

    Attributes:
        dim_x: features of x.
        dim_y: features of y.
        entropy_x: H(X) in nats if known in closed form (the BA estimator needs it), else None.
    """

    dim_x: int
    dim_y: int
    entropy_x: float | None

    def __call__(self, mi: float, n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """Draw n joint pairs with I(X; Y) = mi nats: (n, dim_x) and (n, dim_y) float32."""
        ...


def cube(y: Tensor) -> Tensor:
    """``y ** 3``: an invertible map that gives a Gaussian heavy tails (kurtosis about 36).

    Example:
        >>> cube(torch.tensor([-2.0, 0.5])).tolist()
        [-8.0, 0.125]
    """
    return y**3


@dataclasses.dataclass(frozen=True)
class GaussianPairs:
    """Correlated Gaussians with per-coordinate MI shares and an optional invertible map of y.

    ``x ~ N(0, I_D)``, ``y = rho * x + sqrt(1 - rho^2) * eps`` coordinatewise, then
    ``y <- transform(y)``. With ``shares = None`` every coordinate has the same correlation,
    ``rho = sqrt(1 - exp(-2 I / D))`` (Poole et al. 2019, Sec. 4), and the draws are those of
    :func:`companion.mi.sample_correlated_gaussian`.

    Args:
        dim: D, the dimension of x and y.
        shares: None (equal), or D non-negative weights, normalised to sum to 1: the share of
            the MI that each coordinate carries (a zero share makes that coordinate independent).
        transform: None, or an invertible coordinatewise map applied to y, e.g. :func:`cube`;
            it leaves I(X; Y) unchanged.

    Raises:
        ValueError: if dim < 1, or shares has the wrong length, a negative or an all-zero entry.

    Example:
        >>> sampler = GaussianPairs(3, shares=(1.0, 1.0, 2.0), transform=cube)
        >>> x, y = sampler(2.0, 5, torch.Generator().manual_seed(0))
        >>> tuple(x.shape), tuple(y.shape), [round(r, 3) for r in sampler.correlations(2.0)]
        ((5, 3), (5, 3), [0.795, 0.795, 0.93])
    """

    dim: int = 20
    shares: tuple[float, ...] | None = None
    transform: Callable[[Tensor], Tensor] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.dim, bool) or not isinstance(self.dim, int) or self.dim < 1:
            raise ValueError(f"dim must be a positive int, got {self.dim!r}")
        if self.shares is not None:
            shares = tuple(float(w) for w in self.shares)
            if len(shares) != self.dim or min(shares) < 0 or sum(shares) <= 0:
                raise ValueError(
                    f"shares must be {self.dim} non-negative weights with a positive sum, got "
                    f"{self.shares!r}; pass None for equal shares"
                )
            object.__setattr__(self, "shares", tuple(w / sum(shares) for w in shares))

    @property
    def dim_x(self) -> int:
        return self.dim

    @property
    def dim_y(self) -> int:
        return self.dim

    @property
    def entropy_x(self) -> float:
        """H(X) of the standard normal x, in nats (untouched by the map of y)."""
        return gaussian_entropy(self.dim)

    def correlations(self, mi: float) -> list[float]:
        """The D per-coordinate correlations that give ``mi`` nats in all."""
        if mi < 0:
            raise ValueError(f"mi must be >= 0 nats, got {mi!r}")
        shares = self.shares or (1.0 / self.dim,) * self.dim
        return [math.sqrt(-math.expm1(-2.0 * mi * w)) for w in shares]

    def __call__(self, mi: float, n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """Draw n pairs with I(X; Y) = mi nats: two (n, D) float32 tensors on the CPU."""
        x = torch.randn(n, self.dim, generator=generator)
        noise = torch.randn(n, self.dim, generator=generator)
        if self.shares is None:
            rho = math.sqrt(-math.expm1(-2.0 * mi / self.dim))
            y = rho * x + math.sqrt(1.0 - rho**2) * noise  # (n, D)
        else:
            rho_d = torch.tensor(self.correlations(mi), dtype=torch.float64)
            scale = torch.sqrt(1.0 - rho_d.square())
            y = (rho_d * x.double() + scale * noise.double()).float()  # (n, D)
        if self.transform is not None:
            y = self.transform(y)
        return x, y
