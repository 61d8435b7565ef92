"""DCGAN-style generator and discriminator for small images (Radford et al. 2016).

The generator maps a code ``z`` to a 2^k x 2^k image by a linear layer to 4x4 features and
stride-2 transposed convolutions that double the resolution and halve the width; the
discriminator mirrors it with stride-2 convolutions. Later chapters reuse a trained pair as the
source model for transfer (TransferGAN) and mining (MineGAN).

With ``num_classes = K > 0`` both become class-conditional in the AC-GAN way TransferGAN uses
(thesis Sec. 2.4.1): the generator's batch norms are
:class:`~companion.nets.conditional.ConditionalBatchNorm2d` (a ``(gamma, beta)`` row per class,
"Cond BNorm") and it takes labels, while the discriminator stays unconditional and gains an
auxiliary classifier head of K logits on the same features. With ``embed_dim = D > 0`` as well,
the generator instead looks each label up in a learned class embedding (K, D) and its batch
norms are :class:`~companion.nets.conditional.EmbeddingBatchNorm2d` (BigGAN's), so that it also
accepts any embedding vector in place of a label (MineGAN's class-embedding miner).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from companion.nets.conditional import ConditionalBatchNorm2d, EmbeddingBatchNorm2d

__all__ = ["DCGANDiscriminator", "DCGANGenerator"]


def _num_upsamplings(image_size: int) -> int:
    k = math.log2(image_size / 4)
    if image_size < 8 or not k.is_integer():
        raise ValueError(f"image_size must be a power of two >= 8, got {image_size}")
    return int(k)


class DCGANGenerator(nn.Module):
    """``z`` (N, z_dim) [and labels y (N,)] -> image (N, channels, image_size, image_size) in
    [-1, 1].

    Args:
        z_dim: size of the code.
        image_size: output resolution, a power of two >= 8.
        channels: image channels.
        width: channels of the last hidden layer; layer i from the output has ``width * 2^i``.
        num_classes: 0 (unconditional, ``nn.BatchNorm2d``) or K > 0: every batch norm is a
            :class:`~companion.nets.conditional.ConditionalBatchNorm2d` and ``forward`` takes
            labels in [0, K). The state dict of an unconditional generator loads into a
            conditional one after
            :func:`~companion.nets.conditional.conditional_batch_norm_state`.
        embed_dim: 0 (a ``(gamma, beta)`` row per class) or D > 0 (with ``num_classes``): a
            class embedding ``embed`` (K, D) feeds every batch norm, an
            :class:`~companion.nets.conditional.EmbeddingBatchNorm2d`, and ``forward`` takes
            labels or, in their place, embedding vectors (N, D).

    Example:
        >>> g = DCGANGenerator(z_dim=16, image_size=32, width=8)
        >>> g(torch.randn(2, 16)).shape
        torch.Size([2, 3, 32, 32])
        >>> g = DCGANGenerator(z_dim=16, image_size=32, width=8, num_classes=10)
        >>> g(torch.randn(2, 16), torch.tensor([3, 7])).shape
        torch.Size([2, 3, 32, 32])
        >>> g = DCGANGenerator(z_dim=16, image_size=32, width=8, num_classes=10, embed_dim=4)
        >>> g(torch.randn(2, 16), embedding=torch.randn(2, 4)).shape
        torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        z_dim: int = 128,
        image_size: int = 32,
        channels: int = 3,
        width: int = 64,
        num_classes: int = 0,
        embed_dim: int = 0,
    ) -> None:
        super().__init__()
        if num_classes < 0:
            raise ValueError(f"num_classes must be >= 0 (0: unconditional), got {num_classes}")
        if embed_dim < 0 or (embed_dim and not num_classes):
            raise ValueError(
                f"embed_dim must be 0, or > 0 for a conditional generator (num_classes > 0); "
                f"got embed_dim={embed_dim}, num_classes={num_classes}"
            )
        k = _num_upsamplings(image_size)
        top = width * 2 ** (k - 1)
        self.z_dim, self.num_classes, self.embed_dim = z_dim, num_classes, embed_dim
        if embed_dim:
            self.embed = nn.Embedding(num_classes, embed_dim)  # BigGAN's shared embedding

        def norm(c: int) -> nn.Module:
            if embed_dim:
                return EmbeddingBatchNorm2d(c, embed_dim)
            return ConditionalBatchNorm2d(c, num_classes) if num_classes else nn.BatchNorm2d(c)

        self.project = nn.Sequential(
            nn.Linear(z_dim, top * 16),
            nn.Unflatten(1, (top, 4, 4)),
            norm(top),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        c = top
        for _ in range(k - 1):
            layers += [
                nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False),
                norm(c // 2),
                nn.ReLU(inplace=True),
            ]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(
        self,
        z: torch.Tensor,
        y: torch.Tensor | None = None,
        *,
        embedding: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """z: (N, z_dim); y: (N,) int64 labels, given exactly when ``num_classes > 0``, or, with
        ``embed_dim > 0``, ``embedding`` (N, embed_dim) in their place (``embed(y)`` is what
        labels give).

        Raises:
            ValueError: if labels are missing for a conditional generator or given to an
                unconditional one, or an embedding is given to a generator without one or
                together with labels.
        """
        if embedding is not None:
            if not self.embed_dim:
                raise ValueError(
                    "this generator has no class embedding (embed_dim=0); pass labels y"
                )
            if y is not None:
                raise ValueError("pass labels y or an embedding, not both")
        elif not self.num_classes:
            if y is not None:
                raise ValueError("this generator is unconditional (num_classes=0); pass no labels")
            return self.body(self.project(z))  # (N, C, S, S)
        elif y is None:
            raise ValueError(
                f"this generator is conditional (num_classes={self.num_classes}): pass labels y"
            )
        elif self.embed_dim:
            embedding = self.embed(y)  # (N, D)
        condition = y if embedding is None else embedding
        h = z
        for layer in (*self.project, *self.body):
            conditional = isinstance(layer, (ConditionalBatchNorm2d, EmbeddingBatchNorm2d))
            h = layer(h, condition) if conditional else layer(h)
        return h  # (N, C, S, S)


class DCGANDiscriminator(nn.Module):
    """Image (N, channels, S, S) -> one logit per image (N,) [and K class logits].

    Args:
        image_size: input resolution, a power of two >= 8.
        channels: image channels.
        width: channels of the first layer, doubled at each stride-2 convolution.
        norm: "batch" (DCGAN), "layer" (for WGAN-GP, whose penalty is per-sample, so batch
            statistics must not mix samples) or "none".
        num_classes: 0, or K > 0 for an auxiliary classifier head (AC-GAN): a linear layer
            ``classify`` beside ``head`` on the same features, read by
            :meth:`forward_with_classes`; ``forward`` still returns the critic's score only.

    Example:
        >>> d = DCGANDiscriminator(image_size=32, width=8, norm="layer")
        >>> d(torch.randn(2, 3, 32, 32)).shape
        torch.Size([2])
        >>> d = DCGANDiscriminator(image_size=32, width=8, norm="layer", num_classes=10)
        >>> [t.shape for t in d.forward_with_classes(torch.randn(2, 3, 32, 32))]
        [torch.Size([2]), torch.Size([2, 10])]
    """

    def __init__(
        self,
        image_size: int = 32,
        channels: int = 3,
        width: int = 64,
        norm: str = "batch",
        num_classes: int = 0,
    ) -> None:
        super().__init__()
        if norm not in ("batch", "layer", "none"):
            raise ValueError(f"norm must be 'batch', 'layer' or 'none', got {norm!r}")
        if num_classes < 0:
            raise ValueError(f"num_classes must be >= 0 (0: no classifier), got {num_classes}")
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
        self.num_classes = num_classes
        if num_classes:  # created last, so the other layers start as without it
            self.classify = nn.Linear(c * 16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x).flatten(1)  # (N, C * 4 * 4)
        return self.head(h).squeeze(1)  # (N,)

    def forward_with_classes(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The score (N,) and the auxiliary classifier's class logits (N, K) of images x.

        Raises:
            ValueError: if the discriminator has no classifier head (``num_classes=0``).
        """
        if not self.num_classes:
            raise ValueError("this discriminator has no classifier head (num_classes=0)")
        h = self.body(x).flatten(1)  # (N, C * 4 * 4)
        return self.head(h).squeeze(1), self.classify(h)  # (N,), (N, K)


def _norm(kind: str, channels: int, size: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)  # layer norm over (C, H, W), as in WGAN-GP's critic
    return nn.Identity()
