"""companion.metrics.suite metric by metric: what each builds from the evaluation's context,
what it asks the context (and the samplers) for, and its full record, against the functions it
wraps. The context is a recording stand-in; ``tests/metrics/test_evaluate.py`` runs them for real.
"""

import dataclasses
from types import SimpleNamespace

import pytest
import torch

from companion.metrics import suite
from companion.metrics.diversity import DIVERSITY_PROTOCOLS, DiversityMeter
from companion.metrics.fid import (
    PixelFeatures,
    extract_features,
    fid_from_features,
    kid_from_features,
)
from companion.metrics.ndb import NDB
from companion.metrics.oracle import (
    label_accuracy,
    mode_coverage,
    style_consistency,
    style_consistency_chance,
)
from companion.metrics.suite import (
    FID,
    KID,
    METRIC_CLASSES,
    DiversityMetric,
    DomainFID,
    Metric,
    ModeCoverage,
    NDBMetric,
    SemanticAccuracy,
    StyleConsistency,
)


def _images(n, seed, c=3, side=8):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, c, side, side, generator=g) * 2 - 1


def _ctx(**fields):
    """A context with the config fields the metrics read, and a log of what they asked."""
    cfg = SimpleNamespace(
        batch_size=7, kid_subsets=3, kid_subset_size=5, ndb_k=3, ndb_alpha=0.1, ndb_size=2,
        lpips_backend="backend-x", protocol="stargan_v2", coverage_samples=4,
        consistency_codes=3,
    )  # fmt: skip
    return SimpleNamespace(cfg=cfg, seed=11, asked=[], **fields)


def test_the_registry_names_each_metric_class():
    assert METRIC_CLASSES == {
        "fid": FID,
        "kid": KID,
        "domain_fid": DomainFID,
        "ndb": NDBMetric,
        "diversity": DiversityMetric,
        "mode_coverage": ModeCoverage,
        "style_consistency": StyleConsistency,
        "semantic_accuracy": SemanticAccuracy,
    }


def test_a_metric_missing_a_method_says_which_and_what():
    class Bare(Metric):
        name = "bare"

    bare = Bare()
    for call, what in ((bare.update, "update()"), (bare.compute, "compute()")):
        with pytest.raises(NotImplementedError) as info:
            call()
        assert str(info.value) == f"Bare must define {what}"
    with pytest.raises(NotImplementedError) as info:
        bare.feed(None)
    assert str(info.value) == "Bare must define feed(ctx)"


@pytest.mark.parametrize(
    ("what", "hint"),
    [
        ("oracle", "evaluate a synthetic dataset (it carries .oracle) or pass oracle="),
        ("classifier", "pass classifier= (see train_classifier)"),
        ("label_key", "pass label_key= (the factor holding each input's class)"),
    ],
)
def test_a_missing_requirement_is_named_with_its_remedy(what, hint):
    ctx = SimpleNamespace(oracle=None, classifier=None, label_key=None)
    with pytest.raises(ValueError) as info:
        suite._require(ctx, what, "m")
    assert str(info.value) == f"metric 'm' needs {what}: {hint}"


@pytest.mark.parametrize("cls", [ModeCoverage, StyleConsistency])
def test_oracle_metrics_name_themselves_when_the_oracle_is_missing(cls):
    with pytest.raises(ValueError) as info:
        cls.from_context(_ctx(oracle=None))
    assert str(info.value).startswith(f"metric {cls.name!r} needs oracle: ")


def test_fid_from_images_or_features_records_the_value_network_and_counts():
    ext = PixelFeatures(2)
    real, fake = _images(6, 0), _images(5, 1)
    fid = FID(ext)
    assert fid.batch_size == 64
    fid.update(real=real)
    fid.update(fake=fake[:3])
    fid.update(fake=fake[3:])
    f_real, f_fake = extract_features(real, ext), extract_features(fake, ext)
    assert fid.compute() == {
        "value": fid_from_features(f_real, f_fake),
        "features": "pixels-2x2",
        "num_features": 12,
        "weights": None,
        "n_real": 6,
        "n_fake": 5,
    }
    fid.reset()
    fid.update_features(f_real, f_fake)
    assert fid.compute()["value"] == fid_from_features(f_real, f_fake)


def test_feature_metrics_take_the_contexts_network_batch_and_both_sets():
    ext = PixelFeatures(2)
    sets = {"real": torch.randn(6, 12, dtype=torch.float64), "fake": torch.randn(4, 12)}
    ctx = _ctx(image_features=lambda: ext)

    def features_of(extractor, which, batch_size):
        ctx.asked.append((extractor, which, batch_size))
        return sets[which]

    ctx.features_of = features_of
    fid = FID.from_context(ctx)
    assert (fid.extractor, fid.batch_size) == (ext, 7)
    fid.feed(ctx)
    assert ctx.asked == [(ext, "real", 7), (ext, "fake", 7)]
    assert fid.compute()["value"] == fid_from_features(sets["real"], sets["fake"])


@pytest.mark.parametrize(("n_real", "n_fake", "size"), [(9, 8, 5), (4, 8, 4), (9, 3, 3)])
def test_kid_records_its_subsets_and_the_subset_size_it_used(n_real, n_fake, size):
    ext = PixelFeatures(2)
    kid = KID.from_context(_ctx(image_features=lambda: ext))
    assert (kid.batch_size, kid.subsets, kid.size, kid.seed) == (7, 3, 5, 11)
    g = torch.Generator().manual_seed(n_real)
    f_real = torch.randn(n_real, 12, generator=g, dtype=torch.float64)
    f_fake = torch.randn(n_fake, 12, generator=g, dtype=torch.float64) + 0.3
    kid.update_features(f_real, f_fake)
    mean, std = kid_from_features(f_real, f_fake, 3, 5, seed=11)
    assert kid.compute() == {
        "value": mean,
        "std": std,
        "subsets": 3,
        "subset_size": size,
        "features": "pixels-2x2",
        "num_features": 12,
        "weights": None,
        "n_real": n_real,
        "n_fake": n_fake,
    }


@pytest.mark.parametrize(("key", "named"), [(None, "unnamed"), ("clf-v0", "clf-v0")])
def test_domain_fid_uses_the_classifiers_features_and_records_it(key, named):
    ext, info = PixelFeatures(2), {"key": key, "test_accuracy": 0.5}
    ctx = _ctx()

    class Model:
        def as_features(self, name):
            ctx.asked.append(("as_features", name))
            return ext

    def classifier_model(metric):
        ctx.asked.append(("classifier_model", metric))
        return Model(), info

    ctx.classifier_model = classifier_model
    metric = DomainFID.from_context(ctx)
    assert ctx.asked == [("classifier_model", "domain_fid"), ("as_features", named)]
    assert (metric.extractor, metric.batch_size) == (ext, 7)
    f_real, f_fake = torch.randn(5, 12), torch.randn(5, 12)
    metric.update_features(f_real, f_fake)
    record = metric.compute()
    assert record["classifier"] is info
    assert record["value"] == fid_from_features(f_real, f_fake)


def test_ndb_bins_the_contexts_sets_in_downsampled_pixels(monkeypatch):
    made = []

    class SpyNDB(NDB):
        def __init__(self, *args):
            made.append(args)
            super().__init__(*args)

    monkeypatch.setattr(suite, "NDB", SpyNDB)
    real, fake = _images(40, 0, c=1), _images(30, 1, c=1) * 0.5
    ctx = _ctx(real=real, generated=lambda: fake)
    metric = NDBMetric.from_context(ctx)
    assert (metric.k, metric.alpha, metric.seed, metric.size) == (3, 0.1, 11, 2)
    metric.feed(ctx)
    record = metric.compute()
    assert made == [(3, 0.1, 11)]
    pixels = PixelFeatures(2, 1)
    expected = NDB(3, 0.1, 11).fit(pixels(real)).score(pixels(fake)).to_dict()
    assert record == {"value": expected["ndb"], **expected, "space": "pixels-2x2"}


class _Distance:
    """A pair distance: mean absolute difference per pair; with ``describe`` if asked."""

    def __init__(self, describe=True):
        if describe:
            self.describe = lambda: {"label": "l1"}
        self.moved_to = None

    def __call__(self, x, y):
        return (x - y).abs().flatten(1).mean(1)

    def to(self, device):
        self.moved_to = device
        return self

    def __repr__(self):
        return "_Distance()"


def test_diversity_builds_its_distance_from_the_context(monkeypatch):
    built, distance = [], _Distance()
    monkeypatch.setattr(suite, "build_lpips", lambda *a, **k: built.append((a, k)) or distance)
    ctx = _ctx(weights_path="/w", device=torch.device("meta"))
    metric = DiversityMetric.from_context(ctx)
    assert built == [(("backend-x", "/w"), {"seed": 11})]
    assert metric.distance is distance and distance.moved_to == torch.device("meta")
    assert metric.protocol is DIVERSITY_PROTOCOLS["stargan_v2"]


def test_diversity_translates_sixteen_inputs_at_a_time_with_the_seeded_codes(monkeypatch):
    calls = []
    k = DIVERSITY_PROTOCOLS["stargan_v2"].n_samples

    def translations(method, a, n, g):
        calls.append((a[:, 0, 0, 0].tolist(), n, g.initial_seed()))
        return (
            a[:, None].expand(-1, n, -1, -1, -1)
            * torch.linspace(0, 1, n)[None, :, None, None, None]
        )

    monkeypatch.setattr(suite, "sample_translations", translations)
    inputs = torch.arange(20.0)[:, None, None, None].expand(20, 1, 2, 2)
    metric = DiversityMetric(_Distance(), "stargan_v2")
    metric.feed(_ctx(inputs=inputs, method="m"))
    assert calls == [(list(range(16)), k, 11), (list(range(16, 20)), k, 11)]
    expected = DiversityMeter(_Distance(), "stargan_v2")
    expected.update(translations(None, inputs, k, torch.Generator()))
    assert metric.compute() == {
        "value": expected.compute(),
        "protocol": dataclasses.asdict(DIVERSITY_PROTOCOLS["stargan_v2"]),
        "n_inputs": 20,
        "n_pairs": 20 * 45,
        "distance": {"label": "l1"},
    }


def test_diversity_records_a_distance_without_describe_by_its_repr():
    metric = DiversityMetric(_Distance(describe=False), "bicyclegan")
    metric.update(_images(20, 0).unsqueeze(0))  # (1, 20, 3, 8, 8)
    record = metric.compute()
    assert record["distance"] == "_Distance()" and record["n_pairs"] == 19


def _oracle(num_styles):
    """Style = the first pixel's value rounded (the fakes below set it)."""
    return SimpleNamespace(style_of=lambda x: x[:, 0, 0, 0].round().long(), num_styles=num_styles)


def _samples(styles):
    """(N, K, 1, 1, 1) samples whose oracle style is ``styles`` (N, K)."""
    return torch.tensor(styles, dtype=torch.float32)[:, :, None, None, None]


def test_mode_coverage_counts_styles_per_input_and_checks_their_range():
    metric = ModeCoverage.from_context(_ctx(oracle=_oracle(4)))
    assert metric.k == 4
    metric.feed(SimpleNamespace(samples=lambda k: _samples([[0, 1, 1, 2], [3, 3, 3, 3]])))
    assert metric.compute() == {
        "value": 2.0,
        "fraction": 0.5,
        "n_styles": 4,
        "n_inputs": 2,
        "samples_per_input": 4,
    }
    small = ModeCoverage(_oracle(2), 2)
    small.update(_samples([[0, 3]]))  # a style the oracle does not have
    with pytest.raises(ValueError):
        small.compute()
    assert mode_coverage(torch.tensor([[0, 3]])) == 2.0  # unchecked, it would count it


def test_style_consistency_shares_seeded_codes_and_records_its_chance(monkeypatch):
    calls = []
    styles = [[0, 1, 2], [0, 1, 0], [0, 2, 2], [1, 1, 2]]

    def translations(method, a, codes=None, batch_size=None):
        calls.append((codes, batch_size))
        return _samples(styles)

    monkeypatch.setattr(suite, "sample_translations", translations)
    ctx = _ctx(oracle=_oracle(3), inputs=torch.zeros(4, 1, 1, 1), method="m", code_dim=2)
    metric = StyleConsistency.from_context(ctx)
    assert (metric.k, metric.seed) == (3, 11)
    metric.feed(ctx)
    codes = torch.randn(3, 2, generator=torch.Generator().manual_seed(11))
    assert torch.equal(calls[0][0], codes) and calls[0][1] == 7
    table = torch.tensor(styles)
    chance = style_consistency_chance(table, seed=11)
    assert chance != style_consistency_chance(table)  # the seed is the metric's
    assert metric.compute() == {
        "value": style_consistency(table),
        "chance": chance,
        "n_inputs": 4,
        "n_codes": 3,
    }


def test_semantic_accuracy_from_the_contexts_classifier_and_label_key(monkeypatch):
    info = {"key": "clf", "test_accuracy": 0.9}
    ctx = _ctx(device=torch.device("meta"), label_key="kind")

    class Model:
        def to(self, device):
            ctx.asked.append(("to", device))
            return self

        def predict(self, x):
            return x[:, 0, 0, 0].round().long()

    def classifier_model(metric):
        ctx.asked.append(("classifier_model", metric))
        return Model(), info

    ctx.classifier_model = classifier_model
    metric = SemanticAccuracy.from_context(ctx)
    assert ctx.asked == [("classifier_model", "semantic_accuracy"), ("to", torch.device("meta"))]
    assert metric.label_key == "kind"
    with pytest.raises(ValueError) as err:
        SemanticAccuracy.from_context(
            _ctx(classifier_model=classifier_model, label_key=None, device="cpu")
        )
    assert str(err.value).startswith("metric 'semantic_accuracy' needs label_key: ")

    calls = []

    def translations(method, a, n, g, batch_size=None):
        calls.append((n, g.initial_seed(), batch_size))
        return a[:, None]

    monkeypatch.setattr(suite, "sample_translations", translations)
    inputs = torch.tensor([0.0, 1.0, 2.0, 1.0])[:, None, None, None]
    labels = torch.tensor([0, 1, 1, 1])
    metric.feed(SimpleNamespace(method="m", inputs=inputs, seed=11, cfg=ctx.cfg,
                                labels=lambda key: labels if key == "kind" else None))  # fmt: skip
    assert calls == [(1, 11, 7)]
    assert metric.compute() == {
        "value": label_accuracy(torch.tensor([0, 1, 2, 1]), labels),
        "label_key": "kind",
        "n_inputs": 4,
        "classifier": info,
    }


def test_register_metric_adds_the_class_under_its_name(monkeypatch):
    monkeypatch.setattr(suite, "METRIC_CLASSES", {})

    class Probe(Metric):
        name = "probe"

    assert suite.register_metric(Probe) is Probe
    assert suite.METRIC_CLASSES == {"probe": Probe}


def test_images_are_featurized_in_the_metrics_batches(monkeypatch):
    batches, real = [], suite.extract_features

    def spy(images, extractor, batch_size):
        batches.append(batch_size)
        return real(images, extractor, batch_size)

    monkeypatch.setattr(suite, "extract_features", spy)
    FID(PixelFeatures(2), batch_size=5).update(real=_images(6, 0), fake=_images(4, 1))
    assert batches == [5, 5]
