"""DCGAN's presets (DCGAN Sec. 4; WGAN-GP's Alg. 1 settings) and its checks."""

import dataclasses

import pytest
import torch

from companion.methods.dcgan import DCGAN, DCGANConfig


def _changed(cfg, base):
    return {k: v for k, v in cfg.to_dict().items() if base.to_dict()[k] != v}


def test_paper_cpu_and_smoke_presets():
    paper = DCGANConfig.paper()
    assert (paper.z_dim, paper.lr_g, paper.lr_d, paper.betas, paper.batch_size) == (
        100,
        2e-4,
        2e-4,
        (0.5, 0.999),
        128,
    )
    assert _changed(DCGANConfig.cpu(), paper) == {
        "z_dim": 32,
        "width_g": 32,
        "width_d": 32,
        "batch_size": 64,
    }
    assert _changed(DCGANConfig.smoke(), DCGANConfig.cpu()) == {
        "z_dim": 8,
        "width_g": 8,
        "width_d": 8,
        "batch_size": 8,
    }


def test_wgan_gp_preset_is_gulrajani_algorithm_1_on_the_paper_networks():
    cfg = DCGANConfig.wgan_gp()
    # Alg. 1: lambda = 10, n_critic = 5, alpha = 1e-4, beta1 = 0, beta2 = 0.9, m = 64
    assert _changed(cfg, DCGANConfig.paper()) == {
        "gan_loss": "wgan-gp",
        "n_critic": 5,
        "lr_g": 1e-4,
        "lr_d": 1e-4,
        "betas": [0.0, 0.9],
        "batch_size": 64,
    }
    assert cfg.lambda_gp == 10.0 and cfg.betas == (0.0, 0.9)
    # and it builds: a layer-norm critic (the penalty is per sample), no batch norm in D
    model = DCGAN(dataclasses.replace(cfg, z_dim=8, width_g=8, width_d=8))
    kinds = {type(m).__name__ for m in model.D.modules()}
    assert "GroupNorm" in kinds and "BatchNorm2d" not in kinds


def test_unknown_gan_loss_is_refused_by_name():
    cfg = dataclasses.replace(DCGANConfig.smoke(), gan_loss="lsgan")
    with pytest.raises(
        ValueError, match="gan_loss must be 'nonsaturating' or 'wgan-gp', got 'lsgan'"
    ):
        DCGAN(cfg)


def test_sample_shape_and_fixed_codes():
    model = DCGAN(DCGANConfig.smoke())
    assert model.sample(3).shape == (3, 3, 32, 32)
    expected = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    assert torch.equal(model.z_fixed, expected)
