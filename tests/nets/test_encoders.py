import pytest
import torch

from companion.nets.encoders import ResNetEncoder, reparameterize


def test_paper_size_encoder_256():
    """BicycleGAN's resnet_256 encoder: nef 64, 5 stages (256 -> 8), 8-d Gaussian code."""
    e = ResNetEncoder(3, 8, nef=64, num_blocks=5)
    with torch.no_grad():
        mu, logvar = e(torch.randn(1, 3, 256, 256))
    assert mu.shape == logvar.shape == (1, 8)
    assert e.head.mu.in_features == 256


def test_cpu_size_encoder_32():
    mu, logvar = ResNetEncoder(3, 8, nef=32, num_blocks=3)(torch.randn(2, 3, 32, 32))
    assert mu.shape == logvar.shape == (2, 8)


def test_reparameterize_moments_and_gradient():
    g = torch.Generator().manual_seed(0)
    mu = torch.full((20000, 2), 3.0, requires_grad=True)
    logvar = torch.full((20000, 2), 2 * torch.log(torch.tensor(0.5)).item())
    z = reparameterize(mu, logvar, generator=g)
    assert abs(z.mean().item() - 3.0) < 0.02 and abs(z.std().item() - 0.5) < 0.02
    z.sum().backward()
    assert torch.all(mu.grad == 1)


def test_encoder_errors():
    with pytest.raises(ValueError, match="z_dim > 0"):
        ResNetEncoder(3, 0)
    with pytest.raises(ValueError, match="divisible"):
        ResNetEncoder(3, 8, nef=4, num_blocks=3)(torch.randn(1, 3, 12, 12))
