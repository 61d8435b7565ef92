import dataclasses
import json

import pytest
import torch

from companion.data import Oracle
from companion.metrics.classifiers import train_classifier
from companion.metrics.evaluate import EvalConfig, evaluate
from companion.metrics.fid import PixelFeatures

K = 4


class CodeColour(torch.nn.Module):
    """b_hat = a with its colour channel chosen by the code's quadrant (4 styles)."""

    def __init__(self):
        super().__init__()
        self.code_dim = 2
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def translate(self, a, z=None):
        style = (z[:, 0] > 0).long() + 2 * (z[:, 1] > 0).long()
        out = a.clone() * 0.5
        out[:, 0] += (style.float() / (K - 1) - 0.5)[:, None, None]
        return out.clamp(-1, 1)


def style_fn(x):
    return ((x[:, 0].mean((1, 2)) + 0.5) * (K - 1)).round().long().clamp(0, K - 1)


ORACLE = Oracle(style_fn, K)


class Sampler(torch.nn.Module):
    def sample(self, n):
        return torch.rand(n, 3, 32, 32) * 2 - 1


def _data(n=24):
    g = torch.Generator().manual_seed(0)
    return [
        {
            "a": torch.zeros(3, 32, 32),
            "b": torch.rand(3, 32, 32, generator=g) - 0.5,
            "factors": {"kind": torch.tensor(i % 2)},
        }
        for i in range(n)
    ]


SMALL = EvalConfig(
    n_inputs=4,
    samples_per_input=6,
    protocol="stargan_v2",
    lpips_backend="lpips-random-alex",
    ndb_k=4,
    coverage_samples=12,
    consistency_codes=5,
    kid_subsets=3,
)


def test_evaluate_conditional_records_everything(tmp_path):
    data = _data()
    clf = train_classifier(
        torch.stack([d["b"] for d in data]),
        torch.stack([d["factors"]["kind"] for d in data]),
        steps=2,
        use_cache=False,
    )
    out = tmp_path / "eval.json"
    record = evaluate(
        CodeColour(),
        data,
        [
            "fid",
            "kid",
            "domain_fid",
            "ndb",
            "diversity",
            "mode_coverage",
            "style_consistency",
            "semantic_accuracy",
        ],
        cfg=SMALL,
        features=PixelFeatures(4),
        oracle=ORACLE,
        classifier=clf,
        label_key="kind",
        out_path=out,
    )
    assert json.loads(out.read_text()) == json.loads(json.dumps(record))
    m = record["metrics"]
    assert m["fid"]["features"] == "pixels-4x4" and m["fid"]["n_fake"] == 4 * 6
    assert m["kid"]["subset_size"] == 24
    assert m["ndb"]["k"] == 4 and m["ndb"]["alpha"] == 0.05
    assert m["diversity"]["protocol"]["name"] == "stargan_v2" and m["diversity"]["value"] > 0
    assert "not LPIPS" in m["diversity"]["distance"]["label"]
    assert m["mode_coverage"]["value"] > 3.0 and m["style_consistency"]["value"] == 1.0
    assert m["style_consistency"]["chance"] < 0.6  # codes set the colour: far above chance
    assert m["semantic_accuracy"]["classifier"]["test_accuracy"] is not None
    assert m["domain_fid"]["classifier"]["key"] == "classifier-v0-seed0"


def test_evaluate_is_reproducible_per_metric():
    r1 = evaluate(CodeColour(), _data(), ["mode_coverage"], cfg=SMALL, oracle=ORACLE)
    r2 = evaluate(
        CodeColour(), _data(), ["style_consistency", "mode_coverage"], cfg=SMALL, oracle=ORACLE
    )
    assert r1["metrics"]["mode_coverage"] == r2["metrics"]["mode_coverage"]


def test_evaluate_unconditional():
    data = [{"x": torch.rand(3, 32, 32) * 2 - 1, "factors": {}} for _ in range(30)]
    record = evaluate(Sampler(), data, ["fid", "ndb"], cfg=SMALL, features=PixelFeatures(4))
    assert record["metrics"]["fid"]["n_real"] == 30 and record["method"] == "Sampler"


def test_evaluate_errors(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown metrics \\['is'\\]"):
        evaluate(CodeColour(), _data(), ["is"])
    with pytest.raises(ValueError, match="needs oracle"):
        evaluate(CodeColour(), _data(), ["mode_coverage"], cfg=SMALL)
    with pytest.raises(TypeError, match="unknown resources \\['style_fn'\\]"):
        evaluate(CodeColour(), _data(), ["mode_coverage"], cfg=SMALL, style_fn=style_fn)
    with pytest.raises(ValueError, match="needs classifier="):
        evaluate(CodeColour(), _data(), ["semantic_accuracy"], cfg=SMALL)
    with pytest.raises(ValueError, match="need a method with translate"):
        evaluate(Sampler(), [{"x": torch.zeros(3, 32, 32)}] * 4, ["diversity"], cfg=SMALL)
    with pytest.raises(ValueError, match="with key 'b'"):
        evaluate(CodeColour(), [{"x": torch.zeros(3, 32, 32)}] * 4, ["fid"], cfg=SMALL)
    monkeypatch.setenv("COMPANION_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(FileNotFoundError, match="weights-inception"):
        evaluate(CodeColour(), _data(), ["fid"], cfg=SMALL)


def test_fid_and_kid_extract_each_set_once():
    calls = []

    class Counting(PixelFeatures):
        def forward(self, x):
            calls.append(len(x))
            return super().forward(x)

    record = evaluate(CodeColour(), _data(), ["fid", "kid"], cfg=SMALL, features=Counting(4))
    assert record["metrics"]["fid"]["n_fake"] == 24
    assert sum(calls) == 24 + 24  # 24 references and 24 translations, once each


def test_reference_features_are_cached_on_disk(tmp_path):
    calls = []

    class Counting(PixelFeatures):
        def forward(self, x):
            calls.append(len(x))
            return super().forward(x)

    cfg = dataclasses.replace(SMALL, feature_cache=str(tmp_path))
    first = evaluate(CodeColour(), _data(), ["fid"], cfg=cfg, features=Counting(4))
    second = evaluate(CodeColour(), _data(), ["fid"], cfg=cfg, features=Counting(4))
    assert first["metrics"]["fid"] == second["metrics"]["fid"]
    assert calls == [24, 24, 24]  # references once, translations each time
    assert len(list(tmp_path.glob("features-*.pt"))) == 1
