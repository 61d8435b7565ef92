"""BicycleGAN: two cycles that make the code matter (Zhu et al. 2017, arXiv:1711.11586).

pix2pix + noise ignores ``z``. BicycleGAN ties codes and outputs both ways (Sec. 3):

- **cVAE-GAN** (B -> z -> B_hat, Sec. 3.2): an encoder ``E`` maps the target ``b`` to
  ``q(z | b) = N(mu, sigma^2)``; ``G(a, z)`` with ``z ~ q`` must rebuild ``b`` (L1, Eq. 5) and
  fool ``D`` (Eq. 4), while a KL term keeps ``q`` near the prior N(0, I) (Eq. 6), so that codes
  drawn from the prior at test time look like encoded ones.
- **cLR-GAN** (z -> B_hat -> z, Sec. 3.3): a code drawn from the prior must be recoverable from
  the output, ``||E(G(a, z)) - z||_1`` (Eq. 8), and ``G(a, z)`` must fool a second ``D`` (Eq. 1).
  As in the paper (Sec. 3.4), this latent term updates G only: training E on it too lets G and
  E agree on a code hidden in the image instead of one that changes what it looks like.

The hybrid objective is Eq. (10) with lambda = 10, lambda_latent = 0.5, lambda_KL = 0.01.
Chapter 2 checks the claim that this covers many more modes than pix2pix + noise.

Extra generator terms (:class:`~companion.methods.translation.GeneratorTerm`) act on the
cLR-GAN's outputs, those of codes drawn from the prior: MSGAN's mode seeking joins as
``BicycleGAN(cfg, terms=[ModeSeeking(1.0)])``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from companion.losses import kl_to_standard_normal, latent_regression_l1, reconstruction_l1
from companion.methods.base import forward_with_frozen_parameters, register_method
from companion.methods.translation import (
    SHAPES_32,
    SHAPES_SMOKE,
    GeneratorTerm,
    TranslationConfig,
    TranslationMethod,
    Translations,
    build_discriminator,
    build_encoder,
    log_record,
)
from companion.nets import reparameterize
from companion.stepper import Stepper

__all__ = ["BicycleGAN", "BicycleGANConfig"]


@dataclasses.dataclass(frozen=True)
class BicycleGANConfig(TranslationConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (facades at 256x256, Sec. 4)."""

    z_dim: int = 8  # Sec. 4: |z| = 8 for all datasets
    z_injection: str = "all"  # Sec. 4 / Fig. 6: add_to_all (the code's default)
    use_dropout: bool = True  # the released facades script trains with --use_dropout
    init_type: str = "xavier"  # BicycleGAN code: init_type='xavier' (gain 0.02)
    conditional_d: bool = False  # BicycleGAN code default: D sees b only
    d_scales: int = 2  # Sec. 4: two PatchGANs, 70x70 and 140x140 patches
    lambda_l1: float = 10.0  # Sec. 4: lambda = 10
    lambda_kl: float = 0.01  # Sec. 4: lambda_KL = 0.01
    lambda_latent: float = 0.5  # Sec. 4: lambda_latent = 0.5
    lambda_gan2: float = 1.0  # weight of the cLR-GAN's adversarial term (code: lambda_GAN2)
    use_same_d: bool = False  # code default: a second D for the cLR-GAN branch
    nef: int = 64  # ResNet encoder width (code: nef = 64)
    encoder_init_gain: float = 0.02  # code: init_gain 0.02 for every network, E included
    encoder_init_logvar: float = 0.0  # code: zero bias, so q(z | b) starts as N(~0, 1)
    encoder_blocks: int = 5  # resnet_256: 256 -> 8 before pooling
    batch_size: int = 2  # Sec. 4: batch 2, one pair per cycle

    @classmethod
    def cpu(cls) -> BicycleGANConfig:
        """Shapes at 32x32: the pix2pix ``cpu`` networks plus a 3-stage encoder, batch 16.

        The encoder starts able to see colour and nearly deterministic: Xavier's own gain 1
        instead of the code's 0.02, and a log-variance bias of -4 (sigma = 0.14) instead of 0.
        With the code's start, ``z = mu + sigma * eps`` is pure noise (mu ~ 0.01, sigma = 1),
        so G learns to ignore it, exactly as pix2pix + noise does, before E learns to encode:
        the cVAE cycle then has nothing to teach (a lagging encoder, He et al. 2019). Measured
        on ``shapes``, 250 steps, seeds 0-2: with the code's start E's codes spread 0.009 /
        0.39 / 0.004 (prior: 1) and BicycleGAN covered 1.0 / 2.9 / 1.0 styles per input;
        trained directly on the style labels, E needs 300 steps to reach 0.78 accuracy at gain
        0.02 and 25 steps at gain 1. Either change alone left one seed of three collapsed.
        The paper trains for hundreds of epochs and does not need this; ``paper`` keeps the
        code's values.
        """
        return dataclasses.replace(
            cls(),
            **SHAPES_32,
            d_scales=1,
            z_injection="input",
            nef=16,
            encoder_blocks=3,
            encoder_init_gain=1.0,
            encoder_init_logvar=-4.0,
        )

    @classmethod
    def smoke(cls) -> BicycleGANConfig:
        return dataclasses.replace(cls.cpu(), **SHAPES_SMOKE, nef=8, encoder_blocks=2)


@register_method
class BicycleGAN(TranslationMethod):
    """cVAE-GAN + cLR-GAN: ``G(a, z)``, encoder ``E(b) = (mu, logvar)``, two discriminators.

    Example:
        >>> model = BicycleGAN(BicycleGANConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = BicycleGANConfig
    name = "bicyclegan"

    def __init__(self, cfg: BicycleGANConfig, terms: tuple[GeneratorTerm, ...] = ()) -> None:
        if cfg.z_dim <= 0:
            raise ValueError(f"BicycleGAN needs a code: z_dim must be > 0, got {cfg.z_dim}")
        super().__init__(cfg, terms)  # G and D (the cVAE-GAN's discriminator)
        self.E = build_encoder(
            cfg,
            cfg.nef,
            cfg.encoder_blocks,
            gain=cfg.encoder_init_gain,
            logvar_bias=cfg.encoder_init_logvar,
        )
        self.D2 = None if cfg.use_same_d else build_discriminator(cfg)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        # Adam keeps per-parameter state, so one optimizer over G and E (or D and D2) equals the
        # code's separate ones with the same settings.
        betas = (self.cfg.beta1, self.cfg.beta2)
        d_params = [*self.D.parameters(), *(self.D2.parameters() if self.D2 else [])]
        return {
            "D": torch.optim.Adam(d_params, lr=self.cfg.lr, betas=betas),
            "G": torch.optim.Adam(
                [*self.G.parameters(), *self.E.parameters()], lr=self.cfg.lr, betas=betas
            ),
        }

    def cycles(self, a: torch.Tensor, b: torch.Tensor) -> tuple[Translations, Translations]:
        """Both cycles' forward passes on a batch whose halves play the two roles.

        The first half (a_1, b_1) is encoded (cVAE-GAN); the cLR-GAN translates a_1 with codes
        from the prior, and its discriminator compares those outputs with the second half's
        real targets b_2, as in the code.

        Returns:
            The cVAE-GAN's translations (``extras``: the posterior's ``mu`` and ``logvar``)
            and the cLR-GAN's (``b`` = b_2; one output per code, the extra terms' included).

        Raises:
            ValueError: for an odd or too small batch.
        """
        n = a.shape[0]
        if n < 2 or n % 2:
            raise ValueError(
                f"BicycleGAN splits each batch in two: batch size must be even, got {n}"
            )
        half = n // 2
        a_1, b_1, b_2 = a[:half], b[:half], b[half:]
        # cVAE-GAN, B -> z -> B_hat (Eq. 4-6)
        mu, logvar = self.E(b_1)  # (N/2, D) each
        z_enc = reparameterize(mu, logvar)
        vae = Translations(a_1, b_1, [z_enc], [self.G(a_1, z_enc)], {"mu": mu, "logvar": logvar})
        # cLR-GAN, z -> B_hat -> z_hat (Eq. 1, 8); the extra terms' outputs share its inputs
        lr = self.translations(a_1, b_2)
        lr.extras["a_real"] = a[half:]  # D2's real pairs are the second half's (a_2, b_2)
        return vae, lr

    def discriminator_loss(self, vae: Translations, lr: Translations) -> torch.Tensor:
        """D on the cVAE-GAN branch (Eq. 4) plus D2 on the cLR-GAN branch (Eq. 1)."""
        d2 = self.D2 or self.D
        a_1 = vae.a
        loss_vae = self.d_adversarial(
            self.D, self.pair(a_1, vae.b), [self.pair(a_1, vae.b_fake[0])]
        )
        loss_lr = self.d_adversarial(
            d2, self.pair(lr.extras["a_real"], lr.b), [self.pair(a_1, f) for f in lr.b_fake]
        )
        return loss_vae + loss_lr

    def generator_terms(self, vae: Translations, lr: Translations) -> dict[str, torch.Tensor]:
        """The weighted terms of Eq. (10) for G and E; their sum is the loss of one G/E step."""
        cfg = self.cfg
        d2 = self.D2 or self.D
        a_1 = vae.a
        mu_rec, _ = forward_with_frozen_parameters(self.E, lr.b_fake[0])  # E(G(a, z)), E fixed
        return {
            "adv": cfg.lambda_gan
            * self.g_adversarial(self.D, [self.pair(a_1, vae.b_fake[0])]),  # Eq. (4)
            "adv2": cfg.lambda_gan2
            * self.g_adversarial(d2, [self.pair(a_1, f) for f in lr.b_fake]),  # Eq. (1)
            "l1": cfg.lambda_l1 * reconstruction_l1(vae.b_fake[0], vae.b),  # Eq. (5)
            "kl": cfg.lambda_kl
            * kl_to_standard_normal(vae.extras["mu"], vae.extras["logvar"]),  # Eq. (6)
            "latent": cfg.lambda_latent * latent_regression_l1(mu_rec, lr.z[0]),  # Eq. (8)
        }

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        a, b = self.unpack(batch)  # (N, C, H, W) each, in [-1, 1]
        vae, lr = self.cycles(a, b)

        # Eq. (10), max over D and D2: real targets against both cycles' outputs.
        loss_d = self.discriminator_loss(vae, lr)
        opt.step("D", loss_d)

        # Eq. (10), min over G and E (the latent term reaches G only); extra terms see the
        # cLR-GAN's outputs.
        terms = {**self.generator_terms(vae, lr), **self.hook_terms(lr)}
        loss_g = sum(terms.values())
        opt.step("G", loss_g)
        return log_record(loss_d, loss_g, terms)

    @torch.no_grad()
    def encode(
        self, b: torch.Tensor, *, sample: bool = False, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Codes (N, z_dim) of targets ``b``: the mean of q(z | b), or a sample if ``sample``."""
        mu, logvar = self.E(b)
        return reparameterize(mu, logvar, generator=generator) if sample else mu
