"""Style-encoder pre-training (StEP; Meshry et al., ICLR 2020 submission, later arXiv:2104.07098).

BicycleGAN learns its encoder ``E`` and generator ``G`` together through two cycles and a KL
term. Style pre-training learns the code space first, from a fixed notion of "similar style",
and the generator after it (Sec. 3.1), in three stages of one run:

1. **Stage 1**: train ``E`` alone with a triplet loss (Eq. 1): an anchor target's code must be
   closer to a positive's than to a negative's, by a margin. The positive is drawn from the
   anchor's ``k_c = 5`` nearest images under a Gram-matrix style distance, the negative from its
   ``k_f = 13`` furthest (A.1); a larger far set keeps outliers from being every negative.
2. **Stage 2**: freeze ``E`` and train ``G`` and a conditional multi-scale PatchGAN ``D`` with
   LSGAN and a reconstruction of ``b`` from ``G(a, E(b))`` (Eq. 2, lambda_rec = 0.02 on VGG
   perceptual features).
3. **Stage 3**: fine-tune ``E`` with ``G`` on the same objective, plus the latent L2 term
   (lambda_L2 = 0.01) that keeps codes near zero, so that ``N(mean, std)`` of the training
   codes can be sampled (Sec. 3.2).

The stage is a pure function of the step (:meth:`StEP.stage_at`), so a run resumed from a
checkpoint continues in the stage it was in. Triplets are mined from a bank of recently seen
targets and their style vectors, held as buffers and checkpointed with the weights.
Chapter 10 checks that the pre-trained codes retrieve styles well above chance and what that
buys the generator against BicycleGAN at an equal budget. The terms Table 4 removes on the way
from "Ours v1" to "Ours v4" (random-code sampling, cyclic reconstruction) are switches
(``random_z``, ``cross_cycle``; :mod:`companion.methods.step_terms`), off by default.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from companion.losses import (
    code_l2_penalty,
    mine_triplets,
    perceptual_mse,
    reconstruction_l1,
    style_vectors,
    triplet_margin_loss,
)
from companion.methods.base import register_method
from companion.methods.step_terms import cyclic_reconstruction, random_code_terms, random_codes
from companion.methods.translation import (
    SHAPES_32,
    SHAPES_SMOKE,
    TranslationConfig,
    TranslationMethod,
    build_encoder,
    log_record,
)
from companion.nets.style_features import build_style_features
from companion.stepper import Stepper

__all__ = ["StEP", "StEPConfig"]


@dataclasses.dataclass(frozen=True)
class StEPConfig(TranslationConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (edges2shoes at 256x256)."""

    dataset: str = "edges2shoes"  # Sec. 4; Table 3 is on edges2shoes
    z_dim: int = 8  # Sec. 3.1: z in R^8
    z_injection: str = "all"  # StEP code: z tiled and concatenated before every decoder stage
    use_dropout: bool = False  # no dropout in the StEP code's generator
    d_scales: int = 3  # A.1: multi-scale PatchGAN with 3 scales
    lr: float = 1e-3  # A.1: Adam, lr 0.001 for G, E and D
    beta1: float = 0.0  # A.1: beta1 = 0
    beta2: float = 0.99  # A.1: beta2 = 0.99
    batch_size: int = 8  # Table 6: batch 8
    style_features: str = "vgg16"  # StEP code: VGG16 conv1_2..conv5_2 Grams; or random_conv, pixels
    k_close: int = 5  # A.1: positives from the 5 closest
    k_far: int = 13  # A.1: negatives from the 13 furthest
    margin: float = 0.1  # Eq. (1)'s alpha; not in the paper, the StEP code's value
    lambda_reg: float = 0.01  # Eq. (1)'s lambda; not in the paper, the StEP code's value
    bank_size: int = 256  # targets mined from; the code uses <= 8000 precomputed (see Raises)
    stage1_steps: int = 10_000  # "until the loss saturates" (code comment); not in the paper
    stage2_steps: int = 31_250  # StEP code README: 250 kimg at batch 8; stage 3 to 700 kimg
    rec_loss: str = "perceptual"  # A.1: VGG perceptual loss; or "l1" (the code's option)
    lambda_rec: float = 0.02  # A.1: lambda_rec = 0.02
    lambda_l2: float = 0.01  # A.1: lambda_L2 = 0.01 (stage 3; 0 gives Table 4's "Ours v4")
    random_z: bool = False  # Table 4's D_rand_z + z_recon ("Ours v1, v2"); see step_terms
    cross_cycle: bool = False  # Table 4's cyc_recon ("Ours v1"); needs random_z to match v1
    lambda_z_recon: float = 10.0  # StEP code's w_loss_z_recon (L1); not in the paper
    init_type: str = "xavier"  # BicycleGAN code's init for the family's G, D and E
    encoder_init_gain: float = 0.02  # BicycleGAN code: gain 0.02 for every network, E included
    nef: int = 64  # encoder width (BicycleGAN's ResNet encoder; the paper's is DRIT's)
    encoder_blocks: int = 5  # 256 -> 8 before pooling

    @classmethod
    def cpu(cls) -> StEPConfig:
        """Shapes at 32x32 with the family's cpu networks; random-conv Grams instead of VGG.

        The reconstruction is L1 at the pix2pix weight 10 (the StEP code's pixel option): the
        perceptual loss needs ImageNet VGG16, which the cpu preset does not download. The
        learning rate is the family's 6e-4 (the paper's 1e-3 with beta1 = 0 oscillated at
        batch 16 on shapes). Stage lengths fit a notebook's budget.

        The encoder starts at Xavier's own gain 1, not the code's 0.02 (as BicycleGAN's cpu
        preset): measured on shapes (16 styles), 150 triplet steps, seeds 0-1, nearest-neighbour
        palette retrieval in code space 0.68 / 0.56 at gain 0.02 and 0.90 / 0.95 at gain 1; at
        0.02 the far negatives are met by the margin before E has learned to see colour well.
        """
        return dataclasses.replace(
            cls(),
            **SHAPES_32,
            d_scales=1,
            z_injection="input",
            style_features="random_conv",
            rec_loss="l1",
            lambda_rec=10.0,
            nef=16,
            encoder_blocks=3,
            encoder_init_gain=1.0,
            bank_size=256,
            stage1_steps=150,
            stage2_steps=200,
        )

    @classmethod
    def smoke(cls) -> StEPConfig:
        return dataclasses.replace(
            cls.cpu(),
            **SHAPES_SMOKE,
            nef=8,
            encoder_blocks=2,
            bank_size=8,
            stage1_steps=1,
            stage2_steps=1,
        )


@register_method
class StEP(TranslationMethod):
    """Style pre-training: a triplet-trained style encoder, then ``G`` with it frozen, then both.

    Example:
        >>> model = StEP(StEPConfig.smoke())
        >>> [model.stage_at(s) for s in range(3)]
        [1, 2, 3]
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = StEPConfig
    name = "step"

    def __init__(self, cfg: StEPConfig) -> None:
        if cfg.z_dim <= 0:
            raise ValueError(f"StEP needs a code: z_dim must be > 0, got {cfg.z_dim}")
        if cfg.rec_loss not in ("l1", "perceptual"):
            raise ValueError(f"rec_loss must be 'l1' or 'perceptual', got {cfg.rec_loss!r}")
        if cfg.bank_size < 2 or cfg.k_close < 1 or cfg.k_far < 1:
            raise ValueError(
                f"need bank_size >= 2 and k_close, k_far >= 1; got {cfg.bank_size}, "
                f"{cfg.k_close}, {cfg.k_far}"
            )
        super().__init__(cfg)  # G and D
        self.E = build_encoder(cfg, cfg.nef, cfg.encoder_blocks, gain=cfg.encoder_init_gain)
        self.style_net = build_style_features(cfg.style_features, cfg.out_channels)
        self.style_net.requires_grad_(False)
        s = cfg.image_size
        with torch.no_grad():
            dim = style_vectors(self.style_net(torch.zeros(1, cfg.out_channels, s, s))).shape[1]
        self.register_buffer("bank_images", torch.zeros(cfg.bank_size, cfg.out_channels, s, s))
        self.register_buffer("bank_styles", torch.zeros(cfg.bank_size, dim))
        self.register_buffer("bank_seen", torch.zeros((), dtype=torch.long))
        self.register_buffer("code_mean", torch.zeros(cfg.z_dim))
        self.register_buffer("code_std", torch.ones(cfg.z_dim))

    def stage_at(self, step: int) -> int:
        """The stage (1, 2 or 3) that iteration ``step`` (counted from 0) belongs to."""
        cfg = self.cfg
        if step < cfg.stage1_steps:
            return 1
        return 2 if step < cfg.stage1_steps + cfg.stage2_steps else 3

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        # A.1: one Adam for "G and E" (E's weights receive gradients only in stage 3), one for
        # D; stage 1's triplet loss has its own Adam over E.
        betas, lr = (self.cfg.beta1, self.cfg.beta2), self.cfg.lr
        return {
            "E": torch.optim.Adam(self.E.parameters(), lr=lr, betas=betas),
            "D": torch.optim.Adam(self.D.parameters(), lr=lr, betas=betas),
            "G": torch.optim.Adam([*self.G.parameters(), *self.E.parameters()], lr=lr, betas=betas),
        }

    def encode(self, b: torch.Tensor) -> torch.Tensor:
        """Style codes (N, z_dim) of targets ``b`` (N, C, H, W) in [-1, 1]: E's mean head."""
        return self.E(b)[0]

    # -- stage 1: the style space --------------------------------------------------------------

    def style_of(self, b: torch.Tensor) -> torch.Tensor:
        """Style vectors (N, F): squared distances between them are Gram style distances."""
        with torch.no_grad():
            return style_vectors(self.style_net(b))

    def triplet_step(self, b: torch.Tensor, opt: Stepper) -> dict[str, float]:
        """Eq. (1) on triplets mined from the bank and the batch; then the batch joins the bank."""
        cfg, n = self.cfg, b.shape[0]
        s_batch = self.style_of(b)  # (N, F)
        held = int(min(self.bank_seen.item(), cfg.bank_size))
        pool_images = torch.cat([self.bank_images[:held], b])  # (P, C, H, W)
        pool_styles = torch.cat([self.bank_styles[:held], s_batch])  # (P, F)
        distances = torch.cdist(s_batch, pool_styles).pow(2)  # (N, P)
        self_index = held + torch.arange(n, device=b.device)
        pos, neg = mine_triplets(distances, self_index, cfg.k_close, cfg.k_far)
        z = self.encode(torch.cat([b, pool_images[pos], pool_images[neg]]))  # (3N, D)
        z_a, z_p, z_n = z.split(n)
        terms = {
            "triplet": triplet_margin_loss(z_a, z_p, z_n, cfg.margin),
            "reg": cfg.lambda_reg * code_l2_penalty(z_a, z_p, z_n),
        }
        loss_e = sum(terms.values())
        opt.step("E", loss_e)
        self.push_to_bank(b, s_batch)
        return {"loss/e": loss_e.item(), **{f"loss/e_{k}": v.item() for k, v in terms.items()}}

    @torch.no_grad()
    def push_to_bank(self, b: torch.Tensor, styles: torch.Tensor) -> None:
        """Write targets and their style vectors into the ring buffer, oldest out first."""
        slots = (self.bank_seen + torch.arange(b.shape[0], device=b.device)) % self.cfg.bank_size
        self.bank_images[slots] = b
        self.bank_styles[slots] = styles
        self.bank_seen += b.shape[0]

    # -- stages 2 and 3: the generator -----------------------------------------------------------

    def reconstruction(self, b_rec: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Eq. (2)'s L_rec: perceptual MSE on the feature net (weights 1 / 2^(L+1-i)), or L1."""
        if self.cfg.rec_loss == "l1":
            return reconstruction_l1(b_rec, b)
        feats_rec, feats = self.style_net(b_rec), self.style_net(b)
        weights = tuple(1 / 2 ** (len(feats) + 1 - i) for i in range(1, len(feats) + 1))
        return perceptual_mse(feats_rec, [f.detach() for f in feats], weights)

    def generator_step(self, a: torch.Tensor, b: torch.Tensor, stage: int, opt: Stepper):
        """One D step and one G step (G and E in stage 3) on Eq. (2)."""
        cfg = self.cfg
        if stage == 2:  # E frozen: no gradient reaches its weights
            with torch.no_grad():
                z = self.encode(b)
        else:
            z = self.encode(b)
        fakes = [self.G(a, z)]  # (N, C, H, W): G(a, E(b)), then G(a, z_rand) for Table 4's v1-v2
        if cfg.random_z:
            z_rand = random_codes(z)
            fakes.append(self.G(a, z_rand))
        # Conditional LSGAN, D side: real pairs (a, b) against (a, G(a, E(b))).
        loss_d = self.d_adversarial(self.D, self.pair(a, b), [self.pair(a, f) for f in fakes])
        opt.step("D", loss_d)
        # Eq. (2): L_cGAN + lambda_rec L_rec, plus lambda_L2 on the codes when E trains.
        terms = {
            "adv": cfg.lambda_gan * self.g_adversarial(self.D, [self.pair(a, fakes[0])]),
            "rec": cfg.lambda_rec * self.reconstruction(fakes[0], b),
        }
        if stage == 3:
            terms["l2"] = cfg.lambda_l2 * code_l2_penalty(z)
        if cfg.random_z:
            terms.update(random_code_terms(self, a, z_rand, fakes[1]))
        if cfg.cross_cycle:
            terms["cyc"] = cyclic_reconstruction(self, a, b, z, stage)
        loss_g = sum(terms.values())
        opt.step("G", loss_g)
        return log_record(loss_d, loss_g, terms)

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        a, b = self.unpack(batch)  # (N, C, H, W) each, in [-1, 1]
        stage = self.stage_at(step)
        logs = self.triplet_step(b, opt) if stage == 1 else self.generator_step(a, b, stage, opt)
        return {**logs, "stage": float(stage)}

    # -- sampling (Sec. 3.2) ---------------------------------------------------------------------

    @torch.no_grad()
    def fit_code_distribution(self, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Set the sampling prior to ``N(mean, std)`` of the codes of targets ``b`` (per dim).

        The paper's "ad-hoc" sampling: with the L2 term the codes are near zero-mean, and their
        empirical spread replaces a learned prior. Returns the (D,) mean and std.
        """
        z = self.encode(b)  # (N, D)
        self.code_mean.copy_(z.mean(0))
        self.code_std.copy_(z.std(0))
        return self.code_mean.clone(), self.code_std.clone()

    def sample_codes(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """``n`` codes from ``N(code_mean, code_std)``: N(0, I) until fitted to data."""
        z = super().sample_codes(n, generator=generator, device=device)  # (n, D)
        return self.code_mean.to(z.device) + self.code_std.to(z.device) * z
