"""Real on-disk formats, on the tiny fixtures of tests/fixtures/make_fixtures.py."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from companion.data import DomainFolders, PairedFolder, UnpairedFolders, load_dataset, read_image
from companion.data.torchvision_sets import TorchvisionImages

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "datasets"


def test_read_image_range_and_error(tmp_path):
    x = read_image(FIXTURES / "facades" / "train" / "0.png")
    assert x.shape == (3, 16, 32) and x.dtype == torch.float32
    assert x.min() == -1 and x.max() == 1
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(RuntimeError, match="cannot read image .*broken.jpg"):
        read_image(bad)


def test_paired_folder_halves_and_direction():
    ds = PairedFolder(FIXTURES / "facades", "train", resolution=16)
    assert len(ds) == 2
    s = ds[0]
    assert s["a"].shape == (3, 16, 16) and s["b"].shape == (3, 16, 16)
    assert s["a"][2].max() < -0.9  # A: orange ramp (photo), no blue
    assert set(s["b"].unique().tolist()) <= {-1.0, 1.0}  # B: black and white labels
    swapped = PairedFolder(FIXTURES / "facades", "val", direction="BtoA", resolution=16)[0]
    assert set(swapped["a"].unique().tolist()) <= {-1.0, 1.0}


def test_paired_folder_same_crop_and_flip_for_both_halves():
    ds = PairedFolder(FIXTURES / "facades", "train", resolution=12, load_size=16, flip=True)
    full = PairedFolder(FIXTURES / "facades", "train", resolution=16)[1]
    torch.manual_seed(0)
    for _ in range(8):
        s = ds[1]
        # find the crop of A in the full A; B must be cropped and flipped the same way
        for flip in (False, True):
            a_full = full["a"].flip(-1) if flip else full["a"]
            b_full = full["b"].flip(-1) if flip else full["b"]
            hits = [
                (t, left)
                for t in range(5)
                for left in range(5)
                if torch.equal(a_full[:, t : t + 12, left : left + 12], s["a"])
                and torch.equal(b_full[:, t : t + 12, left : left + 12], s["b"])
            ]
            if hits:
                break
        assert hits


def test_paired_folder_rejects_odd_width(tmp_path):
    (tmp_path / "train").mkdir()
    Image.fromarray(np.zeros((8, 17, 3), np.uint8)).save(tmp_path / "train" / "odd.png")
    with pytest.raises(ValueError, match="odd.png has odd width 17"):
        PairedFolder(tmp_path, "train", resolution=8)[0]


def test_unpaired_folders():
    ds = UnpairedFolders(FIXTURES / "horse2zebra", "train", resolution=16)
    assert len(ds) == 3
    s = ds[2]
    assert s["a"].shape == (3, 16, 16) and s["b"].shape == (3, 16, 16)
    assert s["a"][0].max() > 0.9 and s["a"][2].max() < -0.9  # A red, B blue
    assert s["b"][2].max() > 0.9 and s["b"][0].max() < -0.9
    test = UnpairedFolders(FIXTURES / "horse2zebra", "test", resolution=8)
    assert len(test) == 1 and test[0]["a"].shape == (3, 8, 8)


def test_domain_folders():
    ds = DomainFolders(FIXTURES / "afhq" / "train", resolution=16)
    assert ds.domains == ["cat", "dog"] and len(ds) == 4
    assert [int(ds[i]["y"]) for i in range(4)] == [0, 0, 1, 1]
    assert ds[0]["x"].shape == (3, 16, 16)


def test_mnist_through_torchvision_offline(tmp_path):
    ds = TorchvisionImages("mnist", FIXTURES, "train", resolution=32)
    s = ds[2]
    assert s["x"].shape == (1, 32, 32) and int(s["y"]) == 7
    assert s["x"].min() >= -1 and s["x"].max() <= 1
    with pytest.raises(FileNotFoundError, match="companion data fetch svhn --root"):
        TorchvisionImages("svhn", tmp_path, "train")


def test_load_dataset_real_formats():
    facades = load_dataset("facades", root=FIXTURES, resolution=16)[0]
    assert facades["a"].shape == (3, 16, 16)
    # the registry's direction for facades is BtoA (labels -> photo), so "a" is the label map
    assert set(facades["a"].unique().tolist()) <= {-1.0, 1.0}
    assert len(load_dataset("horse2zebra", root=FIXTURES / "horse2zebra", resolution=8)) == 3
    assert len(load_dataset("afhq", root=FIXTURES, split="val", resolution=8)) == 2
    assert len(load_dataset("mnist", root=FIXTURES, size=2)) == 2


def test_missing_dataset_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"needs root=.*companion data fetch maps --root"):
        load_dataset("maps")
    with pytest.raises(
        FileNotFoundError,
        match=r"no dataset found at .*edges2shoes.*expected layout.*"
        r"companion data fetch edges2shoes --root",
    ):
        load_dataset("edges2shoes", root=tmp_path)
    (tmp_path / "cat2dog" / "trainA").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"trainA.*trainA,trainB,testA,testB"):
        load_dataset("cat2dog", root=tmp_path)
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        load_dataset("imagenet")
