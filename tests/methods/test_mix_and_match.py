"""Mix-and-match networks: shapes, which networks each loss reaches, stages, Berhu."""

import dataclasses

import pytest
import torch

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
