import pytest
import torch

from companion.nets.resnet import ResNetGenerator


def test_paper_architecture_resnet_9_blocks():
    """CycleGAN's resnet_9blocks (ngf 64): fully convolutional, run here on 64x64 for speed."""
    g = ResNetGenerator(z_dim=8, ngf=64, num_blocks=9, injection="input").eval()
    assert len(g.blocks) == 9 and g.blocks[0].conv1.conv.in_channels == 256
    with torch.no_grad():
        y = g(torch.randn(1, 3, 64, 64), torch.randn(1, 8))
    assert y.shape == (1, 3, 64, 64)


@pytest.mark.parametrize("injection", ["input", "all", "adain"])
def test_cpu_size_resnet_and_code(injection):
    torch.manual_seed(0)
    g = ResNetGenerator(z_dim=8, ngf=16, num_blocks=2, injection=injection)
    z = torch.randn(2, 8, requires_grad=True)
    y = g(torch.randn(2, 3, 32, 32), z)
    assert y.shape == (2, 3, 32, 32)
    (grad,) = torch.autograd.grad(y.sum(), z)
    assert grad.abs().sum() > 0


def test_resnet_rejects_bad_size():
    with pytest.raises(ValueError, match="divisible by 2\\^2"):
        ResNetGenerator(ngf=4, num_blocks=1)(torch.randn(1, 3, 30, 30))
