"""Bias metrics: the hue oracle, bias strength and flip rate, on data whose answers are known."""

import pytest
import torch

from companion.data import ShapesDataset, UnpairedShapes, biased
from companion.metrics import background_hue, bias_strength, flip_rate, hue_bins


def _circular(a, b):
    d = (a - b).abs()
    return torch.minimum(d, 1 - d)


def test_background_hue_reads_the_rendered_factor():
    ds = ShapesDataset(size=500, background="hue")
    batch = ds.batch(range(500))
    err = _circular(background_hue(batch["b"]), batch["factors"]["background_hue"])
    # hue of a 0.6-saturated, 0.3-valued colour: exact up to float rounding (max 2e-7 measured)
    assert err.max() < 1e-4


def test_background_hue_of_grey_is_zero_and_rejects_bad_shapes():
    grey = ShapesDataset(size=4, background="grey").batch(range(4))["b"]
    assert torch.equal(background_hue(grey), torch.zeros(4))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        background_hue(torch.zeros(2, 1, 8, 8))


@pytest.mark.parametrize("strength", [0.0, 0.3, 0.8, 1.0])
def test_bias_strength_recovers_biased_strength(strength):
    n = 4000
    f = biased(UnpairedShapes("season", size=n), strength=strength, seed=1).batch(range(n))
    hue = torch.cat([f["factors"]["a"]["background_hue"], f["factors"]["b"]["background_hue"]])
    domain = torch.cat([torch.zeros(n), torch.ones(n)]).long()
    # 8000 samples: binomial std of p is <= 0.0056, of the strength <= 0.011; 4 std margin
    assert bias_strength(hue, domain, 2) == pytest.approx(strength, abs=0.045)


def test_bias_strength_known_values_and_errors():
    cls = torch.tensor([0, 1, 0, 1])
    assert bias_strength(torch.tensor([0.1, 0.9, 0.2, 0.6]), cls, 2) == 1.0
    assert bias_strength(torch.tensor([0.9, 0.1, 0.6, 0.2]), cls, 2) == -1.0
    assert bias_strength(torch.tensor([0.1, 0.1, 0.9, 0.9]), cls, 2) == 0.0
    with pytest.raises(ValueError, match="bins must be >= 2"):
        bias_strength(torch.tensor([0.1]), torch.tensor([0]), 1)
    with pytest.raises(ValueError, match=r"must be \(N,\)"):
        bias_strength(torch.tensor([0.1, 0.2]), torch.tensor([0]), 2)


def test_hue_bins_and_flip_rate_known_answers():
    assert hue_bins(torch.tensor([0.0, 0.49, 0.5, 0.99]), 2).tolist() == [0, 0, 1, 1]
    assert hue_bins(torch.tensor([0.0, 0.3, 0.99]), 3).tolist() == [0, 0, 2]
    # the result stays in [0, bins) for hues that rounding puts just outside [0, 1)
    assert hue_bins(torch.tensor([-0.01, 1.0, 1.2]), 2).tolist() == [0, 1, 1]
    assert hue_bins(torch.tensor([-0.6, -3.0]), 2).tolist() == [0, 0]  # truncation gives -1, -6
    u = torch.tensor([0, 1, 1, 0])
    assert flip_rate(u, u) == 0.0 and flip_rate(u, 1 - u) == 1.0
    k_outputs = torch.stack([u, 1 - u, u, u], dim=1)  # (4, 4): one flipped output per input
    assert flip_rate(u, k_outputs) == 0.25
    with pytest.raises(ValueError, match="u_in must be"):
        flip_rate(u, u[:3])


def test_hue_distance_known_answers_and_spread_of_uniform_hues():
    from companion.data import DigitsDataset
    from companion.metrics import hue_distance, pairwise_diversity

    def flat(rgb):
        return torch.tensor(rgb)[None, :, None, None].expand(1, 3, 6, 6) * 2 - 1

    red, yellow, cyan, blue = (
        flat([1.0, 0, 0]),
        flat([1.0, 1, 0]),
        flat([0, 1.0, 1]),
        flat([0, 0, 1.0]),
    )
    assert hue_distance(red, cyan).item() == pytest.approx(0.5)
    assert hue_distance(red, yellow).item() == pytest.approx(1 / 6)
    assert hue_distance(red, blue).item() == pytest.approx(1 / 3)  # around the circle, not 2/3
    assert hue_distance(red, red).item() == 0
    # real near-target renders: hues uniform and independent, so 0.25 apart on average
    b = DigitsDataset(size=400, resolution=16, target="near").batch(range(400))["b"]
    spread = pairwise_diversity(b.view(100, 4, 3, 16, 16), hue_distance).mean().item()
    assert spread == pytest.approx(0.25, abs=0.03)
    same = b[:100, None].expand(100, 4, 3, 16, 16)  # one render per source: no spread
    assert pairwise_diversity(same, hue_distance).max().item() == 0


def test_background_hue_is_the_hsv_hue_of_the_median_border_colour():
    """Against colorsys on the median of the border pixels (picked by an explicit mask), for
    images whose every pixel has its own colour: any other set of pixels moves a median."""
    import colorsys

    g = torch.Generator().manual_seed(0)
    images = torch.rand(16, 3, 7, 9, generator=g) * 2 - 1
    border = torch.zeros(7, 9, dtype=torch.bool)
    border[0], border[-1], border[:, 0], border[:, -1] = True, True, True, True
    x = (images + 1) / 2
    expected = []
    for img in x:
        r, gr, b = img[:, border].median(dim=1).values.tolist()
        expected.append(colorsys.rgb_to_hsv(r, gr, b)[0])
    assert background_hue(images).tolist() == pytest.approx(expected, abs=1e-5)


def _flat(r, g, b):
    """An 8x8 image of one colour given in [0, 1] per channel (as background_hue reads it)."""
    return (torch.tensor([r, g, b]) * 2 - 1)[None, :, None, None].expand(1, 3, 8, 8)


def test_background_hue_near_grey_and_just_below_red():
    # a blue tint of 6e-7 (below the 1e-6 grey tolerance) is grey; 1.2e-6, above it, is blue
    assert background_hue(_flat(0.5, 0.5, 0.5 + 6e-7)).tolist() == [0.0]
    assert background_hue(_flat(0.5, 0.5, 0.5 + 1.2e-6)).item() == pytest.approx(2 / 3)
    # red with a trace of blue: the hue wraps to 1 - 1e-7, which float32 rounds to 1.0; the
    # result stays in [0, 1)
    assert background_hue(_flat(1.0, 0.5, 0.5 + 2**-24)).tolist() == [0.0]


def test_hue_bins_default_to_two_and_bias_strength_bins_by_its_argument():
    assert hue_bins(torch.tensor([0.4, 0.6])).tolist() == [0, 1]
    attribute, classes = torch.tensor([0.1, 0.5, 0.9]), torch.tensor([0, 1, 2])
    assert bias_strength(attribute, classes, 3) == 1.0
