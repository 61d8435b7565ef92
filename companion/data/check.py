"""Find every bad image of a dataset before training does: ``companion data check NAME``.

Two depths:

- :func:`check_headers` reads each file's header only (PIL's lazy open: size and mode, no
  pixels). The folder datasets run it when they are opened, so a non-image, an unsupported mode
  or an odd-width A|B file fails at once, naming the file, not when its batch comes up.
- :func:`check_dataset` decodes every file of every split once, as training would, and lists all
  problems: unreadable or truncated files, modes or values :func:`read_image` refuses, A|B files
  of odd width. Sizes that differ within a folder are listed as notes: the loaders resize every
  image to a ``load_size`` square, so they load, but a stray size often means a stray file.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import shlex
import sys
from pathlib import Path

from companion.data.folders import (
    SUPPORTED_MODES,
    image_files,
    missing_dataset_error,
    odd_width_message,
    read_image,
    unreadable_message,
    unsupported_mode_message,
)
from companion.data.registry import REGISTRY, expected_layout

__all__ = ["DatasetCheck", "check_dataset", "check_headers", "header_problem"]


def header_problem(path: str | os.PathLike, *, paired: bool = False) -> str | None:
    """What is wrong with an image file, from its header alone; None if nothing.

    Reads the header (PIL's lazy open decodes no pixels): a file PIL cannot identify, a mode
    :func:`read_image` does not convert, or, for a pix2pix A|B file (``paired``), an odd width.
    Truncated pixel data and out-of-range ``I``/``F`` values need :func:`check_dataset`.

    Example:
        >>> import tempfile; from PIL import Image
        >>> path = Path(tempfile.mkdtemp()) / "ab.png"
        >>> Image.new("RGB", (33, 16)).save(path)
        >>> header_problem(path, paired=True).endswith("two equal halves side by side (width 2W)")
        True
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            mode, (width, _) = img.mode, img.size
    except (UnidentifiedImageError, OSError) as err:
        return unreadable_message(path, err)
    if mode not in SUPPORTED_MODES:
        return unsupported_mode_message(path, mode)
    if paired and width % 2:
        return odd_width_message(path, width)
    return None


def _check_command(name: str, root: str | os.PathLike) -> str:
    return f"`companion data check {shlex.quote(name)} --root {shlex.quote(str(root))}`"


def check_headers(files: list[Path], *, paired: bool, name: str, root: str | os.PathLike) -> None:
    """Refuse a file list if any header is bad (see :func:`header_problem`).

    Args:
        files: the image files of a dataset.
        paired: whether they are pix2pix A|B files (whose width must be even).
        name: the dataset's name, for the message.
        root: the folder holding the dataset folder, for the message.

    Raises:
        ValueError: naming the first bad file, how many more there are, and the command that
            lists them all.
    """
    problems = [p for p in (header_problem(f, paired=paired) for f in files) if p is not None]
    if not problems:
        return
    more = len(problems) - 1
    listed = (
        f"; {more} more file(s) have problems: list them all with {_check_command(name, root)}"
        if more and name in REGISTRY
        else ""
    )
    raise ValueError(problems[0] + listed)


@dataclasses.dataclass
class DatasetCheck:
    """What :func:`check_dataset` found.

    Attributes:
        name: the dataset's name.
        path: the dataset folder checked.
        files: how many image files were decoded.
        problems: one line per file that training would fail on (or per empty folder).
        notes: one line per folder whose images differ in size (they load, resized).
    """

    name: str
    path: Path
    files: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no problem (notes do not count)."""
        return not self.problems

    def summary(self) -> str:
        """One line: how many files, how many problems."""
        found = f"{len(self.problems)} problem(s)" if self.problems else "no problems"
        notes = f", {len(self.notes)} note(s)" if self.notes else ""
        return f"checked {self.files} images of {self.name} in {self.path}: {found}{notes}"


def _dataset_folders(name: str, path: Path) -> list[tuple[Path, bool]]:
    """The image folders of dataset ``name`` at ``path`` that exist, each with ``paired``."""
    layout = REGISTRY[name].layout
    if layout == "scenenet_rgbd":  # SPLIT/SHARD/TRAJECTORY/{photo,depth,class13}
        kinds = ("photo", "depth", "class13")
        return [(d, False) for d in sorted(path.glob("*/*/*/*")) if d.name in kinds]
    if layout == "paired_ab":
        return [(path / s, True) for s in ("train", "val", "test") if (path / s).is_dir()]
    if layout == "unpaired":
        sides = ("trainA", "trainB", "testA", "testB")
        return [(path / s, False) for s in sides if (path / s).is_dir()]
    folders = []
    for split in ("train", "val", "test"):
        if (path / split).is_dir():
            folders += [
                (d, False)
                for d in sorted((path / split).iterdir())
                if d.is_dir() and not d.name.startswith(".") and d.name != "__MACOSX"
            ]
    return folders


def _size_note(folder: Path, sizes: dict[Path, tuple[int, int]]) -> str | None:
    counts = collections.Counter(sizes.values())
    if len(counts) < 2:
        return None
    (w, h), n = counts.most_common(1)[0]
    others = [f"{p.name} {pw}x{ph}" for p, (pw, ph) in sizes.items() if (pw, ph) != (w, h)]
    shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    return (
        f"{folder}: {len(counts)} image sizes; {n} of {len(sizes)} are {w}x{h}, the others "
        f"{shown} (all are resized to a square, so other aspect ratios are stretched)"
    )


def check_dataset(
    name: str, root: str | os.PathLike, *, progress: bool | None = None
) -> DatasetCheck:
    """Decode every image of dataset ``name`` once and list every problem.

    ``root`` is the folder holding ``NAME/`` (as for ``load_dataset``), or the dataset folder
    itself. Every split folder that exists is read (pix2pix ``train``/``val``/``test``,
    CycleGAN ``trainA``/``trainB``/``testA``/``testB``, StarGAN v2 ``SPLIT/DOMAIN``); hidden
    files such as macOS's ``._*`` are skipped, as the loaders skip them.

    Args:
        name: a registry dataset read from image folders (not a synthetic or torchvision one).
        root: the folder holding the dataset.
        progress: show a tqdm bar on stderr (default: only when stderr is a terminal).

    Returns:
        A :class:`DatasetCheck`; ``problems`` is empty when every file loads.

    Raises:
        ValueError: for a name that is not a registry dataset of image folders.
        FileNotFoundError: if none of the dataset's folders exists (names the fetch command).

    Example:
        >>> import tempfile; from PIL import Image
        >>> root = Path(tempfile.mkdtemp()); (root / "facades" / "train").mkdir(parents=True)
        >>> Image.new("RGB", (32, 16)).save(root / "facades" / "train" / "1.png")
        >>> _ = (root / "facades" / "train" / "2.jpg").write_bytes(b"<html>")
        >>> report = check_dataset("facades", root, progress=False)
        >>> report.files, report.problems[0].startswith("cannot read image")
        (2, True)
    """
    from tqdm.auto import tqdm

    info = REGISTRY.get(name)
    folder_layouts = ("paired_ab", "unpaired", "domains", "scenenet_rgbd")
    if info is None or info.layout not in folder_layouts:
        reason = (
            "no files to check"
            if info is None
            else "torchvision reads and checks its files"
            if info.layout.startswith("torchvision")
            else "not image folders: its loader reads its files"
        )
        readable = sorted(n for n, i in REGISTRY.items() if i.layout in folder_layouts)
        raise ValueError(f"cannot check {name!r} ({reason}); check one of {', '.join(readable)}")
    root = Path(root).expanduser()
    path = root if root.name == name and not (root / name).is_dir() else root / name
    folders = _dataset_folders(name, path)
    if not folders:
        raise missing_dataset_error(path, expected_layout(name, str(path.parent)), name)
    report = DatasetCheck(name, path)
    files = {folder: image_files(folder) for folder, _ in folders}
    report.problems += [f"{folder}: no image files" for folder, f in files.items() if not f]
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=sum(map(len, files.values())), unit="file", desc=name, disable=not show) as bar:
        for folder, paired in folders:
            sizes = {}
            for f in files[folder]:
                bar.update()
                try:
                    x = read_image(f)  # (3, H, W)
                except (RuntimeError, ValueError) as err:
                    report.problems.append(str(err))
                    continue
                h, w = x.shape[-2:]
                sizes[f] = (w, h)
                if paired and w % 2:
                    report.problems.append(odd_width_message(f, w))
            note = _size_note(folder, sizes)
            if note:
                report.notes.append(note)
    report.files = sum(map(len, files.values()))
    return report
