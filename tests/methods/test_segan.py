"""SEGAN: the statistics network, Eq. (5) on hand-computed scores, who gets which gradient."""

import math

import pytest
import torch

from companion.config import seed_everything
from companion.data import dataset_facts
from companion.losses import g_nonsaturating, reconstruction_l1
from companion.methods.segan import SEGAN, SEGANConfig, _noise_like, geometry_consistency_l1
from companion.methods.translation import SHAPES_SMOKE, GeneratorTerm
from companion.nets.critics import StatisticsNetwork
from companion.train import fit


def _log_sigmoid(t):
    return math.log(1 / (1 + math.exp(-t)))


def test_bound_equals_eq5_on_hand_computed_scores():
    model = SEGAN(SEGANConfig.smoke())
    joint, marginal = torch.tensor([0.0, 2.0, -1.0]), torch.tensor([1.0, -1.0, 0.5])
    calls = []

    def fake_t(x, z):
        calls.append((x, z))
        return joint if len(calls) == 1 else marginal

    model.T.forward = fake_t
    b_1, b_2, z_1 = torch.randn(3, 3, 32, 32), torch.randn(3, 3, 32, 32), torch.randn(3, 8)
    bound = model.mi_bound(b_1, b_2, z_1)
    # Eq. (5): E_joint[log sigma(T)] + E_marginal[log(1 - sigma(T))], a sum of two means.
    expected = (
        sum(_log_sigmoid(t) for t in joint.tolist()) / 3
        + sum(_log_sigmoid(-t) for t in marginal.tolist()) / 3
    )
    assert bound.estimate.item() == pytest.approx(expected, abs=1e-6)
    assert bound.loss.item() == pytest.approx(-expected, abs=1e-6)
    # Positives pair z_1 with its own output, negatives pair z_1 with the other code's output.
    assert torch.equal(calls[0][0], b_1) and torch.equal(calls[1][0], b_2)
    assert calls[0][1] is z_1 and calls[1][1] is z_1


def test_statistics_network_shapes_paper_and_cpu():
    paper = SEGANConfig.paper()
    t = StatisticsNetwork(paper.image_size, 3, paper.z_dim, paper.t_widths, paper.t_fc_width)
    assert sum(p.numel() for p in t.parameters()) == 11_374_561  # Table 3, counted with biases
    assert t(torch.randn(1, 3, 256, 256), torch.randn(1, 8)).shape == (1,)
    cpu = SEGANConfig.cpu()
    t = StatisticsNetwork(cpu.image_size, 3, cpu.z_dim, cpu.t_widths, cpu.t_fc_width)
    assert t(torch.randn(4, 3, 32, 32), torch.randn(4, 8)).shape == (4,)
    with pytest.raises(ValueError, match="not divisible by 2"):
        StatisticsNetwork(48, 3, 8, widths=(8, 8, 8, 8, 8))


@pytest.mark.parametrize("lambda_mi", [0.0, 3.0])
def test_generator_gets_lambda_mi_times_the_bound_gradient(lambda_mi):
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke().with_overrides({"lambda_mi": lambda_mi}))
    a, z_1, z_2 = torch.randn(4, 3, 32, 32), torch.randn(4, 8), torch.randn(4, 8)

    def grads(lam):
        model.zero_grad()
        object.__setattr__(model.cfg, "lambda_mi", lam)  # test only: configs are frozen
        model.mi_bound(model.G(a, z_1), model.G(a, z_2), z_1).loss.backward()
        g = [p.grad for p in model.G.parameters()]
        g = torch.cat(
            [
                torch.zeros_like(p).flatten() if q is None else q.flatten()
                for p, q in zip(model.G.parameters(), g)
            ]
        )
        t = torch.cat([p.grad.flatten() for p in model.T.parameters()])
        return g, t

    g_ref, t_ref = grads(1.0)
    g, t = grads(lambda_mi)
    assert torch.allclose(t, t_ref)  # T always climbs the bound at full strength
    assert torch.allclose(g, lambda_mi * g_ref, atol=1e-7)  # G: lambda_mi times (0: none)
    if lambda_mi == 0:  # the probe does not even run the backward pass through G
        assert all(p.grad is None for p in model.G.parameters())


def test_training_steps_log_a_bound_in_its_range():
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke())
    data = [
        {"a": torch.rand(3, 32, 32) * 2 - 1, "b": torch.rand(3, 32, 32) * 2 - 1} for _ in range(8)
    ]
    history = fit(model, data, 3, log_every=1)
    for h in history:
        # Each term is a log-probability, so the bound is <= 0 for any critic; it sits below
        # -2 log 2 only while T ranks pairs the wrong way round (possible at initialisation).
        assert -3 < h["mi/jsd"] <= 0
        assert {"loss/d", "loss/g", "loss/g_adv", "loss/g_l1", "loss/g_mi"} <= h.keys()


def test_unpaired_variant_uses_geometry_consistency():
    seed_everything(0)
    cfg = SEGANConfig.smoke().with_overrides({"paired": False, "lambda_l1": 0.0, "lambda_gc": 20.0})
    model = SEGAN(cfg)
    data = [
        {"a": torch.rand(3, 32, 32) * 2 - 1, "b": torch.rand(3, 32, 32) * 2 - 1} for _ in range(8)
    ]
    history = fit(model, data, 2, log_every=1)
    assert "loss/g_gc" in history[-1] and "loss/g_l1" not in history[-1]


def test_geometry_consistency_is_zero_for_an_equivariant_generator():
    a, z = torch.randn(2, 3, 8, 8), torch.randn(2, 8)

    def g(x, z):
        return torch.tanh(x)  # pixelwise: commutes with rotation

    assert geometry_consistency_l1(g, a, z, g(a, z)).item() == 0.0

    def g_shift(x, z):
        return torch.roll(x, 1, dims=3)  # a shift does not commute with rotation

    assert geometry_consistency_l1(g_shift, a, z, g_shift(a, z)).item() > 0.1


def test_segan_needs_a_code():
    with pytest.raises(
        ValueError, match=r"^SEGAN needs a code: set z_dim > 0 \(the paper uses 8\)$"
    ):
        SEGAN(SEGANConfig.smoke().with_overrides(["z_dim=0"]))
    assert SEGAN(SEGANConfig.smoke().with_overrides(["z_dim=1"])).code_dim == 1


@pytest.mark.parametrize("lambda_l1", [10.0, 0.5])
def test_unpaired_segan_refuses_an_l1_term(lambda_l1):
    with pytest.raises(ValueError, match="no target for the L1 term"):
        SEGAN(SEGANConfig.smoke().with_overrides({"paired": False, "lambda_l1": lambda_l1}))


@pytest.mark.parametrize(
    "name, paired, lambda_l1, lambda_gc",
    [
        ("facades", True, 3.0, 0.0),
        ("maps", True, 3.0, 0.0),
        ("summer2winter_yosemite", False, 0.0, 20.0),
        ("horse2zebra", False, 0.0, 20.0),  # any other unpaired set: GcGAN's default
        ("cat2dog", False, 0.0, 0.0),
    ],
)
def test_for_dataset_gives_the_papers_settings(name, paired, lambda_l1, lambda_gc):
    cfg = SEGANConfig.paper().for_dataset(dataset_facts(name))
    assert (cfg.dataset, cfg.paired, cfg.lambda_l1, cfg.lambda_gc) == (
        name,
        paired,
        lambda_l1,
        lambda_gc,
    )
    assert cfg.lambda_mi == 3.0 and cfg.batch_size == 32  # Sec. 4.4, on every dataset


def test_for_dataset_on_synthetic_data_keeps_the_cpu_preset():
    cpu = SEGANConfig.cpu()
    assert cpu.for_dataset(dataset_facts("shapes")) == cpu
    season = cpu.for_dataset(dataset_facts("shapes_season"))
    assert (season.paired, season.lambda_l1, season.lambda_gc) == (False, 0.0, 5.0)
    assert season.image_size == 32


def test_held_out_bound_is_eq5_on_fresh_pairs_and_noise_only_blurs_what_t_reads():
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke()).eval()
    a = torch.randn(6, 3, 32, 32)
    seen = []

    def code_reader(x, z):  # a critic that reads the code from the images' mean only
        seen.append(x)
        return torch.zeros(x.shape[0]) + 0.0 * z.sum(1)

    model.T.forward = code_reader
    # A critic that says nothing (T = 0) scores exactly -2 log 2 on any pairs.
    assert model.held_out_bound(a) == pytest.approx(-2 * math.log(2), abs=1e-6)
    # Positives are G(a, z_1), negatives G(a, z_2) for the same inputs; noise changes the images.
    gen = torch.Generator().manual_seed(1)
    model.held_out_bound(a, noise_std=0.0, generator=gen)
    clean = seen[-2:]
    model.held_out_bound(a, noise_std=0.5, generator=torch.Generator().manual_seed(1))
    noisy = seen[-2:]
    z = model.sample_codes(6, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(clean[0], model.G(a, z), atol=1e-6)
    assert not torch.allclose(clean[0], clean[1])
    residual = (noisy[0] - clean[0]).std().item()
    assert residual == pytest.approx(0.5, rel=0.1)


def test_smoke_preset_is_cpu_with_the_familys_smoke_networks_and_a_small_t():
    smoke, cpu = SEGANConfig.smoke(), SEGANConfig.cpu()
    assert (smoke.t_widths, smoke.t_fc_width) == ((4, 8), 16)
    changed = {k for k, v in smoke.to_dict().items() if cpu.to_dict()[k] != v}
    assert changed == set(SHAPES_SMOKE) | {"t_widths", "t_fc_width"}


class _ThreeOutputs(GeneratorTerm):
    """A hook term that asks for two more outputs per input and returns their mean."""

    key = "three"
    extra_outputs = 2

    def forward(self, out):
        return out.b_fake[1].mean() + out.b_fake[2].mean()


def test_hook_terms_get_their_own_codes_and_outputs_judged_by_d():
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke(), terms=[_ThreeOutputs(0.25)])
    batch = _batch()
    out = model.translations(batch["a"], batch["b"])
    assert len(out.z) == len(out.b_fake) == 3  # z_1, then one fresh code per extra output
    for k in range(3):
        assert out.z[k].shape == (4, 8)
        assert torch.allclose(out.b_fake[k], model.G(out.a, out.z[k]), atol=1e-6)
    assert not torch.equal(out.z[1], out.z[2]) and not torch.equal(out.z[1], out.z[0])
    assert not torch.equal(out.z[1], out.extras["z_2"])  # b_hat_2 only feeds T's negatives
    hooked = model.hook_terms(out)
    expected = 0.25 * (out.b_fake[1].mean() + out.b_fake[2].mean())
    assert hooked["three"].item() == pytest.approx(expected.item())
    terms = model.g_terms(out)  # D judges every output but b_hat_2
    fakes = out.b_fake
    assert terms["adv"].item() == pytest.approx(
        sum(g_nonsaturating(f) for x in fakes for f in model.D(x)).item()
    )


def _batch(n=4):
    g = torch.Generator().manual_seed(0)
    return {key: torch.rand(n, 3, 32, 32, generator=g) * 2 - 1 for key in ("a", "b")}


@pytest.mark.parametrize("lambda_mi", [0.0, 1.0, 3.0])
def test_the_negatives_output_carries_gradient_exactly_when_the_mi_term_trains_g(lambda_mi):
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke().with_overrides({"lambda_mi": lambda_mi}))
    batch = _batch()
    out = model.translations(batch["a"], batch["b"])
    assert out.extras["b_hat_2"].requires_grad == (lambda_mi != 0)
    assert out.b_fake[0].requires_grad


def test_conditional_d_judges_source_and_output_together():
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke().with_overrides({"conditional_d": True, "lambda_gan": 2.0}))
    batch = _batch()
    out = model.translations(batch["a"], batch["b"])
    terms = model.g_terms(out)
    pairs = [torch.cat([out.a, f], dim=1) for f in out.b_fake]  # (N, 6, H, W)
    expected = 2.0 * sum(g_nonsaturating(f) for x in pairs for f in model.D(x))
    assert terms["adv"].item() == pytest.approx(expected.item())


@pytest.mark.parametrize(
    "overrides, keys",
    [
        ({}, {"adv", "l1", "mi"}),  # paired, lambda_gc = 0: no GC term at all
        ({"lambda_l1": 0.5}, {"adv", "l1", "mi"}),  # a weight below 1 still counts
        ({"lambda_l1": 0.0}, {"adv", "mi"}),
        ({"lambda_gc": 0.5}, {"adv", "l1", "gc", "mi"}),
    ],
)
def test_a_term_is_there_exactly_when_its_weight_is_positive(overrides, keys):
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke().with_overrides(overrides))
    batch = _batch()
    out = model.translations(batch["a"], batch["b"])
    terms = model.g_terms(out)
    assert set(terms) == keys
    if "l1" in keys:
        l1 = model.cfg.lambda_l1 * reconstruction_l1(out.b_fake[0], out.b)
        assert terms["l1"].item() == pytest.approx(l1.item())


def test_noise_follows_the_given_generator_dtype_and_device():
    x = torch.zeros(2, 3, 4, 4, dtype=torch.float64)
    state = torch.get_rng_state()
    noise = _noise_like(x, torch.Generator().manual_seed(5))
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is not touched
    expected = torch.randn(2, 3, 4, 4, generator=torch.Generator().manual_seed(5), dtype=x.dtype)
    assert noise.dtype == torch.float64 and torch.equal(noise, expected)
    assert _noise_like(torch.zeros(2, 3, device="meta"), None).device.type == "meta"


def test_held_out_bound_with_noise_is_reproducible_from_its_generator():
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke()).eval()
    a = torch.randn(6, 3, 32, 32)
    values = []
    for _ in range(2):
        torch.manual_seed(len(values))  # a different global state each time
        gen = torch.Generator().manual_seed(3)
        values.append(model.held_out_bound(a, noise_std=0.5, generator=gen))
    assert values[0] == values[1]


def _tagging_critic(calls):
    """A fake T that records its inputs and scores a pair ``100 * image tag + code tag``."""

    def fake_t(x, z):
        calls.append((x, z))
        return 100 * x[:, 0, 0, 0] + z[:, 0]

    return fake_t


def _eq5(positives, negatives):
    """Eq. (5) by hand: mean log sigma over positives + mean log(1 - sigma) over negatives."""
    return sum(_log_sigmoid(t) for t in positives) / len(positives) + sum(
        _log_sigmoid(-t) for t in negatives
    ) / len(negatives)


def _tagged(n):
    """Images whose pixels all equal their index j / 1000, codes whose entries equal i / 10."""
    b = torch.arange(n, dtype=torch.float32).div(1000).view(n, 1, 1, 1).expand(n, 3, 32, 32)
    z = torch.arange(n, dtype=torch.float32).div(10).view(n, 1).expand(n, 8)
    return b.contiguous(), z.contiguous()


def test_all_pairs_negatives_are_every_other_output_of_the_batch():
    model = SEGAN(SEGANConfig.smoke().with_overrides({"negatives": "all_pairs"}))
    calls = []
    model.T.forward = _tagging_critic(calls)
    b_1, z_1 = _tagged(3)
    bound = model.mi_bound(b_1, None, z_1)
    assert len(calls) == 1 and calls[0][0].shape == (9, 3, 32, 32)  # N^2 pairs, one pass
    scores = (100 * calls[0][0][:, 0, 0, 0] + calls[0][1][:, 0]).view(3, 3)
    for i in range(3):  # row i pairs code z_i with every image b_j: [i, j] = T(b_j, z_i)
        for j in range(3):
            assert scores[i, j].item() == pytest.approx(j / 10 + i / 10)
    positives = [0.0, 0.2, 0.4]  # T(b_i, z_i) = 100 * i / 1000 + i / 10
    negatives = [(i + j) / 10 for i in range(3) for j in range(3) if i != j]  # 6 of them
    assert bound.estimate.item() == pytest.approx(_eq5(positives, negatives), abs=1e-6)


def test_resampled_code_negatives_pair_the_same_output_with_a_fresh_code():
    model = SEGAN(SEGANConfig.smoke().with_overrides({"negatives": "resampled_code"}))
    calls = []
    model.T.forward = _tagging_critic(calls)
    b_1, z_1 = _tagged(3)
    z_2 = torch.full((3, 8), 0.5)
    bound = model.mi_bound(b_1, None, z_1, z_2)
    assert torch.equal(calls[0][0], b_1) and torch.equal(calls[1][0], b_1)  # one image, twice
    assert calls[0][1] is z_1 and calls[1][1] is z_2
    positives = [0.0, 0.2, 0.4]
    negatives = [0.5, 0.6, 0.7]  # 100 * j / 1000 + 0.5
    assert bound.estimate.item() == pytest.approx(_eq5(positives, negatives), abs=1e-6)
    torch.manual_seed(0)  # without z_2, a code is drawn from N(0, I)
    model.mi_bound(b_1, None, z_1)
    assert torch.equal(calls[-1][1], torch.randn(3, 8, generator=torch.Generator().manual_seed(0)))


@pytest.mark.parametrize("negatives", ["all_pairs", "resampled_code"])
def test_other_negatives_skip_the_second_batch_and_train(negatives):
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke().with_overrides({"negatives": negatives}))
    batch = _batch()
    out = model.translations(batch["a"], batch["b"])
    assert out.extras["b_hat_2"] is None
    # A critic that says nothing scores -2 log 2 on any pairs, whatever the strategy.
    zero = SEGAN(model.cfg)
    zero.T.forward = lambda x, z: torch.zeros(x.shape[0])
    assert zero.mi_bound(out.b_fake[0], None, out.z[0]).estimate.item() == pytest.approx(
        -2 * math.log(2), abs=1e-6
    )
    data = [{"a": batch["a"][k], "b": batch["b"][k]} for k in range(4)]
    history = fit(model, data, 2, log_every=1)
    assert -3 < history[-1]["mi/jsd"] <= 0


def test_resampled_code_step_pairs_its_output_with_the_code_the_translations_drew():
    seed_everything(0)
    model = SEGAN(SEGANConfig.smoke().with_overrides({"negatives": "resampled_code"}))
    batch = _batch()
    out = model.translations(batch["a"], batch["b"])
    calls = []
    model.T.forward = _tagging_critic(calls)
    model.g_terms(out)
    assert calls[0][1] is out.z[0] and calls[1][1] is out.extras["z_2"]


@pytest.mark.parametrize("negatives", ["all_pairs", "resampled_code"])
def test_a_pure_probe_runs_with_every_negatives_strategy(negatives):
    # lambda_mi = 0 detaches the outputs; these strategies have no second batch to detach
    seed_everything(0)
    cfg = SEGANConfig.smoke().with_overrides({"negatives": negatives, "lambda_mi": 0.0})
    model = SEGAN(cfg)
    batch = _batch()
    out = model.translations(batch["a"], batch["b"])
    mi = model.g_terms(out)["mi"]
    mi.backward()
    assert torch.isfinite(mi) and all(p.grad is None for p in model.G.parameters())
    assert any(p.grad is not None for p in model.T.parameters())


def test_unknown_negatives_are_refused():
    with pytest.raises(ValueError, match="negatives must be one of"):
        SEGAN(SEGANConfig.smoke().with_overrides({"negatives": "in_batch"}))
