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

Every PIL mode an image file may hold is converted with its own scale (:func:`read_image`), or
refused with a one-line message naming the file and its mode. Opening a dataset reads each
file's header (size and mode, no pixels), so a folder with a non-image, an unsupported mode or
an odd-width A|B file fails at once; ``companion data check`` decodes every file
(:func:`companion.data.check.check_dataset`). Hidden files (macOS's ``._*`` and ``.DS_Store``)
are skipped.
"""

from __future__ import annotations

import logging
import os
import shlex
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = [
    "IMAGE_EXTENSIONS",
    "SUPPORTED_MODES",
    "DomainFolders",
    "PairedFolder",
    "UnpairedFolders",
    "image_files",
    "list_images",
    "missing_dataset_error",
    "odd_width_message",
    "read_image",
    "unreadable_message",
    "unsupported_mode_message",
]

logger = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")

# PIL modes by how they become RGB in [0, 255]: PIL's own conversion (8 bits per channel),
# composited over white (alpha), or scaled here (16-bit and 32-bit integers, floats).
_COLOUR_MODES = ("1", "L", "P", "RGB", "RGBX", "CMYK", "YCbCr", "LAB", "HSV")
_ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
SUPPORTED_MODES = _COLOUR_MODES + _ALPHA_MODES + _SIXTEEN_BIT_MODES + ("I", "F")
"""PIL modes :func:`read_image` converts; any other mode is refused."""


def missing_dataset_error(
    path: str | os.PathLike,
    layout: str,
    name: str | None = None,
    *,
    root: str | os.PathLike | None = None,
) -> FileNotFoundError:
    """The error for a missing or empty dataset folder: its path, the layout, what to do.

    For a registry dataset the remedy is the fetch command, with ``--root`` the folder that
    holds ``NAME/`` and every path quoted for the shell; when ``NAME/`` exists but a folder in
    it is missing, the message says it is incomplete and lists what it holds.

    Args:
        path: the folder that is missing or holds no image.
        layout: the expected layout, in words.
        name: the dataset's name (default: the last part of ``path``).
        root: the folder holding the dataset folder ``NAME/`` (default: ``path``'s parent).

    Example:
        >>> err = missing_dataset_error("/d/my data/facades", "LAYOUT", "facades")
        >>> "`companion data fetch facades --root '/d/my data'`" in str(err)
        True
    """
    from companion.data.registry import REGISTRY

    path = Path(path)
    name = name or path.name
    root = Path(root) if root is not None else path.parent
    dataset = root / name
    what = "no images in" if path.is_dir() else "no dataset found at"
    message = f"{what} {path}; expected layout: {layout}."
    fetch = f"`companion data fetch {shlex.quote(name)} --root {shlex.quote(str(root))}`"
    inside = dataset in path.parents and dataset.is_dir()
    if name not in REGISTRY:
        remedy = "Put your images in that layout."
    elif REGISTRY[name].how_to_get:  # not fetchable: say how to get it instead
        remedy = f"{REGISTRY[name].remedy(root)}."
    elif inside and not (dataset / path.relative_to(dataset).parts[0]).is_dir():
        split = path.relative_to(dataset).parts[0]
        held = sorted(p.name for p in dataset.iterdir() if not p.name.startswith("."))
        shown = ", ".join(held[:8]) + (", ..." if len(held) > 8 else "")
        remedy = (
            f"{dataset} holds {shown or 'no folder'} but no {split}: use a split it holds, or "
            f"if its download was incomplete, delete it and run {fetch} again."
        )
    elif inside:
        remedy = f"{dataset} looks incomplete: delete it and run {fetch} again."
    else:
        remedy = (
            f"Download it with {fetch} (see data/README.md), or point --root "
            f"(root= in Python) at the folder that holds your copy of {name}/."
        )
    return FileNotFoundError(f"{message} {remedy}")


def image_files(folder: str | os.PathLike) -> list[Path]:
    """Sorted image files in ``folder`` (non-recursive), skipping hidden files; [] if none.

    Hidden files include macOS's ``._NAME.jpg`` resource forks and ``.DS_Store``.

    Example:
        >>> import tempfile; d = Path(tempfile.mkdtemp())
        >>> for f in ("b.png", "a.JPG", "._a.JPG", ".DS_Store", "notes.txt"):
        ...     _ = (d / f).write_bytes(b"")
        >>> [p.name for p in image_files(d)]
        ['a.JPG', 'b.png']
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".") and p.is_file()
    )


def list_images(
    folder: str | os.PathLike,
    layout: str,
    *,
    name: str | None = None,
    root: str | os.PathLike | None = None,
) -> list[Path]:
    """Sorted image files in ``folder`` (see :func:`image_files`), which must hold one.

    Args:
        folder: a split or domain folder.
        layout: the expected layout, for the error message.
        name, root: the dataset's name and the folder holding it, for the fetch command in the
            error message (see :func:`missing_dataset_error`).

    Raises:
        FileNotFoundError: if the folder is missing or holds no image (names ``layout`` and
            the fetch command).
    """
    files = image_files(folder)
    if not files:
        raise missing_dataset_error(folder, layout, name, root=root)
    return files


def unsupported_mode_message(path: str | os.PathLike, mode: str, why: str = "") -> str:
    """The one-line refusal of an image whose mode :func:`read_image` cannot convert.

    Example:
        >>> unsupported_mode_message("x.tif", "I;16S")[:44]
        'x.tif has image mode I;16S, which companion '
    """
    why = f" ({why})" if why else ""
    return (
        f"{path} has image mode {mode}{why}, which companion does not convert; save it as "
        "8-bit RGB or 16-bit greyscale PNG, or delete it"
    )


def unreadable_message(path: str | os.PathLike, err: Exception) -> str:
    """The one-line refusal of a file PIL cannot open or decode."""
    return f"cannot read image {path}: {err}; delete or replace the file"


def odd_width_message(path: str | os.PathLike, width: int) -> str:
    """The one-line refusal of a pix2pix A|B file of odd width."""
    return (
        f"{path} has odd width {width}; a pix2pix A|B image must be two "
        "equal halves side by side (width 2W)"
    )


def _unit_rgb(img: Any, path: str | os.PathLike) -> torch.Tensor:
    """A loaded PIL image as (3, H, W) float32 in [-1, 1], each mode with its own scale."""
    from torchvision.transforms.functional import pil_to_tensor

    mode = img.mode
    if mode in _SIXTEEN_BIT_MODES or mode == "I":  # 0..65535 -> [-1, 1]
        grey = np.asarray(img).astype(np.float32)  # (H, W); numpy reads either byte order
        lo, hi = (float(grey.min()), float(grey.max())) if grey.size else (0.0, 0.0)
        if lo < 0 or hi > 65535:
            why = f"32-bit integers in [{lo:g}, {hi:g}]; only 16-bit values 0..65535 are read"
            raise ValueError(unsupported_mode_message(path, mode, why))
        return torch.from_numpy(grey).div_(32767.5).sub_(1.0).expand(3, -1, -1).contiguous()
    if mode == "F":  # floats in [0, 1] -> [-1, 1]
        grey = np.array(img, dtype=np.float32)  # (H, W)
        if grey.size and not (np.isfinite(grey).all() and grey.min() >= 0 and grey.max() <= 1):
            why = f"floats in [{grey.min():g}, {grey.max():g}]; only [0, 1] is read"
            raise ValueError(unsupported_mode_message(path, mode, why))
        return torch.from_numpy(grey).mul_(2.0).sub_(1.0).expand(3, -1, -1).contiguous()
    if mode in _ALPHA_MODES or (mode in _COLOUR_MODES and "transparency" in img.info):
        rgba = torch.from_numpy(np.array(img.convert("RGBA"), dtype=np.float32))  # (H, W, 4)
        alpha = rgba[..., 3:] / 255.0
        rgb = rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)  # over white, (H, W, 3)
        return rgb.permute(2, 0, 1).div_(127.5).sub_(1.0).contiguous()
    if mode not in _COLOUR_MODES:
        raise ValueError(unsupported_mode_message(path, mode))
    try:
        rgb = img.convert("RGB")
    except ValueError as err:  # a Pillow without this conversion
        raise ValueError(unsupported_mode_message(path, mode, str(err))) from err
    return pil_to_tensor(rgb).float().div_(127.5).sub_(1.0)


def read_image(path: str | os.PathLike) -> torch.Tensor:
    """Read an image file as RGB, scaling each PIL mode to [-1, 1].

    8-bit modes (``1``, ``L``, ``P``, ``RGB``, ``CMYK``, ...) go through PIL's conversion to RGB;
    16-bit greyscale (``I;16`` and its byte orders, and ``I`` holding 0..65535, as older Pillow
    reads 16-bit PNGs) is divided by 65535; ``F`` must lie in [0, 1]. Transparent pixels
    (``RGBA``, ``LA``, ``PA``, a palette or colour key with transparency) are composited over
    white, as a page shows them. Greyscale comes out as three equal channels.

    Args:
        path: an image file PIL can read.

    Returns:
        (3, H, W) float32 in [-1, 1].

    Raises:
        RuntimeError: if the file cannot be read as an image, or is truncated (names the file).
        ValueError: for a mode it does not convert, or ``I`` / ``F`` values outside the ranges
            above (names the file, its mode and its values).

    Example:
        >>> import tempfile; from PIL import Image
        >>> path = Path(tempfile.mkdtemp()) / "grey16.png"
        >>> Image.fromarray(np.array([[0, 32768, 65535]], np.uint16)).save(path)
        >>> read_image(path)[0, 0].tolist()  # a 16-bit PNG, not saturated at 255
        [-1.0, 1.52587890625e-05, 1.0]
    """
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(path)  # reads the header
    except (UnidentifiedImageError, OSError) as err:
        raise RuntimeError(unreadable_message(path, err)) from err
    with img:
        try:
            img.load()  # decodes every pixel: a truncated file fails here
        except OSError as err:
            raise RuntimeError(unreadable_message(path, err)) from err
        return _unit_rgb(img, path)


def _check_headers(files: list[Path], *, paired: bool, name: str, root: Path) -> None:
    from companion.data.check import check_headers

    check_headers(files, paired=paired, name=name, root=root)


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
        check: read every file's header now (size and mode, no pixels) and refuse the folder
            if one is not an image, has an unsupported mode or an odd width.

    Raises:
        FileNotFoundError: if ``root/split`` is missing or empty (names layout and fetch command).
        ValueError: for an A|B file of odd width, a file that is not an image or has an
            unsupported mode (names the file), or a bad direction.
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
        check: bool = True,
    ):
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
        self.root, self.split, self.direction = Path(root), split, direction
        layout = f"{self.root}/{{train,val,test}}/*.jpg, each image A|B side by side"
        where = {"name": self.root.name, "root": self.root.parent}
        self.files = list_images(self.root / split, layout, **where)
        if check:
            _check_headers(self.files, paired=True, **where)
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
            raise ValueError(odd_width_message(path, w2))
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
        resolution, load_size, crop, flip, check: as in :class:`PairedFolder`.
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
        check: bool = True,
        direction: str = "AtoB",
    ):
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
        self.root, self.split, self.direction = Path(root), split, direction
        layout = f"{self.root}/{{trainA,trainB,testA,testB}}/*.jpg"
        where = {"name": self.root.name, "root": self.root.parent}
        self.files_a = list_images(self.root / f"{split}A", layout, **where)
        self.files_b = list_images(self.root / f"{split}B", layout, **where)
        if check:
            _check_headers(self.files_a + self.files_b, paired=False, **where)
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
        resolution, load_size, crop, flip, check: as in :class:`PairedFolder`; crop and flip
            default to off here (pass True for training).
    """

    def __init__(
        self,
        root: str | os.PathLike,
        resolution: int = 256,
        load_size: int | None = None,
        crop: bool = False,
        flip: bool = False,
        check: bool = True,
    ):
        self.root = Path(root)
        layout = f"{self.root}/<domain>/*.jpg (one sub-folder per domain)"
        self.domains = (
            sorted(
                p.name
                for p in self.root.iterdir()
                if p.is_dir() and not p.name.startswith(".") and p.name != "__MACOSX"
            )
            if (self.root.is_dir())
            else []
        )
        where = {"name": self.root.parent.name, "root": self.root.parent.parent}
        if not self.domains:
            raise missing_dataset_error(self.root, layout, **where)
        self.samples = [
            (f, y)
            for y, d in enumerate(self.domains)
            for f in list_images(self.root / d, layout, **where)
        ]
        if check:
            _check_headers([f for f, _ in self.samples], paired=False, **where)
        self.augment = _Augment(resolution, load_size, crop, flip)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict[str, Any]:
        path, y = self.samples[index]
        x = self.augment(read_image(path), self.augment.draw())
        return {"x": x, "y": torch.tensor(y), "factors": {"domain": torch.tensor(y)}}
