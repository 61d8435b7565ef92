"""Source models for the transfer methods: read a pretrained checkpoint, copy its networks.

TransferGAN (Chapter 7) and MineGAN start from a WGAN-GP trained by :func:`companion.train.fit`
(a ``transfergan`` run from scratch, or a ``dcgan`` run with ``gan_loss="wgan-gp"``). Methods may
not import the trainer, so the checkpoint is read here, weights only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

__all__ = ["SOURCE_METHODS", "copy_weights", "load_source"]

SOURCE_METHODS = ("transfergan", "dcgan")
"""Methods whose checkpoints are WGAN-GP sources (a DCGAN only with ``gan_loss="wgan-gp"``)."""


def load_source(path: str | Path) -> dict[str, Any]:
    """Read a source checkpoint written by :func:`companion.train.fit` (weights only).

    Args:
        path: ``checkpoint.pt`` or the run folder holding it.

    Returns:
        The checkpoint: ``method_name``, ``config`` (a dict) and ``method`` (the state dict).

    Raises:
        FileNotFoundError: if there is no checkpoint at ``path``.
        ValueError: if it was written by a method that is not a WGAN-GP source.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "checkpoint.pt"
    if not path.is_file():
        raise FileNotFoundError(
            f"no source checkpoint at {path}; train one first, e.g. 'companion train "
            "transfergan --set transfer_g=false --set transfer_d=false --out RUN'"
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    name = state.get("method_name") if isinstance(state, Mapping) else None
    if name not in SOURCE_METHODS:
        raise ValueError(
            f"{path} holds a {name!r} model; a source model is a 'transfergan' or "
            "'dcgan' (gan_loss='wgan-gp') checkpoint"
        )
    if name == "dcgan" and state["config"].get("gan_loss") != "wgan-gp":
        raise ValueError(
            f"{path} is a dcgan with gan_loss={state['config'].get('gan_loss')!r}, whose "
            "critic uses batch norm; train the source with --set gan_loss=wgan-gp"
        )
    return state


def copy_weights(
    net: torch.nn.Module,
    source: Mapping[str, torch.Tensor],
    prefix: str,
    fields: tuple[str, ...] = (),
) -> None:
    """Load the ``prefix``-ed entries of a source state dict into ``net``, checking shapes.

    Args:
        net: the network to initialise.
        source: a method's state dict (``checkpoint["method"]``).
        prefix: the network's key prefix in ``source``, e.g. ``"G."``.
        fields: the config fields that fix the architecture (named in the error).

    Raises:
        ValueError: naming the first parameter whose presence or shape differs.
    """
    own = net.state_dict()
    theirs = {k[len(prefix) :]: v for k, v in source.items() if k.startswith(prefix)}
    for key in sorted(set(own) | set(theirs)):
        mine, src = own.get(key), theirs.get(key)
        if mine is None or src is None or mine.shape != src.shape:
            have = None if mine is None else tuple(mine.shape)
            got = None if src is None else tuple(src.shape)
            raise ValueError(
                f"the source's {prefix}{key} has shape {got}, this model's {have}: the "
                f"architectures differ; use the source's {', '.join(fields) or 'config'}"
            )
    net.load_state_dict(theirs)
