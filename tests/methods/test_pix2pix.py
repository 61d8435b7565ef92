import dataclasses

import pytest
import torch
from stepping import RecordingStepper, paired_batch

from companion.config import DatasetFacts
from companion.methods.base import build_method, get_method
from companion.methods.msgan import ModeSeeking
from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig


def test_presets_keep_paper_values():
    paper = Pix2PixConfig.paper()
    assert (paper.image_size, paper.batch_size, paper.dataset) == (256, 1, "facades")
    assert (paper.lr, paper.beta1, paper.beta2, paper.gan_loss) == (2e-4, 0.5, 0.999, "lsgan")
    cpu = Pix2PixConfig.cpu()
    assert (cpu.dataset, cpu.image_size, cpu.batch_size, cpu.num_downs, cpu.ngf) == (
        "shapes",
        32,
        16,
        3,
        16,
    )
    assert cpu.z_injection == "input" and cpu.z_dim == 8
    assert get_method("pix2pix") is Pix2Pix


def test_paper_networks_have_the_reference_parameter_counts():
    """BicycleGAN's pix2pix + noise (models/networks.py): G_Unet_add_input, unet_256, z at the
    input only, and a conditional basic_256 PatchGAN on cat(a, b); counts derived by hand."""

    def conv(c_in, c_out, k=4):
        return c_in * c_out * k * k + c_out

    down = [(3 + 8, 64), (64, 128), (128, 256), (256, 512)] + [(512, 512)] * 4
    up = [(512, 512)] + [(1024, 512)] * 3 + [(1024, 256), (512, 128), (256, 64), (128, 3)]
    g_ref = sum(conv(i, o) for i, o in down + up)
    widths = [6, 64, 128, 256, 512, 1]
    d_ref = sum(conv(i, o) for i, o in zip(widths, widths[1:]))
    assert (g_ref, d_ref) == (54_417_795, 2_767_809)
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        model = Pix2Pix(Pix2PixConfig.paper())
    assert sum(p.numel() for p in model.G.parameters()) == g_ref
    assert sum(p.numel() for p in model.D.parameters()) == d_ref


def test_training_step_updates_d_then_g_and_returns_floats():
    torch.manual_seed(0)
    model = Pix2Pix(Pix2PixConfig.smoke())
    opt = RecordingStepper(model.configure_optimizers())
    before = [p.clone() for p in model.G.parameters()]
    logs = model.training_step(paired_batch(), 0, opt)
    assert opt.calls == ["D", "G"]
    assert set(logs) == {"loss/d", "loss/g", "loss/g_adv", "loss/g_l1"}
    assert all(isinstance(v, float) for v in logs.values())
    assert any(not torch.equal(p, q) for p, q in zip(before, model.G.parameters()))


def test_translate_samples_codes_and_accepts_given_ones():
    torch.manual_seed(0)
    model = Pix2Pix(Pix2PixConfig.smoke()).eval()
    a = paired_batch(2)["a"]
    z = torch.randn(2, 8)
    assert torch.equal(model.translate(a, z), model.translate(a, z))
    out = model.translate(a, generator=torch.Generator().manual_seed(1))
    assert out.shape == (2, 3, 32, 32) and out.abs().max() <= 1
    assert model.preview(paired_batch(4)).shape == (4 * 6, 3, 32, 32)


def test_deterministic_pix2pix_has_no_code():
    cfg = dataclasses.replace(Pix2PixConfig.smoke(), z_dim=0)
    model = Pix2Pix(cfg).eval()
    a = paired_batch(2)["a"]
    assert torch.equal(model.translate(a), model.translate(a))
    opt = RecordingStepper(model.configure_optimizers())
    assert set(model.training_step(paired_batch(), 0, opt)) >= {"loss/g_l1"}


def test_mode_seeking_joins_through_the_term_hook():
    model = Pix2Pix(Pix2PixConfig.smoke(), terms=[ModeSeeking(1.0)])
    opt = RecordingStepper(model.configure_optimizers())
    assert "loss/g_ms" in model.training_step(paired_batch(), 0, opt)


def test_errors():
    model = Pix2Pix(Pix2PixConfig.smoke())
    with pytest.raises(KeyError, match="needs 'a' and 'b'"):
        model.unpack({"x": 1})
    with pytest.raises(ValueError, match=r"configured for \(3, 32, 32\).*resolution=32"):
        model.unpack(paired_batch(size=16))
    with pytest.raises(ValueError, match="gan_loss must be"):
        build_method("pix2pix", "smoke", ["gan_loss=wgan-gp"])
    with pytest.raises(ValueError, match="generator must be"):
        build_method("pix2pix", "smoke", ["generator=vit"])
    with pytest.raises(ValueError, match="needs codes"):
        Pix2Pix(Pix2PixConfig.smoke().with_overrides(["z_dim=0"]), terms=[ModeSeeking(1.0)])
    with pytest.raises(KeyError, match="unknown config key 'lambda_ms'"):
        build_method("pix2pix", "smoke", ["lambda_ms=1"])


def test_resnet_generator_option():
    model = build_method("pix2pix", "smoke", ["generator=resnet", "resnet_blocks=1"])
    assert model.translate(paired_batch(1)["a"]).shape == (1, 3, 32, 32)


def test_for_dataset_sets_only_the_dataset():
    cpu = Pix2PixConfig.cpu()
    facts = DatasetFacts("shapes_edges", paired=True)
    assert cpu.for_dataset(facts) == dataclasses.replace(cpu, dataset="shapes_edges")
    with pytest.raises(TypeError, match="dataset_facts"):
        cpu.for_dataset("shapes_edges")
