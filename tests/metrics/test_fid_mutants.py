"""Known answers for the parts of ``companion.metrics.fid`` that the mutation run found untested.

Each test names the class of bug it catches (benchmarks/results/mutation.json lists the
survivors these were written against): image range handling, and how KID sizes its subsets.
"""

import pytest
import torch

from companion.metrics.fid import PixelFeatures, extract_features, kid_from_features, to_uint8


def test_to_uint8_clamps_out_of_range_values_instead_of_wrapping():
    # Without the clamp -1.5 maps to -64, which a uint8 cast wraps to 192.
    x = torch.tensor([-3.0, -1.5, -1.0, 1.0, 1.5, 3.0])
    assert to_uint8(x).tolist() == [0, 0, 0, 255, 255, 255]


@pytest.mark.parametrize("bad", [-1.5, 1.5])
def test_extract_features_rejects_images_outside_minus_one_one(bad):
    x = torch.zeros(2, 3, 8, 8)
    x[0, 0, 0, 0] = bad
    with pytest.raises(ValueError, match=r"rescale \[0, 1\] images with `x \* 2 - 1`"):
        extract_features(x, PixelFeatures(size=2))


def test_extract_features_accepts_the_closed_range():
    x = torch.tensor([-1.0, 1.0]).repeat(2, 3, 4, 2)  # (2, 3, 4, 4), both ends present
    assert extract_features(x, PixelFeatures(size=1)).shape == (2, 3)


def _poly(u: torch.Tensor, v: torch.Tensor) -> float:
    """torchmetrics' KID kernel: (u . v / D + 1) ** 3."""
    return float((u @ v / u.numel() + 1) ** 3)


def test_kid_of_two_point_masses_is_the_kernel_mmd_exactly():
    # Every sample of a set is one point, so the unbiased MMD^2 of every subset is
    # k(a, a) + k(b, b) - 2 k(a, b), and its spread over subsets is zero. The default subset
    # size (1000) exceeds both sets, so this also checks the reduction to min(N1, N2).
    a = torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64)
    b = torch.tensor([0.0, -1.0, 1.0], dtype=torch.float64)
    mean, std = kid_from_features(a.repeat(30, 1), b.repeat(20, 1), subsets=5)
    expected = _poly(a, a) + _poly(b, b) - 2 * _poly(a, b)
    assert mean == pytest.approx(expected, rel=1e-9)
    assert std == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("n_real, n_fake", [(12, 40), (40, 12)])
def test_kid_subset_size_is_capped_by_the_smaller_set(n_real, n_fake):
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(n_real, 4, generator=g), torch.randn(n_fake, 4, generator=g)
    # a subset of 30 would need 30 samples of each set; either set alone may be too small
    mean, _ = kid_from_features(real, fake, subsets=3, subset_size=30)
    assert torch.isfinite(torch.tensor(mean))


def test_kid_honours_a_subset_size_below_the_set_sizes():
    # Subsets of the whole set are all the same set (std 0); smaller subsets differ.
    g = torch.Generator().manual_seed(1)
    real, fake = torch.randn(40, 4, generator=g), torch.randn(40, 4, generator=g) + 0.5
    assert kid_from_features(real, fake, subsets=4, subset_size=40)[1] == pytest.approx(
        0.0, abs=1e-12
    )
    assert kid_from_features(real, fake, subsets=4, subset_size=10)[1] > 1e-4


def test_kid_needs_two_samples_per_set_and_accepts_exactly_two():
    g = torch.Generator().manual_seed(2)
    two = torch.randn(2, 4, generator=g)
    mean, _ = kid_from_features(two, two + 1.0, subsets=2, subset_size=2)
    assert torch.isfinite(torch.tensor(mean))
    with pytest.raises(ValueError, match="at least 2 samples"):
        kid_from_features(two[:1], two, subsets=2)
