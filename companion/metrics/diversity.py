"""Diversity of translations: average pairwise distance between samples of the same input.

Diversity = mean over inputs and over a protocol's pairs of samples of d(b_hat_i, b_hat_j), with d
usually LPIPS (:func:`~companion.metrics.lpips.build_lpips`). Higher is more diverse; 0 means the
generator ignores its code. Which pairs are compared changes the number, so the protocol is named
and recorded:

- ``"bicyclegan"``: 20 samples per input, the 19 consecutive pairs (1-2, 2-3, ..., 19-20), as in
  BicycleGAN (Zhu et al. 2017, Sec. 5) and SEGAN (App. E: 100 test inputs x 19 pairs);
- ``"stargan_v2"``: 10 samples per input, all 45 pairs, as in StarGAN v2 (Choi et al. 2020, Sec. 4).

Both are unbiased estimates of the same expectation E[d(G(a, z1), G(a, z2))] for i.i.d. codes,
but with different sample counts and variances; the number of inputs and the distance network
differ between papers too (see the book's appendix on evaluation protocols).

A third protocol measures something else, the diversity of a *set* of images:

- ``"sdit_set"``: random pairs of distinct images within one target domain's outputs, *across*
  inputs (:func:`set_diversity`); the same on real images of the domain gives the "Real data" row.
  This is how SDIT's Ch. 6 tables must have been computed (inferred: deterministic StarGAN and
  CycleGAN score 0.43-0.59 there, where the per-input protocols give exactly 0 to any
  deterministic translator). It mixes the spread of the inputs with the spread the codes add.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from itertools import combinations
from typing import Any

import torch

from companion.metrics.sampling import sample_translations

__all__ = [
    "DIVERSITY_PROTOCOLS",
    "DiversityMeter",
    "DiversityProtocol",
    "diversity",
    "pair_indices",
    "pairwise_diversity",
    "pixel_l1",
    "set_diversity",
]


def pixel_l1(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Mean absolute pixel difference of paired images: a distance for the diversity metrics.

    The cheap stand-in for LPIPS where ImageNet weights are not at hand (the ``cpu`` chapters).
    Its unit is the images' own: on images in [-1, 1] it lies in [0, 2].

    Args:
        u: images (M, C, H, W).
        v: images (M, C, H, W).

    Returns:
        (M,) distances.

    Example:
        >>> pixel_l1(torch.zeros(2, 3, 4, 4), torch.ones(2, 3, 4, 4))
        tensor([1., 1.])
    """
    return (u - v).abs().mean((1, 2, 3))


@dataclasses.dataclass(frozen=True)
class DiversityProtocol:
    """How diversity pairs are drawn.

    Attributes:
        name: protocol name recorded in results.
        n_samples: samples per input (K).
        pairs: ``"consecutive"`` (K - 1 pairs) or ``"all"`` (K (K - 1) / 2 pairs) of one input's
            samples, or ``"set"``: random pairs across a whole output set (:func:`set_diversity`).
        n_inputs: inputs the paper used (None: all test inputs).
        source: where the protocol is stated.
    """

    name: str
    n_samples: int
    pairs: str
    n_inputs: int | None
    source: str


DIVERSITY_PROTOCOLS: dict[str, DiversityProtocol] = {
    "bicyclegan": DiversityProtocol(
        "bicyclegan", 20, "consecutive", 100, "BicycleGAN Sec. 5; SEGAN App. E (100 x 19 pairs)"
    ),
    "stargan_v2": DiversityProtocol(
        "stargan_v2", 10, "all", None, "StarGAN v2 Sec. 4 (10 outputs per input, all pairs)"
    ),
    "sdit_set": DiversityProtocol(
        "sdit_set",
        10,
        "set",
        None,
        "SDIT thesis Ch. 6, Tables 6.1-6.4 (10 outputs per input; random pairs within a target "
        "domain's outputs across inputs: our reading, the thesis does not say how pairs are drawn)",
    ),
}
"""The named diversity protocols."""


def _protocol(protocol: str | DiversityProtocol) -> DiversityProtocol:
    if isinstance(protocol, DiversityProtocol):
        return protocol
    if protocol not in DIVERSITY_PROTOCOLS:
        raise ValueError(
            f"unknown diversity protocol {protocol!r}; choose one of {list(DIVERSITY_PROTOCOLS)} "
            "or pass a DiversityProtocol"
        )
    return DIVERSITY_PROTOCOLS[protocol]


def pair_indices(n_samples: int, pairs: str) -> torch.Tensor:
    """Index pairs (i, j) of samples to compare.

    Args:
        n_samples: K samples per input.
        pairs: ``"consecutive"`` or ``"all"``.

    Returns:
        (P, 2) long; P = K - 1 or K (K - 1) / 2.

    Example:
        >>> pair_indices(3, "consecutive").tolist(), pair_indices(3, "all").tolist()
        ([[0, 1], [1, 2]], [[0, 1], [0, 2], [1, 2]])
    """
    if n_samples < 2:
        raise ValueError(f"diversity needs at least 2 samples per input, got {n_samples}")
    if pairs == "consecutive":
        return torch.stack([torch.arange(n_samples - 1), torch.arange(1, n_samples)], dim=1)
    if pairs == "all":
        return torch.tensor(list(combinations(range(n_samples), 2)))
    raise ValueError(f"unknown pairs {pairs!r}; use 'consecutive' or 'all'")


def pairwise_diversity(
    samples: torch.Tensor,
    distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    pairs: str = "all",
    batch_size: int = 128,
) -> torch.Tensor:
    """Mean distance over pairs of samples, for each input.

    Args:
        samples: (N, K, C, H, W) float in [-1, 1]: K samples for each of N inputs.
        distance: maps two (M, C, H, W) batches to (M,) distances (e.g. a PerceptualDistance).
        pairs: ``"consecutive"`` or ``"all"``.
        batch_size: pairs per distance call.

    Returns:
        (N,) float64 mean pairwise distance per input.

    Example:
        >>> x = torch.zeros(2, 4, 3, 8, 8)
        >>> pairwise_diversity(x, pixel_l1).tolist()
        [0.0, 0.0]
    """
    if samples.dim() != 5:
        raise ValueError(f"expected samples of shape (N, K, C, H, W), got {tuple(samples.shape)}")
    n, k = samples.shape[:2]
    idx = pair_indices(k, pairs)  # (P, 2)
    first = samples[:, idx[:, 0]].reshape(n * len(idx), *samples.shape[2:])  # (N*P, C, H, W)
    second = samples[:, idx[:, 1]].reshape(n * len(idx), *samples.shape[2:])  # (N*P, C, H, W)
    d = torch.cat(
        [
            distance(first[i : i + batch_size], second[i : i + batch_size]).double().cpu()
            for i in range(0, n * len(idx), batch_size)
        ]
    )
    return d.reshape(n, len(idx)).mean(dim=1)  # (N,)


class DiversityMeter:
    """Accumulates pairwise diversity over batches of inputs; higher is more diverse.

    State: the sum of per-input means and the number of inputs, in float64, so batches of any size
    combine exactly.

    Args:
        distance: a pair distance, e.g. ``build_lpips("lpips-alex")``.
        protocol: a name in :data:`DIVERSITY_PROTOCOLS` or a :class:`DiversityProtocol`.

    Example:
        >>> meter = DiversityMeter(pixel_l1, "stargan_v2")
        >>> meter.update(torch.zeros(3, 10, 3, 8, 8))
        >>> meter.compute()
        0.0
    """

    def __init__(
        self,
        distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        protocol: str | DiversityProtocol = "bicyclegan",
    ) -> None:
        self.distance = distance
        self.protocol = _protocol(protocol)
        if self.protocol.pairs == "set":
            raise ValueError(
                f"protocol {self.protocol.name!r} pairs images across inputs; measure it with "
                "set_diversity(images, distance) on one target domain's outputs"
            )
        self.reset()

    def reset(self) -> None:
        """Forget all accumulated inputs."""
        self.total = torch.zeros((), dtype=torch.float64)
        self.n_inputs = 0

    def update(self, samples: torch.Tensor) -> None:
        """Add (N, K, C, H, W) samples; K must equal the protocol's ``n_samples``."""
        if samples.dim() != 5 or samples.shape[1] != self.protocol.n_samples:
            raise ValueError(
                f"protocol {self.protocol.name!r} needs samples of shape (N, "
                f"{self.protocol.n_samples}, C, H, W), got {tuple(samples.shape)}"
            )
        per_input = pairwise_diversity(samples, self.distance, self.protocol.pairs)
        self.total += per_input.sum()
        self.n_inputs += samples.shape[0]

    def compute(self) -> float:
        """Mean pairwise distance over all inputs seen."""
        if self.n_inputs == 0:
            raise RuntimeError("DiversityMeter.compute called before any update")
        return float(self.total / self.n_inputs)


def diversity(
    method: Any,
    a: torch.Tensor,
    distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    protocol: str | DiversityProtocol = "bicyclegan",
    generator: torch.Generator | None = None,
    batch_inputs: int = 16,
) -> dict:
    """Sample a method's translations under a named protocol and measure their diversity.

    Args:
        method: has ``translate(a, z)`` and ``code_dim``.
        a: (N, C, H, W) float in [-1, 1]: the inputs (the protocol's ``n_inputs`` is not enforced;
            the count used is recorded).
        distance: a pair distance; a :class:`~companion.metrics.lpips.PerceptualDistance` records
            its backend.
        protocol: name or :class:`DiversityProtocol`.
        generator: for the codes.
        batch_inputs: inputs translated at a time.

    Returns:
        JSON-able dict: ``value``, ``protocol`` (its fields), ``n_inputs``, ``n_pairs`` and
        ``distance`` (backend description, or the callable's name).
    """
    proto = _protocol(protocol)
    meter = DiversityMeter(distance, proto)
    for i in range(0, a.shape[0], batch_inputs):
        meter.update(
            sample_translations(method, a[i : i + batch_inputs], proto.n_samples, generator)
        )
    describe = getattr(distance, "describe", None)
    n_pairs = len(pair_indices(proto.n_samples, proto.pairs))
    return {
        "value": meter.compute(),
        "protocol": dataclasses.asdict(proto),
        "n_inputs": meter.n_inputs,
        "n_pairs": meter.n_inputs * n_pairs,
        "distance": describe() if describe else getattr(distance, "__name__", repr(distance)),
    }


def set_diversity(
    images: torch.Tensor,
    distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    n_pairs: int = 1000,
    generator: torch.Generator | None = None,
    batch_size: int = 128,
) -> float:
    """Mean distance between random pairs of distinct images of one set (the ``"sdit_set"``
    protocol).

    Each pair is (i, j) with i uniform and j uniform among the other images, so the value
    estimates E[d(x_i, x_j)] over pairs of distinct members of the set, whichever inputs they
    came from. On one target domain's translations it is SDIT's LPIPS (Ch. 6); on real images of
    the domain it is the "Real data" row. A deterministic translator scores > 0 here as soon as
    its inputs differ; identical images score 0.

    Args:
        images: (N, C, H, W) float in [-1, 1], N >= 2: e.g. all outputs for one target domain
            (K samples of each input, flattened).
        distance: maps two (M, C, H, W) batches to (M,) distances.
        n_pairs: random pairs drawn.
        generator: for the pairs.
        batch_size: pairs per distance call.

    Returns:
        The mean pair distance.

    Example:
        >>> x = torch.stack([torch.zeros(3, 4, 4), torch.ones(3, 4, 4)])
        >>> set_diversity(x, pixel_l1, n_pairs=10), set_diversity(torch.zeros(5, 3, 4, 4), pixel_l1)
        (1.0, 0.0)
    """
    if images.dim() != 4 or len(images) < 2:
        raise ValueError(
            f"expected a set of at least 2 images (N, C, H, W), got {tuple(images.shape)}"
        )
    n = len(images)
    first = torch.randint(0, n, (n_pairs,), generator=generator)  # (P,)
    second = (first + torch.randint(1, n, (n_pairs,), generator=generator)) % n  # (P,), != first
    d = torch.cat(
        [
            distance(images[first[i : i + batch_size]], images[second[i : i + batch_size]])
            .double()
            .cpu()
            for i in range(0, n_pairs, batch_size)
        ]
    )
    return float(d.mean())
