"""Mutual-information estimation: variational bounds, critics and samplers with known MI.

``bounds`` holds the estimators (each a function of critic scores returning a ``Bound``),
``critics`` the networks T(x, y), ``gaussian`` and ``samplers`` the closed-form test beds,
``staircase`` the Poole et al. (2019) benchmark built from them, and ``estimation`` the
one-call :func:`estimate` for two arrays::

    from companion import mi
    result = mi.estimate(x, y, bound="infonce", steps=1000)  # x, y: (N, D) arrays
    print(f"I(X; Y) >= {result.nats:.2f} nats")
"""

from companion.mi.bounds import (
    MINE,
    Bound,
    ba_lower_bound,
    dv_lower_bound,
    infonce_lower_bound,
    jsd_lower_bound,
    jsd_nwj_lower_bound,
    mine_lower_bound,
    nwj_lower_bound,
    pair_scores,
    shuffle_pairs,
    smile_lower_bound,
)
from companion.mi.critics import (
    ConcatCritic,
    ConvEncoder,
    EncoderCritic,
    GaussianPosteriorCritic,
    SeparableCritic,
    gaussian_optimal_critic,
    mlp,
)
from companion.mi.estimation import BOUNDS, MIEstimate, estimate, estimate_sampled
from companion.mi.gaussian import (
    gaussian_entropy,
    gaussian_mi,
    gaussian_pmi,
    mi_staircase,
    rho_from_mi,
    sample_correlated_gaussian,
)
from companion.mi.samplers import GaussianPairs, PairSampler, cube
from companion.mi.staircase import (
    ESTIMATORS,
    StaircaseConfig,
    StaircaseResult,
    run_staircase,
    staircase_table,
)
from companion.mi.variational import (
    ba_gap,
    categorical_ba_lower_bound,
    categorical_log_likelihood,
    discrete_ba_lower_bound,
    discrete_mi,
    gaussian_ba_lower_bound,
    gaussian_log_likelihood,
    laplace_ba_lower_bound,
    laplace_log_likelihood,
    uniform_entropy,
)

__all__ = [
    "BOUNDS",
    "ESTIMATORS",
    "MINE",
    "Bound",
    "ConcatCritic",
    "ConvEncoder",
    "EncoderCritic",
    "GaussianPairs",
    "GaussianPosteriorCritic",
    "MIEstimate",
    "PairSampler",
    "SeparableCritic",
    "StaircaseConfig",
    "StaircaseResult",
    "ba_gap",
    "ba_lower_bound",
    "categorical_ba_lower_bound",
    "categorical_log_likelihood",
    "cube",
    "discrete_ba_lower_bound",
    "discrete_mi",
    "dv_lower_bound",
    "estimate",
    "estimate_sampled",
    "gaussian_ba_lower_bound",
    "gaussian_entropy",
    "gaussian_log_likelihood",
    "gaussian_mi",
    "gaussian_optimal_critic",
    "gaussian_pmi",
    "infonce_lower_bound",
    "jsd_lower_bound",
    "jsd_nwj_lower_bound",
    "laplace_ba_lower_bound",
    "laplace_log_likelihood",
    "mi_staircase",
    "mine_lower_bound",
    "mlp",
    "nwj_lower_bound",
    "rho_from_mi",
    "run_staircase",
    "sample_correlated_gaussian",
    "pair_scores",
    "shuffle_pairs",
    "smile_lower_bound",
    "staircase_table",
    "uniform_entropy",
]
