"""pix2pix: conditional GAN with an L1 term (Isola et al. 2017, arXiv:1611.07004).

``G(a, z)`` translates a source image ``a`` into the target domain; a PatchGAN ``D`` judges
(source, output) pairs; an L1 term ties the output to the paired target ``b`` (Eq. 4). With
``z_dim = 0`` the generator is deterministic, as in Isola et al. (whose only noise is dropout);
with ``z_dim > 0`` it is the *pix2pix + noise* baseline of BicycleGAN (Zhu et al. 2017,
arXiv:1711.11586, Sec. 3.1), the model Chapter 2 shows ignoring its code: since the L1 term
rewards one output per input, G learns to produce it whatever z is (mode collapse).

``lambda_ms > 0`` adds MSGAN's mode-seeking term (Mao et al. 2019, arXiv:1903.05628, Eq. 3-4);
:mod:`companion.methods.msgan` is that method.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from companion.config import PresetConfig
from companion.data.registry import REGISTRY
from companion.losses import ADVERSARIAL_LOSSES, mode_seeking_ratio, reconstruction_l1
from companion.methods.base import Method, register_method
from companion.nets import MultiScaleDiscriminator, ResNetGenerator, UNetGenerator, init_weights

__all__ = [
    "SHAPES_32",
    "Pix2Pix",
    "Pix2PixConfig",
    "adversarial_d_loss",
    "adversarial_g_loss",
    "diversity_preview",
    "source_and_target",
]


SHAPES_32 = dict(
    dataset="shapes",
    direction="AtoB",
    image_size=32,
    num_downs=3,
    ngf=16,
    ndf=16,
    d_layers=2,
    use_dropout=False,
    batch_size=16,
    lr=6e-4,
)
"""The pix2pix family's ``cpu`` networks on 32x32 ``shapes``; each method's ``cpu`` preset adds
its own fields to these.

Sized so that three of these models train in about a minute on 2 CPU cores (Chapter 2.4):
about 50 ms per pix2pix step and 90 ms per BicycleGAN or MSGAN step. The learning rate is 3x
the papers' 2e-4, which at batch 16 reaches in 250-300 steps what 2e-4 reached in 600-800 in
our calibration (coverage of MSGAN vs pix2pix + noise, 3 seeds each)."""


@dataclasses.dataclass(frozen=True)
class Pix2PixConfig(PresetConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (facades at 256x256).

    The defaults follow BicycleGAN's pix2pix + noise baseline, which shares BicycleGAN's code
    and settings; Isola et al.'s own pix2pix is ``z_dim=0, lambda_l1=100,
    gan_loss=nonsaturating, norm=batch``.
    """

    dataset: str = "facades"  # Isola et al. Sec. 4 (CMP facades, 400 training pairs)
    direction: str = "BtoA"  # facades AB files hold photo|labels; labels -> photo is BtoA
    image_size: int = 256  # Isola et al. Sec. 4 (random jitter 286 -> 256 aside)
    in_channels: int = 3
    out_channels: int = 3
    z_dim: int = 8  # BicycleGAN Sec. 4: |z| = 8; 0 = deterministic pix2pix (Isola et al.)
    z_injection: str = "input"  # BicycleGAN Sec. 3.1: noise added at G's input (Fig. 6)
    generator: str = "unet"  # Isola et al. Sec. 3.2.1: U-Net (or "resnet", CycleGAN's)
    num_downs: int = 8  # unet_256: 256 -> 1 (Isola et al. App. 6.1.1)
    ngf: int = 64  # Isola et al. App. 6.1.1: C64 first layer
    resnet_blocks: int = 9  # only for generator="resnet" (CycleGAN App. 7.2)
    use_dropout: bool = True  # Isola et al. Sec. 3.1: dropout in G, at train and test time
    norm: str = "instance"  # BicycleGAN code; Isola et al. batch norm at batch 1 is the same
    init_type: str = "normal"  # Isola et al. Sec. 3.3: N(0, 0.02)
    conditional_d: bool = True  # Isola et al. Eq. (1): D sees (a, b)
    ndf: int = 64  # Isola et al. App. 6.1.2: C64-C128-C256-C512
    d_layers: int = 3  # 70x70 PatchGAN (Isola et al. Sec. 4.4)
    d_scales: int = 1  # one PatchGAN (BicycleGAN uses 2)
    gan_loss: str = "lsgan"  # BicycleGAN Sec. 4 (LSGAN, Mao et al. 2017); Isola et al.: NS loss
    lambda_gan: float = 1.0
    lambda_l1: float = 10.0  # BicycleGAN Sec. 4 (lambda = 10); Isola et al. Sec. 4 use 100
    lambda_ms: float = 0.0  # MSGAN Eq. (4) weight; 0 = off (plain pix2pix)
    lr: float = 2e-4  # Isola et al. Sec. 3.3: Adam, lr 2e-4
    beta1: float = 0.5  # Isola et al. Sec. 3.3: beta1 0.5
    beta2: float = 0.999  # PyTorch default, as in the pix2pix code
    batch_size: int = 1  # Isola et al. Sec. 4: batch 1 on facades

    @classmethod
    def cpu(cls) -> Pix2PixConfig:
        """Shapes at 32x32: a 3-level U-Net (ngf 16) with z tiled at the input, batch 16."""
        return dataclasses.replace(cls(), **SHAPES_32)

    @classmethod
    def smoke(cls) -> Pix2PixConfig:
        return dataclasses.replace(cls.cpu(), num_downs=2, ngf=8, ndf=8, d_layers=1, batch_size=4)

    def for_dataset(self, name: str) -> Pix2PixConfig:
        """Train on ``name``, in the direction of its pix2pix training script for a real set.

        The registry holds the direction each paired set is usually trained in (facades
        labels -> photo is "BtoA", edges2shoes "AtoB"); synthetic sets keep this config's.

        Example:
            >>> Pix2PixConfig().for_dataset("edges2shoes").direction
            'AtoB'
        """
        cfg = super().for_dataset(name)
        if name in REGISTRY:
            cfg = dataclasses.replace(cfg, direction=REGISTRY[name].direction)
        return cfg


def source_and_target(batch: Any, direction: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The (source, target) images of a paired batch ``{"a", "b", ...}`` for ``direction``.

    Raises:
        ValueError: for a direction other than "AtoB" or "BtoA".
        KeyError: for a batch without "a" and "b".
    """
    if direction not in ("AtoB", "BtoA"):
        raise ValueError(f"direction must be 'AtoB' or 'BtoA', got {direction!r}")
    if "a" not in batch or "b" not in batch:
        raise KeyError(f"a paired batch needs 'a' and 'b' entries, got keys {sorted(batch)}")
    a, b = batch["a"], batch["b"]
    return (a, b) if direction == "AtoB" else (b, a)


def adversarial_d_loss(
    d: nn.Module, d_loss: Callable, x_real: torch.Tensor, x_fakes: Sequence[torch.Tensor]
) -> torch.Tensor:
    """Discriminator loss summed over D's scales and over several fake batches (detached here)."""
    logits_real = d(x_real)
    total = 0.0
    for x_fake in x_fakes:
        total = total + sum(d_loss(r, f) for r, f in zip(logits_real, d(x_fake.detach())))
    return total


def adversarial_g_loss(
    d: nn.Module, g_loss: Callable, x_fakes: Sequence[torch.Tensor]
) -> torch.Tensor:
    """Generator loss summed over D's scales and over several fake batches."""
    return sum(g_loss(f) for x_fake in x_fakes for f in d(x_fake))


def diversity_preview(
    translate: Callable[..., torch.Tensor],
    a: torch.Tensor,
    b: torch.Tensor,
    k: int = 4,
    rows: int = 4,
) -> torch.Tensor:
    """Rows of [source, target, k samples]: ((rows * (k + 2)), C, H, W) in [-1, 1]."""
    a, b = a[:rows], b[:rows]
    gen = torch.Generator(device=a.device).manual_seed(0)
    samples = [translate(a, generator=gen) for _ in range(k)]  # k x (R, C, H, W)
    grid = torch.stack([a[:, :3], b, *samples], dim=1)  # (R, k + 2, C, H, W)
    return grid.flatten(0, 1)  # (R * (k + 2), C, H, W)


def build_generator(cfg: Pix2PixConfig) -> nn.Module:
    """The generator a pix2pix-family config asks for (U-Net or ResNet), initialised."""
    common = dict(
        z_dim=cfg.z_dim,
        ngf=cfg.ngf,
        norm=cfg.norm,
        injection=cfg.z_injection,
        use_dropout=cfg.use_dropout,
    )
    if cfg.generator == "unet":
        g = UNetGenerator(cfg.in_channels, cfg.out_channels, num_downs=cfg.num_downs, **common)
    elif cfg.generator == "resnet":
        g = ResNetGenerator(
            cfg.in_channels, cfg.out_channels, num_blocks=cfg.resnet_blocks, **common
        )
    else:
        raise ValueError(f"generator must be 'unet' or 'resnet', got {cfg.generator!r}")
    return init_weights(g, cfg.init_type)


def build_discriminator(cfg: Pix2PixConfig, conditional: bool) -> nn.Module:
    """A (multi-scale) PatchGAN on ``b`` or on ``cat(a, b)``, initialised."""
    c = cfg.out_channels + (cfg.in_channels if conditional else 0)
    d = MultiScaleDiscriminator(
        c, ndf=cfg.ndf, num_layers=cfg.d_layers, num_scales=cfg.d_scales, norm=cfg.norm
    )
    return init_weights(d, cfg.init_type)


def check_gan_loss(name: str) -> tuple[Callable, Callable]:
    """(d_loss, g_loss) for a config's ``gan_loss`` (WGAN-GP would need its penalty: refused)."""
    if name not in ADVERSARIAL_LOSSES or name == "wgan-gp":
        raise ValueError(f"gan_loss must be 'lsgan', 'nonsaturating' or 'hinge', got {name!r}")
    return ADVERSARIAL_LOSSES[name]


@register_method
class Pix2Pix(Method):
    """pix2pix and pix2pix + noise: ``G(a, z)`` with a conditional PatchGAN and L1.

    Example:
        >>> model = Pix2Pix(Pix2PixConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = Pix2PixConfig
    name = "pix2pix"

    def __init__(self, cfg: Pix2PixConfig) -> None:
        super().__init__(cfg)
        if cfg.lambda_ms > 0 and cfg.z_dim == 0:
            raise ValueError("the mode-seeking term needs codes: set z_dim > 0 or lambda_ms=0")
        self.d_loss, self.g_loss = check_gan_loss(cfg.gan_loss)
        self.G = build_generator(cfg)
        self.D = build_discriminator(cfg, cfg.conditional_d)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        betas = (self.cfg.beta1, self.cfg.beta2)
        return {
            "D": torch.optim.Adam(self.D.parameters(), lr=self.cfg.lr, betas=betas),
            "G": torch.optim.Adam(self.G.parameters(), lr=self.cfg.lr, betas=betas),
        }

    def pair(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """What D sees: ``cat(a, b)`` (N, C_a + C_b, H, W) if conditional, else ``b``."""
        return torch.cat([a, b], dim=1) if self.cfg.conditional_d else b

    def sample_code(
        self, n: int, like: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor | None:
        """``z ~ N(0, I)`` of shape (n, z_dim) on ``like``'s device, or None if deterministic."""
        if self.cfg.z_dim == 0:
            return None
        return torch.randn(n, self.cfg.z_dim, device=like.device, generator=generator)

    def training_step(self, batch: Any, step: int, opt: Any) -> dict[str, float]:
        cfg = self.cfg
        a, b = source_and_target(batch, cfg.direction)  # (N, C, H, W) each, in [-1, 1]
        n = a.shape[0]
        z_1 = self.sample_code(n, a)
        b_fakes = [self.G(a, z_1)]
        if cfg.lambda_ms > 0:  # MSGAN: a second output for the same input (Eq. 3)
            z_2 = self.sample_code(n, a)
            b_fakes.append(self.G(a, z_2))

        # Eq. (1): D tells real pairs (a, b) from generated pairs (a, G(a, z)).
        loss_d = adversarial_d_loss(
            self.D, self.d_loss, self.pair(a, b), [self.pair(a, f) for f in b_fakes]
        )
        opt.step("D", loss_d)

        # Eq. (4): G fools D and stays close to b in L1.
        loss_gan = adversarial_g_loss(self.D, self.g_loss, [self.pair(a, f) for f in b_fakes])
        loss_l1 = reconstruction_l1(b_fakes[0], b)
        loss_g = cfg.lambda_gan * loss_gan + cfg.lambda_l1 * loss_l1
        logs = {}
        if cfg.lambda_ms > 0:  # MSGAN Eq. (4): minimise 1 / (d_I / d_z + eps)
            loss_ms = mode_seeking_ratio(b_fakes[0], b_fakes[1], z_1, z_2)
            loss_g = loss_g + cfg.lambda_ms * loss_ms
            logs["loss/ms"] = loss_ms.item()
        opt.step("G", loss_g)
        return {
            "loss/d": loss_d.item(),
            "loss/g": loss_g.item(),
            "loss/gan": loss_gan.item(),
            "loss/l1": loss_l1.item(),
            **logs,
        }

    @torch.no_grad()
    def translate(
        self,
        a: torch.Tensor,
        z: torch.Tensor | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Outputs (N, C_out, H, W) in [-1, 1] for sources ``a``; z ~ N(0, I) when None."""
        if z is None:
            z = self.sample_code(a.shape[0], a, generator)
        return self.G(a, z)

    @torch.no_grad()
    def preview(self, batch: Any) -> torch.Tensor:
        """Four inputs, each as a row [source, target, four samples]."""
        a, b = source_and_target(batch, self.cfg.direction)
        return diversity_preview(self.translate, a, b)
