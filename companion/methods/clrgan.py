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
from typing import Any

import torch

from companion.losses import latent_regression_l1, reconstruction_l1
from companion.methods.base import register_method
from companion.methods.pix2pix import (
    SHAPES_32,
    Pix2Pix,
    Pix2PixConfig,
    adversarial_d_loss,
    adversarial_g_loss,
    source_and_target,
)
from companion.mi.variational import laplace_log_likelihood
from companion.nets import ResNetEncoder, init_weights

__all__ = ["CLRGAN", "CLRGANConfig", "latent_regression_bound"]


@dataclasses.dataclass(frozen=True)
class CLRGANConfig(Pix2PixConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (BicycleGAN's cLR-GAN, Sec. 4)."""

    z_dim: int = 8  # BicycleGAN Sec. 4: |z| = 8
    conditional_d: bool = False  # BicycleGAN code default: D sees b only
    lambda_l1: float = 0.0  # the cLR-GAN has no image reconstruction term (Eq. (9))
    lambda_latent: float = 0.5  # BicycleGAN Sec. 4: lambda_latent = 0.5
    nef: int = 64  # BicycleGAN code: nef = 64
    encoder_blocks: int = 5  # resnet_256: 256 -> 8 before pooling
    batch_size: int = 2  # BicycleGAN Sec. 4

    @classmethod
    def cpu(cls) -> CLRGANConfig:
        """Shapes at 32x32: the pix2pix ``cpu`` networks plus BicycleGAN's ``cpu`` encoder."""
        return dataclasses.replace(cls(), **SHAPES_32, nef=16, encoder_blocks=3)

    @classmethod
    def smoke(cls) -> CLRGANConfig:
        return dataclasses.replace(
            cls.cpu(), num_downs=2, ngf=8, ndf=8, d_layers=1, nef=8, encoder_blocks=2, batch_size=4
        )


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
class CLRGAN(Pix2Pix):
    """Conditional latent regression GAN: ``G(a, z)``, ``D``, and an encoder ``E`` on outputs.

    Example:
        >>> model = CLRGAN(CLRGANConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = CLRGANConfig
    name = "clrgan"

    def __init__(self, cfg: CLRGANConfig) -> None:
        if cfg.z_dim <= 0:
            raise ValueError(f"cLR-GAN regresses a code: z_dim must be > 0, got {cfg.z_dim}")
        super().__init__(cfg)  # G(a, z) and D, as in pix2pix
        self.E = init_weights(
            ResNetEncoder(
                cfg.out_channels,
                cfg.z_dim,
                nef=cfg.nef,
                num_blocks=cfg.encoder_blocks,
                norm=cfg.norm,
            ),
            cfg.init_type,
        )

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        betas = (self.cfg.beta1, self.cfg.beta2)
        return {
            "D": torch.optim.Adam(self.D.parameters(), lr=self.cfg.lr, betas=betas),
            "G": torch.optim.Adam(  # Eq. (9): G and E minimize together
                [*self.G.parameters(), *self.E.parameters()], lr=self.cfg.lr, betas=betas
            ),
        }

    def training_step(self, batch: Any, step: int, opt: Any) -> dict[str, float]:
        cfg = self.cfg
        a, b = source_and_target(batch, cfg.direction)  # (N, C, H, W) each, in [-1, 1]
        z = self.sample_code(a.shape[0], a)  # (N, D), N(0, I)
        b_fake = self.G(a, z)

        # Eq. (1): D tells real targets from G(a, z).
        loss_d = adversarial_d_loss(self.D, self.d_loss, self.pair(a, b), [self.pair(a, b_fake)])
        opt.step("D", loss_d)

        # Eq. (9): G fools D; G and E make z recoverable (Eq. (8), the Laplace BA bound);
        # optionally (lambda_l1 > 0) pix2pix's L1 to the paired target.
        loss_gan = adversarial_g_loss(self.D, self.g_loss, [self.pair(a, b_fake)])
        z_rec, _ = self.E(b_fake)  # (N, D): the Laplace posterior's location
        loss_latent = latent_regression_l1(z_rec, z)
        loss_g = cfg.lambda_gan * loss_gan + cfg.lambda_latent * loss_latent
        logs = {}
        if cfg.lambda_l1 > 0:
            loss_l1 = reconstruction_l1(b_fake, b)
            loss_g = loss_g + cfg.lambda_l1 * loss_l1
            logs["loss/l1"] = loss_l1.item()
        opt.step("G", loss_g)
        return {
            "loss/d": loss_d.item(),
            "loss/g": loss_g.item(),
            "loss/gan": loss_gan.item(),
            "loss/latent": loss_latent.item(),
            "mi/latent_bound": latent_regression_bound(z_rec, z).item(),
            **logs,
        }

    @torch.no_grad()
    def encode(self, b: torch.Tensor) -> torch.Tensor:
        """Codes (N, z_dim) read from images ``b`` (N, C, H, W) in [-1, 1]: E's output."""
        return self.E(b)[0]
