"""Bad images are found before training: ``companion data check``, and a header check on open.

Also: macOS's ``._*`` and ``.DS_Store`` files are skipped wherever image folders are listed.
"""

import io
import shutil
import sys
from pathlib import Path

import pytest

from companion.cli import main
from companion.data import PairedFolder, check_dataset, load_dataset
from companion.data.check import header_problem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BROKEN = FIXTURES / "broken"
TRAIN = BROKEN / "facades" / "train"


def test_cli_check_lists_every_problem_and_exits_2(capsys):
    code = main(["data", "check", "facades", "--root", str(BROKEN)])
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert code == 2
    assert lines == [
        f"cannot read image {TRAIN / '1.png'}: image file is truncated; delete or replace the file",
        f"{TRAIN / '2.png'} has odd width 33; a pix2pix A|B image must be two equal halves side "
        "by side (width 2W)",
        f"cannot read image {TRAIN / '3.jpg'}: cannot identify image file '{TRAIN / '3.jpg'}'; "
        "delete or replace the file",
        f"{TRAIN / '4.tif'} has image mode F (floats in [4, 4]; only [0, 1] is read), which "
        "companion does not convert; save it as 8-bit RGB or 16-bit greyscale PNG, or delete it",
        f"note: {TRAIN}: 3 image sizes; 1 of 3 are 32x16, the others 2.png 33x16, 5.png 32x32 "
        "(all are resized to a square, so other aspect ratios are stretched)",
    ]
    assert captured.err == (
        f"companion data: error: checked 7 images of facades in {BROKEN / 'facades'}: "
        "4 problem(s), 1 note(s) (listed above)\n"
    )


def test_cli_check_passes_a_good_dataset(capsys):
    root = FIXTURES / "datasets"
    assert main(["data", "check", "horse2zebra", "--root", str(root)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    # the fixture's trainA and trainB images are 16, 18 and 20 wide: notes, not problems
    notes, summary = captured.out.splitlines()[:-1], captured.out.splitlines()[-1]
    assert [n.split(":")[0] for n in notes] == ["note", "note"]
    assert "trainA: 3 image sizes" in notes[0] and "trainB: 2 image sizes" in notes[1]
    assert summary == (
        f"checked 7 images of horse2zebra in {root / 'horse2zebra'}: no problems, 2 note(s)"
    )
    assert main(["data", "check", "facades", "--root", str(root / "facades")]) == 0
    assert capsys.readouterr().out == (
        f"checked 3 images of facades in {root / 'facades'}: no problems\n"
    )


@pytest.mark.parametrize(
    "name,message",
    [
        ("shapes", "cannot check 'shapes' (no files to check); check one of afhq, apple2orange"),
        ("mnist", "cannot check 'mnist' (torchvision reads and checks its files)"),
    ],
)
def test_cli_check_refuses_datasets_without_image_folders(name, message, tmp_path, capsys):
    assert main(["data", "check", name, "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err


def test_cli_check_on_a_missing_dataset_names_the_fetch_command(tmp_path, capsys):
    assert main(["data", "check", "maps", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"`companion data fetch maps --root {tmp_path}`" in err
    assert list(tmp_path.iterdir()) == []


def test_opening_a_bad_folder_fails_at_once_naming_the_file(tmp_path, capsys):
    # header only: the odd width and the non-image are found, the truncated 1.png is not
    with pytest.raises(ValueError) as caught:
        load_dataset("facades", root=BROKEN)
    assert str(caught.value) == (
        f"{TRAIN / '2.png'} has odd width 33; a pix2pix A|B image must be two equal halves side "
        "by side (width 2W); 1 more file(s) have problems: list them all with "
        f"`companion data check facades --root {BROKEN}`"
    )
    out = tmp_path / "grid.png"
    code = main(["data", "show", "facades", "--root", str(BROKEN), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1 and "2.png has odd width 33" in err
    assert not out.exists()
    PairedFolder(BROKEN / "facades", "train", check=False)  # opt out: fails per batch instead


def test_header_problem_reads_no_pixels():
    assert header_problem(TRAIN / "1.png", paired=True) is None  # truncated pixels: not seen
    assert header_problem(TRAIN / "4.tif") is None  # mode F is supported; values need decoding
    assert "cannot read image" in header_problem(TRAIN / "3.jpg")


def test_check_dataset_reads_the_folder_itself_as_root():
    report = check_dataset("facades", BROKEN / "facades", progress=False)
    assert report.path == BROKEN / "facades" and report.files == 7 and not report.ok
    assert len(report.problems) == 4 and len(report.notes) == 1


def test_macos_leftovers_are_skipped(tmp_path, capsys):
    root = FIXTURES / "macos"
    assert sorted(p.name for p in (root / "horse2zebra" / "trainA").iterdir()) == [
        ".DS_Store",
        "._0.png",
        "0.png",
    ]
    ds = load_dataset("horse2zebra", root=root, resolution=8)
    assert len(ds) == 1 and ds[0]["a"].shape == (3, 8, 8)
    assert main(["data", "check", "horse2zebra", "--root", str(root)]) == 0
    assert capsys.readouterr().out.endswith(
        f"checked 4 images of horse2zebra in {root / 'horse2zebra'}: no problems\n"
    )
    out = tmp_path / "grid.png"
    assert main(["data", "show", "horse2zebra", "--root", str(root), "--out", str(out)]) == 0
    assert out.is_file()


def test_macos_leftovers_are_skipped_in_domain_folders(tmp_path):
    for split, domain in (("train", "cat"), ("train", "._cat"), ("train", "__MACOSX")):
        (tmp_path / "afhq" / split / domain).mkdir(parents=True)
    for f in ("0.png", "._0.png", ".DS_Store"):
        shutil.copy(
            FIXTURES / "macos" / "horse2zebra" / "trainA" / f,
            tmp_path / "afhq" / "train" / "cat" / f,
        )
    ds = load_dataset("afhq", root=tmp_path, resolution=8)
    assert ds.domains == ["cat"] and len(ds) == 1


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    root = str(FIXTURES / "datasets")
    assert main(["data", "check", "facades", "--root", root]) == 0
    assert capsys.readouterr().err == ""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["data", "check", "facades", "--root", root]) == 0
    assert "facades: 100%" in terminal.getvalue() and "3/3" in terminal.getvalue()
