"""Chapter 7's checkers accept the references and reject plausible wrong answers."""

import pytest
import torch

from companion.exercises import check_mmd2, check_selector_probs, check_supersample_loss
from companion.exercises.transfer import _biased_mmd2, _selector_reference, _unbiased
from companion.losses import mmd2


def test_selector_checker(capsys):
    check_selector_probs(lambda s, w: _selector_reference(s, torch.tensor(w)))
    assert "correct on 4 cases" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="softmax"):
        check_selector_probs(lambda s, w: s[-w:].softmax(-1).mean((0, 1)))
    with pytest.raises(AssertionError, match="without dividing"):
        check_selector_probs(
            lambda s, w: torch.bincount(s[-w:].argmax(-1).flatten(), minlength=s.shape[2])
        )
    with pytest.raises(AssertionError, match="last `window`"):
        check_selector_probs(lambda s, w: _selector_reference(s, torch.tensor(len(s))))
    with pytest.raises(AssertionError, match="disagrees"):  # a uniform guess
        check_selector_probs(lambda s, w: torch.full((s.shape[2],), 1 / s.shape[2]))


def _loss(critic, generators, miners, u, reduce="max"):
    x = torch.stack([g(m(u_i)) for g, m, u_i in zip(generators, miners, u)])  # (N, K, 2)
    scores = critic(x.flatten(0, 1)).view(len(generators), -1).T  # (K, N)
    if reduce == "max":
        return -scores.max(dim=1).values.mean()
    return -scores.mean()


def test_supersample_checker(capsys):
    check_supersample_loss(_loss)
    assert "only the winners' miners" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="mean over all samples"):
        check_supersample_loss(lambda *a: _loss(*a, reduce="mean"))
    with pytest.raises(AssertionError, match="sign is flipped"):
        check_supersample_loss(lambda *a: -_loss(*a))
    with pytest.raises(AssertionError, match="no gradient"):
        check_supersample_loss(lambda *a: _loss(*a).detach())

    def leaky(critic, generators, miners, u):  # right value, but every miner gets a gradient
        all_samples = _loss(critic, generators, miners, u, reduce="mean")
        return (
            _loss(critic, generators, miners, u)
            + 0 * all_samples
            + (all_samples - all_samples.detach())
        )

    with pytest.raises(AssertionError, match="never wins, yet its miner"):
        check_supersample_loss(leaky)


def test_mmd2_checker(capsys):
    check_mmd2(mmd2)
    assert "correct on 3 cases" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="biased estimator"):
        check_mmd2(lambda x, y, s: _biased_mmd2(x, y, torch.tensor(s)))
    with pytest.raises(AssertionError, match="2 s\\^2"):
        check_mmd2(lambda x, y, s: _unbiased(x, y, torch.tensor(s), 1.0))
