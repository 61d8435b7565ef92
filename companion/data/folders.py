"""Real datasets in their published on-disk formats.

- :class:`PairedFolder`: pix2pix's ``ROOT/{train,val,test}/*.jpg``, each file A and B side by side.
- :class:`UnpairedFolders`: CycleGAN's ``ROOT/{trainA,trainB,testA,testB}/*.jpg``.
- :class:`DomainFolders`: StarGAN v2's ``ROOT/<domain>/*.jpg``, one folder per domain.

Images come out as (3, H, W) float32 in [-1, 1] at ``resolution``. Training augmentation follows
pix2pix/CycleGAN: resize to ``load_size``, random crop to ``resolution``, random horizontal flip,
with the same crop and flip for both halves of a pair. The crop and flip are drawn from torch's
global generator: inside ``DataLoader`` workers torch seeds it per worker (base seed + worker id),
and ``fit()`` seeds the base, so runs are reproducible for a fixed worker count, but unlike the
synthetic domains a sample is not a pure function of its index.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

__all__ = [
    "IMAGE_EXTENSIONS",
    "DomainFolders",
    "PairedFolder",
    "UnpairedFolders",
    "list_images",
    "missing_dataset_error",
    "read_image",
]

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def missing_dataset_error(
    path: str | os.PathLike, layout: str, name: str | None = None
) -> FileNotFoundError:
    """The error for a missing or empty dataset: its path, the expected layout, how to fetch it.

    Example:
        >>> str(missing_dataset_error("/d/facades", "/d/facades/train/*.jpg", "facades"))[:33]
        'no dataset found at /d/facades; e'
    """
    name = name or Path(path).name
    root = Path(path).parent
    return FileNotFoundError(
        f"no dataset found at {path}; expected layout: {layout}. "
        f"Download it with `companion data fetch {name} --root {root}` "
        f"(see data/README.md), or pass root= pointing at your copy."
    )


def list_images(folder: str | os.PathLike, layout: str) -> list[Path]:
    """Sorted image files in ``folder`` (non-recursive).

    Raises:
        FileNotFoundError: if the folder is missing or holds no image (names ``layout``).
    """
    folder = Path(folder)
    files = (
        sorted(p for p in folder.glob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)
        if (folder.is_dir())
        else []
    )
    if not files:
        raise missing_dataset_error(folder, layout, name=folder.parent.name)
    return files


def read_image(path: str | os.PathLike) -> torch.Tensor:
    """Read an image file as RGB.

    Args:
        path: an image file PIL can read.

    Returns:
        (3, H, W) float32 in [-1, 1].

    Raises:
        RuntimeError: if the file cannot be read as an image (names the file).
    """
    from PIL import Image, UnidentifiedImageError
    from torchvision.transforms.functional import pil_to_tensor

    try:
        with Image.open(path) as img:
            rgb = img.convert("RGB")
    except (UnidentifiedImageError, OSError) as err:
        raise RuntimeError(f"cannot read image {path}: {err}; delete or replace the file") from err
    return pil_to_tensor(rgb).float().div_(127.5).sub_(1.0)


class _Augment:
    """Resize to ``load_size``, crop to ``resolution`` (random or centre), optional flip."""

    def __init__(self, resolution: int, load_size: int | None, crop: bool, flip: bool):
        self.resolution = resolution
        self.load_size = load_size or resolution
        if self.load_size < resolution:
            raise ValueError(f"load_size {self.load_size} must be >= resolution {resolution}")
        self.crop, self.flip = crop, flip

    def draw(self) -> tuple[int, int, bool]:
        """A crop offset and flip decision, from torch's global generator."""
        slack = self.load_size - self.resolution
        if self.crop and slack > 0:
            top, left = (int(v) for v in torch.randint(0, slack + 1, (2,)))
        else:
            top = left = slack // 2
        return top, left, bool(self.flip and torch.rand(()) < 0.5)

    def __call__(self, x: torch.Tensor, params: tuple[int, int, bool]) -> torch.Tensor:
        import torch.nn.functional as F

        top, left, flip = params
        size = (self.load_size, self.load_size)
        if tuple(x.shape[-2:]) != size:
            x = F.interpolate(
                x[None], size=size, mode="bicubic", align_corners=False, antialias=True
            )[0].clamp_(-1, 1)
        x = x[:, top : top + self.resolution, left : left + self.resolution]
        return x.flip(-1) if flip else x


class PairedFolder(Dataset):
    """pix2pix paired data: each file holds A (left half) and B (right half) side by side.

    Samples are ``{"a": source, "b": target, "factors": {"index": int64}}``, images (3, R, R)
    float32 in [-1, 1]; with ``direction="BtoA"`` the right half is the source.

    Args:
        root: the dataset folder (holding ``train/``, ``val/``, ``test/``).
        split: sub-folder to read.
        direction: "AtoB" or "BtoA".
        resolution: output side R.
        load_size: side each half is resized to before cropping (pix2pix: 286 for R = 256);
            default R (no crop jitter).
        crop: random crops (default: only for "train"); otherwise centre crops.
        flip: random horizontal flips of both halves (default: only for "train").

    Raises:
        FileNotFoundError: if ``root/split`` is missing or empty (names layout and fetch command).
        ValueError: for an A|B file of odd width (names the file) or a bad direction.
        RuntimeError: for a file that is not an image (names the file).
    """

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        direction: str = "AtoB",
        resolution: int = 256,
        load_size: int | None = None,
        crop: bool | None = None,
        flip: bool | None = None,
    ):
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
        self.root, self.split, self.direction = Path(root), split, direction
        layout = f"{self.root}/{{train,val,test}}/*.jpg, each image A|B side by side"
        self.files = list_images(self.root / split, layout)
        train = split == "train"
        self.augment = _Augment(
            resolution, load_size, train if crop is None else crop, train if flip is None else flip
        )

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict[str, Any]:
        path = self.files[index]
        ab = read_image(path)  # (3, H, 2W)
        w2 = ab.shape[-1]
        if w2 % 2:
            raise ValueError(
                f"{path} has odd width {w2}; a pix2pix A|B image must be two "
                "equal halves side by side (width 2W)"
            )
        a, b = ab[..., : w2 // 2], ab[..., w2 // 2 :]
        if self.direction == "BtoA":
            a, b = b, a
        params = self.augment.draw()
        return {
            "a": self.augment(a, params),
            "b": self.augment(b, params),
            "factors": {"index": torch.tensor(index)},
        }


class UnpairedFolders(Dataset):
    """CycleGAN unpaired data: ``root/{split}A`` and ``root/{split}B``.

    Sample ``i`` is A image ``i mod |A|`` and, as in CycleGAN, a B image drawn at random (torch's
    global generator) for "train", ``i mod |B|`` otherwise. Length ``max(|A|, |B|)``. Samples
    are ``{"a", "b": (3, R, R) in [-1, 1], "factors": {"index_a", "index_b": int64}}``; each side
    is cropped and flipped independently.

    Args:
        root: folder holding ``trainA``, ``trainB``, ``testA``, ``testB``.
        split: "train" or "test".
        resolution, load_size, crop, flip: as in :class:`PairedFolder`.
        random_b: draw B at random (default: for "train").
        direction: "AtoB", or "BtoA" to take the sources ``a`` from ``{split}B``.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        resolution: int = 256,
        load_size: int | None = None,
        crop: bool | None = None,
        flip: bool | None = None,
        random_b: bool | None = None,
        direction: str = "AtoB",
    ):
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
        self.root, self.split, self.direction = Path(root), split, direction
        layout = f"{self.root}/{{trainA,trainB,testA,testB}}/*.jpg"
        self.files_a = list_images(self.root / f"{split}A", layout)
        self.files_b = list_images(self.root / f"{split}B", layout)
        if direction == "BtoA":
            self.files_a, self.files_b = self.files_b, self.files_a
        train = split == "train"
        self.random_b = train if random_b is None else random_b
        self.augment = _Augment(
            resolution, load_size, train if crop is None else crop, train if flip is None else flip
        )

    def __len__(self) -> int:
        return max(len(self.files_a), len(self.files_b))

    def __getitem__(self, index: int) -> dict[str, Any]:
        ia = index % len(self.files_a)
        ib = (
            int(torch.randint(len(self.files_b), ()))
            if self.random_b
            else index % len(self.files_b)
        )
        a = self.augment(read_image(self.files_a[ia]), self.augment.draw())
        b = self.augment(read_image(self.files_b[ib]), self.augment.draw())
        return {
            "a": a,
            "b": b,
            "factors": {"index_a": torch.tensor(ia), "index_b": torch.tensor(ib)},
        }


class DomainFolders(Dataset):
    """Multi-domain data: ``root/<domain>/*.jpg``; domains are the sorted sub-folder names.

    Samples are ``{"x": (3, R, R) in [-1, 1], "y": int64 domain index,
    "factors": {"domain": int64}}``; ``self.domains`` lists the domain names.

    Args:
        root: folder of domain folders (e.g. ``afhq/train``).
        resolution, load_size, crop, flip: as in :class:`PairedFolder`; crop and flip default
            to off here (pass True for training).
    """

    def __init__(
        self,
        root: str | os.PathLike,
        resolution: int = 256,
        load_size: int | None = None,
        crop: bool = False,
        flip: bool = False,
    ):
        self.root = Path(root)
        layout = f"{self.root}/<domain>/*.jpg (one sub-folder per domain)"
        self.domains = (
            sorted(p.name for p in self.root.iterdir() if p.is_dir())
            if (self.root.is_dir())
            else []
        )
        if not self.domains:
            raise missing_dataset_error(self.root, layout, name=self.root.parent.name)
        self.samples = [
            (f, y) for y, d in enumerate(self.domains) for f in list_images(self.root / d, layout)
        ]
        self.augment = _Augment(resolution, load_size, crop, flip)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, Any]:
        path, y = self.samples[index]
        x = self.augment(read_image(path), self.augment.draw())
        return {"x": x, "y": torch.tensor(y), "factors": {"domain": torch.tensor(y)}}
