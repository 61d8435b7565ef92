"""Fréchet and kernel distances between image sets, over any feature extractor.

FID (Heusel et al. 2017) fits a Gaussian to the features of each set and reports the Fréchet
(2-Wasserstein) distance between the two Gaussians,

    FID = ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^{1/2}),

lower is better. KID (Binkowski et al. 2018) is the unbiased squared MMD with the cubic polynomial
kernel k(x, y) = (x.y / D + 1)^3, averaged over random subsets; lower is better, and unlike FID it
is unbiased in the number of samples.

Both go through torchmetrics (``FrechetInceptionDistance`` and ``KernelInceptionDistance``) fed with
features computed here once, so that the feature extractor is injectable:

- :class:`InceptionFeatures`: the standard FID network (torch-fidelity's port of TF Inception-v3,
  pool3, 2048-d), built from weights found by :func:`~companion.metrics.weights.resolve_weights`;
  needs the ``torch-fidelity`` package. Only these numbers compare with published FIDs.
- :class:`ModuleFeatures`: any network's ``features(x)``, e.g. the synthetic-data
  :class:`~companion.metrics.classifiers.DomainClassifier`: a "domain FID" that runs offline.
- :class:`PixelFeatures`: downsampled pixels, a baseline that needs nothing.

:func:`frechet_distance` is the formula written out (a symmetric matrix square root through
``eigh``), tested against the closed form for commuting covariances and against torchmetrics.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from companion.metrics.weights import ResolvedWeights, resolve_weights

__all__ = [
    "ImageFeatures",
    "InceptionFeatures",
    "ModuleFeatures",
    "PixelFeatures",
    "extract_features",
    "fid_from_features",
    "frechet_distance",
    "gaussian_statistics",
    "kid_from_features",
    "to_uint8",
]


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """Convert package images to the uint8 range Inception-FID expects.

    Args:
        x: (N, C, H, W) float in [-1, 1].

    Returns:
        (N, C, H, W) uint8 in [0, 255], rounded to nearest.

    Example:
        >>> to_uint8(torch.tensor([-1.0, 0.0, 1.0])).tolist()
        [0, 128, 255]
    """
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def _check_images(x: torch.Tensor, what: str = "x") -> None:
    if x.dim() != 4:
        raise ValueError(f"expected {what} of shape (N, C, H, W), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"expected {what} as float in [-1, 1], got dtype {x.dtype}")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1.001 or hi > 1.001:
        raise ValueError(
            f"expected {what} in [-1, 1], got min {lo:.3g} max {hi:.3g}; "
            "rescale [0, 1] images with `x * 2 - 1`"
        )


class ImageFeatures(nn.Module):
    """Base class of feature extractors: images in [-1, 1] to (N, D) features.

    Subclasses set ``num_features`` (D), ``name`` (recorded in results) and ``weights`` (a
    :class:`~companion.metrics.weights.ResolvedWeights` or None) and implement ``forward``.
    """

    num_features: int
    name: str
    weights: ResolvedWeights | None = None

    def describe(self) -> dict:
        """Return a JSON-able record of the extractor (name, dimension, weights)."""
        return {
            "features": self.name,
            "num_features": self.num_features,
            "weights": None if self.weights is None else self.weights.to_dict(),
        }


class PixelFeatures(ImageFeatures):
    """Pixels, area-downsampled to ``size`` x ``size`` and flattened: a no-weights baseline.

    Args:
        size: side after downsampling.
        channels: number of image channels.

    Example:
        >>> PixelFeatures(size=4)(torch.zeros(2, 3, 16, 16)).shape
        torch.Size([2, 48])
    """

    def __init__(self, size: int = 8, channels: int = 3) -> None:
        super().__init__()
        self.size = size
        self.num_features = channels * size * size
        self.name = f"pixels-{size}x{size}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.adaptive_avg_pool2d(x, self.size).flatten(1)  # (N, C*size*size)


class ModuleFeatures(ImageFeatures):
    """Wrap a function or network's feature map (e.g. ``DomainClassifier.features``).

    Args:
        fn: maps (N, C, H, W) images in [-1, 1] to (N, D) features.
        num_features: D.
        name: label recorded in results (say which network and data it was trained on).
        module: the network owning ``fn``, registered so ``.to()`` moves it.

    Example:
        >>> f = ModuleFeatures(lambda x: x.mean((2, 3)), 3, "channel-means")
        >>> f(torch.zeros(5, 3, 8, 8)).shape
        torch.Size([5, 3])
    """

    def __init__(
        self,
        fn: Callable[[torch.Tensor], torch.Tensor],
        num_features: int,
        name: str,
        module: nn.Module | None = None,
    ) -> None:
        super().__init__()
        self.fn = fn
        self.module = module
        self.num_features = num_features
        self.name = name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


class InceptionFeatures(ImageFeatures):
    """Inception-v3 pool3 features (2048-d) of the standard FID, from local weights.

    Uses torchmetrics' ``NoTrainInceptionV3`` (torch-fidelity's port of the TF graph, which resizes
    to 299 x 299 inside) with the weight file ``weights-inception-2015-12-05-6726825d.pth`` resolved
    offline (see :func:`~companion.metrics.weights.resolve_weights`).

    Args:
        weights_path: explicit file or folder; else ``$COMPANION_WEIGHTS_DIR`` or the hub cache.
        allow_download: let the resolver download the file.

    Raises:
        FileNotFoundError: if the weight file is not found (the message says where to get it).
        ModuleNotFoundError: if ``torch-fidelity`` is not installed.
    """

    def __init__(self, weights_path: str | None = None, allow_download: bool = False) -> None:
        super().__init__()
        self.weights = resolve_weights("inception-fid", weights_path, allow_download)
        try:
            from torchmetrics.image.fid import NoTrainInceptionV3
        except ImportError as err:  # pragma: no cover - depends on the installed torchmetrics
            raise ModuleNotFoundError(
                "Inception FID needs torchmetrics' image extras: pip install torch-fidelity"
            ) from err
        self.net = NoTrainInceptionV3(
            name="inception-v3-compat",
            features_list=["2048"],
            feature_extractor_weights_path=self.weights.path,
        )
        self.num_features = 2048
        self.name = "inception-v3-pool3"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(to_uint8(x)).reshape(x.shape[0], -1)  # (N, 2048)


@torch.no_grad()
def extract_features(x: torch.Tensor, extractor: nn.Module, batch_size: int = 100) -> torch.Tensor:
    """Run a feature extractor over images in batches.

    Args:
        x: (N, C, H, W) float in [-1, 1], on the extractor's device or CPU.
        extractor: maps a batch of images in [-1, 1] to (B, D).
        batch_size: images per forward pass.

    Returns:
        (N, D) float64 features on CPU.

    Raises:
        ValueError: if ``x`` is not a batch of images in [-1, 1].

    Example:
        >>> extract_features(torch.zeros(3, 3, 8, 8), PixelFeatures(2)).shape
        torch.Size([3, 12])
    """
    _check_images(x)
    device = next(iter(extractor.parameters()), torch.empty(0)).device
    chunks = [
        extractor(x[i : i + batch_size].to(device)).double().cpu()
        for i in range(0, x.shape[0], batch_size)
    ]
    return torch.cat(chunks).flatten(1)  # (N, D)


def gaussian_statistics(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and unbiased covariance of features, in float64.

    Args:
        features: (N, D), N >= 2.

    Returns:
        mu (D,) and sigma (D, D), float64.

    Example:
        >>> mu, sigma = gaussian_statistics(torch.tensor([[0.0], [2.0]]))
        >>> mu.item(), sigma.item()
        (1.0, 2.0)
    """
    if features.dim() != 2 or features.shape[0] < 2:
        raise ValueError(f"expected features of shape (N >= 2, D), got {tuple(features.shape)}")
    f = features.double()
    return f.mean(0), torch.cov(f.T).reshape(f.shape[1], f.shape[1])


def _sqrtm_psd(m: torch.Tensor) -> torch.Tensor:
    """Square root of a symmetric positive semi-definite matrix via eigh."""
    eigvals, eigvecs = torch.linalg.eigh((m + m.T) / 2)
    return (eigvecs * eigvals.clamp_min(0).sqrt()) @ eigvecs.T  # V diag(sqrt w) V^T


def frechet_distance(
    mu1: torch.Tensor, sigma1: torch.Tensor, mu2: torch.Tensor, sigma2: torch.Tensor
) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2), the formula of FID.

    ``Tr((S1 S2)^{1/2})`` is computed as ``Tr((S1^{1/2} S2 S1^{1/2})^{1/2})``: the same eigenvalues,
    but a symmetric matrix, so the result is real and stable for singular covariances.

    Args:
        mu1, mu2: (D,) means.
        sigma1, sigma2: (D, D) symmetric positive semi-definite covariances.

    Returns:
        The squared distance (>= 0 up to rounding), in squared feature units.

    Example:
        >>> i = torch.eye(2, dtype=torch.float64)
        >>> round(frechet_distance(torch.zeros(2), i, torch.ones(2), 4 * i), 6)
        4.0
    """
    mu1, mu2, sigma1, sigma2 = (t.double() for t in (mu1, mu2, sigma1, sigma2))
    root1 = _sqrtm_psd(sigma1)
    middle = root1 @ sigma2 @ root1  # (D, D), symmetric PSD
    trace_sqrt = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp_min(0).sqrt().sum()
    mean_term = (mu1 - mu2).square().sum()
    return float(mean_term + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt)


class _Precomputed(nn.Module):
    """Identity 'extractor' so torchmetrics can consume features computed once."""

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.num_features = num_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


def fid_from_features(features_real: torch.Tensor, features_fake: torch.Tensor) -> float:
    """FID between two feature sets, computed by torchmetrics' ``FrechetInceptionDistance``.

    Args:
        features_real: (N1, D) features of the reference set, N1 >= 2.
        features_fake: (N2, D) features of the generated set, N2 >= 2.

    Returns:
        FID (lower is better); biased upward for small N (compare only equal sample counts).

    Example:
        >>> f = torch.randn(50, 4, generator=torch.Generator().manual_seed(0))
        >>> abs(fid_from_features(f, f)) < 1e-6
        True
    """
    from torchmetrics.image.fid import FrechetInceptionDistance

    if features_real.shape[1] != features_fake.shape[1]:
        raise ValueError(
            f"feature sizes differ: {features_real.shape[1]} vs {features_fake.shape[1]}"
        )
    metric = FrechetInceptionDistance(feature=_Precomputed(features_real.shape[1]))
    metric.update(features_real.double(), real=True)
    metric.update(features_fake.double(), real=False)
    return float(metric.compute())


def kid_from_features(
    features_real: torch.Tensor,
    features_fake: torch.Tensor,
    subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """KID (mean and std over subsets) by torchmetrics' ``KernelInceptionDistance``.

    torchmetrics draws subsets from the global generator; this runs it inside
    ``torch.random.fork_rng`` seeded with ``seed``, so the result is reproducible and the caller's
    global RNG state is left untouched.

    Args:
        features_real: (N1, D) reference features.
        features_fake: (N2, D) generated features.
        subsets: number of random subsets.
        subset_size: samples per subset; reduced to min(N1, N2) when larger.
        seed: seed of the subset draws.

    Returns:
        (kid_mean, kid_std): lower is better; the mean is unbiased, so it can be slightly negative.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> f1, f2 = torch.randn(200, 4, generator=g), torch.randn(200, 4, generator=g)
        >>> abs(kid_from_features(f1, f2, subsets=10, subset_size=100)[0]) < 0.05
        True
    """
    from torchmetrics.image.kid import KernelInceptionDistance

    size = min(subset_size, features_real.shape[0], features_fake.shape[0])
    if size < 2:
        raise ValueError(f"KID needs at least 2 samples per set, got subset size {size}")
    metric = KernelInceptionDistance(
        feature=_Precomputed(features_real.shape[1]), subsets=subsets, subset_size=size
    )
    metric.update(features_real.double(), real=True)
    metric.update(features_fake.double(), real=False)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return float(mean), float(std)
