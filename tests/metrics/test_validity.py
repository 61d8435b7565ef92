"""Known answers for precision and content IoU on the shapes domain."""

import pytest
import torch
import torch.nn.functional as F

from companion.data import PALETTES, ShapesDataset
from companion.metrics import (
    content_iou,
    mode_coverage,
    precision,
    styles_of_samples,
    valid_samples,
)


@pytest.fixture(scope="module")
def batch():
    return ShapesDataset(size=64, background="grey", seed=3).batch(range(64))


def _paint(a: torch.Tensor, colours: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W): each mask filled with its colour (N, 3) over the grey background."""
    bg = torch.full_like(colours, -0.4)
    fg = a[:, :1] > 0
    return torch.where(fg, colours[:, :, None, None], bg[:, :, None, None])


def test_perfect_translator_scores_one(batch):
    assert precision(batch["b"], batch["a"]) == 1.0
    assert content_iou(batch["b"], batch["a"]) == 1.0


def test_small_noise_keeps_samples_valid(batch):
    gen = torch.Generator().manual_seed(0)
    noisy = (batch["b"] + 0.1 * torch.randn(batch["b"].shape, generator=gen)).clamp(-1, 1)
    assert precision(noisy, batch["a"]) >= 0.95
    assert content_iou(noisy, batch["a"]) >= 0.95


def test_colour_averaging_translator_scores_zero(batch):
    """The L2 minimiser over 8 equiprobable colours paints their mean: no palette colour."""
    mean = PALETTES.mean(0).expand(len(batch["a"]), 3)
    averaged = _paint(batch["a"], mean)
    assert precision(averaged, batch["a"]) == 0.0
    assert content_iou(averaged, batch["a"]) == 1.0  # the shape is kept: a separate measure


def test_blurring_translator_scores_low(batch):
    blurred = batch["b"]
    for _ in range(3):
        blurred = F.avg_pool2d(blurred, 5, stride=1, padding=2, count_include_pad=False)
    assert precision(blurred, batch["a"]) <= 0.3
    assert content_iou(blurred, batch["a"]) <= 0.8


def test_collapsed_translator_high_precision_low_coverage(batch):
    red = PALETTES[0].expand(len(batch["a"]), 3)
    samples = torch.stack([_paint(batch["a"], red)] * 5, dim=1)  # (N, 5, 3, H, W)
    assert precision(samples, batch["a"]) == 1.0
    assert content_iou(samples, batch["a"]) == 1.0
    ds = ShapesDataset(size=1, background="grey")
    styles = styles_of_samples(samples, ds.style_of)
    assert mode_coverage(styles, n_styles=8) == 1.0


def test_noise_scores_zero(batch):
    noise = torch.rand(batch["b"].shape, generator=torch.Generator().manual_seed(1)) * 2 - 1
    assert precision(noise, batch["a"]) == 0.0
    assert content_iou(noise, batch["a"]) < 0.7


def test_wrong_shape_or_moved_content(batch):
    moved = torch.roll(batch["b"], shifts=(8, 8), dims=(-2, -1))
    assert content_iou(moved, batch["a"]) < 0.5
    assert precision(moved, batch["a"]) < 0.2  # the shape is painted outside its mask


def test_painted_background_is_invalid(batch):
    """The background must stay dark: a red-on-red output is invalid."""
    red = PALETTES[0].expand(len(batch["a"]), 3)
    fill = red[:, :, None, None].expand_as(batch["b"]).clone()
    assert not valid_samples(fill, batch["a"]).any()


def test_stripes_are_valid_with_stripes_textures():
    ds = ShapesDataset(size=32, background="hue", textures=("flat", "stripes"), seed=5)
    b = ds.batch(range(32))
    assert precision(b["b"], b["a"], ds.palette_colors, ds.textures) == 1.0
    striped = b["factors"]["texture"] == 1
    assert striped.any()
    assert not valid_samples(b["b"], b["a"], ds.palette_colors)[striped].all()


def test_bad_shapes_raise(batch):
    with pytest.raises(ValueError, match="images"):
        precision(batch["b"][:, :1], batch["a"])
    with pytest.raises(ValueError, match="mask"):
        content_iou(batch["b"], batch["a"][:3])
