"""One entry point for every dataset: :func:`load_dataset` by name, and a sample grid to look at."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from companion.data.registry import REGISTRY, dataset_facts, dataset_info, expected_layout

__all__ = [
    "DATA_ENV",
    "SYNTHETIC",
    "dataset_root",
    "is_unpaired",
    "list_datasets",
    "load_dataset",
    "save_sample_grid",
]

DATA_ENV = "COMPANION_DATA"
"""Environment variable naming the folder that holds the real datasets (``NAME/`` inside it)."""


def _shapes(**kw: Any) -> Dataset:
    from companion.data.synthetic.shapes import ShapesDataset

    return ShapesDataset(**kw)


def _shapes_edges(**kw: Any) -> Dataset:
    from companion.data.synthetic.shapes import ShapesDataset

    return ShapesDataset(source="edges", **kw)


def _unpaired(variant: str) -> Callable[..., Dataset]:
    def build(**kw: Any) -> Dataset:
        from companion.data.synthetic.unpaired import UnpairedShapes

        return UnpairedShapes(variant, **kw)

    return build


def _digits(**kw: Any) -> Dataset:
    from companion.data.synthetic.digits import DigitsDataset

    return DigitsDataset(**kw)


def _digits_near(**kw: Any) -> Dataset:
    from companion.data.synthetic.digits import DigitsDataset

    return DigitsDataset(target="near", **kw)


def _digits_reverse(**kw: Any) -> Dataset:
    from companion.data.synthetic.digits import DigitsDataset

    return DigitsDataset(reverse=True, **kw)


def _domains(**kw: Any) -> Dataset:
    from companion.data.synthetic.domains import DomainShapes

    return DomainShapes(**kw)


def _scenes(**kw: Any) -> Dataset:
    from companion.data.synthetic.scenes import ScenesDataset

    return ScenesDataset(**kw)


def _scenes_zeropair(**kw: Any) -> Dataset:
    from companion.data.synthetic.scenes import ZeroPairScenes

    return ZeroPairScenes(**kw)


def _toyvec(**kw: Any) -> Dataset:
    from companion.data.synthetic.toyvec import ToyVectors

    return ToyVectors(**kw)


SYNTHETIC: dict[str, Callable[..., Dataset]] = {
    "shapes": _shapes,
    "shapes_edges": _shapes_edges,
    "shapes_season": _unpaired("season"),
    "shapes_species": _unpaired("species"),
    "digits": _digits,
    "digits_near": _digits_near,
    "digits_reverse": _digits_reverse,
    "scenes": _scenes,
    "shapes_domains": _domains,
    "scenes_zeropair": _scenes_zeropair,
    "toyvec": _toyvec,
}
"""Synthetic domains by name (generated on the fly, no root needed)."""


def list_datasets() -> list[str]:
    """Names :func:`load_dataset` accepts: the synthetic domains, then the real ones, sorted.

    Example:
        >>> names = list_datasets()
        >>> "shapes" in names and "facades" in names
        True
    """
    return sorted(SYNTHETIC) + sorted(REGISTRY)


def is_unpaired(name: str) -> bool:
    """Whether dataset ``name`` pairs its two domains only by chance (unpaired translation).

    True for the CycleGAN/DRIT folder layout (``trainA``/``trainB``) and for the synthetic
    two-domain ``shapes_season`` and ``shapes_species``, whose ``a`` and ``b`` are independent
    draws; False for paired data and for single-domain sets.

    Raises:
        ValueError: for an unknown name.

    Example:
        >>> is_unpaired("cat2dog"), is_unpaired("facades"), is_unpaired("shapes_season")
        (True, False, True)
    """
    return dataset_facts(name).paired is False


def dataset_root(name: str, root: str | os.PathLike | None = None) -> Path:
    """The folder holding real dataset ``name`` (as ``ROOT/NAME``), or one clear error.

    Where a chapter's ``paper`` branch looks: ``root`` if given; else ``$COMPANION_DATA``; else
    the ``data/datasets`` folder of the repository the current folder is in (the setup page's
    place for real data); else ``~/datasets``.

    Returns:
        The root to pass to :func:`load_dataset` as ``root=``.

    Raises:
        ValueError: for a name that is not a real dataset of the registry.
        FileNotFoundError: when ``ROOT/NAME`` is missing; the one-line message names where it
            looked and the fetch command.

    Example:
        >>> try:
        ...     dataset_root("facades", "/nowhere")
        ... except FileNotFoundError as err:
        ...     print(str(err).split(";")[0])
        dataset 'facades' is not in /nowhere/facades
    """
    info = dataset_info(name)
    if root is None:
        root = os.environ.get(DATA_ENV) or _repository_data() or Path.home() / "datasets"
    root = Path(root).expanduser()
    if not (root / name).is_dir():
        remedy = (
            f"fetch it with `companion data fetch {name} --root {root}`"
            if not info.how_to_get
            else info.remedy(root)
        )
        raise FileNotFoundError(
            f"dataset {name!r} is not in {root / name}; {remedy} (or set {DATA_ENV} to the "
            f"folder holding {name}/); layout: {expected_layout(info.name, str(root))}"
        )
    return root


def _repository_data() -> Path | None:
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "pyproject.toml").is_file() and (folder / "data").is_dir():
            return folder / "data" / "datasets"
    return None


def _dataset_dir(name: str, root: str | os.PathLike) -> Path:
    """``root/name`` if it exists, else ``root`` itself when it already is the dataset folder."""
    root = Path(root).expanduser()
    if (root / name).is_dir() or root.name != name:
        return root / name
    return root


def load_dataset(
    name: str,
    *,
    split: str = "train",
    resolution: int = 32,
    root: str | os.PathLike | None = None,
    seed: int = 0,
    size: int | None = None,
    **kwargs: Any,
) -> Dataset:
    """A dataset by name: a synthetic domain, or a real one read from ``root``.

    Synthetic (``shapes``, ``shapes_edges``, ``shapes_season``, ``shapes_species``, ``digits``,
    ``digits_near``, ``digits_reverse``, ``scenes``) samples are pure functions of ``(seed,
    split, index)``; ``size`` is their number (default 10,000 for "train", 2,000 otherwise). Real
    datasets (``facades``, ``maps``, ``edges2shoes``, ``horse2zebra``, ``cat2dog``, ``afhq``,
    ``mnist``, ...) are read from ``root/NAME`` in their published layout (see
    :mod:`companion.data.registry`); ``seed`` and ``size`` do not apply to them (``size``
    truncates). Images are float32 in [-1, 1].

    Args:
        name: one of :func:`list_datasets`.
        split: "train", "test" or "val".
        resolution: image side in pixels.
        root: folder holding real datasets (e.g. ``data/datasets``); ignored for synthetic ones.
        seed: seed of synthetic samples.
        size: number of synthetic samples, or the first ``size`` samples of a real dataset.
        **kwargs: passed to the dataset class (e.g. ``source_channels``, ``textures``,
            ``direction``, ``load_size``).

    Returns:
        A map-style ``torch.utils.data.Dataset`` of dict samples.

    Raises:
        ValueError: for an unknown name.
        FileNotFoundError: for a real dataset without ``root`` or missing under it (names the
            path, the layout and ``companion data fetch NAME --root DIR``).

    Example:
        >>> ds = load_dataset("shapes", size=8, resolution=16)
        >>> len(ds), ds[0]["b"].shape
        (8, torch.Size([3, 16, 16]))
    """
    if name in SYNTHETIC:
        return SYNTHETIC[name](split=split, resolution=resolution, seed=seed, size=size, **kwargs)
    if name not in REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(list_datasets())}")
    info = dataset_info(name)
    if root is None:
        raise FileNotFoundError(
            f"dataset {name!r} is read from disk and needs root=; expected layout: "
            f"{expected_layout(name, 'DIR')}. {info.remedy('DIR')} (see data/README.md)."
        )
    ds = _real(name, info.layout, root, split, resolution, **kwargs)
    if size is not None:
        ds = torch.utils.data.Subset(ds, range(min(size, len(ds))))
    return ds


def _real(
    name: str, layout: str, root: str | os.PathLike, split: str, resolution: int, **kwargs: Any
) -> Dataset:
    from companion.data import folders

    if layout == "torchvision":
        from companion.data.torchvision_sets import TorchvisionImages

        return TorchvisionImages(name, root, split, resolution, **kwargs)
    if layout == "celeba_attributes":  # domains: attribute columns (``attributes=``)
        from companion.data.celeba import CelebADomains

        return CelebADomains(root, split, resolution, **kwargs)
    if layout == "celeba_unpaired":  # A: faces with the entry's attribute, B: without it
        from companion.data.celeba import CelebAUnpaired

        info = dataset_info(name)
        kwargs.setdefault("attribute", info.attribute)
        kwargs.setdefault("direction", info.direction)
        return CelebAUnpaired(root, split, resolution, **kwargs)
    if layout == "torchvision_pair":  # MNIST <-> SVHN; the direction is a fact of the entry
        from companion.data.torchvision_sets import TorchvisionPair

        info = dataset_info(name)
        kwargs.setdefault("direction", info.direction)
        return TorchvisionPair(root, split, resolution, parts=info.parts, **kwargs)
    path = _dataset_dir(name, root)
    if not path.is_dir():
        raise folders.missing_dataset_error(path, expected_layout(name, str(Path(root))), name)
    if layout == "scenenet_rgbd":
        from companion.data.rgbd import SceneNetRGBD

        return SceneNetRGBD(path, split, resolution, **kwargs)
    if layout in ("paired_ab", "unpaired"):  # the source side is a fact of the dataset
        kwargs.setdefault("direction", dataset_info(name).direction)
    if layout == "paired_ab":
        return folders.PairedFolder(path, split, resolution=resolution, **kwargs)
    if layout == "unpaired":
        return folders.UnpairedFolders(path, split, resolution=resolution, **kwargs)
    return folders.DomainFolders(path / split, resolution=resolution, **kwargs)


def _to_rgb01(x: torch.Tensor) -> torch.Tensor:
    """A sample entry as (3, H, W) in [0, 1]: images rescaled, label maps colour-coded."""
    if not x.is_floating_point():  # (H, W) label map
        hues = torch.tensor(
            [
                [0.1, 0.1, 0.1],
                [0.9, 0.2, 0.2],
                [0.2, 0.8, 0.2],
                [0.2, 0.3, 0.9],
                [0.9, 0.9, 0.2],
                [0.8, 0.3, 0.8],
                [0.2, 0.8, 0.8],
                [0.9, 0.6, 0.2],
            ]
        )
        return hues[x.long() % len(hues)].permute(2, 0, 1)
    x = x.float()
    if x.dim() == 2:
        x = x[None]
    if x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    return (x * 0.5 + 0.5).clamp(0, 1)


def save_sample_grid(name: str, path: str | os.PathLike, *, n: int = 16, **kwargs: Any) -> Path:
    """Save a grid of the first ``n`` samples of dataset ``name``: one row per image key.

    Used by ``companion data show NAME``. Image entries ("a", "b", "x", "rgb", "depth", "seg")
    are shown in [0, 1]; label maps are colour-coded.

    Args:
        name: a name of :func:`list_datasets`.
        path: output file (.png).
        n: samples per row.
        **kwargs: passed to :func:`load_dataset` (``root``, ``resolution``, ``seed``, ...).

    Returns:
        The path written.
    """
    from torchvision.utils import save_image

    ds = load_dataset(name, **kwargs)
    samples = [ds[i] for i in range(min(n, len(ds)))]
    keys = [
        k
        for k, v in samples[0].items()
        if isinstance(v, torch.Tensor) and v.dim() in (2, 3) and k != "factors"
    ]
    rows = [_to_rgb01(s[k]) for k in keys for s in samples]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(torch.stack(rows), path, nrow=len(samples), padding=1)
    return path
