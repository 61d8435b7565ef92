"""The `paper` presets run at the papers' resolution on tiny fixtures in the real formats."""

import json

import pytest

from companion.cli import main

FIXTURES = "tests/fixtures/datasets"


@pytest.mark.slow
@pytest.mark.parametrize(
    "method, data, extra",
    [
        ("bicyclegan", "facades", []),
        ("segan", "facades", []),
        # Unpaired SEGAN on the GcGAN backbone (Sec. 4.5): no L1, geometry consistency 20.
        (
            "segan",
            "horse2zebra",
            ["--set", "paired=no", "--set", "lambda_l1=0", "--set", "lambda_gc=20"],
        ),
    ],
)
def test_paper_preset_trains_a_step_at_256(tmp_path, method, data, extra, capsys):
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
            *extra,
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert json.loads((out / "config.json").read_text())["config"]["image_size"] == 256
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert len(history) == 1 and all(v == v for v in history[0].values())  # finite, no NaN
