"""Multi-domain shapes: C colour domains, each with its own styles, for one-model-many-domains
translation (SDIT, thesis Ch. 6; StarGAN).

Domain ``d`` paints shapes in palette colour ``d`` (red, green, blue, yellow, ... in
:data:`~companion.data.synthetic.shapes.PALETTE_NAMES` order) on one dark grey background; within
a domain the style is the texture (flat or stripes), the diversity a translator should cover.
A translation to domain ``d`` should keep the shape and its place, take colour ``d``, and show
either texture; the oracle reads domain and texture back from any image
(:meth:`DomainShapes.domain_of`, :meth:`DomainShapes.texture_of`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from companion.data.synthetic.base import Oracle, SyntheticDataset
from companion.data.synthetic.shapes import PALETTES, ShapesDataset

__all__ = ["DomainShapes"]


class DomainShapes(SyntheticDataset):
    """Shapes in ``num_domains`` colour domains: samples ``{"x", "y", "mask", "factors"}``.

    - ``"x"``: (3, H, W) float32 in [-1, 1], a shape in its domain's colour, flat or striped,
      over a dark grey background;
    - ``"y"``: int64 domain in [0, num_domains);
    - ``"mask"``: (1, H, W) float32 in {-1, 1}, the shape's mask (the content to keep);
    - ``"factors"``: those of :class:`ShapesDataset` plus ``domain``.

    Args:
        num_domains: C, 2 to 8 (palettes 0..C-1).
        split, resolution, seed, size: as in :class:`ShapesDataset`.

    Example:
        >>> ds = DomainShapes(num_domains=4, size=8)
        >>> s = ds.batch(range(8))
        >>> s["x"].shape, bool((ds.domain_of(s["x"], s["mask"]) == s["y"]).all())
        (torch.Size([8, 3, 32, 32]), True)
    """

    def __init__(
        self,
        num_domains: int = 4,
        *,
        split: str = "train",
        resolution: int = 32,
        seed: int = 0,
        size: int | None = None,
    ):
        if not 2 <= num_domains <= len(PALETTES):
            raise ValueError(f"num_domains must be in 2..{len(PALETTES)}, got {num_domains}")
        if size is None:
            size = 10_000 if split == "train" else 2_000
        super().__init__(split=split, resolution=resolution, seed=seed, size=size)
        self.num_domains = num_domains
        self.shapes = ShapesDataset(
            split=split,
            resolution=resolution,
            seed=seed,
            size=size,
            source_channels=1,
            palettes=tuple(range(num_domains)),
            textures=("flat", "stripes"),
            background="grey",
            salt=3,
        )

    @property
    def num_styles(self) -> int:
        """Styles per domain: 2 textures."""
        return 2

    @property
    def oracle(self) -> Oracle:
        """All ``2 C`` (domain, texture) styles: style = domain * 2 + texture."""
        return self.shapes.oracle

    def sample_factors(self, index: np.ndarray) -> dict[str, np.ndarray]:
        """Shapes factors plus ``domain`` (the palette)."""
        factors = self.shapes.sample_factors(index)
        return {**factors, "domain": factors["palette"].copy()}

    def render(self, factors: dict[str, np.ndarray], index: np.ndarray) -> dict[str, Any]:
        """``{"x": (N, 3, H, W), "y": (N,), "mask": (N, 1, H, W), "factors": {...}}``."""
        shapes = {k: v for k, v in factors.items() if k != "domain"}
        out = self.shapes.render(shapes, index)
        out["factors"]["domain"] = torch.from_numpy(factors["domain"].astype(np.int64))
        return {
            "x": out["b"],
            "y": out["factors"]["domain"],
            "mask": out["a"],
            "factors": out["factors"],
        }

    def domain_of(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The oracle's domain of images (N, 3, H, W) in [-1, 1]: (N,) int64 in [0, C)."""
        return self.shapes.style_of(x, mask) // 2

    def texture_of(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The oracle's texture of images: (N,) int64, 0 flat, 1 stripes."""
        return self.shapes.style_of(x, mask) % 2
