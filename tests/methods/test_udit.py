"""UDIT's semantic constraint: its value, its gradient path (G, never the frozen h), on and off."""

import pytest
import torch
from stepping import RecordingStepper, paired_batch

from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig
from companion.methods.udit import SemanticConstraint, SemanticExtractor, train_extractor


def _extractor(d=4, seed=0):
    torch.manual_seed(seed)
    return SemanticExtractor(num_classes=3, d=d, widths=(8, 8))


def _model(terms=(), seed=0):
    torch.manual_seed(seed)
    return Pix2Pix(Pix2PixConfig.smoke(), terms=terms)


def _grad_reached(net):
    return any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.parameters())


def test_bottleneck_sets_the_feature_size():
    x = torch.zeros(2, 3, 32, 32)
    assert _extractor(d=1).features(x).shape == (2, 1, 8, 8)
    assert SemanticExtractor(3, d=None, widths=(8, 12)).features(x).shape == (2, 12, 8, 8)
    with pytest.raises(ValueError, match="D must be >= 1"):
        SemanticExtractor(3, d=0)


def test_term_value_is_the_mean_l1_between_features_and_weight_scales_it():
    h = _extractor()
    model = _model([SemanticConstraint(h, weight=1.0)])
    batch = paired_batch(4)
    torch.manual_seed(1)
    out = model.translations(batch["a"], batch["b"])
    value = model.hook_terms(out)["semantic"]
    expected = (h.features(out.b_fake[0]) - h.features(out.a)).abs().mean()
    assert value.item() == pytest.approx(expected.item(), rel=1e-6)
    assert value.item() > 0
    doubled = SemanticConstraint(h, weight=2.0)
    assert (doubled.weight * doubled(out)).item() == pytest.approx(2 * value.item(), rel=1e-6)
    l2 = SemanticConstraint(h, weight=1.0, norm="l2")(out)
    sq = (h.features(out.b_fake[0]) - h.features(out.a)).pow(2).mean()
    assert l2.item() == pytest.approx(sq.item(), rel=1e-6)


def test_term_reaches_g_and_not_the_frozen_extractor_nor_d():
    h = _extractor()
    model = _model([SemanticConstraint(h, weight=1.0)])
    batch = paired_batch(4)
    out = model.translations(batch["a"], batch["b"])
    model.zero_grad(set_to_none=True)
    model.hook_terms(out)["semantic"].backward()
    assert _grad_reached(model.G)
    assert not _grad_reached(model.D)
    assert all(p.grad is None and not p.requires_grad for p in h.parameters())


def test_term_is_called_in_the_training_step_and_absent_when_off():
    batch = paired_batch(4)
    h = _extractor()
    before = {k: v.clone() for k, v in h.state_dict().items()}
    on = _model([SemanticConstraint(h, weight=5.0)])
    off = _model()
    on.train()
    assert not h.training  # the method's train() leaves h in eval mode
    torch.manual_seed(2)
    log_on = on.training_step(batch, 0, RecordingStepper(on.configure_optimizers()))
    torch.manual_seed(2)
    log_off = off.training_step(batch, 0, RecordingStepper(off.configure_optimizers()))
    assert "loss/g_semantic" in log_on and "loss/g_semantic" not in log_off
    # same seed, same D step: G's loss differs by exactly the weighted term
    assert log_on["loss/d"] == pytest.approx(log_off["loss/d"], rel=1e-6)
    assert log_on["loss/g"] - log_off["loss/g"] == pytest.approx(
        log_on["loss/g_semantic"], rel=1e-4
    )
    changed = [not torch.equal(p, q) for p, q in zip(on.G.parameters(), off.G.parameters())]
    assert any(changed)  # the term moved G
    assert all(torch.equal(before[k], v) for k, v in h.state_dict().items())  # h did not move


def test_errors_name_the_value():
    with pytest.raises(ValueError, match="norm must be 'l1' or 'l2', got 'l3'"):
        SemanticConstraint(_extractor(), weight=1.0, norm="l3")
    with pytest.raises(ValueError, match="weight must be > 0, got 0"):
        SemanticConstraint(_extractor(), weight=0)
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        train_extractor(_extractor(), torch.zeros(3, 3, 8, 8), torch.zeros(2).long())


def test_train_extractor_learns_a_known_attribute_and_freezes():
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (300,), generator=g)
    level = torch.tensor([-0.8, 0.0, 0.8])[labels]  # the attribute: global brightness
    images = level[:, None, None, None] + 0.1 * torch.randn(300, 3, 16, 16, generator=g)
    h = train_extractor(_extractor(d=1), images, labels, steps=150, seed=0)
    acc = (h(images).argmax(1) == labels).float().mean().item()
    assert acc > 0.95  # three brightness levels 8 noise stds apart: separable through D = 1
    assert not h.training and not any(p.requires_grad for p in h.parameters())
