"""Unpaired shapes: two domains that share content factors and differ in appearance or shape.

``season`` mimics summer <-> winter (Yosemite): both domains draw the same shape kinds, positions
and sizes; domain A paints them in warm palettes (red, green, yellow, orange), domain B in cool
ones (blue, magenta, cyan, white). A faithful translation keeps the mask and changes the palette.

``species`` mimics cat <-> dog: domain A draws round shapes (circle, ellipse) in warm palettes,
domain B angular ones (square, triangle) in cool palettes, so the shape changes too; position,
size and angle are the content a translation should keep.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from companion.data.synthetic.base import Oracle, SyntheticDataset
from companion.data.synthetic.shapes import ShapesDataset

__all__ = ["UNPAIRED_VARIANTS", "UnpairedShapes"]

WARM, COOL = (0, 1, 3, 6), (2, 4, 5, 7)
UNPAIRED_VARIANTS = {
    "season": {
        "a": {"kinds": (0, 1, 2, 3), "palettes": WARM},
        "b": {"kinds": (0, 1, 2, 3), "palettes": COOL},
    },
    "species": {
        "a": {"kinds": ("circle", "ellipse"), "palettes": WARM},
        "b": {"kinds": ("square", "triangle"), "palettes": COOL},
    },
}
"""Each variant's shape kinds and palettes (indices into PALETTES) per domain."""


class UnpairedShapes(SyntheticDataset):
    """Two shapes domains drawn independently: ``{"a", "b", "factors": {"a": {...}, "b": {...}}}``.

    ``a`` and ``b`` are (3, H, W) float32 images in [-1, 1] (both painted, no masks); sample
    ``i`` of each domain is a pure function of ``(seed, split, i)`` and the two are independent.
    Each domain's factors are those of :class:`ShapesDataset`, with ``style`` in [0, K) of that
    domain (K = 4 palettes x textures); read styles with ``ds.domain_b.style_of(images)``.

    Args:
        variant: "season" (appearance only) or "species" (shape changes too).
        split, resolution, seed, size: as in :class:`ShapesDataset`.
        textures: as in :class:`ShapesDataset`, shared by both domains.
        background: as in :class:`ShapesDataset`, shared by both domains; "grey" leaves the
            style as the only appearance factor a translation can vary.

    Example:
        >>> ds = UnpairedShapes("season", size=4)
        >>> s = ds[0]
        >>> s["a"].shape, sorted(s["factors"]), ds.domain_a.num_styles
        (torch.Size([3, 32, 32]), ['a', 'b'], 4)
    """

    def __init__(
        self,
        variant: str = "season",
        *,
        split: str = "train",
        resolution: int = 32,
        seed: int = 0,
        size: int | None = None,
        textures: tuple[str, ...] = ("flat",),
        background: str = "hue",
    ):
        if variant not in UNPAIRED_VARIANTS:
            raise ValueError(
                f"unknown unpaired shapes variant {variant!r}; choose one of "
                f"{sorted(UNPAIRED_VARIANTS)}"
            )
        if size is None:
            size = 10_000 if split == "train" else 2_000
        super().__init__(split=split, resolution=resolution, seed=seed, size=size)
        self.variant = variant
        common = dict(
            split=split,
            resolution=resolution,
            seed=seed,
            size=size,
            textures=textures,
            background=background,
        )
        spec = UNPAIRED_VARIANTS[variant]
        self.domain_a = ShapesDataset(**common, **spec["a"], salt=1)
        self.domain_b = ShapesDataset(**common, **spec["b"], salt=2)

    @property
    def oracle(self) -> Oracle:
        """The oracle of the target domain B (translations are judged as B images)."""
        return self.domain_b.oracle

    def sample_factors(self, index: np.ndarray) -> dict[str, Any]:
        """``{"a": factors of domain A, "b": factors of domain B}`` for samples ``index``."""
        return {"a": self.domain_a.sample_factors(index), "b": self.domain_b.sample_factors(index)}

    def render(self, factors: dict[str, Any], index: np.ndarray) -> dict[str, Any]:
        """Paint both domains: ``{"a": (N, 3, H, W), "b": (N, 3, H, W), "factors": {...}}``."""
        ra = self.domain_a.render(factors["a"], index)
        rb = self.domain_b.render(factors["b"], index)
        return {"a": ra["b"], "b": rb["b"], "factors": {"a": ra["factors"], "b": rb["factors"]}}
