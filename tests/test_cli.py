"""The command line: list, train, sample, and its error messages."""

import json
import subprocess
import sys

import pytest

from companion.cli import main


def test_list_names_methods_and_presets(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "dcgan" in out and "smoke" in out and "paper" in out


def test_help_is_useful(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "--set KEY=VALUE" in out and "--preset" in out and "resumes" in out


def test_train_then_sample(tmp_path, capsys):
    run = tmp_path / "run"
    code = main(
        [
            "train",
            "dcgan",
            "--preset",
            "smoke",
            "--data",
            "shapes",
            "--steps",
            "3",
            "--out",
            str(run),
            "--set",
            "z_dim=4",
            "--log-every",
            "1",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert json.loads((run / "config.json").read_text())["config"]["z_dim"] == 4
    assert len((run / "history.jsonl").read_text().splitlines()) == 3
    assert main(["sample", str(run), "--n", "16"]) == 0
    assert (run / "samples.png").stat().st_size > 0


def test_wrong_override_key_lists_valid_keys(tmp_path, capsys):
    code = main(
        [
            "train",
            "dcgan",
            "--preset",
            "smoke",
            "--steps",
            "1",
            "--out",
            str(tmp_path),
            "--set",
            "learning_rate=1",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown config key 'learning_rate'" in err and "valid keys:" in err and "lr_g" in err


def test_wrong_override_type_names_the_field(tmp_path, capsys):
    code = main(
        [
            "train",
            "dcgan",
            "--preset",
            "smoke",
            "--steps",
            "1",
            "--out",
            str(tmp_path),
            "--set",
            "z_dim=eight",
        ]
    )
    assert code == 2
    assert "bad value 'eight' for config key 'z_dim' of type int" in capsys.readouterr().err


def test_unknown_method(capsys):
    assert main(["train", "pix3pix", "--steps", "1"]) == 2
    assert "unknown method 'pix3pix'; known methods:" in capsys.readouterr().err


def test_sample_needs_a_run_folder(tmp_path, capsys):
    assert main(["sample", str(tmp_path)]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_python_dash_m_works():
    result = subprocess.run(
        [sys.executable, "-m", "companion", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "train" in result.stdout
