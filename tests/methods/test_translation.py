"""The translation family's builders and optimizers against explicit construction.

A builder must hand every field of the config to the network it builds and initialise it as
the config says: a dropped argument falls back to the network's own default, so every field
here is set to a value that no default has (on a CPU kind without a checksum record, these are
what stands between such a slip and a passing suite).
"""

import dataclasses

import pytest
import torch
from stepping import assert_adam

from companion.methods.bicyclegan import BicycleGANConfig
from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig
from companion.methods.translation import build_discriminator, build_encoder, build_generator
from companion.nets.blocks import init_weights
from companion.nets.discriminators import MultiScaleDiscriminator
from companion.nets.encoders import ResNetEncoder
from companion.nets.resnet import ResNetGenerator
from companion.nets.unet import UNetGenerator

# no field equal to a network's default or to init_weights' "normal"
CFG = dataclasses.replace(
    BicycleGANConfig.smoke(),
    in_channels=2,
    out_channels=1,
    z_dim=3,
    ngf=4,
    ndf=4,
    d_layers=1,
    d_scales=3,
    norm="batch",
    init_type="xavier",
    use_dropout=True,
    conditional_d=True,
)


def _assert_same_state(built, expected):
    got, want = built.state_dict(), expected.state_dict()
    assert list(got) == list(want)
    for key in want:
        torch.testing.assert_close(got[key], want[key], rtol=0, atol=0, msg=key)


@pytest.mark.parametrize(
    "generator, injection",
    [("unet", "input"), ("resnet", "all")],  # each the other class's default injection
)
def test_build_generator_passes_every_field_and_initialises_as_configured(generator, injection):
    cfg = dataclasses.replace(CFG, generator=generator, z_injection=injection, resnet_blocks=2)
    torch.manual_seed(0)
    built = build_generator(cfg)
    torch.manual_seed(0)
    common = dict(z_dim=3, ngf=4, norm="batch", injection=injection, use_dropout=True)
    if generator == "unet":
        net = UNetGenerator(2, 1, num_downs=cfg.num_downs, **common)
    else:
        net = ResNetGenerator(2, 1, num_blocks=2, **common)
    _assert_same_state(built, init_weights(net, "xavier"))


def test_build_discriminator_passes_every_field_and_initialises_as_configured():
    torch.manual_seed(0)
    built = build_discriminator(CFG)
    torch.manual_seed(0)
    net = MultiScaleDiscriminator(1 + 2, ndf=4, num_layers=1, num_scales=3, norm="batch")
    _assert_same_state(built, init_weights(net, "xavier"))
    unconditional = build_discriminator(dataclasses.replace(CFG, conditional_d=False))
    assert next(unconditional.parameters()).shape[1] == 1  # the first conv sees b alone


def test_build_encoder_passes_every_field_its_gain_and_logvar_bias():
    torch.manual_seed(0)
    built = build_encoder(CFG, nef=4, num_blocks=2, gain=0.5, logvar_bias=-1.5)
    torch.manual_seed(0)
    net = init_weights(ResNetEncoder(1, 3, nef=4, num_blocks=2, norm="batch"), "xavier", 0.5)
    torch.nn.init.constant_(net.head.logvar.bias, -1.5)
    _assert_same_state(built, net)
    assert torch.all(built.head.logvar.bias == -1.5)


def test_both_optimizers_are_adam_at_the_configs_rate_and_betas():
    model = Pix2Pix(dataclasses.replace(Pix2PixConfig.smoke(), lr=3e-4, beta1=0.25, beta2=0.75))
    opts = model.configure_optimizers()
    params = {"D": list(model.D.parameters()), "G": model.generator_parameters()}
    assert_adam(opts, params, 3e-4, (0.25, 0.75))
