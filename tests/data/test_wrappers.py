"""single_domain and biased."""

import numpy as np
import pytest
import torch

from companion.data import (
    DigitsDataset,
    ShapesDataset,
    UnpairedShapes,
    biased,
    single_domain,
)


def test_single_domain_views():
    s = single_domain(ShapesDataset(size=8), key="b")[3]
    assert sorted(s) == ["factors", "x", "y"] and s["x"].shape == (3, 32, 32)
    assert int(s["y"]) == int(s["factors"]["style"])
    d = single_domain(DigitsDataset(size=8), key="a")[0]
    assert int(d["y"]) == int(d["factors"]["label"])
    u = single_domain(UnpairedShapes("season", size=8), key="b")
    batch = torch.utils.data.DataLoader(u, batch_size=4).__iter__().__next__()
    assert batch["x"].shape == (4, 3, 32, 32) and batch["y"].shape == (4,)
    with pytest.raises(KeyError, match="sample has no image 'rgb'"):
        single_domain(ShapesDataset(size=2), key="rgb")[0]


def _aligned(hue, cls, bins):
    return ((hue * bins).long() == cls).float().mean().item()


@pytest.mark.parametrize("strength", [0.0, 0.5, 0.9, 1.0])
def test_biased_strength_is_the_knob(strength):
    base = UnpairedShapes("season", size=2000)
    ds = biased(base, strength=strength, seed=0)
    f = ds.batch(range(2000))["factors"]
    aligned_a = _aligned(f["a"]["background_hue"], 0, 2)
    aligned_b = _aligned(f["b"]["background_hue"], 1, 2)
    expected = strength + (1 - strength) * 0.5
    assert abs(aligned_a - expected) < 0.04 and abs(aligned_b - expected) < 0.04
    if strength == 0.0:
        assert torch.equal(ds.batch(range(20))["a"], base.batch(range(20))["a"])


def test_biased_paired_shapes_and_digits_by_class():
    ds = biased(ShapesDataset(size=1000), strength=1.0)
    f = ds.batch(range(1000))["factors"]
    assert _aligned(f["background_hue"], f["style"], 8) == 1.0
    assert ds.num_styles == 8  # oracle attributes are passed through
    dg = biased(DigitsDataset(size=500), strength=1.0, seed=3).batch(range(500))
    assert _aligned(dg["factors"]["background_hue"], dg["y"], 10) == 1.0


def test_biased_keeps_everything_else():
    base = ShapesDataset(size=50)
    f0, f1 = base.sample_factors(np.arange(50)), biased(base).sample_factors(np.arange(50))
    for k in f0:
        if k != "background_hue":
            assert np.array_equal(f0[k], f1[k])


def test_biased_errors():
    with pytest.raises(ValueError, match="strength must be in"):
        biased(ShapesDataset(size=4), strength=1.5)
    with pytest.raises(ValueError, match="has no factor 'fur'"):
        biased(ShapesDataset(size=4), attribute="fur")
    with pytest.raises(TypeError, match="needs a synthetic dataset"):
        biased([1, 2, 3])
