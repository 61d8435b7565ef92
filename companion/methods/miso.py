"""MISO: stochastic style codes and a mutual-information loss (MILO) for unpaired multimodal
translation (Na, Yoo and Choo 2019, arXiv:1902.03938 v1; the book's seed paper 001).

Two domains, both directions at once (Sec. 3.6, "with the two domains switched"). Style encoders
``E_A``, ``E_B`` give Gaussian posteriors ``q(z | x)``; a translator ``G_BA(b, z_a)`` turns a B
image into an A image in the style ``z_a``. Each batch is split in halves (Fig. 2):

- IFI (encoded styles): ``z_a ~ q(z | a)``, ``a_enc = G_BA(b, z_a)``; MILO (Eq. 5), the Gaussian
  NLL of ``z_a`` under ``E_A(a_enc)``; the cycle ``G_AB(a_enc, z_b) ~ b`` with the style of the
  *real* ``b`` (Eq. 9); KL of both posteriors to N(0, I) (Eqs. 10-12); D on ``a_enc`` (Eq. 6);
- FIF (random styles): ``z ~ N(0, I)``, ``a_rand = G_BA(b, z)``; L1 from ``z`` to the mean of
  ``E_A(a_rand)`` (Eq. 13); D on ``a_rand`` (Eq. 7).

Choices the paper leaves open (it gives no architecture and no hyper-parameters), ours:

- the conditional encoder ``E_BA(b, z)`` and the generator ``G_BA`` are the two halves of one
  family generator (U-Net or ResNet) with ``z`` concatenated to the input: the paper writes them
  together as ``G_BA`` itself (Sec. 3); ``z_injection = "all"`` conditions every layer;
- one discriminator per domain judges both encoded and random fakes (Eqs. 6 and 7 name the same
  ``D_A``; DRIT uses two); non-saturating G loss (the paper writes the minimax form);
- MILO sums over code dimensions, floors sigma at ``min_std`` and, by default, stops its
  gradient into ``z_a`` (``detach_target``): dropping ``H(z_a)`` from the bound assumes a fixed
  code distribution, and with the gradient the encoder is rewarded for shrinking its codes;
- ``L_lat`` trains the translator only (``lat_updates_encoder``), as in DRIT; DRIT's weights
  (adv 1, info 1, cyc 10, KL 0.01, lat 10) and Adam (1e-4, betas (0.5, 0.999));
- ``generator = "mlp"``: vectors as (C, 1, 1) images (``toyvec``, 5.2), perceptrons of widths
  8 ngf/ndf/nef; ``z_injection = "decoder"``: an independent content encoder (never ablated).

Baselines and ablations are switches, not copies: SRSO (``ifi_loss = "sr"``: MILO replaced by the
self-reconstruction ``|G_BA(a, E_A(a)) - a|_1``), NycleGAN (``style_encoders = False``: CycleGAN
with noise, random codes only), w/o ``L_adv^rand`` / w/o ``L_adv^enc`` (``adv_rand``,
``adv_enc``), fixed sigma (``learn_sigma = False``: MILO becomes L2 latent regression).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from companion.losses import kl_to_standard_normal, milo_loss, reconstruction_l1
from companion.methods.base import register_method
from companion.methods.translation import (
    SHAPES_32,
    GeneratorTerm,
    TranslationConfig,
    TranslationMethod,
    build_discriminator,
    build_generator,
    log_record,
)
from companion.nets import MLPDiscriminator, MLPEncoder, MLPTranslator, ResNetEncoder, init_weights
from companion.stepper import Stepper

__all__ = ["MISO", "MISOConfig", "no_information_level"]


def no_information_level(z_dim: int) -> float:
    """``H(N(0, I_d)) = d/2 log(2 pi e)``: MILO's value when the code is ignored (nats).

    Example:
        >>> round(no_information_level(8), 4)
        11.3515
    """
    return 0.5 * z_dim * math.log(2 * math.pi * math.e)


@dataclasses.dataclass(frozen=True)
class MISOConfig(TranslationConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (unpaired, 128x128). The paper
    fixes only the resolution (Sec. 4), equal weights of the two adversarial terms (Sec. 3.2) and
    the loss terms; every other default is DRIT's (MISO's training scheme) or ours, as marked."""

    settings_key = "miso"

    # Sec. 4.1's four: celeba_male2female (Table 2, Fig. 5), monet2photo (Table 3),
    # summer2winter_yosemite and cat2dog (figures only)
    dataset: str = "cat2dog"
    image_size: int = 128  # Sec. 4: "128 x 128"
    z_dim: int = 8  # not given; DRIT, MUNIT and BicycleGAN use 8
    z_injection: str = "input"  # the conditional encoder reads [b, z]; mlp: "decoder" = E_c(b)
    generator: str = "resnet"  # not given; a DRIT-like ResNet (ours); "mlp": vector data
    resnet_blocks: int = 6  # ours (CycleGAN's 128-px ResNet)
    use_dropout: bool = False
    conditional_d: bool = False  # unpaired: D sees one domain's images only
    d_scales: int = 3  # DRIT's multi-scale D (not given)
    gan_loss: str = "nonsaturating"  # Eqs. 6-7 (minimax log loss), non-saturating for G
    lr: float = 1e-4  # not given; DRIT
    batch_size: int = 8  # not given; 4 images per phase ("different images for each phase")
    nef: int = 64  # style encoders' first width (DRIT's E_attr)
    e_blocks: int = 4  # 128 -> 8 before pooling
    lambda_info: float = 1.0  # not given; MILO (Eq. 15)
    lambda_cyc: float = 10.0  # not given; DRIT's cross-cycle weight
    lambda_kl: float = 0.01  # not given; DRIT, BicycleGAN
    lambda_lat: float = 10.0  # not given; DRIT's latent regression
    ifi_loss: str = "milo"  # "sr": SRSO (Sec. 4.2), MILO replaced by self-reconstruction
    learn_sigma: bool = True  # False: MILO with sigma = 1 (an ablation the paper never ran)
    min_std: float = math.exp(-5.0)  # floor on sigma (log sigma^2 >= -10); MILO is unbounded
    detach_target: bool = True  # no MILO gradient into z_a (see the module docstring)
    adv_enc: bool = True  # Eq. 6; False: "w/o L_adv^enc"
    adv_rand: bool = True  # Eq. 7; False: "w/o L_adv^rand"
    style_encoders: bool = True  # False: NycleGAN (CycleGAN + noise, Sec. 4.2)
    lat_updates_encoder: bool = False  # L_lat also trains E_A, E_B (the paper is silent)

    @classmethod
    def cpu(cls) -> MISOConfig:
        """Unpaired shapes at 32x32: the family's U-Net with z at the input, small encoders."""
        shapes = dict(SHAPES_32, generator="unet", nef=16, e_blocks=3, d_scales=1)
        return dataclasses.replace(cls(), **shapes)

    @classmethod
    def gpu(cls) -> MISOConfig:
        """The cpu networks at twice the width, batch 32."""
        return dataclasses.replace(cls.cpu(), ngf=32, ndf=32, nef=32, batch_size=32)

    @classmethod
    def smoke(cls) -> MISOConfig:
        return dataclasses.replace(
            cls.cpu(), num_downs=2, ngf=8, ndf=8, nef=8, d_layers=1, e_blocks=2, batch_size=4
        )


@register_method
class MISO(TranslationMethod):
    """MISO's two directions, style encoders and two-phase step; ``translate`` maps A to B.

    ``G`` (A -> B) and ``D`` (judges B) are the family's; ``G_BA``, ``D_A``, ``E_A`` and ``E_B``
    are added. One D step on both discriminators, then one step of every G and E on Eq. 15.

    Example:
        >>> model = MISO(MISOConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = MISOConfig
    name = "miso"

    def __init__(self, cfg: MISOConfig, terms: tuple[GeneratorTerm, ...] = ()) -> None:
        if terms:
            raise ValueError("MISO takes no extra generator terms; its terms are its config's")
        if cfg.z_dim == 0 or cfg.conditional_d:
            raise ValueError("MISO needs codes (z_dim > 0) and unconditional D (unpaired data)")
        if cfg.ifi_loss not in ("milo", "sr"):
            raise ValueError(f"ifi_loss must be 'milo' (MISO) or 'sr' (SRSO), got {cfg.ifi_loss!r}")
        super().__init__(cfg)
        swapped = dataclasses.replace(
            cfg, in_channels=cfg.out_channels, out_channels=cfg.in_channels
        )
        self.G_BA = self.build_generator(swapped)
        self.D_A = self._discriminator(swapped)
        if cfg.generator == "mlp":
            self.D = self._discriminator(cfg)
        self.E_A = self._encoder(cfg.in_channels) if cfg.style_encoders else None
        self.E_B = self._encoder(cfg.out_channels) if cfg.style_encoders else None

    def build_generator(self, cfg: MISOConfig) -> nn.Module:
        if cfg.generator == "mlp":
            sizes = (cfg.in_channels, cfg.out_channels, cfg.z_dim, 8 * cfg.ngf, 3)
            return MLPTranslator(*sizes, cfg.z_injection)
        return build_generator(cfg)

    def _discriminator(self, cfg: MISOConfig) -> nn.Module:
        mlp = cfg.generator == "mlp"
        return MLPDiscriminator(cfg.out_channels, 8 * cfg.ndf) if mlp else build_discriminator(cfg)

    def _encoder(self, channels: int) -> nn.Module:
        cfg = self.cfg
        if cfg.generator == "mlp":
            return MLPEncoder(channels, cfg.z_dim, 8 * cfg.nef)
        e = ResNetEncoder(channels, cfg.z_dim, nef=cfg.nef, num_blocks=cfg.e_blocks, norm=cfg.norm)
        return init_weights(e, cfg.init_type, 0.02)

    def generator_parameters(self) -> list[nn.Parameter]:
        nets = [self.G, self.G_BA, self.E_A, self.E_B]
        return [p for net in nets if net is not None for p in net.parameters()]

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        betas = (self.cfg.beta1, self.cfg.beta2)
        d_params = [*self.D.parameters(), *self.D_A.parameters()]
        return {
            "D": torch.optim.Adam(d_params, lr=self.cfg.lr, betas=betas),
            "G": torch.optim.Adam(self.generator_parameters(), lr=self.cfg.lr, betas=betas),
        }

    @staticmethod
    def posterior(encoder: nn.Module, x: torch.Tensor, *, frozen: bool = False) -> tuple:
        """``(mu, logvar)`` of ``q(z | x)``, each (N, D); ``frozen``: no gradient to the encoder."""
        params = {k: v.detach() for k, v in encoder.named_parameters()}
        return functional_call(encoder, params, (x,)) if frozen else encoder(x)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """``z = mu + sigma * eps``, (N, D), differentiable in ``mu`` and ``logvar``."""
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    def split(self, batch: Any) -> tuple[torch.Tensor, ...]:
        """``(a1, b1, a2, b2)``: the IFI and FIF halves (ValueError for an odd or 0-size batch)."""
        a, b = self.unpack(batch)
        n = a.shape[0]
        if n < 2 or n % 2 or b.shape[0] != n:
            raise ValueError(f"MISO's two phases need an even batch n >= 2, got {n}")
        (a1, a2), (b1, b2) = a.chunk(2), b.chunk(2)
        return a1, b1, a2, b2

    def ifi(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, Any]:
        """Encoded styles: codes from real images, fakes, MILO or SR, cycle and KL terms."""
        cfg, out = self.cfg, {}
        if cfg.style_encoders:
            mu_a, lv_a = self.E_A(a)  # (N, D) each
            mu_b, lv_b = self.E_B(b)
            z_a, z_b = self.reparameterize(mu_a, lv_a), self.reparameterize(mu_b, lv_b)
            out["kl"] = kl_to_standard_normal(mu_a, lv_a) + kl_to_standard_normal(mu_b, lv_b)
            out["z_a_var"] = mu_a.detach().var(0, unbiased=False).mean().item()
        else:  # NycleGAN: noise only
            z_a, z_b = self.code(a.shape[0], a), self.code(b.shape[0], b)
        a_enc, b_enc = self.G_BA(b, z_a), self.G(a, z_b)  # Eq. 6: a_enc = G_BA(b, E_A(a))
        out.update(a_enc=a_enc, b_enc=b_enc)
        out["cyc"] = reconstruction_l1(self.G(a_enc, z_b), b) + reconstruction_l1(
            self.G_BA(b_enc, z_a), a
        )  # Eq. 9 and its switched twin: the style of the real image
        if cfg.style_encoders and cfg.ifi_loss == "milo":
            out["info"] = self.milo(self.E_A, a_enc, z_a) + self.milo(self.E_B, b_enc, z_b)
        elif cfg.style_encoders:  # SRSO: self-reconstruction through the cross-domain path
            out["info"] = reconstruction_l1(self.G_BA(a, z_a), a) + reconstruction_l1(
                self.G(b, z_b), b
            )
        return out

    def milo(self, encoder: nn.Module, fake: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Eq. 5: MILO of the code ``z`` (N, D) under ``encoder(fake)``, in nats."""
        cfg, (mu_out, lv_out) = self.cfg, encoder(fake)
        logvar = lv_out if cfg.learn_sigma else 0.0
        return milo_loss(z, mu_out, logvar, min_std=cfg.min_std, detach_target=cfg.detach_target)

    def fif(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, Any]:
        """Random styles: ``z ~ N(0, I)``, fakes and the latent L1 on the encoder mean (Eq. 13)."""
        z_1, z_2 = self.code(b.shape[0], b), self.code(a.shape[0], a)
        a_rand, b_rand = self.G_BA(b, z_1), self.G(a, z_2)
        out = {"a_rand": a_rand, "b_rand": b_rand}
        if self.cfg.style_encoders:
            frozen = not self.cfg.lat_updates_encoder
            mu_1, _ = self.posterior(self.E_A, a_rand, frozen=frozen)
            mu_2, _ = self.posterior(self.E_B, b_rand, frozen=frozen)
            out["lat"] = (mu_1 - z_1).abs().mean() + (mu_2 - z_2).abs().mean()
        return out

    def fakes(self, ifi: dict, fif: dict, key: str) -> list[torch.Tensor]:
        """The fakes of domain ``key`` ("a" or "b") that its discriminator judges."""
        chosen = []
        if self.cfg.adv_enc or not self.cfg.style_encoders:  # NycleGAN has one kind of fake
            chosen.append(ifi[f"{key}_enc"])
        if self.cfg.adv_rand:
            chosen.append(fif[f"{key}_rand"])
        return chosen

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        """Both phases, one D step (Eq. 14), then one G and E step on Eq. 15."""
        cfg = self.cfg
        a1, b1, a2, b2 = self.split(batch)
        ifi, fif = self.ifi(a1, b1), self.fif(a2, b2)
        real_a, real_b = torch.cat([a1, a2]), torch.cat([b1, b2])
        fake_a, fake_b = self.fakes(ifi, fif, "a"), self.fakes(ifi, fif, "b")
        loss_d = self.d_adversarial(self.D_A, real_a, fake_a) + self.d_adversarial(
            self.D, real_b, fake_b
        )
        opt.step("D", loss_d)
        adv = self.g_adversarial(self.D_A, fake_a) + self.g_adversarial(self.D, fake_b)
        terms = {"adv": cfg.lambda_gan * adv, "cyc": cfg.lambda_cyc * ifi["cyc"]}
        if cfg.style_encoders:
            terms["info" if cfg.ifi_loss == "milo" else "sr"] = cfg.lambda_info * ifi["info"]
            terms["kl"] = cfg.lambda_kl * ifi["kl"]
            terms["lat"] = cfg.lambda_lat * fif["lat"]
        loss_g = sum(terms.values())
        opt.step("G", loss_g)
        return log_record(loss_d, loss_g, terms, self.probes_of(ifi))

    def probes_of(self, ifi: dict) -> dict[str, float]:
        """``mi/milo``: ``H(N(0, I)) - MILO`` per direction, a lower bound on ``I(z; G(b, z))``
        when the codes are close to N(0, I); ``mi/z_var``: variance of ``E_A``'s means."""
        if not self.cfg.style_encoders:
            return {}
        probes = {"mi/z_var": ifi["z_a_var"]}
        if self.cfg.ifi_loss == "milo":
            probes["mi/milo"] = no_information_level(self.cfg.z_dim) - ifi["info"].item() / 2
        return probes

    @torch.no_grad()
    def encode(self, x: torch.Tensor, domain: str = "b") -> torch.Tensor:
        """Mean style codes (N, D) of images of domain ``domain`` (reference-guided translation).

        Raises:
            ValueError: for NycleGAN, which has no style encoders.
        """
        if not self.cfg.style_encoders:
            raise ValueError("NycleGAN (style_encoders=False) has no style encoders")
        return (self.E_B if domain == "b" else self.E_A)(x)[0]
