"""How a latent code ``z`` enters a generator: tiled and concatenated, or through AdaIN.

BicycleGAN (Zhu et al. 2017, arXiv:1711.11586, Sec. 3.5 and Fig. 6) compares two placements of
the code in a U-Net: tiled to an (N, D, H, W) map and concatenated to the image at the input
(``"input"``), or to the input of every down-sampling layer (``"all"``). MUNIT (Huang et al. 2018,
arXiv:1804.04732) injects a style code through adaptive instance normalisation instead
(``"adain"``, :mod:`companion.nets.adain`). A generator takes ``injection`` as an argument and asks
:func:`code_placement` which of its layers receive the code; each layer is a
:class:`~companion.nets.blocks.ConvBlock` whose ``code`` argument says how (``"concat"``,
``"adain"`` or ``"none"``).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

__all__ = ["INJECTIONS", "CodeMode", "ConcatCode", "Injection", "code_placement", "tile_code"]

Injection = Literal["input", "all", "adain"]
"""Where a generator puts the code: at its input, at every encoder layer, or by AdaIN."""

CodeMode = Literal["none", "concat", "adain"]
"""What one layer does with the code."""

INJECTIONS: tuple[str, ...] = ("input", "all", "adain")


def tile_code(z: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Replicate codes over space: (N, D) -> (N, D, H, W).

    Args:
        z: (N, D) float codes.
        height, width: spatial size of the map to build.

    Returns:
        (N, D, height, width), a view of ``z`` (no copy).

    Raises:
        ValueError: if ``z`` is not two-dimensional.

    Example:
        >>> tile_code(torch.arange(2.0).view(1, 2), 3, 3)[0, 1]
        tensor([[1., 1., 1.],
                [1., 1., 1.],
                [1., 1., 1.]])
    """
    if z.dim() != 2:
        raise ValueError(f"codes must have shape (N, D), got {tuple(z.shape)}; use z.flatten(1)")
    n, d = z.shape
    return z.view(n, d, 1, 1).expand(n, d, height, width)  # (N, D, H, W)


class ConcatCode(nn.Module):
    """Concatenate the tiled code to a feature map: (N, C, H, W) -> (N, C + D, H, W).

    Placed right before a convolution, so no normalisation layer ever sees the spatially constant
    code channels (instance norm would zero them).

    Example:
        >>> ConcatCode()(torch.zeros(2, 3, 4, 4), torch.ones(2, 8)).shape
        torch.Size([2, 11, 4, 4])
    """

    def forward(self, x: torch.Tensor, z: torch.Tensor | None) -> torch.Tensor:
        if z is None:
            raise ValueError("this layer concatenates a code but z is None; pass z of shape (N, D)")
        if z.shape[0] != x.shape[0]:
            raise ValueError(f"batch of z ({z.shape[0]}) differs from the features' ({x.shape[0]})")
        return torch.cat([x, tile_code(z, x.shape[2], x.shape[3])], dim=1)  # (N, C + D, H, W)


def code_placement(
    injection: str, z_dim: int, num_encoder: int, num_decoder: int
) -> tuple[list[str], list[str]]:
    """Which layers of an encoder-decoder generator receive the code, and how.

    ``"input"``: the first encoder layer concatenates the code (BicycleGAN's ``add_to_input``).
    ``"all"``: every encoder layer does (BicycleGAN's ``add_to_all``, its code default).
    ``"adain"``: every decoder layer but the output one modulates its normalisation (MUNIT).
    With ``z_dim == 0`` no layer does (deterministic pix2pix).

    Args:
        injection: one of :data:`INJECTIONS`.
        z_dim: code size D (0: no code).
        num_encoder: layers in the encoder (down) path.
        num_decoder: layers in the decoder (up) path; the last one is the output layer.

    Returns:
        Two lists of :data:`CodeMode` strings, for the encoder and the decoder layers.

    Raises:
        ValueError: for an unknown ``injection`` or a negative ``z_dim``.

    Example:
        >>> code_placement("input", 8, 3, 3)
        (['concat', 'none', 'none'], ['none', 'none', 'none'])
    """
    if injection not in INJECTIONS:
        raise ValueError(f"unknown injection {injection!r}; choose one of {INJECTIONS}")
    if z_dim < 0:
        raise ValueError(f"z_dim must be >= 0, got {z_dim}")
    encoder = ["none"] * num_encoder
    decoder = ["none"] * num_decoder
    if z_dim == 0:
        return encoder, decoder
    if injection == "input":
        encoder[0] = "concat"
    elif injection == "all":
        encoder = ["concat"] * num_encoder
    else:  # adain: every decoder layer with a normalisation, i.e. all but the output layer
        decoder = ["adain"] * (num_decoder - 1) + ["none"]
    return encoder, decoder
