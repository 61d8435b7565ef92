"""Number of statistically Different Bins (NDB) and bin JSD (Richardson & Weiss 2018).

The reference samples (the training set) are clustered by k-means into ``k`` bins, read as the
modes of the real distribution. Each generated sample goes to the bin of its nearest centre. For
every bin a two-proportion z-test compares the fraction of reference samples in it with the
fraction of generated samples; NDB counts the bins whose difference is significant at level
``alpha``. JSD is the Jensen-Shannon divergence (natural log, nats) between the two bin histograms.
Both are lower-is-better; a generator drawing from the reference distribution scores
NDB ~ alpha * k (the tests' false positives), a collapsed one NDB -> k.

Choices, following the reference code (``eitanrich/gans-n-gmms``, ``utils/ndb.py``) where it is
stated: k-means with ``max_iter=100``, bins sorted by size, nearest-centre assignment, a pooled
two-sided z-test. We do not whiten and do not subsample dimensions (the reference keeps d/6 random
dimensions when d > 1000); pass features (e.g. downsampled pixels) if the images are large.
Clustering is seeded by ``seed``, so a result is a function of (data, k, alpha, seed).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

__all__ = ["NDB", "NDBResult", "bin_jsd", "different_bins"]


@dataclasses.dataclass(frozen=True)
class NDBResult:
    """The outcome of an NDB/JSD test.

    Attributes:
        ndb: number of bins whose proportions differ significantly (0..k); lower is better.
        jsd: Jensen-Shannon divergence of the bin histograms, nats, in [0, log 2]; lower is better.
        k: number of bins.
        alpha: significance level of each test.
        seed: k-means seed.
        n_reference: reference (training) samples.
        n_samples: tested samples.
        reference_proportions: (k,) bin fractions of the reference set, bins sorted by size.
        sample_proportions: (k,) bin fractions of the tested set.
        different: (k,) whether each bin differs.
    """

    ndb: int
    jsd: float
    k: int
    alpha: float
    seed: int
    n_reference: int
    n_samples: int
    reference_proportions: list[float]
    sample_proportions: list[float]
    different: list[bool]

    def to_dict(self) -> dict:
        """Return a JSON-able dict (with ``ndb_fraction = ndb / k``)."""
        return {**dataclasses.asdict(self), "ndb_fraction": self.ndb / self.k}


def different_bins(
    counts_ref: np.ndarray, counts_test: np.ndarray, alpha: float = 0.05
) -> np.ndarray:
    """Two-proportion z-tests, one per bin, pooled variance, two-sided.

    Args:
        counts_ref: (k,) reference counts per bin.
        counts_test: (k,) tested counts per bin.
        alpha: significance level.

    Returns:
        (k,) bool, True where the proportions differ at level ``alpha``. A bin empty in both sets
        does not differ.

    Example:
        >>> different_bins(np.array([50, 50]), np.array([100, 0])).tolist()
        [True, True]
    """
    n1, n2 = counts_ref.sum(), counts_test.sum()
    p1, p2 = counts_ref / n1, counts_test / n2
    pooled = (counts_ref + counts_test) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, np.abs(p1 - p2) / np.where(se > 0, se, 1), 0.0)
    p_values = np.array([math.erfc(v / math.sqrt(2)) for v in z])  # 2 * (1 - Phi(|z|))
    return p_values < alpha


def bin_jsd(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence between two histograms, in nats.

    Args:
        p, q: (k,) non-negative, each summing to 1.

    Returns:
        JSD in [0, log 2].

    Example:
        >>> round(bin_jsd(np.array([1.0, 0.0]), np.array([0.0, 1.0])), 4)  # log 2
        0.6931
    """
    m = (p + q) / 2

    def kl(a: np.ndarray, b: np.ndarray) -> float:
        keep = a > 0
        return float(np.sum(a[keep] * np.log(a[keep] / b[keep])))

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def _as_matrix(x: torch.Tensor | np.ndarray, what: str) -> np.ndarray:
    arr = x.detach().cpu().double().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    if arr.ndim < 2:
        raise ValueError(f"expected {what} of shape (N, ...), got {arr.shape}")
    return arr.reshape(arr.shape[0], -1).astype(np.float64)  # (N, D)


class NDB:
    """NDB/JSD against a fixed reference set (Richardson & Weiss 2018, Sec. 3).

    ``fit`` clusters the reference samples once; ``score`` tests any number of generated sets
    against the same bins. The SEGAN paper uses K = 20 bins on Facades and K = 50 elsewhere, with
    at least 10 training samples per bin (its App. E).

    Args:
        k: number of bins.
        alpha: significance level of each bin's z-test.
        seed: seed of k-means.
        max_iter: k-means iterations (reference code: 100).

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> ref = torch.randn(400, 2, generator=g)
        >>> ndb = NDB(k=5, seed=0).fit(ref)
        >>> ndb.score(ref + 50).ndb  # every sample lands in one bin: all bins differ
        5
    """

    def __init__(self, k: int = 50, alpha: float = 0.05, seed: int = 0, max_iter: int = 100):
        if k < 2:
            raise ValueError(f"NDB needs k >= 2 bins, got k={k}")
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {alpha}")
        self.k, self.alpha, self.seed, self.max_iter = k, alpha, seed, max_iter
        self.centres: np.ndarray | None = None
        self.reference_counts: np.ndarray | None = None

    def fit(self, reference: torch.Tensor | np.ndarray) -> NDB:
        """Cluster the reference samples into ``k`` bins sorted by size (largest first).

        Args:
            reference: (N, ...) samples or features; flattened to (N, D). N >= k.

        Returns:
            self.

        Raises:
            ValueError: if there are fewer samples than bins.
        """
        from sklearn.cluster import KMeans

        x = _as_matrix(reference, "reference")
        if x.shape[0] < self.k:
            raise ValueError(
                f"NDB needs at least k={self.k} reference samples, got {x.shape[0]}; lower k "
                "(the paper keeps >= 10 samples per bin)"
            )
        km = KMeans(n_clusters=self.k, n_init=1, max_iter=self.max_iter, random_state=self.seed)
        labels = km.fit_predict(x)
        counts = np.bincount(labels, minlength=self.k)
        order = np.argsort(-counts, kind="stable")
        self.centres = km.cluster_centers_[order]
        self.reference_counts = counts[order]
        return self

    def assign(self, x: torch.Tensor | np.ndarray) -> np.ndarray:
        """Bin index (nearest centre in L2) of each sample.

        Args:
            x: (N, ...) samples, the same kind as the reference.

        Returns:
            (N,) int bin indices in [0, k).
        """
        if self.centres is None:
            raise RuntimeError("NDB.assign called before fit(reference)")
        m = _as_matrix(x, "samples")
        if m.shape[1] != self.centres.shape[1]:
            raise ValueError(
                f"samples have {m.shape[1]} dimensions, the reference had {self.centres.shape[1]}"
            )
        # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, (N, k)
        dist = (m**2).sum(1, keepdims=True) - 2 * m @ self.centres.T + (self.centres**2).sum(1)
        return dist.argmin(1)

    def score(self, samples: torch.Tensor | np.ndarray) -> NDBResult:
        """Test generated samples against the reference bins.

        Args:
            samples: (N, ...) generated samples.

        Returns:
            :class:`NDBResult` with NDB, JSD and per-bin details.
        """
        bins = self.assign(samples)
        counts = np.bincount(bins, minlength=self.k)
        ref = self.reference_counts
        p_ref, p_test = ref / ref.sum(), counts / counts.sum()
        diff = different_bins(ref, counts, self.alpha)
        return NDBResult(
            ndb=int(diff.sum()),
            jsd=bin_jsd(p_ref, p_test),
            k=self.k,
            alpha=self.alpha,
            seed=self.seed,
            n_reference=int(ref.sum()),
            n_samples=int(counts.sum()),
            reference_proportions=p_ref.tolist(),
            sample_proportions=p_test.tolist(),
            different=diff.tolist(),
        )
