"""DCGAN: an unconditional GAN on small images (Radford et al. 2016, arXiv:1511.06434).

The book's first trained model and the pretrained source that the transfer chapters start from
(TransferGAN, MineGAN). Two losses: the non-saturating GAN loss of Goodfellow et al. (2014) and
WGAN-GP (Gulrajani et al. 2017, arXiv:1704.00028), chosen by ``gan_loss``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from companion.config import PresetConfig
from companion.losses import ADVERSARIAL_LOSSES
from companion.methods.base import register_method
from companion.methods.unconditional import UnconditionalGAN
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
class DCGAN(UnconditionalGAN):
    """Unconditional GAN: ``G(z)`` against ``D(x)``.

    Example:
        >>> gan = DCGAN(DCGANConfig.smoke())
        >>> gan.sample(4).shape
        torch.Size([4, 3, 32, 32])
    """

    Config = DCGANConfig
    name = "dcgan"

    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__(cfg)
        if cfg.gan_loss not in ("nonsaturating", "wgan-gp"):
            raise ValueError(f"gan_loss must be 'nonsaturating' or 'wgan-gp', got {cfg.gan_loss!r}")
        self.G = DCGANGenerator(cfg.z_dim, cfg.image_size, cfg.channels, cfg.width_g)
        # WGAN-GP's penalty is per sample: batch norm would couple samples, so use layer norm.
        norm = "layer" if cfg.gan_loss == "wgan-gp" else "batch"
        self.D = DCGANDiscriminator(cfg.image_size, cfg.channels, cfg.width_d, norm=norm)
        self.d_loss, self.g_loss = ADVERSARIAL_LOSSES[cfg.gan_loss]
        self.fixed_codes()

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        # Critic update(s) on real vs. generated images, then one generator update.
        return self.adversarial_step(
            self.real_images(batch), opt, penalty=self.cfg.gan_loss == "wgan-gp"
        )
