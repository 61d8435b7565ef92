"""Exact scores of a translator on the ``toyvec`` domains (Chapter 5.2).

Every score reads the outputs with the dataset's exact probe (:meth:`ToyVectors.probe`), so
none needs a learned network: diversity against the real data's, whether one code gives one
style across sources, whether the source's content survives, how real the outputs are.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from companion.data.synthetic.toyvec import ToyVectors

__all__ = ["toyvec_scores"]


def _pairwise_l1(x: torch.Tensor) -> torch.Tensor:
    """Mean per-coordinate L1 over the ordered pairs of each row's K items: (S, K, C) -> (S,)."""
    k = x.shape[1]
    d = (x[:, :, None] - x[:, None]).abs().mean(-1)  # (S, K, K)
    return d.sum((1, 2)) / (k * (k - 1))


def _linear_r2(x: torch.Tensor, y: torch.Tensor) -> float:
    """R^2 of the least-squares affine fit of ``y`` (M, 2) from ``x`` (M, 2)."""
    design = torch.cat([x, torch.ones_like(x[:, :1])], 1)  # (M, 3)
    fit = design @ torch.linalg.lstsq(design, y).solution  # (M, 2)
    return 1 - ((fit - y) ** 2).sum().item() / ((y - y.mean(0)) ** 2).sum().item()


@torch.no_grad()
def toyvec_scores(
    translate: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    test: ToyVectors,
    z_dim: int,
    *,
    n_sources: int = 200,
    k: int = 10,
    seed: int = 0,
) -> dict[str, float]:
    """Scores of ``translate(a, z)`` (A to B) on ``n_sources`` test sources x ``k`` codes.

    The same ``k`` codes ``z ~ N(0, I)`` are used for every source, so styles can be compared
    across sources for one code.

    Args:
        translate: maps sources (N, 16, 1, 1) and codes (N, D) to outputs (N, 16, 1, 1).
        test: the dataset whose first ``n_sources`` samples are the sources.
        z_dim: D, the code size.
        n_sources, k: sources and codes per source.
        seed: seed of the codes.

    Returns:
        ``diversity``: mean L1 between the ``k`` outputs of a source, divided by the L1
        between two real B vectors with the same content and independent styles (1 = as
        diverse as the data; 0 = the code is ignored); ``modes``: distinct style modes among
        the ``k`` outputs (of 4; uniform picks give 4 (1 - 0.75^k)); ``consistency``: the
        style's variance across sources for one code over its variance across codes for one
        source (0: a code is a style; about 1 or more: it is not); ``content_r2``: R^2 of the
        source's content from the output's by an affine map (1: kept; an unpaired translator
        may reflect or swap the content axes, which the map absorbs); ``residual``: mean
        manifold residual of the outputs (0 for real B vectors).

    Example:
        >>> test = ToyVectors(split="test", size=64)
        >>> s = toyvec_scores(lambda a, z: a, test, 2, n_sources=32, k=4)
        >>> s["diversity"], round(s["content_r2"], 3)
        (0.0, 1.0)
    """
    g = torch.Generator().manual_seed(seed)
    batch = test.batch(range(2 * n_sources))
    a = batch["a"][:n_sources]
    content = batch["factors"]["a"]["content"][:n_sources]  # (S, 2)
    codes = torch.randn(k, z_dim, generator=g)  # (K, D): the same codes for every source
    outs = torch.stack([translate(a, z.expand(n_sources, -1)) for z in codes], 1)  # (S, K, C, 1, 1)
    probe = test.probe(outs.flatten(0, 1), "b")
    style = probe["style"].view(n_sources, k, 2)  # (S, K, 2)
    modes = probe["mode"].view(n_sources, k)
    styles_b = batch["factors"]["b"]["style"]  # (2S, 2): real styles, drawn independently
    real_1 = test.render(content, styles_b[:n_sources], "b")
    real_2 = test.render(content, styles_b[n_sources:], "b")
    reference = (real_1 - real_2).abs().mean().item()
    source_c = content.double()[:, None].expand(-1, k, -1).reshape(-1, 2)  # (S K, 2)
    return {
        "diversity": _pairwise_l1(outs.flatten(2).double()).mean().item() / reference,
        "modes": sum(len(set(m.tolist())) for m in modes) / n_sources,
        "consistency": (style.var(0).sum(-1).mean() / style.var(1).sum(-1).mean()).item(),
        "content_r2": _linear_r2(probe["content"], source_c),
        "residual": probe["residual"].mean().item(),
    }
