"""CelebA as attribute domains: one domain per chosen column of ``list_attr_celeba.txt``.

SDIT (seed thesis 003, Sec. 6.5.1) trains one generator for several CelebA attributes. Its
generator takes a single domain index, so this loader makes the domains disjoint: an image
belongs to domain ``i`` when it has attribute ``i`` (value 1) and, by default, none of the other
chosen ones; images with none of them are left out (see ``overlap``). Read offline from the
files ``companion data fetch celeba --root DIR`` puts in ``DIR/celeba/`` (torchvision's
layout); only the attribute file, the partition file and the images are read, and no checksum.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

__all__ = ["SDIT_ATTRIBUTES", "CelebADomains", "read_attributes"]

SDIT_ATTRIBUTES = ("Bangs", "Blond_Hair", "Brown_Hair", "Young", "Male")
"""The five attributes of the thesis' ablation (Table 6.1, Fig. 6.3)."""

_SPLITS = {"train": 0, "val": 1, "test": 2}


def _missing(path: Path, root: Path) -> FileNotFoundError:
    return FileNotFoundError(
        f"CelebA attribute domains need {path}, which is missing; fetch CelebA with "
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


class CelebADomains(Dataset):
    """CelebA faces labelled by which of the chosen attributes they have.

    Samples are ``{"x": (3, R, R) float32 in [-1, 1], "y": int64 domain, "factors":
    {"domain": int64, "attributes": (40,) int64 of 0/1}}``. Images are centre-cropped to
    178 x 178 (smaller images to their shorter side) and resized, as in StarGAN and SDIT's
    released code.

    Args:
        root: the folder holding ``celeba/`` (or the ``celeba`` folder itself).
        split: "train", "val" or "test" by ``list_eval_partition.txt``; without that file,
            the last 2,000 listed images are "test" (the thesis leaves out 2,000) and the
            rest "train".
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
        if split not in _SPLITS:
            raise ValueError(f"split must be one of {sorted(_SPLITS)}, got {split!r}")
        if overlap not in ("drop", "first"):
            raise ValueError(f"overlap must be 'drop' or 'first', got {overlap!r}")
        root = Path(root).expanduser()
        folder = (
            root if root.name == "celeba" and not (root / "celeba").is_dir() else root / "celeba"
        )
        attr_file = folder / "list_attr_celeba.txt"
        if not attr_file.is_file():
            raise _missing(attr_file, folder.parent)
        self.image_dir = folder / "img_align_celeba"
        if not self.image_dir.is_dir():
            raise _missing(self.image_dir, folder.parent)
        names, files, values = read_attributes(attr_file)
        unknown = [a for a in attributes if a not in names]
        if unknown:
            raise ValueError(f"unknown CelebA attributes {unknown}; the file has {names}")
        in_split = self._split_mask(folder / "list_eval_partition.txt", files, split)
        chosen = values[:, [names.index(a) for a in attributes]].bool()  # (N, D)
        keep = in_split & (chosen.sum(1) == 1 if overlap == "drop" else chosen.any(1))
        self.domains, self.resolution = list(attributes), resolution
        self.files = [f for f, k in zip(files, keep.tolist()) if k]
        self.labels = chosen[keep].int().argmax(1)  # the first chosen attribute
        self.attributes = values[keep].long()
        self.counts = torch.bincount(self.labels, minlength=len(attributes))

    @staticmethod
    def _split_mask(path: Path, files: list[str], split: str) -> torch.Tensor:
        if path.is_file():
            part = dict(line.split() for line in path.read_text().splitlines() if line.strip())
            return torch.tensor([int(part.get(f, -1)) == _SPLITS[split] for f in files])
        test = torch.arange(len(files)) >= len(files) - 2000
        return test if split == "test" else ~test if split == "train" else test & False

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict[str, Any]:
        import torch.nn.functional as F
        from torchvision.transforms.functional import center_crop

        from companion.data.folders import read_image

        x = read_image(self.image_dir / self.files[index])  # (3, H, W) in [-1, 1]
        side = min(178, *x.shape[-2:])  # 178 x 178 of the aligned 178 x 218 faces
        x = center_crop(x, [side, side])
        x = F.interpolate(x[None], size=(self.resolution,) * 2, mode="bilinear", antialias=True)[
            0
        ].clamp_(-1, 1)
        y = self.labels[index].long()
        return {"x": x, "y": y, "factors": {"domain": y, "attributes": self.attributes[index]}}
