"""SegNet-style modality encoders and decoders (mix-and-match networks, Wang 2020 App. A.3).

An encoder is VGG-16's convolutional trunk: ``num_levels`` levels of 3x3 conv + norm + ReLU
followed by a 2x2 max-pool that also returns its arg-max locations (the *pooling indices*). A
decoder mirrors it; with ``use_indices`` each level starts with a max-unpooling driven by the
indices of the *source* encoder (the robust side information of Table 4.2), else with a
nearest-neighbour up-sampling (no side information). The RGB decoder (Table A.5) never takes
indices: one up-sampling convolution per level.

Widths double per level from ``ngf`` up to ``8 * ngf`` (VGG-16: 64, 128, 256, 512, 512); the
first two levels have ``convs_per_level`` convolutions and deeper ones one more (VGG-16:
2, 2, 3, 3, 3 with ``convs_per_level = 2``).
"""

from __future__ import annotations

import torch
from torch import nn

from companion.nets.blocks import ConvBlock

__all__ = ["RGBDecoder", "SegNetDecoder", "SegNetEncoder", "segnet_widths"]


def segnet_widths(ngf: int, num_levels: int) -> list[int]:
    """Channels of each level: ``ngf * min(2^l, 8)``.

    Example:
        >>> segnet_widths(64, 5)
        [64, 128, 256, 512, 512]
    """
    return [ngf * min(2**level, 8) for level in range(num_levels)]


def _convs(level: int, convs_per_level: int) -> int:
    return convs_per_level + (level >= 2)


class SegNetEncoder(nn.Module):
    """One modality's encoder: (N, C_in, H, W) -> latent and pooling indices.

    Args:
        in_channels: C_in (3 RGB, 1 depth, K one-hot segmentation).
        ngf, num_levels, convs_per_level: the trunk's size (see the module docstring).
        norm: normalisation after each conv ("batch" in the thesis).

    ``forward`` returns ``(h, indices)``: h (N, 8 ngf or less, H / 2^L, W / 2^L), the shared
    latent; indices, one (N, C_l, H / 2^(l+1), W / 2^(l+1)) int64 tensor per level l.

    Example:
        >>> h, idx = SegNetEncoder(3, ngf=8, num_levels=2)(torch.randn(2, 3, 16, 16))
        >>> h.shape, [i.shape[-1] for i in idx]
        (torch.Size([2, 16, 4, 4]), [8, 4])
    """

    def __init__(
        self,
        in_channels: int,
        *,
        ngf: int = 64,
        num_levels: int = 5,
        convs_per_level: int = 2,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        self.levels = nn.ModuleList()
        c = in_channels
        for level, w in enumerate(segnet_widths(ngf, num_levels)):
            blocks = []
            for i in range(_convs(level, convs_per_level)):
                blocks.append(ConvBlock(c if i == 0 else w, w, 3, 1, 1, norm=norm, act="relu"))
            self.levels.append(nn.Sequential(*blocks))
            c = w
        self.pool = nn.MaxPool2d(2, 2, return_indices=True)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        indices = []
        for level in self.levels:
            x, idx = self.pool(level(x))  # (N, C_l, H/2, W/2) each
            indices.append(idx)
        return x, indices


class SegNetDecoder(nn.Module):
    """A depth or segmentation decoder: latent (and indices) -> (N, C_out, H, W).

    Args:
        out_channels: 1 for depth (a linear output), K for segmentation (logits).
        ngf, num_levels, convs_per_level, norm: as the encoder's.
        use_indices: unpool with the source encoder's pooling indices (SegNet), or up-sample
            by nearest neighbour and ignore them.

    Example:
        >>> enc = SegNetEncoder(1, ngf=8, num_levels=2)
        >>> dec = SegNetDecoder(5, ngf=8, num_levels=2)
        >>> dec(*enc(torch.randn(2, 1, 16, 16))).shape
        torch.Size([2, 5, 16, 16])
    """

    def __init__(
        self,
        out_channels: int,
        *,
        ngf: int = 64,
        num_levels: int = 5,
        convs_per_level: int = 2,
        norm: str = "batch",
        use_indices: bool = True,
    ) -> None:
        super().__init__()
        widths = segnet_widths(ngf, num_levels)
        self.use_indices = use_indices
        self.unpool = nn.MaxUnpool2d(2, 2)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.levels = nn.ModuleList()
        for level in reversed(range(num_levels)):
            w = widths[level]
            blocks: list[nn.Module] = [
                ConvBlock(w, w, 3, 1, 1, norm=norm, act="relu")
                for _ in range(_convs(level, convs_per_level) - 1)
            ]
            if level > 0:
                blocks.append(ConvBlock(w, widths[level - 1], 3, 1, 1, norm=norm, act="relu"))
            else:  # Table A.4 conv13: logits or depth, no norm or activation
                blocks.append(nn.Conv2d(w, out_channels, 3, 1, 1))
            self.levels.append(nn.Sequential(*blocks))

    def forward(self, h: torch.Tensor, indices: list[torch.Tensor] | None = None) -> torch.Tensor:
        if self.use_indices and indices is None:
            raise ValueError("this decoder unpools with pooling indices; pass the encoder's")
        for k, level in enumerate(self.levels):
            if self.use_indices:
                h = self.unpool(h, indices[-1 - k])  # (N, C, 2H, 2W)
            else:
                h = self.upsample(h)  # (N, C, 2H, 2W)
            h = level(h)
        return h


class RGBDecoder(nn.Module):
    """The RGB decoder (Table A.5): one up-sampling conv per level, tanh output, no indices.

    The thesis prints stride 1 for layers that double the resolution; each layer here is a
    nearest-neighbour up-sampling followed by a 3x3 conv.

    Example:
        >>> RGBDecoder(ngf=8, num_levels=2)(torch.randn(2, 16, 4, 4)).shape
        torch.Size([2, 3, 16, 16])
    """

    def __init__(
        self, out_channels: int = 3, *, ngf: int = 64, num_levels: int = 5, norm: str = "batch"
    ) -> None:
        super().__init__()
        widths = segnet_widths(ngf, num_levels)
        layers: list[nn.Module] = []
        for level in reversed(range(1, num_levels)):
            layers += [
                nn.Upsample(scale_factor=2, mode="nearest"),
                ConvBlock(widths[level], widths[level - 1], 3, 1, 1, norm=norm, act="relu"),
            ]
        layers += [
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(widths[0], out_channels, 3, 1, 1),
            nn.Tanh(),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, h: torch.Tensor, indices: list[torch.Tensor] | None = None) -> torch.Tensor:
        return self.net(h)
