"""Statistics networks ``T(b_hat, z)``: the critics of the image-code MI estimators.

SEGAN's network (seed paper 000, App. C, Table 3): stride-2 4x4 convolutions with ELU and no
normalisation, the code ``z`` tiled and concatenated to the input of *every* convolution, then
two fully connected layers, ``z`` appended again before the first. The output is one logit per
(image, code) pair; the sigmoid lives in the bound (:func:`companion.mi.jsd_lower_bound`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from companion.nets.injection import tile_code

__all__ = ["StatisticsNetwork"]


class StatisticsNetwork(nn.Module):
    """``T(x, z)``: images (N, C, H, W) and codes (N, D) -> logits (N,).

    Args:
        image_size: H = W of the input; each convolution halves it.
        channels: C.
        z_dim: D.
        widths: output channels of the convolutions; Table 3: (32, 64, 128, 256, 512, 512)
            for 256x256 (ending at 4x4).
        fc_width: hidden units of the first fully connected layer (Table 3: 512).

    Raises:
        ValueError: if ``image_size`` is not divisible by ``2 ** len(widths)``.

    Example:
        >>> t = StatisticsNetwork(32, 3, 8, widths=(8, 16, 32), fc_width=64)
        >>> t(torch.randn(5, 3, 32, 32), torch.randn(5, 8)).shape
        torch.Size([5])
    """

    def __init__(
        self,
        image_size: int = 256,
        channels: int = 3,
        z_dim: int = 8,
        widths: Sequence[int] = (32, 64, 128, 256, 512, 512),
        fc_width: int = 512,
    ) -> None:
        super().__init__()
        side = image_size // 2 ** len(widths)
        if side < 1 or side * 2 ** len(widths) != image_size:
            raise ValueError(
                f"image_size {image_size} is not divisible by 2^{len(widths)} "
                f"(one halving per convolution of widths={tuple(widths)})"
            )
        self.z_dim = z_dim
        c_in = (channels, *widths[:-1])
        self.convs = nn.ModuleList(nn.Conv2d(c + z_dim, w, 4, 2, 1) for c, w in zip(c_in, widths))
        self.act = nn.ELU()
        self.fc = nn.Sequential(
            nn.Linear(widths[-1] * side * side + z_dim, fc_width),
            nn.ELU(),
            nn.Linear(fc_width, 1),
        )

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        h = x
        for conv in self.convs:
            h = torch.cat([h, tile_code(z, h.shape[-2], h.shape[-1])], dim=1)  # (N, C + D, H, W)
            h = self.act(conv(h))
        h = torch.cat([h.flatten(1), z], dim=1)  # (N, C_last * side^2 + D)
        return self.fc(h).squeeze(1)  # (N,)
