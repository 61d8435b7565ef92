"""Every PIL mode a dataset may hold, read from a tiny real file with known pixels."""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from companion.cli import main
from companion.data import load_dataset, read_image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from make_fixtures import MODE_PIXELS, PALETTE  # noqa: E402

MODES = Path(__file__).resolve().parents[1] / "fixtures" / "modes"


def _grey(values, scale):
    """(3, 1, 4) expected tensor of a greyscale row, ``values / scale`` mapped to [-1, 1]."""
    row = torch.tensor(values, dtype=torch.float64) / scale * 2 - 1
    return row.expand(3, 1, 4).float()


def _rgb(pixels):
    """(3, 1, 4) expected tensor of 4 RGB pixels in [0, 255]."""
    return (torch.tensor(pixels, dtype=torch.float64).T[:, None, :] / 127.5 - 1).float()


CMYK_AS_RGB = [(255, 255, 255), (0, 255, 255), (0, 0, 0), (127, 127, 127)]

EXPECTED = {
    "1.png": _grey([0, 255, 255, 0], 255),
    "L.png": _grey([0, 51, 204, 255], 255),
    "P.png": _rgb([PALETTE[i] for i in MODE_PIXELS["P.png"][1]]),
    "P_transparency.png": _rgb(PALETTE[:3] + [(255, 255, 255)]),  # index 3 transparent
    # over white: grey * alpha + 255 * (1 - alpha); (200, 128) -> 200 * 128 / 255 + 127
    "LA.png": _grey([0, 255, 200 * 128 / 255 + 127, 100], 255),
    "RGB.png": _rgb(MODE_PIXELS["RGB.png"][1]),
    "RGBA.png": _rgb([(255, 0, 0), (255, 255, 255), (127, 127, 255), (10, 20, 30)]),
    "CMYK.tif": _rgb(CMYK_AS_RGB),
    "I16.png": _grey([0, 256, 1000, 65535], 65535),
    "I16.tif": _grey([0, 256, 1000, 65535], 65535),
    "I16B.tif": _grey([0, 256, 1000, 65535], 65535),
    "I.tif": _grey([0, 256, 1000, 65535], 65535),
    "F.tif": _grey([0.0, 0.25, 0.5, 1.0], 1),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mode_reads_with_its_own_scale(name):
    mode = MODE_PIXELS[name][0]
    assert Image.open(MODES / name).mode == mode  # the file really holds that mode
    x = read_image(MODES / name)
    assert x.shape == (3, 1, 4) and x.dtype == torch.float32
    torch.testing.assert_close(x, EXPECTED[name], atol=1e-6, rtol=0)


def test_sixteen_bit_is_not_saturated():
    # the bug: convert("RGB") clipped 256, 1000 and 65535 alike to white
    x = read_image(MODES / "I16.png")[0, 0]
    assert x[1] < x[2] < x[3] and x[2] < -0.9


@pytest.mark.parametrize(
    "name,message",
    [
        ("I_negative.tif", r"has image mode I \(32-bit integers in \[-5, 65535\]"),
        ("F_above_one.tif", r"has image mode F \(floats in \[0, 4\]; only \[0, 1\] is read\)"),
    ],
)
def test_values_no_convention_maps_are_refused_naming_file_and_mode(name, message):
    with pytest.raises(ValueError, match=name.replace(".", r"\.") + " " + message):
        read_image(MODES / name)


def _grey_domain(tmp_path, names):
    """``tmp/afhq/train/grey/`` holding copies of the given mode fixtures."""
    folder = tmp_path / "afhq" / "train" / "grey"
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(MODES / name, folder / name)
    return tmp_path


def test_load_dataset_reads_sixteen_bit_and_float_files(tmp_path):
    root = _grey_domain(tmp_path, ["F.tif", "I16.png", "I16B.tif"])
    ds = load_dataset("afhq", root=root, resolution=4)
    rows = [ds[i]["x"][0] for i in range(3)]  # each (4, 4): the 1-pixel row repeated
    torch.testing.assert_close(rows[0][0], EXPECTED["F.tif"][0, 0], atol=1e-5, rtol=0)
    for row in rows[1:]:
        torch.testing.assert_close(row[0], EXPECTED["I16.png"][0, 0], atol=1e-5, rtol=0)
        assert torch.equal(row, row[:1].expand(4, 4))


def test_cli_show_draws_sixteen_bit_greys_not_white(tmp_path, capsys):
    root = _grey_domain(tmp_path / "data", ["I16.png"])
    out = tmp_path / "grid.png"
    code = main(
        ["data", "show", "afhq", "--root", str(root), "--out", str(out)] + ["--resolution", "4"]
    )
    assert code == 0, capsys.readouterr().err
    grid = np.asarray(Image.open(out).convert("L"))  # one 4 x 4 image: no padding
    assert grid.shape == (4, 4)
    assert grid[0].tolist() == [0, 1, 4, 255]  # 0, 256, 1000, 65535 of 65535 (was 0, 255, 255, 255)


def test_cli_show_refuses_an_unconvertible_file_in_one_line(tmp_path, capsys):
    root = _grey_domain(tmp_path / "data", ["F_above_one.tif"])
    out = tmp_path / "grid.png"
    code = main(["data", "show", "afhq", "--root", str(root), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1
    assert "F_above_one.tif has image mode F (floats in [0, 4]" in err
    assert not out.exists()
