"""The conditional translation family: what every ``G(a, z)`` method of the book shares.

pix2pix + noise, BicycleGAN, MSGAN, cLR-GAN and SEGAN (and the later chapters' translators) all
translate a source image ``a`` with a code ``z`` into the target domain, ``b_hat = G(a, z)``, and
judge ``b_hat`` with a PatchGAN discriminator. This module holds what they share, so that each
paper's module holds only what its paper adds:

- :class:`TranslationConfig`: the fields every member reads (networks, adversarial loss, code
  size, image size, optimizer, batch); a paper's Config adds its own weights and networks;
- :class:`TranslationMethod`: builds ``G`` and ``D``, unpacks a batch into ``(a, b)`` (the data
  layer has already put it in the paper's direction), pairs ``(a, b)`` for a conditional ``D``,
  draws codes, runs the family's D-then-G step, translates;
- :class:`GeneratorTerm`: the one hook through which an extra generator loss (MSGAN's mode
  seeking, MISO's MILO, UDIT's semantic constraint) joins any member's G step;
- :func:`build_encoder`: the ResNet encoder of targets that BicycleGAN and cLR-GAN share.

Log keys follow one vocabulary for every method: ``loss/d`` and ``loss/g`` (what each optimizer
minimised), ``loss/g_<term>`` for each weighted generator term, ``mi/<bound>`` for MI estimates
in nats.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import torch
from torch import nn

from companion.config import PresetConfig
from companion.losses import ADVERSARIAL_LOSSES
from companion.methods.base import Method
from companion.nets import (
    MultiScaleDiscriminator,
    ResNetEncoder,
    ResNetGenerator,
    UNetGenerator,
    init_weights,
)
from companion.stepper import Stepper

__all__ = [
    "SHAPES_32",
    "GeneratorTerm",
    "TranslationConfig",
    "TranslationMethod",
    "Translations",
    "build_encoder",
    "diversity_preview",
]

SHAPES_32: dict[str, Any] = dict(
    dataset="shapes",
    image_size=32,
    num_downs=3,
    ngf=16,
    ndf=16,
    d_layers=2,
    use_dropout=False,
    batch_size=16,
    lr=6e-4,
)
"""The family's ``cpu`` networks on 32x32 ``shapes``; each method's ``cpu`` preset adds its own
fields to these.

Sized so that three of these models train in about a minute on 2 CPU cores (Chapter 2.4):
about 50 ms per pix2pix step and 90 ms per BicycleGAN or MSGAN step. The learning rate is 3x
the papers' 2e-4, which at batch 16 reaches in 250-300 steps what 2e-4 reached in 600-800
(coverage of MSGAN vs pix2pix + noise, 3 seeds each)."""


SHAPES_SMOKE: dict[str, Any] = dict(num_downs=2, ngf=8, ndf=8, d_layers=1, batch_size=4)
"""What every family member's ``smoke`` preset shrinks on top of its ``cpu`` preset: the least
network that still runs every code path (two U-Net levels, one D layer, batch 4)."""


@dataclasses.dataclass(frozen=True)
class TranslationConfig(PresetConfig):
    """Fields every conditional translation method reads; defaults are BicycleGAN's settings.

    ``dataset`` and ``batch_size`` are read by the trainer and the command line (which data,
    how many per step), every other field by the method itself.
    """

    dataset: str = "facades"  # the default data of `companion train`
    image_size: int = 256  # Isola et al. Sec. 4; the method refuses batches of another size
    in_channels: int = 3
    out_channels: int = 3
    z_dim: int = 8  # BicycleGAN Sec. 4: |z| = 8; 0 = deterministic (pix2pix without noise)
    z_injection: str = "input"  # BicycleGAN Sec. 3.1 / Fig. 6: "input" or "all" layers
    generator: str = "unet"  # Isola et al. Sec. 3.2.1: U-Net (or "resnet", CycleGAN's)
    num_downs: int = 8  # unet only: 256 -> 1 (Isola et al. App. 6.1.1)
    ngf: int = 64  # Isola et al. App. 6.1.1: C64 first layer
    resnet_blocks: int = 9  # resnet only (CycleGAN App. 7.2)
    use_dropout: bool = True  # Isola et al. Sec. 3.1: dropout in G
    norm: str = "instance"  # BicycleGAN code; batch norm at batch 1 is the same
    init_type: str = "normal"  # Isola et al. Sec. 3.3: N(0, 0.02)
    conditional_d: bool = True  # Isola et al. Eq. (1): D sees (a, b); BicycleGAN's sees b
    ndf: int = 64  # Isola et al. App. 6.1.2: C64-C128-C256-C512
    d_layers: int = 3  # 70x70 PatchGAN (Isola et al. Sec. 4.4)
    d_scales: int = 1  # PatchGANs at 1, 1/2, ... resolution (BicycleGAN uses 2)
    gan_loss: str = "lsgan"  # BicycleGAN Sec. 4 (LSGAN); Isola et al.: "nonsaturating"
    lambda_gan: float = 1.0
    lr: float = 2e-4  # Isola et al. Sec. 3.3: Adam, lr 2e-4
    beta1: float = 0.5  # Isola et al. Sec. 3.3: beta1 0.5
    beta2: float = 0.999  # PyTorch default, as in the pix2pix code
    batch_size: int = 1  # Isola et al. Sec. 4: batch 1 on facades


@dataclasses.dataclass
class Translations:
    """One batch's translations, shared by a method's discriminator and generator terms.

    Attributes:
        a: (N, C_in, H, W) sources in [-1, 1].
        b: (N, C_out, H, W) targets in [-1, 1] (unpaired: any images of the target domain).
        z: codes (N, D), ``z[0]`` the main one; the rest were drawn for generator terms that
            asked for more outputs of the same inputs (:attr:`GeneratorTerm.extra_outputs`).
        b_fake: ``G(a, z[k])`` for every code, each (N, C_out, H, W); D judges all of them.
        extras: what a method's terms share within the step (e.g. an encoder's posterior).
    """

    a: torch.Tensor
    b: torch.Tensor
    z: list[torch.Tensor | None]
    b_fake: list[torch.Tensor]
    extras: dict[str, Any] = dataclasses.field(default_factory=dict)


class GeneratorTerm(nn.Module):
    """An extra generator loss that plugs into any translation method (the family's hook).

    A subclass sets ``key`` (its log key is ``loss/g_<key>``) and, if it compares several
    outputs of one input, ``extra_outputs``: the method then draws that many more codes per
    input, translates with them and lets D judge those outputs too. ``forward(out)`` returns
    the term's unweighted value; the method adds ``weight * forward(out)`` to G's loss.

    Args:
        weight: the term's weight in G's loss (> 0).

    Raises:
        ValueError: for a weight that is not positive.
    """

    key: ClassVar[str] = "term"
    extra_outputs: ClassVar[int] = 0

    def __init__(self, weight: float) -> None:
        super().__init__()
        if not weight > 0:
            raise ValueError(f"the {self.key} term's weight must be > 0, got {weight}")
        self.weight = float(weight)

    def forward(self, out: Translations) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define forward(out)")


def build_generator(cfg: TranslationConfig) -> nn.Module:
    """The generator a config asks for (U-Net or ResNet, code injected as configured)."""
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


def build_discriminator(cfg: TranslationConfig) -> nn.Module:
    """A (multi-scale) PatchGAN on ``b``, or on ``cat(a, b)`` if ``cfg.conditional_d``."""
    c = cfg.out_channels + (cfg.in_channels if cfg.conditional_d else 0)
    d = MultiScaleDiscriminator(
        c, ndf=cfg.ndf, num_layers=cfg.d_layers, num_scales=cfg.d_scales, norm=cfg.norm
    )
    return init_weights(d, cfg.init_type)


def build_encoder(
    cfg: TranslationConfig,
    nef: int,
    num_blocks: int,
    *,
    gain: float = 0.02,
    logvar_bias: float = 0.0,
) -> ResNetEncoder:
    """BicycleGAN's ResNet encoder of targets, ``E(b) = (mu, logvar)`` of a code, initialised.

    Args:
        cfg: gives the target channels, code size, norm and init.
        nef: first layer's width (BicycleGAN code: 64).
        num_blocks: residual blocks, each halving the resolution.
        gain: the init's gain (BicycleGAN code: 0.02 for every network).
        logvar_bias: initial bias of the log-variance head (0: q(z | b) starts near N(0, I)).
    """
    e = ResNetEncoder(cfg.out_channels, cfg.z_dim, nef=nef, num_blocks=num_blocks, norm=cfg.norm)
    init_weights(e, cfg.init_type, gain)
    nn.init.constant_(e.head.logvar.bias, logvar_bias)
    return e


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


class TranslationMethod(Method):
    """Base of the family: ``G(a, z)``, a PatchGAN ``D``, and the D-then-G step.

    A member defines :meth:`g_terms` (its paper's weighted generator terms) and, where its
    paper differs, :meth:`translations` (which outputs a step makes), :meth:`d_loss`,
    :meth:`configure_optimizers` or :meth:`training_step`.

    Args:
        cfg: the member's config.
        terms: extra generator terms (:class:`GeneratorTerm`) added to G's loss.
    """

    Config: ClassVar[type[TranslationConfig]] = TranslationConfig

    def __init__(self, cfg: TranslationConfig, terms: Sequence[GeneratorTerm] = ()) -> None:
        super().__init__(cfg)
        if cfg.gan_loss not in ADVERSARIAL_LOSSES or cfg.gan_loss == "wgan-gp":
            raise ValueError(
                f"gan_loss must be 'lsgan', 'nonsaturating' or 'hinge', got {cfg.gan_loss!r}"
            )
        self.d_criterion, self.g_criterion = ADVERSARIAL_LOSSES[cfg.gan_loss]
        self.terms = nn.ModuleList(terms)
        if any(t.extra_outputs for t in self.terms) and cfg.z_dim == 0:
            raise ValueError("a term that compares outputs of one input needs codes: set z_dim > 0")
        self.G = self.build_generator(cfg)
        self.D = build_discriminator(cfg)

    def build_generator(self, cfg: TranslationConfig) -> nn.Module:
        """The generator: the family's U-Net or ResNet (a member with its own overrides this)."""
        return build_generator(cfg)

    # -- what every member shares ------------------------------------------------------------

    @property
    def code_dim(self) -> int:
        return self.cfg.z_dim

    def unpack(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """The sources and targets ``(a, b)`` of a batch ``{"a", "b", ...}``, size-checked.

        Raises:
            KeyError: for a batch without "a" and "b".
            ValueError: for images of another size or channel count than the config's.
        """
        if "a" not in batch or "b" not in batch:
            raise KeyError(f"a translation batch needs 'a' and 'b' entries, got {sorted(batch)}")
        a, b = batch["a"], batch["b"]
        cfg = self.cfg
        want = (cfg.in_channels, cfg.image_size, cfg.image_size)
        if tuple(a.shape[1:]) != want or b.shape[1] != cfg.out_channels:
            raise ValueError(
                f"{self.name} is configured for {want} sources and {cfg.out_channels}-channel "
                f"targets, got {tuple(a.shape[1:])} and {tuple(b.shape[1:])}; load the data at "
                f"resolution={cfg.image_size} or set image_size/in_channels/out_channels"
            )
        return a, b

    def example_batch(
        self, n: int, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        """Random sources and targets at the config's size: ``{"a", "b"}``, (n, C, S, S) each."""
        cfg, s = self.cfg, self.cfg.image_size
        a = torch.rand(n, cfg.in_channels, s, s, generator=generator) * 2 - 1
        b = torch.rand(n, cfg.out_channels, s, s, generator=generator) * 2 - 1
        return {"a": a, "b": b}

    def pair(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """What D sees: ``cat(a, b)`` (N, C_a + C_b, H, W) if conditional, else ``b``."""
        return torch.cat([a, b], dim=1) if self.cfg.conditional_d else b

    def code(self, n: int, like: torch.Tensor) -> torch.Tensor | None:
        """``z ~ N(0, I)`` (n, z_dim) on ``like``'s device, or None for a deterministic G."""
        return self.sample_codes(n, device=like.device) if self.cfg.z_dim else None

    def d_adversarial(
        self, d: nn.Module, x_real: torch.Tensor, x_fakes: Sequence[torch.Tensor]
    ) -> torch.Tensor:
        """D's loss summed over its scales and over several fake batches (detached here)."""
        logits_real = d(x_real)
        total = 0.0
        for x_fake in x_fakes:
            pairs = zip(logits_real, d(x_fake.detach()))
            total = total + sum(self.d_criterion(r, f) for r, f in pairs)
        return total

    def g_adversarial(self, d: nn.Module, x_fakes: Sequence[torch.Tensor]) -> torch.Tensor:
        """G's adversarial loss summed over D's scales and over several fake batches."""
        return sum(self.g_criterion(f) for x_fake in x_fakes for f in d(x_fake))

    def hook_terms(self, out: Translations) -> dict[str, torch.Tensor]:
        """The weighted values of the extra :class:`GeneratorTerm` s, by key."""
        return {t.key: t.weight * t(out) for t in self.terms}

    # -- the family's step; members override what their paper changes ------------------------

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        betas = (self.cfg.beta1, self.cfg.beta2)
        return {
            "D": torch.optim.Adam(self.D.parameters(), lr=self.cfg.lr, betas=betas),
            "G": torch.optim.Adam(self.generator_parameters(), lr=self.cfg.lr, betas=betas),
        }

    def generator_parameters(self) -> list[nn.Parameter]:
        """What the "G" optimizer updates: G's parameters (members add E's, T's...)."""
        return list(self.G.parameters())

    def translations(self, a: torch.Tensor, b: torch.Tensor) -> Translations:
        """``G(a, z)`` with a fresh code, plus one per extra output the terms ask for."""
        n = a.shape[0]
        z, b_fake = [], []
        for _ in range(1 + sum(t.extra_outputs for t in self.terms)):
            z.append(self.code(n, a))
            b_fake.append(self.G(a, z[-1]))
        return Translations(a, b, z, b_fake)

    def d_loss(self, out: Translations) -> torch.Tensor:
        """D tells real pairs ``(a, b)`` from generated pairs ``(a, G(a, z))``."""
        a = out.a
        return self.d_adversarial(
            self.D, self.pair(a, out.b), [self.pair(a, f) for f in out.b_fake]
        )

    def g_terms(self, out: Translations) -> dict[str, torch.Tensor]:
        """The paper's generator terms, each already weighted, by name (``adv``, ``l1``, ...)."""
        raise NotImplementedError(f"{type(self).__name__} must define g_terms(out)")

    def probes(self, out: Translations) -> dict[str, float]:
        """Values logged beside the losses (e.g. ``mi/...`` estimates), computed after G's step."""
        return {}

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        """One D step, then one G step on the sum of the generator terms."""
        a, b = self.unpack(batch)
        out = self.translations(a, b)
        loss_d = self.d_loss(out)
        opt.step("D", loss_d)
        terms = {**self.g_terms(out), **self.hook_terms(out)}
        loss_g = sum(terms.values())
        opt.step("G", loss_g)
        return log_record(loss_d, loss_g, terms, self.probes(out))

    # -- inference ----------------------------------------------------------------------------

    @torch.no_grad()
    def translate(
        self,
        a: torch.Tensor,
        z: torch.Tensor | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Outputs (N, C_out, H, W) in [-1, 1] for sources ``a``; ``z ~ N(0, I)`` when None."""
        if z is None and self.cfg.z_dim:
            z = self.sample_codes(a.shape[0], generator=generator, device=a.device)
        return self.G(a, z)

    @torch.no_grad()
    def preview(self, batch: Any) -> torch.Tensor:
        """Four inputs, each as a row [source, target, four samples]."""
        a, b = self.unpack(batch)
        return diversity_preview(self.translate, a, b)


def log_record(
    loss_d: torch.Tensor,
    loss_g: torch.Tensor,
    terms: dict[str, torch.Tensor],
    probes: dict[str, float] | None = None,
) -> dict[str, float]:
    """The step's log in the shared vocabulary: ``loss/d``, ``loss/g``, ``loss/g_<term>``."""
    return {
        "loss/d": loss_d.item(),
        "loss/g": loss_g.item(),
        **{f"loss/g_{k}": v.item() for k, v in terms.items()},
        **(probes or {}),
    }
