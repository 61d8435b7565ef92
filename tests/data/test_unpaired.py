"""Unpaired shapes: domains differ as documented and each style is readable."""

import torch

from companion.data import KINDS, UnpairedShapes


def test_season_changes_appearance_only():
    ds = UnpairedShapes("season", size=400)
    batch = ds.batch(range(400))
    fa, fb = batch["factors"]["a"], batch["factors"]["b"]
    assert set(fa["kind"].tolist()) == set(fb["kind"].tolist()) == {0, 1, 2, 3}
    assert set(fa["palette"].tolist()) == {0, 1, 3, 6} and set(fb["palette"].tolist()) == {
        2,
        4,
        5,
        7,
    }
    assert not torch.equal(fa["cx"], fb["cx"])  # the two sides are independent draws
    assert torch.equal(ds.domain_a.style_of(batch["a"]), fa["style"])
    assert torch.equal(ds.domain_b.style_of(batch["b"]), fb["style"])


def test_species_changes_shape_too():
    batch = UnpairedShapes("species", size=200, seed=1).batch(range(200))
    kinds_a = {KINDS[k] for k in batch["factors"]["a"]["kind"].tolist()}
    kinds_b = {KINDS[k] for k in batch["factors"]["b"]["kind"].tolist()}
    assert kinds_a == {"circle", "ellipse"} and kinds_b == {"square", "triangle"}


def test_unpaired_is_deterministic_per_index():
    ds = UnpairedShapes("season", size=50, seed=2)
    assert torch.equal(ds[7]["b"], UnpairedShapes("season", size=50, seed=2).batch([7])["b"][0])


def test_grey_background_is_shared_by_both_domains():
    batch = UnpairedShapes("season", size=20, background="grey").batch(range(20))
    for side in ("a", "b"):
        corner = batch[side][:, :, 0, 0]  # (N, 3): the background colour
        assert torch.allclose(corner, corner[:1].expand_as(corner))  # one grey for all
        assert torch.allclose(corner[:, 0], corner[:, 2])  # no hue: R == B
