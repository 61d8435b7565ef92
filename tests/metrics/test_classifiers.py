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
