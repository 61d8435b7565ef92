"""The MI staircase of Poole et al. (2019): every estimator trained on samples of known MI.

Protocol (Poole et al. 2019, Sec. 4 and Fig. 2; the ``paper`` preset): x and y in 20
dimensions with per-coordinate correlation rho chosen so that I(X; Y) = 2, 4, 6, 8, 10 nats,
each level held for 4000 steps; batch 64; Adam, learning rate 5e-4; separable or concatenated
critics (ReLU MLPs, 2 hidden layers of 256 units, embedding 32). Each estimator trains its own
critic on the same batches; the estimate of each step is read on that step's training batch,
as in the paper's figure.

The critics of all score-based estimators are one ensemble network (``num_critics`` independent
weight slices, one batched matmul per layer), so the whole staircase is one loop; Adam works
elementwise and the losses touch disjoint slices, so this equals training each critic with its
own optimizer.

The data come from any :class:`companion.mi.PairSampler` (default: the equal-correlation
Gaussians of ``cfg.dim`` dimensions); :class:`companion.mi.GaussianPairs` also gives
per-coordinate correlations and invertible maps of y such as ``y -> y^3``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Literal

import torch
from torch import Tensor

from companion.config import PresetConfig
from companion.mi.bounds import (
    Bound,
    ba_lower_bound,
    dv_lower_bound,
    infonce_lower_bound,
    jsd_lower_bound,
    jsd_nwj_lower_bound,
    mine_lower_bound,
    nwj_lower_bound,
    smile_lower_bound,
)
from companion.mi.critics import (
    ConcatCritic,
    EnsembleLinear,
    GaussianPosteriorCritic,
    SeparableCritic,
)
from companion.mi.gaussian import mi_staircase
from companion.mi.samplers import GaussianPairs, PairSampler

__all__ = [
    "ESTIMATORS",
    "StaircaseConfig",
    "StaircaseResult",
    "run_staircase",
    "staircase_table",
]

ESTIMATORS = ("infonce", "nwj", "jsd", "dv", "mine", "smile", "ba")
"""Estimators of the staircase. ``jsd`` is Poole et al.'s "JS": a critic trained with the JSD
bound, MI read out with NWJ; ``smile`` uses ``smile_tau``; ``ba`` learns a Gaussian q(x | y)."""


@dataclasses.dataclass(frozen=True)
class StaircaseConfig(PresetConfig):
    """Settings of the staircase; the defaults are Poole et al. (2019)'s protocol."""

    name = "mi_staircase"

    dim: int = 20  # Poole et al. Sec. 4: 20-dimensional Gaussians (the default sampler's D)
    levels: tuple[float, ...] = (2.0, 4.0, 6.0, 8.0, 10.0)  # nats, Fig. 2
    steps_per_level: int = 4000  # Poole et al.: 20k iterations over 5 levels
    batch_size: int = 64  # Poole et al.: batch 64, so InfoNCE saturates at log 64 = 4.16
    lr: float = 5e-4  # Poole et al.: Adam, learning rate 5e-4
    critic: Literal["separable", "concat"] = "separable"  # Poole et al.: both
    hidden: int = 256  # Poole et al.: 2 hidden layers of 256 units, ReLU
    layers: int = 2
    embed: int = 32  # Poole et al.: separable embedding dimension 32
    estimators: tuple[str, ...] = ESTIMATORS
    smile_tau: float = 5.0  # Song & Ermon 2020: tau = 5 trades bias for variance
    mine_decay: float = 0.99  # MINE's code: moving-average rate 0.01
    seed: int = 0

    @classmethod
    def cpu(cls) -> StaircaseConfig:
        """A notebook-sized staircase: 400 steps per level."""
        return dataclasses.replace(cls.paper(), steps_per_level=400)

    @classmethod
    def smoke(cls) -> StaircaseConfig:
        """A seconds-long staircase for tests: 20 steps per level, small critics."""
        return dataclasses.replace(
            cls.paper(), steps_per_level=20, hidden=32, embed=8, levels=(2.0, 4.0)
        )


@dataclasses.dataclass
class StaircaseResult:
    """Per-step record of a staircase run.

    Attributes:
        true_mi: (S,) float64, the true MI of each step in nats.
        estimates: estimator name -> (S,) float64 estimate of each step in nats.
        jsd_bce: (S,) float64 value of the JSD bound (SEGAN Eq. (5), in [-2 log 2, 0]) of the
            ``jsd`` critic, or None when ``jsd`` was not trained.
        config: the config that produced it.
        seconds: wall-clock time of the training loop.
        sampler: the sampler that drew the data (None where a result was rebuilt from a file).
    """

    true_mi: Tensor
    estimates: dict[str, Tensor]
    jsd_bce: Tensor | None
    config: StaircaseConfig
    seconds: float
    sampler: PairSampler | None = None


def _check_config(cfg: StaircaseConfig) -> None:
    unknown = [e for e in cfg.estimators if e not in ESTIMATORS]
    if unknown or not cfg.estimators:
        raise ValueError(
            f"unknown or empty estimators {cfg.estimators!r}; choose from {ESTIMATORS}"
        )
    if cfg.critic not in ("separable", "concat"):
        raise ValueError(f"critic must be 'separable' or 'concat', got {cfg.critic!r}")
    if cfg.batch_size < 2:
        raise ValueError(
            f"batch_size must be >= 2 for off-diagonal negatives, got {cfg.batch_size}"
        )


def _seeded_generator(seed: int, estimator: str) -> torch.Generator:
    """A generator for one estimator's critic, so its initialisation ignores the others."""
    return torch.Generator().manual_seed(1_000_003 * (seed + 1) + ESTIMATORS.index(estimator))


def _score_critics(
    cfg: StaircaseConfig, names: list[str], dim_x: int, dim_y: int
) -> torch.nn.Module:
    """One ensemble critic with a slice per estimator, each slice seeded by its name."""
    if cfg.critic == "separable":
        critic = SeparableCritic(
            dim_x, dim_y, cfg.hidden, cfg.embed, cfg.layers, num_critics=len(names)
        )
    else:
        critic = ConcatCritic(dim_x, dim_y, cfg.hidden, cfg.layers, num_critics=len(names))
    layers = [m for m in critic.modules() if isinstance(m, EnsembleLinear)]
    with torch.no_grad():
        for k, name in enumerate(names):
            generator = _seeded_generator(cfg.seed, name)
            for layer in layers:
                bound = 1.0 / math.sqrt(layer.weight.shape[1])
                layer.weight[k].uniform_(-bound, bound, generator=generator)
                layer.bias[k].uniform_(-bound, bound, generator=generator)
    return critic


def _ba_critic(cfg: StaircaseConfig, dim_x: int, dim_y: int) -> GaussianPosteriorCritic:
    critic = GaussianPosteriorCritic(dim_x, dim_y, cfg.hidden, cfg.layers)
    generator = _seeded_generator(cfg.seed, "ba")
    with torch.no_grad():
        for layer in critic.modules():
            if isinstance(layer, torch.nn.Linear):  # nn.Linear's default distribution, seeded
                bound = 1.0 / math.sqrt(layer.in_features)
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-bound, bound, generator=generator)
    return critic


def _score_bound(name: str, scores: Tensor, cfg: StaircaseConfig, state: dict) -> Bound:
    if name == "infonce":
        return infonce_lower_bound(scores)
    if name == "nwj":
        return nwj_lower_bound(scores)
    if name == "jsd":
        return jsd_nwj_lower_bound(scores)
    if name == "dv":
        return dv_lower_bound(scores)
    if name == "smile":
        return smile_lower_bound(scores, cfg.smile_tau)
    if name == "mine":
        bound = mine_lower_bound(scores, state.get("mine"), cfg.mine_decay)
        state["mine"] = bound.state
        return bound
    raise NotImplementedError(f"no score bound for estimator {name!r}")


def run_staircase(
    cfg: StaircaseConfig,
    device: torch.device | str = "cpu",
    sampler: PairSampler | None = None,
) -> StaircaseResult:
    """Train one critic per estimator along the MI staircase and record every step's estimate.

    Every estimator sees the same batches; its critic's initialisation depends only on
    ``cfg.seed`` and its name, so a run of a subset of ``ESTIMATORS`` (e.g. one per process)
    reproduces the same numbers as the full run.

    Args:
        cfg: the protocol (``StaircaseConfig.from_preset()`` for the current preset). Data and
            critics are drawn from ``torch.Generator``s seeded by ``cfg.seed``; no global RNG
            is touched.
        device: where the critics train (the caller chooses; batches are drawn on the CPU so
            the numbers do not depend on it beyond floating-point noise).
        sampler: a :class:`companion.mi.PairSampler`, called as ``sampler(mi, batch_size,
            generator)`` for each step's level; None for ``GaussianPairs(cfg.dim)``, Poole et
            al.'s equal-correlation Gaussians. The ``ba`` estimator needs ``sampler.entropy_x``.

    Returns:
        :class:`StaircaseResult` with the per-step true MI and estimates (nats).

    Raises:
        ValueError: on an unknown estimator or critic, batch_size < 2, or ``ba`` with a sampler
            whose H(X) is unknown.

    Example:
        >>> cfg = StaircaseConfig.smoke().with_overrides({"estimators": ("infonce", "nwj")})
        >>> result = run_staircase(cfg)
        >>> sorted(result.estimates), tuple(result.true_mi.shape)
        (['infonce', 'nwj'], (40,))
        >>> heavy = run_staircase(cfg, sampler=GaussianPairs(5, transform=torch.sinh))
        >>> tuple(heavy.estimates["nwj"].shape)
        (40,)
    """
    _check_config(cfg)
    sampler = GaussianPairs(cfg.dim) if sampler is None else sampler
    names = [e for e in cfg.estimators if e != "ba"]
    use_ba = "ba" in cfg.estimators
    if use_ba and getattr(sampler, "entropy_x", None) is None:
        raise ValueError(
            f"the 'ba' estimator needs H(X) in closed form, but sampler {sampler!r} has "
            "entropy_x = None; drop 'ba' from cfg.estimators"
        )
    true_mi = mi_staircase(cfg.levels, cfg.steps_per_level)
    data_gen = torch.Generator().manual_seed(cfg.seed)
    modules = torch.nn.ModuleList()
    if names:
        critic = _score_critics(cfg, names, sampler.dim_x, sampler.dim_y)
        modules.append(critic)
    if use_ba:
        ba_critic = _ba_critic(cfg, sampler.dim_x, sampler.dim_y)
        modules.append(ba_critic)
    modules.to(device)
    optimizer = torch.optim.Adam(modules.parameters(), lr=cfg.lr, fused=True)
    record = torch.empty(len(cfg.estimators), len(true_mi), dtype=torch.float64)
    jsd_bce = torch.empty(len(true_mi), dtype=torch.float64) if "jsd" in names else None
    state: dict = {}
    start = time.perf_counter()
    for step, mi in enumerate(true_mi.tolist()):
        x, y = sampler(mi, cfg.batch_size, data_gen)  # (N, D_x), (N, D_y); I(X; Y) = mi nats
        x, y = x.to(device), y.to(device)
        bounds = {}
        if names:
            scores = critic(x, y)  # (E, N, N), one score matrix per estimator
            for k, name in enumerate(names):
                bounds[name] = _score_bound(name, scores[k], cfg, state)
            if jsd_bce is not None:
                jsd_bce[step] = jsd_lower_bound(scores[names.index("jsd")].detach()).estimate
        if use_ba:
            bounds["ba"] = ba_lower_bound(ba_critic.score_pairs(x, y), sampler.entropy_x)
        optimizer.zero_grad(set_to_none=True)
        torch.stack([b.loss for b in bounds.values()]).sum().backward()
        optimizer.step()
        record[:, step] = torch.stack([bounds[e].estimate.detach() for e in cfg.estimators]).cpu()
    seconds = time.perf_counter() - start
    estimates = {e: record[k] for k, e in enumerate(cfg.estimators)}
    return StaircaseResult(true_mi, estimates, jsd_bce, cfg, seconds, sampler)


def staircase_table(result: StaircaseResult, fraction: float = 0.5) -> list[dict[str, float]]:
    """Bias, variance and MSE of each estimator at each level, over the level's last steps.

    Args:
        result: a :class:`StaircaseResult`.
        fraction: share of each level's steps (its end) that enter the statistics, in (0, 1];
            0.5 skips the first half, where the critic is still adapting to the new level.

    Returns:
        One row per (estimator, level): ``{"estimator", "true_mi", "mean", "median", "bias",
        "variance", "mse"}``, all in nats (variance and MSE in nats^2). ``bias`` is
        ``mean - true_mi``; for the estimators whose batch values are heavy-tailed (NWJ, MINE,
        the JSD read-out at high MI) a few steps dominate the mean, and ``median - true_mi``
        is the typical error.

    Raises:
        ValueError: if fraction is outside (0, 1].

    Example:
        >>> cfg = StaircaseConfig.smoke().with_overrides({"estimators": ("infonce",)})
        >>> rows = staircase_table(run_staircase(cfg))
        >>> [row["true_mi"] for row in rows]
        [2.0, 4.0]
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    cfg = result.config
    steps = cfg.steps_per_level
    first = steps - max(1, round(fraction * steps))
    rows = []
    for name, series in result.estimates.items():
        per_level = series.view(len(cfg.levels), steps)[:, first:]  # (L, S')
        for level, values in zip(cfg.levels, per_level):
            mean = values.mean().item()
            variance = values.var(unbiased=False).item()
            bias = mean - level
            rows.append(
                {
                    "estimator": name,
                    "true_mi": float(level),
                    "mean": mean,
                    "median": values.median().item(),
                    "bias": bias,
                    "variance": variance,
                    "mse": bias**2 + variance,
                }
            )
    return rows
