"""The family base of unconditional image GANs: ``G(z)`` against a critic ``D(x)``.

DCGAN (chapter 1's foundations) and TransferGAN (chapter 7) share everything but how their
networks start: the Adam pair of optimizers, random example batches, the image-shape check,
the alternating critic and generator updates (with WGAN-GP's penalty when asked), sampling and
the fixed-code preview. A paper's module subclasses :class:`UnconditionalGAN` and builds
``self.G``, ``self.D``, ``self.d_loss``/``self.g_loss`` and the ``z_fixed`` buffer (with
:meth:`UnconditionalGAN.fixed_codes`); its config has ``z_dim``, ``image_size``, ``channels``,
``image_key``, ``lr_d``, ``lr_g``, ``betas``, ``n_critic`` and ``lambda_gp``.
"""

from __future__ import annotations

from typing import Any

import torch

from companion.losses import gradient_penalty
from companion.methods.base import Method, images_of
from companion.stepper import Stepper

__all__ = ["UnconditionalGAN"]


class UnconditionalGAN(Method):
    """Shared pieces of an unconditional image GAN (see the module docstring)."""

    conditional = False

    def fixed_codes(self) -> None:
        """Register 64 fixed codes (``z_fixed``), so previews over training are comparable."""
        gen = torch.Generator().manual_seed(0)
        self.register_buffer("z_fixed", torch.randn(64, self.cfg.z_dim, generator=gen))

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.cfg
        return {
            "D": torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=cfg.betas),
            "G": torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=cfg.betas),
        }

    @property
    def code_dim(self) -> int:
        return self.cfg.z_dim

    def example_batch(
        self, n: int, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        x = torch.rand(n, cfg.channels, cfg.image_size, cfg.image_size, generator=generator)
        return {cfg.image_key: x * 2 - 1}

    def real_images(self, batch: Any) -> torch.Tensor:
        """The batch's images (N, C, H, W) in [-1, 1], checked against the config's size.

        Raises:
            ValueError: if their channels or size differ from the config's.
        """
        cfg = self.cfg
        x_real = images_of(batch, cfg.image_key)
        if tuple(x_real.shape[1:]) != (cfg.channels, cfg.image_size, cfg.image_size):
            raise ValueError(
                f"{self.name} is configured for {(cfg.channels, cfg.image_size, cfg.image_size)}"
                f" images, got {tuple(x_real.shape[1:])}; load the data at "
                f"resolution={cfg.image_size} or set image_size/channels"
            )
        return x_real

    def adversarial_step(
        self, x_real: torch.Tensor, opt: Stepper, penalty: bool
    ) -> dict[str, float]:
        """``n_critic`` critic updates, then one generator update; returns the step's logs.

        Args:
            x_real: (N, C, H, W) real images in [-1, 1].
            opt: the trainer's stepper (optimizers "D" and "G").
            penalty: add WGAN-GP's gradient penalty, weighted by ``lambda_gp``, to the critic.

        Returns:
            ``loss/d`` and ``loss/g``; with the penalty also ``loss/d_gp`` (unweighted) and
            ``dist/wasserstein`` (the critic's estimate of the distance).
        """
        cfg = self.cfg
        n = x_real.shape[0]
        for _ in range(cfg.n_critic):
            x_fake = self.G(torch.randn(n, cfg.z_dim, device=x_real.device)).detach()
            loss_adv = self.d_loss(self.D(x_real), self.D(x_fake))
            loss_d = loss_adv
            if penalty:
                loss_gp = gradient_penalty(self.D, x_real, x_fake)
                loss_d = loss_adv + cfg.lambda_gp * loss_gp
            opt.step("D", loss_d)

        x_fake = self.G(torch.randn(n, cfg.z_dim, device=x_real.device))
        loss_g = self.g_loss(self.D(x_fake))
        opt.step("G", loss_g)

        logs = {"loss/d": loss_d.item(), "loss/g": loss_g.item()}
        if penalty:
            logs["loss/d_gp"] = loss_gp.item()  # unweighted
            logs["dist/wasserstein"] = -loss_adv.item()  # the critic's estimate
        return logs

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` images (n, C, H, W) in [-1, 1]."""
        z = torch.randn(n, self.cfg.z_dim, generator=generator).to(self.device)
        return self.G(z)

    @torch.no_grad()
    def preview(self, batch: Any) -> torch.Tensor:
        """Images from the 64 fixed codes."""
        return self.G(self.z_fixed)
