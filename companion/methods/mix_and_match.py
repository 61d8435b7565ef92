"""Mix-and-match networks (M&MNets): zero-pair translation through a shared latent space (Wang
et al., CVPR 2018 and IJCV 2020; thesis of Y. Wang, Chapter 4).

One encoder ``f_i`` and one decoder ``g_j`` per modality (R = RGB, S = segmentation, D = depth)
are trained on the *seen* pairs only, (RGB, seg) and (RGB, depth) of disjoint scenes. The unseen
translation depth -> seg is then ``g_S(f_D(z))``: an encoder and a decoder that never met in
training. It works only if the latents of the modalities are aligned: autoencoders, a
latent-consistency loss, latent noise and the source encoder's pooling indices (Sec. 4.4).
Stage 3 adds pseudo-pairs made by the seen RGB translators (Eq. (4.12)-(4.13)). Chapter 8:
zero-pair depth -> seg beats the cascade through RGB; no latent consistency lowers it (Tab. 4.3).
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from companion.config import PresetConfig
from companion.losses import d_lsgan, g_lsgan
from companion.methods.base import Method, register_method
from companion.nets import PatchDiscriminator
from companion.nets.segnet import RGBDecoder, SegNetDecoder, SegNetEncoder
from companion.stepper import Stepper

__all__ = ["MODALITIES", "MixAndMatch", "MixAndMatchConfig", "berhu"]

MODALITIES = ("rgb", "seg", "depth")


@dataclasses.dataclass(frozen=True)
class MixAndMatchConfig(PresetConfig):
    """M&MNets; defaults are the thesis's SceneNet RGB-D settings (Sec. 4.6.1, App. A.3)."""

    settings_key = "mix_and_match"  # --data scenenet_rgbd sets its 14 label channels

    dataset: str = "scenes_zeropair"
    image_size: int = 256  # App. A.3: 256x256 inputs
    num_classes: int = 14  # 13 classes + unknown (the official code's label table)
    ngf: int = 64  # VGG-16 widths 64-128-256-512-512 (Table A.3)
    num_levels: int = 5  # five max-pools: 256 -> 8x8x512 latent
    convs_per_level: int = 2  # VGG-16: 2, 2, 3, 3, 3 convs per level
    use_pooling_indices: bool = True  # Table 4.2: pooling indices as side information
    use_autoencoders: bool = True  # Table 4.3 "AutoEnc" (from stage 2)
    latent_noise: float = 0.5  # Sec. 4.4.3: N(0, 0.5^2) on every latent from stage 2
    lambda_s: float = 100.0  # Sec. 4.6.1: segmentation CE
    lambda_d: float = 10.0  # Sec. 4.6.1: depth Berhu
    lambda_r: float = 1.0  # stage 1 RGB weight
    lambda_l2: float = 1.0  # stage 1 weight of L2 within L_RGB
    lambda_r_2: float = 10.0  # stage 2
    lambda_l2_2: float = 100.0  # stage 2
    lambda_a: float = 10.0  # stage 2 latent consistency (Table 4.3 "Latent"); 0 drops it
    lambda_gan: float = 1.0  # weight of the LSGAN part of L_RGB (1 in Sec. 4.4.3)
    ndf: int = 64  # Table A.6: 64-128-256-512
    d_layers: int = 3  # Table A.6: four stride-2 convs; here a PatchGAN with an output layer
    lambda_pp: float = 100.0  # Sec. 4.6.1: pseudo-pair weight in stage 3; 0 skips stage 3
    stage2_start: int = 200_000  # Sec. 4.6.1: 200K iterations per stage
    pp_start: int = 400_000
    lr: float = 2e-4  # Sec. 4.6.1: Adam, lr 2e-4
    lr_pp: float = 2e-5  # Sec. 4.6.1: stage 3 at lr 0.00002
    beta1: float = 0.9  # not given in the thesis; PyTorch's Adam default
    supervise_unseen: bool = False  # the oracle: also train depth <-> seg on triplets
    batch_size: int = 6  # Sec. 4.6.1

    @classmethod
    def gpu(cls) -> MixAndMatchConfig:
        return dataclasses.replace(
            cls.cpu(), image_size=64, ngf=32, num_levels=3, stage2_start=3000, pp_start=6000
        )

    @classmethod
    def cpu(cls) -> MixAndMatchConfig:
        # 32x32 scenes, 5 classes, 2 levels of 16/32 channels, one conv per level: a model
        # trains in about 30 s on 2 cores (600 steps). No discriminator (it adds a network and
        # a step for RGB images the chapter does not score). Batch 8: half the step time of
        # batch 16 for about the same zero-pair mIoU (0.375 vs 0.385, seed 0, 600 steps); lr
        # 1e-3, 5x the paper's: our choice for a 600-step budget (2e-4 was not tried).
        return cls(
            image_size=32, num_classes=5, ngf=16, num_levels=2, convs_per_level=1,
            lambda_gan=0.0, stage2_start=300, pp_start=10**9, lr=1e-3, batch_size=8,
        )  # fmt: skip

    @classmethod
    def smoke(cls) -> MixAndMatchConfig:
        return dataclasses.replace(
            cls.cpu(), ngf=4, lambda_gan=1.0, ndf=4, d_layers=1, stage2_start=1, pp_start=1,
            batch_size=2,
        )  # fmt: skip


def berhu(residual: torch.Tensor) -> torch.Tensor:
    """The reverse Huber loss, averaged (Eq. (4.6)): ``|r|`` below c, ``(r^2 + c^2) / 2c`` above.

    ``c`` is a fifth of the largest ``|r|`` of each image (held constant in the gradient).

    Args:
        residual: (N, 1, H, W) prediction minus target.

    Example:
        >>> round(float(berhu(torch.tensor([[[[0.1, 1.0]]]]))), 4)  # c = 0.2: 0.1 and 2.6
        1.35
    """
    r = residual.abs()
    c = (0.2 * r.flatten(1).amax(1)).clamp_min(1e-6).detach()[:, None, None, None]  # (N,1,1,1)
    return torch.where(r <= c, r, (r * r + c * c) / (2 * c)).mean()


@register_method
class MixAndMatch(Method):
    """Mix-and-match networks: per-modality encoders and decoders around a shared latent."""

    Config = MixAndMatchConfig
    name = "mix_and_match"

    def __init__(self, cfg: MixAndMatchConfig) -> None:
        super().__init__(cfg)
        size = dict(ngf=cfg.ngf, num_levels=cfg.num_levels)
        trunk = dict(size, convs_per_level=cfg.convs_per_level)
        channels = {"rgb": 3, "seg": cfg.num_classes, "depth": 1}
        self.enc = torch.nn.ModuleDict({m: SegNetEncoder(c, **trunk) for m, c in channels.items()})
        self.dec = torch.nn.ModuleDict(
            {
                "rgb": RGBDecoder(3, **size),
                "seg": SegNetDecoder(cfg.num_classes, use_indices=cfg.use_pooling_indices, **trunk),
                "depth": SegNetDecoder(1, use_indices=cfg.use_pooling_indices, **trunk),
            }
        )
        self.disc = None
        if cfg.lambda_gan > 0:
            self.disc = PatchDiscriminator(3, ndf=cfg.ndf, num_layers=cfg.d_layers, norm="batch")

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        betas = (self.cfg.beta1, 0.999)
        nets = [*self.enc.parameters(), *self.dec.parameters()]
        opts = {"G": torch.optim.Adam(nets, lr=self.cfg.lr, betas=betas)}
        if self.disc is not None:
            opts["D"] = torch.optim.Adam(self.disc.parameters(), lr=self.cfg.lr, betas=betas)
        return opts

    def example_batch(self, n: int, *, generator: torch.Generator | None = None) -> dict:
        """Random zero-pair batch: ``rs_rgb``, ``rs_seg``, ``rd_rgb``, ``rd_depth``."""
        s, k = self.cfg.image_size, self.cfg.num_classes
        return {
            "rs_rgb": torch.rand(n, 3, s, s, generator=generator) * 2 - 1,
            "rs_seg": torch.randint(0, k, (n, s, s), generator=generator),
            "rd_rgb": torch.rand(n, 3, s, s, generator=generator) * 2 - 1,
            "rd_depth": torch.rand(n, 1, s, s, generator=generator) * 2 - 1,
        }

    def stage(self, step: int) -> int:
        """1: seen translations; 2: + autoencoders, latent loss, noise, f_R frozen; 3: + PP."""
        if step < self.cfg.stage2_start:
            return 1
        return 3 if step >= self.cfg.pp_start and self.cfg.lambda_pp > 0 else 2

    def encode(self, m: str, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``f_m(x)``: latent (N, C, h, w) and pooling indices; seg (N, H, W) is one-hot first."""
        if m == "seg":
            known = (x >= 0).unsqueeze(1)  # (N, 1, H, W): "unknown" (-1) pixels encode as 0
            x = F.one_hot(x.clamp_min(0), self.cfg.num_classes).permute(0, 3, 1, 2) * known
            x = x.float()  # (N, K, H, W) one-hot
        return self.enc[m](x)

    def pairs(self, batch: dict) -> dict[str, torch.Tensor]:
        """The seen pairs of a batch: zero-pair keys, or full triplets (``rgb``, ``seg``, ...).

        Raises:
            ValueError: for images of another size, or ``supervise_unseen`` without triplets.
        """
        if "rgb" in batch:  # triplets: both seen pairs come from the same scenes
            p = {"x_rs": batch["rgb"], "y": batch["seg"], "x_rd": batch["rgb"]}
            p["z"] = batch["depth"]
        elif "rs_rgb" in batch:
            p = {"x_rs": batch["rs_rgb"], "y": batch["rs_seg"], "x_rd": batch["rd_rgb"]}
            p["z"] = batch["rd_depth"]
            if self.cfg.supervise_unseen:
                raise ValueError(
                    "supervise_unseen trains depth <-> seg and needs triplets (keys rgb, depth, "
                    "seg); a zero-pair batch has none: load 'scenes' instead"
                )
        else:
            raise KeyError(f"expected zero-pair keys rs_rgb, ... or triplets; got {sorted(batch)}")
        if p["x_rs"].shape[-1] != self.cfg.image_size:
            raise ValueError(
                f"images are {p['x_rs'].shape[-1]} px, the config says image_size="
                f"{self.cfg.image_size}; load the data at that resolution"
            )
        return p

    def decode(self, code, target: str, noise: float = 0.0) -> torch.Tensor:
        """``g_target`` of an encoded ``(h, indices)``, with ``noise`` std added to h."""
        h, idx = code
        if noise > 0:
            h = h + noise * torch.randn_like(h)
        return self.dec[target](h, idx)

    def g_terms(
        self, p: dict[str, torch.Tensor], step: int
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """The weighted terms of Sec. 4.4.3 active at ``step`` but the adversarial one.

        Returns:
            The terms by log name, and the decoded RGB images (M, 3, H, W) that
            :meth:`adversarial_term` and the discriminator judge.
        """
        cfg, stage = self.cfg, self.stage(step)
        sigma = cfg.latent_noise if stage >= 2 else 0.0
        lam_rgb = cfg.lambda_r * cfg.lambda_l2 if stage == 1 else cfg.lambda_r_2 * cfg.lambda_l2_2
        with torch.set_grad_enabled(stage == 1):  # Sec. 4.6.1: stage 2 freezes the RGB encoder
            c_rs, c_rd = self.encode("rgb", p["x_rs"]), self.encode("rgb", p["x_rd"])
        c_s, c_d = self.encode("seg", p["y"]), self.encode("depth", p["z"])

        def ce(code, y):  # Eq. (4.7)-(4.8): cross-entropy of g_S's logits
            return F.cross_entropy(self.decode(code, "seg", sigma), y, ignore_index=-1)

        def bh(code, z):  # Eq. (4.4)-(4.6): Berhu of g_D's depth
            return berhu(self.decode(code, "depth", sigma) - z)

        seg, depth = [ce(c_rs, p["y"])], [bh(c_rd, p["z"])]  # T_RS, T_RD
        fakes, reals = [self.decode(c, "rgb", sigma) for c in (c_s, c_d)], [p["x_rs"], p["x_rd"]]
        if cfg.use_autoencoders and stage >= 2:  # T_SS, T_DD, T_RR
            seg.append(ce(c_s, p["y"]))
            depth.append(bh(c_d, p["z"]))
            fakes += [self.decode(c, "rgb", sigma) for c in (c_rs, c_rd)]
            reals += [p["x_rs"], p["x_rd"]]
        terms = {
            "seg": cfg.lambda_s * sum(seg),
            "depth": cfg.lambda_d * sum(depth),
            "rgb_l2": lam_rgb * sum(F.mse_loss(f, r) for f, r in zip(fakes, reals)),  # (4.1)-(4.3)
        }
        if stage >= 2 and cfg.lambda_a > 0:  # Eq. (4.9)-(4.11): latent consistency
            lat = F.mse_loss(c_s[0], c_rs[0]) + F.mse_loss(c_d[0], c_rd[0])
            terms["latent"] = cfg.lambda_a * lat
        if stage == 3:
            terms["pp"] = cfg.lambda_pp * self.pseudo_pair_loss(c_rs, c_rd, c_s, c_d, sigma)
        if cfg.supervise_unseen:  # the oracle: the unseen pair T_DS, T_SD supervised
            terms["unseen"] = cfg.lambda_s * ce(c_d, p["y"]) + cfg.lambda_d * bh(c_s, p["z"])
        return terms, torch.cat(fakes)

    def adversarial_term(self, fakes: torch.Tensor, step: int) -> torch.Tensor:
        """lambda_R times the LSGAN generator loss of every decoded RGB image."""
        lam_r = self.cfg.lambda_r if self.stage(step) == 1 else self.cfg.lambda_r_2
        return lam_r * self.cfg.lambda_gan * g_lsgan(self.disc(fakes))

    def pseudo_pair_loss(self, c_rs, c_rd, c_s, c_d, sigma: float) -> torch.Tensor:
        """Eq. (4.12)-(4.13): the seen RGB translators' outputs as targets of the unseen ones.

        The targets ``T_RD(x)`` and ``argmax T_RS(x)`` are detached: pseudo-pairs never update
        the translators involving RGB (Fig. 4.8's red line).
        """
        with torch.no_grad():
            depth_target = self.decode(c_rs, "depth")  # T_RD(x) on D_RS
            seg_target = self.decode(c_rd, "seg").argmax(1)  # T_RS(x) on D_RD
        depth_pp = berhu(self.decode(c_s, "depth", sigma) - depth_target)  # T_SD(y)
        seg_pp = F.cross_entropy(self.decode(c_d, "seg", sigma), seg_target)  # T_DS(z)
        return depth_pp + seg_pp

    def training_step(self, batch: dict, step: int, opt: Stepper) -> dict[str, float]:
        p = self.pairs(batch)
        if self.stage(step) == 3:  # Sec. 4.6.1: stage 3 runs at a tenth of the learning rate
            opt.set_lr({"G": [self.cfg.lr_pp]})
        terms, fakes = self.g_terms(p, step)
        logs = {}
        if self.disc is not None:  # the discriminator C of L_GAN: real RGB against decoded RGB
            real = torch.cat([p["x_rs"], p["x_rd"]])
            loss_d = self.cfg.lambda_gan * d_lsgan(self.disc(real), self.disc(fakes.detach()))
            opt.step("D", loss_d)
            logs["loss/d"] = loss_d.item()
            terms["rgb_adv"] = self.adversarial_term(fakes, step)
        loss_g = sum(terms.values())
        opt.step("G", loss_g)
        logs["loss/g"] = loss_g.item()
        logs.update({f"loss/g_{k}": v.item() for k, v in terms.items()})
        return logs

    @torch.no_grad()
    def translate(
        self,
        a: torch.Tensor,
        z: torch.Tensor | None = None,
        *,
        source: str = "depth",
        target: str = "seg",
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """``T_source,target(a) = g_target(f_source(a))``, seen or unseen (deterministic).

        Args:
            a: (N, 3, H, W) RGB or (N, 1, H, W) depth in [-1, 1], or (N, H, W) int64 seg.
            source, target: modalities in :data:`MODALITIES`.

        Returns:
            seg: (N, K, H, W) logits; depth: (N, 1, H, W) in about [-1, 1]; RGB in [-1, 1].
        """
        if source not in MODALITIES or target not in MODALITIES:
            raise ValueError(
                f"source and target must be in {MODALITIES}, got {source!r}, {target!r}"
            )
        return self.decode(self.encode(source, a), target)
