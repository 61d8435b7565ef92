"""Every dataset's facts: where a real one is published, how it lies on disk, which way it is
translated, whether it is paired, and the papers' per-dataset settings.

The data layer owns these facts. The loader puts each sample in the direction the book's papers
translate (``a`` the source, ``b`` the target), and :func:`dataset_facts` hands a method config what
it needs (:class:`~companion.config.DatasetFacts`), so no method looks a dataset up by name.

Nothing here downloads. :func:`companion.data.fetch` downloads an entry when a user asks for it
(``companion data fetch NAME --root DIR``). None of these archives has a published sha256; the
first fetch records the digest it saw in ``DIR/companion-data.lock.json`` and later fetches must
match it (trust on first use). Layouts:

- ``paired_ab`` (pix2pix): ``ROOT/NAME/{train,val,test}/*.jpg``, each image A and B side by side.
- ``unpaired`` (CycleGAN, DRIT): ``ROOT/NAME/{trainA,trainB,testA,testB}/*.jpg``.
- ``domains`` (StarGAN v2): ``ROOT/NAME/{train,val}/DOMAIN/*.jpg``.
- ``torchvision``: the layout of the torchvision class, fetched by its own download.
- ``torchvision_pair``: two torchvision sets under one root (``parts``), translated unpaired
  (MNIST <-> SVHN); fetching it fetches both.
- ``celeba_attributes``: torchvision's CelebA files under ``ROOT/celeba/``, one domain per
  chosen attribute column of ``list_attr_celeba.txt`` (:class:`~companion.data.celeba.
  CelebADomains`); fetching it fetches ``celeba``.
- ``celeba_unpaired``: the same files, translated unpaired between the faces with the entry's
  ``attribute`` (A) and those without it (B) (:class:`~companion.data.celeba.CelebAUnpaired`);
  fetching it fetches ``celeba``.
- ``scenenet_rgbd`` (M&MNets): SceneNet RGB-D trajectory folders
  ``ROOT/scenenet_rgbd/{train,val}/<shard>/<trajectory>/{photo,depth,class13}/<frame>``; not
  fetchable (see :mod:`companion.data.rgbd` for how to get it).
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from companion.config import DatasetFacts

__all__ = [
    "REGISTRY",
    "SYNTHETIC_FACTS",
    "DatasetInfo",
    "dataset_facts",
    "describe_dataset",
    "dataset_info",
    "expected_layout",
]

SCENENET_HOW_TO_GET = (
    "companion cannot download it: get the renders (train shards and/or val) and their "
    "protobufs from https://robotvault.bitbucket.io/scenenet-rgbd.html, extract them into "
    "{dest}, and write each trajectory's class13/<frame>.png from instance/<frame>.png with "
    "pySceneNetRGBD's convert_instance2class.py (https://github.com/jmccormac/pySceneNetRGBD)"
)
"""What to do for SceneNet RGB-D instead of a fetch (``{dest}``: the dataset folder)."""

PIX2PIX_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/{}.tar.gz"
CYCLEGAN_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{}.zip"


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """One real dataset: its source, checksum, on-disk layout and the paper that used it.

    Attributes:
        name: registry key and folder name under the root.
        layout: "paired_ab", "unpaired", "domains", "torchvision", "torchvision_pair",
            "celeba_attributes", "celeba_unpaired" or "scenenet_rgbd" (see the module
            docstring).
        url: archive URL (None for torchvision datasets and for those fetched by hand).
        sha256: published digest, or None (recorded in the lock file on first fetch).
        direction: which side is the source, "AtoB" or "BtoA": the half of an A|B file
            (paired_ab) or the folder (unpaired: ``{split}A`` or ``{split}B``) that the book's
            papers translate from. The loader applies it; methods never do.
        source: who publishes it and which paper uses it.
        task: what is translated into what, in the papers' direction.
        settings: the papers' per-dataset settings, by method (see
            :attr:`~companion.config.DatasetFacts.settings`).
        resolution: the published images' side in pixels (None: not square or varies).
        parts: the torchvision sets it is read from, when it is built from them (a
            ``torchvision_pair``: domains A and B); fetching it fetches these.
        how_to_get: for a dataset ``companion data fetch`` cannot download, what to do
            instead (``{dest}`` stands for the dataset folder); "" for fetchable ones.
        attribute: for ``celeba_unpaired``, the attribute column whose faces are domain A.
    """

    name: str
    layout: str
    url: str | None
    sha256: str | None = None
    direction: str = "AtoB"
    source: str = ""
    task: str = ""
    settings: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    resolution: int | None = 256
    parts: tuple[str, ...] = ()
    how_to_get: str = ""
    attribute: str = ""

    @property
    def paired(self) -> bool | None:
        """True for paired translation data, False for unpaired, None for single-domain sets."""
        unpaired = ("unpaired", "torchvision_pair", "celeba_unpaired")
        layouts = {"paired_ab": True, **dict.fromkeys(unpaired, False)}
        return {**layouts, "scenenet_rgbd": True}.get(self.layout)

    def remedy(self, root: str | os.PathLike) -> str:
        """How to get this dataset into ``root/NAME``: the fetch command, or ``how_to_get``.

        Example:
            >>> dataset_info("facades").remedy("data")
            'Download it with `companion data fetch facades --root data`'
        """
        dest = Path(root) / self.name
        if self.how_to_get:
            return self.how_to_get.format(dest=shlex.quote(str(dest)))
        quoted = shlex.quote(str(root))
        return f"Download it with `companion data fetch {shlex.quote(self.name)} --root {quoted}`"


def _source(publisher: str, used_by: str) -> str:
    return publisher if publisher.startswith(used_by) else f"{publisher}; used by {used_by}"


def _pix2pix(
    name: str, direction: str, task: str, used_by: str, resolution: int = 256
) -> DatasetInfo:
    return DatasetInfo(
        name,
        "paired_ab",
        PIX2PIX_URL.format(name),
        None,
        direction,
        _source("pix2pix (Isola et al. 2017)", used_by),
        task,
        resolution=resolution,
    )


def _cyclegan(
    name: str, task: str, used_by: str, direction: str = "AtoB", **settings: Any
) -> DatasetInfo:
    return DatasetInfo(
        name,
        "unpaired",
        CYCLEGAN_URL.format(name),
        None,
        direction,
        _source("CycleGAN (Zhu et al. 2017)", used_by),
        task,
        settings,
    )


def _torchvision(name: str, task: str, resolution: int | None) -> DatasetInfo:
    source = f"torchvision.datasets.{ {'mnist': 'MNIST', 'svhn': 'SVHN'}.get(name, 'CelebA') }"
    return DatasetInfo(name, "torchvision", None, None, "AtoB", source, task, resolution=resolution)


def _digit_pair(name: str, direction: str, task: str) -> DatasetInfo:
    # seed 002 (one-to-many) Table 1 translates both ways; the direction is the entry's fact
    return DatasetInfo(
        name,
        "torchvision_pair",
        None,
        None,
        direction,
        "torchvision.datasets.MNIST and SVHN; used by seed 002 (one-to-many) Table 1",
        task,
        resolution=32,
        parts=("mnist", "svhn"),
    )


REGISTRY: dict[str, DatasetInfo] = {
    info.name: info
    for info in [
        # pix2pix A|B files; the direction is the one the book's papers translate
        _pix2pix("facades", "BtoA", "labels -> photo", "BicycleGAN, MSGAN, SEGAN Table 1"),
        _pix2pix("maps", "BtoA", "map -> aerial photo", "MSGAN, SEGAN Table 1", 600),
        _pix2pix("cityscapes", "BtoA", "labels -> photo", "pix2pix"),
        _pix2pix("edges2shoes", "AtoB", "edges -> photo", "BicycleGAN, StEP"),
        _pix2pix("edges2handbags", "AtoB", "edges -> photo", "BicycleGAN, StEP"),
        _pix2pix("night2day", "AtoB", "night -> day", "BicycleGAN"),
        # CycleGAN / MUNIT / DRIT unpaired folders
        _cyclegan("horse2zebra", "horse -> zebra", "CycleGAN"),
        _cyclegan("apple2orange", "apple -> orange", "CycleGAN"),
        _cyclegan(
            "summer2winter_yosemite",
            "winter -> summer",
            "MUNIT, DRIT, SEGAN Table 2",
            direction="BtoA",
        ),
        _cyclegan("monet2photo", "Monet -> photo", "CycleGAN, MISO"),
        _cyclegan("vangogh2photo", "Van Gogh -> photo", "CycleGAN"),
        _cyclegan("cezanne2photo", "Cezanne -> photo", "CycleGAN"),
        _cyclegan("ukiyoe2photo", "Ukiyo-e -> photo", "CycleGAN"),
        _cyclegan("iphone2dslr_flower", "iPhone -> DSLR flowers", "CycleGAN"),
        DatasetInfo(
            "cat2dog",
            "unpaired",
            "http://vllab.ucmerced.edu/hylee/DRIT/datasets/cat2dog.zip",
            None,
            "AtoB",
            "DRIT (Lee et al. 2018); used by SEGAN Table 2, MISO",
            "cat -> dog",
            # SEGAN Sec. 4.7: no geometry consistency on the shape-changing cat -> dog
            {"segan": {"lambda_gc": 0.0}},
        ),
        # StarGAN v2 publishes ...afhq.zip?dl=0 (a Dropbox page); dl=1 is its direct download
        DatasetInfo(
            "afhq",
            "domains",
            "https://www.dropbox.com/s/t9l9o3vsx2jai3z/afhq.zip?dl=1",
            None,
            "AtoB",
            "StarGAN v2 (Choi et al. 2020)",
            "cat / dog / wild",
            resolution=512,
            # SDIT (thesis Sec. 6.5): batch 4 for non-face data; AFHQ's three domains
            settings={"sdit": {"num_domains": 3, "batch_size": 4}},
        ),
        _torchvision("mnist", "handwritten digits", 28),
        _torchvision("svhn", "house-number digits", 32),
        _torchvision("celeba", "celebrity faces with 40 attributes", None),
        _digit_pair("mnist2svhn", "AtoB", "MNIST digit -> SVHN house number"),
        _digit_pair("svhn2mnist", "BtoA", "SVHN house number -> MNIST digit"),
        DatasetInfo(
            "celeba_domains",
            "celeba_attributes",
            None,
            None,
            "AtoB",
            "CelebA (Liu et al. 2015) via torchvision's files; used by SDIT (thesis Sec. 6.5.1)",
            "faces: one domain per attribute (Bangs, Blond_Hair, Brown_Hair, Young, Male)",
            # thesis Table 6.1's five attributes; faces at 128 with batch 16 (Sec. 6.5)
            {"sdit": {"num_domains": 5, "batch_size": 16}},
            resolution=None,
            parts=("celeba",),
        ),
        # MISO Sec. 4.1: "We separated all the images into two domains, male and female."
        # The paper states no per-dataset setting (only 128 x 128 for every dataset, Sec. 4).
        DatasetInfo(
            "celeba_male2female",
            "celeba_unpaired",
            None,
            None,
            "AtoB",
            "CelebA (Liu et al. 2015) via torchvision's files; used by MISO",
            "faces: male -> female (the Male attribute)",
            resolution=None,
            parts=("celeba",),
            attribute="Male",
        ),
        # M&MNets' main data (thesis Sec. 4.6.1); read from its trajectory folders by hand
        DatasetInfo(
            "scenenet_rgbd",
            "scenenet_rgbd",
            None,
            None,
            "AtoB",
            "SceneNet RGB-D (McCormac et al. 2017); used by M&MNets (Wang 2020, Ch. 4)",
            "(RGB, seg) and (RGB, depth) pairs of disjoint trajectories",
            {"mix_and_match": {"num_classes": 14}},  # 13 NYU classes + Unknown (channel 0)
            resolution=None,  # 320 x 240
            how_to_get=SCENENET_HOW_TO_GET,
        ),
    ]
}
"""Real datasets by name."""

# Geometry-consistency weight 5 on the synthetic unpaired sets, not the paper's 20: at 20
# the toy's outputs lost the input's shape (foreground IoU 0.23 with the MI term, 0.04
# without, seed 0, 250-300 steps, batch 32); at 5 it was 0.53-0.64 on seeds 0-2, every
# output in domain B; at 0 one seed of three collapsed to one style (Chapter 3.3).
_SHAPES_GC = {"segan": {"lambda_gc": 5.0}}

# Vectors in R^16 stored as 1x1 images: MISO's networks become MLPs of hidden width 8 * 8 = 64
# (about 20 ms per two-phase step on 2 cores), batch 128 (64 per phase), lr 1e-3 (Chapter 5.2).
_TOYVEC = {
    "miso": dict(
        generator="mlp",
        image_size=1,
        in_channels=16,
        out_channels=16,
        z_dim=2,
        ngf=8,
        ndf=8,
        nef=8,
        batch_size=128,
        lr=1e-3,
    )
}

SYNTHETIC_FACTS: dict[str, DatasetFacts] = {
    facts.name: facts
    for facts in [
        DatasetFacts("shapes", True, "mask -> styled shape"),
        DatasetFacts("shapes_edges", True, "edge map -> styled shape"),
        DatasetFacts("shapes_season", False, "warm palettes -> cool palettes", _SHAPES_GC),
        DatasetFacts("shapes_species", False, "round warm -> angular cool shapes", _SHAPES_GC),
        DatasetFacts("digits", True, "MNIST-like digit -> SVHN-like house number"),
        DatasetFacts("digits_near", True, "MNIST-like digit -> the same digit recoloured"),
        DatasetFacts("digits_reverse", True, "SVHN-like house number -> MNIST-like digit"),
        DatasetFacts("scenes", None, "RGB, depth and segmentation of one scene"),
        DatasetFacts("shapes_domains", None, "shapes in C colour domains, flat or striped"),
        DatasetFacts(
            "scenes_zeropair", True, "(RGB, seg) and (RGB, depth) pairs of disjoint scenes"
        ),
        DatasetFacts("toyvec", False, "vectors: 2 style modes -> 4 style modes", _TOYVEC),
    ]
}
"""Facts of the synthetic domains (their builders are in :mod:`companion.data.api`)."""


def dataset_facts(name: str) -> DatasetFacts:
    """What a method config needs to know about dataset ``name`` (synthetic or real).

    Raises:
        ValueError: for an unknown name (the message lists the known ones).

    Example:
        >>> facts = dataset_facts("cat2dog")
        >>> facts.paired, facts.task, dict(facts.settings["segan"])
        (False, 'cat -> dog', {'lambda_gc': 0.0})
    """
    if name in SYNTHETIC_FACTS:
        return SYNTHETIC_FACTS[name]
    if name not in REGISTRY:
        known = ", ".join(sorted(SYNTHETIC_FACTS) + sorted(REGISTRY))
        raise ValueError(f"unknown dataset {name!r}; known: {known}")
    info = REGISTRY[name]
    return DatasetFacts(info.name, info.paired, info.task, info.settings)


_CELEBA_FILES = (
    "{root}/celeba/list_attr_celeba.txt, {root}/celeba/img_align_celeba/*.jpg and (optional) "
    "{root}/celeba/list_eval_partition.txt"
)
_LAYOUTS = {
    "paired_ab": "{root}/{name}/{{train,val,test}}/*.jpg|png, each image A|B side by side "
    "(width 2W)",
    "unpaired": "{root}/{name}/{{trainA,trainB,testA,testB}}/*.jpg|png",
    "domains": "{root}/{name}/{{train,val}}/<domain>/*.jpg|png",
    "torchvision": "{root}/ as torchvision.datasets expects for {name}",
    "torchvision_pair": "{root}/MNIST/raw/*-ubyte and {root}/{{train,test}}_32x32.mat "
    "(torchvision's MNIST and SVHN, one root)",
    "celeba_attributes": _CELEBA_FILES,
    "celeba_unpaired": _CELEBA_FILES,
    "scenenet_rgbd": "{root}/{name}/{{train,val}}/<shard>/<trajectory>/{{photo/<frame>.jpg, "
    "depth/<frame>.png (uint16 mm), class13/<frame>.png (uint8 NYU-13 labels, 0 unknown)}}",
}


def dataset_info(name: str) -> DatasetInfo:
    """The registry entry of ``name``.

    Raises:
        ValueError: for an unknown name (the message lists the known ones).

    Example:
        >>> dataset_info("facades").direction
        'BtoA'
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown real dataset {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def expected_layout(name: str, root: str = "ROOT") -> str:
    """A one-line description of where the files of ``name`` must lie under ``root``.

    Example:
        >>> expected_layout("horse2zebra", "data/datasets")
        'data/datasets/horse2zebra/{trainA,trainB,testA,testB}/*.jpg|png'
    """
    info = dataset_info(name)
    return _LAYOUTS[info.layout].format(root=str(root).rstrip("/"), name=name)


def describe_dataset(name: str) -> str:
    """One line on dataset ``name``: synthetic or real, paired or not, resolution, source.

    Example:
        >>> describe_dataset("facades")  # doctest: +ELLIPSIS
        'real, paired, 256 px: labels -> photo; pix2pix (Isola et al. 2017); used by ...'
        >>> describe_dataset("shapes")
        'synthetic, paired, any size: mask -> styled shape; generated on the fly'
    """
    facts = dataset_facts(name)
    kind = {True: "paired", False: "unpaired", None: "single-domain"}[facts.paired]
    if name in SYNTHETIC_FACTS:
        return f"synthetic, {kind}, any size: {facts.task}; generated on the fly"
    info = REGISTRY[name]
    size = f"{info.resolution} px" if info.resolution else "varying size"
    return f"real, {kind}, {size}: {info.task}; {info.source}"
