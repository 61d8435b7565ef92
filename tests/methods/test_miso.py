"""MISO and its MILO loss against known answers (seed paper 001, arXiv:1902.03938 v1).

- MILO is the Gaussian negative log-likelihood of Eq. 5, summed over dimensions: its value,
  its expectation for an uninformative posterior (``d/2 log 2 pi e``), and the floor on sigma;
- the Barber-Agakov bound it stands for is tight on a linear-Gaussian channel (1.6094 nats) with
  a learned sigma and loose (0.8009) with sigma fixed to 1;
- which network each of MISO's terms reaches (the routing of Sec. 3 and our documented choices);
- the switches for the paper's baselines (SRSO, NycleGAN) and the output shapes of each preset.
"""

import json
import math

import pytest
import torch
from stepping import assert_adam
from torch.distributions import Normal

from companion.cli import main
from companion.losses import kl_to_standard_normal, milo_loss, reconstruction_l1
from companion.methods.miso import MISO, MISOConfig, no_information_level
from companion.stepper import Stepper

GAINS = torch.tensor([0.0, 0.5, 1.0, 3.0])  # x_j = g_j z_j + n_j, unit noise
ANALYTIC_MI = 0.5 * torch.log1p(GAINS**2).sum().item()  # 1.6094 nats


def _batch(n=4, seed=0, size=32):
    g = torch.Generator().manual_seed(seed)
    return {k: torch.rand(n, 3, size, size, generator=g) * 2 - 1 for k in ("a", "b")}


def _reached(model, loss, names=("G", "G_BA", "E_A", "E_B", "D", "D_A")):
    grads = torch.autograd.grad(
        loss, list(model.parameters()), retain_graph=True, allow_unused=True
    )
    by_param = {id(p): g for p, g in zip(model.parameters(), grads)}
    return {
        name
        for name in names
        if any(
            by_param[id(p)] is not None and by_param[id(p)].abs().sum() > 0
            for p in getattr(model, name).parameters()
        )
    }


# -- the loss ---------------------------------------------------------------------------------


def test_milo_is_the_gaussian_nll_summed_over_dimensions():
    g = torch.Generator().manual_seed(0)
    z, mu, logvar = (torch.randn(16, 8, generator=g) for _ in range(3))
    expected = -Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1).mean()
    assert milo_loss(z, mu, logvar, min_std=1e-4).item() == pytest.approx(expected.item(), abs=1e-5)
    unit = -Normal(mu, 1.0).log_prob(z).sum(-1).mean()  # fixed sigma: L2 latent regression
    assert milo_loss(z, mu, 0.0).item() == pytest.approx(unit.item(), abs=1e-5)


def test_milo_of_an_ignored_code_is_the_entropy_of_the_prior():
    z = torch.randn(100_000, 8, generator=torch.Generator().manual_seed(0))
    value = milo_loss(z, torch.zeros_like(z), torch.zeros_like(z)).item()
    assert no_information_level(8) == pytest.approx(4 * math.log(2 * math.pi) + 4, abs=1e-9)
    assert value == pytest.approx(11.3515, abs=0.05)


def test_kl_closed_form_known_value():
    kl = kl_to_standard_normal(torch.tensor([[0.5]]), torch.tensor([[math.log(0.25)]]))
    assert kl.item() == pytest.approx(0.4431, abs=1e-4)


def test_sigma_floor_bounds_milo_below():
    z = torch.zeros(4, 3)
    floor = math.exp(-5.0)
    value = milo_loss(z, z, torch.full_like(z, -40.0), min_std=floor).item()
    per_dim = 0.5 * math.log(2 * math.pi) - 5.0  # about -4.08
    assert value == pytest.approx(3 * per_dim, abs=1e-5)
    assert milo_loss(z, z, torch.full_like(z, -40.0), min_std=1e-12).item() < 3 * per_dim - 30


def test_detached_target_sends_no_gradient_into_the_code():
    z = torch.randn(4, 2, requires_grad=True)
    mu = torch.zeros(4, 2, requires_grad=True)
    milo_loss(z, mu, 0.0).backward()
    assert z.grad is None and mu.grad.abs().sum() > 0
    milo_loss(z, mu, 0.0, detach_target=False).backward()
    assert z.grad is not None and z.grad.abs().sum() > 0


def _fit_linear_posterior(learn_sigma, steps=600, seed=0):
    g = torch.Generator().manual_seed(seed)
    weight = torch.zeros(4, requires_grad=True)
    logvar = torch.zeros(4, requires_grad=True)
    opt = torch.optim.Adam([weight, logvar] if learn_sigma else [weight], lr=3e-2)
    for _ in range(steps):
        z = torch.randn(1024, 4, generator=g)
        x = GAINS * z + torch.randn(1024, 4, generator=g)
        loss = milo_loss(z, weight * x, logvar.expand(1024, 4) if learn_sigma else 0.0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    z = torch.randn(200_000, 4, generator=g)
    x = GAINS * z + torch.randn(200_000, 4, generator=g)
    with torch.no_grad():
        final = milo_loss(z, weight * x, logvar.expand_as(z) if learn_sigma else 0.0)
    return no_information_level(4) - final.item()


def test_milo_bound_is_tight_on_the_linear_gaussian_channel_with_learned_sigma():
    assert ANALYTIC_MI == pytest.approx(1.6094, abs=1e-4)
    assert _fit_linear_posterior(True) == pytest.approx(ANALYTIC_MI, abs=0.05)


def test_fixed_sigma_gives_a_loose_bound():
    assert _fit_linear_posterior(False) == pytest.approx(0.8009, abs=0.05)


# -- the method -------------------------------------------------------------------------------


def _model(**overrides):
    torch.manual_seed(0)
    return MISO(MISOConfig.smoke().with_overrides(overrides))


def test_each_term_reaches_the_networks_it_should():
    model = _model()
    a1, b1, a2, b2 = model.split(_batch())
    torch.manual_seed(1)
    ifi, fif = model.ifi(a1, b1), model.fif(a2, b2)
    assert _reached(model, ifi["kl"]) == {"E_A", "E_B"}
    # the random-style adversarial term: translators only, never the style encoders
    rand = model.g_adversarial(model.D_A, [fif["a_rand"]])
    assert _reached(model, rand, ("G", "G_BA", "E_A", "E_B")) == {"G_BA"}
    # the encoded-style term reaches E_A through the reparameterised code
    enc = model.g_adversarial(model.D_A, [ifi["a_enc"]])
    assert _reached(model, enc, ("G", "G_BA", "E_A", "E_B")) == {"G_BA", "E_A"}
    # L_lat trains the translators, not the encoders (lat_updates_encoder=False)
    assert _reached(model, fif["lat"]) == {"G", "G_BA"}
    # the cycle takes the style of the real image: it reaches both style encoders
    assert {"E_A", "E_B", "G", "G_BA"} <= _reached(model, ifi["cyc"])
    # D's loss trains discriminators only (fakes detached)
    loss_d = model.d_adversarial(model.D_A, torch.cat([a1, a2]), [ifi["a_enc"], fif["a_rand"]])
    assert _reached(model, loss_d) == {"D_A"}


def test_lat_can_update_the_encoders_when_asked():
    model = _model(lat_updates_encoder=True)
    _, _, a2, b2 = model.split(_batch())
    assert _reached(model, model.fif(a2, b2)["lat"]) == {"G", "G_BA", "E_A", "E_B"}


def test_milo_term_is_the_nll_of_the_code_under_the_encoder_of_the_fake():
    model = _model()
    a, b = _batch()["a"][:2], _batch()["b"][:2]
    z = torch.randn(2, model.cfg.z_dim)
    fake = model.G_BA(b, z)
    mu, logvar = model.E_A(fake)
    logvar = logvar.clamp(min=2 * math.log(model.cfg.min_std))
    expected = -Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(-1).mean()
    assert model.milo(model.E_A, fake, z).item() == pytest.approx(expected.item(), rel=1e-5)
    assert _reached(model, model.milo(model.E_A, fake, z)) == {"E_A", "G_BA"}
    assert a.shape == fake.shape


@pytest.mark.parametrize(
    "overrides, keys",
    [
        ({}, {"adv", "cyc", "info", "kl", "lat"}),
        ({"ifi_loss": "sr"}, {"adv", "cyc", "sr", "kl", "lat"}),  # SRSO
        ({"style_encoders": False}, {"adv", "cyc"}),  # NycleGAN
    ],
)
def test_variants_log_their_terms(overrides, keys):
    model = _model(**overrides)
    log = model.training_step(_batch(), 0, Stepper(model.configure_optimizers()))
    assert {k[len("loss/g_") :] for k in log if k.startswith("loss/g_")} == keys
    assert all(math.isfinite(v) for v in log.values())
    assert ("mi/milo" in log) == ("info" in keys)
    assert (model.E_A is None) == (not model.cfg.style_encoders)


def test_adversarial_switches_choose_the_fakes_d_judges():
    model = _model(adv_rand=False)
    a1, b1, a2, b2 = model.split(_batch())
    ifi, fif = model.ifi(a1, b1), model.fif(a2, b2)
    assert model.fakes(ifi, fif, "a") == [ifi["a_enc"]]
    model = _model(adv_enc=False)
    assert model.fakes(ifi, fif, "b") == [fif["b_rand"]]


def test_sr_is_the_self_reconstruction_through_the_cross_domain_path():
    model = _model(ifi_loss="sr")
    a, b = _batch()["a"][:2], _batch()["b"][:2]
    torch.manual_seed(3)
    value = model.ifi(a, b)["info"]
    torch.manual_seed(3)
    mu_a, lv_a = model.E_A(a)
    mu_b, lv_b = model.E_B(b)
    z_a, z_b = model.reparameterize(mu_a, lv_a), model.reparameterize(mu_b, lv_b)
    expected = reconstruction_l1(model.G_BA(a, z_a), a) + reconstruction_l1(model.G(b, z_b), b)
    assert value.item() == pytest.approx(expected.item(), rel=1e-6)


def test_odd_batches_and_bad_settings_are_refused():
    model = _model()
    with pytest.raises(ValueError, match="two phases"):
        model.split(_batch(n=3))
    with pytest.raises(ValueError, match="ifi_loss"):
        _model(ifi_loss="l1")
    with pytest.raises(ValueError):
        _model(conditional_d=True)


@pytest.mark.parametrize("preset, size", [("smoke", 32), ("cpu", 32), ("paper", 128)])
def test_output_and_code_shapes_of_each_preset(preset, size):
    torch.manual_seed(0)
    model = MISO(MISOConfig.from_preset(preset)).eval()
    x = torch.zeros(2, 3, size, size)
    assert model.translate(x).shape == (2, 3, size, size)
    assert model.encode(x).shape == (2, model.cfg.z_dim)
    assert model.G_BA(x, model.sample_codes(2)).shape == (2, 3, size, size)


@pytest.mark.slow
@pytest.mark.parametrize("data", ["cat2dog", "celeba_male2female"])
def test_paper_preset_trains_a_step_at_128_on_the_unpaired_fixture(data, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "miso", "--preset", "paper", "--data", data]
    args += ["--root", "tests/fixtures/datasets", "--steps", "1", "--batch-size", "2"]
    code = main([*args, "--out", str(out), "--log-every", "1"])
    assert code == 0, capsys.readouterr().err
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["image_size"] == 128 and config["dataset"] == data
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert len(history) == 1 and all(v == v for v in history[0].values())


# -- symmetry ---------------------------------------------------------------------------------


class _NoUpdate:
    """A stepper that leaves every network as it is, so a step only reports its losses."""

    def step(self, name, loss, **kw):
        pass


def _deterministic(model):
    """Codes from the inputs and noiseless posteriors: no random draw depends on the order."""
    model.code = lambda n, like: like.flatten(1)[:n, : model.cfg.z_dim]
    model.reparameterize = lambda mu, logvar: mu
    return model


@pytest.mark.parametrize(
    "overrides",
    [{}, {"ifi_loss": "sr"}, {"style_encoders": False}, {"z_injection": "decoder"}],
)
def test_swapping_the_domains_mirrors_every_loss(overrides):
    """Sec. 3.6: the same losses with the domains switched; a one-sided bug breaks this."""
    torch.manual_seed(0)
    cfg = MISOConfig.smoke().with_overrides(
        dict(generator="mlp", image_size=1, in_channels=16, out_channels=16, z_dim=2, **overrides)
    )
    model, mirror = MISO(cfg), MISO(cfg)
    swap = {"G": "G_BA", "G_BA": "G", "D": "D_A", "D_A": "D", "E_A": "E_B", "E_B": "E_A"}
    for name, other in swap.items():
        if getattr(model, name) is not None:
            getattr(mirror, name).load_state_dict(getattr(model, other).state_dict())
    g = torch.Generator().manual_seed(1)
    a, b = (torch.rand(4, 16, 1, 1, generator=g) * 1.6 - 0.8 for _ in range(2))
    logs = _deterministic(model).training_step({"a": a, "b": b}, 0, _NoUpdate())
    mirrored = _deterministic(mirror).training_step({"a": b, "b": a}, 0, _NoUpdate())
    losses = {k for k in logs if k.startswith("loss/")}
    assert len(losses) >= 4
    for key in losses:
        assert logs[key] == pytest.approx(mirrored[key], rel=1e-5, abs=1e-6), key
    if not overrides:  # a control: an unswapped copy on swapped data does not match
        plain = _deterministic(MISO(cfg))
        plain.load_state_dict(model.state_dict())
        other = plain.training_step({"a": b, "b": a}, 0, _NoUpdate())
        assert other["loss/g_cyc"] != pytest.approx(logs["loss/g_cyc"], rel=1e-3)


def test_independent_content_encoder_switch_reaches_both_translators():
    """``z_injection="decoder"`` on vectors: both G and G_BA encode content without the code."""
    cfg = MISOConfig.smoke().with_overrides(
        dict(generator="mlp", image_size=1, in_channels=16, out_channels=16, z_dim=2)
    )
    model = MISO(cfg.with_overrides({"z_injection": "decoder"}))
    assert model.G.injection == model.G_BA.injection == "decoder"
    assert MISO(cfg).G.injection == "input"  # the paper's conditional encoder E(b, z)


def test_cpu_gpu_and_smoke_presets():
    from companion.methods.translation import SHAPES_32

    paper, cpu = MISOConfig.paper(), MISOConfig.cpu()
    expected = {**SHAPES_32, "generator": "unet", "nef": 16, "e_blocks": 3, "d_scales": 1}
    assert {k: cpu.to_dict()[k] for k in expected} == expected
    changed = {k for k, v in cpu.to_dict().items() if paper.to_dict()[k] != v}
    assert changed == {k for k, v in expected.items() if paper.to_dict()[k] != v}
    gpu = MISOConfig.gpu()
    assert {k: v for k, v in gpu.to_dict().items() if cpu.to_dict()[k] != v} == {
        "ngf": 32,
        "ndf": 32,
        "nef": 32,
        "batch_size": 32,
    }
    smoke = MISOConfig.smoke()
    assert {k: v for k, v in smoke.to_dict().items() if cpu.to_dict()[k] != v} == {
        "num_downs": 2,
        "ngf": 8,
        "ndf": 8,
        "nef": 8,
        "d_layers": 1,
        "e_blocks": 2,
        "batch_size": 4,
    }


def test_the_refusals_name_the_reason():
    from companion.methods.msgan import ModeSeeking

    with pytest.raises(ValueError, match="^MISO takes no extra generator terms; its terms are"):
        MISO(MISOConfig.smoke(), terms=(ModeSeeking(1.0),))
    message = r"^MISO needs codes \(z_dim > 0\) and unconditional D \(unpaired data\)$"
    for bad in (["z_dim=0"], ["conditional_d=true"]):
        with pytest.raises(ValueError, match=message):
            MISO(MISOConfig.smoke().with_overrides(bad))
    with pytest.raises(
        ValueError, match=r"^ifi_loss must be 'milo' \(MISO\) or 'sr' \(SRSO\), got 'l1'$"
    ):
        MISO(MISOConfig.smoke().with_overrides(["ifi_loss=l1"]))
    model = MISO(MISOConfig.smoke())
    for n in (0, 3):
        with pytest.raises(
            ValueError, match=f"^MISO's two phases need an even batch n >= 2, got {n}$"
        ):
            model.split(_batch(n=n))
    batch = _batch(n=4)
    with pytest.raises(ValueError, match="got 4"):
        model.split({"a": batch["a"], "b": batch["b"][:2]})
    nycle = MISO(MISOConfig.smoke().with_overrides(["style_encoders=false"]))
    with pytest.raises(
        ValueError, match=r"^NycleGAN \(style_encoders=False\) has no style encoders$"
    ):
        nycle.encode(batch["a"])


def test_encode_reads_the_domains_encoder_mean():
    torch.manual_seed(0)
    model = MISO(MISOConfig.smoke()).eval()
    x = _batch(n=2)["a"]
    assert torch.equal(model.encode(x), model.E_B(x)[0])
    assert torch.equal(model.encode(x, "a"), model.E_A(x)[0])
    assert not torch.equal(model.encode(x, "a"), model.encode(x, "b"))


def test_a_one_dimensional_code_and_domains_of_different_channels():
    assert MISO(MISOConfig.smoke().with_overrides(["z_dim=1"])).code_dim == 1
    model = MISO(MISOConfig.smoke().with_overrides(["in_channels=1"])).eval()
    b, z = torch.zeros(2, 3, 32, 32), model.sample_codes(2)
    assert model.G_BA(b, z).shape == (2, 1, 32, 32)  # B -> A: 3 channels in, 1 out
    assert model.D_A(torch.zeros(2, 1, 32, 32))[0].shape[1] == 1
    assert model.E_A(torch.zeros(2, 1, 32, 32))[0].shape == (2, model.cfg.z_dim)


def test_posterior_is_trainable_unless_frozen_and_milo_with_a_fixed_sigma():
    model = _model(learn_sigma=False)
    x = _batch(n=2)["a"]
    mu, _ = model.posterior(model.E_A, x)
    assert mu.requires_grad and _reached(model, mu.sum(), names=("E_A",)) == {"E_A"}
    frozen, _ = model.posterior(model.E_A, x, frozen=True)
    assert not frozen.requires_grad
    z = torch.randn(2, model.cfg.z_dim)
    mu_out, _ = model.E_A(x)
    expected = milo_loss(z, mu_out, 0.0, min_std=model.cfg.min_std, detach_target=True)
    assert model.milo(model.E_A, x, z).item() == pytest.approx(expected.item(), rel=1e-6)


def test_the_probes_are_the_code_variance_and_the_milo_bound():
    model = _model()
    a, b = _batch(n=4)["a"], _batch(n=4, seed=1)["b"]
    torch.manual_seed(0)
    out = model.ifi(a, b)
    mu_a = model.E_A(a)[0].detach()
    assert out["z_a_var"] == pytest.approx(mu_a.var(0, unbiased=False).mean().item(), rel=1e-5)
    probes = model.probes_of({"z_a_var": 0.3, "info": torch.tensor(2.0)})
    assert probes == {"mi/z_var": 0.3, "mi/milo": pytest.approx(no_information_level(8) - 1.0)}


def _linear_widths(net: torch.nn.Module) -> list[int]:
    return [m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)]


def test_vector_networks_are_perceptrons_of_eight_times_the_base_widths():
    """Module docstring: ``generator = "mlp"``: perceptrons of widths 8 ngf/ndf/nef (depth 3)."""
    cfg = MISOConfig.smoke().with_overrides(
        dict(generator="mlp", image_size=1, in_channels=16, out_channels=16, z_dim=2,
             ngf=2, ndf=3, nef=5)
    )  # fmt: skip
    model = MISO(cfg)
    assert _linear_widths(model.G.body) == [16, 16, 16]  # three hidden layers of 8 ngf
    assert _linear_widths(model.D.body) == [24, 24, 24] and _linear_widths(model.D.out) == [1]
    assert _linear_widths(model.E_A.body) == [40, 40, 40]


def test_image_style_encoders_follow_the_config():
    cfg = MISOConfig.smoke().with_overrides({"z_dim": 3, "norm": "batch"})
    model = MISO(cfg)
    mu, logvar = model.E_A(torch.zeros(2, 3, 32, 32))
    assert mu.shape == logvar.shape == (2, 3)
    kinds = {type(m) for m in model.E_A.modules()}
    assert torch.nn.BatchNorm2d in kinds and torch.nn.InstanceNorm2d not in kinds


# -- one step, term by term -------------------------------------------------------------------


@pytest.mark.parametrize("ifi_loss", ["milo", "sr"])
def test_each_logged_term_is_its_loss_times_its_config_weight(ifi_loss):
    """Eq. 15 term by term: ``loss/g_<term>`` is the loss of the step's own codes and fakes
    times its weight (distinct weights, none of them 1, so a dropped or inverted weight shows)."""
    weights = dict(lambda_gan=2.0, lambda_cyc=3.0, lambda_info=5.0, lambda_kl=7.0, lambda_lat=11.0)
    model, batch = _model(ifi_loss=ifi_loss, **weights), _batch()
    torch.manual_seed(1)
    log = model.training_step(batch, 0, _NoUpdate())
    a1, b1, a2, b2 = model.split(batch)
    torch.manual_seed(1)  # the same draws, in the step's order: IFI's codes, then FIF's
    ifi, fif = model.ifi(a1, b1), model.fif(a2, b2)
    adv = model.g_adversarial(model.D_A, model.fakes(ifi, fif, "a")) + model.g_adversarial(
        model.D, model.fakes(ifi, fif, "b")
    )
    info = "info" if ifi_loss == "milo" else "sr"
    expected = {
        "adv": 2.0 * adv.item(),
        "cyc": 3.0 * ifi["cyc"].item(),
        info: 5.0 * ifi["info"].item(),
        "kl": 7.0 * ifi["kl"].item(),
        "lat": 11.0 * fif["lat"].item(),
    }
    assert {k: log[f"loss/g_{k}"] for k in expected} == pytest.approx(expected, rel=1e-5)
    assert log["loss/g"] == pytest.approx(sum(expected.values()), rel=1e-5)


def test_reparameterize_draws_mu_plus_sigma_times_a_standard_normal():
    mu = torch.tensor([[1.0, -2.0, 0.5]])
    logvar = torch.log(torch.tensor([[1.0, 4.0, 0.25]]))  # sigma 1, 2, 0.5
    torch.manual_seed(3)
    z = MISO.reparameterize(mu, logvar)
    torch.manual_seed(3)
    eps = torch.randn_like(mu)
    torch.testing.assert_close(z, mu + torch.tensor([[1.0, 2.0, 0.5]]) * eps)


def test_both_optimizers_are_adam_at_the_configs_rate_and_betas():
    model = _model(lr=3e-4, beta1=0.25, beta2=0.75)
    opts = model.configure_optimizers()
    d_params = [*model.D.parameters(), *model.D_A.parameters()]
    assert_adam(opts, {"D": d_params, "G": model.generator_parameters()}, 3e-4, (0.25, 0.75))
