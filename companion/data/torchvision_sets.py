"""MNIST, SVHN and CelebA through torchvision, offline: ``download=False`` always.

:func:`companion.data.fetch` is the one place that asks torchvision to download (when a user
runs ``companion data fetch mnist --root DIR``).
"""

from __future__ import annotations

import os
import shlex
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

__all__ = ["TORCHVISION_DATASETS", "TorchvisionImages", "torchvision_dataset"]

TORCHVISION_DATASETS = ("mnist", "svhn", "celeba")


def torchvision_dataset(name: str, root: str | os.PathLike, split: str, download: bool = False):
    """The raw torchvision dataset ``name`` under ``root`` (PIL images, native targets).

    Raises:
        ValueError: for an unknown name.
        FileNotFoundError: if the files are missing (names the path and the fetch command).
    """
    from torchvision import datasets

    try:
        if name == "mnist":
            return datasets.MNIST(root, train=split == "train", download=download)
        if name == "svhn":
            return datasets.SVHN(
                root, split="train" if split == "train" else "test", download=download
            )
        if name == "celeba":
            return datasets.CelebA(
                root,
                split="valid" if split == "val" else split,
                target_type="attr",
                download=download,
            )
    except RuntimeError as err:  # torchvision: "Dataset not found or corrupted..."
        raise FileNotFoundError(
            f"{name} not found under {root} ({err}); expected the layout of "
            f"torchvision.datasets.{type_name(name)}. Download it with "
            f"`companion data fetch {name} --root {shlex.quote(str(root))}`."
        ) from err
    raise ValueError(f"unknown torchvision dataset {name!r}; choose one of {TORCHVISION_DATASETS}")


def type_name(name: str) -> str:
    """torchvision's class name of ``name`` ("mnist" -> "MNIST")."""
    return {"mnist": "MNIST", "svhn": "SVHN", "celeba": "CelebA"}.get(name, name)


class TorchvisionImages(Dataset):
    """A torchvision image dataset as single-domain samples ``{"x", "y", "factors"}``.

    ``x`` is (C, R, R) float32 in [-1, 1] (C = 1 for MNIST, 3 otherwise, or ``channels``),
    resized with bilinear antialiasing (CelebA is centre-cropped to 178 x 178 first, as in
    StarGAN). ``y`` is the digit label for MNIST and SVHN; CelebA has no ``y`` and carries its
    40 binary attributes in ``factors["attributes"]``.

    Args:
        name: "mnist", "svhn" or "celeba".
        root: the folder torchvision reads.
        split: "train", "test" (or "val" for CelebA).
        resolution: output side R.
        channels: force 1 or 3 channels (default: native).
    """

    def __init__(
        self,
        name: str,
        root: str | os.PathLike,
        split: str = "train",
        resolution: int = 32,
        channels: int | None = None,
    ):
        self.name, self.resolution, self.channels = name, resolution, channels
        self.data = torchvision_dataset(name, root, split)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> dict[str, Any]:
        from torchvision.transforms.functional import center_crop, pil_to_tensor

        img, target = self.data[index]
        x = pil_to_tensor(img).float().div_(127.5).sub_(1.0)  # (C, H, W)
        if self.name == "celeba":
            x = center_crop(x, [178, 178])
        if self.channels == 3 and x.shape[0] == 1:
            x = x.expand(3, -1, -1)
        elif self.channels == 1 and x.shape[0] == 3:
            x = x.mean(0, keepdim=True)
        if x.shape[-1] != self.resolution or x.shape[-2] != self.resolution:
            x = F.interpolate(
                x[None],
                size=(self.resolution, self.resolution),
                mode="bilinear",
                align_corners=False,
                antialias=True,
            )[0].clamp_(-1, 1)
        if self.name == "celeba":
            return {"x": x, "factors": {"attributes": torch.as_tensor(target).long()}}
        y = torch.tensor(int(target))
        return {"x": x, "y": y, "factors": {"label": y}}
