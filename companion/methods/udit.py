"""UDIT's semantic constraint: keep an unwanted property of the input through a diverse translation
(Y. Wang, PhD thesis, Ch. 5, "Controlling biases and diversity in diverse image-to-image
translation"; the book's seed paper 003).

A diverse translator learns from its training sets what to change. When the two domains also
differ in a property ``u`` that should be kept (the no-makeup set is 95% male, the makeup set all
female), the translator changes ``u`` too: the dataset's bias becomes the model's. UDIT adds a
term to the generator's loss (Eq. 5.3),

    L_U = E_{a, z} || h(G(a, z)) - h(a) ||,

where ``h`` is a *frozen* semantic extractor of ``u``, trained beforehand on an external set
where ``u`` varies independently of the wanted change. The design recipe of Sec. 5.5.1: take a
classifier of ``u``, insert a 1x1 convolution down to ``D`` channels before its head, and use
that layer's output as ``h(x)``, with the smallest ``D`` that keeps the classifier accurate;
a wider feature also carries what *should* change and pins it (the "naive" constraint).

The thesis leaves the norm open; we use L1 (mean absolute difference over all feature elements)
and offer L2. ``h(a)`` is a target (no gradient); the gradient of ``h(G(a, z))`` flows through
the frozen ``h`` into ``G`` only. The released UDIT code defines this loss but never calls it;
here it is a :class:`~companion.methods.translation.GeneratorTerm`, so any member of the
translation family adds it to its G step::

    SEGAN(cfg, terms=[SemanticConstraint(h, weight=10.0)])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from companion.methods.translation import GeneratorTerm, Translations

__all__ = ["SemanticConstraint", "SemanticExtractor", "train_extractor"]


class SemanticExtractor(nn.Module):
    """A classifier of ``u`` whose 1x1xD bottleneck is the semantic feature ``h(x)`` (Sec. 5.5.1).

    Strided 3x3 convolutions with LeakyReLU(0.2) (the trunk), then the 1x1 convolution to ``d``
    channels, then global average pooling and a linear head over ``num_classes``.

    Args:
        num_classes: classes of the attribute ``u``.
        d: the bottleneck's channels D; None keeps the trunk's last layer (the thesis' "naive"
            constraint on the last convolutional features).
        in_channels: image channels.
        widths: channels of the strided convolutions (each halves H and W).

    Example:
        >>> h = SemanticExtractor(num_classes=6, d=4)
        >>> h.features(torch.zeros(2, 3, 32, 32)).shape, h(torch.zeros(2, 3, 32, 32)).shape
        (torch.Size([2, 4, 8, 8]), torch.Size([2, 6]))
    """

    def __init__(
        self,
        num_classes: int,
        d: int | None,
        in_channels: int = 3,
        widths: Sequence[int] = (16, 32),
    ) -> None:
        super().__init__()
        if d is not None and d < 1:
            raise ValueError(f"the bottleneck's D must be >= 1 (or None: no bottleneck), got {d}")
        layers, c = [], in_channels
        for w in widths:
            layers += [nn.Conv2d(c, w, 3, stride=2, padding=1), nn.LeakyReLU(0.2)]
            c = w
        self.trunk = nn.Sequential(*layers)
        self.reduce = nn.Identity() if d is None else nn.Conv2d(c, d, 1)
        self.dim = c if d is None else d
        self.head = nn.Linear(self.dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``h(x)``: (N, C, H, W) in [-1, 1] -> (N, D, H / 2^L, W / 2^L) semantic features."""
        return self.reduce(self.trunk(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits (N, num_classes) of images (N, C, H, W) in [-1, 1]."""
        return self.head(self.features(x).mean(dim=(2, 3)))  # GAP: (N, D) -> (N, classes)


def train_extractor(
    extractor: SemanticExtractor,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 2e-3,
    seed: int = 0,
) -> SemanticExtractor:
    """Fit the extractor's classifier of ``u`` with cross-entropy (Adam), then freeze it.

    The thesis trains its extractors "on a suitable external dataset" before translation
    (Sec. 5.5.1); pass images in which ``u`` varies independently of the wanted change.

    Args:
        extractor: the network to train (in place).
        images: (N, C, H, W) float in [-1, 1].
        labels: (N,) int64 classes of ``u``.
        steps: Adam steps.
        batch_size: images per step.
        lr: Adam learning rate.
        seed: seeds the mini-batch order (a private generator; the global RNG is untouched).

    Returns:
        The same extractor, in eval mode with ``requires_grad`` off.

    Raises:
        ValueError: if images and labels disagree in length.
    """
    if len(images) != len(labels):
        raise ValueError(f"got {len(images)} images but {len(labels)} labels")
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(extractor.parameters(), lr=lr)
    extractor.train().requires_grad_(True)
    for _ in range(steps):
        idx = torch.randint(len(images), (batch_size,), generator=gen)
        loss = F.cross_entropy(extractor(images[idx]), labels[idx].to(images.device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return extractor.eval().requires_grad_(False)


class SemanticConstraint(GeneratorTerm):
    """Eq. (5.3): ``|| h(G(a, z)) - h(a) ||`` with a frozen extractor ``h``, on every output.

    Its log key is ``loss/g_semantic``. The extractor is frozen here (eval mode, no gradient to
    its weights) and stays in eval mode when the method is put in training mode.

    Args:
        extractor: ``h``; anything with ``features(x) -> (N, D, H', W')``.
        weight: lambda_U (the thesis gives none; Sec. 5.4 only says lambda_U = 0 is MUNIT).
        norm: "l1" (mean absolute difference, our default) or "l2" (mean squared difference).

    Raises:
        ValueError: for a weight <= 0 or an unknown norm.

    Example:
        >>> h = SemanticExtractor(num_classes=2, d=1)
        >>> a = torch.zeros(2, 3, 16, 16)
        >>> out = Translations(a, a, [None], [a.clone()])
        >>> SemanticConstraint(h, weight=1.0)(out).item()  # G(a, z) = a: nothing changed
        0.0
    """

    key = "semantic"

    def __init__(self, extractor: nn.Module, weight: float, norm: str = "l1") -> None:
        super().__init__(weight)
        if norm not in ("l1", "l2"):
            raise ValueError(f"norm must be 'l1' or 'l2', got {norm!r}")
        self.norm = norm
        self.extractor = extractor.eval().requires_grad_(False)

    def train(self, mode: bool = True) -> SemanticConstraint:
        super().train(mode)
        self.extractor.eval()  # frozen: h never switches to training behaviour
        return self

    def forward(self, out: Translations) -> torch.Tensor:
        with torch.no_grad():
            u_src = self.extractor.features(out.a)  # (N, D, H', W'): the target u_i = h(a)
        dist = F.l1_loss if self.norm == "l1" else F.mse_loss
        losses = [dist(self.extractor.features(b_hat), u_src) for b_hat in out.b_fake]
        return sum(losses) / len(losses)
