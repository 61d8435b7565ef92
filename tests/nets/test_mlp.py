"""The perceptrons for vector data: shapes, range, and the translator's identity start."""

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
