"""PatchGAN and multi-scale discriminators (pix2pix Sec. 3.2.2; BicycleGAN Sec. 4).

A PatchGAN (Isola et al. 2017, arXiv:1611.07004) classifies every overlapping N x N patch as
real or fake: ``C64-C128-C256-C512`` (4x4 convolutions, LeakyReLU 0.2, no norm on the first)
then a 1-channel convolution, a 70x70 receptive field with three stride-2 layers
(:func:`patch_receptive_field`). BicycleGAN uses two of them, on the image and on a 2x
down-sampled copy (patches of 70x70 and 140x140 pixels), and sums their losses.
"""

from __future__ import annotations

import torch
from torch import nn

from companion.nets.blocks import ConvBlock

__all__ = ["MultiScaleDiscriminator", "PatchDiscriminator", "patch_receptive_field"]


def patch_receptive_field(num_layers: int) -> int:
    """Side in pixels of the patch one output of a :class:`PatchDiscriminator` sees.

    ``num_layers`` 4x4 stride-2 convolutions, then two 4x4 stride-1 ones.

    Example:
        >>> patch_receptive_field(3)  # pix2pix's 70x70 PatchGAN
        70
    """
    strides = [2] * num_layers + [1, 1]
    field, jump = 1, 1
    for s in strides:
        field += 3 * jump  # kernel 4: (4 - 1) steps of the current jump
        jump *= s
    return field


class PatchDiscriminator(nn.Module):
    """PatchGAN: images (N, C, H, W) -> logits (N, 1, H', W'), one per overlapping patch.

    Args:
        in_channels: C (6 for pix2pix's conditional D on ``cat(a, b)``, 3 for BicycleGAN's).
        ndf: channels of the first layer (64); layer n has ``ndf * min(2^n, 8)``.
        num_layers: stride-2 layers (3: 70x70 patches; 256 -> 30x30 logits).
        norm: normalisation of all but the first and last layers.

    Example:
        >>> PatchDiscriminator(3, ndf=32, num_layers=2)(torch.randn(2, 3, 32, 32)).shape
        torch.Size([2, 1, 6, 6])
    """

    def __init__(
        self, in_channels: int = 3, *, ndf: int = 64, num_layers: int = 3, norm: str = "instance"
    ) -> None:
        super().__init__()
        widths = [ndf * min(2**n, 8) for n in range(num_layers + 1)]
        layers: list[nn.Module] = [ConvBlock(in_channels, ndf, 4, 2, 1, act="lrelu", order="ca")]
        for n in range(1, num_layers):
            layers.append(ConvBlock(widths[n - 1], widths[n], 4, 2, 1, norm=norm, act="lrelu"))
        layers.append(
            ConvBlock(widths[num_layers - 1], widths[num_layers], 4, 1, 1, norm=norm, act="lrelu")
        )
        layers.append(nn.Conv2d(widths[num_layers], 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)
        self.receptive_field = patch_receptive_field(num_layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MultiScaleDiscriminator(nn.Module):
    """PatchGANs at several scales: images -> a list of logit maps, finest scale first.

    Scale s sees the input average-pooled s times (3x3, stride 2, BicycleGAN's ``D_NLayersMulti``)
    and has ``ndf / 2^s`` channels. Losses are summed over the list.

    Args:
        in_channels, ndf, num_layers, norm: as in :class:`PatchDiscriminator`.
        num_scales: number of PatchGANs (BicycleGAN: 2; 1 is a plain PatchGAN).

    Example:
        >>> d = MultiScaleDiscriminator(3, ndf=64, num_layers=3, num_scales=2)
        >>> [t.shape[-1] for t in d(torch.randn(1, 3, 256, 256))]
        [30, 14]
    """

    def __init__(
        self,
        in_channels: int = 3,
        *,
        ndf: int = 64,
        num_layers: int = 3,
        num_scales: int = 2,
        norm: str = "instance",
    ) -> None:
        super().__init__()
        if num_scales < 1:
            raise ValueError(f"num_scales must be >= 1, got {num_scales}")
        self.scales = nn.ModuleList(
            PatchDiscriminator(
                in_channels, ndf=max(1, round(ndf / 2**s)), num_layers=num_layers, norm=norm
            )
            for s in range(num_scales)
        )
        self.down = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for s, d in enumerate(self.scales):
            if s > 0:
                x = self.down(x)  # (N, C, H / 2^s, W / 2^s)
            outputs.append(d(x))
        return outputs
