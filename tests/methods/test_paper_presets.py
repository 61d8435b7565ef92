"""The `paper` presets run at the papers' resolution on tiny fixtures in the real formats."""

import json

import pytest

from companion.cli import main

FIXTURES = "tests/fixtures/datasets"


@pytest.mark.slow
@pytest.mark.parametrize(
    "method, data, expected",
    [
        ("bicyclegan", "facades", {"lambda_l1": 10.0}),
        # SEGAN's four datasets (Sec. 4.6, 4.7): --data alone selects the paper's settings.
        ("segan", "facades", {"paired": True, "lambda_l1": 3.0}),
        ("segan", "maps", {"paired": True, "lambda_l1": 3.0}),
        (
            "segan",
            "summer2winter_yosemite",
            {"paired": False, "lambda_l1": 0.0, "lambda_gc": 20.0},
        ),
        ("segan", "cat2dog", {"paired": False, "lambda_l1": 0.0, "lambda_gc": 0.0}),
    ],
)
def test_paper_preset_trains_a_step_at_256(tmp_path, method, data, expected, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "train",
            method,
            "--preset",
            "paper",
            "--data",
            data,
            "--root",
            FIXTURES,
            "--steps",
            "1",
            "--batch-size",
            "2",
            "--out",
            str(out),
            "--log-every",
            "1",
        ]
    )
    assert code == 0, capsys.readouterr().err
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["image_size"] == 256 and config["dataset"] == data
    assert {key: config[key] for key in expected} == expected
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert len(history) == 1 and all(v == v for v in history[0].values())  # finite, no NaN
