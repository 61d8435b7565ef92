import pytest
import torch

from companion.metrics.fid import (
    InceptionFeatures,
    ModuleFeatures,
    PixelFeatures,
    extract_features,
    fid_from_features,
    frechet_distance,
    gaussian_statistics,
    kid_from_features,
    to_uint8,
)


def _gaussian(n, mu, std, generator):
    return mu + std * torch.randn(n, mu.shape[0], generator=generator, dtype=torch.float64)


def test_frechet_distance_closed_form_diagonal():
    # For commuting (here diagonal) covariances, Tr((S1 S2)^1/2) = sum sqrt(s1 s2), so
    # FID = |mu1 - mu2|^2 + sum (sqrt(s1) - sqrt(s2))^2.
    g = torch.Generator().manual_seed(0)
    d = 6
    kw = {"generator": g, "dtype": torch.float64}
    mu1, mu2 = torch.randn(d, **kw), torch.randn(d, **kw)
    s1, s2 = torch.rand(d, **kw) + 0.1, torch.rand(d, **kw) + 0.1
    expected = (mu1 - mu2).square().sum() + (s1.sqrt() - s2.sqrt()).square().sum()
    got = frechet_distance(mu1, torch.diag(s1), mu2, torch.diag(s2))
    assert got == pytest.approx(float(expected), abs=1e-10)


def test_frechet_distance_closed_form_commuting_rotated():
    # Rotate both diagonal covariances by the same orthogonal Q: they still commute.
    g = torch.Generator().manual_seed(1)
    d = 5
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    s1 = torch.rand(d, generator=g, dtype=torch.float64) + 0.1
    s2 = torch.rand(d, generator=g, dtype=torch.float64) + 0.1
    sigma1, sigma2 = q @ torch.diag(s1) @ q.T, q @ torch.diag(s2) @ q.T
    mu = torch.zeros(d, dtype=torch.float64)
    expected = float((s1.sqrt() - s2.sqrt()).square().sum())
    assert frechet_distance(mu, sigma1, mu, sigma2) == pytest.approx(expected, abs=1e-10)


def test_frechet_distance_singular_covariance_is_finite():
    sigma = torch.zeros(3, 3, dtype=torch.float64)
    sigma[0, 0] = 1.0
    assert frechet_distance(torch.zeros(3), sigma, torch.zeros(3), sigma) == pytest.approx(
        0, abs=1e-12
    )


def test_frechet_distance_agrees_with_torchmetrics_on_same_features():
    g = torch.Generator().manual_seed(2)
    f_real = _gaussian(400, torch.zeros(8, dtype=torch.float64), 1.0, g)
    f_fake = _gaussian(300, 0.3 * torch.ones(8, dtype=torch.float64), 1.5, g)
    ours = frechet_distance(*gaussian_statistics(f_real), *gaussian_statistics(f_fake))
    theirs = fid_from_features(f_real, f_fake)
    assert ours == pytest.approx(theirs, rel=1e-8)
    assert ours > 1.0


def test_fid_of_a_set_with_itself_is_zero():
    g = torch.Generator().manual_seed(3)
    f = _gaussian(200, torch.zeros(16, dtype=torch.float64), 1.0, g)
    assert abs(fid_from_features(f, f)) < 1e-8
    assert abs(frechet_distance(*gaussian_statistics(f), *gaussian_statistics(f))) < 1e-8


def test_fid_on_images_with_pixel_features():
    g = torch.Generator().manual_seed(4)
    x = torch.rand(64, 3, 16, 16, generator=g) * 2 - 1
    feats = extract_features(x, PixelFeatures(size=4), batch_size=10)
    assert feats.shape == (64, 48) and feats.dtype == torch.float64
    assert abs(fid_from_features(feats, feats)) < 1e-8
    shifted = extract_features((x * 0.5 + 0.3).clamp(-1, 1), PixelFeatures(size=4))
    assert fid_from_features(feats, shifted) > 1.0


def test_kid_same_distribution_near_zero_and_shift_positive():
    g = torch.Generator().manual_seed(5)
    mu0 = torch.zeros(4, dtype=torch.float64)
    f1, f2 = _gaussian(300, mu0, 1.0, g), _gaussian(300, mu0, 1.0, g)
    f3 = _gaussian(300, mu0 + 1.0, 1.0, g)
    same, _ = kid_from_features(f1, f2, subsets=20, subset_size=200, seed=0)
    shifted, _ = kid_from_features(f1, f3, subsets=20, subset_size=200, seed=0)
    assert abs(same) < 0.02 and shifted > 0.2  # measured: same ~ 1e-3, shifted ~ 0.9
    # Reproducible and leaves the global RNG alone.
    state = torch.get_rng_state()
    assert kid_from_features(f1, f3, subsets=5, subset_size=100, seed=7) == kid_from_features(
        f1, f3, subsets=5, subset_size=100, seed=7
    )
    assert torch.equal(state, torch.get_rng_state())


def test_module_features_and_describe():
    net = torch.nn.Conv2d(3, 2, 3)
    f = ModuleFeatures(lambda x: net(x).mean((2, 3)), 2, "tiny-conv", module=net)
    assert extract_features(torch.zeros(4, 3, 8, 8), f).shape == (4, 2)
    assert f.describe() == {"features": "tiny-conv", "num_features": 2, "weights": None}


def test_to_uint8_range():
    x = torch.linspace(-1, 1, 11)
    u = to_uint8(x)
    assert u.dtype == torch.uint8 and u.min() == 0 and u.max() == 255


def test_bad_images_raise():
    with pytest.raises(ValueError, match=r"expected x in \[-1, 1\], got min"):
        extract_features(torch.full((2, 3, 8, 8), 3.0), PixelFeatures(2))
    with pytest.raises(ValueError, match="shape \\(N, C, H, W\\)"):
        extract_features(torch.zeros(3, 8, 8), PixelFeatures(2))
    with pytest.raises(TypeError, match="float"):
        extract_features(torch.zeros(2, 3, 8, 8, dtype=torch.uint8), PixelFeatures(2))
    with pytest.raises(ValueError, match="feature sizes differ"):
        fid_from_features(torch.zeros(3, 2), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="N >= 2"):
        gaussian_statistics(torch.zeros(1, 3))


def test_inception_missing_weights_names_file(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(FileNotFoundError, match="weights-inception-2015-12-05-6726825d.pth"):
        InceptionFeatures()
