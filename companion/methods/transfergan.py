"""TransferGAN: fine-tune a pretrained WGAN-GP on a small target set (Wang et al., ECCV 2018,
arXiv:1805.01677; thesis of Y. Wang, Chapter 2).

Transfer is pure initialisation (Sec. 2.3.4): generator and critic each start either from the
source model's weights or from random ones, and then *all* parameters train on the target with
the WGAN-GP losses (Eqs. 2.3, 2.4). The chapter checks the paper's claim that starting both
networks from the source reaches a better FID sooner than starting from scratch (Fig. 2.1,
Table 2.1), and reports which of the two networks matters more.

The source is a checkpoint written by :func:`companion.train.fit` for ``transfergan`` (trained
from scratch on the source data) or for ``dcgan`` with ``gan_loss="wgan-gp"``; the networks are
the DCGAN family of :mod:`companion.nets.dcgan` at every preset (the paper uses the WGAN-GP
ResNet; see the chapter's "What differs" box).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from companion.config import PresetConfig
from companion.losses import ADVERSARIAL_LOSSES
from companion.methods.base import register_method
from companion.methods.pretrained import copy_weights, load_source
from companion.methods.unconditional import UnconditionalGAN
from companion.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from companion.stepper import Stepper

__all__ = ["ARCHITECTURE_FIELDS", "TransferGAN", "TransferGANConfig"]

ARCHITECTURE_FIELDS = ("z_dim", "image_size", "channels", "width_g", "width_d")
"""Config fields that a source model and its fine-tuned copy must share."""


@dataclasses.dataclass(frozen=True)
class TransferGANConfig(PresetConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (Sec. 2.3.3)."""

    z_dim: int = 128  # WGAN-GP's 64x64 code size (the thesis is silent)
    image_size: int = 64  # Sec. 2.3.3: 64x64 images
    channels: int = 3
    width_g: int = 64  # WGAN-GP's dim = 64 (the thesis: "standard values")
    width_d: int = 64
    init: str = ""  # the source checkpoint (file or run folder); "" = none
    transfer_g: bool = True  # Sec. 2.3.4, Table 2.1 columns: G from the source, else random
    transfer_d: bool = True  # Table 2.1 sub-columns: D from the source, else random
    lambda_gp: float = 10.0  # WGAN-GP, Alg. 1 (the thesis: "standard values")
    n_critic: int = 5  # WGAN-GP, Alg. 1
    lr_g: float = 1e-4  # Sec. 2.3.3: 1e-4 for fine-tuning (1e-5 for 1K target images)
    lr_d: float = 1e-4
    betas: tuple[float, float] = (0.0, 0.9)  # WGAN-GP, Alg. 1
    batch_size: int = 64  # Sec. 2.3.3: fine-tuning batch (the sources: 128)
    dataset: str = "shapes"  # the target; any image dataset
    image_key: str = "b"  # the entry holding images

    @classmethod
    def cpu(cls) -> TransferGANConfig:
        # 16x16 digits in the chapter; n_critic 2 and lr 5e-4 reach legible digits in a
        # few hundred steps on 2 cores (n_critic 5 and 1e-4 do not within 90 s).
        return dataclasses.replace(
            cls(),
            z_dim=32,
            image_size=16,
            width_g=32,
            width_d=32,
            transfer_g=False,
            transfer_d=False,
            n_critic=2,
            lr_g=5e-4,
            lr_d=5e-4,
            betas=(0.5, 0.9),
            batch_size=32,
            dataset="digits",
            image_key="a",
        )

    @classmethod
    def smoke(cls) -> TransferGANConfig:
        return dataclasses.replace(
            cls.cpu(), z_dim=8, image_size=32, width_g=8, width_d=8, batch_size=8
        )


@register_method
class TransferGAN(UnconditionalGAN):
    """WGAN-GP whose G and D start from a source model or from scratch (Table 2.1's grid).

    Example:
        >>> gan = TransferGAN(TransferGANConfig.smoke())
        >>> gan.sample(2).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = TransferGANConfig
    name = "transfergan"

    def __init__(self, cfg: TransferGANConfig) -> None:
        super().__init__(cfg)
        self.G = DCGANGenerator(cfg.z_dim, cfg.image_size, cfg.channels, cfg.width_g)
        # WGAN-GP's penalty is per sample, so the critic uses layer norm (Sec. 2.3.3).
        self.D = DCGANDiscriminator(cfg.image_size, cfg.channels, cfg.width_d, norm="layer")
        self.d_loss, self.g_loss = ADVERSARIAL_LOSSES["wgan-gp"]
        self.fixed_codes()
        self._transfer(cfg)

    def _transfer(self, cfg: TransferGANConfig) -> None:
        """Sec. 2.3.4: initialise G and/or D from the source checkpoint ``cfg.init``."""
        wanted = [
            n for n, on in (("transfer_g", cfg.transfer_g), ("transfer_d", cfg.transfer_d)) if on
        ]
        if not cfg.init:
            if wanted:
                raise ValueError(
                    f"{' and '.join(wanted)}=True needs a source model: build with "
                    "TransferGAN.from_pretrained(CHECKPOINT) (CLI: --init CHECKPOINT), or "
                    "set them to False to train from scratch"
                )
            return
        if not wanted:
            raise ValueError(
                f"init={cfg.init!r} is set but transfer_g and transfer_d are both False, so "
                "nothing would be transferred; set one of them or init=''"
            )
        source = load_source(cfg.init)["method"]
        if cfg.transfer_g:
            copy_weights(self.G, source, "G.", ARCHITECTURE_FIELDS)
        if cfg.transfer_d:
            copy_weights(self.D, source, "D.", ARCHITECTURE_FIELDS)

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        cfg: TransferGANConfig | None = None,
        *,
        transfer_g: bool = True,
        transfer_d: bool = True,
        **overrides: Any,
    ) -> TransferGAN:
        """Build a TransferGAN initialised from the source checkpoint at ``path``.

        Args:
            path: a ``transfergan`` or WGAN-GP ``dcgan`` checkpoint (file or run folder).
            cfg: the target's config (default: the current preset's, with the source's
                architecture fields).
            transfer_g: start G from the source (else from random weights).
            transfer_d: start D from the source (else from random weights).
            **overrides: other config fields to replace, e.g. ``lr_g=1e-5``.

        Raises:
            FileNotFoundError: if there is no checkpoint at ``path``.
            ValueError: for a checkpoint of another method or architecture.
        """
        if cfg is None:
            saved = load_source(path)["config"]
            arch = {k: saved[k] for k in ARCHITECTURE_FIELDS if k in saved}
            cfg = dataclasses.replace(cls.Config.from_preset(None), **arch)
        return cls(
            dataclasses.replace(
                cfg, init=str(path), transfer_g=transfer_g, transfer_d=transfer_d, **overrides
            )
        )

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        # Eq. (2.3): the critic separates target images from generated ones, with the
        # penalty; Eq. (2.4): the generator raises the critic's score of its samples.
        return self.adversarial_step(self.real_images(batch), opt, penalty=True)
