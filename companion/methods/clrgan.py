"""cLR-GAN: latent regression in a conditional GAN (Zhu et al. 2017, arXiv:1711.11586, Sec. 3.3).

The conditional version of InfoGAN: a code ``z ~ N(0, I)`` enters ``G(a, z)`` and an encoder
``E`` must read it back from the output, ``||E(G(a, z)) - z||_1`` (BicycleGAN Eq. (8)), while a
discriminator keeps ``G(a, z)`` realistic (Eq. (1)); G and E minimize together (Eq. (9)). The L1
error is minus the log-likelihood of ``z`` under a Laplace posterior centred at ``E(G(a, z))``, so
this is InfoGAN's Barber-Agakov bound on ``I(Z; B_hat)`` with a Laplace ``q`` (seed paper 000,
App. A, Eq. (9); :func:`companion.mi.variational.laplace_log_likelihood`).

The pure cLR-GAN has no image reconstruction term (``lambda_l1 = 0``, the ``paper`` preset).
``lambda_l1 > 0`` adds pix2pix's ``||b - G(a, z)||_1`` with the *random* code, the setting in which
seed paper 000 (Sec. 2) compares latent regression with its JSD estimator; Chapter 4 runs that
comparison on ``shapes``.
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn

from companion.losses import latent_regression_l1, reconstruction_l1
from companion.methods.base import register_method
from companion.methods.translation import (
    SHAPES_32,
    SHAPES_SMOKE,
    GeneratorTerm,
    TranslationConfig,
    TranslationMethod,
    Translations,
    build_encoder,
)
from companion.mi.variational import laplace_log_likelihood

__all__ = ["CLRGAN", "CLRGANConfig", "latent_regression_bound"]


@dataclasses.dataclass(frozen=True)
class CLRGANConfig(TranslationConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (BicycleGAN's cLR-GAN, Sec. 4)."""

    z_dim: int = 8  # BicycleGAN Sec. 4: |z| = 8
    conditional_d: bool = False  # BicycleGAN code default: D sees b only
    lambda_l1: float = 0.0  # the cLR-GAN has no image reconstruction term (Eq. (9))
    lambda_latent: float = 0.5  # BicycleGAN Sec. 4: lambda_latent = 0.5
    nef: int = 64  # BicycleGAN code: nef = 64
    encoder_blocks: int = 5  # resnet_256: 256 -> 8 before pooling
    encoder_init_gain: float = 0.02  # BicycleGAN code: init_gain 0.02 for every network
    batch_size: int = 2  # BicycleGAN Sec. 4

    @classmethod
    def cpu(cls) -> CLRGANConfig:
        """Shapes at 32x32: the pix2pix ``cpu`` networks plus BicycleGAN's ``cpu`` encoder.

        The encoder starts with gain 1, as BicycleGAN's ``cpu`` preset does: at gain 0.02 its
        output starts near 0 for every image, the latent loss gives G almost no gradient, and
        BicycleGAN stayed collapsed within the ``cpu`` budget (Chapter 2.2). Chapter 4.3,
        which trains cLR-GAN with SEGAN's L1 weight of 10, overrides it with the code's 0.02:
        there gain 1 left no valid output on seeds 0-2 (the oracle's precision 0.00).
        """
        return dataclasses.replace(
            cls(), **SHAPES_32, nef=16, encoder_blocks=3, encoder_init_gain=1.0
        )

    @classmethod
    def smoke(cls) -> CLRGANConfig:
        return dataclasses.replace(cls.cpu(), **SHAPES_SMOKE, nef=8, encoder_blocks=2)


def latent_regression_bound(z_rec: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """The Laplace BA bound on ``I(Z; B_hat)`` that latent regression maximizes, in nats.

    ``H(Z) + E[log q(z | b_hat)]`` with ``H(Z) = D/2 log(2 pi e)`` for ``z ~ N(0, I_D)`` and ``q``
    the Laplace centred at ``z_rec`` whose single scale ``b`` is the mean absolute error (the
    best fixed scale, so the bound is ``H(Z) - D (1 + log 2b)``). A generator that ignores its
    code gives about ``D (0.5 log(2 pi e) - 1 - log(2 sqrt(2 / pi))) = -0.05 D`` nats (below 0:
    the Laplace family cannot fit a Gaussian exactly).

    Args:
        z_rec: (N, D) codes read back, ``E(G(a, z))``.
        z: (N, D) codes that were drawn from N(0, I).

    Returns:
        () float tensor, a lower bound on the MI in nats (detached).

    Example:
        >>> z = torch.randn(1000, 8, generator=torch.Generator().manual_seed(0))
        >>> latent_regression_bound(z + 0.01 * z.sign(), z).item() > 20  # near-exact: large
        True
    """
    d = z.shape[1]
    log_b = (z_rec - z).abs().mean().clamp_min(1e-6).log().detach()
    entropy = 0.5 * d * math.log(2 * math.pi * math.e)
    return (laplace_log_likelihood(z, z_rec, log_b, min_scale=1e-6).mean() + entropy).detach()


@register_method
class CLRGAN(TranslationMethod):
    """Conditional latent regression GAN: ``G(a, z)``, ``D``, and an encoder ``E`` on outputs.

    The step is the family's: D tells real targets from ``G(a, z)`` (Eq. (1)), then G and E
    minimise the terms of Eq. (9) together.

    Example:
        >>> model = CLRGAN(CLRGANConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = CLRGANConfig
    name = "clrgan"

    def __init__(self, cfg: CLRGANConfig, terms: tuple[GeneratorTerm, ...] = ()) -> None:
        if cfg.z_dim <= 0:
            raise ValueError(f"cLR-GAN regresses a code: z_dim must be > 0, got {cfg.z_dim}")
        super().__init__(cfg, terms)  # G(a, z) and D, as in pix2pix
        self.E = build_encoder(cfg, cfg.nef, cfg.encoder_blocks, gain=cfg.encoder_init_gain)

    def generator_parameters(self) -> list[nn.Parameter]:
        return [*self.G.parameters(), *self.E.parameters()]  # Eq. (9): G and E minimize together

    def g_terms(self, out: Translations) -> dict[str, torch.Tensor]:
        """Eq. (9): G fools D; G and E make z recoverable (Eq. (8), the Laplace BA bound);
        optionally (lambda_l1 > 0) pix2pix's L1 to the paired target."""
        cfg = self.cfg
        z_rec, _ = self.E(out.b_fake[0])  # (N, D): the Laplace posterior's location
        out.extras["z_rec"] = z_rec
        terms = {
            "adv": cfg.lambda_gan
            * self.g_adversarial(self.D, [self.pair(out.a, f) for f in out.b_fake]),
            "latent": cfg.lambda_latent * latent_regression_l1(z_rec, out.z[0]),
        }
        if cfg.lambda_l1 > 0:
            terms["l1"] = cfg.lambda_l1 * reconstruction_l1(out.b_fake[0], out.b)
        return terms

    def probes(self, out: Translations) -> dict[str, float]:
        return {"mi/latent_bound": latent_regression_bound(out.extras["z_rec"], out.z[0]).item()}

    @torch.no_grad()
    def encode(self, b: torch.Tensor) -> torch.Tensor:
        """Codes (N, z_dim) read from images ``b`` (N, C, H, W) in [-1, 1]: E's output."""
        return self.E(b)[0]
