"""One call that evaluates a method on a dataset and returns a JSON-able record.

``evaluate(method, data, metrics=[...])`` builds each named metric (:mod:`companion.metrics.suite`)
from an :class:`EvalContext`, lets it draw what it needs (translations, reference images), and
records, beside every value, the protocol, the backend or feature network, the weights' hashes and
the sample counts, so that a number in a results file can be reproduced and is never compared
with one computed another way. A synthetic dataset carries its oracle (``data.oracle``), so no
caller passes a style function by hand.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from companion.metrics.classifiers import ClassifierResult, DomainClassifier
from companion.metrics.fid import ImageFeatures, InceptionFeatures, extract_features
from companion.metrics.sampling import method_code_dim, sample_translations
from companion.metrics.suite import METRIC_CLASSES

__all__ = ["METRICS", "EvalConfig", "EvalContext", "evaluate"]

METRICS = tuple(METRIC_CLASSES)
"""Metric names :func:`evaluate` understands (the registry of :mod:`companion.metrics.suite`)."""


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Sample counts and protocol choices of :func:`evaluate` (defaults: SEGAN App. E).

    Attributes:
        n_inputs: test inputs (SEGAN: 100).
        samples_per_input: translations per input for FID/KID/NDB (SEGAN: 50 -> 5,000 samples).
        n_reference: reference (target training) images for FID/KID/NDB; None: all of ``data``.
        protocol: diversity protocol, a key of DIVERSITY_PROTOCOLS.
        lpips_backend: LPIPS backend (random trunks only when named).
        ndb_k: NDB bins (SEGAN: 20 on Facades, 50 elsewhere).
        ndb_alpha: NDB significance level.
        ndb_size: images are area-downsampled to ndb_size x ndb_size pixels for NDB.
        coverage_samples: samples per input for mode coverage.
        consistency_codes: shared codes for style consistency.
        kid_subsets: KID subsets.
        kid_subset_size: KID subset size.
        batch_size: images per forward pass.
        feature_cache: a folder where the reference set's FID/KID features are kept between
            evaluations, keyed by the images' content and the feature network (None: no cache).
            At paper scale the reference set's Inception features are the costliest part
            after the translations themselves (benchmarks/eval_paper.py).
    """

    n_inputs: int = 100
    samples_per_input: int = 50
    n_reference: int | None = None
    protocol: str = "bicyclegan"
    lpips_backend: str = "lpips-alex"
    ndb_k: int = 20
    ndb_alpha: float = 0.05
    ndb_size: int = 8
    coverage_samples: int = 20
    consistency_codes: int = 16
    kid_subsets: int = 100
    kid_subset_size: int = 1000
    batch_size: int = 64
    feature_cache: str | None = None

    @classmethod
    def cpu(cls, n_inputs: int = 32) -> EvalConfig:
        """The chapters' ``cpu`` protocol: 20 samples per input, 1,000 reference images, 20 NDB
        bins, and LPIPS's architecture with a random trunk (``lpips-random-alex``), since the
        book never downloads ImageNet weights (its values rank but are not published LPIPS).

        Example:
            >>> EvalConfig.cpu().lpips_backend
            'lpips-random-alex'
        """
        return cls(
            n_inputs=n_inputs,
            samples_per_input=20,
            n_reference=1000,
            lpips_backend="lpips-random-alex",
            ndb_k=20,
        )


@dataclasses.dataclass
class EvalContext:
    """What one evaluation has, and the materials its metrics draw (cached when identical).

    Attributes:
        method: has ``translate(a, z)`` and ``code_dim`` (conditional), or ``sample(n)``.
        data: dataset of dicts ``{"a", "b", "factors"}`` (inputs are the first ``n_inputs``
            ``a``, references the ``b``) or ``{"x", "factors"}`` (unconditional).
        cfg: sample counts and protocols.
        seed: seed of every metric's codes and of NDB's k-means.
        oracle: the target domain's oracle (default: ``data.oracle`` if the data has one).
        features: FID/KID feature extractor (default: Inception, from local weights).
        classifier: for ``semantic_accuracy`` and ``domain_fid``.
        label_key: factor holding each input's class, for ``semantic_accuracy``.
        weights_path: explicit folder or file for Inception / LPIPS weights.
    """

    method: Any
    data: Sequence[dict]
    cfg: EvalConfig
    seed: int = 0
    oracle: Any = None
    features: ImageFeatures | None = None
    classifier: ClassifierResult | DomainClassifier | None = None
    label_key: str | None = None
    weights_path: str | None = None

    def __post_init__(self) -> None:
        if self.oracle is None:
            self.oracle = getattr(self.data, "oracle", None)
        # Every Method has both translate() and sample(); its ``conditional`` flag says which
        # works. Plain objects are judged by which of the two they have.
        self.conditional = getattr(self.method, "conditional", hasattr(self.method, "translate"))
        self.device = _device(self.method)
        self._samples: dict[int, torch.Tensor] = {}
        self._features: dict[tuple[int, str], torch.Tensor] = {}

    @functools.cached_property
    def real(self) -> torch.Tensor:
        """Reference images (M, C, H, W): targets ``b``, or the unconditional data's images."""
        key = (
            "b"
            if self.conditional
            else getattr(getattr(self.method, "cfg", None), "image_key", "x")
        )
        n = len(self.data) if self.cfg.n_reference is None else self.cfg.n_reference
        return _stack(self.data, key, n)

    @functools.cached_property
    def inputs(self) -> torch.Tensor:
        """The first ``n_inputs`` sources (N, C, H, W), on the method's device."""
        return _stack(self.data, "a", self.cfg.n_inputs).to(self.device)

    @property
    def code_dim(self) -> int:
        return method_code_dim(self.method)

    def samples(self, k: int) -> torch.Tensor:
        """K translations of every input (N, K, C, H, W), codes from a generator at ``seed``."""
        if k not in self._samples:
            g = torch.Generator().manual_seed(self.seed)
            self._samples[k] = sample_translations(
                self.method, self.inputs, k, g, batch_size=self.cfg.batch_size
            )
        return self._samples[k]

    def generated(self) -> torch.Tensor:
        """The generated set for FID/KID/NDB (M, C, H, W) on the CPU."""
        if self.conditional:
            return self.samples(self.cfg.samples_per_input).flatten(0, 1).cpu()  # (N*K, ...)
        with torch.random.fork_rng(devices="all" if torch.cuda.is_available() else []):
            torch.manual_seed(self.seed)
            return self.method.sample(self.cfg.n_inputs * self.cfg.samples_per_input).cpu()

    def image_features(self) -> ImageFeatures:
        """The FID/KID feature network: ``features`` if given, else Inception from local
        weights (built once per evaluation, on the method's device)."""
        if self.features is None:
            self.features = InceptionFeatures(self.weights_path)
        return self.features.to(self.device)

    def features_of(self, extractor: Any, which: str, batch_size: int) -> torch.Tensor:
        """Features (M, D) of the reference (``"real"``) or generated (``"fake"``) set, once per
        extractor, so that FID and KID in the same features extract them once."""
        key = (id(extractor), which)
        if key not in self._features:
            if which == "real" and self.cfg.feature_cache is not None:
                self._features[key] = _cached_features(
                    self.real, extractor, batch_size, Path(self.cfg.feature_cache)
                )
            else:
                images = self.real if which == "real" else self.generated()
                self._features[key] = extract_features(images, extractor, batch_size)
        return self._features[key]

    def labels(self, key: str) -> torch.Tensor:
        """The inputs' classes (N,) int64, from factor ``key``."""
        n = min(self.cfg.n_inputs, len(self.data))
        return torch.stack([torch.as_tensor(self.data[i]["factors"][key]) for i in range(n)]).long()

    def classifier_model(self, metric: str) -> tuple[Any, dict[str, Any]]:
        """The classifier and its description (key, test accuracy)."""
        if self.classifier is None:
            raise ValueError(f"metric {metric!r} needs classifier= (see train_classifier)")
        if isinstance(self.classifier, ClassifierResult):
            return self.classifier.model, self.classifier.describe()
        return self.classifier, {"key": None, "test_accuracy": None}


def evaluate(
    method: Any,
    data: Sequence[dict],
    metrics: Sequence[str] = ("fid", "diversity"),
    cfg: EvalConfig | None = None,
    *,
    seed: int = 0,
    out_path: str | os.PathLike | None = None,
    **resources: Any,
) -> dict:
    """Evaluate a translation method (``translate``) or a generator (``sample``) on a dataset.

    Args:
        method: a Method, or any object with ``translate(a, z)`` and ``code_dim``, or ``sample(n)``.
        data: the test set; a synthetic one carries its ``oracle`` for the oracle metrics.
        metrics: names from :data:`METRICS`.
        cfg: sample counts and protocols (default :class:`EvalConfig`).
        seed: seed of every metric's codes and of NDB's k-means.
        out_path: write the record there as JSON (atomically) if given.
        **resources: :class:`EvalContext`'s ``oracle``, ``features``, ``classifier``, and so on.

    Returns:
        JSON-able: ``metrics`` (name -> record: ``value``, protocol, backend, counts), ``seed``,
        ``method`` and ``config``.

    Raises:
        ValueError: an unknown metric, or a metric's missing requirement (an oracle, a
            classifier, a label key, a translating method); TypeError: an unknown resource.
    """
    ctx = _context(method, data, metrics, cfg or EvalConfig(), seed, resources)
    built = {name: METRIC_CLASSES[name].from_context(ctx) for name in metrics}  # checks first
    results = {}
    for name, metric in built.items():
        metric.feed(ctx)
        results[name] = metric.compute()
    record = {"metrics": results, "seed": seed, "method": type(method).__name__}
    record["config"] = dataclasses.asdict(ctx.cfg)
    if out_path is not None:
        _write_json(record, Path(out_path))
    return record


def _context(
    method: Any, data: Sequence[dict], metrics: Sequence[str], cfg: EvalConfig, seed: int,
    resources: dict[str, Any],
) -> EvalContext:  # fmt: skip
    """The shared context of one evaluation, after checking the request names what exists."""
    valid = {f.name for f in dataclasses.fields(EvalContext)} - {"method", "data", "cfg", "seed"}
    if set(resources) - valid:
        raise TypeError(
            f"unknown resources {sorted(set(resources) - valid)}; valid: {sorted(valid)}"
        )
    unknown = sorted(set(metrics) - set(METRIC_CLASSES))
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; choose from {list(METRIC_CLASSES)}")
    ctx = EvalContext(method, data, cfg, seed, **resources)
    ctx.real  # noqa: B018 - fail on a dataset without the reference key before any work
    per_input = [m for m in metrics if METRIC_CLASSES[m].per_input]
    if per_input and not ctx.conditional:
        raise ValueError(
            f"metrics {per_input} need a method with translate(a, z); "
            f"{type(method).__name__} has none"
        )
    return ctx


def _stack(data: Sequence[dict], key: str, n: int) -> torch.Tensor:
    if len(data) == 0 or key not in data[0]:
        keys = list(data[0]) if len(data) else []
        raise ValueError(f"expected dataset samples with key {key!r}, got keys {keys}")
    return torch.stack([data[i][key] for i in range(min(n, len(data)))])


def _device(method: Any) -> torch.device:
    if isinstance(method, nn.Module):
        for p in method.parameters():
            return p.device
    return torch.device("cpu")


def _cached_features(
    images: torch.Tensor, extractor: Any, batch_size: int, folder: Path
) -> torch.Tensor:
    """Features of ``images``, read from ``folder`` when this content and network were seen."""
    digest = hashlib.sha256(images.detach().cpu().contiguous().numpy().tobytes())
    digest.update(json.dumps(extractor.describe(), sort_keys=True).encode())
    path = folder / f"features-{digest.hexdigest()[:24]}.pt"
    if path.is_file():
        return torch.load(path, weights_only=True)
    features = extract_features(images, extractor, batch_size)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(features, tmp)
    os.replace(tmp, path)
    return features


def _write_json(record: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(record, indent=2))
    os.replace(tmp, path)
