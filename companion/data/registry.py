"""Real datasets used by the papers: where they are published and how they lie on disk.

Nothing here downloads. :func:`companion.data.fetch` downloads an entry when a user asks for it
(``companion data fetch NAME --root DIR``). None of these archives has a published sha256; the
first fetch records the digest it saw in ``DIR/companion-data.lock.json`` and later fetches must
match it (trust on first use). Layouts:

- ``paired_ab`` (pix2pix): ``ROOT/NAME/{train,val,test}/*.jpg``, each image A and B side by side.
- ``unpaired`` (CycleGAN, DRIT): ``ROOT/NAME/{trainA,trainB,testA,testB}/*.jpg``.
- ``domains`` (StarGAN v2): ``ROOT/NAME/{train,val}/DOMAIN/*.jpg``.
- ``torchvision``: the layout of the torchvision class, fetched by its own download.
"""

from __future__ import annotations

import dataclasses

__all__ = ["REGISTRY", "DatasetInfo", "dataset_info", "expected_layout"]

PIX2PIX_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/{}.tar.gz"
CYCLEGAN_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{}.zip"


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """One real dataset: its source, checksum, on-disk layout and the paper that used it.

    Attributes:
        name: registry key and folder name under the root.
        layout: "paired_ab", "unpaired", "domains" or "torchvision".
        url: archive URL (None for torchvision datasets).
        sha256: published digest, or None (recorded in the lock file on first fetch).
        direction: for paired_ab, which half is the source ("AtoB" or "BtoA", the paper's task).
        source: who publishes it and which paper uses it.
    """

    name: str
    layout: str
    url: str | None
    sha256: str | None = None
    direction: str = "AtoB"
    source: str = ""


def _pix2pix(name: str, direction: str, task: str) -> DatasetInfo:
    return DatasetInfo(
        name,
        "paired_ab",
        PIX2PIX_URL.format(name),
        None,
        direction,
        f"pix2pix (Isola et al. 2017), {task}",
    )


def _cyclegan(name: str, task: str) -> DatasetInfo:
    return DatasetInfo(
        name,
        "unpaired",
        CYCLEGAN_URL.format(name),
        None,
        "AtoB",
        f"CycleGAN (Zhu et al. 2017), {task}",
    )


REGISTRY: dict[str, DatasetInfo] = {
    info.name: info
    for info in [
        # pix2pix / BicycleGAN paired sets; direction as in the pix2pix training scripts
        _pix2pix("facades", "BtoA", "labels -> photo"),
        _pix2pix("maps", "AtoB", "aerial photo -> map"),
        _pix2pix("cityscapes", "BtoA", "labels -> photo"),
        _pix2pix("edges2shoes", "AtoB", "edges -> photo (BicycleGAN)"),
        _pix2pix("edges2handbags", "AtoB", "edges -> photo (BicycleGAN)"),
        _pix2pix("night2day", "AtoB", "night -> day (BicycleGAN)"),
        # CycleGAN / MUNIT / DRIT unpaired sets
        _cyclegan("horse2zebra", "horse <-> zebra"),
        _cyclegan("apple2orange", "apple <-> orange"),
        _cyclegan("summer2winter_yosemite", "Yosemite summer <-> winter (MUNIT, DRIT)"),
        _cyclegan("monet2photo", "Monet <-> photo"),
        _cyclegan("vangogh2photo", "Van Gogh <-> photo"),
        _cyclegan("cezanne2photo", "Cezanne <-> photo"),
        _cyclegan("ukiyoe2photo", "Ukiyo-e <-> photo"),
        _cyclegan("iphone2dslr_flower", "iPhone <-> DSLR flowers"),
        DatasetInfo(
            "cat2dog",
            "unpaired",
            "http://vllab.ucmerced.edu/hylee/DRIT/datasets/cat2dog.zip",
            None,
            "AtoB",
            "DRIT (Lee et al. 2018), cat <-> dog",
        ),
        # StarGAN v2 publishes ...afhq.zip?dl=0 (a Dropbox page); dl=1 is its direct download
        DatasetInfo(
            "afhq",
            "domains",
            "https://www.dropbox.com/s/t9l9o3vsx2jai3z/afhq.zip?dl=1",
            None,
            "AtoB",
            "StarGAN v2 (Choi et al. 2020), cat / dog / wild",
        ),
        DatasetInfo("mnist", "torchvision", None, None, "AtoB", "torchvision.datasets.MNIST"),
        DatasetInfo("svhn", "torchvision", None, None, "AtoB", "torchvision.datasets.SVHN"),
        DatasetInfo("celeba", "torchvision", None, None, "AtoB", "torchvision.datasets.CelebA"),
    ]
}
"""Real datasets by name."""

_LAYOUTS = {
    "paired_ab": "{root}/{name}/{{train,val,test}}/*.jpg|png, each image A|B side by side "
    "(width 2W)",
    "unpaired": "{root}/{name}/{{trainA,trainB,testA,testB}}/*.jpg|png",
    "domains": "{root}/{name}/{{train,val}}/<domain>/*.jpg|png",
    "torchvision": "{root}/ as torchvision.datasets expects for {name}",
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
