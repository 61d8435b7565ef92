"""Configs, presets and seeding: the bottom layer every other module builds on.

A method's ``Config`` is a frozen dataclass whose defaults are the ``paper`` preset (the paper's
hyper-parameters); ``gpu``, ``cpu`` and ``smoke`` are small diffs of it made with
``dataclasses.replace``. :func:`preset` picks which one a notebook or the CLI uses, so the same code
runs on a laptop and on a GPU::

    cfg = DCGAN.Config.from_preset(companion.preset())
    cfg = cfg.with_overrides(["lr_g=1e-4", "batch_size=16"])

Two more small records live here because every layer reads them: :class:`DatasetFacts`, what a
method needs to know about the data it trains on (paired or not, the paper's per-dataset settings),
and :class:`RunConfig`, the settings of one training run (its length, logging and checkpoint
cadence) that :func:`companion.train.fit` and the command line share.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch

__all__ = [
    "PRESETS",
    "DatasetFacts",
    "run_header",
    "PresetConfig",
    "RunConfig",
    "config_from_dict",
    "cpu_kind",
    "load_config",
    "parse_overrides",
    "preset",
    "save_config",
    "seed_everything",
]

PRESETS = ("smoke", "cpu", "gpu", "paper")
"""The four presets every method defines, from fastest to full scale.

``smoke``: seconds, for unit tests. ``cpu``: a chapter's synthetic experiment in at most 90 s on
2 CPU cores. ``gpu``: the same synthetic experiment at a size a free Colab GPU (a T4) finishes in a
few minutes. ``paper``: the paper's hyper-parameters, resolution and dataset (real data from a
local folder); it is never chosen implicitly."""

C = TypeVar("C", bound="PresetConfig")


def preset(name: str | None = None) -> str:
    """Choose the preset a notebook or a run uses.

    Order: the explicit ``name``; else the environment variable ``COMPANION_PRESET``; else
    ``"gpu"`` when CUDA is available and ``"cpu"`` otherwise. ``"paper"`` is only ever chosen
    explicitly: it needs the paper's real dataset on disk and hours of GPU time.

    Args:
        name: one of :data:`PRESETS`, or None to decide from the environment.

    Returns:
        The preset's name.

    Raises:
        ValueError: if the name (given or from the environment) is not a known preset.

    Example:
        >>> preset("smoke")
        'smoke'
    """
    source = "argument"
    if name is None:
        name = os.environ.get("COMPANION_PRESET") or None
        source = "COMPANION_PRESET"
    if name is None:
        return "gpu" if torch.cuda.is_available() else "cpu"
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r} (from {source}); choose one of {PRESETS}")
    return name


def cpu_kind() -> tuple[str, str]:
    """What decides how this CPU rounds a training run: (vendor, vector instruction set).

    A toy run of a few hundred steps lands elsewhere on another kind of CPU, as far as a new
    seed moves it, so the checksums of the tests and the per-seed records of
    ``benchmarks/notebook_seeds.py`` are kept per kind.

    Returns:
        e.g. ``("GenuineIntel", "AVX512")``; the vendor is ``""`` where ``/proc/cpuinfo`` is
        missing.

    Example:
        >>> len(cpu_kind())
        2
    """
    vendor = ""
    if Path("/proc/cpuinfo").exists():
        found = re.search(r"vendor_id\s*:\s*(\S+)", Path("/proc/cpuinfo").read_text())
        vendor = found.group(1) if found else ""
    return vendor, torch.backends.cpu.get_cpu_capability()


def run_header(
    preset_name: str,
    expected_s: Mapping[str, float] | None = None,
    *,
    width: int = 79,
    **values: Any,
) -> str:
    """What a notebook prints first: preset, device, threads, torch, expected time, settings.

    Args:
        preset_name: the preset the notebook runs (``companion.preset()``).
        expected_s: seconds the notebook takes per preset as measured by the book (e.g.
            ``{"cpu": 70}``: 2 idle CPU cores); the matching entry is shown.
        width: the longest line; fields are packed greedily and a field is never split. The
            default fits the book's text column, where a longer output line would scroll.
        **values: settings worth seeing in the header (steps, seeds, a changed weight).

    Returns:
        The fields joined by ``" | "``, over as many lines as ``width`` needs, e.g.
        ``"preset cpu | CPU, 2 threads | torch 2.4.1 | about 70 s on 2 CPU cores | steps 400"``.

    Example:
        >>> run_header("cpu", {"cpu": 70}, steps=400).split(" | ")[0]
        'preset cpu'
    """
    if torch.cuda.is_available():
        device = f"GPU {torch.cuda.get_device_name(0)}"
    else:
        device = f"CPU, {torch.get_num_threads()} threads"
    parts = [f"preset {preset_name}", device, f"torch {torch.__version__.split('+')[0]}"]
    if expected_s and preset_name in expected_s:
        where = {"cpu": "on 2 CPU cores", "gpu": "on a T4"}.get(preset_name, "")
        parts.append(f"about {expected_s[preset_name]:.0f} s {where}".rstrip())
    parts += [f"{k} {v}" for k, v in values.items()]
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " | " + part
        else:
            lines.append(part)
    return "\n".join(lines)


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's global generators (all CUDA devices too).

    Only entry points call this (``fit`` and a notebook's first cells); library code takes a
    ``torch.Generator`` instead.

    Args:
        seed: a non-negative integer.

    Raises:
        ValueError: if ``seed`` is negative or not an integer.

    Example:
        >>> seed_everything(0); a = torch.rand(1); seed_everything(0)
        >>> bool(torch.rand(1) == a)
        True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds every CUDA device as well


@dataclasses.dataclass(frozen=True)
class DatasetFacts:
    """What a method needs to know about the dataset it trains on.

    The data layer owns these facts (:func:`companion.data.dataset_facts` builds them from its
    registry, for synthetic and real datasets alike), so that a method config never looks a
    dataset up by name. The loader has already put each sample in the paper's direction:
    ``a`` is the source and ``b`` the target.

    Attributes:
        name: the dataset's name (``companion list`` shows them).
        paired: True when ``a`` and ``b`` of a sample correspond (pix2pix's A|B files), False for
            unpaired domains (CycleGAN's trainA/trainB), None for single-domain data.
        task: what is translated into what, e.g. "labels -> photo".
        settings: per-method departures from a method's defaults that its paper uses on this
            dataset, keyed by the config's :attr:`PresetConfig.settings_key` (e.g. SEGAN drops
            its geometry-consistency term on cat2dog: ``{"segan": {"lambda_gc": 0.0}}``).

    Example:
        >>> facts = DatasetFacts("toy", paired=True, task="edges -> photo")
        >>> facts.paired, dict(facts.settings)
        (True, {})
    """

    name: str
    paired: bool | None = None
    task: str = ""
    settings: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """The settings of one training run, shared by :func:`companion.train.fit` and the CLI.

    A method's :class:`PresetConfig` says *what* is trained (networks, losses, optimizer); a
    ``RunConfig`` says *how long and how it is recorded*. Only ``lr``-like fields of the former
    change numerics; of this one, ``steps``, ``seed``, ``batch_size`` and ``amp`` do.

    Attributes:
        steps: total training iterations (a resumed run continues up to it).
        seed: seeds every generator (plus the process rank under DDP).
        batch_size: per-process batch; None takes the method config's ``batch_size``.
        num_workers: DataLoader worker processes.
        log_every: record the step's losses in the history every this many steps (0: never).
        eval_every: run the callbacks every this many steps (0: only at the end).
        ckpt_every: write a checkpoint every this many steps (and at the end; 0: only at the end).
        image_every: log the method's preview grid every this many steps (0: never).
        amp: mixed precision (bf16 where supported, else fp16 with loss scaling); None: on CUDA.
        clip_grad_norm: gradient-norm clipping for every optimizer, or None.
        device: e.g. "cpu" or "cuda:1"; None: ``cuda:LOCAL_RANK`` when available, else CPU.
        progress: show a progress bar; None: when stderr is a terminal.
        resume: continue from the run folder's checkpoint when there is one.

    Example:
        >>> RunConfig(steps=200).with_overrides({"log_every": 10}).log_every
        10
    """

    steps: int = 1000
    seed: int = 0
    batch_size: int | None = None
    num_workers: int = 0
    log_every: int = 50
    eval_every: int = 0
    ckpt_every: int = 500
    image_every: int = 0
    amp: bool | None = None
    clip_grad_norm: float | None = None
    device: str | None = None
    progress: bool | None = None
    resume: bool = True

    def __post_init__(self) -> None:
        for key in ("steps", "log_every", "eval_every", "ckpt_every", "image_every", "num_workers"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{key} must be an int >= 0, got {value!r}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1 or None, got {self.batch_size}")

    def with_overrides(self, overrides: Iterable[str] | Mapping[str, Any]) -> RunConfig:
        """A copy with fields replaced, checked like :meth:`PresetConfig.with_overrides`.

        Raises:
            TypeError: for an unknown key (the message lists the valid ones) or a bad value.
        """
        items = dict(overrides) if isinstance(overrides, Mapping) else parse_overrides(overrides)
        hints = _field_types(type(self))
        unknown = sorted(set(items) - set(hints))
        if unknown:
            raise TypeError(
                f"unknown run setting(s): {', '.join(map(repr, unknown))}; "
                f"valid: {', '.join(sorted(hints))}"
            )
        return dataclasses.replace(self, **{k: _coerce(v, hints[k], k) for k, v in items.items()})


@dataclasses.dataclass(frozen=True)
class PresetConfig:
    """Base of every method config: a frozen dataclass with the four presets.

    Subclasses declare typed fields whose defaults are the ``paper`` preset, each with a comment
    citing the paper, and override :meth:`cpu`, :meth:`gpu` and :meth:`smoke` as
    ``dataclasses.replace`` diffs of a few fields.
    """

    settings_key: ClassVar[str | None] = None
    """The key of this method's entries in :attr:`DatasetFacts.settings` (None: it has none)."""

    @classmethod
    def paper(cls: type[C]) -> C:
        """The paper's hyper-parameters (the field defaults)."""
        return cls()

    @classmethod
    def cpu(cls: type[C]) -> C:
        """A notebook-sized run: at most 90 s on 2 CPU cores."""
        return cls.paper()

    @classmethod
    def gpu(cls: type[C]) -> C:
        """The ``cpu`` experiment at the size a free Colab GPU finishes in a few minutes.

        The base class returns the ``cpu`` preset: a method whose chapter gains from a larger
        run on a GPU overrides this.
        """
        return cls.cpu()

    @classmethod
    def smoke(cls: type[C]) -> C:
        """Seconds-long runs for unit tests."""
        return cls.cpu()

    @classmethod
    def from_preset(cls: type[C], name: str | None = None) -> C:
        """The config of preset ``name`` (see :func:`preset` for how None is resolved)."""
        return getattr(cls, preset(name))()

    def for_dataset(self: C, facts: DatasetFacts) -> C:
        """A copy adapted to training on a dataset (``companion train --data NAME``).

        A ``dataset`` field, if the config has one, is set to the dataset's name, and the paper's
        settings for this method on that dataset (``facts.settings[settings_key]``) are applied.
        Methods whose papers switch losses on paired vs unpaired data extend this; command-line
        ``--set`` overrides are applied after it.

        Args:
            facts: the dataset's facts, from :func:`companion.data.dataset_facts`.

        Raises:
            TypeError: if ``facts`` is not a :class:`DatasetFacts` (e.g. a bare name).

        Example:
            >>> @dataclasses.dataclass(frozen=True)
            ... class Toy(PresetConfig):
            ...     settings_key = "toy"
            ...     dataset: str = "facades"
            ...     weight: float = 1.0
            >>> facts = DatasetFacts("maps", True, settings={"toy": {"weight": 0.5}})
            >>> cfg = Toy().for_dataset(facts)
            >>> cfg.dataset, cfg.weight
            ('maps', 0.5)
        """
        if not isinstance(facts, DatasetFacts):
            raise TypeError(
                f"for_dataset takes a DatasetFacts, got {type(facts).__name__} {facts!r}; "
                f"get one with companion.data.dataset_facts(NAME)"
            )
        cfg = self
        if "dataset" in {f.name for f in dataclasses.fields(self)}:
            cfg = dataclasses.replace(cfg, dataset=facts.name)
        if self.settings_key is not None:
            cfg = cfg.with_overrides(dict(facts.settings.get(self.settings_key, {})))
        return cfg

    def with_overrides(self: C, overrides: Iterable[str] | Mapping[str, Any]) -> C:
        """A copy with fields replaced, from ``"key=value"`` strings or a mapping.

        Strings are parsed against each field's type (``"lr=1e-4"`` gives a float, ``"use_ema=no"``
        a bool, ``"betas=0.5,0.999"`` a tuple).

        Raises:
            KeyError: for an unknown key; the message lists the valid keys.
            TypeError: for a value that does not parse as the field's type.

        Example:
            >>> @dataclasses.dataclass(frozen=True)
            ... class Toy(PresetConfig):
            ...     lr: float = 2e-4
            >>> Toy().with_overrides(["lr=1e-4"]).lr
            0.0001
        """
        if isinstance(overrides, Mapping):
            items = dict(overrides)
        else:
            items = parse_overrides(overrides)
        hints = _field_types(type(self))
        changes = {}
        for key, value in items.items():
            if key not in hints:
                raise KeyError(
                    f"unknown config key {key!r} for {type(self).__name__}; "
                    f"valid keys: {', '.join(sorted(hints))}"
                )
            changes[key] = _coerce(value, hints[key], key)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain Python values (tuples become lists), ready for JSON or YAML."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


def parse_overrides(overrides: Iterable[str]) -> dict[str, str]:
    """Split ``"key=value"`` strings into a dict of raw strings.

    Raises:
        ValueError: for an item without ``=``.

    Example:
        >>> parse_overrides(["lr=1e-4", "z_dim=8"])
        {'lr': '1e-4', 'z_dim': '8'}
    """
    out = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"override {item!r} is not of the form key=value (e.g. lr=1e-4)")
        out[key.strip()] = value.strip()
    return out


def config_from_dict(cls: type[C], values: Mapping[str, Any]) -> C:
    """Rebuild a config from :meth:`PresetConfig.to_dict` output, checking keys and types."""
    return cls().with_overrides(dict(values))


def save_config(cfg: PresetConfig, path: str | os.PathLike) -> Path:
    """Write a config as JSON (``.json``) or YAML (``.yaml``/``.yml``), with its class name.

    Returns:
        The path written.
    """
    path = Path(path)
    payload = {"class": type(cfg).__name__, "config": cfg.to_dict()}
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        path.write_text(json.dumps(payload, indent=2) + "\n")
    elif path.suffix in (".yaml", ".yml"):
        import yaml

        path.write_text(yaml.safe_dump(payload, sort_keys=False))
    else:
        raise ValueError(f"config path must end in .json, .yaml or .yml, got {path.name!r}")
    return path


def load_config(cls: type[C], path: str | os.PathLike) -> C:
    """Read a config written by :func:`save_config` back into ``cls``.

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: if it holds a config of another class.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no config file at {path}")
    text = path.read_text()
    if path.suffix == ".json":
        payload = json.loads(text)
    else:
        import yaml

        payload = yaml.safe_load(text)
    if payload.get("class") not in (None, cls.__name__):
        raise ValueError(f"{path} holds a {payload['class']} config, not a {cls.__name__}")
    return config_from_dict(cls, payload["config"])


def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(value: Any, kind: Any, key: str) -> Any:
    """Convert ``value`` (often a string from the command line) to the annotated type ``kind``."""
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    try:
        if origin in (typing.Union, types.UnionType):
            if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
                if type(None) in args:
                    return None
            errors = []
            for option in (a for a in args if a is not type(None)):
                try:
                    return _coerce(value, option, key)
                except TypeError as err:
                    errors.append(str(err))
            raise TypeError("; ".join(errors))
        if origin is typing.Literal:
            for option in args:
                if value == option or str(value) == str(option):
                    return option
            raise TypeError(f"expected one of {args}")
        if origin in (tuple, list):
            items = value.split(",") if isinstance(value, str) else list(value)
            items = [i for i in items if not (isinstance(i, str) and i.strip() == "")]
            if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
                converted = [_coerce(i, args[0], key) for i in items]
            elif origin is tuple and args:
                if len(items) != len(args):
                    raise TypeError(f"expected {len(args)} comma-separated values")
                converted = [_coerce(i, a, key) for i, a in zip(items, args)]
            else:
                converted = [_coerce(i, args[0] if args else str, key) for i in items]
            return tuple(converted) if origin is tuple else converted
        if kind is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
                return value.lower() in _TRUE
            raise TypeError("expected a boolean (true/false, yes/no, 1/0)")
        if kind is int:
            if isinstance(value, bool):
                raise TypeError("expected an int")
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                return int(value)
            raise TypeError("expected an int")
        if kind is float:
            if isinstance(value, bool):
                raise TypeError("expected a float")
            return float(value)
        if kind is str:
            if not isinstance(value, str):
                raise TypeError("expected a string")
            return value
        if kind is Any:
            return value
        if isinstance(value, kind):
            return value
        raise TypeError(f"cannot convert to {kind}")
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"bad value {value!r} for config key {key!r} of type {_type_name(kind)}: {err}"
        ) from None


def _type_name(kind: Any) -> str:
    return getattr(kind, "__name__", None) or str(kind).replace("typing.", "")
