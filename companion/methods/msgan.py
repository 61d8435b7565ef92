"""MSGAN: mode-seeking regularisation (Mao et al. 2019, arXiv:1903.05628).

Two codes ``z_1, z_2`` for the same input ``a`` should give outputs as far apart, relative to
the codes' distance, as the data allow. MSGAN maximises that ratio (Eq. 3),

    L_ms = max_G  d_I(G(a, z_1), G(a, z_2)) / d_z(z_1, z_2),

by adding ``lambda_ms / (ratio + eps)`` to the generator's loss of a base model (Eq. 4), with
L1 distances for ``d_I`` and ``d_z`` and lambda_ms = 1 (the released code). The term needs no
extra network, so it is a :class:`~companion.methods.translation.GeneratorTerm`,
:class:`ModeSeeking`, that joins any translation method's G step::

    BicycleGAN(BicycleGANConfig.cpu(), terms=[ModeSeeking(1.0)])   # this book's extension

The registered method ``msgan`` is the paper's own model (Sec. 4.2): pix2pix + noise with the
term. As in the released pix2pix code, both outputs meet D and the adversarial loss, and L1
ties the first to the target; the released code updates G before D, this one D before G (the
family's order).
"""

from __future__ import annotations

import dataclasses

import torch

from companion.losses import mode_seeking_ratio, reconstruction_l1
from companion.methods.base import register_method
from companion.methods.translation import (
    SHAPES_32,
    SHAPES_SMOKE,
    GeneratorTerm,
    TranslationConfig,
    TranslationMethod,
    Translations,
)

__all__ = ["MSGAN", "MSGANConfig", "ModeSeeking"]


class ModeSeeking(GeneratorTerm):
    """Eq. (4)'s term ``1 / (d_I / d_z + eps)`` on the first two outputs of each input.

    Asks the method for one extra output per input (a second code), which D also judges.

    Example:
        >>> term = ModeSeeking(1.0)
        >>> out = Translations(None, None, [torch.zeros(2, 8), torch.ones(2, 8)],
        ...                    [torch.zeros(2, 3, 4, 4), torch.ones(2, 3, 4, 4)])
        >>> round(term(out).item(), 4)  # ratio 1: the term is 1 / (1 + eps)
        1.0
    """

    key = "ms"
    extra_outputs = 1

    def forward(self, out: Translations) -> torch.Tensor:
        return mode_seeking_ratio(out.b_fake[0], out.b_fake[1], out.z[0], out.z[1])


@dataclasses.dataclass(frozen=True)
class MSGANConfig(TranslationConfig):
    """pix2pix + noise's fields plus ``lambda_ms``; defaults: the released pix2pix MSGAN code."""

    lambda_ms: float = 1.0  # MSGAN code: loss_lz weight 1 (Eq. 4)
    lambda_l1: float = 10.0  # MSGAN pix2pix code (BicycleGAN's lambda_L1 = 10)
    batch_size: int = 1  # MSGAN pix2pix code: batch_size 1
    init_type: str = "xavier"  # MSGAN pix2pix code (BicycleGAN's): xavier
    use_dropout: bool = False  # MSGAN pix2pix options: --use_dropout off by default
    z_injection: str = "all"  # MSGAN pix2pix code (BicycleGAN's where_add='all')
    d_scales: int = 2  # MSGAN pix2pix code (BicycleGAN's num_Ds=2)

    @classmethod
    def cpu(cls) -> MSGANConfig:
        """Shapes at 32x32 on pix2pix's ``cpu`` networks (code at the input, one PatchGAN)."""
        return dataclasses.replace(
            cls(), **SHAPES_32, init_type="normal", z_injection="input", d_scales=1
        )

    @classmethod
    def smoke(cls) -> MSGANConfig:
        return dataclasses.replace(cls.cpu(), **SHAPES_SMOKE)


@register_method
class MSGAN(TranslationMethod):
    """pix2pix + noise trained with the mode-seeking term (MSGAN Sec. 4.2).

    Example:
        >>> model = MSGAN(MSGANConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = MSGANConfig
    name = "msgan"

    def __init__(self, cfg: MSGANConfig, terms: tuple[GeneratorTerm, ...] = ()) -> None:
        if cfg.z_dim <= 0:
            raise ValueError(
                f"MSGAN compares outputs of two codes: z_dim must be > 0, got {cfg.z_dim}"
            )
        if cfg.lambda_ms <= 0:
            raise ValueError(
                f"MSGAN needs lambda_ms > 0, got {cfg.lambda_ms}; train pix2pix for the model "
                "without the term"
            )
        super().__init__(cfg, terms=(ModeSeeking(cfg.lambda_ms), *terms))

    def g_terms(self, out: Translations) -> dict[str, torch.Tensor]:
        """L_ori of the base (pix2pix + noise, Eq. 4 of Isola et al.); the term is the hook's."""
        cfg = self.cfg
        return {
            "adv": cfg.lambda_gan
            * self.g_adversarial(self.D, [self.pair(out.a, f) for f in out.b_fake]),
            "l1": cfg.lambda_l1 * reconstruction_l1(out.b_fake[0], out.b),
        }
