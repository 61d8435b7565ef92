"""InfoGAN's MNIST networks: a generator and a discriminator whose trunk also feeds the Q head.

Chen et al. 2016 (arXiv:1606.03657), App. C, Table 1 (MNIST, 28x28):

- G: input (74,) -> FC 1024, ReLU, BN -> FC 7x7x128, ReLU, BN -> 4x4 upconv 64 stride 2, ReLU, BN
  -> 4x4 upconv 1 channel stride 2.
- D and Q share: 4x4 conv 64 stride 2, lReLU -> 4x4 conv 128 stride 2, BN, lReLU -> FC 1024, BN,
  lReLU. D's head is one FC output; Q's head is FC 128, BN, lReLU, FC to the code's parameters.

Sharing the trunk makes Q almost free: "Q and D share all convolutional layers and there is one
final fully connected layer to output parameters for the conditional distribution Q(c|x)" (Sec. 6).
Here the sizes are arguments: ``image_size`` must be divisible by 4 (28 gives the paper's 7x7
grid; 16 and 32 give 4x4 and 8x8), and the widths scale down for the CPU preset.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

__all__ = ["InfoGANDiscriminator", "InfoGANGenerator", "QOutput"]


def _base_size(image_size: int) -> int:
    if image_size < 8 or image_size % 4:
        raise ValueError(
            f"image_size must be a multiple of 4 and >= 8 (28 for MNIST), got {image_size}"
        )
    return image_size // 4


class QOutput(NamedTuple):
    """The Q head's parameters of ``q(c | x)``.

    Attributes:
        logits: (N, K) logits of the categorical code (K = 0: none).
        mu: (N, L) means of the continuous codes (L = 0: none).
        log_var: (N, L) log-variances of the continuous codes (zeros when the variance is fixed).
    """

    logits: torch.Tensor
    mu: torch.Tensor
    log_var: torch.Tensor


class InfoGANGenerator(nn.Module):
    """``(z, c)`` concatenated, (N, in_dim) -> images (N, channels, S, S) in [-1, 1].

    Args:
        in_dim: size of the generator's input (noise + one-hot category + continuous codes; the
            paper's 62 + 10 + 2 = 74).
        image_size: S, a multiple of 4 (28 in the paper).
        channels: image channels.
        width: channels of the last hidden layer (64); the first convolutional layer has twice.
        fc: width of the first fully connected layer (1024).

    Example:
        >>> g = InfoGANGenerator(74, 28, width=8, fc=32)
        >>> g(torch.randn(2, 74)).shape
        torch.Size([2, 1, 28, 28])
    """

    def __init__(
        self, in_dim: int, image_size: int = 28, channels: int = 1, width: int = 64, fc: int = 1024
    ) -> None:
        super().__init__()
        s = _base_size(image_size)
        self.in_dim = in_dim
        self.body = nn.Sequential(
            nn.Linear(in_dim, fc),
            nn.BatchNorm1d(fc),
            nn.ReLU(inplace=True),
            nn.Linear(fc, 2 * width * s * s),
            nn.BatchNorm1d(2 * width * s * s),
            nn.ReLU(inplace=True),
            nn.Unflatten(1, (2 * width, s, s)),  # (N, 2W, S/4, S/4)
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),  # (N, W, S/2, S/2)
            nn.ConvTranspose2d(width, channels, 4, 2, 1),
            nn.Tanh(),  # (N, C, S, S)
        )

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.body(latent)


class InfoGANDiscriminator(nn.Module):
    """Images (N, C, S, S) -> D's logit (N,) and Q's :class:`QOutput`, from one shared trunk.

    Args:
        image_size: S, a multiple of 4.
        channels: image channels.
        width: channels of the first convolution (64); the second has twice.
        fc: width of the shared fully connected layer (1024).
        q_hidden: width of Q's hidden layer (128).
        n_categories: K, size of the categorical code (0: none).
        n_continuous: L, number of continuous codes (0: none).
        learn_std: whether Q predicts the continuous codes' log-variances (else fixed to 0).

    Example:
        >>> d = InfoGANDiscriminator(28, width=8, fc=32, q_hidden=16, n_categories=10,
        ...                          n_continuous=2)
        >>> logit, q = d(torch.randn(3, 1, 28, 28))
        >>> logit.shape, q.logits.shape, q.mu.shape, q.log_var.shape
        (torch.Size([3]), torch.Size([3, 10]), torch.Size([3, 2]), torch.Size([3, 2]))
    """

    def __init__(
        self,
        image_size: int = 28,
        channels: int = 1,
        width: int = 64,
        fc: int = 1024,
        q_hidden: int = 128,
        n_categories: int = 10,
        n_continuous: int = 2,
        learn_std: bool = True,
    ) -> None:
        super().__init__()
        s = _base_size(image_size)
        self.n_categories, self.n_continuous, self.learn_std = n_categories, n_continuous, learn_std
        self.trunk = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1),
            nn.LeakyReLU(0.1, inplace=True),  # (N, W, S/2, S/2); lReLU slope 0.1 (App. C)
            nn.Conv2d(width, 2 * width, 4, 2, 1),
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.1, inplace=True),  # (N, 2W, S/4, S/4)
            nn.Flatten(),
            nn.Linear(2 * width * s * s, fc),
            nn.BatchNorm1d(fc),
            nn.LeakyReLU(0.1, inplace=True),  # (N, fc)
        )
        self.d_head = nn.Linear(fc, 1)
        n_out = n_categories + n_continuous * (2 if learn_std else 1)
        self.q_head = nn.Sequential(
            nn.Linear(fc, q_hidden),
            nn.BatchNorm1d(q_hidden),
            nn.LeakyReLU(0.1, inplace=True),
            nn.Linear(q_hidden, n_out),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, QOutput]:
        h = self.trunk(x)  # (N, fc)
        return self.d_head(h).squeeze(1), self.q(h)

    def q(self, h: torch.Tensor) -> QOutput:
        """Q's parameters from trunk features ``h`` (N, fc)."""
        out = self.q_head(h)  # (N, K + L or K + 2L)
        k, m = self.n_categories, self.n_continuous
        logits, mu = out[:, :k], out[:, k : k + m]
        log_var = out[:, k + m :] if self.learn_std else torch.zeros_like(mu)
        return QOutput(logits, mu, log_var)
