import dataclasses

import pytest
import torch
from stepping import RecordingStepper, paired_batch
from torch import nn

from companion.config import DatasetFacts
from companion.losses import d_lsgan
from companion.methods.base import build_method, get_method
from companion.methods.msgan import ModeSeeking
from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig
from companion.methods.translation import (
    SHAPES_SMOKE,
    GeneratorTerm,
    TranslationMethod,
    build_encoder,
    diversity_preview,
)


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


# -- the translation family's shared parts (companion.methods.translation), through pix2pix ---


def test_resnet_generator_has_the_configured_number_of_blocks():
    counts = [
        sum(
            p.numel()
            for p in build_method(
                "pix2pix", "smoke", ["generator=resnet", f"resnet_blocks={n}"]
            ).G.parameters()
        )
        for n in (1, 2, 3)
    ]
    assert counts[1] - counts[0] == counts[2] - counts[1] > 0  # each block adds the same convs


def test_a_term_that_compares_outputs_needs_only_one_code_dimension():
    model = Pix2Pix(Pix2PixConfig.smoke().with_overrides(["z_dim=1"]), terms=[ModeSeeking(1.0)])
    assert model.code_dim == 1 and len(model.terms) == 1


def test_unpack_names_what_is_missing_or_mis_sized():
    model = Pix2Pix(Pix2PixConfig.smoke())
    batch = paired_batch(2)
    with pytest.raises(KeyError, match=r"needs 'a' and 'b' entries, got \['a'\]"):
        model.unpack({"a": batch["a"]})
    with pytest.raises(ValueError, match=r"targets, got \(3, 32, 32\) and \(1, 32, 32\)"):
        model.unpack({"a": batch["a"], "b": batch["b"][:, :1]})
    a, b = model.unpack(batch)
    assert a is batch["a"] and b is batch["b"]


def test_example_batch_is_uniform_on_minus_one_one_and_follows_its_generator():
    model = Pix2Pix(Pix2PixConfig.smoke().with_overrides(["in_channels=4"]))
    batches = []
    for seed in (0, 1):  # another global state each time
        torch.manual_seed(seed)
        batches.append(model.example_batch(8, generator=torch.Generator().manual_seed(4)))
    first, second = batches
    assert first["a"].shape == (8, 4, 32, 32) and first["b"].shape == (8, 3, 32, 32)
    assert torch.equal(first["a"], second["a"]) and torch.equal(first["b"], second["b"])
    for x in (first["a"], first["b"]):  # ~25k draws of U(-1, 1)
        assert -1 <= x.min() < -0.99 and 0.99 < x.max() < 1
        assert abs(x.mean().item()) < 0.02
    assert not torch.equal(first["a"][:, :3], first["b"])


def test_discriminator_loss_is_the_criterion_on_pairs_and_never_reaches_g():
    torch.manual_seed(0)
    model = Pix2Pix(Pix2PixConfig.smoke())
    batch = paired_batch(4)
    out = model.translations(batch["a"], batch["b"])
    loss = model.d_loss(out)
    real = torch.cat([out.a, out.b], dim=1)  # D sees (a, b): conditional by default
    fake = torch.cat([out.a, out.b_fake[0]], dim=1)
    expected = sum(d_lsgan(r, f) for r, f in zip(model.D(real), model.D(fake)))
    assert loss.item() == pytest.approx(expected.item())
    loss.backward()
    assert all(p.grad is None for p in model.G.parameters())  # the fakes are detached
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.D.parameters())


def test_a_member_or_term_without_its_part_says_which():
    class Bare(TranslationMethod):
        name = "bare"

    class Plain(GeneratorTerm):
        key = "plain"

    with pytest.raises(NotImplementedError, match=r"^Bare must define g_terms\(out\)$"):
        Bare(Pix2PixConfig.smoke()).g_terms(None)
    with pytest.raises(NotImplementedError, match=r"^Plain must define forward\(out\)$"):
        Plain(1.0)(None)
    assert Plain(0.5).weight == 0.5


def test_translate_draws_its_codes_from_the_given_generator():
    torch.manual_seed(0)
    model = Pix2Pix(Pix2PixConfig.smoke()).eval()
    a = paired_batch(2)["a"]
    outs = []
    for seed in (0, 1):  # another global state each time
        torch.manual_seed(seed)
        outs.append(model.translate(a, generator=torch.Generator().manual_seed(3)))
    z = model.sample_codes(2, generator=torch.Generator().manual_seed(3))
    assert torch.equal(outs[0], outs[1]) and torch.equal(outs[0], model.translate(a, z))


def test_preview_rows_are_source_target_and_four_samples_of_the_first_four_inputs():
    torch.manual_seed(0)
    model = Pix2Pix(Pix2PixConfig.smoke()).eval()
    batch = paired_batch(6)
    grids = []
    for seed in (0, 1):  # another global state each time
        torch.manual_seed(seed)
        grids.append(model.preview(batch))
    assert torch.equal(grids[0], grids[1])
    rows = grids[0].view(4, 6, 3, 32, 32)  # four of the six inputs, 2 + 4 images each
    assert torch.equal(rows[:, 0], batch["a"][:4]) and torch.equal(rows[:, 1], batch["b"][:4])
    assert not torch.equal(rows[:, 2], rows[:, 3])  # four different codes


def test_diversity_preview_shows_the_first_three_channels_of_a_source():
    a, b = torch.rand(5, 4, 8, 8), torch.rand(5, 3, 8, 8)

    def translate(x, generator):
        return torch.rand(x.shape[0], 3, 8, 8, generator=generator)

    grid = diversity_preview(translate, a, b, k=2, rows=3)
    assert grid.shape == (3 * 4, 3, 8, 8)
    rows = grid.view(3, 4, 3, 8, 8)
    assert torch.equal(rows[:, 0], a[:3, :3]) and torch.equal(rows[:, 1], b[:3])
    assert not torch.equal(rows[:, 2], rows[:, 3])


def test_smoke_preset_is_cpu_with_the_familys_smoke_networks():
    smoke, cpu = Pix2PixConfig.smoke(), Pix2PixConfig.cpu()
    assert (smoke.num_downs, smoke.ngf, smoke.ndf, smoke.d_layers, smoke.batch_size) == (
        2,
        8,
        8,
        1,
        4,
    )
    assert dataclasses.replace(smoke, **{k: getattr(cpu, k) for k in SHAPES_SMOKE}) == cpu


@pytest.mark.parametrize("generator", ["unet", "resnet"])
def test_generator_takes_the_configured_channels_and_its_code(generator):
    model = build_method(
        "pix2pix",
        "smoke",
        [f"generator={generator}", "resnet_blocks=1", "in_channels=4", "out_channels=1"],
    ).eval()
    a = torch.rand(2, 4, 32, 32) * 2 - 1
    z_1, z_2 = torch.randn(2, 8), torch.randn(2, 8)
    out = model.translate(a, z_1)
    assert out.shape == (2, 1, 32, 32)
    assert not torch.allclose(out, model.translate(a, z_2))  # the code reaches G


@pytest.mark.parametrize("norm, kind", [("instance", nn.InstanceNorm2d), ("batch", nn.BatchNorm2d)])
def test_generator_and_encoder_use_the_configured_norm(norm, kind):
    cfg = Pix2PixConfig.smoke().with_overrides({"norm": norm})
    g, e = Pix2Pix(cfg).G, build_encoder(cfg, nef=8, num_blocks=2)
    other = nn.BatchNorm2d if kind is nn.InstanceNorm2d else nn.InstanceNorm2d
    for net in (g, e):
        assert any(isinstance(m, kind) for m in net.modules())
        assert not any(isinstance(m, other) for m in net.modules())


@pytest.mark.parametrize("use_dropout", [True, False])
def test_generator_has_dropout_exactly_when_configured(use_dropout):
    # pix2pix's dropout sits in the U-Net's inner decoder layers, which need num_downs >= 6
    cfg = {"image_size": 64, "num_downs": 6, "use_dropout": use_dropout}
    g = Pix2Pix(Pix2PixConfig.smoke().with_overrides(cfg)).G
    assert any(isinstance(m, nn.Dropout) for m in g.modules()) == use_dropout


def test_encoder_codes_have_the_configs_size_and_the_codes_default_init():
    cfg = Pix2PixConfig.smoke().with_overrides({"z_dim": 3})
    torch.manual_seed(0)
    e = build_encoder(cfg, nef=16, num_blocks=2)  # gain 0.02: BicycleGAN's init
    mu, logvar = e(torch.rand(2, 3, 32, 32))
    assert mu.shape == logvar.shape == (2, 3)
    weights = torch.cat([m.weight.flatten() for m in e.modules() if isinstance(m, nn.Conv2d)])
    assert weights.std().item() == pytest.approx(0.02, rel=0.1)  # N(0, gain^2)
    assert torch.equal(e.head.logvar.bias, torch.zeros(3))


def test_a_term_that_needs_codes_is_refused_without_them():
    with pytest.raises(
        ValueError, match=r"^a term that compares outputs of one input needs codes: set z_dim > 0$"
    ):
        Pix2Pix(Pix2PixConfig.smoke().with_overrides(["z_dim=0"]), terms=[ModeSeeking(1.0)])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_preview_of_a_model_on_cuda_draws_its_codes_on_cuda():
    """The preview's generator lives on the inputs' device (a CPU one cannot draw CUDA codes)."""
    torch.manual_seed(0)
    model = Pix2Pix(Pix2PixConfig.smoke()).cuda().eval()
    batch = {k: v.cuda() for k, v in paired_batch(4).items()}
    grid = model.preview(batch)
    assert grid.device.type == "cuda" and grid.shape == (4 * 6, 3, 32, 32)


def test_diversity_preview_asks_for_a_generator_on_the_inputs_device(monkeypatch):
    # The CPU half of the CUDA test above: without an accelerator both devices are the CPU, so
    # a spy checks that the generator is requested for a's device (not the default one).
    real, devices = torch.Generator, []

    def generator(device=None):
        devices.append(device)
        return real(device=device)

    monkeypatch.setattr(torch, "Generator", generator)
    a, b = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    diversity_preview(lambda x, generator: x, a, b, k=1, rows=2)
    assert devices == [a.device]
