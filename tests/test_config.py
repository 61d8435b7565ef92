import dataclasses
import json

import pytest
import torch

from companion.config import (
    PRESETS,
    PresetConfig,
    load_config,
    parse_overrides,
    preset,
    run_header,
    save_config,
    seed_everything,
)


@dataclasses.dataclass(frozen=True)
class Toy(PresetConfig):
    lr: float = 2e-4
    z_dim: int = 8
    use_ema: bool = False
    betas: tuple[float, float] = (0.5, 0.999)
    gan_loss: str = "lsgan"
    steps: int | None = None

    @classmethod
    def cpu(cls):
        return dataclasses.replace(cls(), z_dim=4)

    @classmethod
    def smoke(cls):
        return dataclasses.replace(cls.cpu(), z_dim=2)


def test_presets_are_diffs_of_paper():
    assert Toy.from_preset("paper").z_dim == 8
    assert Toy.from_preset("cpu").z_dim == 4
    assert Toy.from_preset("smoke") == dataclasses.replace(Toy(), z_dim=2)


def test_preset_resolution(monkeypatch):
    monkeypatch.setenv("COMPANION_PRESET", "smoke")
    assert preset() == "smoke"
    assert preset("paper") == "paper"
    monkeypatch.delenv("COMPANION_PRESET")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert preset() == "gpu"  # a Colab GPU gets the synthetic experiment, never paper implicitly
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert preset() == "cpu"
    assert preset("gpu") == "gpu"
    monkeypatch.setenv("COMPANION_PRESET", "laptop")
    with pytest.raises(ValueError, match="unknown preset 'laptop'.*COMPANION_PRESET"):
        preset()


def test_overrides_parse_each_type():
    cfg = Toy().with_overrides(
        ["lr=1e-4", "z_dim=16", "use_ema=yes", "betas=0,0.9", "steps=none", "gan_loss=hinge"]
    )
    assert cfg == Toy(lr=1e-4, z_dim=16, use_ema=True, betas=(0.0, 0.9), gan_loss="hinge")
    assert Toy().with_overrides(["steps=5"]).steps == 5


def test_unknown_override_lists_valid_keys():
    with pytest.raises(KeyError, match="unknown config key 'learning_rate'.*valid keys: betas"):
        Toy().with_overrides(["learning_rate=1e-4"])


@pytest.mark.parametrize(
    "item, pattern",
    [
        ("z_dim=1.5", "bad value '1.5' for config key 'z_dim' of type int"),
        ("use_ema=maybe", "expected a boolean"),
        ("betas=0.5", "expected 2 comma-separated values"),
    ],
)
def test_wrong_override_type_fails(item, pattern):
    with pytest.raises(TypeError, match=pattern):
        Toy().with_overrides([item])


def test_override_needs_equals_sign():
    with pytest.raises(ValueError, match="not of the form key=value"):
        parse_overrides(["lr"])


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_save_load_round_trip(tmp_path, suffix):
    cfg = Toy(lr=3e-4, betas=(0.0, 0.9))
    path = save_config(cfg, tmp_path / f"cfg{suffix}")
    assert load_config(Toy, path) == cfg


def test_load_rejects_other_class(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"class": "Other", "config": {}}))
    with pytest.raises(ValueError, match="holds a Other config"):
        load_config(Toy, path)
    with pytest.raises(FileNotFoundError, match="no config file"):
        load_config(Toy, tmp_path / "missing.json")


def test_seed_everything_repeats_streams():
    seed_everything(3)
    a = torch.rand(3)
    seed_everything(3)
    assert torch.equal(a, torch.rand(3))
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(-1)


def test_gpu_preset_defaults_to_the_cpu_experiment():
    assert Toy.gpu() == Toy.cpu()
    assert PRESETS == ("smoke", "cpu", "gpu", "paper")


def test_run_config_checks_values_and_keys():
    from companion.config import RunConfig

    assert RunConfig().with_overrides(["steps=10", "amp=no"]) == RunConfig(steps=10, amp=False)
    with pytest.raises(ValueError, match="steps must be an int >= 0, got -1"):
        RunConfig(steps=-1)
    with pytest.raises(TypeError, match="unknown run setting.*'epochs'"):
        RunConfig().with_overrides({"epochs": 1})


def test_for_dataset_applies_the_facts_settings_for_its_key():
    from companion.config import DatasetFacts

    @dataclasses.dataclass(frozen=True)
    class Keyed(PresetConfig):
        settings_key = "keyed"
        dataset: str = "a"
        weight: float = 1.0

    facts = DatasetFacts("b", True, settings={"keyed": {"weight": 2.0}, "other": {"x": 1}})
    assert Keyed().for_dataset(facts) == Keyed(dataset="b", weight=2.0)
    with pytest.raises(TypeError, match="takes a DatasetFacts"):
        Keyed().for_dataset("b")


def test_run_header_names_preset_device_time_and_values():
    header = run_header("cpu", {"cpu": 70, "gpu": 9}, steps=400, lambda_l1=10)
    fields = header.replace("\n", " | ").split(" | ")
    assert fields[0] == "preset cpu"
    assert fields[2].startswith("torch ")
    assert "about 70 s on 2 CPU cores" in fields and "steps 400" in fields
    assert fields[-1] == "lambda_l1 10"
    assert not any("about 9" in f for f in fields)  # only the running preset's time
    assert "about" not in run_header("paper", {"cpu": 70})


def test_run_header_packs_fields_into_lines_of_at_most_width():
    values = {f"setting_{i}": i for i in range(12)}
    header = run_header("cpu", **values)
    lines = header.split("\n")
    assert len(lines) > 1 and all(len(line) <= 79 for line in lines)
    # Greedy: the next line's first field would not have fitted on the line before.
    for before, after in zip(lines, lines[1:]):
        assert len(before) + 3 + len(after.split(" | ")[0]) > 79
    assert header.replace("\n", " | ") == run_header("cpu", width=10_000, **values)
