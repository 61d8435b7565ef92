"""Digits: scikit-learn's 8x8 handwritten digits, as MNIST-like sources and SVHN-like targets.

The 1,797 bundled digits (``sklearn.datasets.load_digits``, no download) are upscaled once per
resolution with bicubic interpolation and a contrast curve into stroke-like white-on-black
images (``a``). The target ``b`` re-renders the same digit the way house numbers look: a coloured
background with a faint grating texture, the digit in a contrasting colour, shifted by a few
pixels, between fragments of two neighbouring digits. With ``target="near"`` the target is the
*near* case of seed paper 002 (its edges -> shoes task, Sec. 5.1): the same digit in the same
place, recoloured on the same textured background, with no shift and no fragments. With
``reverse=True`` the two domains swap places: house numbers to plain digits, the paper's SVHN ->
MNIST direction (Table 1, column 2). Bank images 0-1436 serve "train", the last 360 "test" and
"val".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from companion.data.synthetic.base import SyntheticDataset, factors_to_tensors, unit_grid
from companion.data.synthetic.shapes import hsv_to_rgb

__all__ = ["TARGETS", "DigitsDataset", "digit_bank"]

NUM_TRAIN_DIGITS = 1437

TARGETS = ("svhn", "near")
"""The target renders: ``"svhn"`` (far: shift, fragments) and ``"near"`` (colour only)."""


def digit_bank(resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All 1,797 scikit-learn digits upscaled to white-on-black tiles.

    Args:
        resolution: tile side in pixels; the digit fills the central ~75%.

    Returns:
        ``(images, labels)``: (1797, R, R) uint8 in [0, 255] and (1797,) int64 in [0, 10).

    Example:
        >>> images, labels = digit_bank(16)
        >>> images.shape, images.dtype, int(labels[0])
        (torch.Size([1797, 16, 16]), torch.uint8, 0)
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.from_numpy(digits.images.astype(np.float32) / 16.0)[:, None]  # (1797, 1, 8, 8)
    inner = max(4, round(resolution * 0.75))
    x = F.interpolate(x, size=(inner, inner), mode="bicubic", align_corners=False)
    x = ((x - 0.3) * 2.5).clamp(0, 1)  # thin the bicubic blur into strokes
    pad = resolution - inner
    x = F.pad(x, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2))  # (1797, 1, R, R)
    images = (x[:, 0] * 255).round().to(torch.uint8)
    return images, torch.from_numpy(digits.target.astype(np.int64))


class DigitsDataset(SyntheticDataset):
    """Paired digits: MNIST-like ``a`` and SVHN-like ``b`` of the same handwritten digit.

    Each sample is a dict:

    - ``"a"``: (source_channels, H, W) float32 in [-1, 1], the centred digit, white on black.
    - ``"b"``: (3, H, W) float32 in [-1, 1], the digit shifted by (dx, dy) pixels in a colour
      contrasting with a textured background, with fragments of two other digits at its sides.
    - ``"y"``: int64 label in [0, 10) (also ``factors["label"]``).
    - ``"factors"``: ``label``, ``digit`` (bank index), ``dx``, ``dy`` (pixels), ``left``,
      ``right`` (bank indices of the fragments) as int64; ``fg_hue``, ``background_hue``,
      ``background_value``, ``texture_angle`` as float32.

    With ``paired=False`` the target shows an independent digit, for unpaired MNIST -> SVHN
    training: factors are then nested per domain (``{"a": {...}, "b": {...}}``, as in
    :class:`~companion.data.UnpairedShapes`) and there is no top-level ``"y"``.

    With ``target="near"`` (the dataset ``digits_near``) ``b`` is the digit of ``a`` with no
    geometric change: the same ink in the same pixels (``dx = dy = 0``, no fragments, so there
    are no ``left``/``right`` factors), painted in the contrasting colour over the coloured
    background. The faint grating texture (amplitude 0.06 of [0, 1]) is kept: it is a change of
    appearance, not of geometry, and keeping it makes the near and the far target differ in
    exactly the geometric change (shift, neighbouring fragments), so a translator that works on
    one and not the other fails on geometry, not on texture. For the same ``(seed, split,
    index)`` the two targets share digit, colours and texture.

    With ``reverse=True`` (the dataset ``digits_reverse``) the domains swap: ``a`` is the
    house-number render and ``b`` the plain digit, the SVHN -> MNIST direction. The sample is
    the forward sample of the same ``(seed, split, index)`` with ``a`` and ``b`` exchanged (and,
    when unpaired, ``factors["a"]`` and ``factors["b"]``); ``source_channels`` stays the plain
    digit's channel count.

    Args:
        split, resolution, seed, size: as in :class:`~companion.data.ShapesDataset`.
        source_channels: 1 or 3 (default 3, like shapes, so input and output shapes match).
        paired: whether ``b`` shows the same digit instance as ``a``.
        target: ``"svhn"`` (default, the far target) or ``"near"`` (see above).
        reverse: house numbers -> plain digits instead (see above).

    Example:
        >>> ds = DigitsDataset(size=4)
        >>> s = ds[0]
        >>> s["a"].shape, s["b"].shape, int(s["y"]) == int(s["factors"]["label"])
        (torch.Size([3, 32, 32]), torch.Size([3, 32, 32]), True)
    """

    def __init__(
        self,
        *,
        split: str = "train",
        resolution: int = 32,
        seed: int = 0,
        size: int | None = None,
        source_channels: int = 3,
        paired: bool = True,
        target: str = "svhn",
        reverse: bool = False,
    ):
        if target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
        if size is None:
            size = 10_000 if split == "train" else 2_000
        super().__init__(split=split, resolution=resolution, seed=seed, size=size)
        if source_channels not in (1, 3):
            raise ValueError(f"source_channels must be 1 or 3, got {source_channels!r}")
        self.source_channels = source_channels
        self.paired = paired
        self.target = target
        self.reverse = reverse
        self.images, self.labels = digit_bank(resolution)
        n = len(self.labels)
        self._pool = (
            np.arange(NUM_TRAIN_DIGITS) if split == "train" else np.arange(NUM_TRAIN_DIGITS, n)
        )
        self._grid = unit_grid(resolution)
        self._bank_flat = self.images.numpy().reshape(-1)

    def _pick(self, u: np.ndarray) -> np.ndarray:
        pos = np.minimum((u * len(self._pool)).astype(np.int64), len(self._pool) - 1)
        return self._pool[pos]

    def sample_factors(self, index: np.ndarray) -> dict[str, Any]:
        """Draw the factors of samples ``index``; nested ``{"a", "b"}`` when unpaired."""
        if not self.paired:
            return {"a": self._draw(index, stream=2), "b": self._draw(index, stream=3)}
        return self._draw(index, stream=1)

    def _draw(self, index: np.ndarray, stream: int) -> dict[str, np.ndarray]:
        u = self.uniform(index, stream=stream, k=10)  # (N, 10)
        digit = self._pick(u[:, 0])
        shift = max(1, self.resolution // 8)
        near = self.target == "near"
        geometry = {
            "dx": np.round((2 * u[:, 1] - 1) * shift * (not near)).astype(np.int64),
            "dy": np.round((2 * u[:, 2] - 1) * shift * (not near)).astype(np.int64),
        }
        if not near:
            geometry.update(left=self._pick(u[:, 3]), right=self._pick(u[:, 4]))
        return {
            "label": self.labels.numpy()[digit],
            "digit": digit,
            **geometry,
            "fg_hue": u[:, 5],
            "background_hue": u[:, 6],
            "background_value": 0.2 + 0.7 * u[:, 7],
            "texture_angle": u[:, 8] * np.pi,
            "texture_phase": u[:, 9] * 2 * np.pi,
        }

    def _place(self, digit: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> torch.Tensor:
        """(N, H, W) float32 in [0, 1]: bank digits shifted by (dx, dy), zeros outside."""
        r = self.resolution
        rows = np.arange(r)[None, :] - dy[:, None]  # (N, H)
        cols = np.arange(r)[None, :] - dx[:, None]  # (N, W)
        valid = ((rows >= 0) & (rows < r))[:, :, None] & ((cols >= 0) & (cols < r))[:, None, :]
        flat = (digit[:, None, None] * r + rows.clip(0, r - 1)[:, :, None]) * r + cols.clip(
            0, r - 1
        )[:, None, :]  # (N, H, W) indices into the flattened bank
        img = np.take(self._bank_flat, flat) * valid  # (N, H, W) uint8
        return torch.from_numpy(img.astype(np.float32) * np.float32(1 / 255))

    def render(self, factors: dict[str, Any], index: np.ndarray) -> dict[str, Any]:
        """Render a batch: ``{"a", "b": (N, C, H, W), "y": (N,), "factors": {...}}``."""
        out = self._render_forward(factors)
        if self.reverse:  # house numbers -> plain digits: the same sample, domains exchanged
            out["a"], out["b"] = out["b"], out["a"]
            if not self.paired:
                out["factors"] = {"a": out["factors"]["b"], "b": out["factors"]["a"]}
        return out

    def _render_forward(self, factors: dict[str, Any]) -> dict[str, Any]:
        """The plain digit as ``a``, the house number (or near render) as ``b``."""
        fa, fb = (factors["a"], factors["b"]) if not self.paired else (factors, factors)
        n = len(fa["digit"])
        a = self._place(fa["digit"], np.zeros(n, np.int64), np.zeros(n, np.int64))[:, None]
        a = a * 2 - 1  # (N, 1, H, W)
        if self.source_channels == 3:
            a = a.expand(-1, 3, -1, -1).contiguous()
        if self.paired:
            out_factors = factors_to_tensors(factors)
            return {
                "a": a,
                "b": self._house_number(fb),
                "y": out_factors["label"],
                "factors": out_factors,
            }
        return {
            "a": a,
            "b": self._house_number(fb),
            "factors": {"a": factors_to_tensors(fa), "b": factors_to_tensors(fb)},
        }

    def _house_number(self, factors: dict[str, np.ndarray]) -> torch.Tensor:
        """(N, 3, H, W) in [-1, 1]: SVHN-like (or near) renders of the factors' digits."""
        ink = self._place(factors["digit"], factors["dx"], factors["dy"])  # (N, H, W)
        if "left" in factors:  # the far target: fragments of two neighbours
            gap = round(self.resolution * 0.62)
            ink = torch.maximum(
                ink,
                0.8
                * torch.maximum(
                    self._place(factors["left"], factors["dx"] - gap, factors["dy"]),
                    self._place(factors["right"], factors["dx"] + gap, factors["dy"]),
                ),
            )
        ink = ink[:, None]  # (N, 1, H, W)
        bg_value = factors["background_value"]
        bg = torch.from_numpy(hsv_to_rgb(factors["background_hue"], 0.5, bg_value))  # (N, 3)
        fg_value = np.where(bg_value > 0.5, bg_value - 0.55, bg_value + 0.55).clip(0, 1)
        fg = torch.from_numpy(hsv_to_rgb(factors["fg_hue"], 0.6, fg_value))  # (N, 3)
        xs, ys = self._grid
        angle = factors["texture_angle"].astype(np.float32)[:, None, None]
        wave = np.sin(
            8.0 * (xs[None] * np.cos(angle) + ys[None] * np.sin(angle))
            + factors["texture_phase"].astype(np.float32)[:, None, None]
        )  # (N, H, W)
        background = bg[:, :, None, None] + 0.06 * torch.from_numpy(wave)[:, None]  # (N, 3, H, W)
        b = background * (1 - ink) + fg[:, :, None, None] * ink
        return (b * 2 - 1).clamp_(-1, 1)
