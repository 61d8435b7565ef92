"""Drawing many translations per input: the raw material of diversity and mode-coverage metrics.

A conditional method has ``translate(a, z=None) -> b_hat`` and ``code_dim`` (the
:class:`~companion.methods.base.Method` contract); an unconditional one has ``sample(n) -> x``.
These helpers draw codes from N(0, I) with an explicit generator (library code never touches the
global RNG) and lay the outputs out as (N inputs, K samples, C, H, W).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

__all__ = ["method_code_dim", "sample_codes", "sample_translations"]


def method_code_dim(method: Any) -> int:
    """The size D of a method's code: its ``code_dim`` (the Method contract).

    Raises:
        TypeError: if the method has no integer ``code_dim``.
    """
    code_dim = getattr(method, "code_dim", None)
    if isinstance(code_dim, bool) or not isinstance(code_dim, int):
        raise TypeError(
            f"{type(method).__name__} has no integer code_dim; pass codes explicitly or "
            "implement companion.methods.base.Method's contract"
        )
    return code_dim


def sample_codes(
    n: int,
    z_dim: int,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Draw codes z ~ N(0, I).

    Args:
        n: number of codes.
        z_dim: code size D.
        generator: torch generator (CPU); None uses the global one.
        device: where the codes go.

    Returns:
        (n, D) float32.

    Example:
        >>> sample_codes(4, 8, torch.Generator().manual_seed(0)).shape
        torch.Size([4, 8])
    """
    return torch.randn(n, z_dim, generator=generator).to(device)


@contextlib.contextmanager
def _eval_mode(method: Any) -> Iterator[None]:
    """Put an nn.Module in eval mode for the block, restoring its mode after."""
    was_training = getattr(method, "training", None)
    if isinstance(method, torch.nn.Module):
        method.eval()
    try:
        yield
    finally:
        if isinstance(method, torch.nn.Module) and was_training is not None:
            method.train(was_training)


@torch.no_grad()
def sample_translations(
    method: Any,
    a: torch.Tensor,
    n_samples: int | None = None,
    generator: torch.Generator | None = None,
    codes: torch.Tensor | None = None,
    batch_size: int = 256,
) -> torch.Tensor:
    """Translate every input with K codes (in eval mode, without gradients).

    With ``codes=None``, every (input, sample) pair gets its own fresh code; with ``codes`` of shape
    (K, D), the same K codes are used for every input ("synchronized", as in SEGAN Fig. 6), which is
    what style consistency needs.

    Args:
        method: has ``translate(a, z)`` and ``code_dim``.
        a: (N, C, H, W) float in [-1, 1], inputs.
        n_samples: K, when ``codes`` is None.
        generator: for the codes.
        codes: (K, D) shared codes, or None.
        batch_size: images per ``translate`` call.

    Returns:
        (N, K, C', H', W') translations, float in [-1, 1].

    Raises:
        ValueError: if neither ``n_samples`` nor ``codes`` is given.
    """
    n = a.shape[0]
    if codes is None:
        if n_samples is None or n_samples < 1:
            raise ValueError(f"pass n_samples >= 1 or codes, got n_samples={n_samples}")
        k = n_samples
        z = sample_codes(n * k, method_code_dim(method), generator, a.device)  # (N*K, D)
    else:
        k = codes.shape[0]
        z = codes.to(a.device).unsqueeze(0).expand(n, -1, -1).reshape(n * k, -1)  # (N*K, D)
    a_rep = a.unsqueeze(1).expand(n, k, *a.shape[1:]).reshape(n * k, *a.shape[1:])  # (N*K,C,H,W)
    with _eval_mode(method):
        out = [
            method.translate(a_rep[i : i + batch_size], z[i : i + batch_size])
            for i in range(0, n * k, batch_size)
        ]
    b_hat = torch.cat(out)
    return b_hat.reshape(n, k, *b_hat.shape[1:])  # (N, K, C', H', W')
