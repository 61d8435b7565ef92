"""Tests for companion.methods.class_mining: a conditional generator mined as N generators."""

import dataclasses

import pytest
import torch
from torch import nn

from companion.config import seed_everything
from companion.methods.class_mining import ClassGenerator, class_generators, conditional_minegan
from companion.methods.minegan import MineGANConfig
from companion.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from tests.methods.stepping import RecordingStepper


class ClassShift(nn.Module):
    """A conditional 'generator' on 2-D points: G(z, y) = z[:, :2] + offset[y]."""

    def __init__(self, offsets):
        super().__init__()
        self.offset = nn.Parameter(torch.tensor(offsets))  # (K, 2)
        self.num_classes = len(offsets)

    def forward(self, z, y):
        return z[:, :2] + self.offset[y]


def _cfg_2d(**kw):
    base = dataclasses.replace(MineGANConfig.smoke(), z_dim=2, u_dim=2, mining_steps=10, n_critic=1)
    return dataclasses.replace(base, **kw)


def _fixed_critic(weight):
    critic = nn.Sequential(nn.Linear(2, 1), nn.Flatten(0))
    with torch.no_grad():
        critic[0].weight.copy_(torch.tensor([weight]))
        critic[0].bias.zero_()
    return critic


def test_each_class_generator_equals_the_conditional_generator_with_that_label():
    seed_everything(0)
    g = DCGANGenerator(z_dim=8, image_size=16, channels=1, width=8, num_classes=4).eval()
    with torch.no_grad():  # the class rows of the norms start equal: make them differ
        for p in g.parameters():
            p.add_(0.3 * torch.randn_like(p))
    z = torch.randn(5, 8)
    gens = class_generators(g)
    assert [c.label for c in gens] == [0, 1, 2, 3]
    with torch.no_grad():
        for i, c in enumerate(gens):
            assert torch.equal(c(z), g(z, torch.full((5,), i)))
        assert not torch.equal(gens[0](z), gens[1](z))  # the label matters
    assert [c.label for c in class_generators(g, [3, 1])] == [3, 1]
    assert [c.label for c in class_generators(g, 2)] == [0, 1]


def test_a_class_index_out_of_range_is_a_clear_error():
    g = DCGANGenerator(z_dim=8, image_size=16, channels=1, width=8, num_classes=3)
    for bad in (3, -1):
        with pytest.raises(ValueError, match=rf"class index {bad} is out of range for 3"):
            ClassGenerator(g, bad)
    with pytest.raises(ValueError, match="out of range"):
        class_generators(g, [0, 5])
    unconditional = DCGANGenerator(z_dim=8, image_size=16, channels=1, width=8)
    with pytest.raises(ValueError, match="not class-conditional"):
        ClassGenerator(unconditional, 0)


def test_the_classes_share_one_generator_and_the_optimizer_holds_it_once():
    g = ClassShift([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    gan = conditional_minegan(_cfg_2d(), g, _fixed_critic([1.0, 0.0]))
    assert len(gan.G) == len(gan.M) == 3 and all(c.generator is g for c in gan.G)
    params = [p for group in gan.configure_optimizers()["G"].param_groups for p in group["params"]]
    assert sum(p is g.offset for p in params) == 1


def test_only_the_winning_class_miner_receives_gradient_and_g_stays_frozen():
    seed_everything(0)
    g = ClassShift([[0.0, 0.0], [50.0, 0.0], [-50.0, 0.0]])
    gan = conditional_minegan(_cfg_2d(), g, _fixed_critic([1.0, 0.0]))  # favours large x
    scores, best = gan.best_scores(gan.supersamples(32, torch.device("cpu")))
    assert scores.shape == (32, 3) and bool((scores.argmax(1) == 1).all())
    (-best.mean()).backward()
    for j in (0, 2):
        assert all(p.grad is None or not p.grad.any() for p in gan.M[j].parameters())
    assert all(p.grad.abs().sum() > 0 for p in gan.M[1].parameters())
    # a whole mining step: the shared generator is frozen, its offsets unchanged
    gan.zero_grad(set_to_none=True)
    before = g.offset.detach().clone()
    gan.training_step(torch.randn(16, 2), 0, RecordingStepper(gan.configure_optimizers()))
    assert torch.equal(g.offset, before) and g.offset.grad is None


def test_the_selector_chooses_the_class_nearest_a_fixed_critics_preference():
    # the critic scores -x; class 2 sits furthest left, 5 code-stds from the others: it wins
    seed_everything(0)
    g = ClassShift([[0.0, 0.0], [5.0, 0.0], [-5.0, 0.0]])
    gan = conditional_minegan(_cfg_2d(window=5, lr_d=0.0), g, _fixed_critic([-1.0, 0.0]))
    opt = RecordingStepper(gan.configure_optimizers())
    for step in range(5):
        gan.training_step(torch.randn(64, 2), step, opt)
    probs = gan.selector.probs
    assert probs[2].item() > 0.95 and probs.sum().item() == pytest.approx(1.0)


def test_a_dcgan_pair_mines_its_classes_end_to_end():
    seed_everything(0)
    cfg = dataclasses.replace(MineGANConfig.smoke(), image_size=16, channels=1)
    g = DCGANGenerator(cfg.z_dim, 16, 1, cfg.width_g, num_classes=3)
    d = DCGANDiscriminator(16, 1, cfg.width_d, norm="layer", num_classes=3)  # an AC critic
    gan = conditional_minegan(cfg, g, d, classes=[0, 2])
    opt = RecordingStepper(gan.configure_optimizers())
    gan.training_step({"a": torch.rand(4, 1, 16, 16) * 2 - 1}, 0, opt)
    assert gan.selector.probs.shape == (2,)
    assert gan.sample(3).shape == (3, 1, 16, 16)


class LabelEcho(nn.Module):
    """A 'generator' without a num_classes attribute that returns the labels it was given."""

    def forward(self, z, y):
        return y


def test_num_classes_can_be_given_for_a_generator_without_that_attribute():
    c = ClassGenerator(LabelEcho(), 2, num_classes=3)
    assert (c.label, c.num_classes) == (2, 3)
    y = c(torch.zeros(4, 5))
    assert y.tolist() == [2, 2, 2, 2] and y.dtype == torch.long
    with pytest.raises(
        ValueError,
        match=r"num_classes is 0 or unknown\); pass num_classes for a generator without that "
        "attribute",
    ):
        ClassGenerator(LabelEcho(), 0)  # neither the attribute nor the argument
    # class_generators reads the attribute: unknown means no classes
    assert class_generators(LabelEcho()) == []
    with pytest.raises(ValueError, match="not class-conditional"):
        class_generators(LabelEcho(), [0])


def test_the_labels_are_made_on_the_codes_device():
    y = ClassGenerator(LabelEcho(), 1, num_classes=2)(torch.zeros(3, 4, device="meta"))
    assert y.device.type == "meta" and y.shape == (3,)
