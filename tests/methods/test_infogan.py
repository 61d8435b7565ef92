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
