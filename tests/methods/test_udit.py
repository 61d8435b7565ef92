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


def test_the_trunk_is_strided_3x3_convolutions_then_the_1x1_bottleneck():
    h = SemanticExtractor(3, d=2, widths=(8, 12))
    convs = [m for m in h.trunk if isinstance(m, torch.nn.Conv2d)]
    assert [(c.kernel_size, c.stride, c.padding) for c in convs] == [((3, 3), (2, 2), (1, 1))] * 2
    assert h.reduce.kernel_size == (1, 1) and (h.reduce.in_channels, h.dim) == (12, 2)


def _tiny_data():
    g = torch.Generator().manual_seed(0)
    return torch.rand(40, 3, 2, 2, generator=g) * 2 - 1, torch.randint(0, 3, (40,), generator=g)


def _tiny(seed=0):
    """An extractor without a trunk (the 1x1 bottleneck and the head): fast to train."""
    torch.manual_seed(seed)
    return SemanticExtractor(num_classes=3, d=2, widths=())


def _weights(h):
    return torch.cat([p.detach().flatten() for p in h.parameters()])


def test_train_extractor_defaults_and_its_private_generator():
    images, labels = _tiny_data()
    nets = [_tiny() for _ in range(4)]
    torch.manual_seed(7)
    state = torch.get_rng_state()
    default = train_extractor(nets[0], images, labels)
    assert torch.equal(torch.get_rng_state(), state)  # the global RNG is untouched
    explicit = train_extractor(nets[1], images, labels, steps=300, batch_size=64, lr=2e-3, seed=0)
    assert torch.equal(_weights(default), _weights(explicit))
    fewer = train_extractor(nets[2], images, labels, steps=299, batch_size=64, lr=2e-3, seed=0)
    smaller = train_extractor(nets[3], images, labels, steps=300, batch_size=63, lr=2e-3, seed=0)
    assert not torch.equal(_weights(default), _weights(fewer))
    assert not torch.equal(_weights(default), _weights(smaller))


def test_train_extractor_takes_adams_step_of_size_lr():
    images, labels = _tiny_data()
    before = _weights(_tiny())
    after = _weights(train_extractor(_tiny(), images, labels, steps=1, lr=0.05))
    # Adam's first step moves every weight with a gradient by lr (times the sign)
    assert (after - before).abs().max().item() == pytest.approx(0.05, rel=1e-3)


def test_train_extractor_moves_the_labels_to_the_images_device():
    images, labels = _tiny_data()  # labels stay on the CPU
    h = train_extractor(_tiny().to("meta"), images.to("meta"), labels, steps=2)
    assert not h.training and next(h.parameters()).device.type == "meta"


def test_the_term_stays_frozen_when_trained_and_averages_over_outputs():
    from companion.methods.translation import Translations

    h = _extractor()
    term = SemanticConstraint(h, weight=1.0)
    assert term.train() is term and term.training and not h.training
    a = paired_batch(2)["a"]
    fakes = [a + 0.5, a - 0.25]
    out = Translations(a, a, [None, None], fakes)
    with torch.no_grad():
        each = [(h.features(f) - h.features(a)).abs().mean() for f in fakes]
        assert term(out).item() == pytest.approx((each[0] + each[1]).item() / 2, rel=1e-6)
