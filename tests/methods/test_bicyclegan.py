import pytest
import torch
from stepping import RecordingStepper, paired_batch

from companion.losses import d_lsgan, g_lsgan
from companion.methods.base import build_method
from companion.methods.bicyclegan import BicycleGAN, BicycleGANConfig
from companion.methods.translation import SHAPES_SMOKE


def test_paper_preset_values():
    cfg = BicycleGANConfig.paper()
    assert (cfg.lambda_l1, cfg.lambda_kl, cfg.lambda_latent, cfg.z_dim) == (10.0, 0.01, 0.5, 8)
    assert (cfg.batch_size, cfg.image_size, cfg.gan_loss, cfg.d_scales) == (2, 256, "lsgan", 2)
    assert (cfg.lr, cfg.beta1, cfg.z_injection) == (2e-4, 0.5, "all")
    assert (cfg.encoder_init_gain, cfg.encoder_init_logvar) == (0.02, 0.0)  # the code's start


def _code_signal_to_noise(cfg):
    """Spread of mu over 256 shapes targets of 8 colours, over the mean sigma, at step 0."""
    from companion.data import load_dataset

    torch.manual_seed(0)
    encoder = BicycleGAN(cfg).E
    targets = load_dataset("shapes", split="test", size=256, background="grey")
    with torch.no_grad():
        mu, logvar = encoder(targets.batch(range(256))["b"])
    return (mu.std(dim=0).mean() / (0.5 * logvar).exp().mean()).item()


def test_cpu_encoder_starts_with_a_signal_and_the_code_start_without():
    """The code's start (gain 0.02, zero log-variance bias) makes z = mu + sigma eps pure noise.

    sigma is exactly 1 at step 0 (the log-variance head's weights are tiny and its bias 0), and
    mu hardly differs between targets; the cpu preset's gain 1 and bias -4 give sigma = e^-2.
    """
    cpu = BicycleGANConfig.cpu()
    assert (cpu.encoder_init_gain, cpu.encoder_init_logvar) == (1.0, -4.0)
    model = BicycleGAN(cpu)
    assert torch.equal(model.E.head.logvar.bias, torch.full((cpu.z_dim,), -4.0))
    code_start = cpu.with_overrides(["encoder_init_gain=0.02", "encoder_init_logvar=0"])
    assert _code_signal_to_noise(code_start) < 1e-3
    assert _code_signal_to_noise(cpu) > 0.2


def _conv(c_in, c_out, k):
    """Parameters of a Conv2d or ConvTranspose2d with bias."""
    return c_in * c_out * k * k + c_out


def _patchgan(c_in, ndf):
    """D_NLayers' layers with n_layers=3: C(ndf)-C(2 ndf)-C(4 ndf)-C(8 ndf, stride 1)-C(1)."""
    widths = [c_in, ndf, 2 * ndf, 4 * ndf, 8 * ndf, 1]
    return sum(_conv(i, o, 4) for i, o in zip(widths, widths[1:]))


def test_paper_networks_have_the_reference_parameter_counts():
    """Parameter counts of BicycleGAN's released code (models/networks.py), derived by hand.

    G_Unet_add_all (unet_256, ngf 64, nz 8): each UnetBlock_with_z concatenates z to the input
    of its down-convolution only; the up-convolutions are ConvTranspose2d(4x4) without z.
    D_NLayersMulti (basic_256_multi, num_D 2, ndf 64 then 32, D sees b only); E_ResNet
    (resnet_256, nef 64): a 4x4 conv, four BasicBlocks (two 3x3 convs and a 1x1 shortcut each,
    widths 64-128-192-256-256) and two linear heads.
    """
    nz = 8
    down = [(3, 64), (64, 128), (128, 256), (256, 512)] + [(512, 512)] * 4
    up = [(512, 512)] + [(1024, 512)] * 3 + [(1024, 256), (512, 128), (256, 64), (128, 3)]
    g_ref = sum(_conv(i + nz, o, 4) for i, o in down) + sum(_conv(i, o, 4) for i, o in up)
    d_ref = _patchgan(3, 64) + _patchgan(3, 32)
    blocks = [(64, 128), (128, 192), (192, 256), (256, 256)]
    e_ref = _conv(3, 64, 4) + 2 * (256 * nz + nz)
    e_ref += sum(_conv(i, i, 3) + _conv(i, o, 3) + _conv(i, o, 1) for i, o in blocks)
    assert (g_ref, d_ref, e_ref) == (54_794_627, 3_458_978, 2_590_032)

    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        model = BicycleGAN(BicycleGANConfig.paper())
    counts = {
        name: sum(p.numel() for p in getattr(model, name).parameters())
        for name in ("G", "D", "D2", "E")
    }
    assert counts == {"G": g_ref, "D": d_ref, "D2": d_ref, "E": e_ref}
    assert sum(p.numel() for p in model.parameters()) == 64_302_615


def test_encoder_gets_no_gradient_from_the_latent_loss():
    """Sec. 3.4: ||E(G(a, z)) - z||_1 updates G only."""
    torch.manual_seed(0)
    model = BicycleGAN(BicycleGANConfig.smoke())
    a, b = paired_batch(4)["a"], paired_batch(4)["b"]
    terms = model.generator_terms(*model.cycles(a, b))
    terms["latent"].backward()
    assert all(p.grad is None for p in model.E.parameters())
    assert sum(p.grad.abs().sum() for p in model.G.parameters() if p.grad is not None) > 0
    # ... while the cVAE-GAN terms do train E
    model.zero_grad(set_to_none=True)
    terms = model.generator_terms(*model.cycles(a, b))
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
        "loss/g_adv",
        "loss/g_adv2",
        "loss/g_l1",
        "loss/g_kl",
        "loss/g_latent",
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
        model.cycles(batch["a"], batch["b"])
    with pytest.raises(ValueError, match="z_dim must be > 0"):
        build_method("bicyclegan", "smoke", ["z_dim=0"])
    assert build_method("bicyclegan", "smoke", ["z_dim=1"]).code_dim == 1  # one is enough


def test_same_d_option_and_mode_seeking():
    from companion.methods.msgan import ModeSeeking

    cfg = BicycleGANConfig.smoke().with_overrides(["use_same_d=true"])
    model = BicycleGAN(cfg, terms=[ModeSeeking(1.0)])
    assert model.D2 is None
    opt = RecordingStepper(model.configure_optimizers())
    assert "loss/g_ms" in model.training_step(paired_batch(4), 0, opt)


def test_smoke_preset_is_cpu_with_the_familys_smoke_networks_and_a_small_encoder():
    smoke, cpu = BicycleGANConfig.smoke(), BicycleGANConfig.cpu()
    assert (smoke.nef, smoke.encoder_blocks, smoke.num_downs, smoke.ngf, smoke.batch_size) == (
        8,
        2,
        2,
        8,
        4,
    )
    changed = {k for k, v in smoke.to_dict().items() if cpu.to_dict()[k] != v}
    assert changed == set(SHAPES_SMOKE) | {"nef", "encoder_blocks"}


def test_the_papers_batch_of_two_is_one_pair_per_cycle():
    torch.manual_seed(0)
    model = BicycleGAN(BicycleGANConfig.smoke())
    batch = paired_batch(2)
    vae, lr = model.cycles(batch["a"], batch["b"])
    assert torch.equal(vae.a, batch["a"][:1]) and torch.equal(vae.b, batch["b"][:1])
    assert torch.equal(lr.a, batch["a"][:1]) and torch.equal(lr.b, batch["b"][1:])
    assert vae.b_fake[0].shape == lr.b_fake[0].shape == (1, 3, 32, 32)


def test_conditional_discriminators_see_each_cycles_source_beside_its_image():
    """With ``conditional_d`` D judges cat(a, b): cycle 1's real and fake pairs share a_1;
    D2's real pairs are the second half's (a_2, b_2), its fakes (a_1, G(a_1, z))."""
    torch.manual_seed(0)
    model = BicycleGAN(BicycleGANConfig.smoke().with_overrides({"conditional_d": True}))
    a, b = paired_batch(4)["a"], paired_batch(4)["b"]
    vae, lr = model.cycles(a, b)
    a_1, a_2 = a[:2], a[2:]

    def cat(x, y):
        return torch.cat([x, y], dim=1)  # (N, 6, H, W)

    def d_loss(d, real, fake):
        return sum(d_lsgan(r, f) for r, f in zip(d(real), d(fake)))

    expected_d = d_loss(model.D, cat(a_1, b[:2]), cat(a_1, vae.b_fake[0])) + d_loss(
        model.D2, cat(a_2, b[2:]), cat(a_1, lr.b_fake[0])
    )
    assert model.discriminator_loss(vae, lr).item() == pytest.approx(expected_d.item())
    terms = model.generator_terms(vae, lr)
    adv = sum(g_lsgan(f) for f in model.D(cat(a_1, vae.b_fake[0])))
    adv2 = sum(g_lsgan(f) for f in model.D2(cat(a_1, lr.b_fake[0])))
    assert terms["adv"].item() == pytest.approx(adv.item())
    assert terms["adv2"].item() == pytest.approx(adv2.item())
