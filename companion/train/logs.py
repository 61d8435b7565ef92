"""What a run leaves to read: ``history.jsonl``, TensorBoard scalars and grids, a progress bar.

The history is one JSON record per logged step. On resume it is rewritten from the checkpoint's
copy, so a run that logged past its last checkpoint and was killed does not repeat those steps
when it resumes; a curve drawn from the file is the curve of one uninterrupted run.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

__all__ = ["HISTORY_NAME", "RunLog", "progress_bar"]

log = logging.getLogger(__name__)

HISTORY_NAME = "history.jsonl"


class RunLog:
    """The history file and TensorBoard writer of one run folder (rank 0 only).

    Args:
        out: the run folder, or None to record in memory only.
    """

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self.writer: Any = None
        self._created: list[Path] = []

    def open(self, history: Sequence[Mapping[str, float]]) -> None:
        """Start writing: ``history.jsonl`` rewritten to hold exactly ``history``."""
        if self.out is None:
            return
        if not self.out.exists():
            self._created.append(self.out)
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / HISTORY_NAME
        if not path.exists():
            self._created.append(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("".join(json.dumps(dict(r)) + "\n" for r in history))
        tmp.replace(path)
        tb = self.out / "tb"
        if not tb.exists():
            self._created.append(tb)
        self.writer = _summary_writer(tb)

    def record(self, record: Mapping[str, float]) -> None:
        """Append one record (with its ``step``) to the history file and TensorBoard."""
        if self.out is None:
            return
        with open(self.out / HISTORY_NAME, "a") as f:
            f.write(json.dumps(dict(record)) + "\n")
        if self.writer is not None:
            for key, value in record.items():
                if key != "step":
                    self.writer.add_scalar(key, value, record["step"])

    def images(self, images: torch.Tensor | None, step: int) -> None:
        """Log a grid of images (N, C, H, W) in [-1, 1] as TensorBoard's ``preview``."""
        if self.writer is None or images is None:
            return
        from torchvision.utils import make_grid

        grid = make_grid(images.detach().float().cpu(), nrow=8, normalize=True, value_range=(-1, 1))
        self.writer.add_image("preview", grid, step)

    def close(self) -> None:
        """Flush and close the TensorBoard writer."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def discard(self) -> None:
        """Remove what this run created (for a run that failed before its first checkpoint)."""
        self.close()
        for path in reversed(self._created):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        self._created.clear()


def _summary_writer(log_dir: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard is a dependency, but keep training if it is broken
        log.warning("tensorboard is not importable; no event files will be written")
        return None
    return SummaryWriter(log_dir=str(log_dir))


def progress_bar(show: bool | None, *, initial: int, total: int, desc: str) -> Any:
    """A tqdm bar from ``initial`` to ``total``, or None; ``show=None``: when stderr is a TTY."""
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, dynamic_ncols=True)
