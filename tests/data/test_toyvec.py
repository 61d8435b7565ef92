"""The ``toyvec`` domains: exact probes, counter-based samples, the modes of each domain."""

import numpy as np
import pytest
import torch

from companion.data import TOYVEC_MODES, ToyVectors, dataset_facts, load_dataset


def test_probe_reads_real_vectors_exactly():
    ds = ToyVectors(size=512)
    batch = ds.batch(range(512))
    for d in ("a", "b"):
        probe, truth = ds.probe(batch[d], d), batch["factors"][d]
        assert probe["residual"].max() < 1e-6  # real data lie on the manifold
        assert torch.allclose(probe["content"], truth["content"].double(), atol=1e-5)
        assert torch.allclose(probe["style"], truth["style"].double(), atol=1e-5)
        # style std 0.15 against modes 2 apart: the nearest mode is the drawn one
        assert (probe["mode"] == truth["mode"]).all()


def test_domains_share_content_columns_and_differ_in_style():
    ds = ToyVectors(size=256)
    a = ds.batch(range(256))["a"]
    probe = ds.probe(a, "b")  # an untranslated A vector read as B
    truth = ds.batch(range(256))["factors"]["a"]["content"].double()
    assert torch.allclose(probe["content"], truth, atol=1e-5)
    assert probe["residual"].mean() > 0.1  # its A style lies off B's manifold


def test_samples_are_a_function_of_seed_split_and_index():
    ds = ToyVectors(size=64, seed=3)
    together = ds.batch([5, 7])["b"]
    assert torch.equal(ds[7]["b"], together[1])
    assert not torch.equal(ToyVectors(size=64, seed=4)[7]["b"], ds[7]["b"])
    assert not torch.equal(ToyVectors(size=64, seed=3, split="test")[7]["b"], ds[7]["b"])


def test_modes_are_drawn_uniformly():
    f = ToyVectors(size=4000).factors(np.arange(4000), "b")
    counts = np.bincount(f["mode"], minlength=4) / 4000
    assert np.abs(counts - 0.25).max() < 0.03  # 3 binomial sds at n = 4000 is 0.02
    assert len(TOYVEC_MODES["a"]) == 2 and np.abs(f["content"]).max() <= 1


def test_registered_with_misos_vector_settings():
    ds = load_dataset("toyvec", size=8, resolution=1)
    assert ds[0]["a"].shape == (16, 1, 1)
    settings = dataset_facts("toyvec").settings["miso"]
    assert settings["generator"] == "mlp" and settings["in_channels"] == 16
    with pytest.raises(ValueError, match="split"):
        ToyVectors(split="dev")
