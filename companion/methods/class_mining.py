"""Conditional MineGAN: mine a class-conditional generator as N generators, one per class
(thesis of Y. Wang, Sec. 3.3 and App. A.2.2).

The thesis mines a conditional source by "considering each possible conditioning as an
independently trained generator", ``G_i(z) = G(i, z)``: N miners, one per class, in front of the
same frozen generator, and the multi-generator selector of :mod:`companion.methods.minegan`, so
that "the resulting selector now chooses among the N classes". Nothing new is trained here:
:class:`ClassGenerator` exposes one class of a conditional generator as an unconditional one,
and :func:`conditional_minegan` hands N of them to :class:`~companion.methods.minegan.MineGAN`.
All N share the one generator's weights (not copies): while mining it is frozen, and once
released (stage 2) it receives the gradients of every class that wins a supersample.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from companion.methods.minegan import MineGAN, MineGANConfig

__all__ = ["ClassGenerator", "class_generators", "conditional_minegan"]


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
