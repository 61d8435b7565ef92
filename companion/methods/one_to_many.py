"""One-to-many translation that keeps semantics by *minimizing* I(Xi; T(X, Xi)) (seed paper 002,
"Unsupervised one-to-many image translation", ICLR 2019 submission; the paper calls it TI-GAN).

The translator ``T(x, xi) = G([E(x), F(xi)])`` (:class:`~companion.nets.bottleneck.
BottleneckTranslator`) is trained as a GAN generator against target images only: no cycle, no
reconstruction. A GAN alone is satisfied by a ``T`` that ignores ``x`` and paints from ``xi``
(Sec. 2.3). The paper blocks that with a MINE estimate of ``I(Xi; T(X, Xi))``: a statistics
network ``S`` *maximizes* the Donsker-Varadhan bound (Eq. 3), ``T`` *minimizes* it with weight
``lambda_mi`` ("min-max MINE setting", App. A). The other option the paper names, maximizing
``I(X; T(X, Xi))`` with ``S`` and ``T`` cooperating, is ``mi_variant = "max_source"``.

The step, in order: one D step (non-saturating GAN, Sec. 4.4), one S step (ascend the bound on
detached outputs), one T step (adversarial term plus the MI term). Both S and T take their
gradients through MINE's moving-average correction (:func:`companion.mi.mine_lower_bound`;
``mine_decay = 0`` gives the plain, biased DV gradient); the logged ``mi/dv`` is the plain DV
value of the S step.

Where the paper is silent (batch, noise size, lambda, betas, the critic's layers, D's
architecture), the defaults say whose choice they are. The discriminator is the family's
PatchGAN on ``b`` alone, spectrally normalised (Sec. 4.3), not the paper's DCGAN D.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch
from torch import nn

from companion.methods.base import register_method
from companion.methods.translation import (
    TranslationConfig,
    TranslationMethod,
    Translations,
    build_generator,
)
from companion.mi.bounds import Bound, mine_lower_bound, pair_scores
from companion.nets import init_weights
from companion.nets.bottleneck import BottleneckTranslator, PairCritic, apply_spectral_norm
from companion.stepper import Stepper

__all__ = [
    "MI_VARIANTS",
    "OneToMany",
    "OneToManyConfig",
    "gate_source",
    "sensitivities",
]

MI_VARIANTS: dict[str, tuple[str, float]] = {
    "min_noise": ("noise", -1.0),  # T lowers I(Xi; T(X, Xi)): the paper's Table 1 runs
    "max_source": ("source", 1.0),  # T raises I(X; T(X, Xi)): the paper's edges -> shoes figures
}
"""What the MI term measures (the variable paired with the output) and T's sign on it."""


@dataclasses.dataclass(frozen=True)
class OneToManyConfig(TranslationConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (MNIST -> SVHN at 32x32).

    The paper gives the learning rate (1e-4), the loss (non-saturating), spectral norm on D and
    S, ELU in S and the architecture's outline; everything else is marked as our choice.
    """

    settings_key = "one_to_many"

    dataset: str = "mnist2svhn"  # Table 1's column 1: real MNIST -> SVHN (svhn2mnist: column 2)
    image_size: int = 32  # 32x32 MNIST and SVHN (not stated; the standard size of SVHN)
    z_dim: int = 32  # the noise size k is not given; our choice
    generator: str = "bottleneck"  # Sec. 4.2: E, F, G without skips ("unet": App. A's ablation)
    z_injection: str = "input"  # Sec. 4.2: xi enters through F at the bottleneck only
    num_downs: int = 3  # 4x4 stride-2 layers (App. A): 32 -> 4
    ngf: int = 64  # DCGAN widths (our choice; the paper says "DCGAN-like")
    norm: str = "batch"  # DCGAN's batch norm (not stated)
    use_dropout: bool = False
    conditional_d: bool = False  # unpaired: D sees target-domain images only (Eq. 4)
    d_layers: int = 3
    gan_loss: str = "nonsaturating"  # Sec. 4.4: "the non-saturating GAN loss"
    lr: float = 1e-4  # App. A: learning rate 0.0001
    beta1: float = 0.5  # not given; DCGAN's
    batch_size: int = 64  # not given; our choice
    use_spectral_norm: bool = True  # Sec. 4.3: spectral normalisation on D and S
    lambda_mi: float = 1.0  # "depends on the task" (Sec. 4.4), never given; our choice
    mi_variant: str = "min_noise"  # see MI_VARIANTS
    marginal: str = "shuffle"  # product of marginals: other rows' xi, or "fresh" draws
    mine_decay: float = 0.99  # MINE's moving average (Belghazi et al.); 0: plain DV gradient
    s_width: int = 64  # S's channels and hidden units (not given; our choice)
    s_embed: int = 32  # S's embedding of each side (our choice)
    lr_s: float = 1e-4  # S's learning rate (not given; T's)

    @classmethod
    def cpu(cls) -> OneToManyConfig:
        """Digits at 16x16 with small networks: a few hundred steps in well under a minute."""
        return dataclasses.replace(
            cls(),
            dataset="digits",  # the synthetic MNIST-like -> SVHN-like stand-in, no download
            image_size=16,
            z_dim=8,
            num_downs=2,
            ngf=32,
            ndf=32,
            d_layers=2,
            batch_size=64,
            lr=2e-4,
            lr_s=2e-4,
            s_width=32,
            s_embed=16,
        )

    @classmethod
    def smoke(cls) -> OneToManyConfig:
        return dataclasses.replace(
            cls.cpu(), image_size=32, ngf=8, ndf=8, d_layers=1, s_width=8, s_embed=4, batch_size=4
        )


@register_method
class OneToMany(TranslationMethod):
    """``T(x, xi)`` against a PatchGAN D, with a min-max (or cooperative) MINE term.

    Example:
        >>> model = OneToMany(OneToManyConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config: ClassVar[type[OneToManyConfig]] = OneToManyConfig
    name = "one_to_many"

    def __init__(self, cfg: OneToManyConfig) -> None:
        if cfg.z_dim == 0:
            raise ValueError("a one-to-many translator needs noise: set z_dim > 0")
        if cfg.mi_variant not in MI_VARIANTS:
            raise ValueError(
                f"mi_variant must be one of {sorted(MI_VARIANTS)}, got {cfg.mi_variant!r}"
            )
        self.mi_on, self.mi_sign = MI_VARIANTS[cfg.mi_variant]
        if self.mi_on == "source" and cfg.marginal != "shuffle":
            raise ValueError(
                "the sources' law is only known by its samples: use marginal='shuffle'"
            )
        super().__init__(cfg)
        if cfg.use_spectral_norm:
            apply_spectral_norm(self.D)
        self.S = PairCritic(
            cfg.z_dim if self.mi_on == "noise" else 0,
            cfg.in_channels,
            channels=cfg.out_channels,
            image_size=cfg.image_size,
            width=cfg.s_width,
            embed=cfg.s_embed,
            use_spectral_norm=cfg.use_spectral_norm,
        )
        self.register_buffer("log_ema_partition", torch.tensor(float("nan")))

    def build_generator(self, cfg: OneToManyConfig) -> nn.Module:
        """Sec. 4.2's ``T = G([E(x), F(xi)])``, or the family's U-Net / ResNet (App. A)."""
        if cfg.generator != "bottleneck":
            return build_generator(cfg)
        t = BottleneckTranslator(
            cfg.in_channels,
            cfg.out_channels,
            image_size=cfg.image_size,
            num_downs=cfg.num_downs,
            ngf=cfg.ngf,
            z_dim=cfg.z_dim,
            norm=cfg.norm,
            injection=cfg.z_injection,
            use_dropout=cfg.use_dropout,
        )
        return init_weights(t, cfg.init_type)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        opts = super().configure_optimizers()  # "D" and "G" (T = E, F and G)
        betas = (self.cfg.beta1, self.cfg.beta2)
        opts["S"] = torch.optim.Adam(self.S.parameters(), lr=self.cfg.lr_s, betas=betas)
        return opts

    # -- the MI term --------------------------------------------------------------------------

    def mi_bound(self, out: Translations, *, detach: bool = False) -> Bound:
        """MINE's DV bound on I(Xi; b_fake) (or I(A; b_fake)) for this step's outputs.

        The moving-average partition is read, not updated: :meth:`training_step` stores the S
        step's new state. With ``detach`` the outputs are cut from T's graph (S's step).
        """
        y = out.b_fake[0].detach() if detach else out.b_fake[0]
        u = out.z[0] if self.mi_on == "noise" else out.a
        u_fresh = torch.randn_like(u) if self.cfg.marginal == "fresh" else None
        scores = pair_scores(self.S, u, y, self.cfg.marginal, u_fresh)
        state = self.log_ema_partition
        previous = None if torch.isnan(state) else state
        return mine_lower_bound(scores, previous, self.cfg.mine_decay)

    def mi_term(self, out: Translations) -> torch.Tensor:
        """T's MI loss: ``lambda * I_hat`` to minimize (min variant) or ``-lambda * I_hat``.

        Its value is the plain DV estimate times the weight; its gradient is MINE's corrected
        one (``Bound.loss`` carries it, with the value ``-estimate``).
        """
        return self.cfg.lambda_mi * self.mi_sign * self.mi_bound(out).loss

    def g_terms(self, out: Translations) -> dict[str, torch.Tensor]:
        fakes = [self.pair(out.a, f) for f in out.b_fake]
        terms = {"adv": self.cfg.lambda_gan * self.g_adversarial(self.D, fakes)}
        if self.cfg.lambda_mi > 0:
            terms["mi"] = self.mi_term(out)
        return terms

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        """One D step, one S step (ascend the bound), one T step (adversarial + MI term)."""
        a, b = self.unpack(batch)
        out = self.translations(a, b)
        loss_d = self.d_loss(out)
        opt.step("D", loss_d)
        bound = self.mi_bound(out, detach=True)
        opt.step("S", bound.loss)
        self.log_ema_partition = bound.state.to(self.log_ema_partition)
        terms = self.g_terms(out)
        loss_g = sum(terms.values())
        opt.step("G", loss_g)
        return {
            "loss/d": loss_d.item(),
            "loss/g": loss_g.item(),
            **{f"loss/g_{k}": v.item() for k, v in terms.items()},
            "loss/s": bound.loss.item(),
            "mi/dv": bound.estimate.item(),
        }


def gate_source(model: OneToMany, scale: float = 0.0) -> torch.utils.hooks.RemovableHandle:
    """Multiply the encoder's code ``E(x)`` by ``scale`` until the returned handle is removed.

    With ``scale = 0`` the translator ``G([0, F(xi)])`` sees the noise only: training it so
    puts it in the degenerate optimum of Sec. 2.3 on purpose (a noise-only start), instead of
    hoping a run falls into it. ``handle.remove()`` gives ``x`` back.

    Args:
        model: a one-to-many model with the ``bottleneck`` generator.
        scale: the factor on ``E(x)``.

    Raises:
        ValueError: for a generator without the ``E`` of Sec. 4.2.

    Example:
        >>> model = OneToMany(OneToManyConfig.smoke()).eval()
        >>> handle = gate_source(model)
        >>> xi = torch.randn(2, model.cfg.z_dim)
        >>> y0 = model.translate(torch.zeros(2, 3, 32, 32), xi)
        >>> bool((y0 == model.translate(torch.ones(2, 3, 32, 32), xi)).all())
        True
        >>> handle.remove()
    """
    if not isinstance(model.G, BottleneckTranslator):
        raise ValueError("gate_source needs the bottleneck translator T = G([E(x), F(xi)])")
    return model.G.E.register_forward_hook(lambda module, args, code: code * scale)


@torch.no_grad()
def sensitivities(
    model: OneToMany, a: torch.Tensor, generator: torch.Generator | None = None
) -> tuple[float, float]:
    """How much the outputs move with the source and with the noise (images in [-1, 1]).

    ``d_x`` is the mean ``|T(x, xi) - T(x', xi)|`` with ``x'`` the next source of the batch
    (``a.roll(1)``) and the same noise; ``d_xi`` is the mean ``|T(x, xi) - T(x, xi')|`` with
    fresh noise. A noise-only translator has ``d_x = 0``; a deterministic one ``d_xi = 0``.

    Args:
        model: a translator with noise.
        a: (N, C, H, W) sources, N >= 2, of different content.
        generator: for the noise draws.

    Returns:
        ``(d_x, d_xi)``.
    """
    z = model.sample_codes(2 * len(a), generator=generator, device=a.device)
    xi, xi2 = z[: len(a)], z[len(a) :]
    y = model.translate(a, xi)
    d_x = (model.translate(a.roll(1, 0), xi) - y).abs().mean().item()
    d_xi = (model.translate(a, xi2) - y).abs().mean().item()
    return d_x, d_xi
