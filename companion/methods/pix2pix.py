"""pix2pix: conditional GAN with an L1 term (Isola et al. 2017, arXiv:1611.07004).

``G(a, z)`` translates a source image ``a`` into the target domain; a PatchGAN ``D`` judges
(source, output) pairs (Eq. 1); an L1 term ties the output to the paired target ``b`` (Eq. 3),
and G minimises their sum (Eq. 4). With ``z_dim = 0`` the generator is deterministic, as in
Isola et al. (whose only noise is dropout); with ``z_dim > 0`` it is the *pix2pix + noise*
baseline of BicycleGAN (Zhu et al. 2017, arXiv:1711.11586, Sec. 3.1), the model Chapter 2 shows
ignoring its code: since the L1 term rewards one output per input, G learns to produce it
whatever z is (mode collapse).

The step is the family's (:meth:`TranslationMethod.training_step`): a D step on real pairs
against generated ones, then a G step on the terms below.
"""

from __future__ import annotations

import dataclasses

import torch

from companion.losses import reconstruction_l1
from companion.methods.base import register_method
from companion.methods.translation import (
    SHAPES_32,
    SHAPES_SMOKE,
    TranslationConfig,
    TranslationMethod,
    Translations,
)

__all__ = ["Pix2Pix", "Pix2PixConfig"]


@dataclasses.dataclass(frozen=True)
class Pix2PixConfig(TranslationConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (facades at 256x256).

    The defaults follow BicycleGAN's pix2pix + noise baseline, which shares BicycleGAN's code
    and settings; Isola et al.'s own pix2pix is ``z_dim=0, lambda_l1=100,
    gan_loss=nonsaturating, norm=batch``.
    """

    dataset: str = "facades"  # Isola et al. Sec. 4 (CMP facades, 400 training pairs)
    lambda_l1: float = 10.0  # BicycleGAN Sec. 4 (lambda = 10); Isola et al. Sec. 4 use 100

    @classmethod
    def cpu(cls) -> Pix2PixConfig:
        """Shapes at 32x32: a 3-level U-Net (ngf 16) with z tiled at the input, batch 16."""
        return dataclasses.replace(cls(), **SHAPES_32)

    @classmethod
    def smoke(cls) -> Pix2PixConfig:
        return dataclasses.replace(cls.cpu(), **SHAPES_SMOKE)


@register_method
class Pix2Pix(TranslationMethod):
    """pix2pix and pix2pix + noise: ``G(a, z)`` with a conditional PatchGAN and L1.

    Example:
        >>> model = Pix2Pix(Pix2PixConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = Pix2PixConfig
    name = "pix2pix"

    def g_terms(self, out: Translations) -> dict[str, torch.Tensor]:
        """Eq. (4): fool D (on every output) and stay close to ``b`` in L1 (the first output)."""
        cfg = self.cfg
        return {
            "adv": cfg.lambda_gan
            * self.g_adversarial(self.D, [self.pair(out.a, f) for f in out.b_fake]),
            "l1": cfg.lambda_l1 * reconstruction_l1(out.b_fake[0], out.b),  # Eq. (3)
        }
