"""Known answers for the loss terms: companion/losses.py.

Adversarial losses take raw logits; each is pinned by its value at logits 0 and far from 0, by
the sign of its gradient for D and for G (a sign error still gives the right value at 0), and
by where its minimum lies (LSGAN's targets, the hinge margins). The other terms are checked
against closed forms, a Monte Carlo estimate (the KL) or a critic whose gradient is known.
"""

import math

import pytest
import torch

from companion.losses import (
    ADVERSARIAL_LOSSES,
    d_hinge,
    d_lsgan,
    d_nonsaturating,
    d_wasserstein,
    g_hinge,
    g_lsgan,
    g_nonsaturating,
    g_wasserstein,
    gradient_penalty,
    kl_to_standard_normal,
    latent_regression_l1,
    mode_seeking_ratio,
    r1_penalty,
    reconstruction_l1,
    scale_gradient,
)

LOG2 = math.log(2.0)
BIG = 50.0  # a logit far into the saturated region (sigmoid(50) = 1 - 2e-22)


def _full(value: float, n: int = 4) -> torch.Tensor:
    return torch.full((n,), value, dtype=torch.float64)


def _d_grads(d_loss, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    real, fake = real.clone().requires_grad_(True), fake.clone().requires_grad_(True)
    return torch.autograd.grad(d_loss(real, fake), (real, fake))


def _g_grad(g_loss, fake: torch.Tensor) -> torch.Tensor:
    fake = fake.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(g_loss(fake), fake)
    return grad


# The registry. ---------------------------------------------------------------------------

# name -> (D loss at real = fake = 0, G loss at fake = 0, D loss at real = +BIG / fake = -BIG,
#          G loss at fake = +BIG); every registered loss must have a row.
KNOWN_VALUES = {
    "nonsaturating": (2 * LOG2, LOG2, 0.0, 0.0),
    "lsgan": (0.5, 0.5, 0.5 * ((BIG - 1) ** 2 + BIG**2), 0.5 * (BIG - 1) ** 2),
    "hinge": (2.0, 0.0, 0.0, -BIG),
    "wgan-gp": (0.0, 0.0, -2 * BIG, -BIG),
}


def test_registry_pairs_each_name_with_its_d_and_g_losses():
    assert ADVERSARIAL_LOSSES == {
        "nonsaturating": (d_nonsaturating, g_nonsaturating),
        "lsgan": (d_lsgan, g_lsgan),
        "hinge": (d_hinge, g_hinge),
        "wgan-gp": (d_wasserstein, g_wasserstein),
    }
    assert KNOWN_VALUES.keys() == ADVERSARIAL_LOSSES.keys()


@pytest.mark.parametrize("name", sorted(ADVERSARIAL_LOSSES))
def test_adversarial_values_at_zero_and_far_from_zero(name):
    d_loss, g_loss = ADVERSARIAL_LOSSES[name]
    d_zero, g_zero, d_confident, g_fooled = KNOWN_VALUES[name]
    zeros = _full(0.0)
    assert d_loss(zeros, zeros).item() == pytest.approx(d_zero, abs=1e-12)
    assert g_loss(zeros).item() == pytest.approx(g_zero, abs=1e-12)
    assert d_loss(_full(BIG), _full(-BIG)).item() == pytest.approx(d_confident, abs=1e-12)
    assert g_loss(_full(BIG)).item() == pytest.approx(g_fooled, abs=1e-12)


# Logits between D's targets for real and fake (LSGAN's are 1 and 0, the others' +-inf or +-1)
UNDECIDED = {"lsgan": [0.25, 0.5, 0.75]}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL_LOSSES))
@pytest.mark.parametrize("i", range(3))
def test_adversarial_gradient_signs(name, i):
    """Between its targets D raises real logits and lowers fake ones; G raises fake ones."""
    d_loss, g_loss = ADVERSARIAL_LOSSES[name]
    logit = UNDECIDED.get(name, [-0.5, 0.0, 0.5])[i]
    grad_real, grad_fake = _d_grads(d_loss, _full(logit), _full(logit))
    assert (grad_real < 0).all(), grad_real  # descending the loss raises D(x)
    assert (grad_fake > 0).all(), grad_fake  # and lowers D(G(z))
    assert (_g_grad(g_loss, _full(logit)) < 0).all()  # G descends by raising D(G(z))


@pytest.mark.parametrize("name", sorted(ADVERSARIAL_LOSSES))
def test_adversarial_losses_average_over_every_logit(name):
    """Logits of any shape (a PatchGAN's (N, 1, H, W)); real and fake averaged separately."""
    d_loss, g_loss = ADVERSARIAL_LOSSES[name]
    g = torch.Generator().manual_seed(0)
    real = torch.randn(2, 1, 3, 3, generator=g, dtype=torch.float64)
    fake = torch.randn(5, 1, 2, 2, generator=g, dtype=torch.float64)
    per_real = torch.stack([d_loss(r.reshape(1), fake[:1, 0, 0, 0]) for r in real.flatten()])
    per_fake = torch.stack([d_loss(real[:1, 0, 0, 0], f.reshape(1)) for f in fake.flatten()])
    # D's loss is a sum of a mean over real logits and a mean over fake logits
    expected = per_real.mean() + per_fake.mean() - d_loss(real[:1, 0, 0, 0], fake[:1, 0, 0, 0])
    assert d_loss(real, fake).item() == pytest.approx(expected.item(), abs=1e-12)
    per_fake_g = torch.stack([g_loss(f.reshape(1)) for f in fake.flatten()])
    assert g_loss(fake).item() == pytest.approx(per_fake_g.mean().item(), abs=1e-12)


def test_nonsaturating_known_answers():
    t = math.log(3.0)  # sigma(log 3) = 3/4
    assert d_nonsaturating(_full(t), _full(-t)).item() == pytest.approx(-2 * math.log(0.75))
    assert g_nonsaturating(_full(t)).item() == pytest.approx(-math.log(0.75))
    assert g_nonsaturating(_full(-t)).item() == pytest.approx(-math.log(0.25))
    # a confidently wrong D pays about |logit| for each side
    wrong = d_nonsaturating(_full(-BIG), _full(BIG)).item()
    assert wrong == pytest.approx(2 * BIG, rel=1e-12)
    assert g_nonsaturating(_full(-BIG)).item() == pytest.approx(BIG, rel=1e-12)


def test_nonsaturating_gradients_are_sigmoids():
    logits = torch.tensor([-BIG, -2.0, 0.0, 2.0, BIG], dtype=torch.float64)
    n = len(logits)
    grad_real, grad_fake = _d_grads(d_nonsaturating, logits, logits)
    assert torch.allclose(grad_real, -torch.sigmoid(-logits) / n, atol=1e-15)
    assert torch.allclose(grad_fake, torch.sigmoid(logits) / n, atol=1e-15)
    grad_g = _g_grad(g_nonsaturating, logits)
    assert torch.allclose(grad_g, -torch.sigmoid(-logits) / n, atol=1e-15)
    # non-saturating: where D rejects the fakes confidently, G still gets the full gradient
    # (minimising log(1 - D(G(z))) instead would give it sigma(-BIG) ~ 0 there)
    assert grad_g[0].item() == pytest.approx(-1 / n, rel=1e-12)


def test_lsgan_targets_are_one_for_real_and_zero_for_fake():
    # D's loss is 0 exactly at real = 1, fake = 0, and 1/2 per unit of error on each side
    assert d_lsgan(_full(1.0), _full(0.0)).item() == 0.0
    assert d_lsgan(_full(0.0), _full(0.0)).item() == pytest.approx(0.5)
    assert d_lsgan(_full(1.0), _full(1.0)).item() == pytest.approx(0.5)
    assert d_lsgan(_full(3.0), _full(-2.0)).item() == pytest.approx(0.5 * (4 + 4))
    # G's loss is 0 exactly when D says "real" (1) on fakes
    assert g_lsgan(_full(1.0)).item() == 0.0
    assert g_lsgan(_full(0.0)).item() == pytest.approx(0.5)
    assert g_lsgan(_full(-1.0)).item() == pytest.approx(2.0)


def test_lsgan_gradients_vanish_only_at_the_targets():
    grad_real, grad_fake = _d_grads(d_lsgan, _full(1.0), _full(0.0))
    assert torch.equal(grad_real, torch.zeros(4, dtype=torch.float64))
    assert torch.equal(grad_fake, torch.zeros(4, dtype=torch.float64))
    # past its target the loss pulls back: least squares penalises overconfidence too
    grad_real, grad_fake = _d_grads(d_lsgan, _full(3.0), _full(-2.0))
    assert torch.allclose(grad_real, _full(2.0 / 4))
    assert torch.allclose(grad_fake, _full(-2.0 / 4))
    assert torch.equal(_g_grad(g_lsgan, _full(1.0)), torch.zeros(4, dtype=torch.float64))
    assert torch.allclose(_g_grad(g_lsgan, _full(3.0)), _full(2.0 / 4))


def test_hinge_margins():
    # each side costs 1 - margin violation, and nothing once past its margin (+1 real, -1 fake)
    assert d_hinge(_full(1.0), _full(-1.0)).item() == 0.0
    assert d_hinge(_full(0.5), _full(-1.0)).item() == pytest.approx(0.5)
    assert d_hinge(_full(1.0), _full(-0.25)).item() == pytest.approx(0.75)
    assert d_hinge(_full(-2.0), _full(3.0)).item() == pytest.approx(3.0 + 4.0)
    grad_real, grad_fake = _d_grads(d_hinge, _full(1.5), _full(-1.5))
    assert torch.equal(grad_real, torch.zeros(4, dtype=torch.float64))  # past the margin
    assert torch.equal(grad_fake, torch.zeros(4, dtype=torch.float64))
    grad_real, grad_fake = _d_grads(d_hinge, _full(0.9), _full(-0.9))
    assert torch.allclose(grad_real, _full(-1 / 4))
    assert torch.allclose(grad_fake, _full(1 / 4))
    # G's hinge loss has no margin: -mean D(G(z)), a constant gradient everywhere
    assert g_hinge(torch.tensor([1.0, 3.0])).item() == pytest.approx(-2.0)
    assert torch.allclose(_g_grad(g_hinge, _full(2.0)), _full(-1 / 4))


def test_wasserstein_signs():
    real, fake = torch.tensor([1.0, 2.0, 6.0]), torch.tensor([-1.0, 0.5])
    # the critic minimises E[D(fake)] - E[D(real)]: real scores up, fake scores down
    assert d_wasserstein(real, fake).item() == pytest.approx(-0.25 - 3.0)
    assert g_wasserstein(fake).item() == pytest.approx(0.25)
    grad_real, grad_fake = _d_grads(d_wasserstein, real, fake)
    assert torch.allclose(grad_real, torch.full((3,), -1 / 3))
    assert torch.allclose(grad_fake, torch.full((2,), 1 / 2))
    assert torch.allclose(_g_grad(g_wasserstein, fake), torch.full((2,), -1 / 2))


# Penalties on D's gradient. --------------------------------------------------------------


class _Linear(torch.nn.Module):
    """D(x) = <w, x>: its input gradient is w everywhere."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(w.clone())
        self.inputs: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.detach().clone())
        return (x * self.w).flatten(1).sum(1)  # (N,)


def _images(n: int, seed: int, shape=(2, 3, 3)) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, *shape, generator=g, dtype=torch.float64)


@pytest.mark.parametrize(("norm", "expected"), [(1.0, 0.0), (2.0, 1.0), (0.5, 0.25), (4.0, 9.0)])
def test_gradient_penalty_of_a_linear_critic(norm, expected):
    w = _images(1, 7)[0]
    critic = _Linear(norm * w / w.norm())  # ||grad D|| = norm at every point
    penalty = gradient_penalty(critic, _images(6, 0), _images(6, 1))
    assert penalty.item() == pytest.approx(expected, abs=1e-12)


def test_gradient_penalty_norm_is_per_sample():
    """A critic 0.5 ||x||^2 has gradient x: with real = fake, the penalty is E(||x_i|| - 1)^2."""
    x = torch.stack([torch.full((2, 2, 2), v, dtype=torch.float64) for v in (0.5, 1.0, 2.0)])
    norms = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64) * math.sqrt(8)

    def critic(x_mix):
        return 0.5 * x_mix.pow(2).flatten(1).sum(1)

    penalty = gradient_penalty(critic, x, x.clone())
    assert penalty.item() == pytest.approx((norms - 1).pow(2).mean().item(), rel=1e-12)


def test_gradient_penalty_samples_on_segments_between_real_and_fake():
    x_real, x_fake = _images(64, 2), _images(64, 3)
    critic = _Linear(torch.ones(2, 3, 3, dtype=torch.float64))
    gen = torch.Generator().manual_seed(0)
    gradient_penalty(critic, x_real, x_fake, generator=gen)
    (x_mix,) = critic.inputs
    # x_mix = eps x_real + (1 - eps) x_fake with one eps per sample, in [0, 1]
    eps = ((x_mix - x_fake) / (x_real - x_fake)).flatten(1)  # (N, 18)
    assert torch.allclose(eps, eps[:, :1].expand_as(eps), atol=1e-9)
    eps = eps[:, 0]
    assert (eps >= 0).all() and (eps <= 1).all()
    assert eps.std() > 0.2  # uniform on [0, 1]: std 0.29; one eps for the batch would give 0
    assert eps.min() < 0.1 and eps.max() > 0.9
    # the generator decides the draw
    again = _Linear(torch.ones(2, 3, 3, dtype=torch.float64))
    gradient_penalty(again, x_real, x_fake, generator=torch.Generator().manual_seed(0))
    assert torch.equal(again.inputs[0], x_mix)
    other = _Linear(torch.ones(2, 3, 3, dtype=torch.float64))
    gradient_penalty(other, x_real, x_fake, generator=torch.Generator().manual_seed(1))
    assert not torch.equal(other.inputs[0], x_mix)


def test_gradient_penalty_draws_its_weights_on_the_inputs_device_and_dtype():
    """``meta`` tensors stand in for an accelerator: CPU weights would not mix with them."""
    critic = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(18, 1)).to("meta")
    penalty = gradient_penalty(
        critic, torch.randn(3, 2, 3, 3, device="meta"), torch.randn(3, 2, 3, 3, device="meta")
    )
    assert penalty.device.type == "meta" and penalty.shape == ()
    # half precision stays half precision (as under autocast), not float32
    recorder = _Linear(torch.ones(2, 3, 3, dtype=torch.bfloat16))
    x_real, x_fake = _images(4, 0).bfloat16(), _images(4, 1).bfloat16()
    gradient_penalty(recorder, x_real, x_fake)
    assert recorder.inputs[0].dtype == torch.bfloat16


def test_gradient_penalty_trains_the_critic_not_the_generator():
    w = _images(1, 7)[0]
    critic = _Linear(3.0 * w / w.norm())
    x_fake = _images(4, 1).requires_grad_(True)
    gradient_penalty(critic, _images(4, 0), x_fake).backward()
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w|| = 4 w / ||w|| at ||w|| = 3
    assert torch.allclose(critic.w.grad, 4.0 * w / w.norm(), atol=1e-12)
    # the penalty detaches the samples: a critic whose gradient depends on where it is
    # evaluated (0.5 ||x||^2, gradient x) sends no gradient to the images either
    x_real = _images(4, 0).requires_grad_(True)
    penalty = gradient_penalty(lambda x: 0.5 * x.pow(2).flatten(1).sum(1), x_real, x_fake)
    penalty.backward()
    assert penalty.grad_fn is not None
    assert x_real.grad is None and x_fake.grad is None


def test_r1_penalty_known_answers():
    w = _images(1, 5)[0]
    critic = _Linear(w)
    x = _images(3, 0).requires_grad_(True)
    penalty = r1_penalty(critic(x), x)
    # grad_x D = w for every sample: 0.5 ||w||^2, averaged (not summed) over the batch
    assert penalty.item() == pytest.approx(0.5 * w.pow(2).sum().item(), rel=1e-12)
    penalty.backward()
    assert torch.allclose(critic.w.grad, w, atol=1e-12)  # d/dw 0.5 ||w||^2 = w

    x = _images(3, 1).requires_grad_(True)
    quadratic = r1_penalty(0.5 * x.pow(2).flatten(1).sum(1), x)  # gradient x
    expected = 0.5 * x.detach().pow(2).flatten(1).sum(1).mean()
    assert quadratic.item() == pytest.approx(expected.item(), rel=1e-12)


# The cVAE's KL and the L1 terms. ---------------------------------------------------------


def _kl_1d(mu: float, var: float) -> float:
    return 0.5 * (mu**2 + var - 1 - math.log(var))


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(3, 5, dtype=torch.float64)
    assert kl_to_standard_normal(zeros, zeros).item() == 0.0
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g)
    assert kl_to_standard_normal(mu, logvar).item() > 0


@pytest.mark.parametrize(("mu", "var"), [(1.0, 1.0), (0.0, 2.0), (-0.5, 0.25), (2.0, 3.0)])
def test_kl_closed_form_and_sum_over_dimensions(mu, var):
    d = 6
    mus = torch.full((3, d), mu, dtype=torch.float64)
    logvars = torch.full((3, d), math.log(var), dtype=torch.float64)
    # a diagonal Gaussian's KL is the sum of the per-dimension KLs, averaged over the batch
    assert kl_to_standard_normal(mus, logvars).item() == pytest.approx(d * _kl_1d(mu, var))


def test_kl_averages_over_the_batch():
    mu = torch.tensor([[1.0, 0.0], [0.0, 0.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.0, 0.0], [0.0, math.log(2.0)]], dtype=torch.float64)
    expected = 0.5 * (_kl_1d(1.0, 1.0) + _kl_1d(0.0, 2.0))
    assert kl_to_standard_normal(mu, logvar).item() == pytest.approx(expected)


def test_kl_agrees_with_a_monte_carlo_estimate():
    g = torch.Generator().manual_seed(0)
    mu = 0.8 * torch.randn(2, 3, generator=g, dtype=torch.float64)
    logvar = 0.6 * torch.randn(2, 3, generator=g, dtype=torch.float64)
    k = 200_000
    std = (0.5 * logvar).exp()
    z = mu + std * torch.randn(k, 2, 3, generator=g, dtype=torch.float64)  # (K, N, D)
    q = torch.distributions.Normal(mu, std)
    p = torch.distributions.Normal(0.0, 1.0)
    log_ratio = (q.log_prob(z) - p.log_prob(z)).sum(dim=2).mean(dim=1)  # (K,)
    estimate, stderr = log_ratio.mean().item(), log_ratio.std().item() / math.sqrt(k)
    assert kl_to_standard_normal(mu, logvar).item() == pytest.approx(estimate, abs=4 * stderr)
    assert stderr < 0.01  # the check is tight enough to catch a missing 1/2 or a wrong variance


def test_kl_gradients():
    mu = torch.tensor([[0.5, -2.0]], dtype=torch.float64, requires_grad=True)
    logvar = torch.tensor([[0.0, math.log(3.0)]], dtype=torch.float64, requires_grad=True)
    kl_to_standard_normal(mu, logvar).backward()
    # dKL/dmu = mu (pulls the mean to 0), dKL/dlogvar = (exp(logvar) - 1) / 2 (variance to 1)
    assert torch.allclose(mu.grad, mu.detach())
    assert torch.allclose(logvar.grad, torch.tensor([[0.0, 1.0]], dtype=torch.float64))


def test_reconstruction_and_latent_l1_are_mean_absolute_errors():
    x = torch.tensor([[1.0, -1.0], [0.0, 2.0]], requires_grad=True)
    target = torch.tensor([[0.0, 0.0], [0.0, -1.0]])
    assert reconstruction_l1(x, target).item() == pytest.approx((1 + 1 + 0 + 3) / 4)
    assert reconstruction_l1(target, x).item() == pytest.approx((1 + 1 + 0 + 3) / 4)
    reconstruction_l1(x, target).backward()
    assert torch.equal(x.grad, torch.tensor([[0.25, -0.25], [0.0, 0.25]]))

    z = torch.tensor([[0.5, 0.5, -1.0]])
    z_rec = torch.tensor([[0.0, 1.5, -1.0]], requires_grad=True)
    assert latent_regression_l1(z_rec, z).item() == pytest.approx(1.5 / 3)
    latent_regression_l1(z_rec, z).backward()
    assert torch.allclose(z_rec.grad, torch.tensor([[-1 / 3, 1 / 3, 0.0]]))


# MSGAN's mode-seeking term. ----------------------------------------------------------------


def test_mode_seeking_ratio_values():
    x_1, z_1 = torch.zeros(2, 3, 4, 4), torch.zeros(2, 8)
    # mean|x_1 - x_2| = 1, mean|z_1 - z_2| = 2: ratio 1/2
    value = mode_seeking_ratio(x_1, x_1 + 1, z_1, z_1 + 2).item()
    assert value == pytest.approx(1 / (0.5 + 1e-5), rel=1e-6)
    assert mode_seeking_ratio(x_1, x_1 - 1, z_1, z_1 + 2).item() == pytest.approx(value)
    # a collapsed generator gets the largest loss, 1 / eps
    assert mode_seeking_ratio(x_1, x_1, z_1, z_1 + 2).item() == pytest.approx(1e5, rel=1e-6)
    assert mode_seeking_ratio(x_1, x_1, z_1, z_1 + 2, eps=0.5).item() == pytest.approx(2.0)
    # the distances are between the two codes, wherever they lie
    z_3 = torch.full((2, 8), 5.0)
    assert mode_seeking_ratio(x_1, x_1 + 1, z_3, z_3 + 2).item() == pytest.approx(value)
    # the ratio is of means over the whole batch, not of sums or per-sample means
    x_2 = torch.cat([torch.full((1, 3, 4, 4), 3.0), torch.zeros(1, 3, 4, 4)])
    z_2 = torch.cat([torch.full((1, 8), 1.0), torch.full((1, 8), 3.0)])
    assert mode_seeking_ratio(x_1, x_2, z_1, z_2).item() == pytest.approx(
        1 / (1.5 / 2 + 1e-5), rel=1e-6
    )


def test_mode_seeking_gradient_pushes_outputs_apart():
    g = torch.Generator().manual_seed(0)
    x_1 = torch.randn(4, 3, 8, 8, generator=g)
    x_2 = (x_1 + 0.1 * torch.randn(4, 3, 8, 8, generator=g)).requires_grad_(True)
    z_1, z_2 = torch.randn(4, 8, generator=g), torch.randn(4, 8, generator=g)
    loss = mode_seeking_ratio(x_1, x_2, z_1, z_2)
    loss.backward()
    # a descent step moves every pixel of x_2 away from x_1
    assert ((x_2.grad * (x_2.detach() - x_1)) < 0).all()
    stepped = x_2.detach() - 1e-4 * x_2.grad
    assert (stepped - x_1).abs().mean() > (x_2.detach() - x_1).abs().mean()
    assert mode_seeking_ratio(x_1, stepped, z_1, z_2) < loss
    # codes further apart ask for outputs further apart: the same outputs cost more
    assert mode_seeking_ratio(x_1, x_2, z_1, 2 * z_2 - z_1) > loss


# scale_gradient. ---------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [3.0, 0.5, 0.0, -1.0])
def test_scale_gradient_is_identity_forward_and_scales_backward(scale):
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = scale_gradient(x, scale)
    assert torch.equal(y, x.detach())
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert torch.equal(x.grad, scale * torch.tensor([1.0, 2.0, 3.0]))


def test_scale_gradient_scales_only_what_flows_through_it():
    """G before the point gets scale times the gradient; a critic after it gets all of it."""
    g_weight = torch.tensor(2.0, requires_grad=True)
    t_weight = torch.tensor(3.0, requires_grad=True)
    b_hat = g_weight * torch.tensor([1.0, 1.0])
    loss = (t_weight * scale_gradient(b_hat, 0.25)).sum()
    loss.backward()
    assert loss.item() == pytest.approx(12.0)
    assert t_weight.grad.item() == pytest.approx(4.0)  # d/dt of t * sum(b_hat), unscaled
    assert g_weight.grad.item() == pytest.approx(0.25 * 6.0)
