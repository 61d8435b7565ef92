import pytest
import torch
from torch import nn

from companion.nets.blocks import ConvBlock, ResBlock, activation, init_weights, norm_layer


def test_conv_block_orders_and_shapes():
    x = torch.randn(2, 4, 8, 8)
    assert ConvBlock(4, 6, 3, 1, 1, order="cna")(x).shape == (2, 6, 8, 8)
    assert ConvBlock(4, 6, 4, 2, 1, order="acn")(x).shape == (2, 6, 4, 4)
    assert ConvBlock(4, 6, 4, 2, 1, order="ac", transpose=True)(x).shape == (2, 6, 16, 16)
    pre = ConvBlock(4, 6, 3, 1, 1, order="nac", norm="batch")
    assert pre.norm.num_features == 4  # the norm comes before the conv: it sees the input
    assert ConvBlock(4, 6, order="cn", norm="batch").conv.bias is None  # BN cancels the bias


def test_conv_block_concat_feeds_the_code_to_the_conv():
    block = ConvBlock(3, 5, 3, 1, 1, order="acn", code="concat", z_dim=8)
    assert block.conv.in_channels == 3 + 8
    x = torch.randn(2, 3, 8, 8)
    z = torch.randn(2, 8)
    assert not torch.allclose(block(x, z), block(x, z + 1))


def test_conv_block_errors():
    with pytest.raises(ValueError, match="order"):
        ConvBlock(3, 4, order="cxn")
    with pytest.raises(ValueError, match="code must be"):
        ConvBlock(3, 4, code="film")
    with pytest.raises(ValueError, match="needs z_dim > 0"):
        ConvBlock(3, 4, code="adain")
    with pytest.raises(ValueError, match="z is None"):
        ConvBlock(3, 4, code="concat", z_dim=2)(torch.randn(1, 3, 4, 4))


def test_res_block_identity_and_downsampling():
    x = torch.randn(2, 8, 8, 8)
    block = ResBlock(8)
    assert isinstance(block.shortcut, nn.Identity)
    assert block(x).shape == x.shape
    down = ResBlock(8, 16, preact=True, downsample=True, padding_mode="zeros")
    assert down(x).shape == (2, 16, 4, 4)


def test_norm_activation_init_errors_and_values():
    assert isinstance(norm_layer("none", 3), nn.Identity)
    assert isinstance(activation("elu"), nn.ELU)
    with pytest.raises(ValueError, match="unknown norm"):
        norm_layer("group", 3)
    with pytest.raises(ValueError, match="unknown activation"):
        activation("gelu")
    with pytest.raises(ValueError, match="unknown init"):
        init_weights(nn.Linear(2, 2), "kaiming")
    torch.manual_seed(0)
    conv = init_weights(nn.Conv2d(64, 64, 3), "normal", 0.02)
    assert abs(conv.weight.std().item() - 0.02) < 0.002
    assert conv.bias.abs().max().item() == 0
