"""SDIT: conditional instance norm, attention blend, the thesis' sizes, the step's updates."""

import pytest
import torch
import torch.nn.functional as F
from stepping import RecordingStepper

from companion.methods.sdit import SDIT, SDITConfig
from companion.nets.adain import adaptive_instance_norm
from companion.nets.conditional import ConditionalInstanceNorm, SDITDiscriminator, SDITGenerator


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_cin_selects_the_rows_of_the_target_domain():
    torch.manual_seed(0)
    cin = ConditionalInstanceNorm(4, num_domains=3)
    with torch.no_grad():
        cin.gamma.copy_(torch.randn(3, 4))
        cin.beta.copy_(torch.randn(3, 4))
    e = torch.randn(2, 4, 5, 5)
    label = torch.tensor([2, 0])
    expected = adaptive_instance_norm(e, cin.gamma[label], cin.beta[label])
    assert torch.allclose(cin(e, label), expected)
    with torch.no_grad():
        cin.gamma[1].add_(5.0)  # a domain neither sample asks for
        cin.beta[1].add_(5.0)
    assert torch.allclose(cin(e, label), expected)
    d_gamma, d_beta = torch.randn(2, 4), torch.randn(2, 4)
    shifted = adaptive_instance_norm(e, cin.gamma[label] + d_gamma, cin.beta[label] + d_beta)
    assert torch.allclose(cin(e, label, d_gamma, d_beta), shifted)


def test_cin_at_its_initial_rows_is_instance_norm():
    cin = ConditionalInstanceNorm(3, num_domains=2)
    e = torch.randn(2, 3, 6, 6)
    assert torch.allclose(cin(e, torch.tensor([0, 1])), F.instance_norm(e), atol=1e-5)


def test_mapping_network_has_the_thesis_size_at_the_paper_preset():
    cfg = SDITConfig.paper()
    g = SDITGenerator(cfg.num_domains, cfg.z_dim, cfg.conv_dim, 1, cfg.num_cin, cfg.mlp_dim)
    assert g.mapping[-1].out_features == 4096  # Sec. 6.4: "256 and 4096 units"
    assert _count(g.mapping) == 1_054_976  # "M adds around 1M parameters"
    d = SDITDiscriminator(cfg.num_domains, cfg.z_dim, cfg.image_size, conv_dim=1, layers=6)
    assert d.rec_fc.in_features == 32 and d.rec_fc.out_features == 8  # "from 32 units to 8"


@pytest.mark.parametrize("mode, kept", [("both", (True, True)), ("gamma", (True, False)),
                                        ("beta", (False, True))])  # fmt: skip
def test_cin_mode_keeps_the_chosen_modulations(mode, kept):
    g = SDITGenerator(2, 4, conv_dim=2, num_res=1, num_cin=2, mlp_dim=8, cin_mode=mode)
    mods = g.modulations(torch.randn(3, 4), 8)
    assert len(mods) == 2 and all(len(m) == 2 for m in mods)
    assert all((dg is not None, db is not None) == kept for m in mods for dg, db in m)
    with pytest.raises(ValueError, match="cin_mode must be one of"):
        SDITGenerator(2, 4, cin_mode="alpha")


def test_closed_attention_makes_the_output_ignore_the_code():
    torch.manual_seed(0)
    x, label = torch.rand(2, 3, 16, 16) * 2 - 1, torch.tensor([0, 1])
    z1, z2 = torch.randn(2, 4), torch.randn(2, 4)
    g = SDITGenerator(2, 4, conv_dim=4, num_res=1, num_cin=1, mlp_dim=8)
    assert not torch.allclose(g(x, label, z1)[0], g(x, label, z2)[0])
    with torch.no_grad():  # a = sigmoid(-100) = 0: h = e, the CIN branch is shut out
        g.attention[-2].weight.zero_()
        g.attention[-2].bias.fill_(-100.0)
    y1, a = g(x, label, z1)
    assert a.max() < 1e-30 and torch.allclose(y1, g(x, label, z2)[0])
    g.use_attention = False  # h = f: the code acts again
    assert not torch.allclose(g(x, label, z1)[0], g(x, label, z2)[0])


def test_parameters_grow_by_a_fixed_amount_per_domain():
    """One more domain adds E's label channel, the CIN rows and a D_cls output, nothing else."""
    cfg = SDITConfig.cpu()
    counts = [_count(SDIT(cfg.with_overrides({"num_domains": n}))) for n in (2, 3, 4, 8)]
    c, num_norms, d_width = (
        4 * cfg.conv_dim,
        2 * cfg.num_cin,
        cfg.d_conv_dim * 2 ** (cfg.d_layers - 1),
    )
    per_domain = 7 * 7 * cfg.conv_dim + num_norms * 2 * c + (3 * 3 * d_width + 1)
    assert [b - a for a, b in zip(counts, counts[1:])] == [per_domain, per_domain, 4 * per_domain]
    assert per_domain < 0.01 * counts[0]  # one model: a domain costs < 1% of it


def test_training_step_updates_d_then_g_and_logs_each_term():
    torch.manual_seed(0)
    model = SDIT(SDITConfig.smoke())
    batch = model.example_batch(4, generator=torch.Generator().manual_seed(0))
    opt = RecordingStepper(model.configure_optimizers())
    g_before = [p.clone() for p in model.G.parameters()]
    log = model.training_step(batch, 0, opt)
    assert opt.calls == ["D", "G"]
    keys = {"loss/d_adv", "loss/d_cls", "loss/d_lat", "loss/g_adv", "loss/g_cls", "loss/g_lat"}
    assert keys | {"loss/g_rec", "attention/mean"} <= set(log)
    assert log["loss/g"] == pytest.approx(
        sum(log[f"loss/g_{k}"] for k in ("adv", "cls", "lat", "rec")), rel=1e-5
    )
    assert any(not torch.equal(a, b) for a, b in zip(g_before, model.G.parameters()))


def test_batches_are_checked():
    model = SDIT(SDITConfig.smoke())
    with pytest.raises(KeyError, match="'x' and 'y'"):
        model.unpack({"a": torch.zeros(1, 3, 32, 32)})
    with pytest.raises(ValueError, match=r"\(3, 32, 32\) images"):
        model.unpack({"x": torch.zeros(1, 3, 16, 16), "y": torch.zeros(1)})
    with pytest.raises(ValueError, match=r"domains must lie in \[0, 4\)"):
        model.unpack({"x": torch.zeros(1, 3, 32, 32), "y": torch.tensor([4])})


@pytest.mark.slow
def test_paper_preset_trains_a_step_on_afhq_folders(tmp_path, capsys):
    """`companion train sdit --preset paper --data afhq` on the fixture's cat/dog folders."""
    import json

    from companion.cli import main

    out = tmp_path / "run"
    argv = ["train", "sdit", "--preset", "paper", "--data", "afhq"]
    argv += ["--root", "tests/fixtures/datasets", "--steps", "1", "--batch-size", "2"]
    code = main([*argv, "--out", str(out), "--log-every", "1"])
    assert code == 0, capsys.readouterr().err
    config = json.loads((out / "config.json").read_text())["config"]
    assert (config["image_size"], config["num_domains"], config["dataset"]) == (128, 3, "afhq")
    assert config["lambda_rec"] == 800.0 and config["lambda_gan"] == 10.0  # thesis Sec. 6.5
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert len(history) == 1 and all(v == v for v in history[0].values())  # finite


class _Nothing:
    """Records each update's loss and changes no weight."""

    def __init__(self):
        self.losses = {}

    def step(self, name, loss, *, retain_graph=False):
        self.losses[name] = loss


@pytest.mark.parametrize("scale", [1.0, 3.0])
def test_each_term_of_eq_6_8_is_its_formula_times_its_weight(scale):
    from companion.losses import d_nonsaturating, g_nonsaturating, latent_regression_l1

    names = ("lambda_gan", "lambda_fake", "lambda_real", "lambda_lat", "lambda_rec")
    weights = dict(zip(names, (2.0, 0.5, 0.25, 4.0, 8.0)))
    weights = {k: v * scale for k, v in weights.items()}
    torch.manual_seed(0)
    model = SDIT(SDITConfig.smoke().with_overrides(weights))
    batch = model.example_batch(4, generator=torch.Generator().manual_seed(1))
    x, y_src = batch["x"], batch["y"]
    opt = _Nothing()
    torch.manual_seed(5)
    log = model.training_step(batch, 0, opt)
    torch.manual_seed(5)  # the step's draws: target domains, then codes
    y_trg = torch.randint(0, 4, (4,))
    z = torch.randn(4, model.cfg.z_dim)
    with torch.no_grad():
        x_fake, attn = model.G(x, y_trg, z)
        src_real, cls_real, _ = model.D(x)
        src_fake, cls_fake, z_rec = model.D(x_fake)
        x_rec, _ = model.G(x_fake, y_src, z)  # back to the source domain, same code
    w = weights
    expected = {
        "d_adv": w["lambda_gan"] * d_nonsaturating(src_real, src_fake),
        "d_cls": w["lambda_real"] * F.cross_entropy(cls_real, y_src),
        "d_lat": w["lambda_lat"] * latent_regression_l1(z_rec, z),
        "g_adv": w["lambda_gan"] * g_nonsaturating(src_fake),
        "g_cls": w["lambda_fake"] * F.cross_entropy(cls_fake, y_trg),
        "g_lat": w["lambda_lat"] * latent_regression_l1(z_rec, z),
        "g_rec": w["lambda_rec"] * (x_rec - x).abs().mean(),
    }
    for key, value in expected.items():
        assert log[f"loss/{key}"] == pytest.approx(value.item(), rel=1e-4), key
    assert log["loss/d"] == pytest.approx(sum(log[f"loss/d_{k}"] for k in ("adv", "cls", "lat")))
    assert opt.losses["D"].item() == pytest.approx(log["loss/d"], rel=1e-6)
    assert opt.losses["G"].item() == pytest.approx(log["loss/g"], rel=1e-6)
    assert log["attention/mean"] == pytest.approx(attn.mean().item(), rel=1e-5)


def test_d_terms_reach_d_only_and_g_terms_reach_g():
    torch.manual_seed(0)
    model = SDIT(SDITConfig.smoke())
    batch = model.example_batch(4, generator=torch.Generator().manual_seed(1))
    x, y = batch["x"], batch["y"]
    z = torch.randn(4, model.cfg.z_dim)
    x_fake, _ = model.G(x, y.flip(0), z)

    def reached(loss):
        model.zero_grad(set_to_none=True)
        loss.backward(retain_graph=True)
        return {
            name
            for name, net in (("G", model.G), ("D", model.D))
            if any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())
        }

    for key, term in model.d_terms(x, y, x_fake, z).items():
        assert reached(term) == {"D"}, key  # the fakes are detached for D
    for key, term in model.g_terms(x, y, y.flip(0), x_fake, z).items():
        assert "G" in reached(term), key


def test_cpu_and_smoke_presets():
    paper, cpu, smoke = SDITConfig.paper(), SDITConfig.cpu(), SDITConfig.smoke()
    changed = {k: v for k, v in cpu.to_dict().items() if paper.to_dict()[k] != v}
    assert changed == {
        "dataset": "shapes_domains",
        "image_size": 32,
        "num_domains": 4,
        "conv_dim": 16,
        "num_res": 2,
        "num_cin": 2,
        "mlp_dim": 64,
        "d_conv_dim": 16,
        "d_layers": 3,
        "lambda_gan": 1.0,
        "lambda_rec": 10.0,
        "lr": 4e-4,
    }
    changed = {k: v for k, v in smoke.to_dict().items() if cpu.to_dict()[k] != v}
    assert changed == {
        "conv_dim": 4,
        "num_res": 1,
        "num_cin": 1,
        "mlp_dim": 16,
        "d_conv_dim": 4,
        "d_layers": 2,
        "batch_size": 4,
    }


def test_unpack_names_what_is_missing_or_wrong():
    model = SDIT(SDITConfig.smoke())
    with pytest.raises(KeyError, match=r"needs 'x' and 'y' \(domain\) entries, got \['x'\]"):
        model.unpack({"x": torch.zeros(1, 3, 32, 32)})
    with pytest.raises(ValueError, match=r"images, got \(3, 16, 16\); load the data at"):
        model.unpack({"x": torch.zeros(1, 3, 16, 16), "y": torch.zeros(1)})


def test_example_batch_spans_the_range_and_every_domain_and_follows_the_generator():
    model = SDIT(SDITConfig.smoke())
    batch = model.example_batch(200, generator=torch.Generator().manual_seed(0))
    x, y = batch["x"], batch["y"]
    assert x.shape == (200, 3, 32, 32) and -1 <= x.min() < -0.99 and 0.99 < x.max() <= 1
    assert set(y.tolist()) == {0, 1, 2, 3}
    again = model.example_batch(200, generator=torch.Generator().manual_seed(0))
    assert torch.equal(x, again["x"]) and torch.equal(y, again["y"])


def test_the_target_domains_are_drawn_on_the_batchs_device(monkeypatch):
    model = SDIT(SDITConfig.smoke())
    batch = model.example_batch(4, generator=torch.Generator().manual_seed(0))
    devices = []
    randint = torch.randint

    def recording_randint(*args, **kw):
        devices.append(kw.get("device"))
        return randint(*args, **kw)

    monkeypatch.setattr(torch, "randint", recording_randint)
    model.training_step(batch, 0, _Nothing())
    assert devices == [batch["x"].device]
