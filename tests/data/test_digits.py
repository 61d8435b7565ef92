"""Digits: MNIST-like source, SVHN-like target, labels kept."""

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
