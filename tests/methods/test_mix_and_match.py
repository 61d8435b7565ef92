"""Mix-and-match networks: shapes, which networks each loss reaches, stages, Berhu."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F

from companion.losses import d_lsgan
from companion.methods.mix_and_match import MixAndMatch, MixAndMatchConfig, berhu
from companion.stepper import Stepper

PRESETS = ("smoke", "cpu", "gpu", "paper")


@pytest.mark.parametrize("preset", PRESETS)
def test_every_encoder_and_decoder_shape(preset):
    cfg = MixAndMatchConfig.from_preset(preset)
    s, k, n = cfg.image_size, cfg.num_classes, 2
    with torch.device("meta"):  # the paper's VGG-16 nets at 256 px: shapes without the FLOPs
        model = MixAndMatch(cfg)
        inputs = {
            "rgb": torch.zeros(n, 3, s, s),
            "depth": torch.zeros(n, 1, s, s),
            "seg": torch.zeros(n, k, s, s),
        }
        side = s // 2**cfg.num_levels
        width = cfg.ngf * min(2 ** (cfg.num_levels - 1), 8)
        expected = {"rgb": (n, 3, s, s), "depth": (n, 1, s, s), "seg": (n, k, s, s)}
        for source, x in inputs.items():
            h, idx = model.enc[source](x)
            assert h.shape == (n, width, side, side)
            assert len(idx) == cfg.num_levels
            for target, shape in expected.items():
                assert model.dec[target](h, idx).shape == shape, (source, target)
    if preset == "paper":  # Table A.3: an 8x8x512 latent at 256 px
        assert (width, side) == (512, 8)


def _terms(cfg, step):
    torch.manual_seed(0)
    model = MixAndMatch(cfg)
    batch = model.example_batch(2, generator=torch.Generator().manual_seed(0))
    terms, _ = model.g_terms(model.pairs(batch), step)
    return model, terms


def _reaches(term, module):
    grads = torch.autograd.grad(
        term, list(module.parameters()), retain_graph=True, allow_unused=True
    )
    return any(g is not None and bool(g.abs().sum() > 0) for g in grads)


@pytest.mark.parametrize("stage_step", [0, 1])  # stage 1, stage 2 (autoencoders, latent loss)
def test_no_seen_loss_trains_the_unseen_pair(stage_step):
    cfg = dataclasses.replace(MixAndMatchConfig.smoke(), lambda_gan=0.0, pp_start=10**9)
    model, terms = _terms(cfg, stage_step)
    assert model.stage(stage_step) == stage_step + 1
    for name, term in terms.items():
        # a term through g_S(f_D(.)) or g_D(f_S(.)) would reach both networks of the pair
        assert not (_reaches(term, model.enc["depth"]) and _reaches(term, model.dec["seg"])), name
        assert not (_reaches(term, model.enc["seg"]) and _reaches(term, model.dec["depth"])), name


def test_pseudo_pairs_train_the_unseen_pair_and_spare_rgb():
    cfg = dataclasses.replace(MixAndMatchConfig.smoke(), lambda_gan=0.0)
    model, terms = _terms(cfg, 1)
    assert model.stage(1) == 3
    pp = terms["pp"]
    assert _reaches(pp, model.enc["depth"]) and _reaches(pp, model.dec["seg"])
    assert _reaches(pp, model.enc["seg"]) and _reaches(pp, model.dec["depth"])
    assert not _reaches(pp, model.enc["rgb"])  # the teachers' targets are detached


def test_latent_loss_pulls_the_other_encoders_onto_the_frozen_rgb_one():
    cfg = dataclasses.replace(MixAndMatchConfig.smoke(), lambda_gan=0.0, pp_start=10**9)
    model, terms = _terms(cfg, 1)
    assert _reaches(terms["latent"], model.enc["seg"])
    assert _reaches(terms["latent"], model.enc["depth"])
    assert not _reaches(terms["latent"], model.enc["rgb"])
    assert "latent" not in _terms(cfg, 0)[1]  # stage 1 has no latent loss
    no_latent = dataclasses.replace(cfg, lambda_a=0.0)
    assert "latent" not in _terms(no_latent, 1)[1]


def test_rgb_encoder_is_frozen_from_stage_two():
    cfg = dataclasses.replace(MixAndMatchConfig.smoke(), pp_start=10**9, stage2_start=1)
    torch.manual_seed(0)
    model = MixAndMatch(cfg)
    opt = Stepper(model.configure_optimizers())
    batch = model.example_batch(2, generator=torch.Generator().manual_seed(0))
    before = [p.clone() for p in model.enc["rgb"].parameters()]
    model.training_step(batch, 0, opt)  # stage 1 trains f_R
    after1 = [p.clone() for p in model.enc["rgb"].parameters()]
    assert any(not torch.equal(a, b) for a, b in zip(before, after1))
    logs = model.training_step(batch, 1, opt)  # stage 2 leaves it alone
    assert all(torch.equal(a, b) for a, b in zip(after1, model.enc["rgb"].parameters()))
    assert {"loss/d", "loss/g", "loss/g_latent", "loss/g_rgb_adv"} <= set(logs)


def test_berhu_is_l1_below_c_and_scaled_l2_above():
    r = torch.tensor([[[[0.1, -0.2, 1.0, 0.5]]]])  # c = 0.2 * 1.0
    expected = (0.1 + 0.2 + (1.0 + 0.04) / 0.4 + (0.25 + 0.04) / 0.4) / 4
    assert float(berhu(r)) == pytest.approx(expected)
    assert float(berhu(torch.zeros(1, 1, 2, 2))) == 0.0
    # c is a fifth of each image's own largest residual: 0.4 for the first, 0.1 for the second
    two = torch.tensor([[[[0.3, -2.0]]], [[[0.05, 0.5]]]])
    first, second = (0.3 + (4.0 + 0.16) / 0.8) / 2, (0.05 + (0.25 + 0.01) / 0.2) / 2
    assert float(berhu(two)) == pytest.approx((first + second) / 2)


def test_translate_and_refusals():
    cfg = MixAndMatchConfig.smoke()
    model = MixAndMatch(cfg).eval()
    s = cfg.image_size
    seg = torch.randint(0, cfg.num_classes, (3, s, s))
    assert model.translate(torch.zeros(3, 1, s, s)).shape == (3, cfg.num_classes, s, s)
    assert model.translate(seg, source="seg", target="depth").shape == (3, 1, s, s)
    rgb = model.translate(seg, source="seg", target="rgb")
    assert rgb.shape == (3, 3, s, s) and rgb.abs().max() <= 1
    with pytest.raises(ValueError, match="source and target"):
        model.translate(seg, source="seg", target="nir")
    oracle = MixAndMatch(dataclasses.replace(cfg, supervise_unseen=True))
    opt = Stepper(oracle.configure_optimizers())
    with pytest.raises(ValueError, match="needs triplets"):
        oracle.training_step(oracle.example_batch(2), 0, opt)
    triplets = {
        "rgb": torch.zeros(2, 3, s, s),
        "depth": torch.zeros(2, 1, s, s),
        "seg": torch.zeros(2, s, s, dtype=torch.long),
    }
    assert "loss/g_unseen" in oracle.training_step(triplets, 0, opt)
    with pytest.raises(ValueError, match="image_size"):
        model.pairs({k: v[..., :8] for k, v in model.example_batch(2).items()})


def _weighted(**weights):
    return dataclasses.replace(MixAndMatchConfig.smoke(), **weights)


def test_stage_1_terms_are_their_formulas_times_their_weights():
    import torch.nn.functional as F

    from companion.losses import g_lsgan

    cfg = _weighted(lambda_s=2.0, lambda_d=3.0, lambda_r=5.0, lambda_l2=7.0, lambda_gan=0.5)
    cfg = dataclasses.replace(cfg, stage2_start=10, pp_start=20)
    model, terms = _terms(cfg, 0)
    batch = model.example_batch(2, generator=torch.Generator().manual_seed(0))
    x_rs, y, x_rd, z = batch["rs_rgb"], batch["rs_seg"], batch["rd_rgb"], batch["rd_depth"]
    with torch.no_grad():
        seg = model.dec["seg"](*model.encode("rgb", x_rs))
        depth = model.dec["depth"](*model.encode("rgb", x_rd))
        rgb_s = model.dec["rgb"](*model.encode("seg", y))
        rgb_d = model.dec["rgb"](*model.encode("depth", z))
    expected = {
        "seg": 2.0 * F.cross_entropy(seg, y),
        "depth": 3.0 * berhu(depth - z),
        "rgb_l2": 35.0 * (F.mse_loss(rgb_s, x_rs) + F.mse_loss(rgb_d, x_rd)),
    }
    assert set(terms) == set(expected)
    for key, value in expected.items():
        assert terms[key].item() == pytest.approx(value.item(), rel=1e-5), key
    fakes = torch.cat([rgb_s, rgb_d])
    adv = model.adversarial_term(fakes, 0)
    assert adv.item() == pytest.approx(5.0 * 0.5 * g_lsgan(model.disc(fakes)).item(), rel=1e-5)


def test_cpu_gpu_and_smoke_presets():
    paper, cpu = MixAndMatchConfig.paper(), MixAndMatchConfig.cpu()
    assert {k: v for k, v in cpu.to_dict().items() if paper.to_dict()[k] != v} == {
        "image_size": 32,
        "num_classes": 5,
        "ngf": 16,
        "num_levels": 2,
        "convs_per_level": 1,
        "lambda_gan": 0.0,
        "stage2_start": 300,
        "pp_start": 10**9,
        "lr": 1e-3,
        "batch_size": 8,
    }
    gpu = MixAndMatchConfig.gpu()
    assert {k: v for k, v in gpu.to_dict().items() if cpu.to_dict()[k] != v} == {
        "image_size": 64,
        "ngf": 32,
        "num_levels": 3,
        "stage2_start": 3000,
        "pp_start": 6000,
    }
    smoke = MixAndMatchConfig.smoke()
    assert {k: v for k, v in smoke.to_dict().items() if cpu.to_dict()[k] != v} == {
        "ngf": 4,
        "lambda_gan": 1.0,
        "ndf": 4,
        "d_layers": 1,
        "stage2_start": 1,
        "pp_start": 1,
        "batch_size": 2,
    }


def test_stage_2_terms_with_the_autoencoders_and_the_latent_loss():
    import torch.nn.functional as F

    cfg = _weighted(lambda_s=2.0, lambda_d=3.0, lambda_r_2=5.0, lambda_l2_2=7.0, lambda_a=4.0)
    cfg = dataclasses.replace(cfg, latent_noise=0.0, stage2_start=1, pp_start=10**9)
    model, terms = _terms(cfg, 1)
    batch = model.example_batch(2, generator=torch.Generator().manual_seed(0))
    x_rs, y, x_rd, z = batch["rs_rgb"], batch["rs_seg"], batch["rd_rgb"], batch["rd_depth"]
    with torch.no_grad():
        c = {
            "rs": model.encode("rgb", x_rs),
            "rd": model.encode("rgb", x_rd),
            "s": model.encode("seg", y),
            "d": model.encode("depth", z),
        }
        seg = sum(F.cross_entropy(model.dec["seg"](*c[k]), y) for k in ("rs", "s"))
        depth = sum(berhu(model.dec["depth"](*c[k]) - z) for k in ("rd", "d"))
        pairs = (("s", x_rs), ("d", x_rd), ("rs", x_rs), ("rd", x_rd))
        rgb = sum(F.mse_loss(model.dec["rgb"](*c[k]), x) for k, x in pairs)
        lat = F.mse_loss(c["s"][0], c["rs"][0]) + F.mse_loss(c["d"][0], c["rd"][0])
    expected = {"seg": 2.0 * seg, "depth": 3.0 * depth, "rgb_l2": 35.0 * rgb, "latent": 4.0 * lat}
    assert set(terms) == set(expected)
    for key, value in expected.items():
        assert terms[key].item() == pytest.approx(value.item(), rel=1e-5), key
    fakes = torch.zeros(2, 3, 32, 32)
    from companion.losses import g_lsgan

    expected_adv = 5.0 * 1.0 * g_lsgan(model.disc(fakes))
    assert model.adversarial_term(fakes, 1).item() == pytest.approx(expected_adv.item())


def test_example_batch_optimizers_stages_and_messages():
    model = MixAndMatch(MixAndMatchConfig.smoke())
    one = model.example_batch(64, generator=torch.Generator().manual_seed(0))
    two = model.example_batch(64, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(one[k], two[k]) for k in one)
    for key in ("rs_rgb", "rd_rgb", "rd_depth"):
        assert -1 <= one[key].min() < -0.99 and 0.99 < one[key].max() <= 1, key
    assert set(one["rs_seg"].unique().tolist()) == set(range(5))
    cfg = dataclasses.replace(MixAndMatchConfig.smoke(), lr=0.0123, beta1=0.25)
    for opt in MixAndMatch(cfg).configure_optimizers().values():
        assert (opt.param_groups[0]["lr"], opt.param_groups[0]["betas"]) == (0.0123, (0.25, 0.999))
    staged = dataclasses.replace(MixAndMatchConfig.smoke(), stage2_start=2, pp_start=4)
    assert [MixAndMatch(staged).stage(s) for s in range(5)] == [1, 1, 2, 2, 3]
    half = dataclasses.replace(staged, lambda_pp=0.5)
    assert MixAndMatch(half).stage(4) == 3
    assert MixAndMatch(dataclasses.replace(staged, lambda_pp=0.0)).stage(4) == 2
    with pytest.raises(
        KeyError, match=r"expected zero-pair keys rs_rgb, ... or triplets; got \['x'\]"
    ):
        model.pairs({"x": 0})
    with pytest.raises(ValueError, match="images are 8 px, the config says image_size=32"):
        model.pairs({k: v[..., :8, :8] for k, v in model.example_batch(2).items()})
    oracle = MixAndMatch(dataclasses.replace(MixAndMatchConfig.smoke(), supervise_unseen=True))
    with pytest.raises(
        ValueError,
        match=r"needs triplets \(keys rgb, depth, seg\); a zero-pair batch has none: load "
        "'scenes' instead",
    ):
        oracle.pairs(model.example_batch(2))


def _spy_decode(model, monkeypatch):
    """Every (target, noise argument) ``model.decode`` is called with, in order."""
    calls, real = [], model.decode

    def decode(code, target, *noise, **kw):
        calls.append((target, noise + tuple(kw.values())))
        return real(code, target, *noise, **kw)

    monkeypatch.setattr(model, "decode", decode)
    return calls


def test_latent_noise_reaches_every_decoder_from_stage_two(monkeypatch):
    cfg = dataclasses.replace(
        MixAndMatchConfig.smoke(), lambda_gan=0.0, latent_noise=0.3, stage2_start=1, pp_start=2
    )
    torch.manual_seed(0)
    model = MixAndMatch(cfg)
    p = model.pairs(model.example_batch(2, generator=torch.Generator().manual_seed(0)))
    calls = _spy_decode(model, monkeypatch)
    model.g_terms(p, 0)  # stage 1: no noise, four decodes (T_RS, T_RD, two RGB)
    assert calls == [("seg", (0.0,)), ("depth", (0.0,)), ("rgb", (0.0,)), ("rgb", (0.0,))]
    calls.clear()
    model.g_terms(p, 1)  # stage 2: noise on all eight (with the autoencoders)
    assert len(calls) == 8 and all(noise == (0.3,) for _, noise in calls)
    assert sorted(t for t, _ in calls) == ["depth"] * 2 + ["rgb"] * 4 + ["seg"] * 2
    calls.clear()
    model.g_terms(p, 2)  # stage 3: the pseudo-pairs' teachers decode without noise
    assert calls[8:] == [("depth", ()), ("seg", ()), ("depth", (0.3,)), ("seg", (0.3,))]


def test_decode_adds_gaussian_noise_of_the_given_std_to_the_latent():
    cfg = MixAndMatchConfig.smoke()
    torch.manual_seed(0)
    model = MixAndMatch(cfg).eval()
    z = torch.rand(2, 1, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1
    code = model.encode("depth", z)
    torch.manual_seed(5)
    out = model.decode(code, "depth", 0.5)
    torch.manual_seed(5)
    h, idx = code
    assert torch.equal(out, model.dec["depth"](h + 0.5 * torch.randn_like(h), idx))


def test_translate_is_deterministic_and_draws_no_random_numbers():
    cfg = MixAndMatchConfig.smoke()
    torch.manual_seed(0)
    model = MixAndMatch(cfg).eval()
    z = torch.zeros(2, 1, 32, 32)
    torch.manual_seed(0)
    first, after = model.translate(z), torch.rand(3)
    torch.manual_seed(0)
    assert torch.equal(model.translate(z), first)
    assert torch.equal(torch.rand(3), after)  # the global RNG did not move
    torch.manual_seed(0)
    assert torch.equal(torch.rand(3), after)


def test_unknown_labels_encode_as_zero_and_are_ignored_by_the_loss():
    cfg = dataclasses.replace(_weighted(lambda_s=2.0), stage2_start=10, pp_start=20)
    torch.manual_seed(0)
    model = MixAndMatch(cfg)
    batch = model.example_batch(2, generator=torch.Generator().manual_seed(0))
    unknown = torch.full((2, 32, 32), -1)
    with torch.no_grad():
        h, _ = model.encode("seg", unknown)
        h0, _ = model.enc["seg"](torch.zeros(2, cfg.num_classes, 32, 32))
    assert torch.equal(h, h0)  # "unknown" pixels are all-zero one-hot vectors
    labels = torch.tensor([0, 1, 2, 0]).repeat_interleave(8).expand(2, 32, 32)  # 0 is a class
    with torch.no_grad():
        h, _ = model.encode("seg", labels)
        one_hot = F.one_hot(labels, cfg.num_classes).permute(0, 3, 1, 2).float()
        assert torch.equal(h, model.enc["seg"](one_hot)[0])
    batch["rs_seg"][:, :16] = -1  # half of each map unknown
    terms, _ = model.g_terms(model.pairs(batch), 0)
    with torch.no_grad():
        seg = model.dec["seg"](*model.encode("rgb", batch["rs_rgb"]))
    expected = 2.0 * F.cross_entropy(seg, batch["rs_seg"], ignore_index=-1)
    assert terms["seg"].item() == pytest.approx(expected.item(), rel=1e-5)


def test_pseudo_pair_and_oracle_terms_are_their_formulas_times_their_weights():
    cfg = _weighted(lambda_s=2.0, lambda_d=3.0, lambda_pp=5.0, lambda_a=0.5, lambda_gan=0.0)
    cfg = dataclasses.replace(cfg, latent_noise=0.0, stage2_start=1, pp_start=2)
    model, terms = _terms(cfg, 2)
    batch = model.example_batch(2, generator=torch.Generator().manual_seed(0))
    x_rs, y, x_rd, z = batch["rs_rgb"], batch["rs_seg"], batch["rd_rgb"], batch["rd_depth"]
    with torch.no_grad():
        c = {"rs": model.encode("rgb", x_rs), "rd": model.encode("rgb", x_rd)}
        c |= {"s": model.encode("seg", y), "d": model.encode("depth", z)}
        depth_pp = berhu(model.dec["depth"](*c["s"]) - model.dec["depth"](*c["rs"]))
        seg_pp = F.cross_entropy(model.dec["seg"](*c["d"]), model.dec["seg"](*c["rd"]).argmax(1))
        lat = F.mse_loss(c["s"][0], c["rs"][0]) + F.mse_loss(c["d"][0], c["rd"][0])
    assert terms["pp"].item() == pytest.approx(5.0 * (depth_pp + seg_pp).item(), rel=1e-5)
    assert terms["latent"].item() == pytest.approx(0.5 * lat.item(), rel=1e-5)  # lambda_a < 1
    oracle = dataclasses.replace(cfg, supervise_unseen=True, stage2_start=10, pp_start=20)
    torch.manual_seed(0)
    model = MixAndMatch(oracle)
    g = torch.Generator().manual_seed(0)
    triplets = {
        "rgb": torch.rand(2, 3, 32, 32, generator=g) * 2 - 1,
        "depth": torch.rand(2, 1, 32, 32, generator=g) * 2 - 1,
        "seg": torch.randint(0, oracle.num_classes, (2, 32, 32), generator=g),
    }
    terms, _ = model.g_terms(model.pairs(triplets), 0)
    with torch.no_grad():
        seg = model.dec["seg"](*model.encode("depth", triplets["depth"]))
        depth = model.dec["depth"](*model.encode("seg", triplets["seg"]))
    expected = 2.0 * F.cross_entropy(seg, triplets["seg"]) + 3.0 * berhu(depth - triplets["depth"])
    assert terms["unseen"].item() == pytest.approx(expected.item(), rel=1e-5)


def test_discriminator_loss_is_its_weight_times_lsgan_and_is_logged():
    cfg = dataclasses.replace(_weighted(lambda_gan=0.5), stage2_start=10, pp_start=20)
    torch.manual_seed(0)
    model = MixAndMatch(cfg)
    batch = model.example_batch(2, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        p = model.pairs(batch)
        fakes = torch.cat(
            [model.dec["rgb"](*model.encode(m, p[k])) for m, k in (("seg", "y"), ("depth", "z"))]
        )
        real = torch.cat([p["x_rs"], p["x_rd"]])
        expected = 0.5 * d_lsgan(model.disc(real), model.disc(fakes))
    logs = model.training_step(batch, 0, Stepper(model.configure_optimizers()))
    assert logs["loss/d"] == pytest.approx(expected.item(), rel=1e-5)


def test_networks_follow_the_config():
    cfg = dataclasses.replace(MixAndMatchConfig.smoke(), use_pooling_indices=False, d_layers=2)
    model = MixAndMatch(cfg)
    assert not model.dec["seg"].use_indices and not model.dec["depth"].use_indices
    default = MixAndMatch(MixAndMatchConfig.smoke())
    assert default.dec["seg"].use_indices is True and default.dec["depth"].use_indices is True
    assert MixAndMatch(dataclasses.replace(cfg, lambda_gan=0.0)).disc is None  # no C, no L_GAN
    kinds = {type(m) for m in model.disc.modules()}
    assert torch.nn.BatchNorm2d in kinds and torch.nn.InstanceNorm2d not in kinds


def test_image_size_message_reads_the_width():
    model = MixAndMatch(MixAndMatchConfig.smoke())
    with pytest.raises(ValueError, match="images are 8 px"):  # 16 rows of 8 pixels
        model.pairs({k: v[..., :16, :8] for k, v in model.example_batch(2).items()})


class _LrRecorder:
    """A stepper that updates nothing and records every ``set_lr``."""

    def __init__(self):
        self.lrs = []

    def step(self, name, loss, **kw):
        pass

    def set_lr(self, lrs):
        self.lrs.append(lrs)


def test_only_stage_3_runs_at_the_pseudo_pair_learning_rate():
    cfg = dataclasses.replace(MixAndMatchConfig.smoke(), stage2_start=1, pp_start=2, lr_pp=1e-5)
    torch.manual_seed(0)
    model = MixAndMatch(cfg)
    batch = model.example_batch(2, generator=torch.Generator().manual_seed(0))
    stepper = _LrRecorder()
    for step in (0, 1):  # stages 1 and 2 keep the configured rate
        model.training_step(batch, step, stepper)
    assert stepper.lrs == []
    model.training_step(batch, 2, stepper)  # Sec. 4.6.1: stage 3 at lr_pp
    assert stepper.lrs == [{"G": [1e-5]}]
