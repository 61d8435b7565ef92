"""Style pre-training (companion/methods/step.py): the stages, the frozen encoder, mining, and a
resume in each stage that reaches the same weights as an uninterrupted run."""

import re

import pytest
import torch
from stepping import RecordingStepper, paired_batch
from torch.utils.data import Dataset

from companion.config import seed_everything
from companion.losses import mine_triplets
from companion.methods.step import StEP, StEPConfig
from companion.nets import find_vgg16_weights
from companion.train import fit, load_checkpoint


class _Pairs(Dataset):
    def __init__(self, n=32):
        g = torch.Generator().manual_seed(0)
        self.a = torch.rand(n, 3, 32, 32, generator=g) * 2 - 1
        self.b = torch.rand(n, 3, 32, 32, generator=g) * 2 - 1

    def __len__(self):
        return len(self.a)

    def __getitem__(self, i):
        return {"a": self.a[i], "b": self.b[i]}


def _model(**overrides):
    seed_everything(0)
    return StEP(
        StEPConfig.smoke().with_overrides({"stage1_steps": 3, "stage2_steps": 3, **overrides})
    )


def test_stage_follows_the_step_count():
    model = _model()
    assert [model.stage_at(s) for s in range(8)] == [1, 1, 1, 2, 2, 2, 3, 3]
    assert _model(stage1_steps=0).stage_at(0) == 2  # no pre-training: straight to the generator


def test_stage_1_updates_only_the_encoder_and_fills_the_bank():
    model = _model()
    opt = RecordingStepper(model.configure_optimizers())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    logs = model.training_step(paired_batch(), 0, opt)
    assert opt.calls == ["E"] and logs["stage"] == 1.0 and logs["loss/e_triplet"] >= 0
    after = model.state_dict()
    assert not torch.equal(before["E.head.mu.weight"], after["E.head.mu.weight"])
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith(("G.", "D.")))
    assert model.bank_seen.item() == 4 and torch.equal(model.bank_images[:4], paired_batch()["b"])


def test_encoder_gets_no_gradient_in_stage_2_and_trains_in_stage_3():
    model = _model(stage1_steps=0, stage2_steps=1)
    opt = RecordingStepper(model.configure_optimizers())
    e_before = [p.clone() for p in model.E.parameters()]
    g_before = [p.clone() for p in model.G.parameters()]
    logs = model.training_step(paired_batch(), 0, opt)  # stage 2
    assert opt.calls == ["D", "G"] and set(logs) >= {"loss/d", "loss/g_adv", "loss/g_rec"}
    assert "loss/g_l2" not in logs
    assert all(p.grad is None for p in model.E.parameters())
    assert all(torch.equal(p, q) for p, q in zip(model.E.parameters(), e_before))
    assert not all(torch.equal(p, q) for p, q in zip(model.G.parameters(), g_before))
    logs = model.training_step(paired_batch(seed=1), 1, opt)  # stage 3
    assert logs["stage"] == 3.0 and "loss/g_l2" in logs
    assert model.E.head.mu.weight.grad is not None
    assert not torch.equal(model.E.head.mu.weight, e_before[-4])


def test_mining_never_picks_the_anchor_and_draws_from_the_near_and_far_sets():
    # 20 pool images on a line; anchor 0 at position 0: near set 1..5, far set 7..19.
    positions = torch.arange(20.0)
    distances = (positions[None] - positions[:1, None]).pow(2).expand(500, 20)
    seed_everything(0)
    pos, neg = mine_triplets(distances, torch.zeros(500, dtype=torch.long), 5, 13)
    assert set(pos.tolist()) == {1, 2, 3, 4, 5}
    assert set(neg.tolist()) == set(range(7, 20))


def test_mining_shrinks_both_sets_in_a_small_pool():
    distances = torch.tensor([[0.0, 1.0, 2.0, 3.0]]).expand(200, 4)
    pos, neg = mine_triplets(distances, torch.zeros(200, dtype=torch.long), 5, 13)
    assert set(pos.tolist()) == {1} and set(neg.tolist()) == {2, 3}  # 3 others: 1 near, 2 far


@pytest.mark.parametrize("stop", [2, 4, 7])  # a checkpoint in stage 1, stage 2 and stage 3
def test_resumed_run_equals_uninterrupted_in_every_stage(tmp_path, stop):
    total, data = 9, _Pairs()  # stages: 0-2, 3-5, 6-8; 32 samples / batch 4 = 8 per epoch
    straight = _model()
    hist_straight = fit(straight, data, total, tmp_path / "a", log_every=1)

    first = _model()
    fit(first, data, stop, tmp_path / "b", log_every=1)
    assert load_checkpoint(tmp_path / "b")["step"] == stop
    resumed = _model()  # a fresh process would start like this
    hist_resumed = fit(resumed, data, total, tmp_path / "b", log_every=1)

    assert [h["stage"] for h in hist_resumed] == [1.0] * 3 + [2.0] * 3 + [3.0] * 3
    assert hist_resumed == hist_straight
    a, b = straight.state_dict(), resumed.state_dict()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_sampling_prior_is_the_codes_empirical_distribution():
    model = _model()
    b = paired_batch(n=16)["b"]
    mean, std = model.fit_code_distribution(b)
    z = model.encode(b)
    assert torch.allclose(mean, z.mean(0).detach()) and torch.allclose(std, z.std(0).detach())
    draws = model.sample_codes(4000, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(draws.mean(0), mean, atol=4 * std.max() / 60)


def test_paper_preset_names_the_missing_vgg_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(FileNotFoundError, match=r"vgg16-397923af\.pth not found.*COMPANION_W"):
        find_vgg16_weights()
    with pytest.raises(FileNotFoundError, match="vgg16-397923af"):
        StEP(StEPConfig.paper())


@pytest.mark.slow
def test_paper_preset_trains_each_stage_on_edges2shoes(tmp_path, monkeypatch, capsys):
    """`companion train step --preset paper --data edges2shoes --root <fixture>`, 3 steps.

    The VGG16 file is random weights in torchvision's layout (the real one is not downloaded
    in tests); stage lengths of 1 make the three steps one per stage.
    """
    import json

    from companion.cli import main
    from companion.nets.style_features import _VGG16_CFG, VGG16_FILENAME, _torchvision_index

    gen = torch.Generator().manual_seed(0)
    state, c_in, k = {}, 3, 0
    for v in (v for v in _VGG16_CFG if v != "M"):
        name = f"features.{_torchvision_index(k)}"
        state[f"{name}.weight"] = (
            torch.randn(v, c_in, 3, 3, generator=gen) * (2 / (9 * c_in)) ** 0.5
        )
        state[f"{name}.bias"] = torch.zeros(v)
        c_in, k = v, k + 1
    torch.save(state, tmp_path / VGG16_FILENAME)
    monkeypatch.setenv("COMPANION_WEIGHTS_DIR", str(tmp_path))
    out = tmp_path / "run"
    argv = ["train", "step", "--preset", "paper", "--data", "edges2shoes"]
    argv += ["--root", "tests/fixtures/datasets", "--steps", "3", "--batch-size", "2"]
    argv += ["--set", "stage1_steps=1", "--set", "stage2_steps=1", "--set", "bank_size=4"]
    code = main([*argv, "--out", str(out), "--log-every", "1"])
    assert code == 0, capsys.readouterr().err
    config = json.loads((out / "config.json").read_text())["config"]
    assert (config["image_size"], config["dataset"], config["style_features"]) == (
        256,
        "edges2shoes",
        "vgg16",
    )
    assert config["rec_loss"] == "perceptual" and config["lambda_rec"] == 0.02  # A.1
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert [h["stage"] for h in history] == [1.0, 2.0, 3.0]
    assert all(v == v for h in history for v in h.values())  # finite, no NaN


def test_cpu_and_smoke_presets():
    from companion.methods.translation import SHAPES_32, SHAPES_SMOKE

    paper, cpu, smoke = StEPConfig.paper(), StEPConfig.cpu(), StEPConfig.smoke()
    assert (paper.lr, paper.beta1, paper.beta2, paper.lambda_rec, paper.lambda_l2) == (
        1e-3,
        0.0,
        0.99,
        0.02,
        0.01,
    )
    expected = {
        **SHAPES_32,
        "d_scales": 1,
        "z_injection": "input",
        "style_features": "random_conv",
        "rec_loss": "l1",
        "lambda_rec": 10.0,
        "nef": 16,
        "encoder_blocks": 3,
        "encoder_init_gain": 1.0,
        "bank_size": 256,
        "stage1_steps": 150,
        "stage2_steps": 200,
    }
    assert {k: cpu.to_dict()[k] for k in expected} == expected
    changed = {k for k, v in cpu.to_dict().items() if paper.to_dict()[k] != v}
    assert changed == {k for k, v in expected.items() if paper.to_dict()[k] != v}
    expected = {**SHAPES_SMOKE, "nef": 8, "encoder_blocks": 2, "bank_size": 8}
    expected |= {"stage1_steps": 1, "stage2_steps": 1}
    assert {k: v for k, v in smoke.to_dict().items() if cpu.to_dict()[k] != v} == expected


def test_settings_are_refused_by_name():
    cases = {
        "z_dim=0": "StEP needs a code: z_dim must be > 0, got 0",
        "rec_loss=l2": "rec_loss must be 'l1' or 'perceptual', got 'l2'",
        "bank_size=1": "need bank_size >= 2 and k_close, k_far >= 1; got 1, 5, 13",
        "k_close=0": "need bank_size >= 2 and k_close, k_far >= 1; got 8, 0, 13",
        "k_far=0": "need bank_size >= 2 and k_close, k_far >= 1; got 8, 5, 0",
    }
    for override, message in cases.items():
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            StEP(StEPConfig.smoke().with_overrides([override]))
    assert StEP(StEPConfig.smoke().with_overrides(["bank_size=2", "k_close=1", "k_far=1"]))


def test_the_bank_is_a_ring_buffer_of_targets_and_their_styles():
    model = _model()  # bank_size 8
    for i in range(3):  # 3 batches of 4: the third overwrites the first
        b = torch.full((4, 3, 32, 32), float(i))
        model.push_to_bank(b, torch.full((4, model.bank_styles.shape[1]), float(i)))
    assert model.bank_seen.item() == 12
    assert model.bank_images[:, 0, 0, 0].tolist() == [2.0] * 4 + [1.0] * 4
    assert model.bank_styles[:, 0].tolist() == [2.0] * 4 + [1.0] * 4


class _Nothing:
    """Records each update's loss and changes no weight."""

    def __init__(self):
        self.losses = {}

    def step(self, name, loss, *, retain_graph=False):
        self.losses[name] = loss.detach()


@pytest.mark.parametrize("stage", [2, 3])
def test_each_term_of_eq_2_is_its_formula_times_its_weight(stage):
    from companion.losses import code_l2_penalty

    weights = {"lambda_gan": 2.0, "lambda_rec": 3.0, "lambda_l2": 5.0}
    model = _model(stage1_steps=0, stage2_steps=1, **weights)
    a, b = paired_batch()["a"], paired_batch()["b"]
    opt = _Nothing()
    logs = model.training_step({"a": a, "b": b}, stage - 2, opt)
    assert logs["stage"] == float(stage)
    with torch.no_grad():
        z = model.encode(b)
        fake = model.G(a, z)
        expected = {
            "adv": 2.0 * model.g_adversarial(model.D, [model.pair(a, fake)]),
            "rec": 3.0 * (fake - b).abs().mean(),
        }
        if stage == 3:
            expected["l2"] = 5.0 * code_l2_penalty(z)
        d = model.d_adversarial(model.D, model.pair(a, b), [model.pair(a, fake)])
    assert {k for k in logs if k.startswith("loss/g_")} == {f"loss/g_{k}" for k in expected}
    for key, value in expected.items():
        assert logs[f"loss/g_{key}"] == pytest.approx(value.item(), rel=1e-5), key
    assert logs["loss/g"] == pytest.approx(sum(v.item() for v in expected.values()), rel=1e-5)
    assert logs["loss/d"] == pytest.approx(d.item(), rel=1e-5)
    assert opt.losses["D"].item() == pytest.approx(d.item(), rel=1e-5)


def test_a_one_dimensional_code_and_the_smallest_bank_are_allowed():
    assert StEP(StEPConfig.smoke().with_overrides(["z_dim=1"])).code_dim == 1
    small = StEP(StEPConfig.smoke().with_overrides(["bank_size=2", "k_close=1", "k_far=1"]))
    assert small.bank_images.shape[0] == 2


def test_the_style_network_is_frozen(monkeypatch):
    import companion.methods.step as step_module

    class WithWeights(torch.nn.Module):  # a feature net with parameters (VGG16's stand-in)
        def __init__(self, channels):
            super().__init__()
            self.conv = torch.nn.Conv2d(channels, 4, 3, padding=1)

        def forward(self, x):
            return [self.conv(x)]

    monkeypatch.setattr(step_module, "build_style_features", lambda kind, c: WithWeights(c))
    model = StEP(StEPConfig.smoke())
    params = list(model.style_net.parameters())
    assert params and not any(p.requires_grad for p in params)


def test_optimizers_use_the_configs_rate_and_betas():
    model = StEP(StEPConfig.smoke().with_overrides(["lr=0.0123", "beta1=0.25", "beta2=0.75"]))
    opts = model.configure_optimizers()
    assert set(opts) == {"E", "D", "G"}
    for opt in opts.values():
        group = opt.param_groups[0]
        assert (group["lr"], group["betas"]) == (0.0123, (0.25, 0.75))
    g_params = {id(p) for p in opts["G"].param_groups[0]["params"]}
    assert g_params == {id(p) for p in [*model.G.parameters(), *model.E.parameters()]}


def test_the_triplet_step_is_eq_1_plus_the_weighted_code_penalty():
    from companion.losses import code_l2_penalty, triplet_margin_loss

    model = _model(lambda_reg=0.5, margin=0.3)
    b = paired_batch()["b"]
    opt = _Nothing()
    torch.manual_seed(3)
    logs = model.training_step({"a": paired_batch()["a"], "b": b}, 0, opt)
    torch.manual_seed(3)  # the bank was empty: the pool is the batch
    s = model.style_of(b)
    pos, neg = mine_triplets(torch.cdist(s, s).pow(2), torch.arange(4), 5, 13)
    with torch.no_grad():
        z_a, z_p, z_n = model.encode(torch.cat([b, b[pos], b[neg]])).split(4)
    triplet = triplet_margin_loss(z_a, z_p, z_n, 0.3)
    reg = code_l2_penalty(z_a, z_p, z_n)
    assert logs["loss/e_triplet"] == pytest.approx(triplet.item(), rel=1e-5)
    assert logs["loss/e_reg"] == pytest.approx(0.5 * reg.item(), rel=1e-5)
    assert logs["loss/e"] == pytest.approx((triplet + 0.5 * reg).item(), rel=1e-5)
    assert opt.losses["E"].item() == pytest.approx(logs["loss/e"], rel=1e-6)


def test_the_perceptual_reconstruction_weights_deeper_layers_more():
    model = _model(rec_loss="perceptual")
    b_rec, b = paired_batch()["a"], paired_batch()["b"]
    f_rec, f = model.style_net(b_rec), model.style_net(b)
    assert len(f) == 2  # random_conv: two layers, weights 1/4 and 1/2
    expected = sum(
        w * (0.1 * (x - y)).pow(2).mean() for w, x, y in zip((0.25, 0.5), f_rec, f, strict=True)
    )
    assert model.reconstruction(b_rec, b).item() == pytest.approx(expected.item(), rel=1e-5)


def test_the_cycle_term_is_told_the_stage(monkeypatch):
    import companion.methods.step as step_module

    stages = []
    cycle = step_module.cyclic_reconstruction

    def recording(model, a, b, z, stage):
        stages.append(stage)
        return cycle(model, a, b, z, stage)

    monkeypatch.setattr(step_module, "cyclic_reconstruction", recording)
    model = _model(stage1_steps=0, stage2_steps=1, cross_cycle=True)
    model.training_step(paired_batch(), 0, _Nothing())
    model.training_step(paired_batch(), 1, _Nothing())
    assert stages == [2, 3]


def test_codes_are_drawn_from_the_fitted_prior_with_the_generator_on_the_device():
    model = _model()
    model.code_mean.copy_(torch.arange(8.0))
    model.code_std.copy_(torch.full((8,), 0.5))
    z = model.sample_codes(3, generator=torch.Generator().manual_seed(0))
    expected = torch.arange(8.0) + 0.5 * torch.randn(
        3, 8, generator=torch.Generator().manual_seed(0)
    )
    assert torch.allclose(z, expected)
    assert model.sample_codes(3, device="meta").device.type == "meta"
