"""Multilayer perceptrons for vector "images": the translator, encoder and discriminator.

A vector domain stores each sample as a (C, 1, 1) tensor, so the translation family's batches,
shape checks and losses apply unchanged; these networks flatten it, work on (N, C) and give
the image networks' outputs back: the translator (N, C_out, 1, 1) in [-1, 1] (tanh, as the
image generators), the encoder ``(mu, logvar)``, the discriminator a list of one logit map, as
a one-scale :class:`~companion.nets.MultiScaleDiscriminator` does. Hidden layers are
Linear-LeakyReLU(0.2) with PyTorch's default initialisation.
"""

from __future__ import annotations

import torch
from torch import nn

from companion.nets.encoders import GaussianHead

__all__ = ["MLPDiscriminator", "MLPEncoder", "MLPTranslator", "mlp"]


def mlp(in_features: int, width: int, depth: int) -> nn.Sequential:
    """``depth`` hidden layers Linear(width)-LeakyReLU(0.2); output (N, width).

    Example:
        >>> mlp(4, 8, 2)(torch.zeros(3, 4)).shape
        torch.Size([3, 8])
    """
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(in_features if i == 0 else width, width), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers)


class MLPTranslator(nn.Module):
    """``G(x, z)``: a vector and a code to a vector of the other domain.

    Where the code enters decides what the first layers are (MISO's Sec. 3 question, which the
    paper leaves unablated): with ``injection="input"`` the code is concatenated to ``x`` and
    every hidden layer reads both, a *conditional* encoder ``E(x, z)`` (MISO's choice); with
    ``injection="decoder"`` the first ``depth - 1`` hidden layers see ``x`` only, an
    *independent* content encoder ``c = E_c(x)`` as in MUNIT and DRIT, and the code joins ``c``
    before the last hidden layer. Both have ``depth`` hidden layers.

    Args:
        in_channels: C_in, size of the source vectors.
        out_channels: C_out, size of the outputs.
        z_dim: D, size of the code (0: deterministic).
        width: hidden width.
        depth: hidden layers (at least 2 for ``"decoder"``).
        injection: ``"input"`` or ``"decoder"``.

    Raises:
        ValueError: for another injection, or ``"decoder"`` with ``depth < 2`` or no code.

    Example:
        >>> g = MLPTranslator(16, 16, 2)
        >>> g(torch.zeros(3, 16, 1, 1), torch.zeros(3, 2)).shape
        torch.Size([3, 16, 1, 1])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        z_dim: int,
        width: int = 128,
        depth: int = 3,
        injection: str = "input",
    ) -> None:
        super().__init__()
        if injection not in ("input", "decoder"):
            raise ValueError(f"injection must be 'input' or 'decoder', got {injection!r}")
        if injection == "decoder" and (depth < 2 or z_dim == 0):
            raise ValueError("injection='decoder' needs depth >= 2 and a code (z_dim > 0)")
        self.z_dim = z_dim
        self.injection = injection
        if injection == "input":
            self.content = nn.Identity()
            self.body = mlp(in_channels + z_dim, width, depth)
        else:
            self.content = mlp(in_channels, width, depth - 1)  # E_c(x): never sees z
            self.body = mlp(width + z_dim, width, 1)
        self.out = nn.Linear(width, out_channels)
        self.skip = nn.Linear(in_channels, out_channels, bias=False)
        with torch.no_grad():
            self.skip.weight.copy_(torch.eye(out_channels, in_channels))

    def forward(self, x: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` (N, C_in, 1, 1), ``z`` (N, D) -> (N, C_out, 1, 1) in [-1, 1]."""
        n = x.shape[0]
        x = x.flatten(1)  # (N, C_in)
        c = self.content(x)  # (N, C_in) for "input", (N, width) for "decoder"
        h = torch.cat([c, z], dim=1) if self.z_dim else c  # (N, C + D)
        pre = self.skip(torch.atanh(x.clamp(-0.999, 0.999))) + self.out(self.body(h))
        return torch.tanh(pre).view(n, -1, 1, 1)  # (N, C_out, 1, 1)


class MLPEncoder(nn.Module):
    """``E(x) = (mu, logvar)`` of a diagonal Gaussian code, each (N, D).

    Example:
        >>> mu, logvar = MLPEncoder(16, 2)(torch.zeros(3, 16, 1, 1))
        >>> mu.shape, logvar.shape
        (torch.Size([3, 2]), torch.Size([3, 2]))
    """

    def __init__(self, in_channels: int, z_dim: int, width: int = 128, depth: int = 3) -> None:
        super().__init__()
        self.body = mlp(in_channels, width, depth)
        self.head = GaussianHead(width, z_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head(self.body(x.flatten(1)))


class MLPDiscriminator(nn.Module):
    """Real-vs-fake logits of vectors, as a list of one (N, 1) tensor (one "scale").

    Example:
        >>> [logits.shape for logits in MLPDiscriminator(16)(torch.zeros(3, 16, 1, 1))]
        [torch.Size([3, 1])]
    """

    def __init__(self, in_channels: int, width: int = 128, depth: int = 3) -> None:
        super().__init__()
        self.body = mlp(in_channels, width, depth)
        self.out = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [self.out(self.body(x.flatten(1)))]
