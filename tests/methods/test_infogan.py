"""Tests for companion.methods.infogan and companion.nets.infogan (smoke preset, CPU)."""

import math

import pytest
import torch
import torch.nn.functional as F

from companion.methods.base import get_method
from companion.methods.infogan import (
    InfoGAN,
    InfoGANConfig,
    as_channels,
)
from companion.metrics import matched_accuracy, stroke_properties
from companion.nets.infogan import InfoGANDiscriminator, InfoGANGenerator, QOutput
from companion.train import Stepper


def test_presets_and_registry():
    assert get_method("infogan") is InfoGAN
    paper = InfoGANConfig.paper()
    assert (paper.z_dim, paper.n_categories, paper.n_continuous, paper.image_size) == (
        62,
        10,
        2,
        28,
    )
    assert (paper.lr_g, paper.lr_d, paper.lambda_cat) == (1e-3, 2e-4, 1.0)
    assert InfoGANConfig.cpu().dataset == "digits"
    # at lambda_cont = 1 the cpu run drew pixel noise; the paper's 0.1 draws digits (4.2)
    assert InfoGANConfig.cpu().lambda_cont == paper.lambda_cont == 0.1


def test_paper_networks_have_the_papers_shapes():
    g = InfoGANGenerator(74, 28)
    assert g(torch.zeros(2, 74)).shape == (2, 1, 28, 28)
    d = InfoGANDiscriminator(28)
    logit, q = d(torch.zeros(2, 1, 28, 28))
    assert logit.shape == (2,) and q.logits.shape == (2, 10) and q.mu.shape == (2, 2)


def test_fixed_std_q_has_zero_log_variance():
    d = InfoGANDiscriminator(16, width=4, fc=8, q_hidden=4, learn_std=False)
    _, q = d(torch.zeros(3, 1, 16, 16))
    assert torch.equal(q.log_var, torch.zeros(3, 2))


def test_sample_grid_and_inference_shapes():
    gan = InfoGAN(InfoGANConfig.smoke()).eval()
    gen = torch.Generator().manual_seed(0)
    x = gan.sample(5, generator=gen)
    assert x.shape == (5, 1, 16, 16) and x.min() >= -1 and x.max() <= 1
    grid = gan.code_grid(torch.linspace(-1, 1, 3), code=1, generator=gen)
    assert grid.shape == (10, 3, 1, 16, 16)
    q = gan.infer_codes(torch.zeros(4, 3, 16, 16))  # 3-channel digits are averaged
    assert q.logits.shape == (4, 10)
    assert gan.preview(None).shape == (80, 1, 16, 16)


def test_information_terms_reach_log_k_for_an_exact_q():
    gan = InfoGAN(InfoGANConfig.smoke())
    lat = gan.sample_latents(50, generator=torch.Generator().manual_seed(0))
    q = QOutput(30 * F.one_hot(lat["c_cat"], 10).float(), lat["c_cont"], torch.zeros(50, 2))
    info = gan.information_terms(q, lat)
    assert info["cat"].item() == pytest.approx(math.log(10), abs=1e-4)
    # unit-variance Gaussian at the code: 2 log 2 - log(2 pi)
    assert info["cont"].item() == pytest.approx(2 * math.log(2) - math.log(2 * math.pi), abs=1e-5)


def test_training_steps_on_digit_like_batches():
    # fit() itself is tested in tests/test_train.py; here: the step's contract, on a batch shaped
    # like `digits` sources (3 identical channels in [-1, 1]).
    cfg = InfoGANConfig.smoke()
    gan = InfoGAN(cfg)
    gen = torch.Generator().manual_seed(0)
    a = (torch.rand(8, 1, 16, 16, generator=gen) * 2 - 1).expand(-1, 3, -1, -1)
    stepper = Stepper(gan.configure_optimizers())
    before = [p.detach().clone() for p in gan.D.q_head.parameters()]
    for step in range(2):
        logs = gan.training_step({"a": a}, step, stepper)
    assert {"loss/d", "loss/g", "mi/cat_bound", "mi/cont_bound"} <= set(logs)
    assert logs["mi/cat_bound"] <= math.log(10) + 1e-6
    assert all(math.isfinite(v) for v in logs.values())
    assert any(not torch.equal(b, p) for b, p in zip(before, gan.D.q_head.parameters()))


def test_matched_accuracy_is_invariant_to_renaming_codes():
    labels = torch.arange(10).repeat(20)
    perm = torch.randperm(10, generator=torch.Generator().manual_seed(0))
    assert matched_accuracy(perm[labels], labels) == 1.0
    noisy = perm[labels].clone()
    noisy[:50] = 0
    assert matched_accuracy(noisy, labels) < 1.0


def test_stroke_properties_of_known_images():
    img = -torch.ones(2, 1, 16, 16)
    img[0, 0, 2:14, 7:9] = 1  # upright bar
    for row in range(2, 14):  # bar leaning right: top further right than bottom
        col = 7 + (14 - row) // 3
        img[1, 0, row, col : col + 2] = 1
    props = stroke_properties(img)
    assert props["slant"][0].abs() < 1e-5 and props["slant"][1] > 0.2
    thick = img[:1].clone()
    thick[0, 0, 2:14, 6:10] = 1
    assert stroke_properties(thick)["ink"] > props["ink"][0]


def test_errors():
    with pytest.raises(ValueError, match="n_categories"):
        InfoGAN(InfoGANConfig.smoke().with_overrides(["n_categories=1"]))
    with pytest.raises(ValueError, match="multiple of 4"):
        InfoGANGenerator(10, image_size=18)
    with pytest.raises(ValueError, match="cannot convert"):
        as_channels(torch.zeros(1, 2, 8, 8), 1)
    with pytest.raises(ValueError, match="one shape"):
        matched_accuracy(torch.zeros(3), torch.zeros(4))
    with pytest.raises(TypeError, match="InfoGANConfig"):
        InfoGAN(object())


def test_cpu_and_smoke_presets():
    paper, cpu, smoke = InfoGANConfig.paper(), InfoGANConfig.cpu(), InfoGANConfig.smoke()
    changed = {k: v for k, v in cpu.to_dict().items() if paper.to_dict()[k] != v}
    assert changed == {
        "dataset": "digits",
        "image_key": "a",
        "image_size": 16,
        "z_dim": 4,
        "width_g": 32,
        "width_d": 32,
        "fc": 128,
        "q_hidden": 64,
        "batch_size": 64,
    }
    changed = {k: v for k, v in smoke.to_dict().items() if cpu.to_dict()[k] != v}
    assert changed == {"width_g": 8, "width_d": 8, "fc": 16, "q_hidden": 8, "batch_size": 8}
    assert smoke.z_dim == 4 and paper.betas == (0.5, 0.999) and paper.batch_size == 128


def test_as_channels_averages_repeats_or_keeps():
    x = torch.arange(12.0).view(1, 3, 2, 2)
    assert torch.equal(as_channels(x, 1), x.mean(1, keepdim=True))
    grey = torch.arange(12.0).view(2, 1, 2, 3)
    assert torch.equal(as_channels(grey, 3), grey.repeat(1, 3, 1, 1))
    assert as_channels(x, 3) is x
    with pytest.raises(ValueError, match="cannot convert 3-channel images to 2; set channels=3"):
        as_channels(x, 2)


def test_latents_follow_their_priors_and_g_gets_noise_one_hot_and_codes():
    gan = InfoGAN(InfoGANConfig.smoke())
    lat = gan.sample_latents(2000, generator=torch.Generator().manual_seed(0))
    assert lat["z"].shape == (2000, 4) and lat["c_cont"].shape == (2000, 2)
    for key in ("z", "c_cont"):  # U(-1, 1)
        assert -1 <= lat[key].min() < -0.99 and 0.99 < lat[key].max() <= 1
        assert abs(lat[key].mean().item()) < 0.05
    assert lat["c_cat"].dtype == torch.long and set(lat["c_cat"].tolist()) == set(range(10))
    seen = []
    gan.G.forward = lambda x: seen.append(x) or x[:, :1, None, None]
    lat = gan.sample_latents(3, generator=torch.Generator().manual_seed(0))
    gan.generate(**lat)
    expected = torch.cat([lat["z"], F.one_hot(lat["c_cat"], 10), lat["c_cont"]], 1)
    assert torch.equal(seen[0], expected)
    codes = gan.sample_codes(3, generator=torch.Generator().manual_seed(0))
    assert torch.equal(codes, expected)  # the same draws, as G's inputs
    assert gan.code_dim == gan.sample_codes(100).shape[1] == 4 + 10 + 2
    again = gan.sample_latents(3, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(lat[k], again[k]) for k in lat)


def test_without_a_categorical_or_a_continuous_code():
    no_cat = InfoGAN(InfoGANConfig.smoke().with_overrides(["n_categories=0"]))
    lat = no_cat.sample_latents(50)
    assert torch.equal(lat["c_cat"], torch.zeros(50, dtype=torch.long))  # a placeholder
    assert no_cat.sample_codes(3).shape == (3, 4 + 2) and no_cat.code_dim == 6
    assert no_cat.sample(2).shape == (2, 1, 16, 16)
    q = QOutput(torch.zeros(50, 0), lat["c_cont"], torch.zeros(50, 2))
    assert no_cat.information_terms(q, lat)["cat"].item() == 0.0
    no_cont = InfoGAN(InfoGANConfig.smoke().with_overrides(["n_continuous=0"]))
    x = torch.rand(4, 1, 16, 16) * 2 - 1
    logs = no_cont.training_step({"a": x}, 0, Stepper(no_cont.configure_optimizers()))
    assert logs["mi/cont_bound"] == 0.0 and math.isfinite(logs["mi/cat_bound"])
    for bad in (["n_categories=-1"], ["n_continuous=-1"]):
        with pytest.raises(ValueError, match="need n_categories = 0 or >= 2 and n_continuous"):
            InfoGAN(InfoGANConfig.smoke().with_overrides(bad))


def test_codes_and_latents_on_the_methods_or_the_given_device():
    gan = InfoGAN(InfoGANConfig.smoke())
    assert gan.sample_codes(2, device="meta").device.type == "meta"
    on_meta = gan.to("meta")
    assert {v.device.type for v in on_meta.sample_latents(2).values()} == {"meta"}
    assert on_meta.sample_codes(2).device.type == "meta"


def test_example_batch_spans_minus_one_to_one_and_follows_the_generator():
    gan = InfoGAN(InfoGANConfig.smoke())
    x = gan.example_batch(64, generator=torch.Generator().manual_seed(3))["a"]
    assert x.shape == (64, 1, 16, 16)
    assert -1.0 <= x.min() < -0.99 and 0.99 < x.max() <= 1.0
    again = gan.example_batch(64, generator=torch.Generator().manual_seed(3))["a"]
    assert torch.equal(x, again)


class _Nothing:
    """Records each update's loss and changes no weight."""

    def __init__(self):
        self.losses = {}

    def step(self, name, loss, *, retain_graph=False):
        self.losses[name] = loss.detach()


@pytest.mark.parametrize("weights", [(1.0, 0.1), (2.0, 0.5)])
def test_each_term_of_eq_5_with_its_weight(weights):
    from companion.losses import d_nonsaturating, g_nonsaturating

    lam_cat, lam_cont = weights
    cfg = InfoGANConfig.smoke().with_overrides([f"lambda_cat={lam_cat}", f"lambda_cont={lam_cont}"])
    torch.manual_seed(0)
    gan = InfoGAN(cfg)
    x = torch.rand(8, 1, 16, 16, generator=torch.Generator().manual_seed(1)) * 2 - 1
    opt = _Nothing()
    torch.manual_seed(3)
    logs = gan.training_step({"a": x.expand(-1, 3, -1, -1)}, 0, opt)
    torch.manual_seed(3)
    lat = gan.sample_latents(8)
    with torch.no_grad():
        fake = gan.generate(**lat)
        logits_real, _ = gan.D(x)
        logits_fake, q = gan.D(fake)
        info = gan.information_terms(q, lat)
    loss_info = -(lam_cat * info["cat"] + lam_cont * info["cont"])
    assert logs["mi/cat_bound"] == pytest.approx(info["cat"].item(), rel=1e-5)
    assert logs["mi/cont_bound"] == pytest.approx(info["cont"].item(), rel=1e-5)
    assert logs["loss/g_info"] == pytest.approx(loss_info.item(), rel=1e-5)
    assert logs["loss/g_adv"] == pytest.approx(g_nonsaturating(logits_fake).item(), rel=1e-5)
    assert logs["loss/g"] == pytest.approx(logs["loss/g_adv"] + logs["loss/g_info"], rel=1e-5)
    expected_d = d_nonsaturating(logits_real, logits_fake) + loss_info
    assert opt.losses["D"].item() == pytest.approx(expected_d.item(), rel=1e-5)
    assert logs["loss/d"] == pytest.approx(expected_d.item(), rel=1e-5)


def test_code_grid_shares_the_noise_and_varies_only_the_two_codes():
    gan = InfoGAN(InfoGANConfig.smoke())
    seen = []
    gan.G.forward = lambda x: seen.append(x) or x[:, :1, None, None].expand(-1, 1, 16, 16)
    values = torch.tensor([-1.0, 0.5, 1.0])
    grid = gan.code_grid(values, code=1, generator=torch.Generator().manual_seed(0))
    assert grid.shape == (10, 3, 1, 16, 16)
    x = seen[0]  # (30, 4 + 10 + 2)
    z = torch.rand(1, 4, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert torch.equal(x[:, :4], z.expand(30, -1))
    assert torch.equal(x[:, 4:14].argmax(1), torch.arange(10).repeat_interleave(3))
    assert torch.equal(x[:, 14], torch.zeros(30))
    assert torch.equal(x[:, 15], values.repeat(10))
