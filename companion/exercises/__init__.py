"""Checkers for the book's exercises: a student's function against the package's reference.

Each ``check_<name>(fn)`` calls ``fn`` on a set of known inputs, compares it with the reference
implementation in ``companion``, prints a short confirmation when everything agrees, and raises
``AssertionError`` with a diagnosis when it does not. For frequent mistakes (a missing constant,
the wrong axis, the wrong bound) the message names the mistake instead of only printing numbers.

Modules follow the chapters: :mod:`~companion.exercises.mutual_information` (Chapter 1),
:mod:`~companion.exercises.mode_collapse` (Chapter 2), :mod:`~companion.exercises.jsd_estimator`
and :mod:`~companion.exercises.segan` (Chapter 3), :mod:`~companion.exercises.miso`
(Chapter 5), :mod:`~companion.exercises.transfer` (Chapter 7),
:mod:`~companion.exercises.zero_pair` (Chapter 8), :mod:`~companion.exercises.step` (Chapter 10);
the shared machinery is in ``_common``.

Example:
    >>> from companion.mi import infonce_lower_bound
    >>> check_infonce_lower_bound(lambda s: infonce_lower_bound(s).estimate)  # doctest: +ELLIPSIS
    check_infonce_lower_bound: correct on 8 score matrices ...
"""

from companion.exercises.bias_sdit import (
    check_conditional_instance_norm,
    check_semantic_constraint,
)
from companion.exercises.jsd_estimator import check_jsd_bound_at_optimum, check_jsd_lower_bound
from companion.exercises.miso import check_milo_loss, check_miso_routing, miso_routing
from companion.exercises.mode_collapse import (
    check_kl_to_standard_normal,
    check_mode_seeking_ratio,
    check_reparameterize,
)
from companion.exercises.mutual_information import (
    check_infonce_lower_bound,
    check_nwj_lower_bound,
)
from companion.exercises.one_to_many import check_plugin_mi
from companion.exercises.segan import check_segan_jsd_loss, check_segan_pairs
from companion.exercises.step import (
    check_gram_matrix,
    check_stage_schedule,
    check_triplet_margin_loss,
)
from companion.exercises.transfer import (
    check_mmd2,
    check_selector_probs,
    check_supersample_loss,
)
from companion.exercises.zero_pair import (
    check_delta_accuracy,
    check_latent_consistency,
    check_miou,
    check_unseen_translations,
    unseen_translations,
)

__all__ = [
    "check_conditional_instance_norm",
    "check_delta_accuracy",
    "check_gram_matrix",
    "check_infonce_lower_bound",
    "check_jsd_bound_at_optimum",
    "check_jsd_lower_bound",
    "check_kl_to_standard_normal",
    "check_latent_consistency",
    "check_milo_loss",
    "check_miou",
    "check_miso_routing",
    "check_mmd2",
    "check_mode_seeking_ratio",
    "check_nwj_lower_bound",
    "check_plugin_mi",
    "check_reparameterize",
    "check_selector_probs",
    "check_segan_jsd_loss",
    "check_segan_pairs",
    "check_semantic_constraint",
    "check_stage_schedule",
    "check_supersample_loss",
    "check_triplet_margin_loss",
    "check_unseen_translations",
    "miso_routing",
    "unseen_translations",
]
