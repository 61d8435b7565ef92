import dataclasses

import pytest
import torch

from companion.metrics.lpips import LPIPS_BACKENDS, build_lpips
from companion.metrics.weights import KNOWN_WEIGHTS, file_sha256


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Fail loudly if anything tries to download; hide the real hub cache and weights dir."""

    def forbidden(*args, **kwargs):
        raise AssertionError("network touched")

    monkeypatch.setattr(torch.hub, "download_url_to_file", forbidden)
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", forbidden)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.delenv("COMPANION_WEIGHTS_DIR", raising=False)


@pytest.fixture(scope="module")
def random_alex():
    return build_lpips("lpips-random-alex", seed=0)


def _images(n=4, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g) * 1.6 - 0.8


def test_identical_images_have_zero_distance(random_alex):
    x = _images()
    assert torch.equal(random_alex(x, x), torch.zeros(4))


def test_distance_grows_with_distortion(random_alex):
    x = _images()
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(x.shape, generator=g)
    dists = [float(random_alex(x, (x + s * noise).clamp(-1, 1)).mean()) for s in (0.02, 0.1, 0.4)]
    assert 0 < dists[0] < dists[1] < dists[2]


def test_random_trunk_is_labelled_and_seeded():
    d1, d2 = build_lpips("lpips-random-alex", seed=3), build_lpips("lpips-random-alex", seed=3)
    x, y = _images(seed=0), _images(seed=1)
    assert torch.equal(d1(x, y), d2(x, y))
    info = d1.describe()
    assert info["comparable"] is False and "not LPIPS" in info["label"] and info["weights"] is None


def test_real_backend_without_weights_raises_naming_file():
    with pytest.raises(FileNotFoundError, match="alexnet-owt-7be5be79.pth.*download.pytorch.org"):
        build_lpips("lpips-alex")


def test_real_backend_loads_trunk_from_weights_dir(tmp_path, monkeypatch):
    # A stand-in checkpoint in torchvision's key layout (features.<i>.weight), trunk keys only.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(5)
        trunk = build_lpips("lpips-random-alex", seed=5).net.net
    state = {}
    for block in trunk.children():
        for idx, layer in block.named_children():
            for pname, value in layer.named_parameters():
                state[f"features.{idx}.{pname}"] = value.detach().clone()
    path = tmp_path / "alexnet-owt-7be5be79.pth"
    torch.save(state, path)
    fake = dataclasses.replace(KNOWN_WEIGHTS["alexnet"], sha256=file_sha256(path))
    monkeypatch.setitem(KNOWN_WEIGHTS, "alexnet", fake)
    monkeypatch.setenv("COMPANION_WEIGHTS_DIR", str(tmp_path))
    d = build_lpips("lpips-alex", seed=0)  # seed 0 differs from 5: weights must come from file
    assert torch.equal(d.net.net.slice1[0].weight, state["features.0.weight"])
    info = d.describe()
    assert info["comparable"] is True and info["weights"]["source"] == "COMPANION_WEIGHTS_DIR"
    assert info["weights"]["sha256"] == file_sha256(path)


def test_errors(random_alex):
    with pytest.raises(ValueError, match="unknown LPIPS backend 'alex'"):
        build_lpips("alex")
    with pytest.raises(ValueError, match="at least 32x32"):
        random_alex(torch.zeros(1, 3, 16, 16), torch.zeros(1, 3, 16, 16))
    with pytest.raises(ValueError, match="equal shape"):
        random_alex(torch.zeros(1, 3, 32, 32), torch.zeros(2, 3, 32, 32))
    with pytest.raises(ValueError, match=r"in \[-1, 1\], got min"):
        random_alex(torch.full((1, 3, 32, 32), 2.0), torch.zeros(1, 3, 32, 32))


def test_backends_table():
    assert set(LPIPS_BACKENDS) == {
        "lpips-alex",
        "lpips-vgg",
        "lpips-random-alex",
        "lpips-random-vgg",
    }


def test_matches_plain_lpips_package_with_same_trunk():
    import warnings

    import lpips

    ours = build_lpips("lpips-random-alex", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = lpips.LPIPS(net="alex", pnet_rand=True, verbose=False)  # weights=None: no download
    plain.net.load_state_dict(ours.net.net.state_dict())
    x, y = _images(seed=0), _images(seed=1)
    assert torch.allclose(ours(x, y), plain(x, y).flatten(), atol=1e-6)
