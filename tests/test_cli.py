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


def _train(out, *extra, method="dcgan", steps="2"):
    return main(["train", method, "--preset", "smoke", "--steps", steps, "--out", str(out), *extra])


def _one_line_error(capsys, command):
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"companion {command}: error: ") and "\n" not in err, err
    assert "Traceback" not in err
    return err


def test_override_of_a_field_the_method_does_not_have_exits_2(tmp_path, capsys):
    assert _train(tmp_path / "run", "--set", "lambda_ms=1", method="segan") == 2
    err = _one_line_error(capsys, "train")
    assert "unknown config key 'lambda_ms' for SEGANConfig" in err and "lambda_mi" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("method", ["pix2pix", "bicyclegan", "clrgan", "segan", "msgan"])
def test_steps_works_for_every_translation_method(tmp_path, method, capsys):
    assert _train(tmp_path / "run", "--log-every", "1", method=method, steps="1") == 0
    assert json.loads((tmp_path / "run" / "run.json").read_text())["steps"] == 1


def test_a_diverging_run_exits_3_in_one_line(tmp_path, capsys):
    code = _train(tmp_path / "run", "--set", "lr_g=1e38", "--set", "lr_d=1e38", steps="20")
    assert code == 3
    err = _one_line_error(capsys, "train")
    assert "Training stopped" in err


def test_an_unsafe_checkpoint_is_refused_in_one_line(tmp_path, capsys):
    import pickle

    import torch

    assert _train(tmp_path / "run") == 0
    capsys.readouterr()
    torch.save({"payload": pickle.dumps}, tmp_path / "run" / "checkpoint.pt")
    assert _train(tmp_path / "run", steps="4") == 2
    err = _one_line_error(capsys, "train")
    assert "not written by companion" in err and "weights_only" not in err


def test_another_methods_checkpoint_names_it_and_the_fresh_start_flag(tmp_path, capsys):
    assert _train(tmp_path / "run") == 0
    capsys.readouterr()
    assert _train(tmp_path / "run", method="pix2pix", steps="4") == 2
    err = _one_line_error(capsys, "train")
    assert "checkpoint of 'dcgan', not 'pix2pix'" in err and "--no-resume" in err
    assert _train(tmp_path / "run", "--no-resume", method="pix2pix") == 0


def test_resume_with_a_new_learning_rate_applies_it(tmp_path, capsys):
    import torch

    assert _train(tmp_path / "run") == 0
    assert _train(tmp_path / "run", "--set", "lr_g=1e-3", steps="3") == 0
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert state["stepper"]["optimizers"]["G"]["param_groups"][0]["lr"] == 1e-3
    capsys.readouterr()
    assert _train(tmp_path / "run", "--set", "width_g=16", steps="4") == 2
    assert "width_g: 8 -> 16" in _one_line_error(capsys, "train")


def test_out_that_is_a_file_exits_2(tmp_path, capsys):
    out = tmp_path / "taken"
    out.write_text("keep me")
    assert _train(out) == 2
    assert "is a file" in _one_line_error(capsys, "train")
    assert out.read_text() == "keep me"


def test_sample_out_may_be_a_folder(tmp_path, capsys):
    assert _train(tmp_path / "run") == 0
    folder = tmp_path / "pictures"
    folder.mkdir()
    assert main(["sample", str(tmp_path / "run"), "--out", str(folder)]) == 0
    assert (folder / "samples.png").stat().st_size > 0
    assert main(["sample", str(tmp_path / "run"), "--out", str(tmp_path / "x.txt")]) == 2
    assert ".png or .jpg" in _one_line_error(capsys, "sample")


def test_interrupt_exits_130_in_one_line(tmp_path, capsys, monkeypatch):
    import companion.train

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(companion.train, "fit", interrupted)
    assert _train(tmp_path / "run") == 130
    assert "interrupted" in _one_line_error(capsys, "train")


def test_verbose_shows_the_trace(tmp_path, capsys):
    assert main(["-v", "train", "dcgan", "--preset", "smoke", "--set", "nope=1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "valid keys" in err.splitlines()[-1]


def test_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(f"  {code}" in out for code in (0, 1, 2, 3, 130))
