"""load_dataset, list_datasets, save_sample_grid and the registry."""

import pytest
import torch
from PIL import Image

from companion.data import (
    REGISTRY,
    SYNTHETIC,
    expected_layout,
    is_unpaired,
    list_datasets,
    load_dataset,
    save_sample_grid,
)


def test_list_datasets_names_synthetic_and_real():
    names = list_datasets()
    for name in (
        "shapes",
        "shapes_season",
        "shapes_species",
        "digits",
        "scenes",
        "facades",
        "maps",
        "edges2shoes",
        "horse2zebra",
        "cat2dog",
        "afhq",
        "mnist",
    ):
        assert name in names
    assert len(names) == len(SYNTHETIC) + len(REGISTRY)


@pytest.mark.parametrize(
    "name,keys",
    [
        ("shapes", {"a", "b", "factors"}),
        ("shapes_edges", {"a", "b", "factors"}),
        ("shapes_season", {"a", "b", "factors"}),
        ("shapes_species", {"a", "b", "factors"}),
        ("digits", {"a", "b", "y", "factors"}),
        ("scenes", {"rgb", "depth", "seg", "instances", "factors"}),
    ],
)
def test_load_synthetic(name, keys):
    ds = load_dataset(name, size=6, resolution=16, seed=1)
    assert len(ds) == 6 and set(ds[0]) == keys
    again = load_dataset(name, size=6, resolution=16, seed=1)[5]
    first = next(k for k in ("b", "rgb") if k in keys)
    assert torch.equal(ds[5][first], again[first])
    assert ds[0][first].shape[-2:] == (16, 16)


def test_load_dataset_passes_kwargs_and_default_sizes():
    assert (
        len(load_dataset("shapes")) == 10_000 and len(load_dataset("shapes", split="test")) == 2_000
    )
    assert load_dataset("shapes", size=2, source_channels=1)[0]["a"].shape == (1, 32, 32)


def test_registry_urls_and_layouts():
    assert REGISTRY["facades"].url == (
        "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/facades.tar.gz"
    )
    assert REGISTRY["horse2zebra"].url == (
        "http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/horse2zebra.zip"
    )
    assert REGISTRY["cat2dog"].url == "http://vllab.ucmerced.edu/hylee/DRIT/datasets/cat2dog.zip"
    assert (
        expected_layout("maps", "D") == "D/maps/{train,val,test}/*.jpg|png, each image A|B "
        "side by side (width 2W)"
    )


def test_save_sample_grid(tmp_path):
    path = save_sample_grid("shapes", tmp_path / "grid.png", n=4, size=4, resolution=16)
    width, height = Image.open(path).size
    assert width == 4 * 17 + 1 and height == 2 * 17 + 1  # 4 samples, rows "a" and "b"
    path = save_sample_grid("scenes", tmp_path / "scenes.png", n=2, size=2, resolution=16)
    assert Image.open(path).size[1] == 4 * 17 + 1  # rgb, depth, seg, instances


def test_is_unpaired_follows_the_layout():
    assert [is_unpaired(n) for n in ("horse2zebra", "cat2dog", "shapes_species")] == [True] * 3
    assert [is_unpaired(n) for n in ("facades", "maps", "shapes", "afhq")] == [False] * 4
    with pytest.raises(ValueError, match="unknown dataset 'facade'"):
        is_unpaired("facade")


def test_dataset_root_finds_a_dataset_or_says_how_to_fetch_it(tmp_path, monkeypatch):
    from companion.data import dataset_root

    monkeypatch.setenv("COMPANION_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="companion data fetch facades --root"):
        dataset_root("facades")
    (tmp_path / "facades").mkdir()
    assert dataset_root("facades") == tmp_path
    with pytest.raises(ValueError, match="unknown real dataset 'shapes'"):
        dataset_root("shapes")
