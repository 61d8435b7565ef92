"""Dataset wrappers: one domain of a translation dataset, and a nuisance attribute made biased."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from torch.utils.data import Dataset

from companion.data.synthetic.base import SyntheticDataset, uniform, unstack

__all__ = ["BiasedDataset", "SingleDomain", "biased", "single_domain"]


class SingleDomain(Dataset):
    """One image key of a dataset as single-domain samples ``{"x", "y", "factors"}``.

    ``x`` is ``sample[key]``; ``factors`` is ``sample["factors"][key]`` when factors are nested
    per domain (unpaired data), else ``sample["factors"]``; ``y`` is the factor ``label`` if
    there is one, else ``style`` (int64), and absent when there is neither.

    Args:
        dataset: a dataset of dict samples.
        key: the image to keep ("a", "b", "rgb", ...).
    """

    def __init__(self, dataset: Dataset, key: str = "b"):
        self.dataset = dataset
        self.key = key

    def __len__(self) -> int:
        return len(self.dataset)

    def _convert(self, sample: dict[str, Any]) -> dict[str, Any]:
        if self.key not in sample:
            raise KeyError(f"sample has no image {self.key!r}; keys are {sorted(sample)}")
        factors = sample.get("factors", {})
        if isinstance(factors.get(self.key), dict):
            factors = factors[self.key]
        out = {"x": sample[self.key], "factors": factors}
        for name in ("label", "style"):
            if name in factors:
                out["y"] = factors[name]
                break
        return out

    def batch(self, index: Sequence[int]) -> dict[str, Any]:
        """Samples ``index`` stacked (needs a synthetic dataset with ``batch``)."""
        return self._convert(self.dataset.batch(index))

    def __getitems__(self, index: Sequence[int]) -> list[dict[str, Any]]:
        if hasattr(self.dataset, "batch"):
            return unstack(self.batch(index), len(index))
        return [self[i] for i in index]

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self._convert(self.dataset[index])


def single_domain(dataset: Dataset, key: str = "b") -> SingleDomain:
    """View a translation dataset as unconditional data: ``{"x": sample[key], "y", "factors"}``.

    Example:
        >>> from companion.data.synthetic.shapes import ShapesDataset
        >>> s = single_domain(ShapesDataset(size=4))[0]
        >>> s["x"].shape, int(s["y"]) == int(s["factors"]["style"])
        (torch.Size([3, 32, 32]), True)
    """
    return SingleDomain(dataset, key)


def _default_by(dataset: SyntheticDataset) -> tuple[str, int]:
    factors = dataset.sample_factors(np.zeros(1, dtype=np.int64))
    if set(factors) == {"a", "b"}:
        return "domain", 2
    if "label" in factors:
        return "label", 10
    if "style" in factors:
        return "style", dataset.num_styles
    raise ValueError(
        f"{type(dataset).__name__} has no class factor (label, style or two "
        "domains) to correlate a nuisance attribute with; pass by= and bins="
    )


class BiasedDataset(SyntheticDataset):
    """A synthetic dataset whose attribute (in [0, 1)) is correlated with a class.

    For sample ``i`` of class ``c`` (of ``bins``), with probability ``strength`` the attribute
    is redrawn uniformly inside bin ``[c / bins, (c + 1) / bins)``; otherwise it keeps its
    original, uniform value. So ``strength=0`` is the original data and ``strength=1`` makes the
    attribute reveal the class. The class is the factor ``by`` or, for unpaired data
    (``by="domain"``), the domain: A is class 0 and B class 1. Samples stay pure functions of
    ``(seed, split, index)`` and the bias draw of ``seed``.
    """

    def __init__(
        self,
        dataset: SyntheticDataset,
        attribute: str,
        strength: float,
        seed: int,
        by: str | None = None,
        bins: int | None = None,
    ):
        if not isinstance(dataset, SyntheticDataset):
            raise TypeError(
                f"biased() needs a synthetic dataset (shapes, digits, ...), got "
                f"{type(dataset).__name__}"
            )
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"strength must be in [0, 1], got {strength!r}")
        super().__init__(
            split=dataset.split, resolution=dataset.resolution, seed=dataset.seed, size=dataset.size
        )
        default_by, default_bins = _default_by(dataset) if by is None else (by, None)
        self.dataset = dataset
        self.attribute, self.strength, self.bias_seed = attribute, float(strength), int(seed)
        self.by = default_by
        self.bins = bins or default_bins or 2
        probe = dataset.sample_factors(np.zeros(1, dtype=np.int64))
        probe = probe["a"] if self.by == "domain" else probe
        if attribute not in probe:
            raise ValueError(
                f"{type(dataset).__name__} has no factor {attribute!r}; "
                f"its factors are {sorted(probe)}"
            )
        if self.by != "domain" and self.by not in probe:
            raise ValueError(
                f"{type(dataset).__name__} has no class factor {self.by!r}; "
                f"its factors are {sorted(probe)}"
            )
        for name in ("num_styles", "palette_colors", "style_of", "oracle", "domain_a", "domain_b"):
            if hasattr(dataset, name):
                setattr(self, name, getattr(dataset, name))

    def _bias(
        self, factors: dict[str, np.ndarray], cls: np.ndarray, index: np.ndarray, stream: int
    ) -> dict[str, np.ndarray]:
        u = uniform(self.dataset.key * 1_000_003 + self.bias_seed, index, stream, k=2)  # (N, 2)
        inside = (np.asarray(cls) % self.bins + u[:, 1]) / self.bins
        out = dict(factors)
        out[self.attribute] = np.where(u[:, 0] < self.strength, inside, factors[self.attribute])
        return out

    def sample_factors(self, index: np.ndarray) -> dict[str, Any]:
        """The wrapped dataset's factors with the attribute biased."""
        factors = self.dataset.sample_factors(index)
        if self.by == "domain":
            n = len(index)
            return {
                "a": self._bias(factors["a"], np.zeros(n, np.int64), index, 11),
                "b": self._bias(factors["b"], np.ones(n, np.int64), index, 12),
            }
        return self._bias(factors, factors[self.by], index, 10)

    def render(self, factors: dict[str, Any], index: np.ndarray) -> dict[str, Any]:
        return self.dataset.render(factors, index)


def biased(
    dataset: SyntheticDataset,
    attribute: str = "background_hue",
    strength: float = 0.9,
    seed: int = 0,
    *,
    by: str | None = None,
    bins: int | None = None,
) -> BiasedDataset:
    """Correlate a nuisance attribute with the class or domain, with the correlation a knob.

    Args:
        dataset: a synthetic dataset whose factors include ``attribute`` (values in [0, 1)).
        attribute: the nuisance factor, default the background hue.
        strength: probability that a sample's attribute lies in its class's bin (beyond the
            ``1 / bins`` it has by chance); 0 leaves the data unchanged.
        seed: seeds which samples are biased.
        by: the class factor; default ``"domain"`` for unpaired data (A vs B), ``"label"`` for
            digits, ``"style"`` for paired shapes.
        bins: number of classes (default 2 domains, 10 labels or ``num_styles``).

    Returns:
        A :class:`BiasedDataset` with the same samples except for the attribute.

    Raises:
        TypeError: if the dataset is not synthetic.
        ValueError: for a strength outside [0, 1] or an attribute the dataset lacks.

    Example:
        >>> from companion.data.synthetic.unpaired import UnpairedShapes
        >>> ds = biased(UnpairedShapes("season", size=200), strength=1.0)
        >>> f = ds.batch(range(200))["factors"]
        >>> bool((f["a"]["background_hue"] < 0.5).all() and (f["b"]["background_hue"] >= 0.5).all())
        True
    """
    return BiasedDataset(dataset, attribute, strength, seed, by=by, bins=bins)
