"""Critics T(x, y) for the MI bounds: each returns an (N, M) score matrix on all pairs.

Two architectures from Poole et al. (2019, Sec. 4), both ReLU MLPs (their default: 2 hidden
layers of 256 units, embedding 32):

- :class:`SeparableCritic`: ``T(x, y) = g(x) . h(y)``; N + M network passes give all N * M
  scores, so large batches of negatives are cheap (CPC, SimCLR).
- :class:`ConcatCritic`: ``T(x, y) = f([x, y])``; N * M network passes, but it can represent
  any function of the pair (SEGAN's statistics network is of this kind, with images).

For images (or a mix of images and vectors), :class:`EncoderCritic` embeds each side with its
own encoder (:class:`ConvEncoder` for images, an MLP for vectors) and scores the embeddings
separably or through a concatenating head.

Plus :class:`GaussianPosteriorCritic` (``log q(x | y)`` for the Barber-Agakov bound) and
:func:`gaussian_optimal_critic`, the pointwise MI of the correlated Gaussian (the best critic).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from companion.mi.gaussian import gaussian_pmi

__all__ = [
    "ConcatCritic",
    "ConvEncoder",
    "EncoderCritic",
    "EnsembleLinear",
    "GaussianPosteriorCritic",
    "SeparableCritic",
    "gaussian_optimal_critic",
    "mlp",
]


class EnsembleLinear(nn.Module):
    """``num_critics`` independent linear layers applied at once: (N, in) -> (E, N, out).

    Lets many small critics train as one batched network (one ``baddbmm`` per layer instead of
    E ``addmm``); initialised like ``nn.Linear``, ``U(-1/sqrt(in), 1/sqrt(in))``.

    Args:
        num_critics: E, the number of independent layers.
        dim_in: input features.
        dim_out: output features.

    Example:
        >>> EnsembleLinear(3, 4, 2)(torch.zeros(5, 4)).shape
        torch.Size([3, 5, 2])
    """

    def __init__(self, num_critics: int, dim_in: int, dim_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_critics, dim_in, dim_out))
        self.bias = nn.Parameter(torch.empty(num_critics, 1, dim_out))
        self.reset_parameters()

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Redraw all weights from ``U(-1/sqrt(in), 1/sqrt(in))``."""
        bound = 1.0 / math.sqrt(self.weight.shape[1])
        with torch.no_grad():
            self.weight.uniform_(-bound, bound, generator=generator)
            self.bias.uniform_(-bound, bound, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        """(N, in) shared by all critics, or (E, N, in) -> (E, N, out)."""
        if x.dim() == 2:
            x = x.expand(self.weight.shape[0], *x.shape)  # (E, N, in)
        return torch.baddbmm(self.bias, x, self.weight)  # (E, N, out)

    def extra_repr(self) -> str:
        e, i, o = self.weight.shape
        return f"num_critics={e}, dim_in={i}, dim_out={o}"


def mlp(
    dim_in: int, hidden: int, dim_out: int, layers: int = 2, num_critics: int | None = None
) -> nn.Sequential:
    """A ReLU MLP: ``layers`` hidden layers of width ``hidden``, then a linear output.

    Args:
        dim_in: input features.
        hidden: width of each hidden layer.
        dim_out: output features.
        layers: number of hidden layers (>= 0; 0 gives a linear map).
        num_critics: None for one MLP; E for E independent MLPs evaluated together
            (:class:`EnsembleLinear` layers), mapping (N, dim_in) to (E, N, dim_out).

    Returns:
        ``nn.Sequential`` mapping (N, dim_in) to (N, dim_out) (or (E, N, dim_out)).

    Raises:
        ValueError: on a non-positive size or negative ``layers``.

    Example:
        >>> mlp(3, 16, 2)(torch.zeros(5, 3)).shape
        torch.Size([5, 2])
        >>> mlp(3, 16, 2, num_critics=4)(torch.zeros(5, 3)).shape
        torch.Size([4, 5, 2])
    """
    if (
        min(dim_in, hidden, dim_out) < 1
        or layers < 0
        or (num_critics is not None and num_critics < 1)
    ):
        raise ValueError(
            f"mlp sizes must be positive and layers >= 0, got dim_in={dim_in}, "
            f"hidden={hidden}, dim_out={dim_out}, layers={layers}, num_critics={num_critics}"
        )

    def linear(i: int, o: int) -> nn.Module:
        return nn.Linear(i, o) if num_critics is None else EnsembleLinear(num_critics, i, o)

    modules: list[nn.Module] = []
    width = dim_in
    for _ in range(layers):
        modules += [linear(width, hidden), nn.ReLU()]
        width = hidden
    modules.append(linear(width, dim_out))
    return nn.Sequential(*modules)


def _check_xy(x: Tensor, y: Tensor, dim_x: int, dim_y: int) -> None:
    if x.dim() != 2 or y.dim() != 2 or x.shape[1] != dim_x or y.shape[1] != dim_y:
        raise ValueError(
            f"expected x of shape (N, {dim_x}) and y of shape (M, {dim_y}), got "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )


class SeparableCritic(nn.Module):
    """Separable critic ``T(x, y) = g(x)^T h(y)`` (Poole et al. 2019, Sec. 4).

    Args:
        dim_x: features of x.
        dim_y: features of y.
        hidden: hidden width of g and h (Poole et al.: 256).
        embed: embedding size (Poole et al.: 32).
        layers: hidden layers of each MLP (Poole et al.: 2).
        num_critics: None for one critic; E for E independent critics trained together, whose
            outputs gain a leading (E,) dimension.

    Example:
        >>> critic = SeparableCritic(3, 4, hidden=8, embed=5)
        >>> critic(torch.zeros(6, 3), torch.zeros(7, 4)).shape
        torch.Size([6, 7])
        >>> SeparableCritic(3, 4, 8, 5, num_critics=2)(torch.zeros(6, 3), torch.zeros(7, 4)).shape
        torch.Size([2, 6, 7])
    """

    def __init__(
        self,
        dim_x: int,
        dim_y: int,
        hidden: int = 256,
        embed: int = 32,
        layers: int = 2,
        num_critics: int | None = None,
    ) -> None:
        super().__init__()
        self.dim_x, self.dim_y = dim_x, dim_y
        self.g = mlp(dim_x, hidden, embed, layers, num_critics)
        self.h = mlp(dim_y, hidden, embed, layers, num_critics)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """Scores on all pairs.

        Args:
            x: (N, dim_x) float.
            y: (M, dim_y) float.

        Returns:
            (N, M) float (or (num_critics, N, M)), entry (i, j) = T(x_i, y_j); with M = N and
            aligned rows, the diagonal holds the joint pairs.
        """
        _check_xy(x, y, self.dim_x, self.dim_y)
        return self.g(x) @ self.h(y).transpose(-1, -2)  # (.., N, K) @ (.., K, M) -> (.., N, M)

    def score_pairs(self, x: Tensor, y: Tensor) -> Tensor:
        """Aligned pairs only: (N, dim_x), (N, dim_y) -> (N,) (or (num_critics, N))."""
        _check_xy(x, y, self.dim_x, self.dim_y)
        return (self.g(x) * self.h(y)).sum(-1)


class ConcatCritic(nn.Module):
    """Concatenated critic ``T(x, y) = f([x, y])`` evaluated on all pairs (Poole et al. 2019).

    Args:
        dim_x: features of x.
        dim_y: features of y.
        hidden: hidden width (Poole et al.: 256).
        layers: hidden layers (Poole et al.: 2).
        num_critics: None for one critic; E for E independent critics trained together, whose
            outputs gain a leading (E,) dimension.

    Example:
        >>> critic = ConcatCritic(3, 4, hidden=8)
        >>> critic(torch.zeros(6, 3), torch.zeros(7, 4)).shape
        torch.Size([6, 7])
    """

    def __init__(
        self,
        dim_x: int,
        dim_y: int,
        hidden: int = 256,
        layers: int = 2,
        num_critics: int | None = None,
    ) -> None:
        super().__init__()
        self.dim_x, self.dim_y = dim_x, dim_y
        self.f = mlp(dim_x + dim_y, hidden, 1, layers, num_critics)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """Scores on all pairs: (N, dim_x), (M, dim_y) -> (N, M) (or (num_critics, N, M))."""
        _check_xy(x, y, self.dim_x, self.dim_y)
        n, m = x.shape[0], y.shape[0]
        pairs = torch.cat(
            [x.unsqueeze(1).expand(n, m, self.dim_x), y.unsqueeze(0).expand(n, m, self.dim_y)],
            dim=-1,
        ).reshape(n * m, self.dim_x + self.dim_y)  # (N * M, dim_x + dim_y)
        scores = self.f(pairs)  # (N * M, 1) or (E, N * M, 1)
        return scores.reshape(*scores.shape[:-2], n, m)  # (N, M) or (E, N, M)

    def score_pairs(self, x: Tensor, y: Tensor) -> Tensor:
        """Aligned pairs only: (N, dim_x), (N, dim_y) -> (N,) (or (num_critics, N))."""
        _check_xy(x, y, self.dim_x, self.dim_y)
        return self.f(torch.cat([x, y], dim=-1)).squeeze(-1)


class ConvEncoder(nn.Module):
    """A small convolutional encoder for critics on images: (N, C, H, W) -> (N, embed).

    Two stride-2 3x3 convolutions (32 and 64 channels, ReLU), average-pooled to 4 x 4, then a
    ReLU MLP with one hidden layer: a DCGAN-style trunk small enough to train on a CPU, the
    image counterpart of Poole et al.'s MLP embedding.

    Args:
        channels: C, the input channels.
        embed: output features.
        hidden: width of the MLP's hidden layer.

    Example:
        >>> ConvEncoder(1, embed=8, hidden=16)(torch.zeros(3, 1, 28, 28)).shape
        torch.Size([3, 8])
    """

    def __init__(self, channels: int, embed: int = 32, hidden: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),  # (N, 64 * 4 * 4)
            nn.Linear(64 * 16, hidden),
            nn.ReLU(),
            nn.Linear(hidden, embed),
        )

    def forward(self, x: Tensor) -> Tensor:
        """(N, C, H, W) float -> (N, embed)."""
        return self.net(x)


class EncoderCritic(nn.Module):
    """``T(x, y)`` on embeddings ``f(x)``, ``g(y)``: separable ``f . g`` or concatenated.

    Args:
        encoder_x: maps a batch of x (N, ...) to (N, K).
        encoder_y: maps a batch of y (M, ...) to (M, K).
        combine: ``"separable"`` (``T = f(x) . g(y)``, all N * M scores from N + M encoder
            passes) or ``"concat"`` (``T = head([f(x), g(y)])``, an MLP on all N * M pairs).
        embed: K, the embedding size of both encoders.
        hidden: hidden width of the concatenating head.

    Raises:
        ValueError: if combine is neither "separable" nor "concat".

    Example:
        >>> critic = EncoderCritic(ConvEncoder(1, 8, 16), mlp(2, 16, 8), embed=8)
        >>> critic(torch.zeros(5, 1, 8, 8), torch.zeros(4, 2)).shape
        torch.Size([5, 4])
    """

    def __init__(
        self,
        encoder_x: nn.Module,
        encoder_y: nn.Module,
        combine: str = "separable",
        embed: int = 32,
        hidden: int = 256,
    ) -> None:
        super().__init__()
        if combine not in ("separable", "concat"):
            raise ValueError(f"combine must be 'separable' or 'concat', got {combine!r}")
        self.encoder_x, self.encoder_y, self.combine = encoder_x, encoder_y, combine
        self.head = mlp(2 * embed, hidden, 1) if combine == "concat" else None

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """Scores on all pairs: x (N, ...), y (M, ...) -> (N, M)."""
        f, g = self.encoder_x(x), self.encoder_y(y)  # (N, K), (M, K)
        if self.head is None:
            return f @ g.T  # (N, M)
        n, m, k = f.shape[0], g.shape[0], f.shape[1]
        pairs = torch.cat([f.unsqueeze(1).expand(n, m, k), g.unsqueeze(0).expand(n, m, k)], -1)
        return self.head(pairs.reshape(n * m, 2 * k)).reshape(n, m)  # (N * M, 2K) -> (N, M)

    def extra_repr(self) -> str:
        return f"combine={self.combine!r}"


class GaussianPosteriorCritic(nn.Module):
    """``log q(x | y)`` with ``q = N(mu(y), diag(sigma^2))``: the Barber-Agakov "critic".

    The mean is an MLP of y, the log-variance a learned vector. Entry (i, j) of the output is
    ``log q(x_i | y_j)`` in nats, so :func:`companion.mi.bounds.ba_lower_bound` reads its
    diagonal. For the correlated Gaussian the true posterior is ``N(rho y, 1 - rho^2)``, inside
    this family, so the bound can be tight.

    Args:
        dim_x: features of x (the variable whose density q models).
        dim_y: features of y (the conditioning variable).
        hidden: hidden width of the mean network.
        layers: hidden layers of the mean network.

    Example:
        >>> q = GaussianPosteriorCritic(2, 3, hidden=8)
        >>> q(torch.zeros(4, 2), torch.zeros(5, 3)).shape
        torch.Size([4, 5])
    """

    def __init__(self, dim_x: int, dim_y: int, hidden: int = 256, layers: int = 2) -> None:
        super().__init__()
        self.dim_x, self.dim_y = dim_x, dim_y
        self.mean = mlp(dim_y, hidden, dim_x, layers)
        self.log_var = nn.Parameter(torch.zeros(dim_x))

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """Log-densities on all pairs: (N, dim_x), (M, dim_y) -> (N, M) in nats."""
        _check_xy(x, y, self.dim_x, self.dim_y)
        mu = self.mean(y)  # (M, dim_x)
        return self._log_density(x.unsqueeze(1) - mu.unsqueeze(0))  # (N, M, dim_x) -> (N, M)

    def score_pairs(self, x: Tensor, y: Tensor) -> Tensor:
        """``log q(x_i | y_i)`` of aligned pairs: (N, dim_x), (N, dim_y) -> (N,) in nats."""
        _check_xy(x, y, self.dim_x, self.dim_y)
        return self._log_density(x - self.mean(y))

    def _log_density(self, diff: Tensor) -> Tensor:
        maha = (diff.square() * torch.exp(-self.log_var)).sum(-1)
        return -0.5 * (maha + self.log_var.sum() + self.dim_x * math.log(2.0 * math.pi))


def gaussian_optimal_critic(x: Tensor, y: Tensor, rho: float) -> Tensor:
    """The optimal critic for the correlated Gaussian: its pointwise MI on all pairs.

    Optimal (up to the bound's allowed offsets) for DV, JSD and InfoNCE; NWJ's optimum is
    ``1 +`` this. See :func:`companion.mi.gaussian.gaussian_pmi`.

    Args:
        x: (N, D) float.
        y: (M, D) float, drawn with ``y = rho x + sqrt(1 - rho^2) eps`` for aligned rows.
        rho: the correlation in (-1, 1).

    Returns:
        (N, M) float scores in nats.

    Example:
        >>> gaussian_optimal_critic(torch.zeros(3, 2), torch.zeros(3, 2), 0.0).abs().max().item()
        0.0
    """
    return gaussian_pmi(x, y, rho)
