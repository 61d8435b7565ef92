"""Metrics: oracle metrics on synthetic data, FID/KID, LPIPS diversity, NDB/JSD, weights."""

from companion.metrics.weights import (
    KNOWN_WEIGHTS,
    WEIGHTS_DIR_ENV,
    KnownWeights,
    ResolvedWeights,
    file_sha256,
    resolve_weights,
    weights_search_dirs,
)

__all__ = [
    "KNOWN_WEIGHTS",
    "WEIGHTS_DIR_ENV",
    "KnownWeights",
    "ResolvedWeights",
    "file_sha256",
    "resolve_weights",
    "weights_search_dirs",
]
