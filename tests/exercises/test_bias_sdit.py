"""Chapter 9's checkers accept the references and name each common mistake."""

import pytest
import torch

from companion.exercises import check_conditional_instance_norm, check_semantic_constraint
from companion.nets.adain import adaptive_instance_norm


def test_cin_checker_accepts_the_reference_and_diagnoses_mistakes(capsys):
    check_conditional_instance_norm(lambda e, y, g, b: adaptive_instance_norm(e, g[y], b[y]))
    assert "correct on 3 cases" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="first sample's row"):
        check_conditional_instance_norm(
            lambda e, y, g, b: adaptive_instance_norm(
                e, g[y[:1]].expand(len(y), -1), b[y[:1]].expand(len(y), -1)
            )
        )
    with pytest.raises(AssertionError, match="swapped"):
        check_conditional_instance_norm(lambda e, y, g, b: adaptive_instance_norm(e, b[y], g[y]))
    with pytest.raises(AssertionError, match="over the batch"):
        check_conditional_instance_norm(
            lambda e, y, g, b: (
                g[y][..., None, None]
                * (e - e.mean((0, 2, 3), keepdim=True))
                / e.var((0, 2, 3), keepdim=True, unbiased=False).add(1e-5).sqrt()
                + b[y][..., None, None]
            )
        )


def test_semantic_checker_accepts_the_reference_and_rejects_gradient_leaks(capsys):
    def reference(h, a, b_fake):
        with torch.no_grad():
            target = h(a)
        return (h(b_fake) - target).abs().mean()

    check_semantic_constraint(reference)
    assert "gradient into G(a, z) only" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="gradient reached a"):
        check_semantic_constraint(lambda h, a, b: (h(b) - h(a)).abs().mean())
    with pytest.raises(AssertionError, match="squared"):
        check_semantic_constraint(lambda h, a, b: (h(b) - h(a).detach()).pow(2).mean())
    with pytest.raises(AssertionError, match="no gradient reached b_fake"):
        check_semantic_constraint(lambda h, a, b: (h(b).detach() - h(a).detach()).abs().mean())
