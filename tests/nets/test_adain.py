import pytest
import torch

from companion.nets.adain import AdaIN, adaptive_instance_norm


def test_adaptive_instance_norm_sets_channel_statistics():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, 16, 16, generator=g) * 5 + 2
    scale = torch.rand(3, 4, generator=g) + 0.5
    shift = torch.randn(3, 4, generator=g)
    y = adaptive_instance_norm(x, scale, shift)
    torch.testing.assert_close(y.mean(dim=(2, 3)), shift, atol=1e-4, rtol=0)
    torch.testing.assert_close(y.std(dim=(2, 3), unbiased=False), scale, atol=1e-3, rtol=0)


def test_adain_depends_on_the_code():
    layer = AdaIN(4, 8)
    x = torch.randn(2, 4, 8, 8)
    z = torch.randn(2, 8)
    assert not torch.allclose(layer(x, z), layer(x, -z))
    with pytest.raises(ValueError, match="z is None"):
        layer(x, None)
    with pytest.raises(ValueError, match="needs a code"):
        AdaIN(4, 0)
