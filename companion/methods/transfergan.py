"""TransferGAN: fine-tune a pretrained WGAN-GP on a small target set (Wang et al., ECCV 2018,
arXiv:1805.01677; thesis of Y. Wang, Chapter 2).

Transfer is pure initialisation (Sec. 2.3.4): generator and critic each start either from the
source model's weights or from random ones, and then *all* parameters train on the target with
the WGAN-GP losses (Eqs. 2.3, 2.4). The chapter checks the paper's claim that starting both
networks from the source reaches a better FID sooner than starting from scratch (Fig. 2.1,
Table 2.1), and reports which of the two networks matters more.

With ``num_classes = K > 0`` the target is a conditional GAN, AC-GAN style (Sec. 2.4.1,
Eqs. 2.7, 2.8): the generator's batch norms become class-conditional ("Cond BNorm", a
``(gamma, beta)`` row per class), the critic stays unconditional and gains an auxiliary
classifier head, and the class log-likelihood is added to the WGAN-GP losses, of real images for
the critic (weight ``alpha_d``) and of generated ones, with labels drawn uniformly, for the
generator (weight ``alpha_g``). From an unconditional source every class's ``(gamma, beta)``
starts as a copy of the source's and the classifier head starts random; everything else is
copied as in the unconditional case. With ``embed_dim = D > 0`` the generator conditions its batch
norms on a learned class embedding instead (BigGAN's, thesis Sec. 3.3), the source that MineGAN's
class-embedding miner needs (:func:`companion.methods.class_mining.embedding_minegan`); such a
generator is trained from scratch or from a source with the same embedding.

The source is a checkpoint written by :func:`companion.train.fit` for ``transfergan`` (trained
from scratch on the source data) or for ``dcgan`` with ``gan_loss="wgan-gp"``; the networks are
the DCGAN family of :mod:`companion.nets.dcgan` at every preset (the paper uses the WGAN-GP
ResNet; see the chapter's "What differs" box).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from companion.config import PresetConfig
from companion.losses import ADVERSARIAL_LOSSES, gradient_penalty
from companion.methods.base import labels_of, register_method
from companion.methods.pretrained import copy_weights, load_source, widen_source
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
    num_classes: int = 0  # Sec. 2.4: K > 0 = conditional target (AC-GAN, Cond BNorm); 0 = not
    alpha_g: float = 1.0  # Eq. 2.7: weight of G's class loss on its samples (value not given)
    alpha_d: float = 1.0  # Eq. 2.8: weight of D's class loss on real images (value not given)
    label_key: str = "y"  # the entry holding class labels in [0, num_classes) when K > 0
    embed_dim: int = 0  # D > 0 (with K > 0): a class embedding feeds BigGAN-style batch norms

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
        k = cfg.num_classes  # > 0: Cond BNorm in G, an auxiliary classifier head on D
        self.G = DCGANGenerator(
            cfg.z_dim, cfg.image_size, cfg.channels, cfg.width_g, k, embed_dim=cfg.embed_dim
        )
        # WGAN-GP's penalty is per sample, so the critic uses layer norm (Sec. 2.3.3).
        self.D = DCGANDiscriminator(
            cfg.image_size, cfg.channels, cfg.width_d, norm="layer", num_classes=k
        )
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
        checkpoint = load_source(cfg.init)
        source, source_classes = checkpoint["method"], checkpoint["config"].get("num_classes", 0)
        if source_classes and source_classes != cfg.num_classes:
            raise ValueError(
                f"the source {cfg.init!r} is conditional with num_classes={source_classes}; it "
                f"transfers only to a target with the same classes, not num_classes="
                f"{cfg.num_classes} (an unconditional source transfers to any num_classes)"
            )
        source_embed = checkpoint["config"].get("embed_dim", 0)
        if cfg.transfer_g and cfg.embed_dim != source_embed:
            raise ValueError(
                f"the source {cfg.init!r} has embed_dim={source_embed}; a generator with a class "
                f"embedding (embed_dim={cfg.embed_dim}) starts only from a source with the same "
                "embedding: train its G from scratch (transfer_g=False) or set embed_dim="
                f"{source_embed}"
            )
        if cfg.num_classes and not source_classes:  # Sec. 2.4.1: unconditional -> AC-GAN
            source = widen_source(source, cfg.num_classes, self.D.classify.state_dict())
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
        if cfg is None:  # the source's architecture (and classes: override num_classes to widen)
            saved = load_source(path)["config"]
            own = (*ARCHITECTURE_FIELDS, "num_classes", "embed_dim")
            arch = {k: saved[k] for k in own if k in saved}
            cfg = dataclasses.replace(cls.Config.from_preset(None), **arch)
        return cls(
            dataclasses.replace(
                cfg, init=str(path), transfer_g=transfer_g, transfer_d=transfer_d, **overrides
            )
        )

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        # Eq. (2.3): the critic separates target images from generated ones, with the
        # penalty; Eq. (2.4): the generator raises the critic's score of its samples.
        if self.cfg.num_classes:
            return self.ac_gan_step(self.real_images(batch), self.real_labels(batch), opt)
        return self.adversarial_step(self.real_images(batch), opt, penalty=True)

    def real_labels(self, batch: Any) -> torch.Tensor:
        """The batch's class labels (N,) int64, checked to lie in [0, num_classes)."""
        who = f"a conditional TransferGAN (num_classes={self.cfg.num_classes})"
        return labels_of(batch, self.cfg.label_key, self.cfg.num_classes, who)

    def sample_labels(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Labels y' (n,) int64 for generated images, uniform over the classes (Sec. 2.4.2)."""
        return torch.randint(self.cfg.num_classes, (n,), generator=generator)

    def ac_gan_step(
        self, x_real: torch.Tensor, y_real: torch.Tensor, opt: Stepper
    ) -> dict[str, float]:
        """AC-GAN on WGAN-GP (Eqs. 2.7, 2.8): ``n_critic`` critic updates, then one of G.

        The critic's loss adds ``alpha_d`` times the cross-entropy of its classifier head on the
        *real* images (Eq. 2.8 as the thesis writes it: the head never learns from fakes); the
        generator's adds ``alpha_g`` times the cross-entropy of the head on its samples for the
        labels it was given (Eq. 2.7).

        Args:
            x_real: (N, C, H, W) real images in [-1, 1].
            y_real: (N,) their labels.
            opt: the trainer's stepper (optimizers "D" and "G").

        Returns:
            The unconditional step's logs plus ``loss/d_cls`` and ``loss/g_cls`` (unweighted)
            and ``acc/d_cls_real``, the head's accuracy on the real batch.
        """
        cfg = self.cfg
        n, device = x_real.shape[0], x_real.device
        y_real = y_real.to(device)
        for _ in range(cfg.n_critic):
            y_fake = self.sample_labels(n).to(device)
            x_fake = self.G(torch.randn(n, cfg.z_dim, device=device), y_fake).detach()
            score_real, logits_real = self.D.forward_with_classes(x_real)  # (N,), (N, K)
            loss_adv = self.d_loss(score_real, self.D(x_fake))
            loss_gp = gradient_penalty(self.D, x_real, x_fake)
            loss_d_cls = F.cross_entropy(logits_real, y_real)  # -E log P(C = y | x)
            loss_d = loss_adv + cfg.lambda_gp * loss_gp + cfg.alpha_d * loss_d_cls
            opt.step("D", loss_d)

        y_fake = self.sample_labels(n).to(device)
        x_fake = self.G(torch.randn(n, cfg.z_dim, device=device), y_fake)
        score_fake, logits_fake = self.D.forward_with_classes(x_fake)
        loss_g_cls = F.cross_entropy(logits_fake, y_fake)  # -E log P(C = y' | G(z, y'))
        loss_g = self.g_loss(score_fake) + cfg.alpha_g * loss_g_cls
        opt.step("G", loss_g)
        return {
            "loss/d": loss_d.item(),
            "loss/g": loss_g.item(),
            "loss/d_gp": loss_gp.item(),  # unweighted
            "dist/wasserstein": -loss_adv.item(),
            "loss/d_cls": loss_d_cls.item(),  # unweighted
            "loss/g_cls": loss_g_cls.item(),
            "acc/d_cls_real": (logits_real.argmax(1) == y_real).float().mean().item(),
        }

    def example_batch(
        self, n: int, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        batch = super().example_batch(n, generator=generator)
        if self.cfg.num_classes:
            batch[self.cfg.label_key] = self.sample_labels(n, generator=generator)
        return batch

    @torch.no_grad()
    def sample(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Draw ``n`` images (n, C, H, W) in [-1, 1].

        Args:
            n: number of images.
            generator: for the codes.
            labels: (n,) classes of a conditional model (default: ``0, 1, ..., K-1, 0, ...``).

        Raises:
            ValueError: for labels given to an unconditional model.
        """
        if not self.cfg.num_classes:
            if labels is not None:
                raise ValueError("this TransferGAN is unconditional (num_classes=0): no labels")
            return super().sample(n, generator=generator)
        z = self.sample_codes(n, generator=generator, device="cpu").to(self.device)
        y = self._cycled_labels(n) if labels is None else torch.as_tensor(labels).long()
        return self.G(z, y.to(self.device))

    def _cycled_labels(self, n: int) -> torch.Tensor:
        return torch.arange(n) % self.cfg.num_classes  # (n,): every class in turn

    @torch.no_grad()
    def preview(self, batch: Any) -> torch.Tensor:
        """Images from the 64 fixed codes (with the classes in turn if conditional)."""
        if not self.cfg.num_classes:
            return super().preview(batch)
        return self.G(self.z_fixed, self._cycled_labels(len(self.z_fixed)).to(self.device))
