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

from companion.nets.conditional import conditional_batch_norm_state

__all__ = ["SOURCE_METHODS", "copy_weights", "load_source", "widen_source"]

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


def widen_source(
    source: Mapping[str, torch.Tensor], num_classes: int, head: Mapping[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """An unconditional source's state dict, made ready for a class-conditional model.

    TransferGAN's unconditional -> conditional transfer (Sec. 2.4.1): every class's
    ``(gamma, beta)`` of the generator's batch norms starts as a copy of the source's (and
    shares its running statistics), and the critic's auxiliary classifier head, which the
    source does not have, keeps the new model's own random start ``head``.

    Args:
        source: the source method's state dict (``checkpoint["method"]``), keys ``"G."``/``"D."``.
        num_classes: the target's number of classes K.
        head: the new critic's ``classify`` state dict (stored under ``"D.classify."``).

    Returns:
        A new state dict whose ``"G."`` entries have K-row norm parameters.
    """
    g_state = {k: v for k, v in source.items() if k.startswith("G.")}
    widened = conditional_batch_norm_state(g_state, num_classes)
    rest = {k: v for k, v in source.items() if k not in g_state}
    return widened | rest | {f"D.classify.{k}": v for k, v in head.items()}
