import pytest
import torch

from companion.nets.unet import UNetGenerator


def test_paper_size_unet_256():
    """BicycleGAN's unet_256: 8 levels, ngf 64, z added to every encoder layer, dropout."""
    g = UNetGenerator(z_dim=8, num_downs=8, ngf=64, injection="all", use_dropout=True).eval()
    with torch.no_grad():
        y = g(torch.randn(1, 3, 256, 256), torch.randn(1, 8))
    assert y.shape == (1, 3, 256, 256)
    assert y.abs().max() <= 1
    assert g.down[0].conv.in_channels == 3 + 8 and g.down[7].conv.in_channels == 512 + 8
    assert g.down[7].conv.out_channels == 512  # 1x1 bottleneck


def test_cpu_size_unet_32():
    """The cpu preset: 3 levels, ngf 32, z tiled at the input."""
    g = UNetGenerator(z_dim=8, num_downs=3, ngf=32, injection="input")
    y = g(torch.randn(2, 3, 32, 32), torch.randn(2, 8))
    assert y.shape == (2, 3, 32, 32)
    assert [b.conv.in_channels for b in g.down] == [3 + 8, 32, 64]


@pytest.mark.parametrize("injection", ["input", "all", "adain"])
def test_output_depends_on_code(injection):
    torch.manual_seed(0)
    g = UNetGenerator(z_dim=4, num_downs=3, ngf=8, injection=injection)
    a = torch.randn(2, 3, 16, 16)
    z = torch.randn(2, 4, requires_grad=True)
    y = g(a, z)
    (grad,) = torch.autograd.grad(y.sum(), z)
    assert grad.abs().sum() > 0


def test_deterministic_unet_and_errors():
    g = UNetGenerator(z_dim=0, num_downs=2, ngf=4)
    a = torch.randn(1, 3, 8, 8)
    assert torch.equal(g(a), g(a, torch.randn(1, 5)))  # no code: z is ignored
    coded = UNetGenerator(z_dim=4, num_downs=2, ngf=4)
    with pytest.raises(ValueError, match="pass z of shape"):
        coded(a)
    with pytest.raises(ValueError, match="expected z of shape"):
        coded(a, torch.randn(1, 3))
    with pytest.raises(ValueError, match="divisible by 2\\^2"):
        coded(torch.randn(1, 3, 10, 10), torch.randn(1, 4))
    with pytest.raises(ValueError, match="num_downs >= 2"):
        UNetGenerator(num_downs=1)
