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


def _trunk_state(trunk):
    """The trunk's parameters under torchvision's AlexNet keys (features.<i>.<name>)."""
    return {
        f"features.{idx}.{pname}": value.detach().clone()
        for block in trunk.children()
        for idx, layer in block.named_children()
        for pname, value in layer.named_parameters()
    }


def test_real_backend_loads_trunk_from_weights_dir(tmp_path, monkeypatch):
    # A stand-in checkpoint in torchvision's key layout (features.<i>.weight), trunk keys only.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(5)
        trunk = build_lpips("lpips-random-alex", seed=5).net.net
    state = _trunk_state(trunk)
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


def _alexnet_checkpoint(tmp_path, monkeypatch, drop=()):
    """A stand-in torchvision AlexNet file (features.* and classifier.*, as the real one),
    registered as the known alexnet weights; returns its path and state."""
    trunk = build_lpips("lpips-random-alex", seed=5).net.net
    state = _trunk_state(trunk)
    state["classifier.1.weight"] = torch.zeros(2, 2)  # index 1 is also a trunk slice's index
    for key in drop:
        del state[key]
    path = tmp_path / "alexnet-owt-7be5be79.pth"
    torch.save(state, path)
    fake = dataclasses.replace(KNOWN_WEIGHTS["alexnet"], sha256=file_sha256(path))
    monkeypatch.setitem(KNOWN_WEIGHTS, "alexnet", fake)
    return path, state


def test_the_trunk_loads_features_only_to_the_cpu_weights_only(tmp_path, monkeypatch):
    path, state = _alexnet_checkpoint(tmp_path, monkeypatch)
    loads, real_load = [], torch.load
    monkeypatch.setattr(
        torch, "load", lambda f, **k: loads.append((str(f), k)) or real_load(f, **k)
    )
    d = build_lpips("lpips-alex", weights_path=str(path))
    assert (str(path), {"map_location": "cpu", "weights_only": True}) in loads
    last = dict(d.net.net.slice5.named_children())["10"]  # torchvision's features.10
    assert torch.equal(last.weight, state["features.10.weight"])


def test_a_trunk_file_missing_weights_is_named(tmp_path, monkeypatch):
    path, _ = _alexnet_checkpoint(tmp_path, monkeypatch, drop=("features.0.bias",))
    with pytest.raises(RuntimeError) as info:
        build_lpips("lpips-alex", weights_path=str(path))
    assert str(info.value) == (
        f"{path} lacks trunk weights ['slice1.0.bias']...; is it the torchvision alexnet "
        "checkpoint?"
    )
    many = [f"features.{i}.{p}" for i in (0, 3, 6) for p in ("weight", "bias")]
    path, _ = _alexnet_checkpoint(tmp_path, monkeypatch, drop=many)
    with pytest.raises(RuntimeError) as info:
        build_lpips("lpips-alex", weights_path=str(path))
    assert "['slice1.0.bias', 'slice1.0.weight', 'slice2.3.bias', 'slice2.3.weight']..." in str(
        info.value
    )


def test_the_weights_are_resolved_from_the_given_path_and_download_permission(monkeypatch):
    import companion.metrics.lpips as lp

    calls = []

    class Stop(Exception):
        pass

    def resolve(*args):
        calls.append(args)
        raise Stop

    monkeypatch.setattr(lp, "resolve_weights", resolve)
    with pytest.raises(Stop):
        build_lpips(weights_path="/w", allow_download=True)  # the default backend: lpips-alex
    with pytest.raises(Stop):
        build_lpips("lpips-vgg")
    assert calls == [("alexnet", "/w", True), ("vgg16", None, False)]


def test_a_random_trunk_is_seeded_by_default_with_zero_and_frozen():
    d0, d1 = build_lpips("lpips-random-alex"), build_lpips("lpips-random-alex", seed=1)
    again = build_lpips("lpips-random-alex", seed=0)
    w = d0.net.net.slice1[0].weight
    assert torch.equal(w, again.net.net.slice1[0].weight)
    assert not torch.equal(w, d1.net.net.slice1[0].weight)
    assert not any(p.requires_grad for p in d0.parameters())
    vgg = build_lpips("lpips-random-vgg")
    assert type(vgg.net.net).__name__ == "vgg16"


def test_building_prints_and_warns_nothing(capsys):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_lpips("lpips-random-alex")
    assert capsys.readouterr().out == ""


def test_describe_and_label_of_a_random_and_a_comparable_distance():
    from companion.metrics.lpips import PerceptualDistance

    d = build_lpips("lpips-random-alex")
    assert d.describe() == {
        "backend": "lpips-random-alex",
        "label": "lpips-random-alex (random trunk: not LPIPS)",
        "comparable": False,
        "lpips_version": "0.1",
        "weights": None,
    }
    real = PerceptualDistance(d.net, "lpips-alex", None)
    assert (real.label, real.comparable) == ("lpips-alex", True)


def test_the_distance_stays_in_eval_mode():
    d = build_lpips("lpips-random-alex")
    assert d.train() is d and not d.training and not d.net.training
    d.train(True)
    assert not any(m.training for m in d.modules())


@pytest.mark.parametrize("change", ["drop", "extra"])
def test_a_heads_file_that_does_not_fit_is_refused(tmp_path, monkeypatch, change):
    import pathlib

    import lpips

    shipped = pathlib.Path(lpips.__file__).parent / "weights" / "v0.1" / "alex.pth"
    heads = torch.load(shipped, map_location="cpu", weights_only=True)
    if change == "drop":
        del heads["lin2.model.1.weight"]
    else:
        heads["extra.weight"] = torch.zeros(1)
    (tmp_path / "weights" / "v0.1").mkdir(parents=True)
    torch.save(heads, tmp_path / "weights" / "v0.1" / "alex.pth")
    monkeypatch.setattr(lpips, "__file__", str(tmp_path / "__init__.py"))
    with pytest.raises(AssertionError):
        build_lpips("lpips-random-alex")
