"""MineGAN: mine the prior of frozen pretrained generators, then fine-tune (Wang et al., CVPR
2020, arXiv:1912.05270; thesis of Y. Wang, Chapter 3).

A small miner network ``M`` maps fresh noise ``u`` to the code of a pretrained generator, so the
samples ``G(M(u))`` move to the region of the source distribution closest to a few target images
(Eqs. 3.3, 3.4: the critic ``D`` is trained on target images; ``M`` ascends the critic's score
while ``G`` stays frozen and only passes gradients). After ``mining_steps`` the generator is
released and trained too ("MineGAN" with fine-tuning).

With several sources (Eqs. 3.5, 3.6) a batch holds supersamples, one sample per generator; the
critic's loss takes the *maximum* score per supersample, so gradients reach only the winning
sample's miner. The selector's probabilities are the running frequencies of which generator wins
(the arg-max of the critic) over the last ``window`` batches, fixed at inference: a counting
estimate, not a learned (Gumbel-softmax) selector.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from companion.config import PresetConfig
from companion.losses import gradient_penalty
from companion.methods.base import Method, images_of, register_method
from companion.methods.pretrained import copy_weights, load_source
from companion.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from companion.stepper import Stepper

__all__ = ["ArgmaxSelector", "MineGAN", "MineGANConfig", "miner"]

ARCHITECTURE_FIELDS = ("z_dim", "image_size", "channels", "width_g", "width_d")


@dataclasses.dataclass(frozen=True)
class MineGANConfig(PresetConfig):
    """Hyper-parameters; the defaults are the ``paper`` preset (App. A.2.1, MNIST)."""

    z_dim: int = 128  # Sec. 3.4: |z| = 128 for the quantitative MNIST results
    u_dim: int = 128  # App. A.2.1: on MNIST the miner keeps the latent's size
    miner_layers: int = 2  # App. A.2.1: "two fully connected layers" on MNIST; 0: no miner
    image_size: int = 32  # the book's digits (MNIST: 28, padded to 32 by WGAN-GP's code)
    channels: int = 3
    width_g: int = 64  # WGAN-GP's dim = 64 (only when no source generators are given)
    width_d: int = 64
    sources: tuple[str, ...] = ()  # source checkpoints, one per generator; () = random nets
    num_sources: int = 1  # generators built when ``sources`` is empty
    mining_steps: int = 2000  # stage 1 with G frozen (the thesis gives no count; ours)
    window: int = 1000  # Sec. 3.3: the selector averages "the last 1000 minibatches"
    lambda_gp: float = 10.0  # WGAN-GP, Alg. 1 (the thesis omits the penalty's weight)
    n_critic: int = 5  # WGAN-GP, Alg. 1
    lr_miner: float = 4e-4  # App. A.2.1, MNIST: 0.0004
    lr_g: float = 4e-4
    lr_d: float = 4e-4
    betas: tuple[float, float] = (0.5, 0.999)  # App. A.2.1, MNIST
    batch_size: int = 64  # App. A.2.1, MNIST
    dataset: str = "digits"
    image_key: str = "a"

    @classmethod
    def cpu(cls) -> MineGANConfig:
        # the chapter's 2-D sources: a few hundred steps; n_critic 2 to fit the budget
        return dataclasses.replace(
            cls(), z_dim=16, u_dim=16, image_size=16, width_g=32, width_d=32,
            mining_steps=300, window=100, n_critic=2,
        )  # fmt: skip

    @classmethod
    def smoke(cls) -> MineGANConfig:
        return dataclasses.replace(
            cls.cpu(), z_dim=8, u_dim=4, image_size=32, width_g=8, width_d=8,
            num_sources=2, mining_steps=1, window=4, batch_size=8,
        )  # fmt: skip


def miner(u_dim: int, z_dim: int, layers: int, hidden: int | None = None) -> nn.Module:
    """The miner MLP ``u (N, u_dim) -> z (N, z_dim)``: ``layers`` linear maps, ReLU between.

    Hidden widths equal ``z_dim`` unless ``hidden`` is given (App. A.2.1: on MNIST the latent's
    size; BigGAN's class-embedding miner has hidden layers of 128 and an output of 128).
    ``layers = 0`` is no miner at all (the identity, ``u_dim == z_dim``): a MineGAN without
    miners whose generators are released from step 0 is the plain WGAN-GP that trains a source
    model.

    Example:
        >>> miner(4, 8, 2)(torch.zeros(3, 4)).shape
        torch.Size([3, 8])
        >>> miner(4, 8, 2, hidden=16)[0]
        Linear(in_features=4, out_features=16, bias=True)
        >>> miner(8, 8, 0)
        Identity()
    """
    if layers < 0:
        raise ValueError(f"miner_layers must be >= 0, got {layers}")
    if layers == 0:
        if u_dim != z_dim:
            raise ValueError(
                f"no miner (miner_layers=0) needs u_dim == z_dim, got {u_dim}, {z_dim}"
            )
        return nn.Identity()
    width = z_dim if hidden is None else hidden
    sizes = [u_dim] + [width] * (layers - 1) + [z_dim]
    mods: list[nn.Module] = []
    for i in range(layers):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < layers - 1:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


class ArgmaxSelector(nn.Module):
    """Sec. 3.3's selector: how often each generator wins the critic's arg-max, over a window.

    ``update(scores)`` takes one batch's critic scores (K supersamples, N generators) and stores
    the batch's win frequencies; :attr:`probs` averages the last ``window`` batches (uniform
    before the first update). Fixed at inference.

    Example:
        >>> sel = ArgmaxSelector(num_sources=2, window=2)
        >>> sel.update(torch.tensor([[0.0, 1.0], [2.0, 1.0], [0.0, 3.0], [0.0, 5.0]]))
        >>> sel.probs.tolist()
        [0.25, 0.75]
    """

    def __init__(self, num_sources: int, window: int) -> None:
        super().__init__()
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self.register_buffer("wins", torch.zeros(window, num_sources))  # (window, N)
        self.register_buffer("count", torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def update(self, scores: torch.Tensor) -> None:
        """Record one batch: ``scores`` (K, N) critic scores of K supersamples."""
        n = self.wins.shape[1]
        won = torch.bincount(scores.argmax(dim=1), minlength=n).float() / scores.shape[0]  # (N,)
        self.wins[int(self.count) % self.wins.shape[0]] = won
        self.count += 1

    @property
    def probs(self) -> torch.Tensor:
        """(N,) the selector's probabilities, summing to 1."""
        filled = min(int(self.count), self.wins.shape[0])
        if filled == 0:
            return torch.full_like(self.wins[0], 1.0 / self.wins.shape[1])
        return self.wins[:filled].mean(dim=0)


@register_method
class MineGAN(Method):
    """Miners before frozen generators, one critic, a selector; then joint fine-tuning.

    Args:
        cfg: the config.
        generators: pretrained generators ``z (N, z_dim) -> x`` (default: built from the
            ``sources`` checkpoints, or random DCGAN generators when it is empty).
        critic: the critic ``x -> (N,)`` scores (default: the first source's critic).
        miners: one miner ``u (N, u_dim) -> code`` per generator (default: the MLPs of
            :func:`miner` from ``u_dim`` to ``z_dim`` with ``miner_layers`` layers).

    Example:
        >>> gan = MineGAN(MineGANConfig.smoke())
        >>> gan.sample(3).shape
        torch.Size([3, 3, 32, 32])
    """

    Config = MineGANConfig
    name = "minegan"
    conditional = False

    def __init__(
        self,
        cfg: MineGANConfig,
        generators: Sequence[nn.Module] | None = None,
        critic: nn.Module | None = None,
        miners: Sequence[nn.Module] | None = None,
    ) -> None:
        super().__init__(cfg)
        sources = [load_source(path)["method"] for path in cfg.sources]
        if generators is None:
            n = len(sources) or cfg.num_sources
            generators = [
                DCGANGenerator(cfg.z_dim, cfg.image_size, cfg.channels, cfg.width_g)
                for _ in range(n)
            ]
            for g, source in zip(generators, sources):
                copy_weights(g, source, "G.", ARCHITECTURE_FIELDS)
        if critic is None:
            critic = DCGANDiscriminator(cfg.image_size, cfg.channels, cfg.width_d, norm="layer")
            if sources:  # "initialized with the pre-trained weights of one of the critics"
                copy_weights(critic, sources[0], "D.", ARCHITECTURE_FIELDS)
        self.G = nn.ModuleList(generators)
        if miners is None:
            miners = [miner(cfg.u_dim, cfg.z_dim, cfg.miner_layers) for _ in range(len(self.G))]
        if len(miners) != len(self.G):
            raise ValueError(f"{len(miners)} miners for {len(self.G)} generators: give one each")
        self.M = nn.ModuleList(miners)
        self.D = critic
        self.selector = ArgmaxSelector(len(self.G), cfg.window)

    @property
    def code_dim(self) -> int:
        return self.cfg.u_dim

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.cfg
        groups = [
            {"params": list(self.M.parameters()), "lr": cfg.lr_miner},
            {"params": list(self.G.parameters()), "lr": cfg.lr_g},
        ]
        groups = [group for group in groups if group["params"]]  # no miner: G's group only
        return {
            "D": torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=cfg.betas),
            "G": torch.optim.Adam(groups, betas=cfg.betas),  # miners, and G once released
        }

    def example_batch(
        self, n: int, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        cfg = self.cfg
        x = torch.rand(n, cfg.channels, cfg.image_size, cfg.image_size, generator=generator)
        return {cfg.image_key: x * 2 - 1}

    def supersamples(self, k: int, device: torch.device) -> torch.Tensor:
        """K supersamples, one sample per generator: (N_gen, K, ...) = G_i(M_i(u_i))."""
        u = torch.randn(len(self.G), k, self.cfg.u_dim, device=device)  # (N_gen, K, U)
        return torch.stack([g(m(u_i)) for g, m, u_i in zip(self.G, self.M, u)])

    def best_scores(self, x_fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Critic scores (K, N_gen) of supersamples (N_gen, K, ...) and each one's maximum (K,)."""
        n_gen, k = x_fake.shape[:2]
        scores = self.D(x_fake.flatten(0, 1)).view(n_gen, k).T  # (K, N_gen)
        return scores, scores.max(dim=1).values

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        cfg = self.cfg
        x_real = images_of(batch, cfg.image_key)  # (K, ...) target samples
        k = x_real.shape[0]
        released = step >= cfg.mining_steps
        self.G.requires_grad_(released)  # stage 1: G frozen, gradients pass through it
        self.G.train(released)  # a frozen G keeps its batch-norm statistics too

        # Eq. (3.5): the critic scores the best sample of each supersample against the target.
        for _ in range(cfg.n_critic):
            with torch.no_grad():
                x_fake = self.supersamples(k, x_real.device)
            if x_fake.shape[2:] != x_real.shape[1:]:
                raise ValueError(
                    f"the target samples have shape {tuple(x_real.shape[1:])}, the generators "
                    f"draw {tuple(x_fake.shape[2:])}; load the data at the sources' resolution"
                )
            scores, best = self.best_scores(x_fake)
            chosen = x_fake[scores.argmax(dim=1), torch.arange(k)]  # (K, ...) the winners
            loss_adv = best.mean() - self.D(x_real).mean()
            loss_gp = gradient_penalty(self.D, x_real, chosen)
            loss_d = loss_adv + cfg.lambda_gp * loss_gp
            opt.step("D", loss_d)
        self.selector.update(scores.detach())

        # Eq. (3.6): the miners (and G once released) raise the best score; only the winner
        # of each supersample receives a gradient.
        _, best = self.best_scores(self.supersamples(k, x_real.device))
        loss_g = -best.mean()
        opt.step("G", loss_g)
        logs = {
            "loss/d": loss_d.item(),
            "loss/g": loss_g.item(),
            "loss/d_gp": loss_gp.item(),
            "dist/wasserstein": -loss_adv.item(),
        }
        logs.update({f"selector/p{i}": p.item() for i, p in enumerate(self.selector.probs)})
        return logs

    @torch.no_grad()
    def sample(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        source: int | None = None,
    ) -> torch.Tensor:
        """Draw ``n`` samples: a generator i ~ Cat(selector.probs), then G_i(M_i(u)).

        Args:
            n: number of samples.
            generator: a CPU torch generator for u and the choice of source.
            source: draw only from this generator (default: the selector's choice).
        """
        self.G.eval()
        u = torch.randn(n, self.cfg.u_dim, generator=generator).to(self.device)
        if source is None:
            i = torch.multinomial(self.selector.probs.cpu(), n, True, generator=generator)
        else:
            i = torch.full((n,), source, dtype=torch.long)
        x = torch.stack([g(m(u)) for g, m in zip(self.G, self.M)])  # (N_gen, n, ...)
        return x[i.to(self.device), torch.arange(n, device=self.device)]
