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


def test_data_list_and_show(tmp_path, capsys):
    assert main(["data", "list"]) == 0
    assert "shapes" in capsys.readouterr().out.split()
    out = tmp_path / "shapes.png"
    assert main(["data", "show", "shapes", "--out", str(out), "--resolution", "32"]) == 0
    assert out.stat().st_size > 0


def test_missing_real_dataset_names_the_fetch_command(tmp_path, capsys):
    code = main(
        [
            "train",
            "dcgan",
            "--preset",
            "smoke",
            "--data",
            "facades",
            "--root",
            str(tmp_path / "nowhere"),
            "--steps",
            "1",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    assert code == 2
    assert "companion data fetch facades" in capsys.readouterr().err


def test_eval_writes_json_with_protocol(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "segan", "--preset", "smoke", "--steps", "2", "--out", str(run)]) == 0
    code = main(
        [
            "eval",
            str(run),
            "--n-inputs",
            "4",
            "--samples-per-input",
            "5",
            "--metrics",
            "mode_coverage",
            "ndb",
        ]
    )
    assert code == 0, capsys.readouterr().err
    result = json.loads((run / "eval.json").read_text())
    coverage = result["metrics"]["mode_coverage"]
    assert 1 <= coverage["value"] <= 8 and coverage["n_styles"] == 8
    assert result["metrics"]["ndb"]["k"] == 20
