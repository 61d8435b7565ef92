"""SDIT: scalable and diverse cross-domain image translation (Y. Wang, PhD thesis, Ch. 6; ACM MM
2019; the book's seed paper 003).

One encoder-generator serves all C domains, conditioned on the target label (StarGAN's
scalability), and samples many outputs per input and domain by feeding a code ``z`` through a
mapping network ``M`` into conditional instance norms in the bottleneck (MUNIT's diversity). An
attention mask in the bottleneck keeps the change where the domain lives (Eq. 6.9). The
discriminator has three heads: real/fake (Eq. 6.1), an AC-GAN domain classifier (Eq. 6.3-6.5)
and ``F_rec``, which regresses ``z`` from a generated image so that the code is not ignored
(Eq. 6.6). A cycle back to the source domain with the same code keeps the content (Eq. 6.7).

Our reading where the thesis is loose: ``F_rec`` is applied to the *generated* image (Eq. 6.6
prints ``F_rec(x)``) and trained on the D side too (the released code never trains it); D
*minimises* ``L_REAL`` (Eq. 6.8 puts it under ``max_D``). The conditional instance norm adds a
learned per-domain base ``(gamma_l, beta_l)`` (Dumoulin et al. 2017) to M's modulation (see
:class:`~companion.nets.conditional.ConditionalInstanceNorm`); the thesis' Eq. 6.10 has the
modulation alone.

Batches are single-domain samples ``{"x": (N, 3, H, W), "y": (N,) domain}``; the target domain of
each sample is drawn uniformly at every step.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch
import torch.nn.functional as F

from companion.config import PresetConfig
from companion.losses import d_nonsaturating, g_nonsaturating, latent_regression_l1
from companion.losses import reconstruction_l1 as l1
from companion.methods.base import Method, register_method
from companion.nets.conditional import SDITDiscriminator, SDITGenerator
from companion.stepper import Stepper

__all__ = ["SDIT", "SDITConfig"]


@dataclasses.dataclass(frozen=True)
class SDITConfig(PresetConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (CelebA, 5 attributes, 128x128)."""

    settings_key = "sdit"

    dataset: str = "celeba_domains"  # Sec. 6.5.1: CelebA, 178x218 crops resized to 128x128
    image_size: int = 128  # Sec. 6.5.1
    num_domains: int = 5  # Table 6.1: bangs, blond hair, brown hair, young, male
    z_dim: int = 8  # Sec. 6.4: F_rec's last layer "from 32 units to 8"
    conv_dim: int = 64  # Sec. 6.4 (released code: g_conv_dim 64)
    num_res: int = 6  # Sec. 6.4: "3 convolutional layers and 6 blocks"
    num_cin: int = 4  # released code n_res 4; M's 4096 outputs = 4 x 2 x 2 x 256
    mlp_dim: int = 256  # Sec. 6.4: "M consists of two fully connected layers with 256 and 4096"
    use_attention: bool = True  # Eq. (6.9); off for scenes and artworks (Sec. 6.5.3)
    cin_mode: str = "both"  # Fig. 6.6: "both", "gamma" (scale only) or "beta" (shift only)
    d_conv_dim: int = 64  # released code: d_conv_dim 64
    d_layers: int = 6  # Sec. 6.4: "six convolutional layers with 4x4 and stride 2"
    lambda_gan: float = 10.0  # Sec. 6.5: lambda_GAN = 10
    lambda_fake: float = 1.0  # Sec. 6.5: lambda_FAKE = 1
    lambda_real: float = 1.0  # Sec. 6.5: lambda_REAL = 1
    lambda_lat: float = 10.0  # Sec. 6.5: lambda_LAT = 10
    lambda_rec: float = 800.0  # Sec. 6.5: lambda_REC = 800 (released code: 10)
    lr: float = 1e-4  # Sec. 6.5: Adam, learning rate 0.0001
    beta1: float = 0.5  # Sec. 6.5: (beta1, beta2) = (0.5, 0.999)
    beta2: float = 0.999
    batch_size: int = 16  # Sec. 6.5: 16 for faces (4 for the other datasets)

    @classmethod
    def cpu(cls) -> SDITConfig:
        """Four colour domains of shapes at 32x32 with small networks.

        The thesis' balance (lambda_GAN 10, lambda_REC 800, lr 1e-4) is replaced by the
        released code's lambda_REC = 10 with lambda_GAN = 1 and lr 4e-4: with the thesis'
        values, 300 steps (seed 0) reached the target domain in 25% of outputs (chance for 4
        domains); with these, 100% on seeds 0-2 (Chapter 9.2).
        """
        return dataclasses.replace(
            cls(),
            dataset="shapes_domains",
            image_size=32,
            num_domains=4,
            conv_dim=16,
            num_res=2,
            num_cin=2,
            mlp_dim=64,
            d_conv_dim=16,
            d_layers=3,
            lambda_gan=1.0,
            lambda_rec=10.0,
            lr=4e-4,
        )

    @classmethod
    def smoke(cls) -> SDITConfig:
        return dataclasses.replace(
            cls.cpu(), conv_dim=4, num_res=1, num_cin=1, mlp_dim=16, d_conv_dim=4, d_layers=2,
            batch_size=4,
        )  # fmt: skip


@register_method
class SDIT(Method):
    """One generator for C domains, diverse by CIN in the bottleneck, with attention.

    Example:
        >>> model = SDIT(SDITConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32), target=torch.tensor([1, 3])).shape
        torch.Size([2, 3, 32, 32])
    """

    Config: ClassVar[type[SDITConfig]] = SDITConfig
    name = "sdit"

    def __init__(self, cfg: SDITConfig) -> None:
        super().__init__(cfg)
        self.G = SDITGenerator(
            cfg.num_domains,
            cfg.z_dim,
            conv_dim=cfg.conv_dim,
            num_res=cfg.num_res,
            num_cin=cfg.num_cin,
            mlp_dim=cfg.mlp_dim,
            use_attention=cfg.use_attention,
            cin_mode=cfg.cin_mode,
        )
        self.D = SDITDiscriminator(
            cfg.num_domains, cfg.z_dim, cfg.image_size, cfg.d_conv_dim, cfg.d_layers
        )
        for net in (self.G, self.D):  # Sec. 6.5: "weights following a Gaussian distribution"
            for m in net.modules():
                if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
                    torch.nn.init.normal_(m.weight, 0.0, 0.02)
                    torch.nn.init.zeros_(m.bias)

    @property
    def code_dim(self) -> int:
        return self.cfg.z_dim

    def unpack(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Images ``x`` (N, 3, S, S) and their domains ``y`` (N,) int64, checked.

        Raises:
            KeyError: for a batch without "x" and "y".
            ValueError: for another image size or a domain outside [0, num_domains).
        """
        if "x" not in batch or "y" not in batch:
            raise KeyError(f"an SDIT batch needs 'x' and 'y' (domain) entries, got {sorted(batch)}")
        x, y = batch["x"], batch["y"].long()
        s, c = self.cfg.image_size, self.cfg.num_domains
        if tuple(x.shape[1:]) != (3, s, s):
            raise ValueError(
                f"sdit is configured for (3, {s}, {s}) images, got {tuple(x.shape[1:])}; load the "
                f"data at resolution={s} or set image_size"
            )
        if len(y) and (y.min() < 0 or y.max() >= c):
            raise ValueError(f"domains must lie in [0, {c}), got {y.tolist()}; set num_domains")
        return x, y

    def example_batch(
        self, n: int, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        """Random images and domains: ``{"x": (n, 3, S, S), "y": (n,)}``."""
        s = self.cfg.image_size
        x = torch.rand(n, 3, s, s, generator=generator) * 2 - 1
        return {"x": x, "y": torch.randint(0, self.cfg.num_domains, (n,), generator=generator)}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        betas, lr = (self.cfg.beta1, self.cfg.beta2), self.cfg.lr
        return {
            "D": torch.optim.Adam(self.D.parameters(), lr=lr, betas=betas),
            "G": torch.optim.Adam(self.G.parameters(), lr=lr, betas=betas),
        }

    def d_terms(self, x_real, y_src, x_fake, z) -> dict[str, torch.Tensor]:
        """D's weighted terms: Eq. (6.1) real vs fake, Eq. (6.4) L_REAL, Eq. (6.6) on F_rec."""
        cfg = self.cfg
        src_real, cls_real, _ = self.D(x_real)
        src_fake, _, z_rec = self.D(x_fake.detach())
        return {
            "adv": cfg.lambda_gan * d_nonsaturating(src_real, src_fake),
            "cls": cfg.lambda_real * F.cross_entropy(cls_real, y_src),
            "lat": cfg.lambda_lat * latent_regression_l1(z_rec, z),
        }

    def g_terms(self, x_real, y_src, y_trg, x_fake, z) -> dict[str, torch.Tensor]:
        """G's weighted terms: Eq. (6.1), (6.3) L_FAKE, (6.6) L_LAT, (6.7) L_REC (same z)."""
        cfg = self.cfg
        src, cls, z_rec = self.D(x_fake)
        x_rec, _ = self.G(x_fake, y_src, z)  # back to the source domain with the same code
        return {
            "adv": cfg.lambda_gan * g_nonsaturating(src),
            "cls": cfg.lambda_fake * F.cross_entropy(cls, y_trg),
            "lat": cfg.lambda_lat * latent_regression_l1(z_rec, z),
            "rec": cfg.lambda_rec * l1(x_rec, x_real),
        }

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        """Eq. (6.8): a D step on its three heads, then a G step (E, M, T^c, T^a, decoder)."""
        x_real, y_src = self.unpack(batch)
        n = len(x_real)
        y_trg = torch.randint(0, self.cfg.num_domains, (n,), device=x_real.device)
        z = self.sample_codes(n, device=x_real.device)
        x_fake, attn = self.G(x_real, y_trg, z)
        d_terms = self.d_terms(x_real, y_src, x_fake, z)
        loss_d = sum(d_terms.values())
        opt.step("D", loss_d)
        g_terms = self.g_terms(x_real, y_src, y_trg, x_fake, z)
        loss_g = sum(g_terms.values())
        opt.step("G", loss_g)
        return {
            "loss/d": loss_d.item(),
            "loss/g": loss_g.item(),
            **{f"loss/d_{k}": v.item() for k, v in d_terms.items()},
            **{f"loss/g_{k}": v.item() for k, v in g_terms.items()},
            "attention/mean": attn.mean().item(),
        }

    @torch.no_grad()
    def translate(
        self,
        x: torch.Tensor,
        z: torch.Tensor | None = None,
        *,
        target: torch.Tensor | int = 0,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Translate images ``x`` (N, 3, H, W) in [-1, 1] to domains ``target`` (int or (N,)).

        With ``z = None`` the codes are drawn from N(0, I) with ``generator``.
        """
        target = torch.as_tensor(target, device=x.device).long().expand(len(x))
        if z is None:
            z = self.sample_codes(len(x), generator=generator, device=x.device)
        return self.G(x, target, z)[0]

    @torch.no_grad()
    def attention(self, x: torch.Tensor, target: torch.Tensor | int) -> torch.Tensor:
        """The attention mask ``a = T^a(E(x, l))``: (N, 1, H / 4, W / 4) in [0, 1]."""
        target = torch.as_tensor(target, device=x.device).long().expand(len(x))
        return self.G.attention(self.G.encode(x, target))

    @torch.no_grad()
    def preview(self, batch: Any) -> torch.Tensor:
        """Four inputs, each as a row [input, one output per domain] (same code per row)."""
        x, _ = self.unpack(batch)
        x = x[:4]
        gen = torch.Generator(device=x.device).manual_seed(0)
        z = self.sample_codes(len(x), generator=gen, device=x.device)
        outs = [self.translate(x, z, target=d) for d in range(self.cfg.num_domains)]
        return torch.stack([x, *outs], dim=1).flatten(0, 1)  # (4 (C + 1), 3, H, W)
