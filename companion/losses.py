"""Loss terms shared by the methods, each named by what it does.

Adversarial losses come in pairs (discriminator side, generator side) and take raw discriminator
outputs (logits, any shape); information terms say which bound they stand for. Every function
returns a scalar tensor (mean over the batch) unless stated otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from companion.mi.variational import gaussian_log_likelihood

__all__ = [
    "ADVERSARIAL_LOSSES",
    "d_hinge",
    "d_lsgan",
    "d_nonsaturating",
    "d_wasserstein",
    "g_hinge",
    "g_lsgan",
    "g_nonsaturating",
    "g_wasserstein",
    "gradient_penalty",
    "gram_matrix",
    "gram_style_distance",
    "code_l2_penalty",
    "kl_to_standard_normal",
    "latent_regression_l1",
    "median_bandwidth",
    "milo_loss",
    "mine_triplets",
    "mmd2",
    "mode_seeking_ratio",
    "pairwise_gram_style_distance",
    "perceptual_mse",
    "r1_penalty",
    "reconstruction_l1",
    "scale_gradient",
    "style_vectors",
    "triplet_margin_loss",
]


def d_nonsaturating(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """Discriminator loss of the original GAN: ``-log D(x) - log(1 - D(G(z)))``.

    Args:
        logits_real: D's logits on real data, any shape.
        logits_fake: D's logits on generated data, any shape.

    Example:
        >>> round(d_nonsaturating(torch.zeros(4), torch.zeros(4)).item(), 4)  # 2 log 2
        1.3863
    """
    return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()


def g_nonsaturating(logits_fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss ``-log D(G(z))`` (Goodfellow et al. 2014, Sec. 3)."""
    return F.softplus(-logits_fake).mean()


def d_lsgan(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """Least-squares discriminator loss (Mao et al. 2017): targets 1 for real, 0 for fake."""
    return 0.5 * ((logits_real - 1).pow(2).mean() + logits_fake.pow(2).mean())


def g_lsgan(logits_fake: torch.Tensor) -> torch.Tensor:
    """Least-squares generator loss: push D's output on fakes to 1."""
    return 0.5 * (logits_fake - 1).pow(2).mean()


def d_hinge(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """Hinge discriminator loss (Lim & Ye 2017; Miyato et al. 2018)."""
    return F.relu(1 - logits_real).mean() + F.relu(1 + logits_fake).mean()


def g_hinge(logits_fake: torch.Tensor) -> torch.Tensor:
    """Hinge generator loss: ``-D(G(z))``."""
    return -logits_fake.mean()


def d_wasserstein(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """Critic loss of WGAN: ``E[D(G(z))] - E[D(x)]`` (add :func:`gradient_penalty` for WGAN-GP)."""
    return logits_fake.mean() - logits_real.mean()


def g_wasserstein(logits_fake: torch.Tensor) -> torch.Tensor:
    """Generator loss of WGAN: ``-E[D(G(z))]``."""
    return -logits_fake.mean()


ADVERSARIAL_LOSSES: dict[str, tuple[Callable[..., torch.Tensor], Callable[..., torch.Tensor]]] = {
    "nonsaturating": (d_nonsaturating, g_nonsaturating),
    "lsgan": (d_lsgan, g_lsgan),
    "hinge": (d_hinge, g_hinge),
    "wgan-gp": (d_wasserstein, g_wasserstein),
}
"""Name -> (discriminator loss, generator loss); a config's ``gan_loss`` field picks one."""


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    x_real: torch.Tensor,
    x_fake: torch.Tensor,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP penalty ``E[(||grad D(x_mix)||_2 - 1)^2]`` (Gulrajani et al. 2017, Eq. 3).

    Args:
        critic: maps (N, C, H, W) images to scores (N, ...).
        x_real: (N, C, H, W) real images.
        x_fake: (N, C, H, W) generated images (detached or not; the penalty detaches them).
        generator: optional RNG for the interpolation weights.

    Returns:
        Scalar penalty (multiply by lambda_gp, 10 in the paper).
    """
    n = x_real.shape[0]
    eps = torch.rand(
        n,
        *([1] * (x_real.dim() - 1)),
        device=x_real.device,
        dtype=x_real.dtype,
        generator=generator,
    )  # (N, 1, 1, 1)
    x_mix = (eps * x_real.detach() + (1 - eps) * x_fake.detach()).requires_grad_(True)
    scores = critic(x_mix)
    (grad,) = torch.autograd.grad(scores.sum(), x_mix, create_graph=True)
    return (grad.flatten(1).norm(2, dim=1) - 1).pow(2).mean()


def r1_penalty(logits_real: torch.Tensor, x_real: torch.Tensor) -> torch.Tensor:
    """R1 penalty ``E[||grad_x D(x)||^2] / 2`` on real data (Mescheder et al. 2018).

    ``x_real`` must have ``requires_grad=True`` when D was applied to it.
    """
    (grad,) = torch.autograd.grad(logits_real.sum(), x_real, create_graph=True)
    return 0.5 * grad.pow(2).flatten(1).sum(1).mean()


def reconstruction_l1(x: torch.Tensor, x_target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error, the pix2pix reconstruction term ``||b - G(a, z)||_1``."""
    return (x - x_target).abs().mean()


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``KL(N(mu, exp(logvar)) || N(0, I))`` summed over code dimensions, averaged over the batch.

    Args:
        mu: (N, D) posterior means.
        logvar: (N, D) posterior log-variances.

    Returns:
        Scalar, in nats.

    Example:
        >>> kl_to_standard_normal(torch.zeros(2, 8), torch.zeros(2, 8)).item()
        0.0
    """
    return (0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)).sum(dim=1).mean()


def latent_regression_l1(z_rec: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """``||E(G(a, z)) - z||_1``: minus a Barber-Agakov bound on ``I(Z; B_hat)``, up to constants.

    The L1 error is the negative log-likelihood of ``z`` under a Laplace posterior centred on the
    encoder's output, so minimizing it maximizes the variational bound of Chapter 4.
    """
    return (z_rec - z).abs().mean()


def milo_loss(
    z: torch.Tensor,
    mu_out: torch.Tensor,
    logvar_out: torch.Tensor | float,
    *,
    min_std: float = 1e-2,
    detach_target: bool = True,
) -> torch.Tensor:
    """MISO's MILO (Na et al. 2019, Eq. 5): ``-log N(z; mu_out, exp(logvar_out))``.

    The Gaussian negative log-likelihood of a style code ``z`` under the posterior that a style
    encoder reads from the image translated with ``z``: minus a Barber-Agakov bound on
    ``I(z; G(b, z))`` up to the constant ``H(z)``. Summed over code dimensions (the vector's
    log-likelihood), averaged over the batch; ``sigma`` is floored at ``min_std`` (the loss is
    unbounded below otherwise). With ``detach_target`` no gradient reaches ``z`` through this
    term: the derivation treats the code distribution as fixed, and a gradient through it would
    reward shrinking the codes.

    Args:
        z: (N, D) the codes the images were translated with.
        mu_out: (N, D) the encoder's means on the translated images.
        logvar_out: (N, D) its log-variances, or a number (a fixed variance; 0 = unit).
        min_std: floor on sigma, > 0.
        detach_target: stop the gradient into ``z``.

    Returns:
        Scalar, in nats.

    Example:
        >>> round(milo_loss(torch.zeros(3, 2), torch.zeros(3, 2), 0.0).item(), 4)  # log 2 pi
        1.8379
    """
    target = z.detach() if detach_target else z
    return -gaussian_log_likelihood(target, mu_out, logvar_out, min_std=min_std).mean()


def mode_seeking_ratio(
    x_1: torch.Tensor, x_2: torch.Tensor, z_1: torch.Tensor, z_2: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    """MSGAN's term ``1 / (mean|x_1 - x_2| / mean|z_1 - z_2| + eps)`` (Mao et al. 2019, Eq. 3).

    Minimizing it pushes two outputs of the same input apart in proportion to their codes' distance.

    Args:
        x_1, x_2: (N, C, H, W) outputs for codes ``z_1`` and ``z_2``.
        z_1, z_2: (N, D) codes.
    """
    ratio = (x_1 - x_2).abs().mean() / (z_1 - z_2).abs().mean()
    return 1.0 / (ratio + eps)


class _ScaleGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad * ctx.scale, None


def scale_gradient(x: torch.Tensor, scale: float) -> torch.Tensor:
    """Identity on the forward pass; multiplies the gradient flowing back into ``x`` by ``scale``.

    Lets one loss train two networks at different weights: a critic after this point gets the
    full gradient, the generator before it ``scale`` times it (``scale = 0`` blocks it).

    Example:
        >>> x = torch.ones(2, requires_grad=True)
        >>> scale_gradient(x, 3.0).sum().backward()
        >>> x.grad.tolist()
        [3.0, 3.0]
    """
    return _ScaleGradient.apply(x, float(scale))


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix of feature maps, ``F^T F / (C H W)`` (Gatys et al. 2016; StEP code's scale).

    Args:
        features: (N, C, H, W) float activations of one layer.

    Returns:
        (N, C, C) symmetric positive semi-definite matrices.

    Example:
        >>> gram_matrix(torch.ones(1, 2, 3, 3)).tolist()  # every product 1, / C = 2
        [[[0.5, 0.5], [0.5, 0.5]]]
    """
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)  # (N, C, HW)
    return flat @ flat.transpose(1, 2) / (c * h * w)  # (N, C, C)


def gram_style_distance(
    features_x: list[torch.Tensor], features_y: list[torch.Tensor]
) -> torch.Tensor:
    """The style distance of style pre-training: ``sum_l mean((G_l(x) - G_l(y))^2)``.

    The mean over the ``C_l x C_l`` entries is the ``1 / C_l^2`` of the StEP code's style loss;
    every layer weighs the same (the paper names only "the style loss of Gatys et al.").

    Args:
        features_x: per layer, (N, C_l, H_l, W_l) activations of the first images.
        features_y: the same layers' activations of the second images.

    Returns:
        (N,) distances, >= 0, zero for images whose Gram matrices agree.

    Raises:
        ValueError: if the two lists have different lengths.

    Example:
        >>> f = [torch.ones(2, 2, 3, 3)]
        >>> gram_style_distance(f, [torch.zeros(2, 2, 3, 3)]).tolist()
        [0.25, 0.25]
    """
    if len(features_x) != len(features_y):
        raise ValueError(f"got {len(features_x)} and {len(features_y)} layers; pass the same ones")
    total = 0.0
    for fx, fy in zip(features_x, features_y):
        diff = gram_matrix(fx) - gram_matrix(fy)  # (N, C, C)
        total = total + diff.pow(2).flatten(1).mean(1)
    return total


def pairwise_gram_style_distance(
    features_x: list[torch.Tensor], features_y: list[torch.Tensor]
) -> torch.Tensor:
    """:func:`gram_style_distance` between every ``x`` and every ``y``: an (N, M) matrix.

    Computed as squared Euclidean distances of the Gram matrices flattened and scaled by
    ``1 / C_l``, so the matrix of N x M pairs never materialises N x M Gram differences.

    Args:
        features_x: per layer, (N, C_l, H_l, W_l) activations.
        features_y: per layer, (M, C_l, H'_l, W'_l) activations (any spatial size).

    Returns:
        (N, M) distances, >= 0.

    Example:
        >>> f = [torch.ones(2, 2, 3, 3)]
        >>> pairwise_gram_style_distance(f, [torch.zeros(1, 2, 3, 3)]).tolist()
        [[0.25], [0.25]]
    """
    return torch.cdist(style_vectors(features_x), style_vectors(features_y)).pow(2)


def style_vectors(features: list[torch.Tensor]) -> torch.Tensor:
    """Gram matrices flattened, each scaled by ``1 / C_l`` and concatenated: (N, sum C_l^2).

    Their squared Euclidean distance is :func:`gram_style_distance`.
    """
    parts = [gram_matrix(f).flatten(1) / f.shape[1] for f in features]  # (N, C_l^2) each
    return torch.cat(parts, dim=1)  # (N, sum C_l^2)


def triplet_margin_loss(
    z_a: torch.Tensor, z_p: torch.Tensor, z_n: torch.Tensor, margin: float = 0.1
) -> torch.Tensor:
    """Eq. (1) of style pre-training: ``max(||z_a - z_p||^2 - ||z_a - z_n||^2 + alpha, 0)``.

    Squared distances as in FaceNet and the StEP code; ``alpha = 0.1`` is the code's margin
    (the paper does not state it). Averaged over the batch.

    Args:
        z_a: (N, D) codes of the anchors.
        z_p: (N, D) codes of their positives (similar style).
        z_n: (N, D) codes of their negatives (dissimilar style).
        margin: the separation margin alpha, >= 0.

    Returns:
        Scalar >= 0; zero once every negative is ``margin`` further than its positive.

    Example:
        >>> z = torch.zeros(1, 2)
        >>> round(triplet_margin_loss(z, z, torch.tensor([[0.1, 0.0]])).item(), 6)  # 0 - 0.01 + 0.1
        0.09
    """
    d_pos = (z_a - z_p).pow(2).sum(1)  # (N,)
    d_neg = (z_a - z_n).pow(2).sum(1)  # (N,)
    return F.relu(d_pos - d_neg + margin).mean()


def code_l2_penalty(*codes: torch.Tensor) -> torch.Tensor:
    """The latent L2 regulariser of style pre-training (Sec. 3.2): ``sum_k mean(z_k^2)``.

    Keeps the codes near zero with a bounded spread, so that ``N(mean, std)`` of the codes can
    be sampled; the mean over batch and dimensions is ``||z||^2 / D`` (the StEP code).

    Args:
        *codes: one or more (N, D) code batches.

    Example:
        >>> code_l2_penalty(torch.ones(2, 4), torch.zeros(2, 4)).item()
        1.0
    """
    return sum(z.pow(2).mean() for z in codes)


def perceptual_mse(
    features_x: list[torch.Tensor],
    features_y: list[torch.Tensor],
    weights: tuple[float, ...],
    scale: float = 0.1,
) -> torch.Tensor:
    """Perceptual reconstruction loss: ``sum_i w_i mean((scale (phi_i(x) - phi_i(y)))^2)``.

    The StEP code's form (MSE on activations scaled by 0.1); the paper's A.1 gives the layer
    weights ``1 / 2^(6 - i)`` for conv_{i,2}, i = 1..5.

    Args:
        features_x: per layer, (N, C_i, H_i, W_i) activations of the outputs.
        features_y: the same layers' activations of the targets (detached by the caller).
        weights: one weight per layer.
        scale: factor on the activations before squaring.

    Raises:
        ValueError: if the numbers of layers and weights differ.

    Example:
        >>> f = [torch.ones(1, 1, 2, 2)]
        >>> perceptual_mse(f, [torch.zeros(1, 1, 2, 2)], (0.5,), scale=1.0).item()
        0.5
    """
    if not len(features_x) == len(features_y) == len(weights):
        raise ValueError(
            f"got {len(features_x)} and {len(features_y)} layers and {len(weights)} weights"
        )
    return sum(
        w * (scale * (fx - fy)).pow(2).mean() for w, fx, fy in zip(weights, features_x, features_y)
    )


def median_bandwidth(y: torch.Tensor) -> float:
    """The median pairwise distance between the rows of ``y`` (M, D), M >= 2.

    Example:
        >>> median_bandwidth(torch.tensor([[0.0], [1.0], [3.0]]))
        2.0
    """
    d = torch.cdist(y.double(), y.double())  # (M, M)
    upper = d[torch.triu_indices(len(y), len(y), offset=1).unbind()]
    return upper.median().item()


def mmd2(x: torch.Tensor, y: torch.Tensor, bandwidth: float | None = None) -> torch.Tensor:
    """Unbiased squared MMD (Gretton et al. 2012) between ``x`` (N, D) and ``y`` (M, D).

    ``MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y)`` with the Gaussian kernel ``k(a, b) =
    exp(-|a - b|^2 / (2 s^2))``: zero exactly when the distributions are equal, for any ``s``.
    The within-sample means leave out the diagonal (unbiased), so two samples of one
    distribution score about 0, sometimes slightly below. N, M >= 2. Chapter 7 scores 2-D
    samples with it and trains its 2-D source generators by descending it; the thesis's
    KMMD is the same quantity on Inception features.

    Differentiable in ``x`` and ``y`` (a generator can be trained to lower it).

    Args:
        x: samples of P (e.g. generated points).
        y: samples of Q (the reference, e.g. held-out target points).
        bandwidth: the kernel's ``s``; default the median pairwise distance of ``y``, so the
            scale is fixed by the reference and scores of different ``x`` compare.

    Returns:
        The estimate, a float64 scalar tensor; 0 means no detectable difference.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> y = torch.randn(500, 2, generator=g)
        >>> abs(mmd2(torch.randn(500, 2, generator=g), y).item()) < 0.01
        True
        >>> mmd2(torch.randn(500, 2, generator=g) + 3, y).item() > 0.5
        True
    """
    if len(x) < 2 or len(y) < 2:
        raise ValueError(f"mmd2 needs at least 2 samples per set, got {len(x)} and {len(y)}")
    s = median_bandwidth(y) if bandwidth is None else bandwidth
    x, y = x.flatten(1).double(), y.flatten(1).double()
    if s <= 0:
        raise ValueError(f"the bandwidth must be positive, got {s}")

    def kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.exp(-torch.cdist(a, b).pow(2) / (2 * s**2))

    n, m = len(x), len(y)
    k_xx = (kernel(x, x).sum() - n) / (n * (n - 1))  # off-diagonal means
    k_yy = (kernel(y, y).sum() - m) / (m * (m - 1))
    return k_xx + k_yy - 2 * kernel(x, y).mean()


def mine_triplets(
    distances: torch.Tensor, self_index: torch.Tensor, k_close: int, k_far: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Positives from each anchor's ``k_close`` nearest, negatives from its ``k_far`` furthest.

    Each anchor's own entry in the pool is never its positive. A pool with fewer than
    ``k_close + k_far`` others (the first steps, before the bank fills) shrinks both sets in
    proportion, at least one each. Draws use the global torch generator (checkpointed by the
    trainer).

    Args:
        distances: (N, P) style distances from N anchors to a pool of P images.
        self_index: (N,) int64 position of each anchor in the pool.
        k_close: size of the near set (A.1: 5).
        k_far: size of the far set (A.1: 13).

    Returns:
        Pool indices of the positives and the negatives, (N,) int64 each.

    Example:
        >>> d = torch.tensor([[0.0, 1.0, 9.0], [1.0, 0.0, 9.0]])
        >>> mine_triplets(d, torch.tensor([0, 1]), 1, 1)
        (tensor([1, 0]), tensor([2, 2]))
    """
    n, p = distances.shape
    others = p - 1
    if others < k_close + k_far:
        k_close = max(1, round(others * k_close / (k_close + k_far)))
        k_far = max(1, others - k_close)
    ranked = distances.clone()
    ranked[torch.arange(n), self_index] = -1.0  # the anchor sorts first: rank 0
    order = ranked.argsort(dim=1)  # (N, P), nearest first
    pos_rank = 1 + torch.randint(k_close, (n,), device=distances.device)
    neg_rank = p - 1 - torch.randint(k_far, (n,), device=distances.device)
    rows = torch.arange(n, device=distances.device)
    return order[rows, pos_rank], order[rows, neg_rank]
