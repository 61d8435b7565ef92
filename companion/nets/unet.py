"""The U-Net generator of pix2pix and BicycleGAN, with a swappable latent-code injection.

Isola et al. (2017, arXiv:1611.07004, Sec. 3.2.1 and App. 6.1.1) give the encoder
``C64-C128-C256-C512-C512-C512-C512-C512`` (4x4 stride-2 convolutions, LeakyReLU 0.2, no norm on
the first layer) and a decoder mirroring it with skip connections from layer i to layer n - i;
BicycleGAN (Zhu et al. 2017, arXiv:1711.11586, Sec. 4) reuses it (``unet_256``: eight levels,
256 -> 1) and adds the code ``z`` at the input or at every encoder layer (Fig. 6).
"""

from __future__ import annotations

import torch
from torch import nn

from companion.nets.blocks import ConvBlock, check_image_size
from companion.nets.injection import code_placement

__all__ = ["UNetGenerator"]


class UNetGenerator(nn.Module):
    """U-Net ``G(a, z)``: (N, C_in, H, W) and (N, D) -> (N, C_out, H, W) in [-1, 1].

    Level i of the encoder has ``ngf * min(2^i, 8)`` channels and halves the resolution, so
    ``num_downs`` levels need H and W divisible by ``2^num_downs`` (8 levels for 256x256: the
    bottleneck is 1x1). The decoder's first levels with 8 * ngf channels (levels 4 to
    num_downs - 2) use dropout 0.5 when ``use_dropout`` (pix2pix's noise, Sec. 3.2).

    Args:
        in_channels: C_in of the source image ``a``.
        out_channels: C_out of the output.
        z_dim: code size D; 0 builds the deterministic pix2pix generator.
        num_downs: levels (8 for 256x256 in the papers; 3 for the 32x32 ``cpu`` preset).
        ngf: channels of the first level (64 in the papers).
        norm: ``"instance"`` (BicycleGAN) or ``"batch"`` (pix2pix at batch 1 is instance norm).
        injection: where the code enters, see :func:`~companion.nets.injection.code_placement`.
        use_dropout: pix2pix's dropout in the decoder.

    Example:
        >>> g = UNetGenerator(z_dim=8, num_downs=3, ngf=32, injection="input")
        >>> g(torch.randn(2, 3, 32, 32), torch.randn(2, 8)).shape
        torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        *,
        z_dim: int = 0,
        num_downs: int = 8,
        ngf: int = 64,
        norm: str = "instance",
        injection: str = "all",
        use_dropout: bool = False,
    ) -> None:
        super().__init__()
        if num_downs < 2:
            raise ValueError(f"a U-Net needs num_downs >= 2, got {num_downs}")
        self.z_dim = z_dim
        self.num_downs = num_downs
        chans = [ngf * min(2**i, 8) for i in range(num_downs)]
        enc_codes, dec_codes = code_placement(injection, z_dim, num_downs, num_downs)
        self.down = nn.ModuleList()
        for i in range(num_downs):
            # outermost: conv only; innermost: no norm (its output is 1x1 at full depth)
            order = "c" if i == 0 else ("ac" if i == num_downs - 1 else "acn")
            c_in = in_channels if i == 0 else chans[i - 1]
            self.down.append(
                ConvBlock(
                    c_in,
                    chans[i],
                    4,
                    2,
                    1,
                    norm=norm,
                    act="lrelu",
                    order=order,
                    code=enc_codes[i],
                    z_dim=z_dim,
                )
            )
        self.up = nn.ModuleList()
        for k, i in enumerate(range(num_downs - 1, -1, -1)):  # innermost level first
            c_in = chans[i] if i == num_downs - 1 else 2 * chans[i]
            c_out = chans[i - 1] if i > 0 else out_channels
            dropout = 0.5 if use_dropout and 4 <= i <= num_downs - 2 else 0.0
            self.up.append(
                ConvBlock(
                    c_in,
                    c_out,
                    4,
                    2,
                    1,
                    norm=norm,
                    act="relu",
                    order="acn" if i > 0 else "ac",
                    transpose=True,
                    dropout=dropout,
                    code=dec_codes[k],
                    z_dim=z_dim,
                )
            )
        self.out = nn.Tanh()

    def forward(self, a: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        """Translate ``a`` (N, C_in, H, W) with codes ``z`` (N, D) into (N, C_out, H, W)."""
        check_image_size(a.shape[-1], self.num_downs, f"a {self.num_downs}-level U-Net")
        check_image_size(a.shape[-2], self.num_downs, f"a {self.num_downs}-level U-Net")
        z = _checked_code(z, self.z_dim, a.shape[0])
        skips = []
        x = a
        for block in self.down:
            x = block(x, z)
            skips.append(x)
        x = skips.pop()  # bottleneck (N, 8 ngf, H / 2^num_downs, W / 2^num_downs)
        for block in self.up:
            x = block(x, z)
            if skips:
                x = torch.cat([x, skips.pop()], dim=1)  # (N, 2 C_level, H_level, W_level)
        return self.out(x)


def _checked_code(z: torch.Tensor | None, z_dim: int, n: int) -> torch.Tensor | None:
    if z_dim == 0:
        return None
    if z is None:
        raise ValueError(
            f"this generator takes a code of size {z_dim}; pass z of shape (N, {z_dim})"
        )
    if z.shape != (n, z_dim):
        raise ValueError(f"expected z of shape ({n}, {z_dim}), got {tuple(z.shape)}")
    return z
