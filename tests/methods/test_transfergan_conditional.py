"""Unconditional -> conditional transfer in TransferGAN (thesis Sec. 2.4.1, Eqs. 2.7, 2.8).

Known answers: class-conditional batch norm built from an unconditional one has the source's
(gamma, beta) in every row, so with equal codes every class draws the source generator's image;
the classifier loss reaches the critic in its step (on real images only) and the generator in
its step, each linearly in its weight; a conditional run resumes to the weights of an
uninterrupted one.
"""

import copy
import dataclasses

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from companion.cli import main
from companion.config import seed_everything
from companion.methods.transfergan import TransferGAN, TransferGANConfig
from companion.nets.conditional import ConditionalBatchNorm2d, conditional_batch_norm_state
from companion.nets.dcgan import DCGANGenerator
from companion.train import fit, load_checkpoint
from tests.methods.stepping import GradientRecordingStepper

K = 3


def _cfg(**changes):
    return dataclasses.replace(TransferGANConfig.smoke(), **changes)


def _save(method, path):
    torch.save(
        {"method_name": method.name, "config": method.cfg.to_dict(), "method": method.state_dict()},
        path,
    )
    return path


def _nontrivial_batch_norms(net, seed=0):
    """Give every batch norm of ``net`` random parameters and running statistics, so that a
    copy cannot pass by matching the (1, 0) a fresh table starts with."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g))
                m.running_mean.copy_(torch.randn(m.num_features, generator=g))
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.num_batches_tracked.fill_(7)


@pytest.fixture
def source(tmp_path):
    """An unconditional smoke TransferGAN with non-trivial batch norms, saved as a source."""
    seed_everything(0)
    gan = TransferGAN(_cfg())
    _nontrivial_batch_norms(gan.G)
    return gan, _save(gan, tmp_path / "source.pt")


def _conditional_from(path, **changes):
    seed_everything(1)  # other random weights than the source's
    return TransferGAN.from_pretrained(path, _cfg(num_classes=K, **changes))


def test_conditional_batch_norm_from_an_unconditional_one_copies_every_row():
    bn = nn.BatchNorm2d(4, momentum=0.3, eps=1e-3)
    _nontrivial_batch_norms(bn)
    cbn = ConditionalBatchNorm2d.from_batch_norm(bn, K)
    assert cbn.gamma.shape == cbn.beta.shape == (K, 4)
    for k in range(K):
        assert torch.equal(cbn.gamma[k], bn.weight) and torch.equal(cbn.beta[k], bn.bias)
    assert torch.equal(cbn.running_mean, bn.running_mean)
    assert torch.equal(cbn.running_var, bn.running_var)
    assert int(cbn.num_batches_tracked) == 7 and (cbn.eps, cbn.momentum) == (1e-3, 0.3)
    x, y = torch.randn(6, 4, 3, 3), torch.tensor([0, 1, 2, 2, 1, 0])
    for train in (True, False):  # batch statistics and running ones (which training updates)
        bn.train(train), cbn.train(train)
        torch.testing.assert_close(cbn(x, y), bn(x), rtol=0, atol=1e-6)
        torch.testing.assert_close(cbn.running_mean, bn.running_mean, rtol=0, atol=1e-7)
        torch.testing.assert_close(cbn.running_var, bn.running_var, rtol=0, atol=1e-7)
    with pytest.raises(ValueError, match="affine=True"):
        ConditionalBatchNorm2d.from_batch_norm(nn.BatchNorm2d(4, affine=False), K)


def test_class_rows_act_separately():
    cbn = ConditionalBatchNorm2d(2, K)
    with torch.no_grad():
        cbn.gamma[1] = torch.tensor([2.0, 3.0])
        cbn.beta[2] = torch.tensor([1.0, -1.0])
    cbn.eval()  # running statistics (0, 1): BN is the identity up to eps
    x = torch.ones(3, 2, 1, 1)
    out = cbn(x, torch.tensor([0, 1, 2]))[:, :, 0, 0]
    expected = torch.tensor([[1.0, 1.0], [2.0, 3.0], [2.0, 0.0]]) / (1 + 1e-5) ** 0.5
    expected[2] = torch.tensor([1.0, 1.0]) / (1 + 1e-5) ** 0.5 + torch.tensor([1.0, -1.0])
    torch.testing.assert_close(out, expected)


def test_state_conversion_keeps_every_other_entry():
    seed_everything(0)
    g = DCGANGenerator(8, 16, 3, 4)
    _nontrivial_batch_norms(g)
    state = conditional_batch_norm_state(g.state_dict(), K)
    cond = DCGANGenerator(8, 16, 3, 4, num_classes=K)
    cond.load_state_dict(state)  # strict: the keys and shapes are the conditional network's
    plain = g.state_dict()
    for key, value in cond.state_dict().items():
        if key.endswith((".gamma", ".beta")):
            src = plain[key.replace(".gamma", ".weight").replace(".beta", ".bias")]
            assert torch.equal(value, src.expand(K, -1)), key
        else:
            assert torch.equal(value, plain[key]), key


def test_unconditional_source_into_a_conditional_target_copies_everything(source):
    src, path = source
    gan = _conditional_from(path)
    plain_g, plain_d = src.G.state_dict(), src.D.state_dict()
    norms = [n for n, m in gan.G.named_modules() if isinstance(m, ConditionalBatchNorm2d)]
    assert norms == ["project.2", "body.1", "body.4"]  # smoke: the 4x4, 8x8, 16x16 features
    for key, value in gan.G.state_dict().items():
        owner, leaf = key.rsplit(".", 1)
        if owner in norms and leaf in ("gamma", "beta"):
            src_leaf = {"gamma": "weight", "beta": "bias"}[leaf]
            for k in range(K):
                assert torch.equal(value[k], plain_g[f"{owner}.{src_leaf}"]), (key, k)
        else:
            assert torch.equal(value, plain_g[key]), key
    for key, value in gan.D.state_dict().items():
        if not key.startswith("classify."):
            assert torch.equal(value, plain_d[key]), key
    # the classifier head is new: the same random start as a conditional model from scratch
    seed_everything(1)
    scratch = TransferGAN(_cfg(num_classes=K))
    assert torch.equal(gan.D.classify.weight, scratch.D.classify.weight)
    assert not torch.equal(gan.D.head.weight, scratch.D.head.weight)


@pytest.mark.parametrize("train", [True, False])
def test_every_class_draws_the_source_image_at_the_start(source, train):
    src, path = source
    gan = _conditional_from(path)
    src.G.train(train), gan.G.train(train)
    z = torch.randn(6, gan.cfg.z_dim, generator=torch.Generator().manual_seed(3))
    expected = src.G(z)
    for k in range(K):
        torch.testing.assert_close(gan.G(z, torch.full((6,), k)), expected, rtol=0, atol=1e-5)
    mixed = gan.G(z, torch.arange(6) % K)  # batch statistics are shared across classes
    torch.testing.assert_close(mixed, expected, rtol=0, atol=1e-5)
    # a generator from scratch draws other images
    seed_everything(1)
    scratch = TransferGAN(_cfg(num_classes=K)).G.train(train)
    assert (scratch(z, torch.zeros(6, dtype=torch.long)) - expected).abs().max() > 0.1


def test_wrong_combinations_are_refused_clearly(source, tmp_path):
    _, path = source
    with pytest.raises(ValueError, match="num_classes=2"):
        DCGANGenerator(8, 16, num_classes=2)(torch.randn(2, 8))  # labels missing
    conditional = _save(_conditional_from(path), tmp_path / "cond.pt")
    with pytest.raises(ValueError, match=f"conditional with num_classes={K}.*num_classes=0"):
        TransferGAN.from_pretrained(conditional, _cfg())  # into an unconditional target
    with pytest.raises(ValueError, match=f"num_classes={K}.*not num_classes=5"):
        TransferGAN.from_pretrained(conditional, _cfg(num_classes=5))
    # the same classes: a plain copy, classifier head included
    same = TransferGAN.from_pretrained(conditional)
    assert same.cfg.num_classes == K  # the source's classes when no config is given
    saved = torch.load(conditional, weights_only=True)["method"]
    assert torch.equal(same.D.classify.weight, saved["D.classify.weight"])
    assert torch.equal(same.G.body[1].gamma, saved["G.body.1.gamma"])


def test_batches_without_valid_labels_are_refused_clearly():
    seed_everything(0)
    gan = TransferGAN(_cfg(num_classes=K))
    opt = GradientRecordingStepper(gan.configure_optimizers())
    batch = gan.example_batch(4)
    with pytest.raises(KeyError, match="needs labels.*'y'"):
        gan.training_step({"a": batch["a"]}, 0, opt)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        gan.training_step({"a": batch["a"], "y": torch.tensor([0, 1, 2, 3])}, 0, opt)
    with pytest.raises(ValueError, match="unconditional"):
        TransferGAN(_cfg()).sample(2, labels=torch.zeros(2, dtype=torch.long))
    assert opt.calls == []


def _one_step(**changes):
    """One conditional training step (n_critic 1) from seed 0: the model before it, the model
    after it, the stepper's records and the batch."""
    seed_everything(0)
    gan = TransferGAN(_cfg(num_classes=K, n_critic=1, **changes))
    before = copy.deepcopy(gan)
    batch = gan.example_batch(4, generator=torch.Generator().manual_seed(0))
    opt = GradientRecordingStepper(gan.configure_optimizers())
    seed_everything(5)
    logs = gan.training_step(batch, 0, opt)
    assert opt.calls == ["D", "G"]
    assert {"loss/d_cls", "loss/g_cls", "acc/d_cls_real"} <= set(logs)
    return before, gan, opt, batch


def test_the_class_loss_reaches_d_on_real_images_in_the_d_step():
    before, gan, opt, batch = _one_step(alpha_d=1.0)
    d_grads = opt.grads[0]
    # the head's gradient is exactly that of the cross-entropy on the *real* batch (Eq. 2.8):
    # the adversarial and penalty terms do not involve the head, and fakes do not enter it
    head = before.D.classify.weight
    _, logits = before.D.forward_with_classes(batch["a"])
    (expected,) = torch.autograd.grad(F.cross_entropy(logits, batch["y"]), head)
    torch.testing.assert_close(d_grads[id(gan.D.classify.weight)], expected)
    assert expected.abs().sum() > 0
    # ... scaled by alpha_d, and the trunk gets it too
    _, gan2, opt2, _ = _one_step(alpha_d=2.0)
    torch.testing.assert_close(opt2.grads[0][id(gan2.D.classify.weight)], 2 * expected)
    _, gan0, opt0, _ = _one_step(alpha_d=0.0)
    trunk = zip(gan0.D.body.parameters(), gan.D.body.parameters(), gan2.D.body.parameters())
    steps = [
        (opt2.grads[0][id(p2)] - opt.grads[0][id(p1)], opt.grads[0][id(p1)] - opt0.grads[0][id(p0)])
        for p0, p1, p2 in trunk
    ]
    assert steps and all(torch.allclose(a, b, atol=1e-5) for a, b in steps)  # linear in alpha_d
    assert sum(float(b.abs().sum()) for _, b in steps) > 0  # the trunk learns from it too
    # the D step reaches no generator weight
    assert set(d_grads) == {id(p) for p in gan.D.parameters()}


def test_the_class_loss_reaches_g_in_the_g_step_and_not_d():
    grads = {}
    for alpha in (0.0, 1.0, 2.0):
        _, gan, opt, _ = _one_step(alpha_g=alpha)
        g_grads = opt.grads[1]
        assert set(g_grads) == {id(p) for p in gan.G.parameters()}  # G's weights only
        grads[alpha] = [g_grads[id(p)] for p in gan.G.parameters()]
    steps = [(g2 - g1, g1 - g0) for g0, g1, g2 in zip(grads[0.0], grads[1.0], grads[2.0])]
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in steps)  # linear in alpha_g
    assert sum(float(b.abs().sum()) for _, b in steps) > 0  # and it acts
    # the D step does not depend on alpha_g (the class loss of fakes is G's only)
    _, gan_a, opt_a, _ = _one_step(alpha_g=0.0)
    _, gan_b, opt_b, _ = _one_step(alpha_g=2.0)
    for pa, pb in zip(gan_a.D.parameters(), gan_b.D.parameters()):
        assert torch.equal(opt_a.grads[0][id(pa)], opt_b.grads[0][id(pb)])
        assert torch.equal(pa, pb)  # the G step did not move D


class _Kill(Exception):
    pass


def _labelled(n=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, 32, 32, generator=g) * 2 - 1
    return [{"a": x[i], "y": torch.tensor(i % K)} for i in range(n)]


def test_a_conditional_run_resumes_equal_to_an_uninterrupted_one(source, tmp_path):
    _, path = source
    data, n = _labelled(), 3  # 24 samples / batch 8 = 3 batches: resuming crosses an epoch

    def build():
        return _conditional_from(path, n_critic=2)

    straight = build()
    hist_straight = fit(straight, data, 2 * n, tmp_path / "a", log_every=1)
    interrupted = build()

    def die(method, step):
        if step == n + 1:
            raise _Kill

    with pytest.raises(_Kill):
        fit(
            interrupted,
            data,
            2 * n,
            tmp_path / "b",
            log_every=1,
            ckpt_every=n,
            eval_every=1,
            callbacks=[die],
        )
    assert load_checkpoint(tmp_path / "b")["step"] == n
    resumed = build()
    hist_resumed = fit(resumed, data, 2 * n, tmp_path / "b", log_every=1, ckpt_every=n)
    a, b = straight.state_dict(), resumed.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert hist_resumed == hist_straight


def test_cli_trains_a_conditional_target_from_an_unconditional_source(tmp_path, capsys):
    common = ["--preset", "smoke", "--data", "digits", "--steps", "1", "--log-every", "1"]
    src, out = tmp_path / "source", tmp_path / "target"
    assert main(["train", "transfergan", *common, "--out", str(src)]) == 0
    code = main(
        ["train", "transfergan", *common, "--init", str(src), "--set", "num_classes=10",
         "--set", "transfer_g=true", "--set", "transfer_d=true", "--out", str(out)]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    saved = torch.load(out / "checkpoint.pt", weights_only=True)
    assert saved["config"]["num_classes"] == 10 and saved["method"]["G.body.1.gamma"].shape[0] == 10
    assert main(["sample", str(out), "--n", "10"]) == 0
    capsys.readouterr()
    # the digits' labels run to 9: five classes cannot hold them
    bad = ["--set", "num_classes=5", "--out", str(tmp_path / "bad")]
    assert main(["train", "transfergan", *common, *bad]) == 2
    err = capsys.readouterr().err
    assert "labels must lie in [0, 5)" in err and "Traceback" not in err


class _Nothing:
    def step(self, name, loss, *, retain_graph=False):
        self.last = name


def test_missing_labels_name_the_conditional_model():
    gan = TransferGAN(_cfg(num_classes=K))
    with pytest.raises(KeyError, match=r"a conditional TransferGAN \(num_classes=3\) needs labels"):
        gan.real_labels({"a": torch.zeros(2, 3, 32, 32)})


def test_the_ac_gan_logs_are_eq_2_7_and_2_8s_terms():
    from companion.losses import gradient_penalty

    seed_everything(0)
    gan = TransferGAN(_cfg(num_classes=K, n_critic=1, alpha_d=2.0, alpha_g=0.5))
    batch = gan.example_batch(7, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():  # labels the head gets right on 4 of the 7 images: accuracy 4/7
        predicted = gan.D.forward_with_classes(batch["a"])[1].argmax(1)
    batch["y"] = torch.cat([predicted[:4], (predicted[4:] + 1) % K])
    x, y = batch["a"], batch["y"]
    seed_everything(5)
    logs = gan.training_step(batch, 0, _Nothing())
    seed_everything(5)  # the critic step's draws: labels, codes, the penalty's mixing
    y_fake = torch.randint(K, (7,))
    with torch.no_grad():
        x_fake = gan.G(torch.randn(7, gan.cfg.z_dim), y_fake)
        score_real, logits_real = gan.D.forward_with_classes(x)
        score_fake = gan.D(x_fake)
    gp = gradient_penalty(gan.D, x, x_fake)
    wasserstein = score_real.mean() - score_fake.mean()
    d_cls = F.cross_entropy(logits_real, y)
    assert logs["dist/wasserstein"] == pytest.approx(wasserstein.item(), rel=1e-4)
    assert logs["loss/d_gp"] == pytest.approx(gp.item(), rel=1e-4)
    assert logs["loss/d_cls"] == pytest.approx(d_cls.item(), rel=1e-5)
    expected_d = -wasserstein + 10.0 * gp + 2.0 * d_cls
    assert logs["loss/d"] == pytest.approx(expected_d.item(), rel=1e-4)
    acc = (logits_real.argmax(1) == y).float().mean().item()
    assert logs["acc/d_cls_real"] == acc == pytest.approx(4 / 7)  # not 1 - acc, not 0
    y_fake = torch.randint(K, (7,))
    with torch.no_grad():
        score, logits = gan.D.forward_with_classes(gan.G(torch.randn(7, gan.cfg.z_dim), y_fake))
    g_cls = F.cross_entropy(logits, y_fake)
    assert logs["loss/g_cls"] == pytest.approx(g_cls.item(), rel=1e-5)
    assert logs["loss/g"] == pytest.approx((-score.mean() + 0.5 * g_cls).item(), rel=1e-4)


def test_a_conditional_step_runs_on_another_device(monkeypatch):
    # on the meta device nothing is computed, but a tensor left on the CPU (codes, labels)
    # meets the networks' weights and fails; the loader's labels arrive on the CPU
    item = torch.Tensor.item
    monkeypatch.setattr(torch.Tensor, "item", lambda t: float("nan") if t.is_meta else item(t))
    gan = TransferGAN(_cfg(num_classes=K, n_critic=1)).to("meta")
    batch = gan.example_batch(4)
    logs = gan.training_step({"a": batch["a"].to("meta"), "y": batch["y"]}, 0, _Nothing())
    assert set(logs) >= {"loss/d", "loss/g", "loss/d_cls", "loss/g_cls"}
