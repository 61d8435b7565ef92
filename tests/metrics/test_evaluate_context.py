"""companion.metrics.evaluate's context and record: the cpu protocol, what the context infers
from the method and data, which generator and batch size its draws use, the feature cache's file,
the record's fields and file, and each error message in full."""

import dataclasses
import hashlib
import json
import pickle
import sys

import pytest
import torch

from companion.metrics.evaluate import EvalConfig, EvalContext, evaluate
from companion.metrics.fid import ModuleFeatures, PixelFeatures, extract_features
from companion.metrics.suite import METRIC_CLASSES, Metric

ev = sys.modules["companion.metrics.evaluate"]  # the package exports the function as well
SMALL = EvalConfig(n_inputs=4, samples_per_input=2, batch_size=3)


class Sampler(torch.nn.Module):
    """An unconditional generator: uniform noise images from the global generator."""

    def __init__(self):
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def sample(self, n):
        return torch.rand(n, 1, 4, 4) * 2 - 1


class Shift(torch.nn.Module):
    """A translation: the input plus its code's first entry."""

    code_dim = 2

    def __init__(self):
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def translate(self, a, z):
        return (a + z[:, :1, None, None] * 0.1).clamp(-1, 1)


def _unconditional(n=6):
    return [{"x": torch.full((1, 4, 4), i / n), "factors": {}} for i in range(n)]


def _paired(n=6):
    return [{"a": torch.zeros(1, 4, 4), "b": torch.full((1, 4, 4), i / n)} for i in range(n)]


def test_the_cpu_protocol_in_full():
    assert EvalConfig.cpu() == EvalConfig(
        n_inputs=32,
        samples_per_input=20,
        n_reference=1000,
        lpips_backend="lpips-random-alex",
        ndb_k=20,
    )
    assert EvalConfig.cpu(8).n_inputs == 8


def test_the_context_reads_the_datas_oracle_the_methods_kind_and_device():
    class Data(list):
        oracle = "the oracle"

    ctx = EvalContext(Shift(), Data(_paired()), SMALL)
    assert ctx.oracle == "the oracle" and ctx.conditional and ctx.device == torch.device("cpu")
    meta = Shift().to("meta")
    meta.conditional = False  # a Method's own flag wins over having translate()
    ctx = EvalContext(meta, _paired(), SMALL)
    assert ctx.oracle is None and not ctx.conditional and ctx.device == torch.device("meta")


def test_translations_use_the_seeded_generator_and_the_batch_size(monkeypatch):
    calls = []

    def spy(method, a, k, g, batch_size):
        calls.append((k, g.initial_seed(), batch_size))
        return torch.zeros(a.shape[0], k, 1, 4, 4)

    monkeypatch.setattr(ev, "sample_translations", spy)
    ctx = EvalContext(Shift(), _paired(), SMALL, seed=5)
    assert ctx.samples(3).shape == (4, 3, 1, 4, 4)
    ctx.samples(3)  # cached
    assert calls == [(3, 5, 3)]


@pytest.mark.parametrize(("cuda", "devices"), [(False, []), (True, "all")])
def test_generated_samples_are_drawn_in_a_forked_seeded_rng(monkeypatch, cuda, devices):
    forks, real_fork = [], torch.random.fork_rng

    def fork(devices):
        forks.append(devices)
        return real_fork(devices=[])

    monkeypatch.setattr(torch.random, "fork_rng", fork)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    before = torch.get_rng_state()
    out = EvalContext(Sampler(), _unconditional(), SMALL, seed=5).generated()
    torch.manual_seed(5)
    assert torch.equal(out, torch.rand(8, 1, 4, 4) * 2 - 1)
    assert forks == [devices]
    torch.set_rng_state(before)


def test_the_inception_network_is_built_from_the_weights_path_on_the_device(monkeypatch):
    built, moved = [], []

    class Fake:
        def __init__(self, path):
            built.append(path)

        def to(self, device):
            moved.append(device)
            return self

    monkeypatch.setattr(ev, "InceptionFeatures", Fake)
    ctx = EvalContext(Shift().to("meta"), _paired(), SMALL, weights_path="/w")
    f = ctx.image_features()
    assert built == ["/w"] and moved == [torch.device("meta")] and ctx.features is f


class _Sorted(ModuleFeatures):
    """Pixel means per channel, with a description whose keys are out of order."""

    def __init__(self):
        super().__init__(lambda x: x.mean((2, 3)), 1, "means")

    def describe(self):
        return {"z": 1, "a": 2}


def test_features_are_kept_per_network_and_set_and_only_the_references_cached(
    tmp_path, monkeypatch
):
    batches, real_extract = [], ev.extract_features

    def spy(images, extractor, batch_size):
        batches.append(batch_size)
        return real_extract(images, extractor, batch_size)

    monkeypatch.setattr(ev, "extract_features", spy)
    cache = tmp_path / "a" / "cache"  # its parents do not exist yet
    ctx = EvalContext(
        Sampler(), _unconditional(), dataclasses.replace(SMALL, feature_cache=str(cache))
    )
    pixels, means = PixelFeatures(2, 1), _Sorted()
    real = ctx.features_of(pixels, "real", 3)
    fake = ctx.features_of(pixels, "fake", 3)
    assert torch.equal(real, extract_features(ctx.real, pixels))
    assert torch.equal(fake, extract_features(ctx.generated(), pixels))
    assert ctx.features_of(means, "real", 3).shape == (6, 1)  # another network: its own
    assert ctx.features_of(pixels, "real", 3) is real
    assert batches == [3, 3, 3]
    digest = hashlib.sha256(ctx.real.numpy().tobytes())
    digest.update(b'{"a": 2, "z": 1}')  # the description with sorted keys
    names = sorted(p.name for p in cache.iterdir())
    assert f"features-{digest.hexdigest()[:24]}.pt" in names and len(names) == 2


class _Planted:
    """Not a tensor: a weights-only load refuses to build it."""


def test_a_cached_file_is_loaded_weights_only(tmp_path, monkeypatch):
    # torch < 2.6 (which pyproject allows) unpickles by default; this variable makes today's
    # torch do the same where weights_only is not passed explicitly
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    ctx = EvalContext(Sampler(), _unconditional(), SMALL)
    pixels = PixelFeatures(2, 1)
    ev._cached_features(ctx.real, pixels, 3, tmp_path)
    (path,) = tmp_path.iterdir()
    torch.save(_Planted(), path)  # an arbitrary class: refused by a weights-only load
    with pytest.raises(pickle.UnpicklingError):
        ev._cached_features(ctx.real, pixels, 3, tmp_path)


def test_a_plain_classifier_is_described_without_key_or_accuracy():
    clf = object()
    ctx = EvalContext(Shift(), _paired(), SMALL, classifier=clf)
    assert ctx.classifier_model("m") == (clf, {"key": None, "test_accuracy": None})


class _Probe(Metric):
    """Records the context's seed as its value."""

    name = "probe"

    @classmethod
    def from_context(cls, ctx):
        probe = cls()
        probe.seed = ctx.seed
        return probe

    def feed(self, ctx):
        pass

    def compute(self):
        return {"value": self.seed}


def test_the_record_and_its_file(tmp_path, monkeypatch):
    monkeypatch.setitem(METRIC_CLASSES, "probe", _Probe)
    out = tmp_path / "deep" / "er" / "eval.json"
    record = evaluate(Sampler(), _unconditional(), ["probe"], SMALL, seed=3, out_path=out)
    assert record == {
        "metrics": {"probe": {"value": 3}},
        "seed": 3,
        "method": "Sampler",
        "config": dataclasses.asdict(SMALL),
    }
    assert out.read_text() == json.dumps(record, indent=2)
    assert [p.name for p in out.parent.iterdir()] == ["eval.json"]


def test_error_messages_in_full():
    with pytest.raises(TypeError) as info:
        evaluate(Sampler(), _unconditional(), ["fid"], SMALL, bogus=1)
    assert str(info.value) == (
        "unknown resources ['bogus']; valid: ['classifier', 'features', 'label_key', 'oracle', "
        "'weights_path']"
    )
    with pytest.raises(ValueError) as info:
        evaluate(Sampler(), _unconditional(), ["diversity"], SMALL)
    assert str(info.value) == (
        "metrics ['diversity'] need a method with translate(a, z); Sampler has none"
    )
    with pytest.raises(ValueError) as info:
        evaluate(Sampler(), [{"y": torch.zeros(1)}], ["fid"], SMALL)
    assert str(info.value) == "expected dataset samples with key 'x', got keys ['y']"
    with pytest.raises(ValueError) as info:
        ev._stack([], "x", 3)
    assert str(info.value) == "expected dataset samples with key 'x', got keys []"
    ctx = EvalContext(Shift(), _paired(), SMALL)
    with pytest.raises(ValueError) as info:
        ctx.classifier_model("m")
    assert str(info.value) == "metric 'm' needs classifier= (see train_classifier)"


def test_a_dataset_of_one_sample_is_stacked():
    one = _unconditional(1)
    assert torch.equal(ev._stack(one, "x", 5), one[0]["x"][None])
