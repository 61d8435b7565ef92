"""Scenes: one procedural scene seen as RGB, depth and semantic segmentation (zero-pair data).

A camera looks at a ground plane under a sky; one to three objects (spheres, boxes, cones) stand
on the ground. Rows below the horizon at image height ``y`` see the ground at distance
``0.15 / (y - horizon)`` (a pinhole camera over a flat plane), clipped to the far plane 1. Each
object is a flat card at the depth of the ground where it stands, as tall as its distance
allows, so nearer objects are larger and lower. A depth test composites the cards: an object
pixel shows where the object is nearer than what is already there. The same composite gives all
three modalities, so they agree exactly: the ``instances`` map says which object each pixel
shows, ``seg`` its class and ``depth`` its distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from companion.data.synthetic.base import (
    SyntheticDataset,
    factors_to_tensors,
    unit_grid,
    unstack,
)
from companion.data.synthetic.shapes import hsv_to_rgb

__all__ = ["MAX_OBJECTS", "SCENE_CLASSES", "ScenesDataset", "ZeroPairScenes"]

SCENE_CLASSES = ("sky", "ground", "sphere", "box", "cone")
"""Semantic classes; ``seg`` holds indices into this tuple."""

MAX_OBJECTS = 3
_GROUND_SCALE = 0.15  # ground distance = _GROUND_SCALE / (y - horizon), far plane at 1


class ScenesDataset(SyntheticDataset):
    """Procedural scenes as RGB, depth and segmentation of the same view.

    Each sample is a dict:

    - ``"rgb"``: (3, H, W) float32 in [-1, 1], shaded colours with distance fog.
    - ``"depth"``: (1, H, W) float32 in [-1, 1]: distance ``d`` in [0, 1] mapped as
      ``2 d - 1`` (-1 at the camera, 1 at the far plane and the sky).
    - ``"seg"``: (H, W) int64 class indices into :data:`SCENE_CLASSES`.
    - ``"instances"``: (H, W) int64 object slot shown at each pixel, -1 for sky and ground.
    - ``"factors"``: ``horizon``, ``sky_hue``, ``ground_hue`` (float32), ``num_objects``
      (int64); per object slot, (MAX_OBJECTS,) arrays ``object_class`` (int64, class index, or
      -1 for an empty slot), ``object_x``, ``object_base`` (image units), ``object_depth``
      (in [0, 1]), ``object_size``, ``object_hue`` (float32).

    Args:
        split, resolution, seed, size: as in :class:`~companion.data.ShapesDataset`.

    Example:
        >>> s = ScenesDataset(size=2)[0]
        >>> s["rgb"].shape, s["depth"].shape, s["seg"].shape
        (torch.Size([3, 32, 32]), torch.Size([1, 32, 32]), torch.Size([32, 32]))
    """

    def __init__(
        self, *, split: str = "train", resolution: int = 32, seed: int = 0, size: int | None = None
    ):
        if size is None:
            size = 10_000 if split == "train" else 2_000
        super().__init__(split=split, resolution=resolution, seed=seed, size=size)
        self._grid = unit_grid(resolution)

    def sample_factors(self, index: np.ndarray) -> dict[str, np.ndarray]:
        """Draw the scene factors of samples ``index`` (see the class docstring)."""
        u = self.uniform(index, stream=1, k=4)  # (N, 4)
        o = self.uniform(index, stream=2, k=5 * MAX_OBJECTS).reshape(-1, MAX_OBJECTS, 5)
        horizon = -0.35 + 0.3 * u[:, 0]  # (N,)
        num = 1 + np.minimum((u[:, 3] * MAX_OBJECTS).astype(np.int64), MAX_OBJECTS - 1)
        present = np.arange(MAX_OBJECTS)[None, :] < num[:, None]  # (N, M)
        cls = 2 + np.minimum((o[..., 0] * 3).astype(np.int64), 2)  # (N, M) sphere, box, cone
        base = horizon[:, None] + 0.15 + (0.98 - 0.15 - horizon[:, None]) * o[..., 1]  # (N, M)
        depth = np.minimum(_GROUND_SCALE / (base - horizon[:, None]), 1.0)
        return {
            "horizon": horizon,
            "sky_hue": 0.5 + 0.15 * u[:, 1],
            "ground_hue": 0.08 + 0.25 * u[:, 2],
            "num_objects": num,
            "object_class": np.where(present, cls, -1),
            "object_x": -0.8 + 1.6 * o[..., 2],
            "object_base": base,
            "object_depth": depth,
            "object_size": 0.5 * (base - horizon[:, None]) * (0.6 + 0.5 * o[..., 3]),
            "object_hue": o[..., 4],
        }

    def _object_mask(self, cls: np.ndarray, f: dict[str, np.ndarray], j: int) -> np.ndarray:
        """(N, H, W) bool silhouette of object slot ``j``."""
        xs, ys = self._grid
        cx, base, r = (
            f[k][:, j, None, None].astype(np.float32)
            for k in ("object_x", "object_base", "object_size")
        )
        dx, dy = xs[None] - cx, ys[None] - (base - r)  # relative to the card's centre
        sphere = dx * dx + dy * dy <= r * r
        box = (np.abs(dx) <= 0.8 * r) & (np.abs(dy) <= r)
        cone = (np.abs(dx) <= 0.7 * r * (dy + r) / (2 * r)) & (np.abs(dy) <= r)
        kind = cls[:, j, None, None]
        return np.where(kind == 2, sphere, np.where(kind == 3, box, cone)) & (kind >= 0)

    def render(self, factors: dict[str, np.ndarray], index: np.ndarray) -> dict[str, Any]:
        """Render a batch: ``{"rgb", "depth", "seg", "instances", "factors"}`` (N, ...)."""
        xs, ys = self._grid
        n, h, w = len(index), *xs.shape
        horizon = factors["horizon"].astype(np.float32)[:, None, None]
        below = ys[None] > horizon  # (N, H, W)
        ground_depth = np.minimum(_GROUND_SCALE / np.maximum(ys[None] - horizon, 1e-6), 1.0)
        depth = np.where(below, ground_depth, 1.0).astype(np.float32)  # (N, H, W)
        seg = below.astype(np.int64)  # 0 sky, 1 ground
        instances = np.full((n, h, w), -1, dtype=np.int64)
        cls = factors["object_class"]
        for j in range(MAX_OBJECTS):
            d = factors["object_depth"][:, j, None, None].astype(np.float32)
            show = self._object_mask(cls, factors, j) & (d < depth)  # depth test
            depth = np.where(show, d, depth)
            seg = np.where(show, cls[:, j, None, None], seg)
            instances = np.where(show, j, instances)
        rgb = self._shade(factors, seg, instances, depth, xs, ys)
        return {
            "rgb": rgb,
            "depth": torch.from_numpy(depth[:, None] * 2 - 1),
            "seg": torch.from_numpy(seg),
            "instances": torch.from_numpy(instances),
            "factors": factors_to_tensors(factors),
        }

    def _shade(
        self,
        f: dict[str, np.ndarray],
        seg: np.ndarray,
        instances: np.ndarray,
        depth: np.ndarray,
        xs: np.ndarray,
        ys: np.ndarray,
    ) -> torch.Tensor:
        """(N, 3, H, W) float32 in [-1, 1]: flat colours, sphere shading and distance fog."""
        n = len(seg)
        sky = hsv_to_rgb(f["sky_hue"], 0.45, 0.95)  # (N, 3)
        ground = hsv_to_rgb(f["ground_hue"], 0.6, 0.55)  # (N, 3)
        objects = hsv_to_rgb(f["object_hue"].reshape(-1), 0.75, 0.9).reshape(n, -1, 3)
        table = np.concatenate([sky[:, None], ground[:, None], objects], 1)  # (N, 2 + M, 3)
        entry = np.where(seg < 2, seg, 2 + instances)  # (N, H, W): row of the table
        flat = np.arange(n)[:, None, None] * (2 + MAX_OBJECTS) + entry
        colour = np.take(table.reshape(-1, 3), flat, axis=0)  # (N, H, W, 3)
        # spheres: Lambertian shading from the upper left, from the disc's normal
        slot = np.arange(n)[:, None, None] * MAX_OBJECTS + np.clip(instances, 0, None)
        cx, r, base = (
            np.take(f[k].astype(np.float32).reshape(-1), slot)
            for k in ("object_x", "object_size", "object_base")
        )  # (N, H, W) each
        nx, ny = (xs[None] - cx) / r, (ys[None] - (base - r)) / r
        nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0, 1))
        light = np.clip(0.25 + 0.75 * (-0.5 * nx - 0.5 * ny + 0.7 * nz), 0.2, 1.0)
        shade = np.where(seg == 2, light, np.float32(1.0))  # (N, H, W)
        fog = depth * depth * np.float32(0.6) * (seg != 0)  # (N, H, W)
        rgb = torch.from_numpy(colour).permute(0, 3, 1, 2)  # (N, 3, H, W)
        fog_t = torch.from_numpy(fog)[:, None]  # (N, 1, H, W)
        rgb = (
            rgb * torch.from_numpy(shade)[:, None] * (1 - fog_t)
            + torch.from_numpy(sky)[:, :, None, None] * fog_t
        )
        return (rgb * 2 - 1).contiguous()


class ZeroPairScenes:
    """The zero-pair training split: (RGB, seg) pairs and (RGB, depth) pairs of disjoint scenes.

    As in the thesis's split of SceneNet RGB-D and SUN RGB-D (Wang 2020, Sec. 4.6.1), the
    training scenes are divided into two halves with no scene in common: one keeps RGB and
    segmentation (the set D_RS), the other RGB and depth (D_RD). Sample ``i`` holds one pair of
    each: scene ``2 i`` of :class:`ScenesDataset` as ``rs_rgb``/``rs_seg`` and scene ``2 i + 1``
    as ``rd_rgb``/``rd_depth``. No (depth, seg) pair of one scene is ever in a sample; the test
    split of :class:`ScenesDataset` gives the full triplets to evaluate the unseen translation.
    With ``triplets=True`` sample ``i`` is instead scene ``i`` whole (``rgb``, ``depth``,
    ``seg``): the paired data of an upper bound that sees the unseen pair.

    All samples are rendered on first use and kept in memory (36 KB each at 32 px), so
    training epochs cost no rendering.

    Each sample is a dict: ``rs_rgb`` and ``rd_rgb`` (3, H, W), ``rd_depth`` (1, H, W) float32
    in [-1, 1]; ``rs_seg`` (H, W) int64 class indices.

    Args:
        split, resolution, seed: as in :class:`ScenesDataset`.
        size: number of samples (each holds two scenes); default 5,000 for "train", else 1,000.
        triplets: give whole scenes instead of the two disjoint pairs.

    Example:
        >>> s = ZeroPairScenes(size=2)[1]
        >>> sorted(s), tuple(s["rd_depth"].shape)
        (['rd_depth', 'rd_rgb', 'rs_rgb', 'rs_seg'], (1, 32, 32))
    """

    def __init__(
        self,
        *,
        split: str = "train",
        resolution: int = 32,
        seed: int = 0,
        size: int | None = None,
        triplets: bool = False,
    ):
        if size is None:
            size = 5_000 if split == "train" else 1_000
        self.scenes = ScenesDataset(split=split, resolution=resolution, seed=seed, size=2 * size)
        self.size = size
        self.triplets = triplets
        self._store: dict[str, torch.Tensor] | None = None

    def __len__(self) -> int:
        return self.size

    def _render_all(self) -> dict[str, torch.Tensor]:
        n = self.size if self.triplets else 2 * self.size
        parts = [self.scenes.batch(range(i, min(i + 256, n))) for i in range(0, n, 256)]
        scenes = {k: torch.cat([p[k] for p in parts]) for k in ("rgb", "depth", "seg")}
        if self.triplets:
            return scenes
        return {
            "rs_rgb": scenes["rgb"][0::2],
            "rs_seg": scenes["seg"][0::2],
            "rd_rgb": scenes["rgb"][1::2],
            "rd_depth": scenes["depth"][1::2],
        }

    def batch(self, index: Sequence[int]) -> dict[str, torch.Tensor]:
        """Samples ``index`` stacked, (N, ...) tensors."""
        idx = np.asarray(index, dtype=np.int64).reshape(-1)
        idx = np.where(idx < 0, idx + self.size, idx)
        if idx.size and (idx.min() < 0 or idx.max() >= self.size):
            raise IndexError(f"index out of range for ZeroPairScenes of size {self.size}")
        if self._store is None:
            self._store = self._render_all()
        rows = torch.from_numpy(idx)
        return {k: v[rows] for k, v in self._store.items()}

    def __getitems__(self, index: Sequence[int]) -> list[dict[str, Any]]:
        return unstack(self.batch(index), len(index))

    def __getitem__(self, index: int) -> dict[str, Any]:
        return unstack(self.batch([index]), 1)[0]
