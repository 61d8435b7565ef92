"""The one-to-many translator ``T(x, xi) = G([E(x), F(xi)])`` and its pair critic.

Seed paper 002 (unsupervised one-to-many translation, Sec. 4.2): a DCGAN-like encoder ``E``
reduces the source to a low-resolution map, the *shared-semantics* representation; a noise
network ``F`` (a linear layer and a transposed convolution) turns ``xi ~ N(0, I)`` into a map of
the same size; a decoder ``G`` of transposed convolutions paints the target from their
channel-wise concatenation. There are no skip connections: whatever of ``x`` reaches the output
passes the bottleneck.

:class:`PairCritic` is the statistics network ``S(u, y)`` of the MINE estimates (Sec. 4.3:
ELU, spectral normalisation), scoring all N x M pairs of a batch at once.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from companion.nets.blocks import ConvBlock, check_image_size

__all__ = ["BottleneckTranslator", "PairCritic", "apply_spectral_norm"]


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectrally normalise every convolution and linear layer of ``module`` in place."""
    for name, child in list(module.named_children()):
        if isinstance(child, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            setattr(module, name, spectral_norm(child))
        else:
            apply_spectral_norm(child)
    return module


class BottleneckTranslator(nn.Module):
    """``T(x, xi) = G([E(x), F(xi)])``: sources (N, C_in, S, S), noise (N, D) -> (N, C_out, S, S).

    Args:
        in_channels, out_channels: C_in, C_out.
        image_size: S; ``E`` halves it ``num_downs`` times, ``G`` doubles it back.
        num_downs: stride-2 layers of ``E`` (and transposed layers of ``G``).
        ngf: channels of ``E``'s first layer; layer n has ``ngf * min(2^n, 8)``.
        z_dim: D, the noise size.
        norm: normalisation inside ``E`` and ``G`` (DCGAN: batch norm).
        injection: ``"input"`` (the paper: ``xi`` enters only through ``F`` at the
            bottleneck) or ``"all"`` (``xi`` is also tiled into every layer of ``G``).
        use_dropout: dropout 0.5 after ``G``'s first layer (pix2pix's noise).

    Raises:
        ValueError: for an image size not divisible by ``2 ** num_downs`` or a bad injection.

    Example:
        >>> t = BottleneckTranslator(3, 3, image_size=16, num_downs=2, ngf=8, z_dim=4)
        >>> t(torch.randn(2, 3, 16, 16), torch.randn(2, 4)).shape
        torch.Size([2, 3, 16, 16])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        image_size: int,
        num_downs: int,
        ngf: int,
        z_dim: int,
        norm: str = "batch",
        injection: str = "input",
        use_dropout: bool = False,
    ) -> None:
        super().__init__()
        check_image_size(image_size, num_downs, "the translator's encoder")
        if injection not in ("input", "all"):
            raise ValueError(f"injection must be 'input' or 'all', got {injection!r}")
        widths = [ngf * min(2**n, 8) for n in range(num_downs)]
        self.side = image_size // 2**num_downs  # the bottleneck's H = W
        self.E = nn.Sequential(
            ConvBlock(in_channels, widths[0], 4, 2, 1, act="lrelu", order="ca"),
            *(
                ConvBlock(w_in, w_out, 4, 2, 1, norm=norm, act="lrelu")
                for w_in, w_out in zip(widths, widths[1:])
            ),
        )
        c_f, half = widths[-1], max(1, self.side // 2)
        self.F_linear = nn.Linear(z_dim, c_f * half * half)
        self.F_up = (
            ConvBlock(c_f, c_f, 4, 2, 1, norm=norm, transpose=True)
            if self.side > 1
            else ConvBlock(c_f, c_f, 1, 1, 0, norm="none")
        )
        code = "concat" if injection == "all" else "none"
        d_out = [*widths[-2::-1], out_channels]  # G mirrors E
        d_in = [2 * widths[-1], *d_out[:-1]]  # E(x) and F(xi) concatenated first
        self.G = nn.ModuleList(
            ConvBlock(
                c_in,
                c_out,
                4,
                2,
                1,
                norm="none" if last else norm,
                act="tanh" if last else "relu",
                transpose=True,
                dropout=0.5 if use_dropout and i == 0 and not last else 0.0,
                code=code,
                z_dim=z_dim if code != "none" else 0,
            )
            for i, (c_in, c_out) in enumerate(zip(d_in, d_out))
            for last in [i == num_downs - 1]
        )

    def noise_map(self, xi: torch.Tensor) -> torch.Tensor:
        """``F(xi)``: (N, D) -> (N, C, side, side)."""
        half = max(1, self.side // 2)
        return self.F_up(self.F_linear(xi).view(xi.shape[0], -1, half, half))

    def forward(self, x: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        h = torch.cat([self.E(x), self.noise_map(xi)], dim=1)  # (N, 2C, side, side)
        for block in self.G:
            h = block(h, xi)
        return h  # (N, C_out, S, S) in [-1, 1]


def _image_embedding(channels: int, image_size: int, width: int, embed: int) -> nn.Sequential:
    """Stride-2 4x4 convolutions with ELU down to 4x4 (or less), then a linear embedding."""
    layers: list[nn.Module] = []
    c, side = channels, image_size
    while side > 4:
        layers += [nn.Conv2d(c, width, 4, 2, 1), nn.ELU()]
        c, side = width, side // 2
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * side * side, embed), nn.ELU())


class PairCritic(nn.Module):
    """``S(u, y)`` on all pairs: u (N, ...) and images y (M, C, S, S) -> scores (N, M).

    ``u`` is a noise vector (``u_dim`` > 0, embedded by a two-layer ELU MLP) or, with
    ``u_dim = 0``, an image of the same size as ``y`` (embedded like ``y``, by its own
    convolutions). The two embeddings are concatenated for every pair and scored by an ELU MLP.

    Args:
        u_dim: D of a vector ``u``, or 0 for an image ``u`` with ``u_channels`` channels.
        u_channels: channels of an image ``u`` (ignored for vectors).
        channels, image_size: of ``y``.
        width: channels of the convolutions and units of the MLPs.
        embed: size of each embedding.
        use_spectral_norm: spectrally normalise every layer (the paper's S).

    Example:
        >>> s = PairCritic(8, 0, channels=3, image_size=16, width=8, embed=4)
        >>> s(torch.randn(5, 8), torch.randn(6, 3, 16, 16)).shape
        torch.Size([5, 6])
    """

    def __init__(
        self,
        u_dim: int,
        u_channels: int,
        *,
        channels: int,
        image_size: int,
        width: int,
        embed: int,
        use_spectral_norm: bool = True,
    ) -> None:
        super().__init__()
        if u_dim > 0:
            self.f_u: nn.Module = nn.Sequential(
                nn.Linear(u_dim, width), nn.ELU(), nn.Linear(width, embed), nn.ELU()
            )
        else:
            self.f_u = _image_embedding(u_channels, image_size, width, embed)
        self.f_y = _image_embedding(channels, image_size, width, embed)
        self.head = nn.Sequential(nn.Linear(2 * embed, width), nn.ELU(), nn.Linear(width, 1))
        if use_spectral_norm:
            apply_spectral_norm(self)

    def forward(self, u: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        e_u, e_y = self.f_u(u), self.f_y(y)  # (N, K), (M, K)
        n, m, k = e_u.shape[0], e_y.shape[0], e_u.shape[1]
        pairs = torch.cat([e_u[:, None].expand(n, m, k), e_y[None].expand(n, m, k)], dim=-1)
        return self.head(pairs.reshape(n * m, 2 * k)).view(n, m)  # (N, M)
