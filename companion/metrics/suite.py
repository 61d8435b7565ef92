"""The metrics :func:`~companion.metrics.evaluate` knows by name: small objects with state.

Each metric has the torchmetrics shape: explicit state, ``update(...)`` with a batch of
materials, ``compute()`` returning a JSON-able record (``value`` plus the protocol, backend and
counts that make it reproducible), ``reset()``. Two class-level hooks let ``evaluate`` drive any
of them without knowing which is which:

- ``from_context(ctx)`` builds the metric from what the evaluation has (the dataset's oracle, a
  classifier, weights), raising one clear error when something it needs is missing;
- ``feed(ctx)`` draws the materials it needs from the context (translations of the inputs,
  reference images) and calls ``update``.

Each metric draws its codes from its own generator seeded with the evaluation's seed, so its value
does not depend on which other metrics were requested; the context caches identical draws (FID,
KID, NDB and mode coverage share their translations when their sample counts agree).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch

from companion.metrics.diversity import DIVERSITY_PROTOCOLS, DiversityMeter, pair_indices
from companion.metrics.fid import (
    PixelFeatures,
    extract_features,
    fid_from_features,
    kid_from_features,
)
from companion.metrics.lpips import build_lpips
from companion.metrics.ndb import NDB
from companion.metrics.oracle import (
    label_accuracy,
    mode_coverage,
    style_consistency,
    style_consistency_chance,
    styles_of_samples,
)
from companion.metrics.sampling import sample_codes, sample_translations

__all__ = [
    "METRIC_CLASSES",
    "DiversityMetric",
    "DomainFID",
    "FID",
    "KID",
    "Metric",
    "ModeCoverage",
    "NDBMetric",
    "SemanticAccuracy",
    "StyleConsistency",
    "register_metric",
]

METRIC_CLASSES: dict[str, type[Metric]] = {}
"""Metric name -> class; :func:`register_metric` fills it."""


def register_metric(cls: type[Metric]) -> type[Metric]:
    """Class decorator: make a metric available to :func:`evaluate` by its ``name``."""
    METRIC_CLASSES[cls.name] = cls
    return cls


class Metric:
    """Base of the metrics: state, ``update``, ``compute``, ``reset``, and evaluate's hooks.

    Attributes:
        name: registry key.
        higher_is_better: True, False, or None where neither (a count of bins, say).
        per_input: whether it needs a translation method (several outputs per input).
    """

    name: ClassVar[str] = "metric"
    higher_is_better: ClassVar[bool | None] = None
    per_input: ClassVar[bool] = False

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Clear the state."""

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Accumulate a batch."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    def compute(self) -> dict[str, Any]:
        """The record: ``{"value": ..., protocol and counts}``."""
        raise NotImplementedError(f"{type(self).__name__} must define compute()")

    @classmethod
    def from_context(cls, ctx: Any) -> Metric:
        """The metric as this evaluation needs it (default: no arguments)."""
        return cls()

    def feed(self, ctx: Any) -> None:
        """Draw the materials from ``ctx`` and ``update`` with them."""
        raise NotImplementedError(f"{type(self).__name__} must define feed(ctx)")


def _require(ctx: Any, what: str, metric: str) -> Any:
    value = getattr(ctx, what)
    if value is None:
        hints = {
            "oracle": "evaluate a synthetic dataset (it carries .oracle) or pass oracle=",
            "classifier": "pass classifier= (see train_classifier)",
            "label_key": "pass label_key= (the factor holding each input's class)",
        }
        raise ValueError(f"metric {metric!r} needs {what}: {hints[what]}")
    return value


class _FeatureDistance(Metric):
    """Features of real and generated images, kept for a distance between their sets."""

    def __init__(self, extractor: Any, batch_size: int = 64) -> None:
        self.extractor, self.batch_size = extractor, batch_size
        super().__init__()

    def reset(self) -> None:
        self.real: list[torch.Tensor] = []
        self.fake: list[torch.Tensor] = []

    def update(self, real: torch.Tensor | None = None, fake: torch.Tensor | None = None) -> None:
        """Add images (M, C, H, W) in [-1, 1] to the real and/or the generated set."""
        for images, store in ((real, self.real), (fake, self.fake)):
            if images is not None:
                store.append(extract_features(images, self.extractor, self.batch_size))

    def update_features(self, real: torch.Tensor, fake: torch.Tensor) -> None:
        """Add already extracted features (M, D) of real and generated images."""
        self.real.append(real)
        self.fake.append(fake)

    def features(self) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
        f_real, f_fake = torch.cat(self.real), torch.cat(self.fake)
        info = {**self.extractor.describe(), "n_real": len(f_real), "n_fake": len(f_fake)}
        return f_real, f_fake, info

    def feed(self, ctx: Any) -> None:
        self.update_features(
            ctx.features_of(self.extractor, "real", self.batch_size),
            ctx.features_of(self.extractor, "fake", self.batch_size),
        )


@register_metric
class FID(_FeatureDistance):
    """Fréchet distance between the Gaussians of real and generated features (lower is better)."""

    name = "fid"
    higher_is_better = False

    @classmethod
    def from_context(cls, ctx: Any) -> FID:
        return cls(ctx.image_features(), ctx.cfg.batch_size)

    def compute(self) -> dict[str, Any]:
        f_real, f_fake, info = self.features()
        return {"value": fid_from_features(f_real, f_fake), **info}


@register_metric
class KID(FID):
    """Kernel inception distance over random subsets: mean and std (lower is better)."""

    name = "kid"

    def __init__(self, extractor: Any, batch_size: int, subsets: int, size: int, seed: int):
        self.subsets, self.size, self.seed = subsets, size, seed
        super().__init__(extractor, batch_size)

    @classmethod
    def from_context(cls, ctx: Any) -> KID:
        cfg = ctx.cfg
        return cls(
            ctx.image_features(), cfg.batch_size, cfg.kid_subsets, cfg.kid_subset_size, ctx.seed
        )

    def compute(self) -> dict[str, Any]:
        f_real, f_fake, info = self.features()
        mean, std = kid_from_features(f_real, f_fake, self.subsets, self.size, seed=self.seed)
        size = min(self.size, len(f_real), len(f_fake))
        return {"value": mean, "std": std, "subsets": self.subsets, "subset_size": size, **info}


@register_metric
class DomainFID(FID):
    """FID in the features of a classifier of the target domain (lower is better).

    A classifier's features reward spreading over the classes it was trained on: on synthetic
    data, read it beside precision, never as the only evidence of quality.
    """

    name = "domain_fid"

    @classmethod
    def from_context(cls, ctx: Any) -> DomainFID:
        model, info = ctx.classifier_model("domain_fid")
        metric = cls(model.as_features(info["key"] or "unnamed"), ctx.cfg.batch_size)
        metric.classifier_info = info
        return metric

    def compute(self) -> dict[str, Any]:
        return {**super().compute(), "classifier": self.classifier_info}


@register_metric
class NDBMetric(Metric):
    """Number of statistically different bins (Richardson & Weiss 2018; lower is better)."""

    name = "ndb"
    higher_is_better = False

    def __init__(self, k: int, alpha: float, seed: int, size: int) -> None:
        self.k, self.alpha, self.seed, self.size = k, alpha, seed, size
        super().__init__()

    @classmethod
    def from_context(cls, ctx: Any) -> NDBMetric:
        cfg = ctx.cfg
        return cls(cfg.ndb_k, cfg.ndb_alpha, ctx.seed, cfg.ndb_size)

    def reset(self) -> None:
        self.real: list[torch.Tensor] = []
        self.fake: list[torch.Tensor] = []

    def update(self, real: torch.Tensor | None = None, fake: torch.Tensor | None = None) -> None:
        """Add images (M, C, H, W) in [-1, 1]: the reference set's and/or generated ones."""
        if real is not None:
            self.real.append(real)
        if fake is not None:
            self.fake.append(fake)

    def feed(self, ctx: Any) -> None:
        self.update(real=ctx.real, fake=ctx.generated())

    def compute(self) -> dict[str, Any]:
        real, fake = torch.cat(self.real), torch.cat(self.fake)
        pixels = PixelFeatures(self.size, real.shape[1])
        ndb = NDB(self.k, self.alpha, self.seed).fit(pixels(real))
        record = ndb.score(pixels(fake)).to_dict()
        return {"value": record["ndb"], **record, "space": pixels.name}


@register_metric
class DiversityMetric(Metric):
    """Mean LPIPS distance between outputs of one input, under a named protocol."""

    name = "diversity"
    higher_is_better = True
    per_input = True

    def __init__(self, distance: Any, protocol: str) -> None:
        self.distance, self.protocol = distance, DIVERSITY_PROTOCOLS[protocol]
        super().__init__()

    @classmethod
    def from_context(cls, ctx: Any) -> DiversityMetric:
        distance = build_lpips(ctx.cfg.lpips_backend, ctx.weights_path, seed=ctx.seed)
        return cls(distance.to(ctx.device), ctx.cfg.protocol)

    def reset(self) -> None:
        self.meter = DiversityMeter(self.distance, self.protocol)

    def update(self, samples: torch.Tensor) -> None:
        """Add the outputs (N, K, C, H, W) of N inputs, K = the protocol's sample count."""
        self.meter.update(samples)

    def feed(self, ctx: Any, batch_inputs: int = 16) -> None:
        g = torch.Generator().manual_seed(ctx.seed)
        a, k = ctx.inputs, self.protocol.n_samples
        for i in range(0, a.shape[0], batch_inputs):
            self.update(sample_translations(ctx.method, a[i : i + batch_inputs], k, g))

    def compute(self) -> dict[str, Any]:
        describe = getattr(self.distance, "describe", None)
        n_pairs = len(pair_indices(self.protocol.n_samples, self.protocol.pairs))
        return {
            "value": self.meter.compute(),
            "protocol": dataclasses.asdict(self.protocol),
            "n_inputs": self.meter.n_inputs,
            "n_pairs": self.meter.n_inputs * n_pairs,
            "distance": describe() if describe else repr(self.distance),
        }


class _StyleCount(Metric):
    """Oracle styles of K outputs per input, kept as (N, K) labels."""

    per_input = True

    def __init__(self, oracle: Any, k: int) -> None:
        self.oracle, self.k = oracle, k
        super().__init__()

    def reset(self) -> None:
        self.styles: list[torch.Tensor] = []

    def update(self, samples: torch.Tensor) -> None:
        """Add the outputs (N, K, C, H, W) of N inputs; their styles are read by the oracle."""
        self.styles.append(styles_of_samples(samples, self.oracle.style_of))


@register_metric
class ModeCoverage(_StyleCount):
    """Distinct oracle styles among K outputs of one input, averaged over inputs."""

    name = "mode_coverage"
    higher_is_better = True

    @classmethod
    def from_context(cls, ctx: Any) -> ModeCoverage:
        return cls(_require(ctx, "oracle", cls.name), ctx.cfg.coverage_samples)

    def feed(self, ctx: Any) -> None:
        self.update(ctx.samples(self.k))

    def compute(self) -> dict[str, Any]:
        styles, n_styles = torch.cat(self.styles), self.oracle.num_styles
        value = mode_coverage(styles, n_styles)
        return {
            "value": value,
            "fraction": value / n_styles,
            "n_styles": n_styles,
            "n_inputs": len(styles),
            "samples_per_input": self.k,
        }


@register_metric
class StyleConsistency(_StyleCount):
    """With the same K codes for every input, how often the inputs share a code's style."""

    name = "style_consistency"
    higher_is_better = True

    def __init__(self, oracle: Any, k: int, seed: int) -> None:
        self.seed = seed
        super().__init__(oracle, k)

    @classmethod
    def from_context(cls, ctx: Any) -> StyleConsistency:
        return cls(_require(ctx, "oracle", cls.name), ctx.cfg.consistency_codes, ctx.seed)

    def feed(self, ctx: Any) -> None:
        g = torch.Generator().manual_seed(self.seed)
        codes = sample_codes(self.k, ctx.code_dim, g)  # (K, D): column j uses code j
        self.update(
            sample_translations(ctx.method, ctx.inputs, codes=codes, batch_size=ctx.cfg.batch_size)
        )

    def compute(self) -> dict[str, Any]:
        styles = torch.cat(self.styles)
        return {
            "value": style_consistency(styles),
            "chance": style_consistency_chance(styles, seed=self.seed),
            "n_inputs": len(styles),
            "n_codes": self.k,
        }


@register_metric
class SemanticAccuracy(Metric):
    """How often a classifier finds the input's class in its translation (higher is better)."""

    name = "semantic_accuracy"
    higher_is_better = True
    per_input = True

    def __init__(self, model: Any, info: dict[str, Any], label_key: str) -> None:
        self.model, self.info, self.label_key = model, info, label_key
        super().__init__()

    @classmethod
    def from_context(cls, ctx: Any) -> SemanticAccuracy:
        model, info = ctx.classifier_model(cls.name)
        return cls(model.to(ctx.device), info, _require(ctx, "label_key", cls.name))

    def reset(self) -> None:
        self.predicted: list[torch.Tensor] = []
        self.labels: list[torch.Tensor] = []

    def update(self, b_hat: torch.Tensor, labels: torch.Tensor) -> None:
        """Add translations (N, C, H, W) and their inputs' classes (N,) int64."""
        self.predicted.append(self.model.predict(b_hat).cpu())
        self.labels.append(labels.long().cpu())

    def feed(self, ctx: Any) -> None:
        g = torch.Generator().manual_seed(ctx.seed)
        b_hat = sample_translations(ctx.method, ctx.inputs, 1, g, batch_size=ctx.cfg.batch_size)
        self.update(b_hat[:, 0], ctx.labels(self.label_key))

    def compute(self) -> dict[str, Any]:
        predicted, labels = torch.cat(self.predicted), torch.cat(self.labels)
        return {
            "value": label_accuracy(predicted, labels),
            "label_key": self.label_key,
            "n_inputs": len(labels),
            "classifier": self.info,
        }
