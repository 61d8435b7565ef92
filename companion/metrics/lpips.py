"""LPIPS perceptual distance (Zhang et al. 2018) through the ``lpips`` package, offline.

LPIPS compares unit-normalized activations of an ImageNet network (AlexNet or VGG16, the "trunk")
layer by layer, weighting channels with linear heads calibrated on human judgments, and averages
over space: d(x, y) >= 0, 0 for identical images, larger for perceptually farther ones.

The ``lpips`` package ships its linear heads (``weights/v0.1/{alex,vgg}.pth``) but builds its
trunk with ``torchvision.models.alexnet(pretrained=True)``, which downloads ImageNet weights. Here
the trunk is built empty and its weights are loaded from the file found by
:func:`~companion.metrics.weights.resolve_weights` (explicit path, ``$COMPANION_WEIGHTS_DIR``, torch
hub cache), so nothing downloads unless asked.

Backends (recorded in every result):

- ``"lpips-alex"`` (the default of the lpips package and BicycleGAN's protocol) and ``"lpips-vgg"``:
  real LPIPS v0.1, comparable with papers that state the same network and version.
- ``"lpips-random-alex"`` and ``"lpips-random-vgg"``: a randomly initialized trunk (seeded) with the
  calibrated heads. Only when asked for by name; it measures *something* perceptual-ish, useful for
  ordering two models on the same data offline, but its numbers are **not LPIPS** and not comparable
  with any paper.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from companion.metrics.weights import ResolvedWeights, resolve_weights

__all__ = ["LPIPS_BACKENDS", "PerceptualDistance", "build_lpips"]

LPIPS_BACKENDS = {
    "lpips-alex": ("alex", "alexnet", True),
    "lpips-vgg": ("vgg", "vgg16", True),
    "lpips-random-alex": ("alex", None, False),
    "lpips-random-vgg": ("vgg", None, False),
}
"""Backend name -> (lpips net, weights name in KNOWN_WEIGHTS or None, comparable with papers)."""

_MIN_SIZE = {"alex": 32, "vgg": 16}  # smallest H, W whose deepest feature map is non-empty


class PerceptualDistance(nn.Module):
    """An LPIPS network with its provenance: which backend, which weights, comparable or not.

    Build it with :func:`build_lpips`. Calling it returns one distance per image pair.

    Attributes:
        backend: one of :data:`LPIPS_BACKENDS`.
        weights: the resolved trunk weights, or None for a random trunk.
        comparable: whether numbers compare with published LPIPS (False for random trunks).
        label: human-readable label for tables and plots.
    """

    def __init__(self, net: nn.Module, backend: str, weights: ResolvedWeights | None) -> None:
        super().__init__()
        self.net = net.eval()
        for p in self.net.parameters():
            p.requires_grad_(False)
        self.backend = backend
        self.weights = weights
        self.comparable = LPIPS_BACKENDS[backend][2]
        self.label = backend if self.comparable else f"{backend} (random trunk: not LPIPS)"
        self._min_size = _MIN_SIZE[LPIPS_BACKENDS[backend][0]]

    def train(self, mode: bool = True) -> PerceptualDistance:
        """Stay in eval mode (dropout in the heads must stay off)."""
        return super().train(False)

    def describe(self) -> dict:
        """Return a JSON-able record: backend, label, comparability, version and weights."""
        return {
            "backend": self.backend,
            "label": self.label,
            "comparable": self.comparable,
            "lpips_version": "0.1",
            "weights": None if self.weights is None else self.weights.to_dict(),
        }

    @torch.no_grad()
    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """LPIPS distance between paired images.

        Args:
            x: (N, 3, H, W) float in [-1, 1].
            y: (N, 3, H, W) float in [-1, 1], same shape.

        Returns:
            (N,) float distances >= 0 (0 for identical images).

        Raises:
            ValueError: on shape mismatch, wrong channels, images too small or out of [-1, 1].
        """
        if x.shape != y.shape or x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(
                f"expected two (N, 3, H, W) batches of equal shape, got {tuple(x.shape)} and "
                f"{tuple(y.shape)}; repeat grey images to 3 channels with x.expand(-1, 3, -1, -1)"
            )
        if min(x.shape[-2:]) < self._min_size:
            raise ValueError(
                f"{self.backend} needs images of at least {self._min_size}x{self._min_size}, got "
                f"{tuple(x.shape[-2:])}; upsample with torch.nn.functional.interpolate"
            )
        lo, hi = float(torch.minimum(x.min(), y.min())), float(torch.maximum(x.max(), y.max()))
        if lo < -1.001 or hi > 1.001:
            raise ValueError(
                f"expected images in [-1, 1], got min {lo:.3g} max {hi:.3g}; rescale [0, 1] images "
                "with `x * 2 - 1`"
            )
        return self.net(x, y, normalize=False).flatten()  # (N,)


def _load_trunk(model: nn.Module, resolved: ResolvedWeights) -> None:
    """Copy torchvision ``features.<i>.*`` weights into lpips' sliced trunk."""
    state = torch.load(resolved.path, map_location="cpu", weights_only=True)
    slice_of = {
        idx: slice_name
        for slice_name, block in model.net.named_children()
        for idx, _ in block.named_children()
    }
    trunk_state = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] == "features" and parts[1] in slice_of:
            trunk_state[f"{slice_of[parts[1]]}.{parts[1]}.{parts[2]}"] = value
    missing = set(model.net.state_dict()) - set(trunk_state)
    if missing:
        raise RuntimeError(
            f"{resolved.path} lacks trunk weights {sorted(missing)[:4]}...; is it the torchvision "
            f"{resolved.name} checkpoint?"
        )
    model.net.load_state_dict(trunk_state)


def build_lpips(
    backend: str = "lpips-alex",
    weights_path: str | None = None,
    allow_download: bool = False,
    seed: int = 0,
) -> PerceptualDistance:
    """Build an LPIPS distance without touching the network (unless ``allow_download``).

    Args:
        backend: a key of :data:`LPIPS_BACKENDS`. Random trunks only when named.
        weights_path: explicit trunk weight file or folder (else ``$COMPANION_WEIGHTS_DIR``, then
            the torch hub cache).
        allow_download: let the resolver download the trunk weights.
        seed: initialization seed of a random trunk (the global RNG is forked, not reseeded).

    Returns:
        A :class:`PerceptualDistance` in eval mode on CPU.

    Raises:
        ValueError: for an unknown backend.
        FileNotFoundError: if the trunk weights are not found (the message says where to get them).

    Example:
        >>> d = build_lpips("lpips-random-alex")
        >>> x = torch.zeros(2, 3, 32, 32)
        >>> d(x, x).tolist(), d.comparable
        ([0.0, 0.0], False)
    """
    import lpips

    if backend not in LPIPS_BACKENDS:
        raise ValueError(f"unknown LPIPS backend {backend!r}; choose one of {list(LPIPS_BACKENDS)}")
    net, weights_name, _ = LPIPS_BACKENDS[backend]
    resolved = None
    if weights_name is not None:
        resolved = resolve_weights(weights_name, weights_path, allow_download)
    with warnings.catch_warnings(), torch.device("meta"):
        warnings.filterwarnings("ignore", message=".*(pretrained|weights).*", category=UserWarning)
        # pnet_rand=True: torchvision builds the trunk with weights=None (no download). On the meta
        # device nothing is allocated or initialized (AlexNet's unused classifier alone takes ~1 s).
        model = lpips.LPIPS(net=net, version="0.1", pretrained=False, pnet_rand=True, verbose=False)
    model = model.to_empty(device="cpu")
    model.scaling_layer = lpips.ScalingLayer()  # its constant buffers were left empty by to_empty
    heads = Path(lpips.__file__).parent / "weights" / "v0.1" / f"{net}.pth"
    loaded = model.load_state_dict(torch.load(heads, map_location="cpu", weights_only=True), False)
    # lins.<i> alias lin<i>; the trunk and scaling constants are filled below and above.
    missing_heads = [k for k in loaded.missing_keys if k.startswith("lin") and "lins." not in k]
    assert not missing_heads and not loaded.unexpected_keys, (missing_heads, loaded.unexpected_keys)
    if resolved is not None:
        _load_trunk(model, resolved)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for layer in model.net.modules():
                if isinstance(layer, nn.Conv2d):
                    layer.reset_parameters()
    return PerceptualDistance(model, backend, resolved)
