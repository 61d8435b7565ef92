"""SceneNet RGB-D read from a local folder: RGB, depth and segmentation of one view.

The mix-and-match thesis chapter (Wang 2020, Sec. 4.6.1) runs its main experiments and its
ablations on SceneNet RGB-D (McCormac et al. 2017), and the authors' code reads its trajectory
folders, so that is the layout read here. SceneNet RGB-D publishes, per trajectory,
``photo/<frame>.jpg`` (320 x 240 RGB), ``depth/<frame>.png`` (unsigned 16-bit, millimetres,
the ray length from the camera) and ``instance/<frame>.png`` (instance ids). Semantic labels
are not published as images: the instance ids map to the 13 NYUv2 classes through the
trajectory's protobuf, which pySceneNetRGBD's ``convert_instance2class.py`` does. This loader
reads the result from ``class13/<frame>.png`` (8-bit, 0 Unknown, 1 Bed, ..., 13 Window;
:data:`NYU13_CLASSES`), next to ``photo/`` and ``depth/``. Layout under the root::

    ROOT/scenenet_rgbd/{train,val}/<shard>/<trajectory>/photo/<frame>.jpg
    ROOT/scenenet_rgbd/{train,val}/<shard>/<trajectory>/depth/<frame>.png
    ROOT/scenenet_rgbd/{train,val}/<shard>/<trajectory>/class13/<frame>.png

What comes out, chosen here because the thesis does not say (Sec. 4.6.1 and the digest's
C.10): every image is resized to ``resolution`` x ``resolution`` (the thesis's networks take
256 x 256; 320 x 240 is stretched), RGB bilinearly, depth and labels by nearest neighbour.
Depth is mapped linearly to [-1, 1] by ``2 min(d / max_depth, 1) - 1`` with ``d`` in metres and
``max_depth`` 10 m (:func:`depth_to_metres` undoes it); a 0 (no return) stays -1. Label 0
(Unknown) becomes -1, which the method's cross-entropy and the mIoU leave out; classes 1-13
keep their numbers, so the 14 output channels of the thesis's segmentation decoder match and
channel 0 is never a target, as in the authors' code, which masks Unknown.

Zero-pair split (Sec. 4.6.1: "two equal non-overlapping splits from different videos"): the
trajectories of a split, in sorted order, alternate between D_RS (even positions: RGB and
segmentation kept) and D_RD (odd positions: RGB and depth kept). Sample ``i`` is frame ``i`` of
D_RS and frame ``i`` of D_RD (a trajectory's frames are those with a label file), with the
keys of :class:`~companion.data.synthetic.scenes.ZeroPairScenes`. With ``zero_pair=False``
(the default for "val" and "test") sample ``i`` is one whole triplet, for scoring the unseen
pair.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from companion.data.folders import read_image
from companion.data.registry import dataset_info, expected_layout

__all__ = [
    "NYU13_CLASSES",
    "SceneNetRGBD",
    "depth_to_metres",
]

NYU13_CLASSES = (
    "Unknown", "Bed", "Books", "Ceiling", "Chair", "Floor", "Furniture", "Objects", "Picture",
    "Sofa", "Table", "TV", "Wall", "Window",
)  # fmt: skip
"""Label ``k`` of a ``class13`` PNG is ``NYU13_CLASSES[k]`` (pySceneNetRGBD's NYU_13_CLASSES)."""


_DEPTH_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_LABEL_MODES = ("L", "P")


def depth_to_metres(depth: torch.Tensor, max_depth: float = 10.0) -> torch.Tensor:
    """Undo the loader's depth scaling: [-1, 1] back to metres in [0, ``max_depth``].

    Example:
        >>> depth_to_metres(torch.tensor([-1.0, 0.0, 1.0])).tolist()
        [0.0, 5.0, 10.0]
    """
    return (depth + 1) * (max_depth / 2)


def _missing(message: str, dest: Path) -> FileNotFoundError:
    """The error for missing SceneNet RGB-D files: what, the layout, how to get the data."""
    layout = expected_layout("scenenet_rgbd", str(dest.parent))
    how = dataset_info("scenenet_rgbd").remedy(dest.parent)
    return FileNotFoundError(f"{message}; expected layout: {layout}. {how}.")


class SceneNetRGBD(Dataset):
    """SceneNet RGB-D triplets, or zero-pair samples of two disjoint halves (see the module).

    Samples (images float32 in [-1, 1], labels int64 with -1 for Unknown):

    - zero-pair: ``rs_rgb`` (3, R, R), ``rs_seg`` (R, R), ``rd_rgb`` (3, R, R),
      ``rd_depth`` (1, R, R);
    - triplets: ``rgb`` (3, R, R), ``depth`` (1, R, R), ``seg`` (R, R).

    Each also holds ``factors``: the frame number(s) as int64.

    Args:
        root: the dataset folder (``ROOT/scenenet_rgbd``).
        split: the sub-folder to read ("train", "val" or "test").
        resolution: output side R.
        zero_pair: zero-pair samples (default: for "train" only).
        max_depth: metres that map to 1 (farther depth is clipped).

    Raises:
        FileNotFoundError: if the split, a trajectory's ``photo``/``depth``/``class13`` folder
            or one frame's file is missing (names it, the layout and how to get the data).
        ValueError: if a zero-pair split has fewer than two trajectories.

    Example:
        >>> ds = SceneNetRGBD("tests/fixtures/datasets/scenenet_rgbd", resolution=16)
        >>> len(ds), sorted(k for k in ds[0] if k != "factors")
        (2, ['rd_depth', 'rd_rgb', 'rs_rgb', 'rs_seg'])
    """

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        resolution: int = 256,
        *,
        zero_pair: bool | None = None,
        max_depth: float = 10.0,
    ) -> None:
        self.root, self.split, self.resolution = Path(root), split, resolution
        self.max_depth = max_depth
        self.zero_pair = split == "train" if zero_pair is None else zero_pair
        folder = self.root / split
        trajectories = sorted(
            (t for t in folder.glob("*/*") if t.is_dir() and not t.name.startswith(".")),
            key=lambda t: (_number(t.parent.name), _number(t.name)),
        )
        if not trajectories:
            held = sorted(p.name for p in self.root.iterdir()) if self.root.is_dir() else []
            what = f"no trajectory folder in {folder}" + (
                f" ({self.root} holds {', '.join(held[:8])})" if held else ""
            )
            raise _missing(what, self.root)
        self.trajectories = [(t, self._frames(t)) for t in trajectories]
        if self.zero_pair:
            if len(trajectories) < 2:
                raise ValueError(
                    f"{folder} holds one trajectory; a zero-pair split needs two or more (one "
                    "half keeps RGB and segmentation, the other RGB and depth)"
                )
            self.rs = [(t, f) for t, fs in self.trajectories[0::2] for f in fs]  # D_RS
            self.rd = [(t, f) for t, fs in self.trajectories[1::2] for f in fs]  # D_RD
            self.size = min(len(self.rs), len(self.rd))
        else:
            self.views = [(t, f) for t, fs in self.trajectories for f in fs]
            self.size = len(self.views)

    def _frames(self, trajectory: Path) -> list[int]:
        """The frames of ``trajectory`` that have labels (sorted), each with photo and depth.

        A frame is used when ``class13/<frame>.png`` exists, so labelling only some frames (the
        thesis samples one frame in 30) selects them.
        """
        for sub in ("photo", "depth", "class13"):
            if not (trajectory / sub).is_dir():
                hint = " (labels made from instance/ with pySceneNetRGBD)" * (sub == "class13")
                raise _missing(f"{trajectory} has no {sub}/ folder{hint}", self.root)
        labels = trajectory / "class13"
        frames = sorted(int(p.stem) for p in labels.glob("*.png") if p.stem.isdigit())
        if not frames:
            raise _missing(f"no <frame>.png in {labels}", self.root)
        for f in frames:
            for path in (trajectory / "photo" / f"{f}.jpg", trajectory / "depth" / f"{f}.png"):
                if not path.is_file():
                    raise _missing(f"{path} is missing", self.root)
        return frames

    def __len__(self) -> int:
        return self.size

    def _resize(self, x: torch.Tensor, mode: str) -> torch.Tensor:
        """(C, H, W) to (C, R, R): bilinear with antialiasing, or nearest."""
        r = self.resolution
        if tuple(x.shape[-2:]) == (r, r):
            return x
        if mode == "nearest":
            return F.interpolate(x[None].float(), size=(r, r), mode="nearest")[0].to(x.dtype)
        y = F.interpolate(x[None], size=(r, r), mode="bilinear", antialias=True)[0]
        return y.clamp_(-1, 1)

    def rgb(self, trajectory: Path, frame: int) -> torch.Tensor:
        """(3, R, R) float32 in [-1, 1]."""
        return self._resize(read_image(trajectory / "photo" / f"{frame}.jpg"), "bilinear")

    def depth(self, trajectory: Path, frame: int) -> torch.Tensor:
        """(1, R, R) float32 in [-1, 1]: ``2 min(d / max_depth, 1) - 1``, d in metres."""
        path = trajectory / "depth" / f"{frame}.png"
        mm = _read_array(path, _DEPTH_MODES, "depth maps are 16-bit PNGs (mode I;16)")
        metres = torch.from_numpy(mm.astype(np.float32) / 1000.0)[None]  # (1, H, W)
        return self._resize(2 * (metres / self.max_depth).clamp(max=1.0) - 1, "nearest")

    def seg(self, trajectory: Path, frame: int) -> torch.Tensor:
        """(R, R) int64: NYU-13 classes 1-13, -1 for Unknown (label 0)."""
        path = trajectory / "class13" / f"{frame}.png"
        labels = _read_array(path, _LABEL_MODES, "labels are 8-bit PNGs (mode L)")
        labels = labels.astype(np.int64)
        if labels.max(initial=0) >= len(NYU13_CLASSES):
            raise ValueError(
                f"{path} holds label {labels.max()}; class13 labels lie in 0..13 (NYU-13)"
            )
        labels[labels == 0] = -1
        return self._resize(torch.from_numpy(labels)[None], "nearest")[0]

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not -self.size <= index < self.size:
            raise IndexError(f"index {index} out of range for {self.size} samples")
        index %= self.size
        if not self.zero_pair:
            t, f = self.views[index]
            return {
                "rgb": self.rgb(t, f),
                "depth": self.depth(t, f),
                "seg": self.seg(t, f),
                "factors": {"frame": torch.tensor(f)},
            }
        (ts, fs), (td, fd) = self.rs[index], self.rd[index]
        return {
            "rs_rgb": self.rgb(ts, fs),
            "rs_seg": self.seg(ts, fs),
            "rd_rgb": self.rgb(td, fd),
            "rd_depth": self.depth(td, fd),
            "factors": {"rs_frame": torch.tensor(fs), "rd_frame": torch.tensor(fd)},
        }


def _number(name: str) -> tuple[int, str]:
    """Sort key: numeric folder names in numeric order, others after them by name."""
    return (int(name), "") if name.isdigit() else (1 << 62, name)


def _read_array(path: Path, modes: tuple[str, ...], expected: str) -> np.ndarray:
    """A single-channel PNG as a numpy array, refusing other modes (names the file)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            if img.mode not in modes:
                raise ValueError(f"{path} has image mode {img.mode}; SceneNet RGB-D {expected}")
            return np.asarray(img).copy()
    except (UnidentifiedImageError, OSError) as err:
        raise RuntimeError(f"cannot read image {path}: {err}; delete or replace the file") from err
