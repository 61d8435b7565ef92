"""The "how to fetch" hint of a missing dataset: the right --root, quoted for the shell."""

import re
import shlex
import shutil
from pathlib import Path

import pytest

from companion.cli import main
from companion.data import DomainFolders, PairedFolder

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "datasets"


def _error_line(capsys):
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    return err.strip()


def test_missing_dataset_under_a_root_with_a_space(tmp_path, capsys):
    root = tmp_path / "my data"
    root.mkdir()
    out = tmp_path / "grid.png"
    assert main(["data", "show", "cat2dog", "--root", str(root), "--out", str(out)]) == 2
    err = _error_line(capsys)
    assert err == (
        f"companion data: error: no dataset found at {root / 'cat2dog'}; expected layout: "
        f"{root}/cat2dog/{{trainA,trainB,testA,testB}}/*.jpg|png. Download it with "
        f"`companion data fetch cat2dog --root '{root}'` (see data/README.md), or point --root "
        "(root= in Python) at the folder that holds your copy of cat2dog/."
    )
    command = err.split("`")[1]
    assert shlex.split(command) == ["companion", "data", "fetch", "cat2dog", "--root", str(root)]
    assert list(root.iterdir()) == [] and not out.exists()


def test_missing_split_points_root_at_the_parent_not_the_dataset(tmp_path, capsys):
    root = tmp_path / "my data"
    shutil.copytree(FIXTURES / "horse2zebra", root / "horse2zebra")
    shutil.rmtree(root / "horse2zebra" / "trainB")
    out = tmp_path / "grid.png"
    assert main(["data", "show", "horse2zebra", "--root", str(root), "--out", str(out)]) == 2
    err = _error_line(capsys)
    dataset = root / "horse2zebra"
    assert err == (
        f"companion data: error: no dataset found at {dataset / 'trainB'}; expected layout: "
        f"{dataset}/{{trainA,trainB,testA,testB}}/*.jpg. {dataset} holds testA, testB, trainA "
        "but no trainB: use a split it holds, or if its download was incomplete, delete it and "
        f"run `companion data fetch horse2zebra --root '{root}'` again."
    )
    assert "root=" not in err and f"--root '{dataset}'" not in err and not out.exists()
    assert len(list(dataset.rglob("*.png"))) == 5  # nothing lost


def test_empty_split_through_the_cli(tmp_path, capsys):
    root = tmp_path / "data"
    (root / "facades" / "train").mkdir(parents=True)
    out = tmp_path / "run"
    code = main(
        ["train", "pix2pix", "--preset", "smoke", "--data", "facades", "--root", str(root)]
        + ["--steps", "1", "--out", str(out)]
    )
    assert code == 2 and not out.exists()
    assert _error_line(capsys).endswith(
        f"{root / 'facades'} looks incomplete: delete it and run "
        f"`companion data fetch facades --root {root}` again."
    )


def test_domain_and_own_folders(tmp_path):
    (tmp_path / "afhq" / "train").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=re.escape(f"--root {tmp_path}` again")):
        DomainFolders(tmp_path / "afhq" / "train")
    (tmp_path / "mine" / "train").mkdir(parents=True)
    with pytest.raises(FileNotFoundError) as caught:
        PairedFolder(tmp_path / "mine", "train")
    assert str(caught.value).endswith("Put your images in that layout.")  # no fetch of "mine"
