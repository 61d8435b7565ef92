"""Metrics: oracle metrics on synthetic data, FID/KID, LPIPS diversity, NDB/JSD, weights.

Heavy backends (torchmetrics, lpips, scikit-learn) are imported only when a metric runs.
"""

from companion.metrics.classifiers import (
    ClassifierResult,
    DomainClassifier,
    classifier_cache_dir,
    train_classifier,
    train_factor_classifier,
)
from companion.metrics.diversity import (
    DIVERSITY_PROTOCOLS,
    DiversityMeter,
    DiversityProtocol,
    diversity,
    pair_indices,
    pairwise_diversity,
)
from companion.metrics.evaluate import (
    METRICS,
    EvalConfig,
    evaluate,
)
from companion.metrics.fid import (
    ImageFeatures,
    InceptionFeatures,
    ModuleFeatures,
    PixelFeatures,
    extract_features,
    fid_from_features,
    frechet_distance,
    gaussian_statistics,
    kid_from_features,
    to_uint8,
)
from companion.metrics.lpips import (
    LPIPS_BACKENDS,
    PerceptualDistance,
    build_lpips,
)
from companion.metrics.ndb import (
    NDB,
    NDBResult,
    bin_jsd,
    different_bins,
)
from companion.metrics.oracle import (
    label_accuracy,
    mode_coverage,
    nuisance_leakage,
    probe_accuracy,
    style_consistency,
    style_consistency_chance,
    style_recovery,
    style_transfer,
    style_transfer_chance,
    styles_of_samples,
    styles_per_input,
    transferred_styles,
)
from companion.metrics.sampling import (
    method_z_dim,
    sample_codes,
    sample_translations,
)
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
    "ClassifierResult",
    "DIVERSITY_PROTOCOLS",
    "DiversityMeter",
    "DiversityProtocol",
    "DomainClassifier",
    "EvalConfig",
    "ImageFeatures",
    "InceptionFeatures",
    "KNOWN_WEIGHTS",
    "KnownWeights",
    "LPIPS_BACKENDS",
    "METRICS",
    "ModuleFeatures",
    "NDB",
    "NDBResult",
    "PerceptualDistance",
    "PixelFeatures",
    "ResolvedWeights",
    "WEIGHTS_DIR_ENV",
    "bin_jsd",
    "build_lpips",
    "classifier_cache_dir",
    "different_bins",
    "diversity",
    "evaluate",
    "extract_features",
    "fid_from_features",
    "file_sha256",
    "frechet_distance",
    "gaussian_statistics",
    "kid_from_features",
    "label_accuracy",
    "method_z_dim",
    "mode_coverage",
    "nuisance_leakage",
    "pair_indices",
    "pairwise_diversity",
    "probe_accuracy",
    "resolve_weights",
    "sample_codes",
    "sample_translations",
    "style_consistency",
    "style_consistency_chance",
    "style_recovery",
    "style_transfer",
    "style_transfer_chance",
    "styles_of_samples",
    "styles_per_input",
    "to_uint8",
    "train_classifier",
    "train_factor_classifier",
    "transferred_styles",
    "weights_search_dirs",
]
