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


class _Nothing:
    """A stepper that records the updates and changes nothing (the networks stay as built)."""

    def __init__(self):
        self.calls = []

    def step(self, name, loss, *, retain_graph=False):
        self.calls.append(name)


def _wgan(**kw):
    return DCGAN(dataclasses.replace(DCGANConfig.smoke(), gan_loss="wgan-gp", **kw))


def test_example_batch_spans_minus_one_to_one_and_follows_the_generator():
    model = DCGAN(DCGANConfig.smoke())
    x = model.example_batch(64, generator=torch.Generator().manual_seed(3))["b"]
    assert x.shape == (64, 3, 32, 32)
    assert -1.0 <= x.min() < -0.99 and 0.99 < x.max() <= 1.0
    assert abs(x.mean().item()) < 0.01  # uniform on [-1, 1]
    again = model.example_batch(64, generator=torch.Generator().manual_seed(3))["b"]
    assert torch.equal(x, again)


def test_real_images_of_the_wrong_size_are_refused_with_both_shapes():
    model = DCGAN(DCGANConfig.smoke())
    with pytest.raises(
        ValueError,
        match=r"dcgan is configured for \(3, 32, 32\) images, got \(3, 16, 16\); load the data "
        "at resolution=32 or set image_size/channels",
    ):
        model.real_images({"b": torch.zeros(2, 3, 16, 16)})


def test_wasserstein_log_is_the_critics_mean_real_minus_mean_fake_score():
    torch.manual_seed(0)
    model = _wgan()
    x_real = model.example_batch(8, generator=torch.Generator().manual_seed(1))["b"]
    torch.manual_seed(5)
    opt = _Nothing()
    logs = model.adversarial_step(x_real, opt, penalty=True)
    assert opt.calls == ["D", "G"]
    torch.manual_seed(5)  # the critic step's codes are the step's first draw
    with torch.no_grad():
        fake = model.G(torch.randn(8, model.cfg.z_dim))
        expected = model.D(x_real).mean() - model.D(fake).mean()
    assert logs["dist/wasserstein"] == pytest.approx(expected.item(), rel=1e-5, abs=1e-6)
    assert logs["loss/d"] == pytest.approx(-expected.item() + 10.0 * logs["loss/d_gp"], rel=1e-5)


def test_the_codes_are_drawn_on_the_batchs_device(monkeypatch):
    model = _wgan(n_critic=2)
    devices = []
    randn = torch.randn

    def recording_randn(*args, **kw):
        devices.append(kw.get("device"))
        return randn(*args, **kw)

    monkeypatch.setattr(torch, "randn", recording_randn)
    x_real = torch.rand(4, 3, 32, 32) * 2 - 1
    model.adversarial_step(x_real, _Nothing(), penalty=False)
    assert devices == [x_real.device] * 3  # two critic steps, one generator step
