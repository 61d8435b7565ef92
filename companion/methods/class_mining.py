"""Conditional MineGAN: mine a class-conditional generator as N generators, one per class
(thesis of Y. Wang, Sec. 3.3 and App. A.2.2), or through its class embedding (BigGAN, Sec. 3.3).

The thesis mines a conditional source by "considering each possible conditioning as an
independently trained generator", ``G_i(z) = G(i, z)``: N miners, one per class, in front of the
same frozen generator, and the multi-generator selector of :mod:`companion.methods.minegan`, so
that "the resulting selector now chooses among the N classes". Nothing new is trained here:
:class:`ClassGenerator` exposes one class of a conditional generator as an unconditional one,
and :func:`conditional_minegan` hands N of them to :class:`~companion.methods.minegan.MineGAN`.
All N share the one generator's weights (not copies): while mining it is frozen, and once
released (stage 2) it receives the gradients of every class that wins a supersample.

For a generator whose classes enter through an embedding (BigGAN's, here a
:class:`~companion.nets.dcgan.DCGANGenerator` with ``embed_dim > 0``), the thesis adds a second
miner ``M^c`` "which maps from u to the embedding space", giving ``G(M^c(u), M^z(u))``; "The
training is equal to that of a single GAN and follows Eqs. 3.3 and 3.4", and the critic's label
projection is ignored since the target has no labels (App. A.2.1). :func:`embedding_minegan`
builds that single-generator MineGAN: :class:`EmbeddingMiner` holds ``M^z`` and ``M^c`` and
returns their outputs side by side, and :class:`EmbeddingInput` splits them again into the code
and the embedding the generator takes. Nothing keeps ``M^c(u)`` on the K class embeddings, so it
may find a point between or beyond them: for a class the generator never saw, that is the only
way to condition it on something other than a known class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
from torch import nn

from companion.methods.minegan import MineGAN, MineGANConfig, miner

__all__ = [
    "ClassGenerator",
    "EmbeddingInput",
    "EmbeddingMiner",
    "class_generators",
    "conditional_minegan",
    "embedding_minegan",
]


class ClassGenerator(nn.Module):
    """One class ``i`` of a class-conditional generator: ``z (N, z_dim) -> G(z, i)``.

    Args:
        generator: a conditional generator called as ``generator(z, y)`` with labels
            ``y (N,)`` int64 in ``[0, num_classes)``; it is shared, not copied.
        label: the class ``i``.
        num_classes: the generator's number of classes (default: its ``num_classes``).

    Raises:
        ValueError: for a label outside ``[0, num_classes)``.

    Example:
        >>> from companion.nets.dcgan import DCGANGenerator
        >>> g = DCGANGenerator(z_dim=8, image_size=32, width=8, num_classes=3).eval()
        >>> ClassGenerator(g, 2)(torch.zeros(4, 8)).shape
        torch.Size([4, 3, 32, 32])
    """

    def __init__(self, generator: nn.Module, label: int, num_classes: int | None = None) -> None:
        super().__init__()
        k = getattr(generator, "num_classes", None) if num_classes is None else num_classes
        if not k:
            raise ValueError(
                "the generator is not class-conditional (num_classes is 0 or unknown); pass "
                "num_classes for a generator without that attribute"
            )
        if not 0 <= label < k:
            raise ValueError(f"class index {label} is out of range for {k} classes [0, {k})")
        self.generator, self.label, self.num_classes = generator, int(label), int(k)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``G(z, i)`` (N, C, H, W) of codes ``z`` (N, z_dim)."""
        y = torch.full((z.shape[0],), self.label, dtype=torch.long, device=z.device)
        return self.generator(z, y)

    def extra_repr(self) -> str:
        return f"label={self.label}, num_classes={self.num_classes}"


def class_generators(
    generator: nn.Module, classes: Sequence[int] | int | None = None
) -> list[ClassGenerator]:
    """The generators ``G_i(z) = G(i, z)`` of a conditional generator, one per class.

    Args:
        generator: a conditional generator with a ``num_classes`` attribute.
        classes: the classes to expose (default: all ``num_classes``; an int n: ``0..n-1``).
    """
    k = getattr(generator, "num_classes", 0)
    if classes is None:
        classes = k
    if isinstance(classes, int):
        classes = range(classes)
    return [ClassGenerator(generator, i, k) for i in classes]


def conditional_minegan(
    cfg: MineGANConfig,
    generator: nn.Module,
    critic: nn.Module,
    classes: Sequence[int] | int | None = None,
) -> MineGAN:
    """A MineGAN whose N sources are the classes of one conditional generator (App. A.2.2).

    Args:
        cfg: the MineGAN config (its ``z_dim`` is the generator's code size).
        generator: the pretrained conditional generator (used in place: copy it first to keep
            the original untouched by stage 2).
        critic: the critic ``x -> (N,)`` scores (e.g. the source's).
        classes: the classes to mine among (default: all).

    Returns:
        A :class:`~companion.methods.minegan.MineGAN` with one miner per class; its
        ``selector.probs[j]`` is the probability of class ``classes[j]``.

    Example:
        >>> import dataclasses
        >>> from companion.nets.dcgan import DCGANDiscriminator, DCGANGenerator
        >>> cfg = dataclasses.replace(MineGANConfig.smoke(), image_size=16)
        >>> g = DCGANGenerator(cfg.z_dim, 16, 3, cfg.width_g, num_classes=3)
        >>> gan = conditional_minegan(cfg, g, DCGANDiscriminator(16, 3, 8, norm="layer"))
        >>> len(gan.M), gan.selector.probs.tolist()
        (3, [0.3333333432674408, 0.3333333432674408, 0.3333333432674408])
    """
    return MineGAN(cfg, generators=class_generators(generator, classes), critic=critic)


def _embed_dim(generator: nn.Module) -> int:
    d = getattr(generator, "embed_dim", 0)
    if not d:
        raise ValueError(
            "the generator has no class embedding (embed_dim is 0 or unknown); build it with "
            "embed_dim > 0 (TransferGANConfig.embed_dim), or mine its classes with "
            "conditional_minegan"
        )
    return int(d)


class EmbeddingInput(nn.Module):
    """A generator with a class embedding, driven by one code: ``[z, e] -> G(z, embedding=e)``.

    Args:
        generator: called as ``generator(z, embedding=e)`` with ``z`` (N, z_dim) and ``e``
            (N, embed_dim), and with ``z_dim`` and ``embed_dim`` attributes; shared, not copied.

    Example:
        >>> from companion.nets.dcgan import DCGANGenerator
        >>> g = DCGANGenerator(z_dim=8, image_size=16, width=8, num_classes=3, embed_dim=2)
        >>> EmbeddingInput(g).eval()(torch.zeros(4, 10)).shape
        torch.Size([4, 3, 16, 16])
    """

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.embed_dim = _embed_dim(generator)
        self.generator, self.z_dim = generator, int(generator.z_dim)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        """Images (N, C, H, W) of codes (N, z_dim + embed_dim): the code, then the embedding."""
        z, e = code.split([self.z_dim, self.embed_dim], dim=1)
        return self.generator(z, embedding=e)


class EmbeddingMiner(nn.Module):
    """The two miners of Sec. 3.3: ``u -> [M^z(u), M^c(u)]``, a code and a class embedding.

    Both are the MLPs of :func:`~companion.methods.minegan.miner` with ``layers`` linear maps
    and hidden layers of ``hidden`` units; they see the same ``u``, so a mined code and its
    embedding are drawn together.

    Args:
        u_dim: the miner's input size.
        z_dim: the generator's code size (``M^z``'s output).
        embed_dim: the class embedding's size (``M^c``'s output).
        layers: linear maps in each miner (>= 1).
        hidden: hidden width of both (default: ``z_dim``).

    Example:
        >>> m = EmbeddingMiner(u_dim=4, z_dim=8, embed_dim=2, layers=2)
        >>> m(torch.zeros(3, 4)).shape, m.embedding(torch.zeros(3, 4)).shape
        (torch.Size([3, 10]), torch.Size([3, 2]))
    """

    def __init__(
        self, u_dim: int, z_dim: int, embed_dim: int, layers: int, hidden: int | None = None
    ) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"an embedding miner needs layers >= 1, got {layers}")
        width = z_dim if hidden is None else hidden
        self.code = miner(u_dim, z_dim, layers, hidden=width)  # M^z
        self.class_embedding = miner(u_dim, embed_dim, layers, hidden=width)  # M^c

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """``[M^z(u), M^c(u)]`` (N, z_dim + embed_dim) of noise ``u`` (N, u_dim)."""
        return torch.cat([self.code(u), self.class_embedding(u)], dim=1)

    def embedding(self, u: torch.Tensor) -> torch.Tensor:
        """The mined class embeddings ``M^c(u)`` (N, embed_dim)."""
        return self.class_embedding(u)


def embedding_minegan(cfg: MineGANConfig, generator: nn.Module, critic: nn.Module) -> MineGAN:
    """A MineGAN that mines a generator's code and class embedding, ``G(M^c(u), M^z(u))``.

    Sec. 3.3's BigGAN setting: one generator, one critic, Eqs. 3.3-3.4 (the selector has one
    source and stays at 1); no labels of the target are used. ``cfg.z_dim`` is set to the
    generator's code size plus its embedding size (what the miner outputs).

    Args:
        cfg: the MineGAN config (its ``u_dim`` and ``miner_layers`` shape both miners, whose
            hidden width is the generator's ``z_dim``).
        generator: a conditional generator with a class embedding (``embed_dim > 0``), used in
            place: copy it first to keep the original untouched by stage 2.
        critic: the critic ``x -> (N,)`` scores (e.g. the source's; an auxiliary classifier
            head, if it has one, is not used).

    Returns:
        A :class:`~companion.methods.minegan.MineGAN` whose ``M[0]`` is an
        :class:`EmbeddingMiner` (``M[0].embedding(u)`` gives the mined embeddings) and whose
        ``G[0]`` is an :class:`EmbeddingInput` around ``generator``.

    Raises:
        ValueError: if the generator has no class embedding.

    Example:
        >>> from companion.nets.dcgan import DCGANDiscriminator, DCGANGenerator
        >>> cfg = dataclasses.replace(MineGANConfig.smoke(), image_size=16)
        >>> g = DCGANGenerator(cfg.z_dim, 16, 3, cfg.width_g, num_classes=3, embed_dim=2)
        >>> gan = embedding_minegan(cfg, g, DCGANDiscriminator(16, 3, 8, norm="layer"))
        >>> gan.sample(5).shape, gan.M[0].embedding(torch.zeros(5, cfg.u_dim)).shape
        (torch.Size([5, 3, 16, 16]), torch.Size([5, 2]))
    """
    source = EmbeddingInput(generator)
    cfg = dataclasses.replace(cfg, z_dim=source.z_dim + source.embed_dim)
    mine = EmbeddingMiner(cfg.u_dim, source.z_dim, source.embed_dim, cfg.miner_layers)
    return MineGAN(cfg, generators=[source], critic=critic, miners=[mine])
