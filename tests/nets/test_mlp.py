"""The perceptrons for vector data: shapes, range, and the translator's identity start."""

import pytest
import torch

from companion.nets import MLPDiscriminator, MLPEncoder, MLPTranslator


def test_shapes_and_range():
    x, z = torch.rand(5, 16, 1, 1) * 1.6 - 0.8, torch.randn(5, 2)
    y = MLPTranslator(16, 16, 2, width=32)(x, z)
    assert y.shape == (5, 16, 1, 1) and y.abs().max() <= 1
    mu, logvar = MLPEncoder(16, 2, width=32)(x)
    assert mu.shape == logvar.shape == (5, 2)
    (logits,) = MLPDiscriminator(16, width=32)(x)
    assert logits.shape == (5, 1)


def test_translator_starts_from_its_input_through_the_skip():
    g = MLPTranslator(16, 16, 2, width=32)
    torch.nn.init.zeros_(g.out.weight)
    torch.nn.init.zeros_(g.out.bias)
    x = torch.rand(5, 16, 1, 1) * 1.6 - 0.8
    assert torch.allclose(g(x, torch.randn(5, 2)), x, atol=1e-5)


def test_decoder_injection_keeps_the_code_out_of_the_content_encoder():
    torch.manual_seed(0)
    g = MLPTranslator(16, 16, 2, width=32, depth=3, injection="decoder")
    x = torch.rand(4, 16, 1, 1) * 2 - 1
    z = torch.randn(4, 2, requires_grad=True)
    c = g.content(x.flatten(1))
    assert c.shape == (4, 32)  # E_c(x): depth - 1 = 2 hidden layers of width 32
    assert len(g.content) == 4 and len(g.body) == 2  # Linear-LeakyReLU pairs: 2 + 1 = depth
    y = g(x, z)
    assert y.shape == (4, 16, 1, 1)
    (grad,) = torch.autograd.grad(y.sum(), z)
    assert grad.abs().sum() > 0  # the output still depends on the code
    assert g.content[0].in_features == 16  # the content encoder reads x only, not [x, z]
    assert g.body[0].in_features == 32 + 2


def test_input_injection_concatenates_the_code_to_the_input():
    g = MLPTranslator(16, 16, 2, width=32, depth=3)
    assert isinstance(g.content, torch.nn.Identity) and g.body[0].in_features == 16 + 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"injection": "all"}, "'input' or 'decoder'"),
        ({"injection": "decoder", "depth": 1}, "depth >= 2"),
        ({"injection": "decoder", "z_dim": 0}, "z_dim > 0"),
    ],
)
def test_translator_refuses_a_bad_injection(kwargs, match):
    args = {"in_channels": 16, "out_channels": 16, "z_dim": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        MLPTranslator(**args)
