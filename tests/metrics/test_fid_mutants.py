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


@pytest.fixture
def fake_inception(monkeypatch):
    """InceptionFeatures without the weight file: the resolver and torchmetrics' network are
    replaced by recorders; the fake network returns each image's channel means of its uint8
    input as (N, C, 1, 1), so ``forward`` has to flatten per image."""
    import torchmetrics.image.fid as tm_fid

    from companion.metrics import fid
    from companion.metrics.weights import ResolvedWeights

    calls = {"resolve": [], "net": []}
    resolved = ResolvedWeights("inception-fid", "/w/inception.pth", "ab" * 32, "unverified", "path")

    def resolve(*args):
        calls["resolve"].append(args)
        return resolved

    class FakeNet(torch.nn.Module):
        def __init__(self, **kwargs):
            super().__init__()
            calls["net"].append(kwargs)

        def forward(self, u8):
            calls["input"] = u8
            return u8.double().mean((2, 3))[:, :, None, None]

    monkeypatch.setattr(fid, "resolve_weights", resolve)
    monkeypatch.setattr(tm_fid, "NoTrainInceptionV3", FakeNet)
    return calls, resolved


def test_inception_features_build_the_fid_network_from_the_resolved_file(fake_inception):
    from companion.metrics.fid import InceptionFeatures

    calls, resolved = fake_inception
    f = InceptionFeatures("/given/folder", allow_download=True)
    assert calls["resolve"] == [("inception-fid", "/given/folder", True)]
    assert calls["net"] == [
        {
            "name": "inception-v3-compat",
            "features_list": ["2048"],
            "feature_extractor_weights_path": "/w/inception.pth",
        }
    ]
    assert f.describe() == {
        "features": "inception-v3-pool3",
        "num_features": 2048,
        "weights": resolved.to_dict(),
    }
    x = torch.stack([torch.full((3, 4, 4), -1.0), torch.full((3, 4, 4), 1.0)])  # (2, 3, 4, 4)
    out = f(x)
    assert calls["input"].dtype == torch.uint8 and calls["input"].shape == (2, 3, 4, 4)
    assert out.shape == (2, 3) and out.tolist() == [[0.0] * 3, [255.0] * 3]


def test_inception_features_without_torchmetrics_image_extras(fake_inception, monkeypatch):
    import sys

    from companion.metrics.fid import InceptionFeatures

    monkeypatch.setitem(sys.modules, "torchmetrics.image.fid", None)  # the import fails
    with pytest.raises(ModuleNotFoundError) as info:
        InceptionFeatures()
    assert str(info.value) == (
        "Inception FID needs torchmetrics' image extras: pip install torch-fidelity"
    )


def test_pixel_features_default_to_8x8_of_three_channels():
    f = PixelFeatures()
    x = torch.arange(2 * 3 * 16 * 16, dtype=torch.float32).reshape(2, 3, 16, 16)
    out = f(x)
    assert (f.num_features, f.name) == (192, "pixels-8x8") and type(f.num_features) is int
    assert out.shape == (2, 192)
    assert out[0, 0] == x[0, 0, :2, :2].mean() and out[1, 191] == x[1, 2, 14:, 14:].mean()


def test_module_features_register_the_module_that_owns_the_map():
    from companion.metrics.fid import ModuleFeatures

    net = torch.nn.Linear(3, 2)
    f = ModuleFeatures(lambda x: net(x.mean((2, 3))), 2, "lin", module=net)
    assert f.module is net and list(f.parameters()) == list(net.parameters())
    f.to(torch.float64)
    assert net.weight.dtype == torch.float64  # .to() reaches the owner


def test_images_at_the_tolerance_edge_are_accepted_and_beyond_it_refused_in_full():
    edge = torch.full((2, 1, 2, 2), 1.001, dtype=torch.float64)
    extract_features(edge, PixelFeatures(1, channels=1))
    extract_features(-edge, PixelFeatures(1, channels=1))
    x = torch.zeros(2, 1, 2, 2)
    x[0, 0, 0, 0], x[1, 0, 0, 0] = -1.5, 1.25
    with pytest.raises(ValueError) as info:
        extract_features(x, PixelFeatures(1, channels=1))
    assert str(info.value) == (
        "expected x in [-1, 1], got min -1.5 max 1.25; rescale [0, 1] images with `x * 2 - 1`"
    )


def test_gaussian_statistics_of_two_samples():
    from companion.metrics.fid import gaussian_statistics

    mu, sigma = gaussian_statistics(torch.tensor([[0.0, 1.0], [2.0, 5.0]]))
    assert mu.tolist() == [1.0, 3.0] and sigma.tolist() == [[2.0, 4.0], [4.0, 8.0]]


@pytest.fixture
def kid_recorder(monkeypatch):
    """torchmetrics' KID replaced by a recorder: its settings, and the first draw of the
    global generator inside compute (the subset draws)."""
    import torchmetrics.image.kid as tm_kid

    made = []

    class FakeKID:
        def __init__(self, **kwargs):
            made.append(kwargs)

        def update(self, features, real):
            pass

        def compute(self):
            made[-1]["draw"] = torch.randint(1 << 30, (1,)).item()
            return torch.tensor(0.5), torch.tensor(0.25)

    monkeypatch.setattr(tm_kid, "KernelInceptionDistance", FakeKID)
    return made


def _draw_after_seed(seed):
    return torch.randint(1 << 30, (1,), generator=torch.Generator().manual_seed(seed)).item()


def test_kid_defaults_hundred_subsets_of_up_to_a_thousand_seed_zero(kid_recorder):
    assert kid_from_features(torch.zeros(1500, 3), torch.zeros(1200, 3)) == (0.5, 0.25)
    (settings,) = kid_recorder
    assert settings["feature"].num_features == 3
    assert (settings["subsets"], settings["subset_size"]) == (100, 1000)
    assert settings["draw"] == _draw_after_seed(0)


def test_kid_subset_size_is_the_smallest_of_the_three(kid_recorder):
    kid_from_features(torch.zeros(5, 2), torch.zeros(9, 2), subsets=7, subset_size=100, seed=3)
    kid_from_features(torch.zeros(9, 2), torch.zeros(6, 2), subsets=7, subset_size=100)
    kid_from_features(torch.zeros(9, 2), torch.zeros(9, 2), subsets=7, subset_size=4)
    assert [(k["subsets"], k["subset_size"]) for k in kid_recorder] == [(7, 5), (7, 6), (7, 4)]
    assert kid_recorder[0]["draw"] == _draw_after_seed(3)


def test_kid_error_names_the_subset_size():
    with pytest.raises(ValueError) as info:
        kid_from_features(torch.zeros(1, 2), torch.zeros(5, 2))
    assert str(info.value) == "KID needs at least 2 samples per set, got subset size 1"
