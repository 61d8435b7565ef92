"""DomainShapes: C colour domains whose domain and texture the oracle reads back exactly."""

import pytest
import torch

from companion.data import DomainShapes, load_dataset


def test_oracle_reads_domain_and_texture_of_clean_samples():
    ds = DomainShapes(num_domains=6, size=600)
    b = ds.batch(range(600))
    assert torch.equal(ds.domain_of(b["x"], b["mask"]), b["y"])
    assert torch.equal(ds.texture_of(b["x"], b["mask"]), b["factors"]["texture"])
    assert torch.equal(b["y"], b["factors"]["domain"])
    counts = torch.bincount(b["y"], minlength=6)
    assert counts.min() > 70  # uniform over 6 domains: 100 each, binomial std 9


def test_mask_is_the_foreground_and_samples_are_reproducible():
    ds = load_dataset("shapes_domains", size=8, seed=3)
    b = ds.batch(range(8))
    grey = b["x"][:, :, 0, 0]  # a corner pixel: background
    inside = (b["mask"][:, 0] > 0)[:, None]  # (N, 1, H, W)
    assert b["mask"].shape == (8, 1, 32, 32)
    assert ((b["x"] - grey[:, :, None, None]).abs().sum(1, keepdim=True)[inside] > 0.5).all()
    assert torch.equal(ds[5]["x"], b["x"][5])


def test_num_domains_is_checked():
    with pytest.raises(ValueError, match=r"num_domains must be in 2..8, got 9"):
        DomainShapes(num_domains=9)
