"""Chapter 8's checkers accept the references, agree with the metrics, and name each mistake."""

import pytest
import torch

from companion.exercises import (
    check_delta_accuracy,
    check_latent_consistency,
    check_miou,
    check_unseen_translations,
    unseen_translations,
)
from companion.exercises.zero_pair import _delta1, _depth_cases, _matrix_cases, _miou
from companion.metrics import depth_scores, segmentation_scores


def test_references_agree_with_the_package_metrics():
    for _, (matrix,) in _matrix_cases():
        assert float(_miou(matrix)) == pytest.approx(segmentation_scores(matrix)["miou"])
    for _, (pred, target) in _depth_cases():
        assert float(_delta1(pred, target)) == pytest.approx(depth_scores(pred, target)["delta1"])
    assert float(_miou(torch.tensor([[1.0, 1.0], [0.0, 2.0]]))) == pytest.approx(7 / 12)


def _iou(m):
    tp = m.diagonal()
    return tp / (m.sum(0) + m.sum(1) - tp)


def test_miou_checker_accepts_the_answer_and_names_mistakes(capsys):
    check_miou(lambda m: _iou(m).nanmean())
    assert "correct on 4 cases" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="counts as IoU 0"):
        check_miou(lambda m: _iou(m).nan_to_num(0.0).mean())
    with pytest.raises(AssertionError, match="mean per-class accuracy"):
        check_miou(lambda m: (m.diagonal() / m.sum(1)).nanmean())
    with pytest.raises(AssertionError, match="global accuracy"):
        check_miou(lambda m: m.trace() / m.sum())
    with pytest.raises(AssertionError, match="disagrees with the reference"):  # Dice, not IoU
        check_miou(lambda m: (2 * m.diagonal() / (m.sum(0) + m.sum(1))).nanmean())


def test_delta_checker_accepts_the_answer_and_names_mistakes(capsys):
    def delta(p, g):
        keep = g > 0
        return (torch.maximum(p[keep] / g[keep], g[keep] / p[keep]) < 1.25).float().mean()

    check_delta_accuracy(delta)
    assert "correct on 4 cases" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="only pred / target"):
        check_delta_accuracy(lambda p, g: (p[g > 0] / g[g > 0] < 1.25).float().mean())
    with pytest.raises(AssertionError, match="target 0"):
        check_delta_accuracy(
            lambda p, g: ((torch.maximum(p / g, g / p) < 1.25) & (g > 0)).float().mean()
        )
    with pytest.raises(AssertionError, match="relative error"):
        check_delta_accuracy(
            lambda p, g: ((p[g > 0] - g[g > 0]).abs() / g[g > 0] < 0.25).float().mean()
        )


def test_routing_checker_accepts_the_answer_and_names_mistakes(capsys):
    check_unseen_translations(unseen_translations)
    assert "11 colours: 90 unseen" in capsys.readouterr().out

    def once(modalities, seen):  # each unseen pair in one direction only
        return [(a, b) for a, b in unseen_translations(modalities, seen) if a < b]

    def one_way(modalities, seen):  # the reverse of a seen pair counted as unseen
        return sorted(
            (a, b) for a in modalities for b in modalities if a != b and (a, b) not in seen
        )

    def with_autoencoders(modalities, seen):
        return unseen_translations(modalities, seen) + [(m, m) for m in modalities]

    with pytest.raises(AssertionError, match="appears once"):
        check_unseen_translations(once)
    with pytest.raises(AssertionError, match="reverse direction"):
        check_unseen_translations(one_way)
    with pytest.raises(AssertionError, match="autoencoder"):
        check_unseen_translations(with_autoencoders)
    with pytest.raises(AssertionError, match="return a list"):
        check_unseen_translations(lambda modalities, seen: 2)


def test_latent_checker_accepts_the_answer_and_rejects_leaks(capsys):
    check_latent_consistency(lambda h_rgb, h: (h - h_rgb.detach()).pow(2).mean())
    assert "gradient into h_other only" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="gradient reached h_rgb"):
        check_latent_consistency(lambda h_rgb, h: (h - h_rgb).pow(2).mean())
    with pytest.raises(AssertionError, match="L1"):
        check_latent_consistency(lambda h_rgb, h: (h - h_rgb.detach()).abs().mean())
    with pytest.raises(AssertionError, match="per-sample L2 norms"):
        check_latent_consistency(
            lambda h_rgb, h: (h - h_rgb.detach()).flatten(1).norm(dim=1).mean()
        )
    with pytest.raises(AssertionError, match="no gradient reached h_other"):
        check_latent_consistency(lambda h_rgb, h: (h.detach() - h_rgb.detach()).pow(2).mean())
