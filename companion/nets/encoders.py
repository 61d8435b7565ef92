"""Image encoders with a Gaussian head: ``E(b) = (mu, log sigma^2)`` of ``q(z | b)``.

BicycleGAN (Zhu et al. 2017, arXiv:1711.11586, Sec. 4) encodes the target image with a ResNet
(``E_ResNet``, ``resnet_256``): a 4x4 stride-2 convolution with ``nef`` channels, then
pre-activation residual blocks that each halve the resolution (widths ``nef * min(n + 1, 4)``),
global average pooling and two linear heads for the mean and the log-variance of z. The
cVAE-GAN samples ``z = mu + sigma * eps`` (:func:`reparameterize`); the cLR-GAN reads ``mu`` as a
point estimate of the code that made an image.
"""

from __future__ import annotations

import torch
from torch import nn

from companion.nets.blocks import ResBlock, activation, check_image_size

__all__ = ["GaussianHead", "ResNetEncoder", "reparameterize"]


class GaussianHead(nn.Module):
    """Two linear maps from features to the mean and log-variance of a diagonal Gaussian.

    Args:
        in_features: F, size of the pooled features.
        z_dim: D, size of the code.

    Example:
        >>> mu, logvar = GaussianHead(16, 8)(torch.randn(2, 16))
        >>> mu.shape, logvar.shape
        (torch.Size([2, 8]), torch.Size([2, 8]))
    """

    def __init__(self, in_features: int, z_dim: int) -> None:
        super().__init__()
        self.mu = nn.Linear(in_features, z_dim)
        self.logvar = nn.Linear(in_features, z_dim)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.mu(h), self.logvar(h)


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Sample ``z = mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, I)`` (Kingma & Welling 2014).

    Args:
        mu: (N, D) means.
        logvar: (N, D) log-variances.
        generator: RNG for ``eps`` (on ``mu``'s device).

    Returns:
        (N, D) samples, differentiable in ``mu`` and ``logvar``.

    Example:
        >>> z = reparameterize(torch.zeros(4096, 2), torch.zeros(4096, 2),
        ...                    generator=torch.Generator().manual_seed(0))
        >>> abs(z.std().item() - 1) < 0.05
        True
    """
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + torch.exp(0.5 * logvar) * eps


class ResNetEncoder(nn.Module):
    """BicycleGAN's ResNet encoder: image (N, C, H, W) -> (mu, logvar), each (N, D).

    Args:
        in_channels: C of the encoded image (the target domain's).
        z_dim: D (8 in BicycleGAN, Sec. 4).
        nef: channels of the first convolution (64 in BicycleGAN).
        num_blocks: the first convolution plus ``num_blocks - 1`` down-sampling residual blocks
            (5 for 256x256: 256 -> 8 before pooling; 3 for 32x32: 32 -> 4).
        norm: normalisation inside the blocks (BicycleGAN: instance).
        act: non-linearity (LeakyReLU 0.2 here; BicycleGAN's ``--nl`` option).

    Example:
        >>> e = ResNetEncoder(z_dim=8, nef=16, num_blocks=3)
        >>> [t.shape for t in e(torch.randn(2, 3, 32, 32))]
        [torch.Size([2, 8]), torch.Size([2, 8])]
    """

    def __init__(
        self,
        in_channels: int = 3,
        z_dim: int = 8,
        *,
        nef: int = 64,
        num_blocks: int = 5,
        norm: str = "instance",
        act: str = "lrelu",
    ) -> None:
        super().__init__()
        if z_dim <= 0 or num_blocks < 1:
            raise ValueError(f"need z_dim > 0 and num_blocks >= 1, got {z_dim} and {num_blocks}")
        self.num_blocks = num_blocks
        layers: list[nn.Module] = [nn.Conv2d(in_channels, nef, 4, 2, 1)]
        for n in range(1, num_blocks):
            layers.append(
                ResBlock(
                    nef * min(n, 4),
                    nef * min(n + 1, 4),
                    norm=norm,
                    act=act,
                    preact=True,
                    downsample=True,
                    padding_mode="zeros",
                )
            )
        # BicycleGAN pools an 8x8 map with AvgPool2d(8); global pooling works at any size.
        layers += [activation(act), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        self.head = GaussianHead(nef * min(num_blocks, 4), z_dim)

    def forward(self, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance (each (N, D)) of ``q(z | b)`` for images ``b`` (N, C, H, W)."""
        for size in b.shape[-2:]:
            check_image_size(size, self.num_blocks, f"a {self.num_blocks}-stage encoder")
        return self.head(self.features(b))
