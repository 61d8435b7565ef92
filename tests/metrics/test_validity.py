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


def test_a_source_pixel_at_zero_is_background_and_the_mask_follows_the_images_device():
    from companion.metrics.validity import _as_mask

    a = torch.tensor([[-1.0, 0.0], [0.5, 1.0]]).expand(1, 3, 2, 2)
    assert _as_mask(a, torch.zeros(1, 3, 2, 2)).tolist() == [[[[False, False], [True, True]]]]
    assert _as_mask(a, torch.zeros(1, 3, 2, 2, device="meta")).device == torch.device("meta")


def test_erosion_keeps_the_pixels_whose_3x3_neighbourhood_is_all_inside():
    from companion.metrics.validity import _erode

    mask = torch.zeros(1, 1, 5, 5, dtype=torch.bool)
    mask[0, 0, 1:4, 1:4] = True
    expected = torch.zeros_like(mask)
    expected[0, 0, 2, 2] = True
    assert torch.equal(_erode(mask), expected)
    full = torch.ones(1, 1, 3, 3, dtype=torch.bool)  # the image border does not erode
    assert torch.equal(_erode(full), full)


def test_stripe_colours_are_the_palette_plus_and_minus_the_contrast_clamped():
    from companion.data.synthetic.shapes import STRIPE_CONTRAST
    from companion.metrics.validity import _colours

    palettes = torch.tensor([[0.95, -0.95, 0.0]])
    c = STRIPE_CONTRAST
    colours = _colours(palettes, ("flat", "stripes"))
    assert colours.shape == (1, 3, 3)
    expected = [
        [0.95, -0.95, 0.0],
        [1.0, min(-0.95 + c, 1.0), min(c, 1.0)],
        [max(0.95 - c, -1.0), -1.0, max(-c, -1.0)],
    ]
    assert torch.allclose(colours[0], torch.tensor(expected))
    assert torch.equal(_colours(palettes, ("flat",)), palettes[:, None])


def test_precision_passes_its_palettes_and_fraction_on(batch):
    other = PALETTES[:1].clone()  # one palette only
    b, a = batch["b"], batch["a"]
    assert precision(b, a) == 1.0
    assert precision(b, a, other) < 1.0  # the other palettes' samples no longer match
    noisy = b.clone()
    noisy[:, :, ::2] = torch.rand_like(noisy[:, :, ::2]) * 2 - 1  # half the rows: noise
    assert precision(noisy, a) == 0.0
    assert precision(noisy, a, min_fraction=0.3) == 1.0
