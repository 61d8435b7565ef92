"""Each generator term of each translation method, one at a time.

For every term of ``g_terms``: its value is the documented formula times its Config weight
(doubling the weight doubles the term), and backpropagated *alone* its gradient reaches exactly
the networks the paper says. Where a method builds pairs or codes (BicycleGAN's two cycles,
SEGAN's positives and negatives), what the networks were called with is inspected.
"""

import pytest
import torch
from stepping import paired_batch

from companion.losses import (
    g_lsgan,
    g_nonsaturating,
    kl_to_standard_normal,
    latent_regression_l1,
    mode_seeking_ratio,
    reconstruction_l1,
)
from companion.methods.bicyclegan import BicycleGAN, BicycleGANConfig
from companion.methods.clrgan import CLRGAN, CLRGANConfig
from companion.methods.msgan import MSGAN, MSGANConfig
from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig
from companion.methods.segan import SEGAN, SEGANConfig, geometry_consistency_l1


def _build(cls, cfg, seed=0):
    torch.manual_seed(seed)
    return cls(cfg)


def _reached(model, loss, names):
    """Which of the named sub-networks get a non-zero gradient from ``loss`` alone."""
    model.zero_grad(set_to_none=True)
    loss.backward(retain_graph=True)
    out = set()
    for name in names:
        net = getattr(model, name)
        if any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters()):
            out.add(name)
    return out


def _adv(model, d, fakes, a, criterion):
    return sum(criterion(f) for x in fakes for f in d(model.pair(a, x)))


# -- pix2pix and MSGAN ----------------------------------------------------------------------


@pytest.mark.parametrize("cls, cfg", [(Pix2Pix, Pix2PixConfig), (MSGAN, MSGANConfig)])
def test_pix2pix_family_terms_values_weights_and_gradients(cls, cfg):
    batch = paired_batch(4)
    model = _build(cls, cfg.smoke())
    torch.manual_seed(1)
    out = model.translations(batch["a"], batch["b"])
    terms = {**model.g_terms(out), **model.hook_terms(out)}
    a, b = out.a, out.b
    assert terms["adv"].item() == pytest.approx(_adv(model, model.D, out.b_fake, a, g_lsgan).item())
    assert terms["l1"].item() == pytest.approx(10.0 * reconstruction_l1(out.b_fake[0], b).item())
    assert _reached(model, terms["adv"], ["G", "D"]) == {
        "G",
        "D",
    }  # D's only through the G step's graph
    assert _reached(model, terms["l1"], ["G", "D"]) == {"G"}
    if cls is MSGAN:
        expected = mode_seeking_ratio(out.b_fake[0], out.b_fake[1], out.z[0], out.z[1])
        assert terms["ms"].item() == pytest.approx(expected.item())
        assert _reached(model, terms["ms"], ["G", "D"]) == {"G"}
        assert not torch.equal(out.z[0], out.z[1])  # two codes for the same inputs
    # doubling a weight doubles its term, on the same weights and codes
    doubled = _build(cls, cfg.smoke().with_overrides({"lambda_l1": 20.0, "lambda_gan": 2.0}))
    torch.manual_seed(1)
    out2 = doubled.translations(batch["a"], batch["b"])
    terms2 = doubled.g_terms(out2)
    assert terms2["l1"].item() == pytest.approx(2 * terms["l1"].item())
    assert terms2["adv"].item() == pytest.approx(2 * terms["adv"].item())


def test_msgan_weight_scales_the_mode_seeking_term():
    batch = paired_batch(4)
    values = []
    for weight in (1.0, 3.0):
        model = _build(MSGAN, MSGANConfig.smoke().with_overrides({"lambda_ms": weight}))
        torch.manual_seed(1)
        values.append(model.hook_terms(model.translations(batch["a"], batch["b"]))["ms"].item())
    assert values[1] == pytest.approx(3 * values[0])


# -- BicycleGAN -------------------------------------------------------------------------------


def test_bicyclegan_terms_values_and_gradients():
    batch = paired_batch(4)
    cfg = BicycleGANConfig.smoke()
    model = _build(BicycleGAN, cfg)
    calls = []
    model.G.register_forward_pre_hook(lambda m, args: calls.append((args[0], args[1])))
    e_inputs = []
    model.E.register_forward_pre_hook(lambda m, args: e_inputs.append(args[0]))
    torch.manual_seed(1)
    vae, lr = model.cycles(batch["a"], batch["b"])
    # cycle 1 encodes the first half's targets; both cycles translate the first half's inputs
    assert torch.equal(e_inputs[0], batch["b"][:2])
    assert all(torch.equal(x, batch["a"][:2]) for x, _ in calls)
    assert torch.equal(calls[0][1], vae.z[0]) and torch.equal(calls[1][1], lr.z[0])
    assert torch.equal(lr.b, batch["b"][2:]) and torch.equal(lr.extras["a_real"], batch["a"][2:])
    terms = model.generator_terms(vae, lr)
    mu, logvar = vae.extras["mu"], vae.extras["logvar"]
    assert terms["l1"].item() == pytest.approx(
        cfg.lambda_l1 * reconstruction_l1(vae.b_fake[0], vae.b).item()
    )
    assert terms["kl"].item() == pytest.approx(
        cfg.lambda_kl * kl_to_standard_normal(mu, logvar).item()
    )
    mu_rec, _ = model.E(lr.b_fake[0])
    assert terms["latent"].item() == pytest.approx(
        cfg.lambda_latent * latent_regression_l1(mu_rec, lr.z[0]).item(), rel=1e-5
    )
    nets = ["G", "E", "D", "D2"]
    assert _reached(model, terms["l1"], nets) == {"G", "E"}  # Eq. (5) trains G and E
    assert _reached(model, terms["kl"], nets) == {"E"}  # Eq. (6): the posterior only
    assert _reached(model, terms["latent"], nets) == {"G"}  # Sec. 3.4: G only, never E
    assert _reached(model, terms["adv"], nets) == {"G", "E", "D"}  # cycle 1 through D
    assert _reached(model, terms["adv2"], nets) == {"G", "D2"}  # cycle 2 through D2, no E


@pytest.mark.parametrize("field", ["lambda_l1", "lambda_kl", "lambda_latent", "lambda_gan2"])
def test_bicyclegan_weights_scale_their_terms(field):
    key = {"lambda_l1": "l1", "lambda_kl": "kl", "lambda_latent": "latent", "lambda_gan2": "adv2"}
    batch = paired_batch(4)
    values = []
    for scale in (1.0, 2.0):
        base = BicycleGANConfig.smoke()
        model = _build(BicycleGAN, base.with_overrides({field: getattr(base, field) * scale}))
        torch.manual_seed(1)
        values.append(model.generator_terms(*model.cycles(batch["a"], batch["b"]))[key[field]])
    assert values[1].item() == pytest.approx(2 * values[0].item(), rel=1e-5)


# -- cLR-GAN ------------------------------------------------------------------------------------


def test_clrgan_terms_values_and_gradients():
    batch = paired_batch(4)
    cfg = CLRGANConfig.smoke().with_overrides({"lambda_l1": 2.0})
    model = _build(CLRGAN, cfg)
    torch.manual_seed(1)
    out = model.translations(batch["a"], batch["b"])
    terms = model.g_terms(out)
    z_rec = model.E(out.b_fake[0])[0]
    assert terms["latent"].item() == pytest.approx(
        cfg.lambda_latent * latent_regression_l1(z_rec, out.z[0]).item(), rel=1e-5
    )
    assert terms["l1"].item() == pytest.approx(2.0 * reconstruction_l1(out.b_fake[0], out.b).item())
    assert _reached(model, terms["latent"], ["G", "E", "D"]) == {"G", "E"}  # Eq. (9): together
    assert _reached(model, terms["l1"], ["G", "E", "D"]) == {"G"}
    assert "E" in {n for n, _ in model.named_children()}
    e_params = {id(p) for p in model.E.parameters()}
    assert e_params <= {id(p) for p in model.generator_parameters()}  # E is in G's optimizer


# -- SEGAN ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lambda_mi", [0.0, 3.0])
def test_segan_terms_values_pairs_and_gradients(lambda_mi):
    batch = paired_batch(4)
    cfg = SEGANConfig.smoke().with_overrides({"lambda_mi": lambda_mi, "lambda_gc": 1.5})
    model = _build(SEGAN, cfg)
    t_calls = []
    model.T.register_forward_pre_hook(lambda m, args: t_calls.append(args))
    torch.manual_seed(1)
    out = model.translations(batch["a"], batch["b"])
    terms = model.g_terms(out)
    # positives (z_1, G(a, z_1)); negatives (z_1, G(a, z_2)), z_2 != z_1, never a positive
    (x_pos, z_pos), (x_neg, z_neg) = t_calls[:2]
    assert torch.equal(z_pos, out.z[0]) and torch.equal(z_neg, out.z[0])
    assert torch.equal(x_pos, out.b_fake[0]) and torch.equal(x_neg, out.extras["b_hat_2"])
    assert not torch.equal(out.extras["z_2"], out.z[0])
    b_2_again = model.G(out.a, out.extras["z_2"])
    assert torch.allclose(out.extras["b_hat_2"], b_2_again)  # same inputs on both sides
    assert terms["adv"].item() == pytest.approx(
        _adv(model, model.D, out.b_fake, out.a, g_nonsaturating).item()
    )
    assert terms["l1"].item() == pytest.approx(
        cfg.lambda_l1 * reconstruction_l1(out.b_fake[0], out.b).item()
    )
    gc = geometry_consistency_l1(model.G, out.a, out.z[0], out.b_fake[0])
    assert terms["gc"].item() == pytest.approx(1.5 * gc.item(), rel=1e-5)
    assert terms["mi"].item() == pytest.approx(-out.extras["bound"].estimate.item())
    nets = ["G", "T", "D"]
    assert _reached(model, terms["mi"], nets) == ({"G", "T"} if lambda_mi else {"T"})
    assert _reached(model, terms["l1"], nets) == {"G"}
    assert _reached(model, terms["gc"], nets) == {"G"}
