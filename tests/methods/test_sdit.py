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
