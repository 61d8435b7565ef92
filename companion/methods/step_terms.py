"""The loss terms StEP drops, kept as switches for Table 4's ablation ("Ours v1" to "v4").

StEP's own objective (Eq. 2) is a GAN loss on direct reconstructions ``G(a, E(b))`` plus their
reconstruction loss, with a latent L2 term when ``E`` trains (stage 3). Table 4 of the paper
starts from BicycleGAN-like setups and removes terms one at a time; its "Ours" rows are

- **Ours v1**: StEP plus *random-code sampling* and *cyclic reconstruction*;
- **Ours v2**: v1 without cyclic reconstruction;
- **Ours v3**: v2 without random-code sampling (StEP with ``lambda_l2 > 0``, the default);
- **Ours v4**: v3 without the L2 term (``lambda_l2 = 0``).

Random-code sampling adds two terms on ``G(a, z_rand)``: D sees it as a fake (``D_rand_z``)
and G is trained to fool D with it (``adv_rand``) and to let ``E`` read ``z_rand`` back
(``z_recon``, an L1 latent regression). The paper draws ``z_rand`` as "a random training image,
and use its style code": here, the (detached) code of another target in the batch. The latent
regression reaches ``G`` only, as in BicycleGAN (``E``'s weights are held fixed for it). The
StEP code trains these terms with a separate "G alone" Adam at lr 1e-4; here they join the G
step's single backward pass, as this package's BicycleGAN does with its latent term.

Cyclic reconstruction (``cyc_recon``) swaps codes between two pairs and must recover the
targets: with ``z_j = E(b_j)``, ``u = G(a_i, z_j)`` carries ``b_j``'s style on ``a_i``'s
content, ``E(u)`` estimates ``z_j``, and ``G(a_j, E(u))`` must give back ``b_j``. The pairs
(i, j) are each target with the next one in the batch. In stage 2, where ``E`` is frozen, the
gradient passes through ``E`` to ``G`` without changing ``E``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from companion.losses import latent_regression_l1
from companion.methods.base import forward_with_frozen_parameters

if TYPE_CHECKING:  # a type only: step.py imports this module
    from companion.methods.step import StEP

__all__ = ["cyclic_reconstruction", "random_codes", "random_code_terms"]


def random_codes(z: torch.Tensor) -> torch.Tensor:
    """``z_rand``: each row gets the (detached) style code of the next target in the batch.

    Args:
        z: (N, D) codes ``E(b)`` of the batch's targets.

    Returns:
        (N, D) codes, row i equal to row i + 1 of ``z`` (the last gets the first).

    Example:
        >>> random_codes(torch.tensor([[1.0], [2.0], [3.0]])).flatten().tolist()
        [2.0, 3.0, 1.0]
    """
    return z.detach().roll(-1, dims=0)


def random_code_terms(
    model: StEP, a: torch.Tensor, z_rand: torch.Tensor, b_rand: torch.Tensor
) -> dict[str, torch.Tensor]:
    """G's terms on outputs from random codes: ``adv_rand`` and ``latent`` (z_recon), weighted.

    Args:
        model: the StEP model (its ``G``, ``E``, ``D`` and weights).
        a: (N, C, H, W) sources.
        z_rand: (N, D) the random codes (:func:`random_codes`).
        b_rand: (N, C, H, W) ``G(a, z_rand)``.

    Returns:
        ``{"adv_rand": lambda_gan * GAN loss, "latent": lambda_z_recon * |E(b_rand) - z_rand|}``;
        the latent term's gradient reaches ``G`` and never ``E``'s weights.
    """
    cfg = model.cfg
    z_back = forward_with_frozen_parameters(model.E, b_rand)[0]  # (N, D), E's mean head
    return {
        "adv_rand": cfg.lambda_gan * model.g_adversarial(model.D, [model.pair(a, b_rand)]),
        "latent": cfg.lambda_z_recon * latent_regression_l1(z_back, z_rand),
    }


def cyclic_reconstruction(
    model: StEP, a: torch.Tensor, b: torch.Tensor, z: torch.Tensor, stage: int
) -> torch.Tensor:
    """``cyc_recon``, weighted by ``lambda_rec``: swap codes between pairs, then recover.

    Args:
        model: the StEP model.
        a: (N, C, H, W) sources; b: (N, C, H, W) their targets.
        z: (N, D) ``E(b)``.
        stage: 2 (``E`` frozen: gradients pass through it to ``G`` only) or 3.

    Returns:
        The scalar ``lambda_rec * L_rec(G(a_j, E(G(a_i, z_j))), b_j)`` over pairs j = i + 1.
    """
    a_next, b_next = a.roll(-1, dims=0), b.roll(-1, dims=0)
    u = model.G(a, z.roll(-1, dims=0))  # a_i's content in b_{i+1}'s style
    z_hat = model.E(u)[0] if stage == 3 else forward_with_frozen_parameters(model.E, u)[0]
    return model.cfg.lambda_rec * model.reconstruction(model.G(a_next, z_hat), b_next)
