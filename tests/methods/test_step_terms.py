"""Table 4's switches for StEP (companion/methods/step_terms.py): random-code sampling and cyclic
reconstruction. What each term is made of, which networks its gradient reaches, what G and E are
called with, and that the switches are off by default."""

import pytest
import torch
from stepping import RecordingStepper, paired_batch

from companion.config import seed_everything
from companion.losses import latent_regression_l1
from companion.methods.step import StEP, StEPConfig
from companion.methods.step_terms import cyclic_reconstruction, random_code_terms, random_codes


def _model(**overrides):
    seed_everything(0)
    cfg = StEPConfig.smoke().with_overrides({"stage1_steps": 0, "stage2_steps": 1, **overrides})
    return StEP(cfg)


def _grads(module):
    return [p.grad for p in module.parameters()]


def test_random_codes_are_the_next_targets_codes_and_carry_no_gradient():
    z = torch.arange(6.0).view(3, 2).requires_grad_()
    z_rand = random_codes(z)
    assert z_rand.tolist() == [[2.0, 3.0], [4.0, 5.0], [0.0, 1.0]]
    assert not z_rand.requires_grad


def test_switches_are_off_by_default_and_each_adds_its_terms():
    keys = {}
    for name, overrides in {
        "v3": {},
        "v2": {"random_z": True},
        "v1": {"random_z": True, "cross_cycle": True},
    }.items():
        model = _model(**overrides)
        opt = RecordingStepper(model.configure_optimizers())
        logs = model.training_step(paired_batch(), 0, opt)
        keys[name] = {k for k in logs if k.startswith("loss/g_")}
    assert keys["v3"] == {"loss/g_adv", "loss/g_rec"}
    assert keys["v2"] == keys["v3"] | {"loss/g_adv_rand", "loss/g_latent"}
    assert keys["v1"] == keys["v2"] | {"loss/g_cyc"}


def test_d_sees_the_random_code_outputs_as_a_second_fake_batch():
    base, rand = _model(), _model(random_z=True)
    batch = paired_batch()
    d_base = base.training_step(batch, 0, RecordingStepper(base.configure_optimizers()))["loss/d"]
    d_rand = rand.training_step(batch, 0, RecordingStepper(rand.configure_optimizers()))["loss/d"]
    # same weights, same direct fakes: the extra fake batch adds one more LSGAN fake term (>= 0)
    assert d_rand > d_base


def test_latent_term_is_the_weighted_l1_to_z_rand_and_reaches_g_only():
    model = _model(random_z=True, lambda_z_recon=3.0)
    a, b = paired_batch()["a"], paired_batch()["b"]
    z_rand = random_codes(model.encode(b))
    b_rand = model.G(a, z_rand)
    terms = random_code_terms(model, a, z_rand, b_rand)
    with torch.no_grad():
        expected = 3.0 * latent_regression_l1(model.E(b_rand)[0], z_rand)
    assert torch.allclose(terms["latent"], expected)
    terms["latent"].backward()
    assert all(g is None for g in _grads(model.E))
    assert any(g is not None and g.abs().sum() > 0 for g in _grads(model.G))
    assert all(g is None for g in _grads(model.D))


def test_adv_rand_is_the_generator_gan_loss_on_the_random_code_outputs():
    model = _model(random_z=True, lambda_gan=2.0)
    a, b = paired_batch()["a"], paired_batch()["b"]
    z_rand = random_codes(model.encode(b))
    b_rand = model.G(a, z_rand)
    expected = 2.0 * model.g_adversarial(model.D, [model.pair(a, b_rand)])
    assert torch.allclose(random_code_terms(model, a, z_rand, b_rand)["adv_rand"], expected)


@pytest.mark.parametrize("stage", [2, 3])
def test_cyclic_reconstruction_swaps_codes_between_neighbours(stage, monkeypatch):
    model = _model(lambda_rec=1.0)
    a, b = paired_batch()["a"], paired_batch()["b"]
    z = model.E(b)[0]
    calls = []
    g = model.G.forward

    def recording_g(x, code):
        calls.append((x, code))
        return g(x, code)

    monkeypatch.setattr(model.G, "forward", recording_g)
    loss = cyclic_reconstruction(model, a, b, z, stage)
    (a_1, z_1), (a_2, z_2) = calls
    assert torch.equal(a_1, a) and torch.equal(z_1, z.roll(-1, 0))  # u = G(a_i, z_{i+1})
    assert torch.equal(a_2, a.roll(-1, 0))  # G(a_{i+1}, E(u)) must give back b_{i+1}
    u = g(a_1, z_1)
    assert torch.allclose(z_2, model.E(u)[0])
    assert torch.allclose(loss, model.reconstruction(g(a_2, z_2), b.roll(-1, 0)))


def test_cyclic_reconstruction_trains_e_only_in_stage_3():
    for stage, e_trains in ((2, False), (3, True)):
        model = _model()
        a, b = paired_batch()["a"], paired_batch()["b"]
        with torch.no_grad():
            z = model.E(b)[0]  # as stage 2 computes it; the term's own E call is what matters
        cyclic_reconstruction(model, a, b, z, stage).backward()
        e_grads = [g for g in _grads(model.E) if g is not None and g.abs().sum() > 0]
        assert bool(e_grads) == e_trains, stage
        assert any(g is not None and g.abs().sum() > 0 for g in _grads(model.G))


def test_stage_2_keeps_the_encoder_fixed_with_every_table_4_term_on():
    model = _model(random_z=True, cross_cycle=True)
    e_before = [p.clone() for p in model.E.parameters()]
    model.training_step(paired_batch(), 0, RecordingStepper(model.configure_optimizers()))
    assert all(torch.equal(p, q) for p, q in zip(e_before, model.E.parameters(), strict=True))


def test_cyclic_reconstruction_compares_each_cycle_with_its_own_pairs_target(monkeypatch):
    # G copies its source, and each target is its source + 0.1: the cycle of pair j returns
    # a_j, whose L1 to b_j is exactly 0.1 (any other target is far off)
    model = _model(lambda_rec=2.0)
    a = paired_batch()["a"]
    b = a + 0.1
    monkeypatch.setattr(model.G, "forward", lambda x, code: x + 0.0 * code.sum())
    z = model.E(b)[0]
    for stage in (2, 3):
        assert cyclic_reconstruction(model, a, b, z, stage).item() == pytest.approx(0.2, rel=1e-5)
