"""Datasets: synthetic domains with ground-truth factors, real folder formats, fetching.

Every dataset returns dict samples with float32 images in [-1, 1]: translation data
``{"a", "b", "factors"}``, single-domain data ``{"x", "y", "factors"}``. Start with
:func:`load_dataset`.
"""

from companion.data.api import (
    DATA_ENV,
    SYNTHETIC,
    dataset_root,
    is_unpaired,
    list_datasets,
    load_dataset,
    save_sample_grid,
)
from companion.data.celeba import CelebADomains, CelebAUnpaired
from companion.data.check import DatasetCheck, check_dataset
from companion.data.fetch import fetch
from companion.data.folders import DomainFolders, PairedFolder, UnpairedFolders, read_image
from companion.data.registry import (
    REGISTRY,
    SYNTHETIC_FACTS,
    DatasetInfo,
    dataset_facts,
    dataset_info,
    describe_dataset,
    expected_layout,
)
from companion.data.rgbd import NYU13_CLASSES, SceneNetRGBD, depth_to_metres
from companion.data.synthetic.base import Oracle, SyntheticDataset
from companion.data.synthetic.digits import DigitsDataset
from companion.data.synthetic.domains import DomainShapes
from companion.data.synthetic.scenes import SCENE_CLASSES, ScenesDataset, ZeroPairScenes
from companion.data.synthetic.shapes import KINDS, PALETTE_NAMES, PALETTES, ShapesDataset, style_of
from companion.data.synthetic.toyvec import TOYVEC_MODES, ToyVectors
from companion.data.synthetic.unpaired import UnpairedShapes
from companion.data.torchvision_sets import TorchvisionImages, TorchvisionPair
from companion.data.wrappers import BiasedDataset, SingleDomain, biased, single_domain

__all__ = [
    "DATA_ENV",
    "KINDS",
    "NYU13_CLASSES",
    "PALETTES",
    "PALETTE_NAMES",
    "REGISTRY",
    "SCENE_CLASSES",
    "SYNTHETIC",
    "SYNTHETIC_FACTS",
    "TOYVEC_MODES",
    "BiasedDataset",
    "CelebADomains",
    "CelebAUnpaired",
    "DatasetCheck",
    "DatasetInfo",
    "DigitsDataset",
    "DomainFolders",
    "DomainShapes",
    "Oracle",
    "PairedFolder",
    "SceneNetRGBD",
    "ScenesDataset",
    "ZeroPairScenes",
    "ShapesDataset",
    "SingleDomain",
    "SyntheticDataset",
    "TorchvisionImages",
    "TorchvisionPair",
    "ToyVectors",
    "UnpairedFolders",
    "UnpairedShapes",
    "biased",
    "check_dataset",
    "dataset_facts",
    "dataset_info",
    "dataset_root",
    "depth_to_metres",
    "describe_dataset",
    "expected_layout",
    "fetch",
    "is_unpaired",
    "list_datasets",
    "load_dataset",
    "read_image",
    "save_sample_grid",
    "single_domain",
    "style_of",
]
