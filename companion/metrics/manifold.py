"""Precision of generated samples against a real-data manifold (Kynkäänniemi et al. 2019).

A sample counts as *precise* when it falls inside the real data's k-nearest-neighbour manifold:
within the distance from some real point to that point's k-th nearest real neighbour. In the
features of a classifier trained on real images this asks "does this look like some real image?",
which a classifier's confidence alone cannot: small classifiers are confident on pixel noise too.
Real held-out images score close to 1, pixel noise scores 0.
"""

from __future__ import annotations

import torch

__all__ = ["knn_precision"]


def knn_precision(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> float:
    """Share of ``fake`` features inside the union of the real points' k-NN balls.

    Args:
        real: (N, F) features of real images (N > k).
        fake: (M, F) features of generated images.
        k: neighbourhood size (Kynkäänniemi et al. use 3).

    Returns:
        Precision in [0, 1].

    Raises:
        ValueError: on mismatched feature sizes or ``k >= N``.

    Example:
        >>> real = torch.arange(10.0)[:, None]
        >>> knn_precision(real, torch.tensor([[4.5], [30.0]]), k=1)
        0.5
    """
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"expected features (N, F) and (M, F), got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    if not 0 < k < len(real):
        raise ValueError(f"need 0 < k < {len(real)} real points, got k={k}")
    real, fake = real.double(), fake.double()
    radii = torch.cdist(real, real).kthvalue(k + 1, dim=1).values  # (N,), the 1st is the point
    inside = torch.cdist(fake, real) <= radii[None, :]  # (M, N)
    return float(inside.any(dim=1).double().mean())
