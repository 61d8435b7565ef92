"""The shared building blocks of every generator, encoder and discriminator.

One convolution block, :class:`ConvBlock`, covers all the layer orders the papers use
(``"cna"``: conv, norm, activation; ``"acn"``: pix2pix's U-Net order; ``"nac"``: pre-activation
residual blocks) and how a latent code enters (``code``: concatenated before the convolution, or
as AdaIN in place of the norm). :class:`ResBlock` builds both the generator's residual block
(Johnson et al. 2016, as in pix2pix's ResNet generator) and the encoder's down-sampling
pre-activation block (BicycleGAN's ``E_ResNet``). A variant is an argument, never a copy.
"""

from __future__ import annotations

import torch
from torch import nn

from companion.nets.adain import AdaIN
from companion.nets.injection import ConcatCode

__all__ = [
    "ACTIVATIONS",
    "NORMS",
    "ConvBlock",
    "ResBlock",
    "activation",
    "check_image_size",
    "init_weights",
    "norm_layer",
]

NORMS: tuple[str, ...] = ("instance", "batch", "none")
ACTIVATIONS: tuple[str, ...] = ("relu", "lrelu", "elu", "tanh", "none")


def norm_layer(kind: str, channels: int) -> nn.Module:
    """A normalisation layer by name.

    ``"instance"`` is ``InstanceNorm2d`` without affine parameters or running statistics (pix2pix
    and BicycleGAN's ``norm='instance'``); ``"batch"`` is ``BatchNorm2d``; ``"none"`` is identity.

    Raises:
        ValueError: for an unknown kind.

    Example:
        >>> type(norm_layer("instance", 8)).__name__
        'InstanceNorm2d'
    """
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; choose one of {NORMS}")


def activation(kind: str) -> nn.Module:
    """A non-linearity by name; ``"lrelu"`` has slope 0.2 (pix2pix, BicycleGAN).

    Raises:
        ValueError: for an unknown kind.

    Example:
        >>> activation("lrelu")
        LeakyReLU(negative_slope=0.2)
    """
    table = {
        "relu": nn.ReLU,
        "lrelu": lambda: nn.LeakyReLU(0.2),
        "elu": nn.ELU,
        "tanh": nn.Tanh,
        "none": nn.Identity,
    }
    if kind not in table:
        raise ValueError(f"unknown activation {kind!r}; choose one of {ACTIVATIONS}")
    return table[kind]()


class ConvBlock(nn.Module):
    """A convolution with its norm and activation in a given order, optionally fed a code.

    Args:
        in_channels: channels of the features (the code's D channels are added on top).
        out_channels: channels produced.
        kernel_size, stride, padding: of the convolution.
        norm: one of :data:`NORMS`.
        act: one of :data:`ACTIVATIONS`.
        order: the order of conv (``c``), norm (``n``) and activation (``a``): ``"cna"``,
            ``"acn"`` (pix2pix U-Net), ``"nac"`` (pre-activation), or a subset such as ``"ac"``.
        transpose: use a transposed convolution (up-sampling by ``stride``).
        padding_mode: ``"zeros"`` or ``"reflect"`` (ignored for transposed convolutions).
        dropout: dropout probability applied last (pix2pix's noise), 0 for none.
        code: ``"none"``, ``"concat"`` (tile the code and concatenate it right before the
            convolution) or ``"adain"`` (the norm becomes :class:`~companion.nets.adain.AdaIN`).
        z_dim: code size D, needed unless ``code == "none"``.

    Input ``x`` is (N, in_channels, H, W); ``z`` (N, D) or None. Output (N, out_channels, H', W').

    Raises:
        ValueError: for a bad ``order``, an unknown ``code`` or a code without ``z_dim``.

    Example:
        >>> block = ConvBlock(3, 16, 4, 2, 1, order="acn", code="concat", z_dim=8)
        >>> block(torch.randn(2, 3, 32, 32), torch.randn(2, 8)).shape
        torch.Size([2, 16, 16, 16])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        padding: int = 1,
        *,
        norm: str = "instance",
        act: str = "relu",
        order: str = "cna",
        transpose: bool = False,
        padding_mode: str = "zeros",
        dropout: float = 0.0,
        code: str = "none",
        z_dim: int = 0,
    ) -> None:
        super().__init__()
        if "c" not in order or not set(order) <= set("cna") or len(set(order)) != len(order):
            raise ValueError(f"order must arrange 'c' with optional 'n' and 'a', got {order!r}")
        if code not in ("none", "concat", "adain"):
            raise ValueError(f"code must be 'none', 'concat' or 'adain', got {code!r}")
        if code != "none" and z_dim <= 0:
            raise ValueError(f"code={code!r} needs z_dim > 0, got {z_dim}")
        self.order = order
        self.code = code
        conv_in = in_channels + (z_dim if code == "concat" else 0)
        bias = norm != "batch" or "n" not in order  # a batch norm right after cancels the bias
        if transpose:
            self.conv = nn.ConvTranspose2d(
                conv_in, out_channels, kernel_size, stride, padding, bias=bias
            )
        else:
            self.conv = nn.Conv2d(
                conv_in,
                out_channels,
                kernel_size,
                stride,
                padding,
                bias=bias,
                padding_mode=padding_mode,
            )
        norm_channels = out_channels if order.index("c") < order.find("n") else in_channels
        if "n" not in order:
            self.norm: nn.Module = nn.Identity()
        elif code == "adain":
            self.norm = AdaIN(norm_channels, z_dim)
        else:
            self.norm = norm_layer(norm, norm_channels)
        self.act = activation(act) if "a" in order else nn.Identity()
        self.concat = ConcatCode() if code == "concat" else None
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        for op in self.order:
            if op == "c":
                if self.concat is not None:
                    x = self.concat(x, z)  # (N, C + D, H, W)
                x = self.conv(x)
            elif op == "n":
                x = self.norm(x, z) if self.code == "adain" else self.norm(x)
            else:
                x = self.act(x)
        return self.dropout(x)


class ResBlock(nn.Module):
    """Residual block: ``x + body(x)``, optionally pre-activated and down-sampling.

    ``preact=False``: conv-norm-ReLU-conv-norm with reflection padding, the block of Johnson et
    al. (2016) that pix2pix's and CycleGAN's ResNet generators stack. ``preact=True,
    downsample=True``: norm-act-conv-norm-act-conv then 2x2 average pooling, with an
    average-pool-then-1x1-conv shortcut: BicycleGAN's encoder block (``BasicBlock`` of its
    ``E_ResNet``).

    Args:
        in_channels: C_in.
        out_channels: C_out (default C_in).
        norm, act: as in :class:`ConvBlock`.
        preact: pre-activation order (``"nac"``) instead of ``"cna"``.
        downsample: halve the resolution.
        padding_mode: of the 3x3 convolutions.
        dropout: after the first convolution (pix2pix's ResNet generator with ``use_dropout``).
        code, z_dim: as in :class:`ConvBlock`, applied to both convolutions.

    Example:
        >>> ResBlock(16, 32, preact=True, downsample=True)(torch.randn(2, 16, 8, 8)).shape
        torch.Size([2, 32, 4, 4])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int | None = None,
        *,
        norm: str = "instance",
        act: str = "relu",
        preact: bool = False,
        downsample: bool = False,
        padding_mode: str = "reflect",
        dropout: float = 0.0,
        code: str = "none",
        z_dim: int = 0,
    ) -> None:
        super().__init__()
        out_channels = out_channels or in_channels
        order = "nac" if preact else "cna"
        common = dict(norm=norm, padding_mode=padding_mode, code=code, z_dim=z_dim)
        self.conv1 = ConvBlock(
            in_channels, in_channels, 3, 1, 1, act=act, order=order, dropout=dropout, **common
        )
        last_order = "nac" if preact else "cn"  # no activation before the sum (Johnson et al.)
        self.conv2 = ConvBlock(
            in_channels, out_channels, 3, 1, 1, act=act, order=last_order, **common
        )
        self.pool = nn.AvgPool2d(2) if downsample else nn.Identity()
        if in_channels == out_channels and not downsample:
            self.shortcut: nn.Module = nn.Identity()
        else:
            self.shortcut = nn.Sequential(
                nn.AvgPool2d(2) if downsample else nn.Identity(),
                nn.Conv2d(in_channels, out_channels, 1),
            )

    def forward(self, x: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        return self.shortcut(x) + self.pool(self.conv2(self.conv1(x, z), z))


def init_weights(module: nn.Module, kind: str = "normal", gain: float = 0.02) -> nn.Module:
    """Initialise convolution and linear weights in place, as pix2pix and BicycleGAN do.

    ``"normal"``: N(0, gain^2) (pix2pix, DCGAN); ``"xavier"``: Xavier-normal with ``gain``
    (BicycleGAN's ``init_type='xavier'``); biases zero; batch-norm weights N(1, gain^2).

    Returns:
        ``module`` itself.

    Raises:
        ValueError: for an unknown kind.

    Example:
        >>> net = init_weights(nn.Conv2d(3, 8, 3), "normal")
        >>> abs(net.weight.std().item() - 0.02) < 0.01
        True
    """
    if kind not in ("normal", "xavier"):
        raise ValueError(f"unknown init {kind!r}; choose 'normal' or 'xavier'")
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            with torch.no_grad():
                if kind == "normal":
                    m.weight.normal_(0.0, gain)
                else:
                    nn.init.xavier_normal_(m.weight, gain=gain)
                if m.bias is not None:
                    m.bias.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.normal_(1.0, gain)
                m.bias.zero_()
    return module


def check_image_size(size: int, levels: int, what: str) -> None:
    """Raise a ValueError unless ``size`` can be halved ``levels`` times.

    Example:
        >>> check_image_size(32, 3, "a 3-level U-Net")
    """
    if size < 2**levels or size % (2**levels) != 0:
        raise ValueError(
            f"{what} needs an image size divisible by 2^{levels} = {2**levels}, got {size}; "
            f"resize the images or change the number of levels"
        )
