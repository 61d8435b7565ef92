"""SceneNet RGB-D from a local folder: values, the zero-pair split, each missing-file message."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from companion.cli import main
from companion.data import (
    NYU13_CLASSES,
    SceneNetRGBD,
    check_dataset,
    dataset_facts,
    depth_to_metres,
    fetch,
    load_dataset,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "datasets"
DATA = FIXTURES / "scenenet_rgbd"


def test_triplet_values_follow_the_published_formats():
    ds = load_dataset("scenenet_rgbd", root=FIXTURES, split="val", resolution=32)
    assert len(ds) == 2 and ds[0]["factors"]["frame"] == 0 and ds[1]["factors"]["frame"] == 25
    s = ds[0]  # 32 x 24 stretched to 32 x 32
    assert s["rgb"].shape == (3, 32, 32) and s["depth"].shape == (1, 32, 32)
    assert s["seg"].shape == (32, 32) and s["seg"].dtype == torch.int64
    assert set(s["seg"].unique().tolist()) == {-1, 5, 10, 12}  # Unknown (0) became -1
    table = s["seg"] == 10
    metres = depth_to_metres(s["depth"][0])
    assert torch.allclose(metres[table], torch.tensor(1.8))  # 1800 mm in the PNG
    wall = metres[s["seg"] == 12].unique().tolist()
    assert wall == [0.0, 4.0] and metres[0, -1] == 0  # 4000 mm; 0 = no return stays 0 m
    assert s["depth"].min() >= -1 and s["depth"].max() <= 1
    assert NYU13_CLASSES[10] == "Table" and NYU13_CLASSES[12] == "Wall"


def test_zero_pair_halves_come_from_disjoint_trajectories():
    ds = SceneNetRGBD(DATA, "train", resolution=16)
    assert ds.zero_pair and len(ds) == 2  # D_RD has trajectory 1 only: 2 frames
    assert {t.name for t, _ in ds.rs} == {"0", "2"} and {t.name for t, _ in ds.rd} == {"1"}
    s = ds[1]
    assert sorted(s) == ["factors", "rd_depth", "rd_rgb", "rs_rgb", "rs_seg"]
    assert s["rd_depth"].shape == (1, 16, 16) and s["rs_seg"].shape == (16, 16)
    whole = SceneNetRGBD(DATA, "train", resolution=16, zero_pair=False)
    assert len(whole) == 6 and sorted(whole[5]) == ["depth", "factors", "rgb", "seg"]
    assert dataset_facts("scenenet_rgbd").paired is True


def test_a_missing_dataset_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        load_dataset("scenenet_rgbd", root=tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "scenenet_rgbd") in message and "class13/<frame>.png" in message
    assert "robotvault.bitbucket.io/scenenet-rgbd" in message and "pySceneNetRGBD" in message
    assert "companion data fetch" not in message  # it cannot be fetched
    with pytest.raises(FileNotFoundError, match="needs root=.*pySceneNetRGBD"):
        load_dataset("scenenet_rgbd")
    with pytest.raises(ValueError, match="scenenet_rgbd: companion cannot download it"):
        fetch("scenenet_rgbd", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_labels_and_frames_are_named(tmp_path):
    data = tmp_path / "scenenet_rgbd"
    shutil.copytree(DATA, data)
    (data / "train" / "0" / "1" / "depth" / "25.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"train/0/1/depth/25\.png is missing"):
        SceneNetRGBD(data)
    (data / "train" / "0" / "1" / "class13" / "25.png").unlink()  # frame 25 left out
    assert len(SceneNetRGBD(data, zero_pair=False)) == 5
    shutil.rmtree(data / "val" / "0" / "0" / "class13")
    with pytest.raises(FileNotFoundError, match=r"val/0/0 has no class13/ folder \(labels"):
        SceneNetRGBD(data, "val")
    with pytest.raises(FileNotFoundError, match=r"no trajectory folder in .*test \(.* holds"):
        SceneNetRGBD(data, "test")


def test_wrong_modes_and_labels_are_refused(tmp_path):
    data = tmp_path / "scenenet_rgbd"
    shutil.copytree(DATA, data)
    view = data / "val" / "0" / "0"
    Image.fromarray(np.zeros((24, 32), np.uint8)).save(view / "depth" / "0.png")  # 8-bit
    Image.fromarray(np.full((24, 32), 14, np.uint8)).save(view / "class13" / "25.png")
    ds = SceneNetRGBD(data, "val", resolution=8)
    with pytest.raises(ValueError, match=r"depth/0\.png has image mode L; .*16-bit"):
        ds[0]
    with pytest.raises(ValueError, match=r"class13/25\.png holds label 14"):
        ds[1]


def test_check_reads_every_file():
    report = check_dataset("scenenet_rgbd", FIXTURES, progress=False)
    assert report.ok and report.files == 24, report.problems


def test_cli_refuses_a_missing_dataset_in_one_line(tmp_path, capsys):
    code = main(
        ["train", "mix_and_match", "--preset", "smoke", "--data", "scenenet_rgbd"]
        + ["--root", str(tmp_path), "--steps", "1", "--out", str(tmp_path / "run")]
    )
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1 and "pySceneNetRGBD" in err
    assert not (tmp_path / "run").exists()


def test_smoke_preset_trains_on_the_folders(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "mix_and_match", "--preset", "smoke", "--data", "scenenet_rgbd"]
    argv += ["--root", str(FIXTURES), "--steps", "2", "--out", str(out), "--log-every", "1"]
    assert main(argv) == 0, capsys.readouterr().err
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["num_classes"] == 14 and config["dataset"] == "scenenet_rgbd"


@pytest.mark.slow
def test_paper_preset_trains_all_three_stages_at_256(tmp_path, capsys):
    """`companion train mix_and_match --preset paper --data scenenet_rgbd --root <fixture>`."""
    out = tmp_path / "run"
    argv = ["train", "mix_and_match", "--preset", "paper", "--data", "scenenet_rgbd"]
    argv += ["--root", str(FIXTURES), "--steps", "3", "--batch-size", "2"]
    argv += ["--set", "stage2_start=1", "--set", "pp_start=2"]  # one step of each stage
    assert main([*argv, "--out", str(out), "--log-every", "1"]) == 0, capsys.readouterr().err
    config = json.loads((out / "config.json").read_text())["config"]
    assert (config["image_size"], config["num_classes"], config["ngf"]) == (256, 14, 64)
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert len(history) == 3 and all(v == v for h in history for v in h.values())  # no NaN
    assert "loss/g_latent" not in history[0] and "loss/g_latent" in history[1]
    assert "loss/g_pp" in history[2] and "loss/g_pp" not in history[1]
