"""Frozen feature networks whose Gram matrices define a style distance.

Style pre-training (Meshry et al., ICLR 2020 submission) measures how alike two images' styles
are with the Gram matrices of VGG activations. Two networks give such activations here:

- :class:`RandomConvFeatures`: two fixed, seeded random convolution layers. Needs no download;
  the Gram matrices of random features keep colour and local texture statistics (Ustyuzhaninov
  et al. 2017 synthesise textures from them), which is what a style distance needs on a toy.
- :class:`Vgg16Features`: torchvision's ImageNet VGG16 up to conv5_2, returning the activations
  after conv1_2, ..., conv5_2 (the StEP code's layers), read from a local weights file.

Both are frozen: their weights are buffers, so no optimizer sees them and gradients flow through
them to the images only.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "VGG16_FILENAME",
    "PixelStyleFeatures",
    "RandomConvFeatures",
    "Vgg16Features",
    "build_style_features",
    "find_vgg16_weights",
]

VGG16_FILENAME = "vgg16-397923af.pth"
"""torchvision's ImageNet VGG16 (IMAGENET1K_V1), as it names the file."""
_VGG16_URL = "https://download.pytorch.org/models/" + VGG16_FILENAME
_VGG16_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512)
_VGG16_TAPS = (1, 3, 5, 8, 11)  # indices of conv1_2, conv2_2, conv3_2, conv4_2, conv5_2


class RandomConvFeatures(nn.Module):
    """Fixed random features: conv 3x3 -> ReLU (tap) -> conv 3x3 stride 2 -> ReLU (tap).

    Args:
        in_channels: C of the images.
        widths: output channels of the two layers.
        seed: seed of the weights (He-normal) and zero biases; the same seed, the same network.

    Example:
        >>> net = RandomConvFeatures(3, (8, 16))
        >>> [f.shape for f in net(torch.zeros(2, 3, 32, 32))]
        [torch.Size([2, 8, 32, 32]), torch.Size([2, 16, 16, 16])]
    """

    def __init__(self, in_channels: int = 3, widths: tuple[int, int] = (16, 32), seed: int = 0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        c_in = in_channels
        for k, c_out in enumerate(widths):
            std = (2.0 / (c_in * 9)) ** 0.5
            self.register_buffer(f"weight{k}", torch.randn(c_out, c_in, 3, 3, generator=gen) * std)
            c_in = c_out
        self.strides = (1, 2)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Activations of both layers for images ``x`` (N, C, H, W) in [-1, 1]."""
        taps = []
        for k, stride in enumerate(self.strides):
            x = F.relu(F.conv2d(x, getattr(self, f"weight{k}"), stride=stride, padding=1))
            taps.append(x)
        return taps


def find_vgg16_weights(path: str | os.PathLike | None = None) -> Path:
    """The local VGG16 weights file: ``path``, else ``$COMPANION_WEIGHTS_DIR``, else torch hub.

    The same places, in the same order, as the metrics' weights (``companion.metrics.weights``);
    nothing is downloaded.

    Raises:
        FileNotFoundError: naming the file, the places searched, the URL and what to do.
    """
    places = [Path(path).expanduser()] if path else []
    if os.environ.get("COMPANION_WEIGHTS_DIR"):
        places.append(Path(os.environ["COMPANION_WEIGHTS_DIR"]).expanduser())
    places.append(Path(torch.hub.get_dir()) / "checkpoints")
    for place in places:
        candidate = place / VGG16_FILENAME if place.is_dir() else place
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"VGG16 weights {VGG16_FILENAME} not found in {', '.join(map(str, places))}; download "
        f"{_VGG16_URL} and put it in $COMPANION_WEIGHTS_DIR (the paper preset's style distance "
        f"and perceptual loss need it; the cpu preset does not)"
    )


class Vgg16Features(nn.Module):
    """ImageNet VGG16's activations after conv1_2, ..., conv5_2 (ReLU applied), frozen.

    Images in [-1, 1] are mapped to [0, 1] and normalised with ImageNet's mean and std
    (torchvision's preprocessing; the StEP code used Caffe's BGR, [0, 255] VGG, whose activation
    scale differs).

    Args:
        path: the weights file or a folder holding it (default: see :func:`find_vgg16_weights`).

    Raises:
        FileNotFoundError: when the weights file is not found (see :func:`find_vgg16_weights`).
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        super().__init__()
        state = torch.load(find_vgg16_weights(path), map_location="cpu", weights_only=True)
        layers, c_in, k = [], 3, 0
        for v in _VGG16_CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
                continue
            conv = nn.Conv2d(c_in, v, 3, padding=1)
            conv.weight.data.copy_(state[f"features.{_torchvision_index(k)}.weight"])
            conv.bias.data.copy_(state[f"features.{_torchvision_index(k)}.bias"])
            conv.requires_grad_(False)
            layers += [conv, nn.ReLU()]
            c_in, k = v, k + 1
        self.layers = nn.Sequential(*layers)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The five layers' activations for images ``x`` (N, 3, H, W) in [-1, 1]."""
        x = ((x + 1) / 2 - self.mean) / self.std
        taps, conv = [], -1
        for layer in self.layers:
            x = layer(x)
            if isinstance(layer, nn.Conv2d):
                conv += 1
            elif isinstance(layer, nn.ReLU) and conv in _VGG16_TAPS:
                taps.append(x)
                if conv == _VGG16_TAPS[-1]:
                    break
        return taps


def _torchvision_index(conv: int) -> int:
    """Position of the ``conv``-th convolution in torchvision's ``vgg16().features``."""
    position, seen = 0, -1
    for v in _VGG16_CFG:
        if v != "M":
            seen += 1
            if seen == conv:
                return position
            position += 2  # conv, ReLU
        else:
            position += 1
    raise ValueError(f"VGG16 has 13 convolutions, asked for number {conv}")


class PixelStyleFeatures(nn.Module):
    """The image itself and its 2x average-pooled copy: Grams of raw colours at two scales.

    Example:
        >>> [f.shape for f in PixelStyleFeatures()(torch.zeros(1, 3, 8, 8))]
        [torch.Size([1, 3, 8, 8]), torch.Size([1, 3, 4, 4])]
    """

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """[x, avg_pool(x)] for images ``x`` (N, C, H, W)."""
        return [x, F.avg_pool2d(x, 2)]


def build_style_features(name: str, channels: int = 3) -> nn.Module:
    """The frozen network whose Gram matrices define a style distance, by name.

    Args:
        name: ``"vgg16"`` (ImageNet VGG16 from a local file), ``"random_conv"`` (seeded random
            convolutions, no download) or ``"pixels"`` (the image itself).
        channels: the images' channels (``random_conv`` only; VGG16 reads RGB).

    Raises:
        ValueError: for another name.

    Example:
        >>> type(build_style_features("pixels")).__name__
        'PixelStyleFeatures'
    """
    if name == "vgg16":
        return Vgg16Features()
    if name == "random_conv":
        return RandomConvFeatures(channels)
    if name == "pixels":
        return PixelStyleFeatures()
    raise ValueError(f"style_features must be 'vgg16', 'random_conv' or 'pixels', got {name!r}")
