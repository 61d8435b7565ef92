import pytest
import torch
from stepping import RecordingStepper, paired_batch

from companion.methods.base import build_method
from companion.methods.bicyclegan import BicycleGAN, BicycleGANConfig


def test_paper_preset_values():
    cfg = BicycleGANConfig.paper()
    assert (cfg.lambda_l1, cfg.lambda_kl, cfg.lambda_latent, cfg.z_dim) == (10.0, 0.01, 0.5, 8)
    assert (cfg.batch_size, cfg.image_size, cfg.gan_loss, cfg.d_scales) == (2, 256, "lsgan", 2)
    assert (cfg.lr, cfg.beta1, cfg.z_injection) == (2e-4, 0.5, "all")


def test_encoder_gets_no_gradient_from_the_latent_loss():
    """Sec. 3.4: ||E(G(a, z)) - z||_1 updates G only."""
    torch.manual_seed(0)
    model = BicycleGAN(BicycleGANConfig.smoke())
    a, b = paired_batch(4)["a"], paired_batch(4)["b"]
    terms = model.generator_losses(model.forward_cycles(a, b))
    terms["latent"].backward()
    assert all(p.grad is None for p in model.E.parameters())
    assert sum(p.grad.abs().sum() for p in model.G.parameters() if p.grad is not None) > 0
    # ... while the cVAE-GAN terms do train E
    model.zero_grad(set_to_none=True)
    terms = model.generator_losses(model.forward_cycles(a, b))
    (terms["l1"] + terms["kl"]).backward()
    assert sum(p.grad.abs().sum() for p in model.E.parameters() if p.grad is not None) > 0


def test_training_step_order_and_terms():
    torch.manual_seed(0)
    model = BicycleGAN(BicycleGANConfig.smoke())
    opt = RecordingStepper(model.configure_optimizers())
    logs = model.training_step(paired_batch(4), 0, opt)
    assert opt.calls == ["D", "G"]
    expected = {
        "loss/d",
        "loss/g",
        "loss/gan_vae",
        "loss/gan_lr",
        "loss/l1",
        "loss/kl",
        "loss/latent",
    }
    assert set(logs) == expected
    assert all(isinstance(v, float) and v == v for v in logs.values())
    assert model.D2 is not None  # a second D for the cLR-GAN branch (code default)


def test_translate_encode_and_preview():
    torch.manual_seed(0)
    model = BicycleGAN(BicycleGANConfig.smoke()).eval()
    batch = paired_batch(4)
    z = model.encode(batch["b"])
    assert z.shape == (4, 8)
    assert model.translate(batch["a"], z).shape == (4, 3, 32, 32)
    assert model.preview(batch).shape == (24, 3, 32, 32)


def test_errors():
    model = BicycleGAN(BicycleGANConfig.smoke())
    batch = paired_batch(3)
    with pytest.raises(ValueError, match="must be even"):
        model.forward_cycles(batch["a"], batch["b"])
    with pytest.raises(ValueError, match="z_dim must be > 0"):
        build_method("bicyclegan", "smoke", ["z_dim=0"])


def test_same_d_option_and_mode_seeking():
    model = build_method("bicyclegan", "smoke", ["use_same_d=true", "lambda_ms=1"])
    assert model.D2 is None
    opt = RecordingStepper(model.configure_optimizers())
    assert "loss/ms" in model.training_step(paired_batch(4), 0, opt)
