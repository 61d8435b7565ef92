import dataclasses

import pytest
import torch

from companion.metrics.classifiers import DomainClassifier, train_classifier
from companion.metrics.fid import extract_features, fid_from_features


def _colour_images(n, seed):
    """Images whose class is the dominant channel (R, G or B), plus noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 3, (n,), generator=g)
    x = 0.3 * torch.randn(n, 3, 16, 16, generator=g) - 0.5
    x[torch.arange(n), labels] += 1.0
    return x.clamp(-1, 1), labels


def test_trains_to_high_accuracy_and_caches(tmp_path):
    x, y = _colour_images(300, seed=0)
    first = train_classifier(
        x, y, name="rgb", data_version="t1", seed=0, steps=60, cache_dir=tmp_path
    )
    assert not first.from_cache and first.test_accuracy > 0.9  # measured 1.0
    assert (tmp_path / "rgb-t1-seed0.pt").is_file() and first.n_test == 60
    again = train_classifier(
        x, y, name="rgb", data_version="t1", seed=0, steps=60, cache_dir=tmp_path
    )
    assert again.from_cache and again.test_accuracy == first.test_accuracy
    x_new, y_new = _colour_images(100, seed=1)
    assert torch.equal(again.model.predict(x_new), first.model.predict(x_new))
    assert (first.model.predict(x_new) == y_new).double().mean() > 0.9
    assert again.describe()["key"] == "rgb-t1-seed0"


def test_other_settings_retrain(tmp_path):
    x, y = _colour_images(100, seed=0)
    train_classifier(x, y, steps=5, cache_dir=tmp_path)
    assert not train_classifier(x, y, steps=6, cache_dir=tmp_path).from_cache


def test_same_seed_same_classifier_and_global_rng_untouched():
    x, y = _colour_images(80, seed=0)
    state = torch.get_rng_state()
    a = train_classifier(x, y, steps=5, use_cache=False)
    b = train_classifier(x, y, steps=5, use_cache=False)
    assert torch.equal(a.model.head.weight, b.model.head.weight)
    assert torch.equal(state, torch.get_rng_state())


def test_domain_fid_uses_classifier_features():
    x, y = _colour_images(200, seed=0)
    clf = train_classifier(x, y, steps=30, use_cache=False).model
    feats = clf.as_features("rgb")
    assert feats.describe()["features"] == "classifier:rgb"
    f_red = extract_features(x[y == 0], feats)
    f_all = extract_features(x, feats)
    assert abs(fid_from_features(f_all, f_all)) < 1e-6
    assert fid_from_features(f_all, f_red) > 0.0


def test_errors():
    with pytest.raises(ValueError, match="labels must lie in"):
        train_classifier(torch.zeros(4, 3, 8, 8), torch.tensor([0, 1, 2, 5]), n_classes=3)
    with pytest.raises(ValueError, match=r"expected images \(N, C, H, W\)"):
        train_classifier(torch.zeros(4, 3, 8, 8), torch.tensor([0, 1]))


def test_shapes():
    clf = DomainClassifier(5, in_channels=1)
    assert clf(torch.zeros(2, 1, 16, 16)).shape == (2, 5)


def test_factor_classifier_reads_the_style_of_shapes_targets():
    from companion.data import load_dataset
    from companion.metrics import train_factor_classifier

    data = load_dataset("shapes", size=600, background="grey")
    result = train_factor_classifier(data, "style", n=600, steps=150)
    assert result.test_accuracy >= 0.95  # flat colours: an easy factor
    with pytest.raises(KeyError, match=r"factors\['colour'\]"):
        train_factor_classifier(data, "colour")


def test_the_cache_folder_follows_companion_cache_dir(monkeypatch):
    from pathlib import Path

    from companion.metrics.classifiers import classifier_cache_dir

    monkeypatch.setenv("COMPANION_CACHE_DIR", "/somewhere")
    assert classifier_cache_dir() == Path("/somewhere/classifiers")
    monkeypatch.delenv("COMPANION_CACHE_DIR")
    assert classifier_cache_dir() == Path("data/cache/classifiers")


def test_the_network_is_three_stride_two_blocks_a_projection_and_a_head():
    clf = DomainClassifier(n_classes=5)
    convs = [m for m in clf.trunk if isinstance(m, torch.nn.Conv2d)]
    assert [tuple(c.weight.shape) for c in convs] == [(16, 3, 3, 3), (32, 16, 3, 3), (64, 32, 3, 3)]
    assert all((c.stride, c.padding) == ((2, 2), (1, 1)) for c in convs)
    slopes = [m.negative_slope for m in clf.trunk if isinstance(m, torch.nn.LeakyReLU)]
    assert slopes == [0.2] * 3
    assert (clf.proj.in_features, clf.proj.out_features, clf.feature_dim) == (64, 64, 64)
    assert clf.head.out_features == 5
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert clf.trunk(x).shape == (2, 64, 2, 2)
    h = clf.proj(clf.trunk(x).mean((2, 3)))
    assert (h < 0).any()  # the slope below matters
    assert torch.equal(clf.features(x), torch.nn.functional.leaky_relu(h, 0.2))
    assert DomainClassifier(2, feature_dim=8).features(x).shape == (2, 8)


def test_as_features_wraps_the_classifier_for_fid():
    clf = DomainClassifier(n_classes=3)
    f = clf.as_features("rgb-v0")
    assert (f.num_features, f.name, f.module) == (64, "classifier:rgb-v0", clf)
    assert list(f.parameters()) == list(clf.parameters())


def test_one_fitting_step_is_adam_at_lr_on_a_seeded_batch():
    from companion.metrics.classifiers import _fit

    x, y = _colour_images(6, seed=3)
    torch.manual_seed(0)
    model = DomainClassifier(3, width=4)
    expected = DomainClassifier(3, width=4)
    expected.load_state_dict(model.state_dict())
    _fit(model, x, y, steps=1, batch_size=10, lr=0.05, generator=torch.Generator().manual_seed(1))
    idx = torch.randint(0, 6, (6,), generator=torch.Generator().manual_seed(1))
    opt = torch.optim.Adam(expected.parameters(), lr=0.05)
    torch.nn.functional.cross_entropy(expected(x[idx]), y[idx]).backward()
    opt.step()
    assert not model.training
    for p, q in zip(model.parameters(), expected.parameters(), strict=True):
        assert torch.equal(p, q)


@pytest.fixture
def no_fit(monkeypatch):
    """_fit replaced by a recorder of its settings (no training)."""
    from companion.metrics import classifiers

    calls = []

    def record(model, x, y, steps, batch_size, lr, generator):
        calls.append({"steps": steps, "batch_size": batch_size, "lr": lr, "width": model.width})

    monkeypatch.setattr(classifiers, "_fit", record)
    return calls


def test_training_defaults_and_the_number_of_classes(no_fit):
    x, y = torch.zeros(10, 2, 8, 8), torch.tensor([0, 1, 2, 2, 1, 0, 0, 1, 2, 2])
    result = train_classifier(x, y, use_cache=False)
    assert no_fit == [{"steps": 300, "batch_size": 64, "lr": 2e-3, "width": 16}]
    assert result.model.head.out_features == 3 and result.model.in_channels == 2
    assert (result.n_train, result.n_test, result.path, result.from_cache) == (8, 2, None, False)
    with pytest.raises(ValueError) as info:
        train_classifier(x, y, n_classes=2, use_cache=False)
    assert str(info.value) == "labels must lie in [0, 2), got 0..2"


def test_the_cache_file_records_settings_and_is_loaded_to_the_cpu_weights_only(
    tmp_path, no_fit, monkeypatch, caplog
):
    x, y = torch.zeros(10, 2, 8, 8), torch.arange(10) % 3
    cache = tmp_path / "a" / "b"  # created with its parents
    kwargs = {"name": "n", "cache_dir": cache, "width": 8, "steps": 5}
    first = train_classifier(x, y, **kwargs)
    path = cache / "n-v0-seed0.pt"
    assert first.path == str(path) and no_fit[0]["width"] == 8
    saved = torch.load(path, weights_only=True)
    assert saved["settings"] == {
        "n_classes": 3,
        "in_channels": 2,
        "width": 8,
        "steps": 5,
        "batch_size": 64,
        "lr": 2e-3,
        "test_fraction": 0.2,
        "n_images": 10,
    }
    loads, real_load = [], torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(k) or real_load(*a, **k))
    again = train_classifier(x, y, **kwargs)
    assert loads == [{"map_location": "cpu", "weights_only": True}]
    assert dataclasses.replace(again, model=None) == dataclasses.replace(
        first, model=None, from_cache=True
    )
    assert again.model.width == 8 and len(no_fit) == 1
    with caplog.at_level("INFO", logger="companion.metrics.classifiers"):
        train_classifier(x, y, **{**kwargs, "steps": 6})
    assert f"cached classifier {path} has other settings; retraining" in caplog.messages
    assert len(no_fit) == 2


class _Factors:
    """A map-style dataset of 2,500 tiny samples with a ``style`` factor."""

    def __len__(self):
        return 2500

    def __getitem__(self, i):
        return {"b": torch.full((1, 2, 2), i % 3 - 1.0), "factors": {"style": i % 3}}


def test_factor_classifier_defaults(monkeypatch):
    from companion.metrics import classifiers

    calls = []

    def record(images, labels, **kwargs):
        calls.append((images.shape, labels[:4].tolist(), kwargs))
        return "result"

    monkeypatch.setattr(classifiers, "train_classifier", record)
    assert classifiers.train_factor_classifier(_Factors(), "style") == "result"
    assert calls == [
        (
            (2000, 1, 2, 2),
            [0, 1, 2, 0],
            {"name": "_Factors-style", "seed": 0, "steps": 200, "use_cache": False},
        )
    ]


def test_factor_classifier_names_what_the_first_sample_lacks():
    from companion.metrics.classifiers import train_factor_classifier

    with pytest.raises(KeyError) as info:
        train_factor_classifier([{"b": torch.zeros(1, 2, 2)}], "style")
    assert (
        info.value.args[0] == "samples need 'b' and factors['style']; got keys ['b'] and factors []"
    )
    data = [
        {"b": torch.zeros(1), "factors": {"kind": 0}},
        {"b": torch.zeros(1), "factors": {"style": 1}},
    ]
    with pytest.raises(KeyError) as info:
        train_factor_classifier(data, "style")
    assert info.value.args[0] == (
        "samples need 'b' and factors['style']; got keys ['b', 'factors'] and factors ['kind']"
    )
