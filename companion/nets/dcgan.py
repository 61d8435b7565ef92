"""DCGAN-style generator and discriminator for small images (Radford et al. 2016).

The generator maps a code ``z`` to a 2^k x 2^k image by a linear layer to 4x4 features and
stride-2 transposed convolutions that double the resolution and halve the width; the
discriminator mirrors it with stride-2 convolutions. Later chapters reuse a trained pair as the
source model for transfer (TransferGAN) and mining (MineGAN).
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["DCGANDiscriminator", "DCGANGenerator"]


def _num_upsamplings(image_size: int) -> int:
    k = math.log2(image_size / 4)
    if image_size < 8 or not k.is_integer():
        raise ValueError(f"image_size must be a power of two >= 8, got {image_size}")
    return int(k)


class DCGANGenerator(nn.Module):
    """``z`` (N, z_dim) -> image (N, channels, image_size, image_size) in [-1, 1].

    Args:
        z_dim: size of the code.
        image_size: output resolution, a power of two >= 8.
        channels: image channels.
        width: channels of the last hidden layer; layer i from the output has ``width * 2^i``.

    Example:
        >>> g = DCGANGenerator(z_dim=16, image_size=32, width=8)
        >>> g(torch.randn(2, 16)).shape
        torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self, z_dim: int = 128, image_size: int = 32, channels: int = 3, width: int = 64
    ) -> None:
        super().__init__()
        k = _num_upsamplings(image_size)
        top = width * 2 ** (k - 1)
        self.z_dim = z_dim
        self.project = nn.Sequential(
            nn.Linear(z_dim, top * 16),
            nn.Unflatten(1, (top, 4, 4)),
            nn.BatchNorm2d(top),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        c = top
        for _ in range(k - 1):
            layers += [
                nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(c // 2),
                nn.ReLU(inplace=True),
            ]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(self.project(z))  # (N, C, S, S)


class DCGANDiscriminator(nn.Module):
    """Image (N, channels, S, S) -> one logit per image (N,).

    Args:
        image_size: input resolution, a power of two >= 8.
        channels: image channels.
        width: channels of the first layer, doubled at each stride-2 convolution.
        norm: "batch" (DCGAN), "layer" (for WGAN-GP, whose penalty is per-sample, so batch
            statistics must not mix samples) or "none".

    Example:
        >>> d = DCGANDiscriminator(image_size=32, width=8, norm="layer")
        >>> d(torch.randn(2, 3, 32, 32)).shape
        torch.Size([2])
    """

    def __init__(
        self, image_size: int = 32, channels: int = 3, width: int = 64, norm: str = "batch"
    ) -> None:
        super().__init__()
        if norm not in ("batch", "layer", "none"):
            raise ValueError(f"norm must be 'batch', 'layer' or 'none', got {norm!r}")
        k = _num_upsamplings(image_size)
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        c, size = width, image_size // 2
        for _ in range(k - 1):
            size //= 2
            layers += [
                nn.Conv2d(c, c * 2, 4, 2, 1, bias=norm == "none"),
                _norm(norm, c * 2, size),
                nn.LeakyReLU(0.2, True),
            ]
            c *= 2
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(c * 16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x).flatten(1)  # (N, C * 4 * 4)
        return self.head(h).squeeze(1)  # (N,)


def _norm(kind: str, channels: int, size: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)  # layer norm over (C, H, W), as in WGAN-GP's critic
    return nn.Identity()
