import pytest
import torch

from companion.nets.discriminators import (
    MultiScaleDiscriminator,
    PatchDiscriminator,
    patch_receptive_field,
)


def test_receptive_fields():
    # pix2pix Sec. 4.4: 1x1, 16x16, 70x70 and 286x286 PatchGANs have 0, 1, 3 and 5 layers
    assert [patch_receptive_field(n) for n in (1, 3, 5)] == [16, 70, 286]


def test_paper_size_discriminators_256():
    """pix2pix's conditional 70x70 PatchGAN and BicycleGAN's two-scale D on 256x256."""
    with torch.no_grad():
        assert PatchDiscriminator(6)(torch.randn(1, 6, 256, 256)).shape == (1, 1, 30, 30)
        maps = MultiScaleDiscriminator(3, num_scales=2)(torch.randn(1, 3, 256, 256))
    assert [tuple(m.shape) for m in maps] == [(1, 1, 30, 30), (1, 1, 14, 14)]


def test_cpu_size_discriminator_32():
    d = MultiScaleDiscriminator(6, ndf=32, num_layers=2, num_scales=1)
    assert [tuple(m.shape) for m in d(torch.randn(2, 6, 32, 32))] == [(2, 1, 6, 6)]
    assert d.scales[0].receptive_field == 34


def test_multiscale_widths_and_errors():
    d = MultiScaleDiscriminator(3, ndf=64, num_scales=2)
    assert d.scales[1].net[0].conv.out_channels == 32  # ndf / 2 at the second scale
    with pytest.raises(ValueError, match="num_scales"):
        MultiScaleDiscriminator(3, num_scales=0)
