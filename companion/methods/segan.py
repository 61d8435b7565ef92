"""SEGAN: multimodal translation by estimating and maximizing I(Z; G(a, Z)) (Zuo et al. 2020,
arXiv:2008.03529; the book's seed paper 000).

A statistics network ``T`` learns to tell matched pairs ``(z, G(a, z))`` from mismatched ones
``(z, G(a, z'))``; its Jensen-Shannon bound (Eq. 5) lower-bounds how much the output says about
the code. The generator *helps* ``T`` (Eq. 6: both ascend the bound), so the only way for it to
raise the bound is to make outputs depend on ``z``: the noise can no longer be ignored.

Chapter 3 checks the paper's claims on ``shapes``: the bound starts at ``-2 log 2`` and rises;
with the MI term, mode coverage, LPIPS diversity and style consistency are higher than for the
same model with ``lambda_mi = 0`` ("SEGAN w/o MI"). The paper's "without loss of quality" does
not hold at the ``cpu`` budget: fewer outputs are valid targets and less of the input's shape
is kept (the oracle's precision and content IoU, Sections 3.2 and 3.3).

Pair construction (App. D; the appendix is terse, this is our reading): two codes per input,
two outputs ``b_hat_1 = G(a, z_1)`` and ``b_hat_2 = G(a, z_2)``; positives ``(z_1, b_hat_1)``,
negatives ``(z_1, b_hat_2)``: one negative per positive, never a positive among the negatives,
and the same input on both sides, so ``T`` can only use what ``z`` changes. The two strategies
App. D rejects are switches for its ablation (:data:`NEGATIVES`).

Where the paper is silent (optimizer, T's learning rate, update order) we take BicycleGAN's
defaults: Adam 2e-4, betas (0.5, 0.999), a D step then a joint G and T step.

Unpaired data (Sec. 4.7) switches to a one-sided GcGAN backbone: no L1 (there is no target to
compare with) and geometry consistency for a 90-degree rotation (Fu et al. 2019), with the
paper's weight 20 unless the dataset's facts say otherwise (:meth:`SEGANConfig.for_dataset`).
Of GcGAN we keep the one-sided generator with its rotation term and one discriminator; GcGAN's
second discriminator on rotated images and its second direction are not built.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
from torch import Tensor, nn

from companion.config import DatasetFacts
from companion.losses import reconstruction_l1, scale_gradient
from companion.methods.base import register_method
from companion.methods.translation import (
    SHAPES_32,
    SHAPES_SMOKE,
    GeneratorTerm,
    TranslationConfig,
    TranslationMethod,
    Translations,
)
from companion.mi.bounds import Bound, jsd_lower_bound
from companion.nets.critics import StatisticsNetwork

__all__ = ["NEGATIVES", "SEGAN", "SEGANConfig", "geometry_consistency_l1"]

NEGATIVES = ("second_batch", "all_pairs", "resampled_code")
"""App. D's negatives for the positive ``(z_i, G(a_i, z_i))``: ``(z_i, G(a_i, z_i'))`` from a
second batch (the paper's choice); every ``(z_i, G(a_j, z_j))``, j != i, of the batch (N(N-1)
pairs: "would easily run out of GPU memory"); ``(z_i', G(a_i, z_i))`` with a code drawn afresh
from the prior, our reading of "resampling from one of the marginal distributions"."""


@dataclasses.dataclass(frozen=True)
class SEGANConfig(TranslationConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (paired, facades, 256x256).

    The generator and discriminator are BicycleGAN's (Sec. 4.6: "all methods use the same network
    architecture as in BicycleGAN"): U-Net 256 with z at every layer, two-scale PatchGAN.
    """

    settings_key = "segan"

    z_dim: int = 8  # Table 3: z in R^8
    z_injection: str = "all"  # BicycleGAN default (G_Unet_add_all); SEGAN does not say
    use_dropout: bool = False
    conditional_d: bool = False  # BicycleGAN's D sees b only
    d_scales: int = 2  # Sec. 4.7: "a multi-scale discriminator as in BicycleGAN"
    gan_loss: str = "nonsaturating"  # Sec. 4.4: "the original non-saturation GAN loss"
    lambda_l1: float = 3.0  # Sec. 4.6 (paired): "the weight of L1 loss as 3"
    lambda_mi: float = 3.0  # Eq. (7) and Sec. 4.4: 3 in all experiments
    batch_size: int = 32  # Sec. 4.4: the estimator needs a large batch
    paired: bool = True  # False: one-sided unpaired translation on a GcGAN backbone
    lambda_gc: float = 0.0  # geometry consistency (GcGAN rot90); Sec. 4.7: 20, unpaired
    t_widths: tuple[int, ...] = (32, 64, 128, 256, 512, 512)  # Table 3
    t_fc_width: int = 512  # Table 3
    lr_t: float = 2e-4  # not given; BicycleGAN's Adam settings for T too (our choice)
    negatives: str = "second_batch"  # App. D's choice; see NEGATIVES for the other two

    @classmethod
    def cpu(cls) -> SEGANConfig:
        """Shapes at 32x32: the pix2pix ``cpu`` networks with z at the input, a small T.

        Measured on ``shapes`` (grey background, seeds 0-4, ``benchmarks/segan_ablations.py``):
        batch 32 as in the paper (Sec. 4.4), not the family's 16: at 16 the bound stayed at
        -2 log 2 on 2 of 5 seeds, at 32 on none; and ``lambda_l1 = 10`` (BicycleGAN's weight)
        instead of the paper's 3: at 3 the MI term works as well (more styles than without it
        on 4 of 5 seeds), but SEGAN w/o MI keeps 2-3 styles per input on 4 of 5 seeds, so the
        collapse the comparison is about does not show; at 10 it keeps one on 4 of 5.
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
        return dataclasses.replace(cls.cpu(), **SHAPES_SMOKE, t_widths=(4, 8), t_fc_width=16)

    def for_dataset(self, facts: DatasetFacts) -> SEGANConfig:
        """The paper's settings for a dataset (Sec. 4.6 and 4.7), on this preset.

        Unpaired data (``facts.paired is False``) switches to the one-sided GcGAN backbone: no
        L1 and geometry consistency with weight 20 (Sec. 4.7); then the dataset's own SEGAN
        settings apply: the paper omits GC on the shape-changing cat -> dog, and the synthetic
        unpaired shapes use 5 (see :data:`companion.data.SYNTHETIC_FACTS`).

        Example:
            >>> facts = DatasetFacts("cat2dog", False, settings={"segan": {"lambda_gc": 0.0}})
            >>> cfg = SEGANConfig().for_dataset(facts)
            >>> cfg.paired, cfg.lambda_l1, cfg.lambda_gc
            (False, 0.0, 0.0)
        """
        cfg = self
        if facts.paired is False:
            cfg = dataclasses.replace(cfg, paired=False, lambda_l1=0.0, lambda_gc=20.0)
        return super(SEGANConfig, cfg).for_dataset(facts)


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
class SEGAN(TranslationMethod):
    """pix2pix + noise (paired) or a one-sided GcGAN (unpaired) plus the JSD MI term.

    The step is the family's: a D step (Eq. (2)), then one step of the joint G and T optimizer
    on ``L_ori`` plus minus the bound (Eq. (6)-(7)).

    Example:
        >>> model = SEGAN(SEGANConfig.smoke())
        >>> model.translate(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    Config = SEGANConfig
    name = "segan"

    def __init__(self, cfg: SEGANConfig, terms: tuple[GeneratorTerm, ...] = ()) -> None:
        if cfg.z_dim == 0:
            raise ValueError("SEGAN needs a code: set z_dim > 0 (the paper uses 8)")
        if not cfg.paired and cfg.lambda_l1 > 0:
            raise ValueError(
                f"unpaired data has no target for the L1 term: set lambda_l1=0 (got "
                f"{cfg.lambda_l1}), or use cfg.for_dataset(dataset_facts(NAME)), which does"
            )
        if cfg.negatives not in NEGATIVES:
            raise ValueError(f"negatives must be one of {NEGATIVES}, got {cfg.negatives!r}")
        super().__init__(cfg, terms)
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

    def generator_parameters(self) -> list[nn.Parameter]:
        return [*self.G.parameters(), *self.T.parameters()]

    def translations(self, a: torch.Tensor, b: torch.Tensor) -> Translations:
        """App. D's pairs: two codes per input; the second output only feeds the negatives.

        ``extras["b_hat_2"] = G(a, z_2)`` is not judged by D; with ``lambda_mi = 0`` it is
        computed without gradient (it only feeds the probe); with other negatives, not at all.
        """
        n = a.shape[0]
        z_1, z_2 = self.code(n, a), self.code(n, a)  # (N, D) each
        b_hat_1, b_hat_2 = self.G(a, z_1), None
        with torch.set_grad_enabled(self.cfg.lambda_mi != 0):
            if self.cfg.negatives == "second_batch":
                b_hat_2 = self.G(a, z_2)
        out = Translations(a, b, [z_1], [b_hat_1], {"z_2": z_2, "b_hat_2": b_hat_2})
        for term in self.terms:  # extra outputs for the hook's terms, judged by D
            for _ in range(term.extra_outputs):
                out.z.append(self.code(n, a))
                out.b_fake.append(self.G(a, out.z[-1]))
        return out

    def mi_bound(
        self, b_hat_1: Tensor, b_hat_2: Tensor | None, z_1: Tensor, z_2: Tensor | None = None
    ) -> Bound:
        """Eq. (5) on positives ``(z_1, b_hat_1)`` and negatives ``(z_1, b_hat_2)``.

        With ``cfg.negatives`` set to another of :data:`NEGATIVES`, ``b_hat_2`` is unused and the
        negatives are ``(z_1[i], b_hat_1[j])`` for all j != i, or ``(z_2, b_hat_1)`` (``z_2``
        drawn from N(0, I) when None).

        The images pass through :func:`~companion.losses.scale_gradient`, so one backward pass
        gives ``T`` the gradient of the bound and ``G`` that gradient times ``lambda_mi``
        (Eq. 7). With ``lambda_mi = 0``, ``T`` still trains: the bound is then a probe of how
        much the outputs of SEGAN w/o MI depend on their codes.
        """
        lam, negatives, n = self.cfg.lambda_mi, self.cfg.negatives, z_1.shape[0]
        if lam == 0:  # a pure probe: the same (zero) gradient for G, without the backward pass
            b_hat_1 = b_hat_1.detach()
            b_hat_2 = b_hat_2.detach() if b_hat_2 is not None else None
        if negatives == "all_pairs":  # row k: image k % N, code k // N; [i, j] = T(b_j, z_i)
            images = scale_gradient(b_hat_1, lam).repeat(n, 1, 1, 1)  # (N*N, C, H, W)
            return jsd_lower_bound(self.T(images, z_1.repeat_interleave(n, 0)).view(n, n))
        scores_joint = self.T(scale_gradient(b_hat_1, lam), z_1)  # (N,)
        if negatives == "resampled_code":
            z_2 = torch.randn_like(z_1) if z_2 is None else z_2
            return jsd_lower_bound(scores_joint, self.T(scale_gradient(b_hat_1, lam), z_2))
        scores_marginal = self.T(scale_gradient(b_hat_2, lam), z_1)  # (N,)
        return jsd_lower_bound(scores_joint, scores_marginal)

    def g_terms(self, out: Translations) -> dict[str, torch.Tensor]:
        """Eq. (7): L_ori (adversarial, L1 when paired, GC when unpaired), then Eq. (6)'s bound.

        ``mi`` is minus the JSD bound: T's loss. Its gradient reaches G times ``lambda_mi``
        through :func:`~companion.losses.scale_gradient`, so the weight is in the gradient, not
        in the value.
        """
        cfg = self.cfg
        a, b_hat_1, z_1 = out.a, out.b_fake[0], out.z[0]
        terms = {
            "adv": cfg.lambda_gan
            * self.g_adversarial(self.D, [self.pair(a, f) for f in out.b_fake])
        }
        if cfg.lambda_l1 > 0:
            terms["l1"] = cfg.lambda_l1 * reconstruction_l1(b_hat_1, out.b)
        if cfg.lambda_gc > 0:
            terms["gc"] = cfg.lambda_gc * geometry_consistency_l1(self.G, a, z_1, b_hat_1)
        bound = self.mi_bound(b_hat_1, out.extras["b_hat_2"], z_1, out.extras["z_2"])
        out.extras["bound"] = bound
        terms["mi"] = bound.loss
        return terms

    def probes(self, out: Translations) -> dict[str, float]:
        return {"mi/jsd": out.extras["bound"].estimate.item()}

    @torch.no_grad()
    def held_out_bound(
        self,
        a: torch.Tensor,
        noise_std: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> float:
        """Eq. (5) with the trained ``T`` on fresh pairs: App. D's pairs for inputs ``a``.

        With ``noise_std > 0`` Gaussian noise of that standard deviation is added to both
        images before ``T`` reads them: if the bound drops a lot, the code was carried by detail
        of that size rather than by the visible style (the probe of Chapter 4.3).

        Args:
            a: inputs (N, C_in, H, W) in [-1, 1].
            noise_std: standard deviation of the noise added to the outputs (0: none).
            generator: a torch generator on ``a``'s device for the codes and the noise.

        Returns:
            The bound in nats, in [-2 log 2, 0].
        """
        n = a.shape[0]
        z_1 = self.sample_codes(n, generator=generator, device=a.device)  # (N, D)
        z_2 = self.sample_codes(n, generator=generator, device=a.device)  # (N, D)
        b_hat_1, b_hat_2 = self.G(a, z_1), self.G(a, z_2)  # (N, C, H, W) each
        if noise_std > 0:
            b_hat_1 = b_hat_1 + noise_std * _noise_like(b_hat_1, generator)
            b_hat_2 = b_hat_2 + noise_std * _noise_like(b_hat_2, generator)
        return jsd_lower_bound(self.T(b_hat_1, z_1), self.T(b_hat_2, z_1)).estimate.item()


def _noise_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Standard normal noise of ``x``'s shape, dtype and device."""
    return torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
