"""InfoGAN: codes made meaningful by a variational MI bound (Chen et al. 2016, arXiv:1606.03657).

The generator reads noise ``z`` and a structured code ``c``: one categorical code of K = 10
values and two continuous codes ``U(-1, 1)`` on MNIST (Sec. 7.1). Maximizing ``I(c; G(z, c))``
keeps G from ignoring ``c``. The MI is intractable, so InfoGAN maximizes the Barber-Agakov bound
(Lemma 5.1, Eq. (4))::

    L_I(G, Q) = E_{c ~ p(c), x ~ G(z, c)}[log Q(c | x)] + H(c)  <=  I(c; G(z, c)),

with Q a head on D's trunk (App. C). D and Q minimize ``V(D, G) - lambda L_I``, G minimizes
``V(D, G) - lambda L_I`` with the non-saturating GAN loss (Eq. (5)); lambda = 1 for the
categorical code and smaller for continuous ones, whose log-likelihood is a differential entropy
on another scale (Sec. 6). Chapter 4 checks that the categorical bound approaches log 10 nats,
that the categories align with digit classes and that a continuous code changes a stroke property
monotonically.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
import torch.nn.functional as F

from companion.config import PresetConfig
from companion.losses import d_nonsaturating, g_nonsaturating
from companion.methods.base import Method, images_of, register_method
from companion.mi.variational import (
    categorical_ba_lower_bound,
    gaussian_log_likelihood,
    uniform_entropy,
)
from companion.nets.infogan import InfoGANDiscriminator, InfoGANGenerator, QOutput
from companion.stepper import Stepper

__all__ = ["InfoGAN", "InfoGANConfig", "as_channels"]


@dataclasses.dataclass(frozen=True)
class InfoGANConfig(PresetConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (MNIST, Sec. 7.1 and App. C)."""

    dataset: str = "mnist"  # Sec. 7.1; read from a local root (companion data fetch mnist)
    image_key: str = "x"  # single-domain samples; "a" = the MNIST-like source of `digits`
    image_size: int = 28  # App. C, Table 1
    channels: int = 1
    z_dim: int = 62  # Sec. 7.1: 62 noise variables
    n_categories: int = 10  # Sec. 7.1: c_1 ~ Cat(K = 10, p = 0.1)
    n_continuous: int = 2  # Sec. 7.1: c_2, c_3 ~ U(-1, 1)
    learn_std: bool = True  # Sec. 6: factored Gaussian Q (released code fixes std = 1)
    min_std: float = 0.05  # floor on Q's std (ours): keeps the continuous bound finite
    lambda_cat: float = 1.0  # Sec. 6: lambda = 1 for discrete codes
    lambda_cont: float = 0.1  # Sec. 6: "smaller" for continuous codes (0.1 is our reading)
    width_g: int = 64  # App. C, Table 1: upconv 64 (and 128 before it)
    width_d: int = 64  # App. C, Table 1: conv 64, conv 128
    fc: int = 1024  # App. C, Table 1: FC 1024
    q_hidden: int = 128  # App. C, Table 1: Q's FC 128
    lr_g: float = 1e-3  # App. C: learning rate 1e-3 for G
    lr_d: float = 2e-4  # App. C: 2e-4 for D (and Q)
    betas: tuple[float, float] = (0.5, 0.999)  # released code: Adam beta1 = 0.5
    batch_size: int = 128  # released code (run_mnist_exp.py): batch_size = 128

    @classmethod
    def cpu(cls) -> InfoGANConfig:
        """The MNIST-like sources of ``digits`` at 16x16, narrow networks, batch 64."""
        return dataclasses.replace(
            cls(),
            dataset="digits",
            image_key="a",
            image_size=16,
            z_dim=4,  # ours, for 1,437 distinct digits (not compared with 62 at these settings)
            # lambda_cont stays the paper's 0.1: at 1.0 G hid the continuous codes in pixel
            # noise that Q could read (samples were noise on 3 of 3 seeds; chapter 4.2's box).
            width_g=32,
            width_d=32,
            fc=128,
            q_hidden=64,
            batch_size=64,
        )

    @classmethod
    def smoke(cls) -> InfoGANConfig:
        return dataclasses.replace(
            cls.cpu(), z_dim=4, width_g=8, width_d=8, fc=16, q_hidden=8, batch_size=8
        )


def as_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """Images (N, C, H, W) with ``channels`` channels: grey images averaged or repeated.

    Raises:
        ValueError: for a conversion other than between 1 and 3 channels.

    Example:
        >>> as_channels(torch.zeros(2, 3, 8, 8), 1).shape
        torch.Size([2, 1, 8, 8])
    """
    c = x.shape[1]
    if c == channels:
        return x
    if (c, channels) == (3, 1):
        return x.mean(1, keepdim=True)  # (N, 1, H, W)
    if (c, channels) == (1, 3):
        return x.expand(-1, 3, -1, -1)  # (N, 3, H, W)
    raise ValueError(f"cannot convert {c}-channel images to {channels}; set channels={c}")


@register_method
class InfoGAN(Method):
    """InfoGAN: ``G(z, c)``, and one trunk for ``D(x)`` and ``Q(c | x)``.

    Example:
        >>> gan = InfoGAN(InfoGANConfig.smoke())
        >>> gan.sample(4).shape
        torch.Size([4, 1, 16, 16])
    """

    Config = InfoGANConfig
    name = "infogan"
    conditional = False

    def __init__(self, cfg: InfoGANConfig) -> None:
        super().__init__(cfg)
        if cfg.n_categories < 0 or cfg.n_continuous < 0 or cfg.n_categories == 1:
            raise ValueError(
                f"need n_categories = 0 or >= 2 and n_continuous >= 0, got "
                f"{cfg.n_categories} and {cfg.n_continuous}"
            )
        in_dim = cfg.z_dim + cfg.n_categories + cfg.n_continuous
        self.G = InfoGANGenerator(in_dim, cfg.image_size, cfg.channels, cfg.width_g, cfg.fc)
        self.D = InfoGANDiscriminator(
            cfg.image_size,
            cfg.channels,
            cfg.width_d,
            cfg.fc,
            cfg.q_hidden,
            cfg.n_categories,
            cfg.n_continuous,
            cfg.learn_std,
        )

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.cfg
        return {  # Q's head is part of D, so "D" updates D and Q together (App. C)
            "D": torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=cfg.betas),
            "G": torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=cfg.betas),
        }

    def sample_latents(
        self, n: int, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        """Draw ``z ~ U(-1, 1)^z_dim`` (released code), ``c_cat ~ Cat(K)``, ``c_cont ~ U(-1, 1)``.

        Returns:
            ``{"z": (n, z_dim), "c_cat": (n,) int64, "c_cont": (n, L)}`` on the method's device.
        """
        cfg, dev = self.cfg, self.device
        z = torch.rand(n, cfg.z_dim, generator=generator) * 2 - 1
        c_cat = torch.randint(max(cfg.n_categories, 1), (n,), generator=generator)
        c_cont = torch.rand(n, cfg.n_continuous, generator=generator) * 2 - 1
        return {"z": z.to(dev), "c_cat": c_cat.to(dev), "c_cont": c_cont.to(dev)}

    def generate(self, z: torch.Tensor, c_cat: torch.Tensor, c_cont: torch.Tensor) -> torch.Tensor:
        """``G(z, c)``: images (N, C, S, S) in [-1, 1] from noise, categories, continuous codes."""
        one_hot = (
            F.one_hot(c_cat, self.cfg.n_categories).to(z.dtype)
            if self.cfg.n_categories
            else z[:, :0]
        )
        return self.G(torch.cat([z, one_hot, c_cont], dim=1))  # input (N, z_dim + K + L)

    def information_terms(
        self, q: QOutput, latents: dict[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        """Eq. (4): BA bounds on I(c_cat; x), I(c_cont; x) in nats (scalars; 0 without a code)."""
        cfg = self.cfg
        zero = q.mu.new_zeros(())
        cat = (
            categorical_ba_lower_bound(q.logits, latents["c_cat"]).estimate
            if cfg.n_categories
            else zero
        )
        cont = zero
        if cfg.n_continuous:
            log_q = gaussian_log_likelihood(latents["c_cont"], q.mu, q.log_var, min_std=cfg.min_std)
            cont = log_q.mean() + uniform_entropy(-1.0, 1.0, cfg.n_continuous)
        return {"cat": cat, "cont": cont}

    @property
    def code_dim(self) -> int:
        """Size of G's input: noise, one-hot category and continuous codes."""
        cfg = self.cfg
        return cfg.z_dim + cfg.n_categories + cfg.n_continuous

    def example_batch(
        self, n: int, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        x = torch.rand(n, cfg.channels, cfg.image_size, cfg.image_size, generator=generator)
        return {cfg.image_key: x * 2 - 1}

    def sample_codes(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """G's inputs (n, code_dim) drawn from the priors of :meth:`sample_latents`."""
        latents = self.sample_latents(n, generator=generator)
        cfg = self.cfg
        one_hot = (
            F.one_hot(latents["c_cat"], cfg.n_categories).float() if cfg.n_categories else None
        )
        parts = [latents["z"], *([one_hot] if one_hot is not None else []), latents["c_cont"]]
        return torch.cat(parts, dim=1).to(self.device if device is None else device)

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        cfg = self.cfg
        x_real = as_channels(images_of(batch, cfg.image_key), cfg.channels)  # (N, C, S, S)
        latents = self.sample_latents(x_real.shape[0])
        x_fake = self.generate(**latents)

        # Eq. (5), D and Q: min V(D, G) - lambda L_I(G, Q), on real and (detached) fake images.
        logits_real, _ = self.D(x_real)
        logits_fake, q_fake = self.D(x_fake.detach())
        info = self.information_terms(q_fake, latents)
        loss_info_d = -(cfg.lambda_cat * info["cat"] + cfg.lambda_cont * info["cont"])
        loss_d = d_nonsaturating(logits_real, logits_fake) + loss_info_d
        opt.step("D", loss_d)

        # Eq. (5), G: fool D (non-saturating) and make c recoverable by Q.
        logits_fake, q_fake = self.D(x_fake)
        info = self.information_terms(q_fake, latents)
        loss_adv = g_nonsaturating(logits_fake)
        loss_info = -(cfg.lambda_cat * info["cat"] + cfg.lambda_cont * info["cont"])
        loss_g = loss_adv + loss_info
        opt.step("G", loss_g)
        return {
            "loss/d": loss_d.item(),
            "loss/g": loss_g.item(),
            "loss/g_adv": loss_adv.item(),
            "loss/g_info": loss_info.item(),
            "mi/cat_bound": info["cat"].item(),
            "mi/cont_bound": info["cont"].item(),
        }

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` images (n, C, S, S) in [-1, 1] with random noise and codes."""
        return self.generate(**self.sample_latents(n, generator=generator))

    @torch.no_grad()
    def infer_codes(self, x: torch.Tensor) -> QOutput:
        """Q's posterior parameters for images ``x`` (N, C, S, S) in [-1, 1] (e.g. real digits)."""
        return self.D(as_channels(x, self.cfg.channels))[1]

    @torch.no_grad()
    def code_grid(
        self, values: torch.Tensor, code: int = 0, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Images for rows = categories, columns = ``values`` of continuous code ``code``.

        One noise vector (and the other continuous codes at 0) is shared by the whole grid, so
        only the two codes change (InfoGAN Fig. 2).

        Args:
            values: (M,) values of the continuous code, e.g. ``torch.linspace(-1, 1, 7)``.
            code: which continuous code to vary.

        Returns:
            (K, M, C, S, S) images in [-1, 1].
        """
        cfg = self.cfg
        k, m = max(cfg.n_categories, 1), len(values)
        z = (torch.rand(1, cfg.z_dim, generator=generator) * 2 - 1).to(self.device)
        c_cat = torch.arange(k, device=self.device).repeat_interleave(m)  # (K*M,)
        c_cont = torch.zeros(k * m, cfg.n_continuous, device=self.device)
        c_cont[:, code] = values.to(self.device).repeat(k)
        x = self.generate(z.expand(k * m, -1), c_cat, c_cont)  # (K*M, C, S, S)
        return x.reshape(k, m, *x.shape[1:])

    @torch.no_grad()
    def preview(self, batch: Any) -> torch.Tensor:
        """A 10 x 8 code grid of the first continuous code (rows: categories)."""
        values = torch.linspace(-1, 1, 8)
        return self.code_grid(values, generator=torch.Generator().manual_seed(0)).flatten(0, 1)
