"""MNIST, SVHN and CelebA through torchvision, offline: ``download=False`` always; and the
unpaired MNIST <-> SVHN translation pair built from the two.

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

__all__ = [
    "TORCHVISION_DATASETS",
    "TorchvisionImages",
    "TorchvisionPair",
    "SvhnMat",
    "torchvision_dataset",
]

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
            if download:
                return datasets.SVHN(
                    root, split="train" if split == "train" else "test", download=True
                )
            return SvhnMat(root, split)
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


class SvhnMat(Dataset):
    """SVHN's cropped digits read from ``root/{train,test}_32x32.mat`` as torchvision reads them.

    Reading is torchvision's (``scipy.io.loadmat``; ``X`` is (32, 32, 3, N) uint8, ``y`` is
    (N, 1) with 10 for the digit 0), without its MD5 check of the whole file: the check belongs
    to the download (``companion data fetch svhn`` runs torchvision's, which verifies it), and
    skipping it lets the tests read a tiny file in the same format.

    Items are ``(PIL image, label)`` with labels in [0, 10), as torchvision's ``SVHN``.

    Raises:
        RuntimeError: if the file is missing (torchvision's error, turned into a
            FileNotFoundError by :func:`torchvision_dataset`).
    """

    def __init__(self, root: str | os.PathLike, split: str = "train"):
        import numpy as np
        import scipy.io

        path = os.path.join(root, f"{'train' if split == 'train' else 'test'}_32x32.mat")
        if not os.path.isfile(path):
            raise RuntimeError(f"Dataset not found: {path}")
        mat = scipy.io.loadmat(path)
        self.data = np.ascontiguousarray(np.transpose(mat["X"], (3, 0, 1, 2)))  # (N, 32, 32, 3)
        labels = mat["y"].astype(np.int64).reshape(-1)
        self.labels = np.where(labels == 10, 0, labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        from PIL import Image

        return Image.fromarray(self.data[index]), int(self.labels[index])


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


class TorchvisionPair(Dataset):
    """Unpaired translation between two torchvision digit sets (MNIST <-> SVHN), read offline.

    Both sets are read from the same ``root``, where ``companion data fetch mnist --root ROOT``
    and ``companion data fetch svhn --root ROOT`` put them (``ROOT/MNIST/raw/*-ubyte`` and
    ``ROOT/{train,test}_32x32.mat``). Preprocessing, which the paper does not give (our choice,
    the usual one for MNIST <-> SVHN): MNIST's 28 x 28 digits are *padded* with black by 2
    pixels on each side to 32 x 32 (no resampling, so strokes keep their width; the digit fills
    the frame about as an SVHN digit does) and their grey channel is repeated to RGB; SVHN is
    used as published (32 x 32 RGB, label 10 read as digit 0 by torchvision). Both sides are
    scaled to [-1, 1]; any other ``resolution`` resizes the 32 x 32 images bilinearly.

    Sample ``i`` is source image ``i mod |A|`` and, as in CycleGAN's unpaired folders, a target
    drawn at random (torch's global generator) for "train", ``i mod |B|`` otherwise; length
    ``max(|A|, |B|)``. Samples are ``{"a", "b": (3, R, R) float32 in [-1, 1], "factors":
    {"a": {"label", "index"}, "b": {"label", "index"}}}`` (int64), nested per side as in the
    synthetic unpaired ``digits``; the labels serve transfer accuracy only, never training.

    Args:
        root: folder holding both torchvision datasets.
        split: "train" or "test".
        resolution: output side R (32 is both sets' native side).
        direction: "AtoB" translates ``parts[0]`` into ``parts[1]``; "BtoA" the reverse.
        parts: the two torchvision names, A first.
        random_b: draw targets at random (default: for "train").

    Raises:
        ValueError: for a bad direction.
        FileNotFoundError: if either set is missing under ``root`` (names the path and both
            fetch commands).
    """

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        resolution: int = 32,
        direction: str = "AtoB",
        parts: tuple[str, str] = ("mnist", "svhn"),
        random_b: bool | None = None,
    ):
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
        self.resolution, self.direction = resolution, direction
        sides = []
        for name in parts:
            try:
                native = 28 if name == "mnist" else resolution
                sides.append(TorchvisionImages(name, root, split, native, channels=3))
            except FileNotFoundError as err:
                fetches = " and ".join(
                    f"`companion data fetch {n} --root {shlex.quote(str(root))}`" for n in parts
                )
                raise FileNotFoundError(
                    f"the {type_name(parts[0])} <-> {type_name(parts[1])} pair reads both from "
                    f"one folder, and {type_name(name)} is not in {root}; fetch both with "
                    f"{fetches}"
                ) from err
        self.source, self.target = sides if direction == "AtoB" else sides[::-1]
        self.random_b = split == "train" if random_b is None else random_b

    def __len__(self) -> int:
        return max(len(self.source), len(self.target))

    def _image(self, side: TorchvisionImages, index: int) -> dict[str, Any]:
        sample = side[index]
        x = sample["x"]  # (3, 28, 28) for MNIST, (3, R, R) otherwise
        if side.name == "mnist":
            x = F.pad(x, (2, 2, 2, 2), value=-1.0)  # 28 -> 32, black border
            if self.resolution != 32:
                x = F.interpolate(
                    x[None], size=(self.resolution,) * 2, mode="bilinear", antialias=True
                )[0].clamp_(-1, 1)
        return {"x": x, "label": sample["y"], "index": torch.tensor(index)}

    def __getitem__(self, index: int) -> dict[str, Any]:
        ia = index % len(self.source)
        n_b = len(self.target)
        ib = int(torch.randint(n_b, ())) if self.random_b else index % n_b
        a, b = self._image(self.source, ia), self._image(self.target, ib)
        return {
            "a": a.pop("x"),
            "b": b.pop("x"),
            "factors": {"a": a, "b": b},
        }
