"""Every checker's promises at once: each listed mistake is named, and small errors are caught.

- Each diagnosis a checker lists fires when a student's function makes exactly that mistake (the
  lists are read from the checkers themselves, so a diagnosis added later is covered too, and
  one shadowed by an earlier entry fails here).
- Each checker accepts its reference and rejects the reference plus an error of 1e-3 (absolute,
  relative, and in the gradient alone) as a disagreement, not as one of the listed mistakes.
- The messages the per-chapter tests do not reach.
"""

import math

import pytest
import torch
import torch.nn.functional as F

import companion.exercises.jsd_estimator as jsd_estimator
import companion.exercises.mode_collapse as mode_collapse
import companion.exercises.mutual_information as mutual_information
import companion.exercises.segan as segan
from companion.exercises import (
    check_infonce_lower_bound,
    check_jsd_bound_at_optimum,
    check_jsd_lower_bound,
    check_kl_to_standard_normal,
    check_mode_seeking_ratio,
    check_nwj_lower_bound,
    check_reparameterize,
    check_segan_jsd_loss,
    check_segan_pairs,
)
from companion.losses import kl_to_standard_normal, mode_seeking_ratio, scale_gradient
from companion.mi import infonce_lower_bound, jsd_lower_bound, nwj_lower_bound


def _reparameterize(mu, logvar, eps):
    return mu + (0.5 * logvar).exp() * eps


def _optimum(p):
    q = p.sum(1, keepdim=True) * p.sum(0, keepdim=True)
    return torch.xlogy(p, p / (p + q)).sum() + torch.xlogy(q, q / (p + q)).sum()


def _segan_loss(T, b_hat_1, b_hat_2, z_1, lambda_mi, g_factor=1.0):
    scale = lambda_mi * g_factor
    b_1, b_2 = scale_gradient(b_hat_1, scale), scale_gradient(b_hat_2, scale)
    return jsd_lower_bound(T(b_1, z_1), T(b_2, z_1)).loss


# checker, its module, the reference it must accept, and whether it checks gradients
CHECKERS = {
    "kl": (check_kl_to_standard_normal, mode_collapse, kl_to_standard_normal, True),
    "reparameterize": (check_reparameterize, mode_collapse, _reparameterize, True),
    "mode_seeking": (check_mode_seeking_ratio, mode_collapse, mode_seeking_ratio, True),
    "jsd": (
        check_jsd_lower_bound,
        jsd_estimator,
        lambda t, t_m: jsd_lower_bound(t, t_m).estimate,
        True,
    ),
    "jsd_optimum": (check_jsd_bound_at_optimum, jsd_estimator, _optimum, False),
    "nwj": (
        check_nwj_lower_bound,
        mutual_information,
        lambda s: nwj_lower_bound(s).estimate,
        True,
    ),
    "infonce": (
        check_infonce_lower_bound,
        mutual_information,
        lambda s: infonce_lower_bound(s).estimate,
        True,
    ),
}


def _listed_mistakes(name, monkeypatch):
    """The (diagnosis, wrong function) list that checker ``name`` tries, read from the checker."""
    checker, module, reference, _ = CHECKERS[name]
    if module is mutual_information:
        return {"nwj": module._nwj_mistakes, "infonce": module._infonce_mistakes}[name]()
    seen = []
    real = module.check_cases

    def spy(fn, name, cases, ref, mistakes, *args, **kwargs):
        seen.append(mistakes)
        return real(fn, name, cases, ref, mistakes, *args, **kwargs)

    monkeypatch.setattr(module, "check_cases", spy)
    checker(reference)
    monkeypatch.undo()
    (mistakes,) = seen
    return mistakes


def _all_diagnoses():
    cases = []
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in CHECKERS:
            for i, (diagnosis, _) in enumerate(_listed_mistakes(name, monkeypatch)):
                cases.append(pytest.param(name, i, id=f"{name}-{i}-{diagnosis[:30]}"))
    cases += [
        pytest.param("segan_loss", i, id=f"segan_loss-{i}-{d[:30]}")
        for i, (d, _) in enumerate(segan._loss_mistakes())
    ]
    return cases


@pytest.mark.parametrize(("name", "i"), _all_diagnoses())
def test_every_listed_mistake_gets_its_own_diagnosis(name, i, monkeypatch, capsys):
    if name == "segan_loss":
        checker, mistakes = check_segan_jsd_loss, segan._loss_mistakes()
    else:
        checker, mistakes = CHECKERS[name][0], _listed_mistakes(name, monkeypatch)
    diagnosis, mistake = mistakes[i]
    with pytest.raises(AssertionError) as err:
        checker(mistake)
    assert diagnosis in str(err.value)


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_reference_passes_and_an_error_of_1e_3_fails(name, capsys):
    checker, _, reference, gradients = CHECKERS[name]
    checker(reference)
    assert "correct on" in capsys.readouterr().out

    def shifted(*args):
        return reference(*args) + 1e-3

    def stretched(*args):
        return reference(*args) * (1 + 1e-3)

    for wrong in (shifted, stretched):
        with pytest.raises(AssertionError, match="disagrees with the reference"):
            checker(wrong)
    if gradients:

        def bent(*args):  # the right value, a gradient 1e-3 off in the first argument
            return reference(*args) + 1e-3 * (args[0] - args[0].detach()).sum()

        with pytest.raises(AssertionError, match="right value but the wrong gradient"):
            checker(bent)


def test_segan_loss_rejects_an_error_of_1e_3_in_the_value_or_a_gradient():
    with pytest.raises(AssertionError, match="disagrees.*: the value differ"):
        check_segan_jsd_loss(lambda *args: _segan_loss(*args) + 1e-3)
    with pytest.raises(AssertionError, match="disagrees.*: G's gradient differ"):
        check_segan_jsd_loss(lambda *args: _segan_loss(*args, g_factor=1 + 1e-3))

    def t_gradient_off(T, b_hat_1, b_hat_2, z_1, lambda_mi):
        loss = _segan_loss(T, b_hat_1, b_hat_2, z_1, lambda_mi)
        t_only = _segan_loss(T, b_hat_1.detach(), b_hat_2.detach(), z_1, lambda_mi)
        return loss + 1e-3 * (t_only - t_only.detach())  # T's gradient 1e-3 larger, G's right

    with pytest.raises(AssertionError, match=": T's gradient differ"):
        check_segan_jsd_loss(t_gradient_off)


def test_segan_pairs_reject_an_error_of_1e_3():
    with pytest.raises(AssertionError, match="negative 0 holds a code or an image made from none"):
        check_segan_pairs(lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_1, G(a, z_2) + 1e-3))
    with pytest.raises(AssertionError, match="positive 0 is a pair of tensors that are not G's"):
        check_segan_pairs(lambda G, a, z_1, z_2: (z_1 + 1e-3, G(a, z_1), z_1, G(a, z_2)))


# Messages no per-chapter test reached, fed a student's version of the mistake. ---------------


def test_nwj_joint_term_over_all_entries_is_named():
    def nwj(scores):
        off = scores[~torch.eye(len(scores), dtype=torch.bool)]
        return scores.mean() - (off - 1).exp().mean()

    with pytest.raises(AssertionError, match="joint term averages all entries"):
        check_nwj_lower_bound(nwj)


def test_infonce_without_the_positive_in_the_denominator_is_named():
    def infonce(scores):
        n = len(scores)
        negatives = scores.masked_fill(torch.eye(n, dtype=torch.bool), -math.inf)
        return math.log(n) + (scores.diagonal() - torch.logsumexp(negatives, dim=1)).mean()

    with pytest.raises(AssertionError, match="must include the positive pair itself"):
        check_infonce_lower_bound(infonce)


def test_bound_checkers_name_a_right_value_with_a_wrong_gradient():
    def nwj(scores):  # the marginal term is computed on detached scores
        off = scores[~torch.eye(len(scores), dtype=torch.bool)].detach()
        return scores.diagonal().mean() - (off - 1).exp().mean()

    with pytest.raises(AssertionError, match="right value but the wrong gradient"):
        check_nwj_lower_bound(nwj)


@pytest.mark.parametrize("checker", [check_nwj_lower_bound, check_infonce_lower_bound])
def test_bound_checkers_name_a_non_number(checker):
    with pytest.raises(AssertionError, match="returned NoneType .*return a 0-d torch.Tensor"):
        checker(lambda scores: None)
    with pytest.raises(AssertionError, match="returned str .*return a 0-d torch.Tensor"):
        checker(lambda scores: "0.5")


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
def test_case_checkers_name_a_non_tensor():
    with pytest.raises(AssertionError, match="returned NoneType on .*; return a tensor"):
        check_kl_to_standard_normal(lambda mu, logvar: None)
    with pytest.raises(AssertionError, match="returned list on .*; return a tensor"):
        check_jsd_lower_bound(lambda t, t_m: [0.0])
    # a plain number is accepted as a value (then fails the gradient check, as a float)
    with pytest.raises(AssertionError, match="without a gradient"):
        check_mode_seeking_ratio(lambda *args: float(mode_seeking_ratio(*args)))


def test_segan_pairs_name_a_non_tensor_among_the_four():
    with pytest.raises(AssertionError, match="returned NoneType as z_marginal; need a tensor"):
        check_segan_pairs(lambda G, a, z_1, z_2: (z_1, G(a, z_1), None, G(a, z_2)))


def test_checkers_accept_float32_answers():
    """Students often work in float32: a correct float32 answer is not a 1e-3 error."""
    check_kl_to_standard_normal(
        lambda mu, logvar: kl_to_standard_normal(mu.float(), logvar.float())
    )
    check_jsd_lower_bound(
        lambda t, t_m: -F.softplus(-t.float()).mean() - F.softplus(t_m.float()).mean()
    )
