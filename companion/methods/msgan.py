"""MSGAN: mode-seeking regularisation (Mao et al. 2019, arXiv:1903.05628).

Two codes ``z_1, z_2`` for the same input ``a`` should give outputs as far apart, relative to
the codes' distance, as the data allow. MSGAN maximises that ratio (Eq. 3),

    L_ms = max_G  d_I(G(a, z_1), G(a, z_2)) / d_z(z_1, z_2),

by adding ``lambda_ms / (ratio + eps)`` to the generator's loss of a base model (Eq. 4), with
L1 distances for ``d_I`` and ``d_z`` and lambda_ms = 1 (the released code). The term needs no
extra network. The paper adds it to pix2pix + noise and DRIT; this book also adds it to
BicycleGAN (``base="bicyclegan"``), which the released code's BicycleGAN-based pix2pix
shares its networks with. The term itself is :func:`companion.losses.mode_seeking_ratio`; the
base methods add it when their ``lambda_ms > 0``. The released pix2pix code also applies the GAN
loss to both outputs and L1 to the first only, as the base methods here do; it updates G before
D, the base methods D before G.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from companion.methods.base import Method, register_method
from companion.methods.bicyclegan import BicycleGAN, BicycleGANConfig
from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig

__all__ = ["MSGAN", "MSGANConfig"]

BASES = {"pix2pix": (Pix2Pix, Pix2PixConfig), "bicyclegan": (BicycleGAN, BicycleGANConfig)}


@dataclasses.dataclass(frozen=True)
class MSGANConfig(BicycleGANConfig):
    """The base method's fields plus ``base`` and ``lambda_ms``; defaults: the ``paper`` preset.

    The paper preset is MSGAN's pix2pix + noise on facades (the released
    ``Pix2Pix-Mode-Seeking`` options); BicycleGAN-only fields (``lambda_kl``, ``nef``, ...) are
    unused with ``base="pix2pix"``. :meth:`for_base` gives the other base's settings.
    """

    base: str = "pix2pix"  # MSGAN Sec. 4.2: pix2pix + noise on facades and maps
    lambda_ms: float = 1.0  # MSGAN code: loss_lz weight 1 (Eq. 4)
    conditional_d: bool = True  # MSGAN pix2pix code: D sees cat(a, b)
    batch_size: int = 1  # MSGAN pix2pix code: batch_size 1
    init_type: str = "xavier"  # MSGAN pix2pix code (BicycleGAN's): xavier
    use_dropout: bool = False  # MSGAN pix2pix options: --use_dropout off by default

    @classmethod
    def cpu(cls) -> MSGANConfig:
        return cls.for_base("pix2pix", "cpu")

    @classmethod
    def smoke(cls) -> MSGANConfig:
        return cls.for_base("pix2pix", "smoke")

    @classmethod
    def for_base(cls, base: str, preset: str = "paper", lambda_ms: float = 1.0) -> MSGANConfig:
        """The base method's preset with the mode-seeking term added.

        Raises:
            ValueError: for an unknown base.

        Example:
            >>> cfg = MSGANConfig.for_base("bicyclegan", "cpu")
            >>> cfg.base, cfg.batch_size, cfg.lambda_kl, cfg.lambda_ms
            ('bicyclegan', 16, 0.01, 1.0)
        """
        if base not in BASES:
            raise ValueError(f"base must be one of {sorted(BASES)}, got {base!r}")
        if preset == "paper" and base == "pix2pix":  # the defaults: MSGAN's released settings
            return dataclasses.replace(cls(), lambda_ms=lambda_ms)
        values = dataclasses.asdict(getattr(BASES[base][1], preset)())
        return dataclasses.replace(cls(), **{**values, "base": base, "lambda_ms": lambda_ms})


@register_method
class MSGAN(Method):
    """A pix2pix + noise or BicycleGAN model trained with the mode-seeking term.

    Its networks are the base method's (``self.base``); training and translation are the
    base's, with ``lambda_ms`` > 0.

    Example:
        >>> model = MSGAN(MSGANConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = MSGANConfig
    name = "msgan"

    def __init__(self, cfg: MSGANConfig) -> None:
        super().__init__(cfg)
        if cfg.base not in BASES:
            raise ValueError(f"base must be one of {sorted(BASES)}, got {cfg.base!r}")
        if cfg.lambda_ms <= 0 or cfg.z_dim <= 0:
            raise ValueError(
                f"MSGAN needs lambda_ms > 0 and z_dim > 0, got {cfg.lambda_ms} and {cfg.z_dim}; "
                f"train the base method instead"
            )
        method_cls, config_cls = BASES[cfg.base]
        names = {f.name for f in dataclasses.fields(config_cls)}
        base_cfg = config_cls(**{k: v for k, v in dataclasses.asdict(cfg).items() if k in names})
        self.base = method_cls(base_cfg)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return self.base.configure_optimizers()

    def training_step(self, batch: Any, step: int, opt: Any) -> dict[str, float]:
        return self.base.training_step(batch, step, opt)

    @torch.no_grad()
    def translate(
        self,
        a: torch.Tensor,
        z: torch.Tensor | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Outputs (N, C, H, W) in [-1, 1] for sources ``a``; z ~ N(0, I) when None."""
        return self.base.translate(a, z, generator=generator)

    @torch.no_grad()
    def preview(self, batch: Any) -> torch.Tensor:
        return self.base.preview(batch)
