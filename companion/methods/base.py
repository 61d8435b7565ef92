"""The interface every method implements, and the registry that names them.

A method module tells the story of one paper: its ``Config`` (a :class:`~companion.PresetConfig`),
the networks it builds, ``configure_optimizers`` and ``training_step``, which lists the paper's
alternating updates in order and hands each loss to the trainer's :class:`Stepper`::

    def training_step(self, batch, step, opt):
        a, b = batch["a"], batch["b"]
        ...
        opt.step("D", loss_d)  # zero_grad, backward, AMP, clipping, DDP: the trainer's job
        ...
        opt.step("G", loss_g)
        return {"loss/d": loss_d.item(), "loss/g": loss_g.item()}

The method never touches ``backward``, scalers or process groups, and the trainer
(:func:`companion.train.fit`) knows nothing about any method.

The contract every method keeps, and that metrics, the CLI and the trainer rely on instead of
guessing: :attr:`Method.code_dim` (the size of the code ``translate`` or ``sample`` draws; 0 for a
deterministic method), :meth:`Method.sample_codes`, and either :meth:`Method.translate`
(``conditional = True``) or :meth:`Method.sample`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import torch
from torch import nn
from torch.func import functional_call

from companion.config import PresetConfig
from companion.stepper import Stepper

__all__ = [
    "Method",
    "Stepper",  # re-exported: the type of training_step's ``opt``
    "build_method",
    "forward_with_frozen_parameters",
    "images_of",
    "get_method",
    "labels_of",
    "list_methods",
    "register_method",
]


class Method(nn.Module):
    """Base class of every method: networks, optimizers and one training step.

    Subclasses set ``Config`` (a frozen :class:`~companion.PresetConfig` dataclass) and ``name``
    (the registry key), build their networks in ``__init__`` and implement
    :meth:`configure_optimizers` and :meth:`training_step`, plus :meth:`translate` (conditional
    methods) or :meth:`sample` (unconditional ones).
    """

    Config: ClassVar[type[PresetConfig]]
    name: ClassVar[str] = "method"
    conditional: ClassVar[bool] = True  # translate(a, z); False: unconditional, sample(n)

    def __init__(self, cfg: PresetConfig) -> None:
        super().__init__()
        if not isinstance(cfg, self.Config):
            raise TypeError(
                f"{type(self).__name__} needs a {self.Config.__name__}, got {type(cfg).__name__}; "
                f"build one with {type(self).__name__}.Config.from_preset('cpu')"
            )
        self.cfg = cfg

    @property
    def code_dim(self) -> int:
        """The size D of the code that :meth:`translate` or :meth:`sample` takes (0: none)."""
        return 0

    def sample_codes(
        self,
        n: int,
        *,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """Draw ``n`` codes from the method's prior: (n, code_dim) float32, N(0, I) by default.

        Args:
            n: number of codes.
            generator: a torch generator on ``device`` (None: the global one).
            device: where the codes go (default: the method's device).

        Raises:
            ValueError: if the method takes no code (``code_dim == 0``).
        """
        if self.code_dim == 0:
            raise ValueError(f"{type(self).__name__} is deterministic: it takes no code")
        device = self.device if device is None else device
        return torch.randn(n, self.code_dim, device=device, generator=generator)

    def example_batch(
        self, n: int, *, generator: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        """A random batch of ``n`` samples in the shapes ``training_step`` takes (CPU, [-1, 1]).

        For benchmarks and tests that need a step without a dataset.
        """
        raise NotImplementedError(f"{type(self).__name__} must define example_batch()")

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """The optimizers by name ("G", "D", "E", "T", ...) that ``training_step`` steps."""
        raise NotImplementedError(f"{type(self).__name__} must define configure_optimizers()")

    def training_step(self, batch: Any, step: int, opt: Stepper) -> dict[str, float]:
        """One iteration of the paper's algorithm; returns a flat dict of floats (``loss/g``)."""
        raise NotImplementedError(f"{type(self).__name__} must define training_step()")

    @torch.no_grad()
    def translate(
        self,
        a: torch.Tensor,
        z: torch.Tensor | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Translate source images ``a`` (N, C, H, W) in [-1, 1] with codes ``z`` (N, D).

        With ``z = None`` the codes are drawn by :meth:`sample_codes` with ``generator``.
        """
        raise NotImplementedError(
            f"{type(self).__name__} is not a translation method; use sample()"
        )

    @torch.no_grad()
    def sample(self, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` images (n, C, H, W) in [-1, 1] from an unconditional model."""
        raise NotImplementedError(f"{type(self).__name__} is conditional; use translate()")

    @torch.no_grad()
    def preview(self, batch: Any) -> torch.Tensor | None:
        """Images (N, C, H, W) in [-1, 1] the trainer logs as a grid; None logs nothing."""
        return None

    @property
    def device(self) -> torch.device:
        """The device of the method's first parameter (CPU for a method without parameters)."""
        first = next(self.parameters(), None)
        return first.device if first is not None else torch.device("cpu")


def images_of(batch: Any, key: str) -> torch.Tensor:
    """The image tensor of a batch: ``batch[key]`` for dict samples, the batch itself otherwise.

    Raises:
        KeyError: if a dict batch has no ``key``; the message lists the keys it has.
    """
    if isinstance(batch, torch.Tensor):
        return batch
    if isinstance(batch, (list, tuple)):
        return batch[0]
    if key not in batch:
        raise KeyError(
            f"batch has no {key!r} entry (keys: {sorted(batch)}); "
            f"set image_key to the entry holding the images"
        )
    return batch[key]


def labels_of(batch: Any, key: str, num_classes: int, who: str = "this method") -> torch.Tensor:
    """The class labels of a batch: ``batch[key]`` for dict samples, ``batch[1]`` for pairs.

    Args:
        batch: a dict of tensors, or an ``(images, labels)`` pair.
        key: the entry holding the labels.
        num_classes: labels must lie in ``[0, num_classes)``.
        who: names the model in the error, e.g. "a conditional TransferGAN (num_classes=5)".

    Returns:
        (N,) int64 labels.

    Raises:
        KeyError: if the batch has no labels; the message lists the keys it has.
        ValueError: if a label lies outside ``[0, num_classes)``.

    Example:
        >>> labels_of({"y": torch.tensor([0, 2])}, "y", 3).tolist()
        [0, 2]
    """
    if isinstance(batch, Mapping) and key in batch:
        y = batch[key]
    elif isinstance(batch, (list, tuple)) and len(batch) > 1:
        y = batch[1]
    else:
        keys = sorted(batch) if isinstance(batch, Mapping) else type(batch).__name__
        raise KeyError(
            f"{who} needs labels, but the batch has no {key!r} entry ({keys}); set label_key, "
            "or num_classes=0 for an unconditional model"
        )
    y = torch.as_tensor(y).long()
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"labels must lie in [0, {num_classes}) (num_classes), got "
            f"{int(y.min())}..{int(y.max())}; remap them or set num_classes"
        )
    return y


_REGISTRY: dict[str, type[Method]] = {}


def forward_with_frozen_parameters(module: nn.Module, *args: Any) -> Any:
    """Run ``module`` with its parameters detached: gradients reach the inputs, never the weights.

    This is how the cLR-GAN's latent term updates G and not E (Sec. 3.4) within one backward pass.

    Example:
        >>> lin = nn.Linear(2, 1); x = torch.ones(1, 2, requires_grad=True)
        >>> forward_with_frozen_parameters(lin, x).sum().backward()
        >>> lin.weight.grad is None, x.grad is not None
        (True, True)
    """
    params = {name: p.detach() for name, p in module.named_parameters()}
    buffers = dict(module.named_buffers())
    return functional_call(module, {**params, **buffers}, args)


def register_method(cls: type[Method]) -> type[Method]:
    """Class decorator: make a method available by its ``name`` to the CLI and :func:`get_method`.

    Raises:
        ValueError: if another class already holds the name.
    """
    key = cls.name
    if key in _REGISTRY and _REGISTRY[key] is not cls:
        raise ValueError(f"method name {key!r} is already registered by {_REGISTRY[key]!r}")
    _REGISTRY[key] = cls
    return cls


def list_methods() -> list[str]:
    """The registered method names, sorted."""
    _import_builtin_methods()
    return sorted(_REGISTRY)


def get_method(name: str) -> type[Method]:
    """The method class registered as ``name``.

    Raises:
        KeyError: for an unknown name; the message lists the known ones.
    """
    _import_builtin_methods()
    if name not in _REGISTRY:
        raise KeyError(f"unknown method {name!r}; known methods: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def build_method(
    name: str, preset: str | None = None, overrides: Iterable[str] | dict[str, Any] = ()
) -> Method:
    """Build method ``name`` with the config of ``preset`` and ``key=value`` overrides.

    Example:
        >>> gan = build_method("dcgan", "smoke", ["z_dim=16"])
        >>> gan.cfg.z_dim
        16
    """
    cls = get_method(name)
    cfg = cls.Config.from_preset(preset).with_overrides(overrides)
    return cls(cfg)


def _import_builtin_methods() -> None:
    # Importing a method module registers it. Every module of this package except ``base`` is a
    # method, so discovery needs no list that each new method would have to edit.
    import importlib
    import pkgutil

    import companion.methods as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name != "base" and not info.name.startswith("_"):
            importlib.import_module(f"companion.methods.{info.name}")
