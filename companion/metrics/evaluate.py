"""One call that evaluates a method on a dataset and returns a JSON-able record.

``evaluate(method, data, metrics=[...])`` draws translations (or samples), computes each requested
metric and records, beside every value, the protocol, the backend or feature network, the weights'
hashes and the sample counts, so that a number in a results file can be reproduced and is never
compared with one computed another way.

Every metric draws its codes from its own generator seeded with ``seed``, so a metric's value does
not depend on which other metrics were requested.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from companion.metrics.classifiers import ClassifierResult, DomainClassifier
from companion.metrics.diversity import DIVERSITY_PROTOCOLS, diversity
from companion.metrics.fid import (
    ImageFeatures,
    InceptionFeatures,
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
from companion.metrics.sampling import method_z_dim, sample_codes, sample_translations

__all__ = ["METRICS", "EvalConfig", "evaluate"]

METRICS = (
    "fid",
    "kid",
    "domain_fid",
    "ndb",
    "diversity",
    "mode_coverage",
    "style_consistency",
    "semantic_accuracy",
)
"""Metric names :func:`evaluate` understands."""


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


def _generated(method: Any, a: torch.Tensor | None, cfg: EvalConfig, seed: int) -> torch.Tensor:
    """Translations (N * samples_per_input) or unconditional samples, on CPU."""
    g = torch.Generator().manual_seed(seed)
    if a is None:
        with torch.random.fork_rng(devices="all" if torch.cuda.is_available() else []):
            torch.manual_seed(seed)
            return method.sample(cfg.n_inputs * cfg.samples_per_input).cpu()
    b_hat = sample_translations(method, a, cfg.samples_per_input, g, batch_size=cfg.batch_size)
    return b_hat.flatten(0, 1).cpu()  # (N*K, C, H, W)


def _fid_kid(
    names: set[str],
    real: torch.Tensor,
    fake: torch.Tensor,
    extractor: ImageFeatures,
    cfg: EvalConfig,
    seed: int,
) -> dict:
    f_real = extract_features(real, extractor, cfg.batch_size)
    f_fake = extract_features(fake, extractor, cfg.batch_size)
    info = {**extractor.describe(), "n_real": len(real), "n_fake": len(fake)}
    out = {}
    if "fid" in names or "domain_fid" in names:
        out["fid"] = {"value": fid_from_features(f_real, f_fake), **info}
    if "kid" in names:
        mean, std = kid_from_features(
            f_real, f_fake, cfg.kid_subsets, cfg.kid_subset_size, seed=seed
        )
        size = min(cfg.kid_subset_size, len(real), len(fake))
        out["kid"] = {"value": mean, "std": std, "subsets": cfg.kid_subsets, "subset_size": size}
        out["kid"].update(info)
    return out


def _classifier(classifier: ClassifierResult | DomainClassifier | None, metric: str):
    if classifier is None:
        raise ValueError(f"metric {metric!r} needs classifier= (see train_classifier)")
    if isinstance(classifier, ClassifierResult):
        return classifier.model, classifier.describe()
    return classifier, {"key": None, "test_accuracy": None}


def evaluate(
    method: Any,
    data: Sequence[dict],
    metrics: Sequence[str] = ("fid", "diversity"),
    cfg: EvalConfig | None = None,
    features: ImageFeatures | None = None,
    style_fn: Callable[[torch.Tensor], torch.Tensor] | None = None,
    n_styles: int | None = None,
    classifier: ClassifierResult | DomainClassifier | None = None,
    label_key: str | None = None,
    weights_path: str | None = None,
    seed: int = 0,
    out_path: str | os.PathLike | None = None,
) -> dict:
    """Evaluate a translation method (``translate``) or a generator (``sample``) on a dataset.

    Args:
        method: has ``translate(a, z)`` and ``cfg.z_dim``, or ``sample(n)``.
        data: dataset of dicts ``{"a", "b", "factors"}`` (paired/unpaired translation: inputs are
            the first ``n_inputs`` ``a``, references the ``b``) or ``{"x", "factors"}``
            (unconditional: references the ``x``).
        metrics: names from :data:`METRICS`.
        cfg: sample counts and protocols (default :class:`EvalConfig`).
        features: FID/KID feature extractor; default Inception (needs its weights locally).
        style_fn: oracle style of images, (M, C, H, W) -> (M,) long; for mode coverage and
            style consistency.
        n_styles: number of styles (recorded; checks labels).
        classifier: for ``semantic_accuracy`` and ``domain_fid``.
        label_key: factor name holding each input's class, for ``semantic_accuracy``.
        weights_path: explicit folder or file for Inception / LPIPS weights.
        seed: seed of every metric's codes and of NDB's k-means.
        out_path: write the record there as JSON (atomically) if given.

    Returns:
        A JSON-able dict with keys ``metrics`` (name -> record with ``value``, protocol,
        backend and counts), ``seed``, ``method`` and ``config``.

    Raises:
        ValueError: for an unknown metric, or one whose requirement (style_fn, classifier,
            label_key, a translating method) is missing.
    """
    cfg = cfg or EvalConfig()
    names = set(metrics)
    unknown = names - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metrics {sorted(unknown)}; choose from {list(METRICS)}")
    # Every Method defines both translate() and sample(); its ``conditional`` flag says which one
    # works. Plain objects are judged by which of the two they have.
    conditional = getattr(method, "conditional", hasattr(method, "translate"))
    device = _device(method)
    ref_key = "b" if conditional else getattr(getattr(method, "cfg", None), "image_key", "x")
    n_ref = len(data) if cfg.n_reference is None else cfg.n_reference
    real = _stack(data, ref_key, n_ref)
    a = _stack(data, "a", cfg.n_inputs).to(device) if conditional else None
    per_input = {"diversity", "mode_coverage", "style_consistency", "semantic_accuracy"}
    if not conditional and names & per_input:
        raise ValueError(
            f"metrics {sorted(names & per_input)} need a method with translate(a, z); "
            f"{type(method).__name__} has none"
        )
    if names & {"mode_coverage", "style_consistency"} and style_fn is None:
        raise ValueError("mode_coverage and style_consistency need style_fn= (oracle style)")
    results: dict[str, dict] = {}

    fake = _generated(method, a, cfg, seed) if names & {"fid", "kid", "domain_fid", "ndb"} else None
    if names & {"fid", "kid"}:
        extractor = features or InceptionFeatures(weights_path)
        results.update(
            _fid_kid(names & {"fid", "kid"}, real, fake, extractor.to(device), cfg, seed)
        )
    if "domain_fid" in names:
        model, info = _classifier(classifier, "domain_fid")
        extractor = model.as_features(info["key"] or "unnamed")
        out = _fid_kid({"domain_fid"}, real, fake, extractor, cfg, seed)["fid"]
        results["domain_fid"] = {**out, "classifier": info}
    if "ndb" in names:
        pixels = PixelFeatures(cfg.ndb_size, real.shape[1])
        ndb = NDB(cfg.ndb_k, cfg.ndb_alpha, seed).fit(pixels(real))
        record = ndb.score(pixels(fake)).to_dict()
        results["ndb"] = {"value": record["ndb"], **record, "space": pixels.name}
    if "diversity" in names:
        distance = build_lpips(cfg.lpips_backend, weights_path, seed=seed).to(device)
        g = torch.Generator().manual_seed(seed)
        record = diversity(method, a, distance, DIVERSITY_PROTOCOLS[cfg.protocol], g)
        results["diversity"] = record
    if "mode_coverage" in names:
        g = torch.Generator().manual_seed(seed)
        samples = sample_translations(method, a, cfg.coverage_samples, g, batch_size=cfg.batch_size)
        styles = styles_of_samples(samples, style_fn)
        value = mode_coverage(styles, n_styles)
        results["mode_coverage"] = {
            "value": value,
            "fraction": None if n_styles is None else value / n_styles,
            "n_styles": n_styles,
            "n_inputs": len(a),
            "samples_per_input": cfg.coverage_samples,
        }
    if "style_consistency" in names:
        g = torch.Generator().manual_seed(seed)
        codes = sample_codes(cfg.consistency_codes, method_z_dim(method), g)
        samples = sample_translations(method, a, codes=codes, batch_size=cfg.batch_size)
        styles = styles_of_samples(samples, style_fn)  # (N, K): column j used code j
        results["style_consistency"] = {
            "value": style_consistency(styles),
            "chance": style_consistency_chance(styles, seed=seed),
            "n_inputs": len(a),
            "n_codes": cfg.consistency_codes,
        }
    if "semantic_accuracy" in names:
        model, info = _classifier(classifier, "semantic_accuracy")
        if label_key is None:
            raise ValueError("semantic_accuracy needs label_key= (the factor holding the class)")
        labels = torch.stack(
            [torch.as_tensor(data[i]["factors"][label_key]) for i in range(len(a))]
        ).long()
        g = torch.Generator().manual_seed(seed)
        b_hat = sample_translations(method, a, 1, g, batch_size=cfg.batch_size)[:, 0]
        predicted = model.to(device).predict(b_hat).cpu()
        results["semantic_accuracy"] = {
            "value": label_accuracy(predicted, labels),
            "label_key": label_key,
            "n_inputs": len(a),
            "classifier": info,
        }

    record = {
        "metrics": results,
        "seed": seed,
        "method": type(method).__name__,
        "config": dataclasses.asdict(cfg),
    }
    if out_path is not None:
        path = Path(out_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(record, indent=2))
        os.replace(tmp, path)
    return record
