"""Shapes: determinism, factors, the style oracle."""

import pytest
import torch
import torch.nn.functional as F

from companion.data.synthetic.shapes import PALETTES, ShapesDataset, style_of


def _batch(n=512, **kw):
    ds = ShapesDataset(size=n, **kw)
    return ds, ds.batch(range(n))


def test_same_seed_same_samples_any_order():
    ds = ShapesDataset(size=64, seed=3)
    batch = ds.batch(range(64))
    single = ds[17]
    assert torch.equal(single["b"], batch["b"][17])
    assert torch.equal(single["a"], batch["a"][17])
    again = ShapesDataset(size=64, seed=3).batch([17])
    assert torch.equal(again["b"][0], single["b"])


def test_different_seeds_and_splits_differ():
    b0 = ShapesDataset(size=32, seed=0).batch(range(32))["b"]
    b1 = ShapesDataset(size=32, seed=1).batch(range(32))["b"]
    bt = ShapesDataset(size=32, seed=0, split="test").batch(range(32))["b"]
    assert not torch.equal(b0, b1)
    assert not torch.equal(b0, bt)


def test_shapes_ranges_and_source_matches_target():
    ds, batch = _batch(64)
    assert batch["a"].shape == (64, 3, 32, 32) and batch["b"].shape == (64, 3, 32, 32)
    assert batch["a"].dtype == torch.float32
    assert set(batch["a"].unique().tolist()) == {-1.0, 1.0}
    assert batch["b"].min() >= -1 and batch["b"].max() <= 1
    # the target's foreground is exactly the source's mask: palette colour inside, dark outside
    fg = batch["a"][:, :1] > 0
    colour = PALETTES[batch["factors"]["palette"]][:, :, None, None].expand(-1, -1, 32, 32)
    assert torch.allclose(batch["b"][fg.expand(-1, 3, -1, -1)], colour[fg.expand(-1, 3, -1, -1)])
    assert (batch["b"].amax(1, keepdim=True)[~fg] <= 0.3 * 2 - 1 + 1e-6).all()
    assert fg.flatten(1).sum(1).min() >= 30  # every shape is visible


def test_palette_k_is_nearest_mean_foreground_colour():
    _, batch = _batch(1000)
    fg = (batch["a"][:, :1] > 0).float()
    mean = (batch["b"] * fg).flatten(2).sum(2) / fg.flatten(1).sum(1, keepdim=True)  # (N, 3)
    nearest = torch.cdist(mean, PALETTES).argmin(1)
    assert torch.equal(nearest, batch["factors"]["palette"])
    assert torch.equal(batch["factors"]["style"], batch["factors"]["palette"])


def test_factor_ranges_and_all_styles_drawn():
    ds, batch = _batch(2000)
    f = batch["factors"]
    assert f["style"].unique().tolist() == list(range(8)) == list(range(ds.num_styles))
    assert f["kind"].unique().tolist() == [0, 1, 2, 3]
    assert (f["size"] >= 0.35).all() and (f["size"] <= 0.6).all()
    assert (f["cx"].abs() + f["size"] <= 0.95 + 1e-6).all()


@pytest.mark.parametrize(
    "textures,palettes", [(("flat",), range(8)), (("flat", "stripes"), range(4))]
)
def test_oracle_exact_on_clean_and_robust_to_noise(textures, palettes):
    ds, batch = _batch(1000, textures=textures, palettes=palettes)
    assert ds.num_styles == 8
    truth = batch["factors"]["style"]
    assert torch.equal(ds.style_of(batch["b"], batch["a"]), truth)
    g = torch.Generator().manual_seed(0)
    noisy = (batch["b"] + 0.1 * torch.randn(batch["b"].shape, generator=g)).clamp(-1, 1)
    accuracy = (ds.style_of(noisy, batch["a"]) == truth).float().mean()
    assert accuracy > 0.99  # measured 1.000 for both settings
    accuracy = (ds.style_of(noisy) == truth).float().mean()  # foreground estimated
    assert accuracy > 0.99  # measured 1.000 (flat), 0.9986 (stripes)


def test_oracle_robust_to_blur_for_flat_styles():
    _, batch = _batch(1000)
    blurred = F.avg_pool2d(batch["b"], 3, stride=1, padding=1, count_include_pad=False)
    assert torch.equal(style_of(blurred, batch["a"]), batch["factors"]["style"])


def test_edges_source_is_inside_the_mask():
    masks = ShapesDataset(size=32).batch(range(32))["a"] > 0
    ds = ShapesDataset(size=32, source="edges", source_channels=1)
    batch = ds.batch(range(32))
    edges = batch["a"] > 0
    assert batch["a"].shape == (32, 1, 32, 32)
    assert (edges <= masks[:, :1]).all()
    assert edges.sum() < 0.6 * masks[:, :1].sum()
    assert torch.equal(style_of(batch["b"], batch["a"]), batch["factors"]["style"])


def test_grey_background_is_constant_and_leaves_the_rest_unchanged():
    hue, grey = ShapesDataset(size=64), ShapesDataset(size=64, background="grey")
    bh, bg = hue.batch(range(64)), grey.batch(range(64))
    outside = bg["a"][:, :1] < 0  # (N, 1, H, W) background pixels
    background = bg["b"].permute(1, 0, 2, 3)[:, outside[:, 0]]  # (3, pixels)
    assert torch.allclose(background, torch.full_like(background, 0.3 * 2 - 1))
    assert torch.equal(bh["a"], bg["a"])  # same shapes ...
    assert torch.equal(
        bh["b"][~outside.expand(-1, 3, -1, -1)], bg["b"][~outside.expand(-1, 3, -1, -1)]
    )
    assert torch.equal(grey.style_of(bg["b"]), bg["factors"]["style"])  # ... and styles, mask-free


def test_errors():
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        ShapesDataset(split="dev")
    with pytest.raises(ValueError, match="resolution must be an int >= 8, got 4"):
        ShapesDataset(resolution=4)
    with pytest.raises(ValueError, match="unknown shape kind 'blob'"):
        ShapesDataset(kinds=["blob"])
    with pytest.raises(ValueError, match="background must be one of .* got 'black'"):
        ShapesDataset(background="black")
    with pytest.raises(ValueError, match="source_channels must be 1 or 3, got 2"):
        ShapesDataset(source_channels=2)
    with pytest.raises(IndexError, match="index 10 out of range"):
        ShapesDataset(size=10)[10]
    with pytest.raises(ValueError, match="b must be"):
        style_of(torch.zeros(2, 1, 8, 8))
