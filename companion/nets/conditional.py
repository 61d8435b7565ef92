"""Class-conditional normalization, and the networks of SDIT (thesis Ch. 6, Sec. 6.3-6.4): one
generator for many domains, diverse by conditional instance normalization in the bottleneck, and
a discriminator with three heads.

- :class:`ClassConditionalNorm`: the shared pattern, a normalization whose affine parameters
  ``(gamma, beta)`` are a table row selected by the label (Dumoulin et al. 2017), optionally
  shifted by per-sample ``(d_gamma, d_beta)``;
- :class:`ConditionalBatchNorm2d`: batch norm with a ``(gamma, beta)`` row per class (TransferGAN's
  "Cond BNorm", thesis Sec. 2.4.1), built from an unconditional ``nn.BatchNorm2d`` by
  :meth:`ConditionalBatchNorm2d.from_batch_norm`, which copies its parameters into every row;
- :class:`EmbeddingBatchNorm2d`: batch norm whose ``(gamma, beta)`` are linear maps of a class
  *embedding* vector (BigGAN's conditional batch norm), so that any point of the embedding space,
  not only a class's own, conditions the generator (MineGAN's class-embedding miner, Sec. 3.3);
- :class:`ConditionalInstanceNorm`: instance norm whose affine parameters are selected by the
  domain label (a table row per domain) and shifted by a code-dependent ``(d_gamma, d_beta)``
  from the mapping network ``M(z)`` (Eq. 6.10);
- :class:`SDITGenerator`: ``E(x, l)`` (label tiled and concatenated to the image), ``M(z)``, the
  CIN branch ``T^c``, the attention branch ``T^a`` and the blend ``h = (1 - a) e + a f``
  (Eq. 6.9), then two fractionally strided convolutions and a 7x7 output convolution;
- :class:`SDITDiscriminator`: a strided trunk and three heads, real/fake ``D_src``, domain
  classifier ``D_cls`` and latent regressor ``F_rec``.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from companion.nets.adain import adaptive_instance_norm

__all__ = [
    "CIN_MODES",
    "ClassConditionalNorm",
    "ConditionalBatchNorm2d",
    "ConditionalInstanceNorm",
    "EmbeddingBatchNorm2d",
    "SDITDiscriminator",
    "SDITGenerator",
    "conditional_batch_norm_state",
]

CIN_MODES = ("both", "gamma", "beta")
"""Which of M(z)'s modulations act (thesis Fig. 6.6): both, the scale only, the shift only."""


class ClassConditionalNorm(nn.Module):
    """A normalization followed by ``gamma_l * e_hat + beta_l``, ``(gamma_l, beta_l)`` row ``l``.

    The table has one row per class (or domain), initialised to 1 and 0; per-sample
    ``(d_gamma, d_beta)``, when given, are added to the selected rows. Subclasses define
    :meth:`modulate`, which normalizes ``e`` and applies the per-sample affine parameters.

    Args:
        channels: C.
        num_classes: rows of the table.
    """

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.num_features, self.num_classes = channels, num_classes
        self.gamma = nn.Parameter(torch.ones(num_classes, channels))
        self.beta = nn.Parameter(torch.zeros(num_classes, channels))

    def modulate(self, e: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        """Normalize ``e`` (N, C, H, W), then scale by ``gamma`` and shift by ``beta`` (N, C)."""
        raise NotImplementedError(f"{type(self).__name__} must define modulate()")

    def forward(
        self,
        e: torch.Tensor,
        label: torch.Tensor,
        d_gamma: torch.Tensor | None = None,
        d_beta: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """e: (N, C, H, W); label: (N,) int64; d_gamma, d_beta: (N, C) or None."""
        gamma, beta = self.gamma[label], self.beta[label]  # (N, C) each: the label's rows
        if d_gamma is not None:
            gamma = gamma + d_gamma
        if d_beta is not None:
            beta = beta + d_beta
        return self.modulate(e, gamma, beta)


class ConditionalBatchNorm2d(ClassConditionalNorm):
    """Batch norm with a ``(gamma, beta)`` row per class: ``gamma[y] * BN(e) + beta[y]``.

    The statistics are those of ``nn.BatchNorm2d`` (batch statistics in training, running ones
    in eval mode, shared by all classes); only the affine parameters depend on the class. This
    is the "Cond BNorm" of TransferGAN's conditional generator (thesis Sec. 2.4.1, after de
    Vries et al. 2017).

    Args:
        channels: C.
        num_classes: K, rows of the table.
        eps: added to the variance.
        momentum: of the running statistics, as in ``nn.BatchNorm2d``.

    Example:
        >>> bn = nn.BatchNorm2d(4)
        >>> with torch.no_grad():
        ...     _ = bn.weight.fill_(2.0)
        >>> cbn = ConditionalBatchNorm2d.from_batch_norm(bn, num_classes=3)
        >>> cbn.gamma.shape, bool((cbn.gamma == 2).all())
        (torch.Size([3, 4]), True)
        >>> cbn(torch.randn(2, 4, 5, 5), torch.tensor([0, 2])).shape
        torch.Size([2, 4, 5, 5])
    """

    def __init__(
        self, channels: int, num_classes: int, eps: float = 1e-5, momentum: float = 0.1
    ) -> None:
        super().__init__(channels, num_classes)
        self.eps, self.momentum = eps, momentum
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    @classmethod
    def from_batch_norm(cls, bn: nn.BatchNorm2d, num_classes: int) -> ConditionalBatchNorm2d:
        """A conditional copy of ``bn``: every class's ``(gamma, beta)`` row is ``bn``'s
        ``(weight, bias)``, and the running statistics, ``eps`` and ``momentum`` are ``bn``'s.

        Args:
            bn: an unconditional batch norm with affine parameters and running statistics.
            num_classes: K.

        Raises:
            ValueError: if ``bn`` has no affine parameters, no running statistics or a
                ``momentum`` of None (cumulative averaging).
        """
        if not (bn.affine and bn.track_running_stats) or bn.momentum is None:
            raise ValueError(
                "from_batch_norm needs a batch norm with affine=True, track_running_stats=True "
                f"and a float momentum; got {bn}"
            )
        cbn = cls(bn.num_features, num_classes, eps=bn.eps, momentum=bn.momentum)
        with torch.no_grad():
            cbn.gamma.copy_(bn.weight.detach().expand(num_classes, -1))
            cbn.beta.copy_(bn.bias.detach().expand(num_classes, -1))
            cbn.running_mean.copy_(bn.running_mean)
            cbn.running_var.copy_(bn.running_var)
            cbn.num_batches_tracked.copy_(bn.num_batches_tracked)
        return cbn.to(bn.weight.device)

    def modulate(self, e: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        """``gamma * BN(e) + beta``: e (N, C, H, W), gamma and beta (N, C)."""
        if self.training:
            self.num_batches_tracked.add_(1)
        stats = (self.running_mean, self.running_var)
        e_hat = F.batch_norm(
            e, *stats, training=self.training, momentum=self.momentum, eps=self.eps
        )  # (N, C, H, W), zero mean and unit variance per channel
        return gamma[:, :, None, None] * e_hat + beta[:, :, None, None]


class EmbeddingBatchNorm2d(nn.Module):
    """Batch norm conditioned on an embedding: ``(1 + W_g e) * BN(e_in) + W_b e``.

    BigGAN's class-conditional batch norm (Brock et al. 2019, Sec. 3): the gain and bias of each
    channel are linear projections of a class embedding ``e`` (N, D) shared by all layers,
    rather than a table row per class. Any vector ``e`` conditions the layer, which is what
    MineGAN's class-embedding miner ``M^c`` searches (thesis Sec. 3.3). The statistics are an
    affine-free ``nn.BatchNorm2d``'s; the gain is ``1 + W_g e`` so that a zero projection is
    plain batch norm. The projections have biases (BigGAN's code does the same), so the class
    embedding shifts a learned shared ``(gamma, beta)``.

    Args:
        channels: C.
        embed_dim: D, the size of the embedding.
        eps: added to the variance.
        momentum: of the running statistics, as in ``nn.BatchNorm2d``.

    Example:
        >>> bn = EmbeddingBatchNorm2d(4, embed_dim=3)
        >>> bn(torch.randn(2, 4, 5, 5), torch.randn(2, 3)).shape
        torch.Size([2, 4, 5, 5])
    """

    def __init__(
        self, channels: int, embed_dim: int, eps: float = 1e-5, momentum: float = 0.1
    ) -> None:
        super().__init__()
        if embed_dim < 1:
            raise ValueError(f"embed_dim must be >= 1, got {embed_dim}")
        self.num_features, self.embed_dim = channels, embed_dim
        self.norm = nn.BatchNorm2d(channels, eps=eps, momentum=momentum, affine=False)
        self.gain = nn.Linear(embed_dim, channels)
        self.bias = nn.Linear(embed_dim, channels)

    def forward(self, e: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        """e: (N, C, H, W) features; embedding: (N, D) -> (N, C, H, W)."""
        gamma = 1.0 + self.gain(embedding)  # (N, C)
        beta = self.bias(embedding)  # (N, C)
        return gamma[:, :, None, None] * self.norm(e) + beta[:, :, None, None]


def conditional_batch_norm_state(
    state: Mapping[str, torch.Tensor], num_classes: int
) -> dict[str, torch.Tensor]:
    """An unconditional network's state dict as the conditional network's whose batch norms are
    :class:`ConditionalBatchNorm2d`: each batch norm's entries (found by its ``running_mean``)
    become :meth:`ConditionalBatchNorm2d.from_batch_norm`'s; every other entry is kept as is.

    Args:
        state: e.g. an unconditional ``DCGANGenerator``'s ``state_dict()``.
        num_classes: K.

    Returns:
        A new state dict: ``<bn>.weight``/``<bn>.bias`` (C,) replaced by ``<bn>.gamma``/
        ``<bn>.beta`` (K, C), the running statistics unchanged.

    Example:
        >>> state = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2)).state_dict()
        >>> new = conditional_batch_norm_state(state, 5)
        >>> sorted(new), tuple(new["1.gamma"].shape)  # doctest: +NORMALIZE_WHITESPACE
        (['0.bias', '0.weight', '1.beta', '1.gamma', '1.num_batches_tracked',
          '1.running_mean', '1.running_var'], (5, 2))
    """
    out = dict(state)
    for key in state:
        if not key.endswith(".running_mean"):
            continue
        name = key[: -len("running_mean")]  # "<bn>."
        entries = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
        bn = nn.BatchNorm2d(state[key].shape[0])
        bn.load_state_dict({k: state[name + k] for k in entries})
        for k in entries:
            del out[name + k]
        cbn = ConditionalBatchNorm2d.from_batch_norm(bn, num_classes)
        out.update({name + k: v for k, v in cbn.state_dict().items()})
    return out


class ConditionalInstanceNorm(ClassConditionalNorm):
    """``gamma_l(z) * (e - mu(e)) / sigma(e) + beta_l(z)`` with per-domain base parameters.

    ``gamma_l(z) = gamma[l] + d_gamma(z)`` and ``beta_l(z) = beta[l] + d_beta(z)``: row ``l`` of a
    learned table (initialised to 1 and 0) plus the code's modulation (zero when no code is
    given).

    Args:
        channels: C.
        num_domains: rows of the table.

    Example:
        >>> cin = ConditionalInstanceNorm(4, num_domains=3)
        >>> cin(torch.randn(2, 4, 8, 8), torch.tensor([0, 2])).shape
        torch.Size([2, 4, 8, 8])
    """

    def __init__(self, channels: int, num_domains: int) -> None:
        super().__init__(channels, num_domains)

    def modulate(self, e: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        """Instance norm of ``e`` (N, C, H, W), scaled and shifted by ``gamma``, ``beta`` (N, C)."""
        return adaptive_instance_norm(e, gamma, beta)


def _conv_in_relu(c_in: int, c_out: int, k: int, s: int, p: int, transpose: bool = False):
    conv = nn.ConvTranspose2d if transpose else nn.Conv2d
    return [conv(c_in, c_out, k, s, p), nn.InstanceNorm2d(c_out, affine=True), nn.ReLU()]


class _ResBlock(nn.Module):
    """conv3x3-IN-ReLU-conv3x3-IN plus the input (the encoder's and T^a's blocks)."""

    def __init__(self, c: int) -> None:
        super().__init__()
        body = _conv_in_relu(c, c, 3, 1, 1) + [nn.Conv2d(c, c, 3, 1, 1)]
        self.body = nn.Sequential(*body, nn.InstanceNorm2d(c, affine=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class _CINResBlock(nn.Module):
    """conv3x3-CIN-ReLU-conv3x3-CIN plus the input (T^c's blocks)."""

    def __init__(self, c: int, num_domains: int) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(c, c, 3, 1, 1), nn.Conv2d(c, c, 3, 1, 1)
        self.norm1 = ConditionalInstanceNorm(c, num_domains)
        self.norm2 = ConditionalInstanceNorm(c, num_domains)

    def forward(self, x: torch.Tensor, label: torch.Tensor, mods: list) -> torch.Tensor:
        """mods: [(d_gamma, d_beta), (d_gamma, d_beta)] for the two norms, each (N, C)."""
        y = F.relu(self.norm1(self.conv1(x), label, *mods[0]))
        return x + self.norm2(self.conv2(y), label, *mods[1])


class SDITGenerator(nn.Module):
    """``y = Up((1 - a) e + a f)`` with ``e = E(x, l)``, ``f = T^c(e, l, M(z))``, ``a = T^a(e)``.

    Args:
        num_domains: C; the label enters E as C tiled one-hot channels.
        z_dim: code size.
        conv_dim: E's first width (64 in Sec. 6.4); the bottleneck has 4x as many channels.
        num_res: E's residual blocks (6, Sec. 6.4).
        num_cin: T^c's CIN residual blocks, and T^a's residual blocks (4 in the released code,
            which matches M's 4096 outputs: 4 blocks x 2 norms x (gamma, beta) x 256).
        mlp_dim: M's hidden width (256, Sec. 6.4).
        use_attention: blend with the attention mask (False: ``h = f``, Sec. 6.5.3 on scenes).
        cin_mode: which modulations of M act (:data:`CIN_MODES`).

    Example:
        >>> g = SDITGenerator(3, 8, conv_dim=8, num_res=1, num_cin=1, mlp_dim=16)
        >>> y, a = g(torch.zeros(2, 3, 16, 16), torch.tensor([0, 2]), torch.zeros(2, 8))
        >>> y.shape, a.shape
        (torch.Size([2, 3, 16, 16]), torch.Size([2, 1, 4, 4]))
    """

    def __init__(
        self,
        num_domains: int,
        z_dim: int,
        conv_dim: int = 64,
        num_res: int = 6,
        num_cin: int = 4,
        mlp_dim: int = 256,
        use_attention: bool = True,
        cin_mode: str = "both",
    ) -> None:
        super().__init__()
        if cin_mode not in CIN_MODES:
            raise ValueError(f"cin_mode must be one of {CIN_MODES}, got {cin_mode!r}")
        c = conv_dim * 4
        self.num_domains, self.use_attention, self.cin_mode = num_domains, use_attention, cin_mode
        enc = _conv_in_relu(3 + num_domains, conv_dim, 7, 1, 3)
        enc += _conv_in_relu(conv_dim, conv_dim * 2, 4, 2, 1)
        enc += _conv_in_relu(conv_dim * 2, c, 4, 2, 1)
        self.encoder = nn.Sequential(*enc, *[_ResBlock(c) for _ in range(num_res)])
        self.mapping = nn.Sequential(  # M: z -> (gamma, beta) of every CIN layer
            nn.Linear(z_dim, mlp_dim), nn.ReLU(), nn.Linear(mlp_dim, num_cin * 2 * 2 * c)
        )
        self.cin_blocks = nn.ModuleList(_CINResBlock(c, num_domains) for _ in range(num_cin))
        attn = [_ResBlock(c) for _ in range(num_cin)]
        self.attention = nn.Sequential(*attn, nn.Conv2d(c, 1, 3, 1, 1), nn.Sigmoid())
        up = _conv_in_relu(c, conv_dim * 2, 4, 2, 1, transpose=True)
        up += _conv_in_relu(conv_dim * 2, conv_dim, 4, 2, 1, transpose=True)
        self.decoder = nn.Sequential(*up, nn.Conv2d(conv_dim, 3, 7, 1, 3), nn.Tanh())

    def encode(self, x: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        """``e = E(x, l)``: (N, 3, H, W), (N,) -> (N, 4 conv_dim, H / 4, W / 4)."""
        n, _, h, w = x.shape
        onehot = F.one_hot(label, self.num_domains).to(x)  # (N, C)
        tiled = onehot[:, :, None, None].expand(n, self.num_domains, h, w)  # (N, C, H, W)
        return self.encoder(torch.cat([x, tiled], dim=1))

    def modulations(self, z: torch.Tensor, channels: int) -> list:
        """M(z) cut into ``[[(d_gamma, d_beta)] * 2] * num_cin``, each (N, channels)."""
        params = self.mapping(z).view(len(z), len(self.cin_blocks), 2, 2, channels)
        keep_gamma, keep_beta = self.cin_mode != "beta", self.cin_mode != "gamma"
        return [
            [
                (
                    params[:, i, j, 0] if keep_gamma else None,
                    params[:, i, j, 1] if keep_beta else None,
                )
                for j in range(2)
            ]
            for i in range(len(self.cin_blocks))
        ]

    def forward(
        self, x: torch.Tensor, label: torch.Tensor, z: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Translate ``x`` to domains ``label`` with codes ``z`` (N, z_dim).

        Returns:
            ``(y, a)``: outputs (N, 3, H, W) in [-1, 1] and attention (N, 1, H / 4, W / 4)
            in [0, 1] (all ones without attention).
        """
        e = self.encode(x, label)  # (N, C', H/4, W/4)
        f = e
        for block, mods in zip(self.cin_blocks, self.modulations(z, e.shape[1])):
            f = block(f, label, mods)
        if self.use_attention:
            a = self.attention(e)  # (N, 1, H/4, W/4)
            h = (1 - a) * e + a * f  # Eq. (6.9)
        else:
            a, h = torch.ones_like(e[:, :1]), f
        return self.decoder(h), a


class SDITDiscriminator(nn.Module):
    """Trunk of ``layers`` 4x4 stride-2 convolutions (LeakyReLU 0.01), then three 3x3 heads.

    ``D_src`` gives a patch map of real/fake logits, ``D_cls`` C domain logits (averaged over
    the patches), ``F_rec`` the code: an 8-channel map, flattened, then a linear layer to
    ``z_dim`` (Sec. 6.4: "an additional fully connected layer from 32 units to 8").

    Args:
        num_domains: C.
        z_dim: code size.
        image_size: input side (sets F_rec's flattened size).
        conv_dim: first width (64), doubling per layer.
        layers: strided convolutions (6 at 128x128).

    Example:
        >>> d = SDITDiscriminator(3, 8, image_size=16, conv_dim=4, layers=2)
        >>> [t.shape for t in d(torch.zeros(2, 3, 16, 16))]
        [torch.Size([2, 1, 4, 4]), torch.Size([2, 3]), torch.Size([2, 8])]
    """

    def __init__(
        self, num_domains: int, z_dim: int, image_size: int, conv_dim: int = 64, layers: int = 6
    ) -> None:
        super().__init__()
        trunk, c_in = [], 3
        for i in range(layers):
            trunk += [nn.Conv2d(c_in, conv_dim * 2**i, 4, 2, 1), nn.LeakyReLU(0.01)]
            c_in = conv_dim * 2**i
        self.trunk = nn.Sequential(*trunk)
        side = image_size // 2**layers
        self.src = nn.Conv2d(c_in, 1, 3, 1, 1)
        self.cls = nn.Conv2d(c_in, num_domains, 3, 1, 1)
        self.rec = nn.Conv2d(c_in, 8, 3, 1, 1)
        self.rec_fc = nn.Linear(8 * side * side, z_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x: (N, 3, H, W) -> (src (N, 1, h, w), cls (N, C), z_rec (N, z_dim))."""
        t = self.trunk(x)
        return self.src(t), self.cls(t).mean(dim=(2, 3)), self.rec_fc(self.rec(t).flatten(1))
