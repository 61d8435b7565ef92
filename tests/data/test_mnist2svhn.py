"""The real MNIST <-> SVHN pair of seed paper 002, read offline from tiny fixtures.

The fixtures (``tests/fixtures/datasets``) hold four MNIST digits per split in the IDX format
(labels 1, 1, 7, 1) and three SVHN digits per split in the ``.mat`` format (train labels
1, 10, 7: the 10 is the digit 0).
"""

from pathlib import Path

import pytest
import torch

from companion.cli import main
from companion.data import dataset_facts, dataset_info, load_dataset
from companion.data.torchvision_sets import SvhnMat, TorchvisionPair

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "datasets"


def test_svhn_mat_reads_torchvision_format():
    ds = SvhnMat(FIXTURES, "train")
    assert len(ds) == 3
    img, label = ds[1]
    assert img.size == (32, 32) and img.mode == "RGB"
    assert [ds[i][1] for i in range(3)] == [1, 0, 7]  # SVHN's 10 is the digit 0
    assert img.getpixel((0, 0)) == (40, 90, 160)  # (x, y): the background colour of image 1


def test_mnist2svhn_pads_mnist_and_keeps_svhn():
    ds = load_dataset("mnist2svhn", root=FIXTURES, split="test")
    assert isinstance(ds, TorchvisionPair) and len(ds) == 4  # max(4 MNIST, 3 SVHN)
    s = ds[2]
    assert s["a"].shape == s["b"].shape == (3, 32, 32)
    assert int(s["factors"]["a"]["label"]) == 7 and int(s["factors"]["b"]["label"]) == 0
    a = s["a"]
    assert torch.equal(a[0], a[1]) and torch.equal(a[0], a[2])  # grey repeated to RGB
    assert (a[:, :8, :] == -1).all() and (a[:, -8:, :] == -1).all()  # black padded border
    # the fixture's stroke is rows 6..21, columns 14..16 of 28 x 28; padding shifts it by 2
    assert (a[0, 8:24, 16:19] == 1).all() and (a[0, 8:24, 15] == -1).all()
    rgb = torch.tensor([80, 90, 160]) / 127.5 - 1  # SVHN test image 2, background
    assert torch.allclose(s["b"][:, 0, 0], rgb)


def test_direction_is_a_fact_of_the_entry():
    assert dataset_info("mnist2svhn").direction == "AtoB"
    assert dataset_info("svhn2mnist").direction == "BtoA"
    assert dataset_facts("mnist2svhn").paired is False
    assert dataset_facts("svhn2mnist").paired is False
    rev = load_dataset("svhn2mnist", root=FIXTURES, split="test", resolution=16)[0]
    assert rev["a"].shape == (3, 16, 16)
    assert int(rev["factors"]["a"]["label"]) == 3  # SVHN test image 0 is the source
    assert int(rev["factors"]["b"]["label"]) == 1  # MNIST test image 0 is the target
    assert (rev["b"][:, :3, :] == -1).all()  # the padded MNIST side, resized to 16


def test_missing_half_names_both_fetch_commands(tmp_path):
    (tmp_path / "MNIST").symlink_to(FIXTURES / "MNIST")  # MNIST there, SVHN missing
    with pytest.raises(FileNotFoundError) as err:
        load_dataset("mnist2svhn", root=tmp_path)
    msg = str(err.value)
    assert "SVHN is not in" in msg
    assert "companion data fetch mnist --root" in msg and "companion data fetch svhn" in msg
    with pytest.raises(ValueError, match="direction"):
        TorchvisionPair(FIXTURES, direction="up")


@pytest.mark.slow
def test_train_one_to_many_paper_on_the_fixture(tmp_path, capsys):
    run = tmp_path / "run"
    args = ["train", "one_to_many", "--preset", "paper", "--data", "mnist2svhn"]
    args += ["--root", str(FIXTURES), "--steps", "2", "--batch-size", "2", "--out", str(run)]
    args += ["--set", "ngf=8", "--set", "ndf=8", "--set", "s_width=8", "--log-every", "1"]
    assert main(args) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "for 2 steps on mnist2svhn" in out and "mi/dv" in out
    assert len((run / "history.jsonl").read_text().splitlines()) == 2
