"""What tests/mi/test_critics.py left open in companion/mi/critics.py (found by `make mutation`).

The ensemble layer's initialisation (nn.Linear's range, both signs, the generator used), the
architectures' defaults (Poole et al.: 2 hidden layers of 256 units, embedding 32), the size
checks, and the shape checks of the critics' inputs.
"""

import math

import pytest
import torch
from torch import nn

from companion.mi import (
    ConcatCritic,
    ConvEncoder,
    EncoderCritic,
    GaussianPosteriorCritic,
    SeparableCritic,
)
from companion.mi.critics import EnsembleLinear, mlp


def test_ensemble_initialisation_fills_nn_linears_range():
    torch.manual_seed(0)  # the default initialisation draws from the global RNG
    layer = EnsembleLinear(4, 9, 16)  # bound 1 / sqrt(dim_in) = 1/3, not 1 / sqrt(dim_out)
    for p, reach in ((layer.weight, 0.9), (layer.bias, 0.5)):  # 576 and 64 draws
        assert p.abs().max() <= 1 / 3
        assert p.min() < -reach / 3 and p.max() > reach / 3  # both signs, most of the range
    assert "num_critics=4, dim_in=9, dim_out=16" in repr(layer)


def test_ensemble_initialisation_uses_the_given_generator():
    a, b = EnsembleLinear(3, 5, 4), EnsembleLinear(3, 5, 4)
    a.reset_parameters(torch.Generator().manual_seed(7))
    torch.manual_seed(123)  # the global RNG must not matter
    b.reset_parameters(torch.Generator().manual_seed(7))
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    b.reset_parameters(torch.Generator().manual_seed(8))
    assert not torch.equal(a.weight, b.weight) and not torch.equal(a.bias, b.bias)


def _linears(module: nn.Module) -> list[nn.Module]:
    return [m for m in module.modules() if isinstance(m, (nn.Linear, EnsembleLinear))]


def _widths(module: nn.Module) -> list[int]:
    out = []
    for m in _linears(module):
        out.append(m.out_features if isinstance(m, nn.Linear) else m.weight.shape[2])
    return out


def test_defaults_are_poole_et_al():
    assert _widths(mlp(3, 16, 2)) == [16, 16, 2]  # two hidden layers by default
    sep = SeparableCritic(3, 4)
    assert _widths(sep.g) == [256, 256, 32] and _widths(sep.h) == [256, 256, 32]
    assert _widths(ConcatCritic(3, 4).f) == [256, 256, 1]
    assert _widths(GaussianPosteriorCritic(3, 4).mean) == [256, 256, 3]
    assert _widths(GaussianPosteriorCritic(3, 4, hidden=8, layers=0).mean) == [3]
    assert _widths(GaussianPosteriorCritic(3, 4, hidden=8, layers=1).mean) == [8, 3]


@pytest.mark.parametrize(
    "sizes",
    [
        {"dim_in": 0},
        {"hidden": 0},
        {"dim_out": 0},
        {"layers": -1},
        {"num_critics": -1},
    ],
)
def test_mlp_rejects_non_positive_sizes(sizes):
    args = {"dim_in": 3, "hidden": 4, "dim_out": 2} | sizes
    with pytest.raises(ValueError, match="mlp sizes must be positive and layers >= 0"):
        mlp(**args)


def test_mlp_rejects_an_empty_ensemble():
    with pytest.raises(ValueError, match="mlp sizes must be positive"):
        mlp(3, 4, 2, num_critics=0)


@pytest.mark.parametrize("critic_cls", [SeparableCritic, ConcatCritic, GaussianPosteriorCritic])
def test_critics_check_both_inputs(critic_cls):
    critic = critic_cls(3, 4, hidden=8, layers=1)
    x, y = torch.zeros(5, 3), torch.zeros(6, 4)
    assert critic(x, y).shape == (5, 6)
    for bad_x, bad_y in [(torch.zeros(5, 2), y), (x, torch.zeros(6, 5)), (x, torch.zeros(6))]:
        with pytest.raises(ValueError, match=r"expected x of shape \(N, 3\) and y of shape"):
            critic(bad_x, bad_y)
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 3\)"):
        critic.score_pairs(torch.zeros(5, 2), torch.zeros(5, 4))


def test_gaussian_posterior_critic_is_the_gaussian_log_density():
    critic = GaussianPosteriorCritic(2, 2, hidden=4, layers=0)
    with torch.no_grad():
        critic.mean[0].weight.copy_(0.5 * torch.eye(2))
        critic.mean[0].bias.zero_()
        critic.log_var.fill_(math.log(0.75))
    x, y = torch.tensor([[1.0, 0.0]]), torch.tensor([[2.0, 2.0]])
    diff = x - 0.5 * y  # (1, 2): q = N(y / 2, 3/4)
    expected = -0.5 * (diff.square().sum() / 0.75 + 2 * math.log(0.75) + 2 * math.log(2 * math.pi))
    assert critic.score_pairs(x, y).item() == pytest.approx(expected.item(), rel=1e-6)


def test_conv_encoder_is_the_documented_trunk():
    enc = ConvEncoder(3)  # defaults: embed 32, hidden 256
    kinds = [type(m).__name__ for m in enc.net]
    assert kinds == ["Conv2d", "ReLU", "Conv2d", "ReLU", "AdaptiveAvgPool2d", "Flatten",
                     "Linear", "ReLU", "Linear"]  # fmt: skip
    for conv, (c_in, c_out) in zip([enc.net[0], enc.net[2]], [(3, 32), (32, 64)]):
        assert (conv.in_channels, conv.out_channels) == (c_in, c_out)
        assert conv.kernel_size == (3, 3) and conv.stride == (2, 2) and conv.padding == (1, 1)
    assert (enc.net[6].in_features, enc.net[6].out_features) == (64 * 16, 256)
    assert (enc.net[8].in_features, enc.net[8].out_features) == (256, 32)
    # two stride-2 convolutions halve 28 x 28 twice: 14 x 14, then 7 x 7
    assert enc.net[:2](torch.zeros(2, 3, 28, 28)).shape == (2, 32, 14, 14)
    assert enc.net[:4](torch.zeros(2, 3, 28, 28)).shape == (2, 64, 7, 7)
    assert enc(torch.zeros(2, 3, 28, 28)).shape == (2, 32)


def test_encoder_critic_defaults_to_separable_scores():
    torch.manual_seed(0)
    ex, ey = mlp(3, 8, 4), mlp(2, 8, 4)
    critic = EncoderCritic(ex, ey)
    assert critic.head is None and "combine='separable'" in repr(critic)
    x, y = torch.randn(5, 3), torch.randn(6, 2)
    assert torch.allclose(critic(x, y), ex(x) @ ey(y).T)


def test_encoder_critic_concat_scores_each_pair_with_its_head():
    torch.manual_seed(0)
    ex, ey = mlp(3, 8, 32), mlp(2, 8, 32)
    critic = EncoderCritic(ex, ey, "concat")  # default embed 32 and head width 256
    assert _widths(critic.head) == [256, 256, 1] and critic.head[0].in_features == 64
    x, y = torch.randn(3, 3), torch.randn(4, 2)  # N != M
    scores = critic(x, y)
    assert scores.shape == (3, 4)
    f, g = ex(x), ey(y)
    for i in range(3):
        for j in range(4):
            expected = critic.head(torch.cat([f[i], g[j]]).unsqueeze(0)).squeeze()
            assert scores[i, j].item() == pytest.approx(expected.item(), abs=1e-6)
    small = EncoderCritic(mlp(3, 8, 5), mlp(2, 8, 5), "concat", embed=5, hidden=7)
    assert _widths(small.head) == [7, 7, 1] and small(x, y).shape == (3, 4)


def test_encoder_critic_names_the_two_combinations():
    with pytest.raises(ValueError, match=r"combine must be 'separable' or 'concat', got 'sum'"):
        EncoderCritic(mlp(3, 8, 4), mlp(2, 8, 4), "sum")
