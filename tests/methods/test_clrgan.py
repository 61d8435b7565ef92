"""Tests for companion.methods.clrgan (smoke preset, CPU)."""

import math

import pytest
import torch

from companion.data import load_dataset
from companion.methods.base import get_method
from companion.methods.clrgan import CLRGAN, CLRGANConfig, latent_regression_bound
from companion.train import Stepper


def test_registry_and_presets():
    assert get_method("clrgan") is CLRGAN
    assert CLRGANConfig.paper().lambda_l1 == 0.0 and CLRGANConfig.paper().lambda_latent == 0.5


def test_training_step_updates_g_and_e():
    model = CLRGAN(CLRGANConfig.smoke().with_overrides(["lambda_l1=3"]))
    batch = load_dataset("shapes", resolution=32, size=8).batch(range(4))
    before = [p.detach().clone() for p in model.E.parameters()]
    logs = model.training_step(batch, 0, Stepper(model.configure_optimizers()))
    assert {"loss/g_latent", "loss/g_l1", "mi/latent_bound"} <= set(logs)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.E.parameters()))
    assert model.encode(batch["b"]).shape == (4, 8)


def test_latent_regression_bound_known_answers():
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(20_000, 8, generator=gen)
    ignored = latent_regression_bound(torch.zeros_like(z), z).item()
    expected = 8 * (0.5 * math.log(2 * math.pi * math.e) - 1 - math.log(2 * math.sqrt(2 / math.pi)))
    assert ignored == pytest.approx(expected, abs=0.05)
    assert latent_regression_bound(z + 0.1 * torch.randn(z.shape, generator=gen), z) > 10


def test_needs_a_code():
    with pytest.raises(ValueError, match="z_dim must be > 0"):
        CLRGAN(CLRGANConfig.smoke().with_overrides(["z_dim=0"]))


def test_encoder_start_follows_the_config():
    """The paper's gain 0.02 gives an almost silent encoder; the cpu preset's gain 1 does not."""
    b = load_dataset("shapes", resolution=32, size=8).batch(range(8))["b"]
    spread = {}
    for gain in (0.02, 1.0):
        torch.manual_seed(0)
        model = CLRGAN(CLRGANConfig.smoke().with_overrides([f"encoder_init_gain={gain}"]))
        spread[gain] = model.encode(b).std(0).mean().item()  # how much E(b) varies over images
    assert CLRGANConfig.paper().encoder_init_gain == 0.02
    assert CLRGANConfig.cpu().encoder_init_gain == 1.0
    assert spread[1.0] > 20 * spread[0.02]


def test_smoke_preset_is_cpu_with_the_familys_smoke_networks_and_a_small_encoder():
    from companion.methods.translation import SHAPES_SMOKE

    smoke, cpu = CLRGANConfig.smoke(), CLRGANConfig.cpu()
    assert (smoke.nef, smoke.encoder_blocks) == (8, 2)
    changed = {k for k, v in smoke.to_dict().items() if cpu.to_dict()[k] != v}
    assert changed == set(SHAPES_SMOKE) | {"nef", "encoder_blocks"}


def test_latent_regression_bound_at_a_scale_below_one_hundredth():
    # every |z_rec - z| = 1e-4: the best Laplace scale is b = 1e-4 and the bound is
    # D (0.5 log(2 pi e) - 1 - log(2b)), about 8.9 nats per dimension
    z = torch.randn(500, 8, generator=torch.Generator().manual_seed(0))
    bound = latent_regression_bound(z + 1e-4 * z.sign(), z).item()
    expected = 8 * (0.5 * math.log(2 * math.pi * math.e) - 1 - math.log(2e-4))
    assert bound == pytest.approx(expected, rel=1e-4)


def test_a_one_dimensional_code_is_enough():
    assert CLRGAN(CLRGANConfig.smoke().with_overrides(["z_dim=1"])).code_dim == 1


def test_the_step_logs_exactly_eq_9s_terms_and_the_extra_terms_given():
    from companion.methods.msgan import ModeSeeking

    batch = load_dataset("shapes", resolution=32, size=8).batch(range(4))
    torch.manual_seed(0)
    model = CLRGAN(CLRGANConfig.smoke())  # lambda_l1 = 0: no L1 term at all
    logs = model.training_step(batch, 0, Stepper(model.configure_optimizers()))
    assert {k for k in logs if k.startswith("loss/g_")} == {"loss/g_adv", "loss/g_latent"}
    # a conditional D sees (a, G(a, z)) pairs; an extra term joins the sum
    cfg = CLRGANConfig.smoke().with_overrides(["conditional_d=true"])
    model = CLRGAN(cfg, terms=(ModeSeeking(1.0),))
    logs = model.training_step(batch, 0, Stepper(model.configure_optimizers()))
    assert {k for k in logs if k.startswith("loss/g_")} == {
        "loss/g_adv",
        "loss/g_latent",
        "loss/g_ms",
    }
