"""CelebA as attribute domains (SDIT's paper preset) and as male/female unpaired sides (MISO's),
read offline from a tiny fixture.

The fixture (``tests/fixtures/datasets/celeba``, see ``make_fixtures.CELEBA_ROWS``): eight flat
"faces"; train has Bangs, Blond_Hair, Blond_Hair + Young, Male and Smiling; test has Brown_Hair,
Male + Young and Bangs + Male; val is empty.
"""

import json
from pathlib import Path

import pytest
import torch

from companion.cli import main
from companion.data import (
    dataset_facts,
    dataset_info,
    expected_layout,
    is_unpaired,
    load_dataset,
)
from companion.data.celeba import (
    SDIT_ATTRIBUTES,
    CelebADomains,
    CelebAUnpaired,
    read_attributes,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "datasets"


def test_attribute_file_is_parsed_to_zero_one():
    names, files, values = read_attributes(FIXTURES / "celeba" / "list_attr_celeba.txt")
    assert len(names) == 40 and files[0] == "000001.jpg" and values.shape == (8, 40)
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
    test = CelebADomains(FIXTURES, split="test", resolution=8)  # the two male faces: 2 each
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


# -- celeba_male2female: A the faces with Male, B those without (MISO Sec. 4.1) ---------------


def _male_by_split() -> dict[str, tuple[list[str], list[str]]]:
    """(male files, other files) per split, read from the fixture's text files directly."""
    lines = (FIXTURES / "celeba" / "list_attr_celeba.txt").read_text().splitlines()
    column = lines[1].split().index("Male") + 1
    rows = [line.split() for line in lines[2:] if line.strip()]
    partition = (FIXTURES / "celeba" / "list_eval_partition.txt").read_text().split()
    names = ("train", "val", "test")
    split_of = {file: names[int(p)] for file, p in zip(partition[::2], partition[1::2])}
    sides = {split: ([], []) for split in ("train", "val", "test")}
    for row in rows:
        sides[split_of[row[0]]][row[column] != "1"].append(row[0])
    return sides


def test_male2female_a_faces_are_male_and_b_faces_are_not():
    expected = _male_by_split()
    assert expected["train"] == (
        ["000004.jpg"],
        ["000001.jpg", "000002.jpg", "000003.jpg", "000005.jpg"],
    )
    assert expected["test"] == (["000007.jpg", "000008.jpg"], ["000006.jpg"])
    names, files, values = read_attributes(FIXTURES / "celeba" / "list_attr_celeba.txt")
    male = dict(zip(files, values[:, names.index("Male")].tolist()))
    for split in ("train", "test"):
        ds = load_dataset("celeba_male2female", root=FIXTURES, split=split, resolution=16)
        assert isinstance(ds, CelebAUnpaired) and (ds.files_a, ds.files_b) == expected[split]
        assert all(male[f] == 1 for f in ds.files_a) and all(male[f] == 0 for f in ds.files_b)
        assert len(ds) == max(map(len, expected[split]))  # train 4, test 2


def test_male2female_samples_follow_the_unpaired_contract():
    ds = load_dataset("celeba_male2female", root=FIXTURES, split="test", resolution=16)
    s = ds[1]
    assert set(s) == {"a", "b", "factors"} and set(s["factors"]) == {"index_a", "index_b"}
    assert s["a"].shape == s["b"].shape == (3, 16, 16) and s["a"].dtype == torch.float32
    # fixture image i is the flat colour (40 i mod 256, 100, (200 - 30 i) mod 256)
    assert (int(s["factors"]["index_a"]), int(s["factors"]["index_b"])) == (1, 0)
    a_rgb = torch.tensor([24.0, 100.0, 246.0]) / 127.5 - 1  # A face 1: 000008.jpg, i = 7
    b_rgb = torch.tensor([200.0, 100.0, 50.0]) / 127.5 - 1  # B face 0: 000006.jpg, i = 5
    assert torch.allclose(s["a"].mean(dim=(1, 2)), a_rgb, atol=0.03)
    assert torch.allclose(s["b"].mean(dim=(1, 2)), b_rgb, atol=0.03)


def test_male2female_direction_swaps_and_test_pairs_are_i_mod_b():
    ab = CelebAUnpaired(FIXTURES, split="test", resolution=8)
    ba = load_dataset(
        "celeba_male2female", root=FIXTURES, split="test", resolution=8, direction="BtoA"
    )
    assert (ba.files_a, ba.files_b) == (ab.files_b, ab.files_a) == (["000006.jpg"], ab.files_a)
    indices = [(int(ba[i]["factors"]["index_a"]), int(ba[i]["factors"]["index_b"])) for i in (0, 1)]
    assert indices == [(0, 0), (0, 1)]  # a: i mod |A| = 0; b: i mod |B|, no randomness
    assert [int(ba[i]["factors"]["index_b"]) for i in range(5)] == [0, 1, 0, 1, 0]
    assert torch.equal(ba[1]["b"], ab[1]["a"])  # the same male face, now the target


def test_male2female_train_draws_b_at_random():
    ds = load_dataset("celeba_male2female", root=FIXTURES, resolution=8)
    assert ds.random_b and len(ds) == 4
    torch.manual_seed(0)
    drawn = {int(ds[0]["factors"]["index_b"]) for _ in range(40)}
    assert drawn == {0, 1, 2, 3}  # every female face, for one index
    fixed = CelebAUnpaired(FIXTURES, resolution=8, random_b=False)
    assert [int(fixed[i]["factors"]["index_b"]) for i in range(4)] == [0, 1, 2, 3]
    assert all(int(fixed[i]["factors"]["index_a"]) == 0 for i in range(4))  # one male face


def test_male2female_refuses_an_empty_side_and_bad_arguments():
    with pytest.raises(ValueError, match="'val' has 0 faces with Male and 0 without"):
        CelebAUnpaired(FIXTURES, split="val")
    with pytest.raises(ValueError, match="unknown CelebA attribute 'Beard'"):
        CelebAUnpaired(FIXTURES, attribute="Beard")
    with pytest.raises(ValueError, match="direction"):
        CelebAUnpaired(FIXTURES, direction="AB")
    with pytest.raises(ValueError, match="split must be one of"):
        CelebAUnpaired(FIXTURES, split="validation")


def test_male2female_missing_files_name_the_fetch_command(tmp_path):
    fetch = f"`companion data fetch celeba --root {tmp_path}`"
    with pytest.raises(FileNotFoundError) as err:
        load_dataset("celeba_male2female", root=tmp_path)
    assert str(tmp_path / "celeba" / "list_attr_celeba.txt") in str(err.value)
    assert fetch in str(err.value) and "CelebA unpaired faces" in str(err.value)
    (tmp_path / "celeba").mkdir()
    (tmp_path / "celeba" / "list_attr_celeba.txt").write_text("0\nMale\n")
    with pytest.raises(FileNotFoundError, match="img_align_celeba") as err:
        load_dataset("celeba_male2female", root=tmp_path)
    assert fetch in str(err.value)


def test_male2female_is_listed_as_real_unpaired_faces(capsys):
    facts = dataset_facts("celeba_male2female")
    assert facts.paired is False and is_unpaired("celeba_male2female")
    assert dict(facts.settings) == {}  # MISO states no per-dataset setting
    assert dataset_info("celeba_male2female").parts == ("celeba",)
    assert expected_layout("celeba_male2female", "D").startswith("D/celeba/list_attr_celeba.txt")
    assert main(["list"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "celeba_male2female" in x)
    assert line.split(None, 1)[1] == (
        "real, unpaired, varying size: faces: male -> female (the Male attribute); CelebA "
        "(Liu et al. 2015) via torchvision's files; used by MISO"
    )
