"""Adaptive instance normalisation (Huang & Belongie 2017, arXiv:1703.06868, Eq. 8).

``AdaIN(x, z) = gamma(z) * (x - mu(x)) / sigma(x) + beta(z)``: each channel of a feature map is
normalised over space, then rescaled and shifted by amounts predicted from the code. MUNIT (Huang
et al. 2018) injects its style code this way; here it is one option of
:func:`companion.nets.injection.code_placement` (``injection="adain"``).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["AdaIN", "adaptive_instance_norm"]


def adaptive_instance_norm(
    x: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    """Normalise each channel of ``x`` over space, then apply per-sample ``scale`` and ``shift``.

    Args:
        x: (N, C, H, W) features.
        scale: (N, C) multiplicative factors gamma.
        shift: (N, C) additive offsets beta.
        eps: added to the variance.

    Returns:
        (N, C, H, W): each channel has spatial mean ``shift`` and std about ``|scale|``.

    Example:
        >>> x = torch.randn(2, 3, 8, 8)
        >>> y = adaptive_instance_norm(x, torch.full((2, 3), 2.0), torch.ones(2, 3))
        >>> round(y.mean().item(), 4), round(y.std(dim=(2, 3)).mean().item(), 1)
        (1.0, 2.0)
    """
    n, c = x.shape[:2]
    mean = x.mean(dim=(2, 3), keepdim=True)  # (N, C, 1, 1)
    var = x.var(dim=(2, 3), keepdim=True, unbiased=False)  # (N, C, 1, 1)
    x_norm = (x - mean) / torch.sqrt(var + eps)
    return scale.view(n, c, 1, 1) * x_norm + shift.view(n, c, 1, 1)  # (N, C, H, W)


class AdaIN(nn.Module):
    """Instance norm whose affine parameters come from a code: ``(x, z) -> AdaIN(x, z)``.

    A linear layer maps ``z`` (N, D) to (gamma - 1, beta), so a zero code gives plain instance
    norm; its weights start small (normal, std 0.02), as pix2pix initialises every layer.
    MUNIT predicts all AdaIN parameters with one MLP; one linear layer per norm is our simpler
    choice.

    Args:
        channels: C, channels of the features.
        z_dim: D, size of the code.

    Example:
        >>> AdaIN(16, 8)(torch.randn(2, 16, 4, 4), torch.randn(2, 8)).shape
        torch.Size([2, 16, 4, 4])
    """

    def __init__(self, channels: int, z_dim: int) -> None:
        super().__init__()
        if z_dim <= 0:
            raise ValueError(f"AdaIN needs a code, got z_dim={z_dim}; use instance norm instead")
        self.affine = nn.Linear(z_dim, 2 * channels)
        nn.init.normal_(self.affine.weight, 0.0, 0.02)
        nn.init.zeros_(self.affine.bias)

    def forward(self, x: torch.Tensor, z: torch.Tensor | None) -> torch.Tensor:
        if z is None:
            raise ValueError("AdaIN needs a code but z is None; pass z of shape (N, D)")
        scale_minus_one, shift = self.affine(z).chunk(2, dim=1)  # (N, C) each
        return adaptive_instance_norm(x, 1 + scale_minus_one, shift)
