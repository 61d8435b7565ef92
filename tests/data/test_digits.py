"""Digits: MNIST-like source, SVHN-like target, labels kept."""

import numpy as np
import pytest
import torch

from companion.data import DigitsDataset
from companion.data.synthetic.digits import digit_bank


def test_bank_is_white_on_black_and_labelled():
    images, labels = digit_bank(32)
    assert images.shape == (1797, 32, 32) and images.dtype == torch.uint8
    assert labels.unique().tolist() == list(range(10))
    assert images[:, :3].float().mean() < 1.0  # borders are black
    assert images.float().amax((1, 2)).min() > 200  # every digit has white strokes


def test_samples_shapes_ranges_and_labels():
    ds = DigitsDataset(size=300)
    batch = ds.batch(range(300))
    assert batch["a"].shape == (300, 3, 32, 32) and batch["b"].shape == (300, 3, 32, 32)
    assert batch["a"].min() >= -1 and batch["a"].max() <= 1
    assert batch["b"].min() >= -1 and batch["b"].max() <= 1
    assert torch.equal(batch["y"], batch["factors"]["label"])
    _, labels = digit_bank(32)
    assert torch.equal(labels[batch["factors"]["digit"]], batch["y"])
    assert batch["y"].unique().numel() == 10
    assert batch["factors"]["digit"].max() < 1437  # train split uses the first 1437 digits
    assert (batch["b"].std((2, 3)) > 0.05).all()  # textured, coloured targets


def test_test_split_uses_held_out_digits_and_seed_determinism():
    test = DigitsDataset(split="test", size=100).batch(range(100))
    assert test["factors"]["digit"].min() >= 1437
    a = DigitsDataset(size=10, seed=5)[3]
    b = DigitsDataset(size=10, seed=5)[3]
    c = DigitsDataset(size=10, seed=6)[3]
    assert torch.equal(a["b"], b["b"]) and not torch.equal(a["b"], c["b"])


def test_unpaired_digits_nest_factors():
    s = DigitsDataset(size=10, paired=False, source_channels=1)[0]
    assert s["a"].shape == (1, 32, 32) and "y" not in s
    assert sorted(s["factors"]) == ["a", "b"]


def test_errors():
    with pytest.raises(ValueError, match="source_channels must be 1 or 3, got 2"):
        DigitsDataset(source_channels=2)


def _ink_and_colours(batch):
    """a's ink (N, H, W) in [0, 1], and b's colours where a's ink is 1 and where it is 0."""
    ink = (batch["a"][:, 0] + 1) / 2
    full, empty = ink == 1, ink == 0
    return ink, full, empty


def test_near_target_keeps_the_digit_in_place_and_recolours_it():
    from companion.data.synthetic.shapes import hsv_to_rgb

    ds = DigitsDataset(size=64, resolution=16, target="near")
    batch = ds.batch(range(64))
    f = batch["factors"]
    assert f["dx"].abs().max() == 0 and f["dy"].abs().max() == 0
    assert "left" not in f and "right" not in f  # no fragments
    assert torch.equal(batch["y"], f["label"])
    _, labels = digit_bank(16)
    assert torch.equal(labels[f["digit"]], batch["y"])
    value = f["background_value"].numpy()
    bg = torch.from_numpy(hsv_to_rgb(f["background_hue"].numpy(), 0.5, value)) * 2 - 1
    fg_value = np.where(value > 0.5, value - 0.55, value + 0.55).clip(0, 1)
    fg = torch.from_numpy(hsv_to_rgb(f["fg_hue"].numpy(), 0.6, fg_value)) * 2 - 1  # (N, 3)
    _, full, empty = _ink_and_colours(batch)
    for i in range(64):
        b = batch["b"][i]  # (3, H, W)
        # where a has full ink, b is exactly the digit's colour: the ink did not move
        assert full[i].sum() > 5
        assert (b[:, full[i]] - fg[i, :, None]).abs().max() < 1e-5
        # where a has none, b is the background +- the grating (0.06 of [0, 1] -> 0.12)
        assert (b[:, empty[i]] - bg[i, :, None]).abs().max() < 0.121
        assert (fg[i] - bg[i]).abs().max() > 0.5


def test_near_and_far_targets_differ_only_in_geometry():
    far = DigitsDataset(size=64, resolution=16).batch(range(64))
    near = DigitsDataset(size=64, resolution=16, target="near").batch(range(64))
    assert torch.equal(far["a"], near["a"]) and torch.equal(far["y"], near["y"])
    for key in ("digit", "fg_hue", "background_hue", "background_value", "texture_angle"):
        assert torch.equal(far["factors"][key], near["factors"][key])
    moved = (far["factors"]["dx"] != 0) | (far["factors"]["dy"] != 0)
    assert moved.sum() > 20  # the far target shifts most digits ...
    _, full, _ = _ink_and_colours(far)
    i = int(moved.nonzero()[0])
    fg = far["b"][i][:, full[i]]  # ... so a's ink pixels are no longer one colour there
    assert (fg - fg[:, :1]).abs().max() > 0.1
    assert not torch.equal(far["b"], near["b"])


def test_near_target_by_name_and_unpaired():
    from companion.data import dataset_facts, load_dataset

    by_name = load_dataset("digits_near", size=8, resolution=16, seed=2)
    by_option = load_dataset("digits", size=8, resolution=16, seed=2, target="near")
    assert torch.equal(by_name[5]["b"], by_option[5]["b"])
    assert dataset_facts("digits_near").paired is True
    s = DigitsDataset(size=4, resolution=16, paired=False, target="near")[0]
    assert s["factors"]["b"]["dx"] == 0 and "left" not in s["factors"]["b"]
    with pytest.raises(ValueError, match="target must be one of"):
        DigitsDataset(target="mnist")


def test_default_target_is_unchanged():
    """The far target, pinned (recorded before ``target`` existed): seed 0, 16x16."""
    b = DigitsDataset(size=8, resolution=16).batch(range(8))
    f = b["factors"]
    assert f["digit"].tolist() == [987, 22, 141, 263, 970, 931, 1299, 210]
    assert f["dx"].tolist() == [0, 2, 1, 1, 1, 0, 0, -1]
    assert f["dy"].tolist() == [-2, 1, 1, -2, -2, 1, -1, -2]
    assert f["left"].tolist() == [1355, 22, 573, 790, 218, 1226, 680, 1215]
    assert f["right"].tolist() == [1146, 759, 189, 877, 1071, 144, 1281, 1272]
    assert b["b"].double().mean().item() == pytest.approx(-0.189437277, abs=1e-6)
    assert b["b"].double().abs().mean().item() == pytest.approx(0.415818926, abs=1e-6)
    expected = torch.tensor([-0.110416465, -0.101067868, -0.589760018], dtype=torch.float64)
    assert torch.allclose(b["b"][3].double().mean((1, 2)), expected, atol=1e-6)


def test_reverse_direction_swaps_the_domains_of_the_same_sample():
    """digits_reverse: a is the far house-number render, b the plain digit of the same label."""
    from companion.data import dataset_facts, load_dataset

    fwd = DigitsDataset(size=32, resolution=16, seed=3).batch(range(32))
    rev = load_dataset("digits_reverse", size=32, resolution=16, seed=3).batch(range(32))
    assert torch.equal(rev["a"], fwd["b"]) and torch.equal(rev["b"], fwd["a"])
    assert torch.equal(rev["y"], fwd["y"])
    # the source is the far render (3 colours, shifted), the target white on black
    assert (rev["a"].std((2, 3)) > 0.05).all()
    assert set(rev["b"].unique().tolist()) <= set(fwd["a"].unique().tolist())
    assert rev["b"].min() == -1 and rev["b"].max() == 1
    _, labels = digit_bank(16)
    assert torch.equal(labels[rev["factors"]["digit"]], rev["y"])
    assert dataset_facts("digits_reverse").paired is True
    # deterministic per seed
    again = load_dataset("digits_reverse", size=32, resolution=16, seed=3).batch(range(32))
    other = load_dataset("digits_reverse", size=32, resolution=16, seed=4).batch(range(32))
    assert torch.equal(again["a"], rev["a"]) and not torch.equal(other["a"], rev["a"])


def test_reverse_unpaired_swaps_the_factors_too():
    fwd = DigitsDataset(size=16, resolution=16, paired=False).batch(range(16))
    rev = DigitsDataset(size=16, resolution=16, paired=False, reverse=True).batch(range(16))
    assert torch.equal(rev["a"], fwd["b"]) and torch.equal(rev["b"], fwd["a"])
    for domain, other in (("a", "b"), ("b", "a")):
        for key, value in fwd["factors"][other].items():
            assert torch.equal(rev["factors"][domain][key], value), (domain, key)
    # b's digit is the label of the plain digit shown: its ink sits where the bank's does
    images, labels = digit_bank(16)
    digit = rev["factors"]["b"]["digit"]
    assert torch.allclose(rev["b"][:, 0], images[digit].float() / 255 * 2 - 1, atol=1e-6)
    assert torch.equal(labels[digit], rev["factors"]["b"]["label"])
