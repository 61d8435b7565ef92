"""CelebA as attribute domains (SDIT's paper preset), read offline from a tiny fixture.

The fixture (``tests/fixtures/datasets/celeba``, see ``make_fixtures.CELEBA_ROWS``): six flat
"faces"; train has Bangs, Blond_Hair, Blond_Hair + Young, Male and Smiling; test has Brown_Hair.
"""

import json
from pathlib import Path

import pytest
import torch

from companion.cli import main
from companion.data import dataset_facts, load_dataset
from companion.data.celeba import SDIT_ATTRIBUTES, CelebADomains, read_attributes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "datasets"


def test_attribute_file_is_parsed_to_zero_one():
    names, files, values = read_attributes(FIXTURES / "celeba" / "list_attr_celeba.txt")
    assert len(names) == 40 and files[0] == "000001.jpg" and values.shape == (6, 40)
    assert values[0, names.index("Bangs")] == 1 and values[0].sum() == 1


def test_domains_are_the_chosen_columns_and_disjoint():
    ds = load_dataset("celeba_domains", root=FIXTURES, resolution=16)
    assert isinstance(ds, CelebADomains) and ds.domains == list(SDIT_ATTRIBUTES)
    # Bangs -> 0, Blond_Hair -> 1, Male -> 4; Blond + Young dropped; Smiling has none
    assert ds.files == ["000001.jpg", "000002.jpg", "000004.jpg"]
    assert [int(ds[i]["y"]) for i in range(3)] == [0, 1, 4]
    assert ds.counts.tolist() == [1, 1, 0, 0, 1]
    s = ds[1]
    assert s["x"].shape == (3, 16, 16) and -1 <= s["x"].min() and s["x"].max() <= 1
    assert s["factors"]["attributes"].shape == (40,) and int(s["factors"]["attributes"].sum()) == 1
    # image i of the fixture is the flat colour (40 i, 100, 200 - 30 i): here i = 1
    rgb = torch.tensor([40.0, 100.0, 170.0]) / 127.5 - 1
    assert torch.allclose(s["x"].mean(dim=(1, 2)), rgb, atol=0.03)


def test_overlap_first_and_other_attributes_and_splits():
    first = CelebADomains(FIXTURES, resolution=8, overlap="first")
    assert first.files == ["000001.jpg", "000002.jpg", "000003.jpg", "000004.jpg"]
    assert first.labels.tolist() == [0, 1, 1, 4]  # Blond_Hair is listed before Young
    smiling = CelebADomains(FIXTURES, resolution=8, attributes=("Smiling", "Male"))
    assert smiling.files == ["000004.jpg", "000005.jpg"] and smiling.labels.tolist() == [1, 0]
    test = CelebADomains(FIXTURES, split="test", resolution=8)
    assert test.files == ["000006.jpg"] and test.labels.tolist() == [2]
    assert len(CelebADomains(FIXTURES, split="val", resolution=8)) == 0
    with pytest.raises(ValueError, match="unknown CelebA attributes"):
        CelebADomains(FIXTURES, attributes=("Blue_Hair",))


def test_missing_files_name_the_fetch_command(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"list_attr_celeba.txt.*companion data fetch"):
        load_dataset("celeba_domains", root=tmp_path)
    (tmp_path / "celeba").mkdir()
    (tmp_path / "celeba" / "list_attr_celeba.txt").write_text("0\nBangs\n")
    with pytest.raises(FileNotFoundError, match="img_align_celeba"):
        load_dataset("celeba_domains", root=tmp_path)


def test_facts_give_sdit_its_five_domains():
    facts = dataset_facts("celeba_domains")
    assert facts.paired is None and dict(facts.settings["sdit"])["num_domains"] == 5


@pytest.mark.slow
def test_sdit_paper_preset_trains_on_celeba_domains(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "sdit", "--preset", "paper", "--data", "celeba_domains"]
    argv += ["--root", str(FIXTURES), "--steps", "1", "--batch-size", "2"]
    argv += ["--set", "conv_dim=8", "--set", "d_conv_dim=8", "--set", "num_res=1"]
    assert main([*argv, "--out", str(out), "--log-every", "1"]) == 0, capsys.readouterr().err
    config = json.loads((out / "config.json").read_text())["config"]
    assert (config["num_domains"], config["dataset"]) == (5, "celeba_domains")
    history = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert len(history) == 1 and all(v == v for v in history[0].values())  # finite
