"""The ResNet generator of pix2pix and CycleGAN, with a swappable latent-code injection.

Johnson et al. (2016) via Zhu et al. (2017, CycleGAN, App. 7.2): ``c7s1-64, d128, d256``, then
nine residual blocks at 256x256 (``R256`` x 9), then ``u128, u64, c7s1-3`` with a tanh. The code
enters at the input, at every encoder layer and residual block, or by AdaIN in the residual
blocks and the decoder (MUNIT's decoder, Huang et al. 2018, Sec. 3).
"""

from __future__ import annotations

import torch
from torch import nn

from companion.nets.blocks import ConvBlock, ResBlock, check_image_size
from companion.nets.injection import code_placement
from companion.nets.unet import _checked_code

__all__ = ["ResNetGenerator"]


class ResNetGenerator(nn.Module):
    """ResNet ``G(a, z)``: (N, C_in, H, W) and (N, D) -> (N, C_out, H, W) in [-1, 1].

    Args:
        in_channels, out_channels: image channels.
        z_dim: code size D; 0 for a deterministic generator.
        ngf: channels of the first layer (64 in CycleGAN); layer i of the encoder has
            ``ngf * 2^i``.
        num_downs: stride-2 down-sampling layers (2 in CycleGAN), mirrored by up-sampling ones.
        num_blocks: residual blocks at the bottleneck (9 at 256x256, 6 at 128x128).
        norm: normalisation of every layer but the output.
        injection: ``"input"``, ``"all"`` or ``"adain"`` (see
            :func:`~companion.nets.injection.code_placement`; residual blocks count as encoder
            layers for ``"all"`` and as decoder layers for ``"adain"``).
        use_dropout: dropout 0.5 inside each residual block (pix2pix's ``use_dropout``).

    Example:
        >>> g = ResNetGenerator(z_dim=8, ngf=16, num_blocks=2, injection="adain")
        >>> g(torch.randn(2, 3, 32, 32), torch.randn(2, 8)).shape
        torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        *,
        z_dim: int = 0,
        ngf: int = 64,
        num_downs: int = 2,
        num_blocks: int = 9,
        norm: str = "instance",
        injection: str = "input",
        use_dropout: bool = False,
    ) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.num_downs = num_downs
        n_enc = 1 + num_downs + num_blocks
        enc_codes, dec_codes = code_placement(injection, z_dim, n_enc, num_blocks + num_downs + 1)
        block_codes = [
            enc_codes[1 + num_downs + j] if enc_codes[1 + num_downs + j] != "none" else dec_codes[j]
            for j in range(num_blocks)
        ]
        up_codes = dec_codes[num_blocks:]
        common = dict(norm=norm, z_dim=z_dim)
        self.encoder = nn.ModuleList(
            [
                ConvBlock(
                    in_channels, ngf, 7, 1, 3, padding_mode="reflect", code=enc_codes[0], **common
                )
            ]
        )
        for i in range(num_downs):
            self.encoder.append(
                ConvBlock(ngf * 2**i, ngf * 2 ** (i + 1), 3, 2, 1, code=enc_codes[1 + i], **common)
            )
        width = ngf * 2**num_downs
        self.blocks = nn.ModuleList(
            ResBlock(width, dropout=0.5 if use_dropout else 0.0, code=c, **common)
            for c in block_codes
        )
        self.decoder = nn.ModuleList()
        for i in range(num_downs, 0, -1):
            self.decoder.append(
                # 4x4 stride-2 transposed conv doubles the size exactly (CycleGAN: 3x3 with
                # output_padding 1, same output size)
                ConvBlock(
                    ngf * 2**i,
                    ngf * 2 ** (i - 1),
                    4,
                    2,
                    1,
                    transpose=True,
                    code=up_codes[num_downs - i],
                    **common,
                )
            )
        self.decoder.append(
            ConvBlock(
                ngf,
                out_channels,
                7,
                1,
                3,
                padding_mode="reflect",
                order="c",
                code=up_codes[-1],
                **common,
            )
        )
        self.out = nn.Tanh()

    def forward(self, a: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        """Translate ``a`` (N, C_in, H, W) with codes ``z`` (N, D) into (N, C_out, H, W)."""
        for size in a.shape[-2:]:
            check_image_size(size, self.num_downs, "this ResNet generator")
        z = _checked_code(z, self.z_dim, a.shape[0])
        x = a
        for layer in [*self.encoder, *self.blocks, *self.decoder]:
            x = layer(x, z)
        return self.out(x)
