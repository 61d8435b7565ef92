"""CelebA from torchvision's files, as attribute domains or as two unpaired sides of one attribute.

- :class:`CelebADomains`: one domain per chosen column of ``list_attr_celeba.txt``. SDIT (seed
  thesis 003, Sec. 6.5.1) trains one generator for several CelebA attributes. Its generator
  takes a single domain index, so this loader makes the domains disjoint: an image belongs to
  domain ``i`` when it has attribute ``i`` (value 1) and, by default, none of the other chosen
  ones; images with none of them are left out (see ``overlap``).
- :class:`CelebAUnpaired`: unpaired translation between the faces with one attribute (A) and
  the faces without it (B). MISO (seed paper 001, Sec. 4.1, "Male ↔ Female") trains on
  "CelebA (Liu et al., 2015) consisting of facial images with annotations. We separated all
  the images into two domains, male and female."; the ``Male`` column is that split.

Both read offline from the files ``companion data fetch celeba --root DIR`` puts in
``DIR/celeba/`` (torchvision's layout); only the attribute file, the partition file and the
images are read, and no checksum.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

__all__ = [
    "SDIT_ATTRIBUTES",
    "CelebADomains",
    "CelebAUnpaired",
    "read_attributes",
    "load_face",
    "read_celeba",
    "split_mask",
]

SDIT_ATTRIBUTES = ("Bangs", "Blond_Hair", "Brown_Hair", "Young", "Male")
"""The five attributes of the thesis' ablation (Table 6.1, Fig. 6.3)."""

_SPLITS = {"train": 0, "val": 1, "test": 2}


def _missing(path: Path, root: Path, who: str = "CelebA attribute domains") -> FileNotFoundError:
    return FileNotFoundError(
        f"{who} need {path}, which is missing; fetch CelebA with "
        f"`companion data fetch celeba --root {root}` (or put torchvision's CelebA files in "
        f"{root}/celeba/: list_attr_celeba.txt, list_eval_partition.txt, img_align_celeba/)"
    )


def read_attributes(path: str | os.PathLike) -> tuple[list[str], list[str], torch.Tensor]:
    """Parse ``list_attr_celeba.txt``: a count line, the 40 names, then ``file v1 ... v40``.

    Returns:
        ``(names, files, values)``: attribute names, image file names and an (N, A) int8
        tensor of 1 (has it) and 0 (the file's -1).

    Raises:
        ValueError: for a line whose number of values differs from the names'.
    """
    lines = Path(path).read_text().splitlines()
    names = lines[1].split()
    files, rows = [], []
    for number, line in enumerate(lines[2:], start=3):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != len(names) + 1:
            raise ValueError(f"{path}, line {number}: {len(parts) - 1} values for {len(names)}")
        files.append(parts[0])
        rows.append([int(v) > 0 for v in parts[1:]])
    return names, files, torch.tensor(rows, dtype=torch.int8).reshape(len(files), len(names))


def split_mask(path: str | os.PathLike, files: list[str], split: str) -> torch.Tensor:
    """Which of ``files`` belong to ``split``, by ``list_eval_partition.txt`` at ``path``.

    The file lists ``name partition`` with 0 train, 1 val and 2 test (CelebA's official
    split). Without it the last 2,000 listed images are "test" (SDIT's thesis leaves out
    2,000), the rest "train", and "val" is empty.

    Returns:
        (N,) bool, one entry per file.

    Raises:
        ValueError: for a split other than "train", "val" and "test".
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {sorted(_SPLITS)}, got {split!r}")
    path = Path(path)
    if path.is_file():
        part = dict(line.split() for line in path.read_text().splitlines() if line.strip())
        return torch.tensor([int(part.get(f, -1)) == _SPLITS[split] for f in files], dtype=bool)
    test = torch.arange(len(files)) >= len(files) - 2000
    return test if split == "test" else ~test if split == "train" else test & False


def read_celeba(
    root: str | os.PathLike, split: str, who: str = "CelebA attribute domains"
) -> tuple[Path, list[str], list[str], torch.Tensor]:
    """The images and attributes of one split of torchvision's CelebA files.

    Args:
        root: the folder holding ``celeba/`` (or the ``celeba`` folder itself).
        split: "train", "val" or "test" (see :func:`split_mask`).
        who: what needs the files, for the error message.

    Returns:
        ``(image_dir, names, files, values)``: the ``img_align_celeba`` folder, the 40
        attribute names, the split's image file names and their (N, 40) int8 0/1 attributes.

    Raises:
        FileNotFoundError: if the attribute file or the image folder is missing (names the
            file and the fetch command).
        ValueError: for an unknown split.
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {sorted(_SPLITS)}, got {split!r}")
    root = Path(root).expanduser()
    folder = root if root.name == "celeba" and not (root / "celeba").is_dir() else root / "celeba"
    attr_file = folder / "list_attr_celeba.txt"
    if not attr_file.is_file():
        raise _missing(attr_file, folder.parent, who)
    image_dir = folder / "img_align_celeba"
    if not image_dir.is_dir():
        raise _missing(image_dir, folder.parent, who)
    names, files, values = read_attributes(attr_file)
    keep = split_mask(folder / "list_eval_partition.txt", files, split)
    return image_dir, names, [f for f, k in zip(files, keep.tolist()) if k], values[keep]


def load_face(path: str | os.PathLike, resolution: int) -> torch.Tensor:
    """One aligned CelebA face: centre crop 178 x 178 (smaller images to their shorter side),
    then resize to ``resolution``, as in StarGAN's and SDIT's released code.

    Returns:
        (3, R, R) float32 in [-1, 1].
    """
    import torch.nn.functional as F
    from torchvision.transforms.functional import center_crop

    from companion.data.folders import read_image

    x = read_image(path)  # (3, H, W) in [-1, 1]
    side = min(178, *x.shape[-2:])  # 178 x 178 of the aligned 178 x 218 faces
    x = center_crop(x, [side, side])
    size = (resolution, resolution)
    return F.interpolate(x[None], size=size, mode="bilinear", antialias=True)[0].clamp_(-1, 1)


class CelebADomains(Dataset):
    """CelebA faces labelled by which of the chosen attributes they have.

    Samples are ``{"x": (3, R, R) float32 in [-1, 1], "y": int64 domain, "factors":
    {"domain": int64, "attributes": (40,) int64 of 0/1}}``. Images go through
    :func:`load_face` (centre crop 178 x 178, resize).

    Args:
        root: the folder holding ``celeba/`` (or the ``celeba`` folder itself).
        split: "train", "val" or "test" by ``list_eval_partition.txt`` (see
            :func:`split_mask`).
        resolution: output side R.
        attributes: the attribute columns that define the domains, in domain order.
        overlap: ``"drop"`` leaves out images with several chosen attributes (disjoint
            domains); ``"first"`` gives them the first one listed.

    Raises:
        FileNotFoundError: if the attribute file or an image folder is missing.
        ValueError: for an unknown attribute, split or overlap rule.

    Attributes:
        domains: the attribute names, in domain order.
        counts: (D,) images per domain in this split.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        resolution: int = 128,
        attributes: tuple[str, ...] | list[str] = SDIT_ATTRIBUTES,
        overlap: str = "drop",
    ):
        if overlap not in ("drop", "first"):
            raise ValueError(f"overlap must be 'drop' or 'first', got {overlap!r}")
        self.image_dir, names, files, values = read_celeba(root, split)
        unknown = [a for a in attributes if a not in names]
        if unknown:
            raise ValueError(f"unknown CelebA attributes {unknown}; the file has {names}")
        chosen = values[:, [names.index(a) for a in attributes]].bool()  # (N, D)
        keep = chosen.sum(1) == 1 if overlap == "drop" else chosen.any(1)
        self.domains, self.resolution = list(attributes), resolution
        self.files = [f for f, k in zip(files, keep.tolist()) if k]
        self.labels = chosen[keep].int().argmax(1)  # the first chosen attribute
        self.attributes = values[keep].long()
        self.counts = torch.bincount(self.labels, minlength=len(attributes))

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict[str, Any]:
        x = load_face(self.image_dir / self.files[index], self.resolution)
        y = self.labels[index].long()
        return {"x": x, "y": y, "factors": {"domain": y, "attributes": self.attributes[index]}}


class CelebAUnpaired(Dataset):
    """Unpaired CelebA: A the faces with ``attribute`` (value 1), B the faces without it.

    MISO's "Male ↔ Female" (seed paper 001, Sec. 4.1: "CelebA (Liu et al., 2015) consisting of
    facial images with annotations. We separated all the images into two domains, male and
    female.") is ``attribute="Male"``: A male, B female. The paper trains at "128×128" (Sec. 4)
    and states no split, crop or test set; we use CelebA's official partition
    (``list_eval_partition.txt``) and StarGAN's crop (:func:`load_face`; Table 2 compares with
    StarGAN), and leave out flips.

    The sample contract is :class:`~companion.data.folders.UnpairedFolders`': sample ``i`` is
    A face ``i mod |A|`` and, as in CycleGAN, a B face drawn at random (torch's global
    generator) for "train", ``i mod |B|`` otherwise; length ``max(|A|, |B|)``. Samples are
    ``{"a", "b": (3, R, R) float32 in [-1, 1], "factors": {"index_a", "index_b": int64}}``,
    indices into :attr:`files_a` and :attr:`files_b`.

    Args:
        root: the folder holding ``celeba/`` (or the ``celeba`` folder itself).
        split: "train", "val" or "test" (see :func:`split_mask`).
        resolution: output side R.
        attribute: the column that splits the faces.
        direction: "AtoB", or "BtoA" to take the sources ``a`` from the faces without it.
        random_b: draw B at random (default: for "train").

    Raises:
        FileNotFoundError: if the attribute file or the image folder is missing (names the
            file and ``companion data fetch celeba --root DIR``).
        ValueError: for an unknown attribute, split or direction, or a split in which one
            side has no face.

    Attributes:
        files_a, files_b: image file names of the source and target sides, in file order.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        resolution: int = 128,
        attribute: str = "Male",
        direction: str = "AtoB",
        random_b: bool | None = None,
    ):
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
        self.image_dir, names, files, values = read_celeba(root, split, "CelebA unpaired faces")
        if attribute not in names:
            raise ValueError(f"unknown CelebA attribute {attribute!r}; the file has {names}")
        has = values[:, names.index(attribute)].bool().tolist()
        self.files_a = [f for f, h in zip(files, has) if h]
        self.files_b = [f for f, h in zip(files, has) if not h]
        if not self.files_a or not self.files_b:
            raise ValueError(
                f"CelebA split {split!r} has {len(self.files_a)} faces with {attribute} and "
                f"{len(self.files_b)} without; unpaired translation needs both"
            )
        if direction == "BtoA":
            self.files_a, self.files_b = self.files_b, self.files_a
        self.attribute, self.direction, self.resolution = attribute, direction, resolution
        self.random_b = split == "train" if random_b is None else random_b

    def __len__(self) -> int:
        return max(len(self.files_a), len(self.files_b))

    def __getitem__(self, index: int) -> dict[str, Any]:
        ia = index % len(self.files_a)
        nb = len(self.files_b)
        ib = int(torch.randint(nb, ())) if self.random_b else index % nb
        return {
            "a": load_face(self.image_dir / self.files_a[ia], self.resolution),
            "b": load_face(self.image_dir / self.files_b[ib], self.resolution),
            "factors": {"index_a": torch.tensor(ia), "index_b": torch.tensor(ib)},
        }
