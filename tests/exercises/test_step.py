"""Chapter 10's checkers accept the references and name each common mistake."""

import pytest
import torch

from companion.exercises import check_gram_matrix, check_stage_schedule, check_triplet_margin_loss
from companion.losses import gram_matrix, triplet_margin_loss


def _flat(f):
    return f.reshape(f.shape[0], f.shape[1], -1)


def test_gram_checker_accepts_the_reference_and_diagnoses_mistakes(capsys):
    check_gram_matrix(gram_matrix)
    assert "correct on 4 cases" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="1 / \\(C H W\\) is missing"):
        check_gram_matrix(lambda f: _flat(f) @ _flat(f).transpose(1, 2))
    with pytest.raises(AssertionError, match="H W only"):
        check_gram_matrix(lambda f: _flat(f) @ _flat(f).transpose(1, 2) / (f.shape[2] * f.shape[3]))
    with pytest.raises(AssertionError, match="shape"):  # the positions' Gram, (N, HW, HW)
        check_gram_matrix(lambda f: _flat(f).transpose(1, 2) @ _flat(f) / f[0].numel())


def test_triplet_checker_accepts_the_reference_and_diagnoses_mistakes(capsys):
    check_triplet_margin_loss(triplet_margin_loss)
    assert "correct on 4 cases" in capsys.readouterr().out

    def d(u, v):
        return (u - v).pow(2).sum(1)

    with pytest.raises(AssertionError, match="not squared"):
        check_triplet_margin_loss(
            lambda a, p, n, m: torch.relu(d(a, p).sqrt() - d(a, n).sqrt() + m).mean()
        )
    with pytest.raises(AssertionError, match="hinge"):
        check_triplet_margin_loss(lambda a, p, n, m: (d(a, p) - d(a, n) + m).mean())
    with pytest.raises(AssertionError, match="summed"):
        check_triplet_margin_loss(lambda a, p, n, m: torch.relu(d(a, p) - d(a, n) + m).sum())
    with pytest.raises(AssertionError, match="margin is subtracted"):
        check_triplet_margin_loss(lambda a, p, n, m: torch.relu(d(a, p) - d(a, n) - m).mean())
    with pytest.raises(AssertionError, match="swapped"):
        check_triplet_margin_loss(lambda a, p, n, m: torch.relu(d(a, n) - d(a, p) + m).mean())


def test_stage_checker_accepts_the_reference_and_diagnoses_mistakes(capsys):
    def reference(step, n1, n2):
        return 1 if step < n1 else (2 if step < n1 + n2 else 3)

    check_stage_schedule(reference)
    assert "correct on" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="use <, not <="):
        check_stage_schedule(lambda s, n1, n2: 1 if s <= n1 else (2 if s <= n1 + n2 else 3))
    with pytest.raises(AssertionError, match="not stage2_steps"):
        check_stage_schedule(lambda s, n1, n2: 1 if s < n1 else (2 if s < n2 else 3))
    with pytest.raises(AssertionError, match="Stage 3 never starts"):
        check_stage_schedule(lambda s, n1, n2: 1 if s < n1 else 2)
    with pytest.raises(AssertionError, match="plain int"):
        check_stage_schedule(lambda s, n1, n2: float(reference(s, n1, n2)))
