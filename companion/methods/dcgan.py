"""DCGAN: an unconditional GAN on small images (Radford et al. 2016, arXiv:1511.06434).

The book's first trained model and the pretrained source that the transfer chapters start from
(TransferGAN, MineGAN). Two losses: the non-saturating GAN loss of Goodfellow et al. (2014) and
WGAN-GP (Gulrajani et al. 2017, arXiv:1704.00028), chosen by ``gan_loss``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import torch

from companion.config import PresetConfig
from companion.losses import ADVERSARIAL_LOSSES, gradient_penalty
from companion.methods.base import Method, images_of, register_method
from companion.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from companion.stepper import Stepper

__all__ = ["DCGAN", "DCGANConfig"]


@dataclasses.dataclass(frozen=True)
class DCGANConfig(PresetConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset."""

    z_dim: int = 100  # DCGAN paper, Sec. 4: 100-d uniform noise (we draw N(0, I))
    image_size: int = 32  # this book's source models are 32x32 (Chapter 7)
    channels: int = 3
    width_g: int = 64  # last hidden layer; 4x4 layer has 4x this (DCGAN: 1024 at 64x64; ours)
    width_d: int = 64
    gan_loss: Literal["nonsaturating", "wgan-gp"] = "nonsaturating"
    lambda_gp: float = 10.0  # WGAN-GP, Alg. 1
    n_critic: int = 1  # D updates per G update; WGAN-GP uses 5 (Alg. 1)
    lr_g: float = 2e-4  # DCGAN, Sec. 4 (WGAN-GP: 1e-4)
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)  # DCGAN, Sec. 4 (WGAN-GP: (0.0, 0.9))
    batch_size: int = 128  # DCGAN, Sec. 4 (WGAN-GP: 64)
    dataset: str = "shapes"  # any image dataset; synthetic shapes keeps the book offline
    image_key: str = "b"  # the entry holding images: "b" = targets of shapes, "x" = single-domain

    @classmethod
    def cpu(cls) -> DCGANConfig:
        return dataclasses.replace(cls(), z_dim=32, width_g=32, width_d=32, batch_size=64)

    @classmethod
    def smoke(cls) -> DCGANConfig:
        return dataclasses.replace(cls.cpu(), z_dim=8, width_g=8, width_d=8, batch_size=8)

    @classmethod
    def wgan_gp(cls) -> DCGANConfig:
        """The WGAN-GP settings of Gulrajani et al. (Alg. 1) on the DCGAN networks."""
        return dataclasses.replace(
            cls(),
            gan_loss="wgan-gp",
            n_critic=5,
            lr_g=1e-4,
            lr_d=1e-4,
            betas=(0.0, 0.9),
            batch_size=64,
        )


@register_method
class DCGAN(Method):
    """Unconditional GAN: ``G(z)`` against ``D(x)``.

    Example:
        >>> gan = DCGAN(DCGANConfig.smoke())
        >>> gan.sample(4).shape
        torch.Size([4, 3, 32, 32])
    """

    Config = DCGANConfig
    name = "dcgan"
    conditional = False

    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__(cfg)
        if cfg.gan_loss not in ("nonsaturating", "wgan-gp"):
            raise ValueError(f"gan_loss must be 'nonsaturating' or 'wgan-gp', got {cfg.gan_loss!r}")
        self.G = DCGANGenerator(cfg.z_dim, cfg.image_size, cfg.channels, cfg.width_g)
        # WGAN-GP's penalty is per sample: batch norm would couple samples, so use layer norm.
        norm = "layer" if cfg.gan_loss == "wgan-gp" else "batch"
        self.D = DCGANDiscriminator(cfg.image_size, cfg.channels, cfg.width_d, norm=norm)
        self.d_loss, self.g_loss = ADVERSARIAL_LOSSES[cfg.gan_loss]
        self.register_buffer(
            "z_fixed", torch.randn(64, cfg.z_dim, generator=torch.Generator().manual_seed(0))
        )

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.cfg
        return {
            "D": torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=cfg.betas),
            "G": torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=cfg.betas),
        }

    @property
    def code_dim(self) -> int:
        return self.cfg.z_dim

    def example_batch(
        self, n: int, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        x = torch.rand(n, cfg.channels, cfg.image_size, cfg.image_size, generator=generator)
        return {cfg.image_key: x * 2 - 1}

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        cfg = self.cfg
        x_real = images_of(batch, cfg.image_key)  # (N, C, H, W) in [-1, 1]
        n = x_real.shape[0]
        if tuple(x_real.shape[1:]) != (cfg.channels, cfg.image_size, cfg.image_size):
            raise ValueError(
                f"dcgan is configured for {(cfg.channels, cfg.image_size, cfg.image_size)} "
                f"images, got {tuple(x_real.shape[1:])}; load the data at "
                f"resolution={cfg.image_size} or set image_size/channels"
            )

        # Discriminator (critic) update(s) on real vs. generated images.
        for _ in range(cfg.n_critic):
            x_fake = self.G(torch.randn(n, cfg.z_dim, device=x_real.device)).detach()
            loss_adv = self.d_loss(self.D(x_real), self.D(x_fake))
            loss_d = loss_adv
            if cfg.gan_loss == "wgan-gp":
                loss_gp = gradient_penalty(self.D, x_real, x_fake)
                loss_d = loss_adv + cfg.lambda_gp * loss_gp
            opt.step("D", loss_d)

        # Generator update: fool the discriminator.
        x_fake = self.G(torch.randn(n, cfg.z_dim, device=x_real.device))
        loss_g = self.g_loss(self.D(x_fake))
        opt.step("G", loss_g)

        logs = {"loss/d": loss_d.item(), "loss/g": loss_g.item()}
        if cfg.gan_loss == "wgan-gp":
            logs["loss/d_gp"] = loss_gp.item()  # unweighted
            logs["dist/wasserstein"] = -loss_adv.item()  # the critic's estimate
        return logs

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` images (n, C, H, W) in [-1, 1]."""
        z = torch.randn(n, self.cfg.z_dim, generator=generator).to(self.device)
        return self.G(z)

    @torch.no_grad()
    def preview(self, batch: Any) -> torch.Tensor:
        """Images from 64 fixed codes, so grids over training are comparable."""
        return self.G(self.z_fixed)
