"""Scenes: RGB, depth and segmentation agree with the object masks."""

import pytest
import torch

from companion.data import SCENE_CLASSES, ScenesDataset


def test_modalities_agree_with_object_masks():
    ds = ScenesDataset(size=200)
    batch = ds.batch(range(200))
    f = batch["factors"]
    seg, depth, inst = batch["seg"], (batch["depth"][:, 0] + 1) / 2, batch["instances"]
    assert batch["rgb"].shape == (200, 3, 32, 32) and seg.dtype == torch.int64
    assert batch["rgb"].min() >= -1 and batch["rgb"].max() <= 1
    assert depth.min() >= 0 and depth.max() <= 1
    for j in range(f["object_class"].shape[1]):
        shown = inst == j  # (N, H, W) visible pixels of object slot j
        cls = f["object_class"][:, j, None, None].expand_as(seg)
        d = f["object_depth"][:, j, None, None].expand_as(depth)
        assert torch.equal(seg[shown], cls[shown])
        assert torch.allclose(depth[shown], d[shown])
        absent = f["object_class"][:, j] < 0
        assert not shown[absent].any()
    background = inst < 0
    assert (seg[background] <= 1).all() and (seg[~background] >= 2).all()
    sky = seg == SCENE_CLASSES.index("sky")
    assert (depth[sky] == 1).all()
    # every present object is visible somewhere, and the ground is nearer below the horizon
    present = f["object_class"] >= 0
    visible = torch.stack([(inst == j).flatten(1).any(1) for j in range(3)], 1)
    assert visible[present].float().mean() > 0.9
    assert (depth[:, -1] < depth[:, 0]).all()


def test_scenes_deterministic():
    a = ScenesDataset(size=5, seed=1)[2]
    b = ScenesDataset(size=5, seed=1).batch([2])
    assert torch.equal(a["rgb"], b["rgb"][0]) and torch.equal(a["seg"], b["seg"][0])


def test_zeropair_split_holds_disjoint_scenes_and_never_a_depth_seg_pair():
    from companion.data import ZeroPairScenes, load_dataset

    zp = load_dataset("scenes_zeropair", size=6, seed=3)
    assert isinstance(zp, ZeroPairScenes)
    batch = zp.batch(range(6))
    assert set(batch) == {"rs_rgb", "rs_seg", "rd_rgb", "rd_depth"}
    scenes = load_dataset("scenes", size=12, seed=3).batch(range(12))
    # the (RGB, seg) half is the even scenes, the (RGB, depth) half the odd ones: disjoint
    assert torch.equal(batch["rs_rgb"], scenes["rgb"][0::2])
    assert torch.equal(batch["rs_seg"], scenes["seg"][0::2])
    assert torch.equal(batch["rd_rgb"], scenes["rgb"][1::2])
    assert torch.equal(batch["rd_depth"], scenes["depth"][1::2])
    assert not any(torch.equal(a, b) for a in batch["rs_rgb"] for b in batch["rd_rgb"])
    items = zp.__getitems__([5, 0])
    assert torch.equal(items[0]["rd_depth"], batch["rd_depth"][5])
    assert torch.equal(zp[-1]["rs_seg"], batch["rs_seg"][5])
    with pytest.raises(IndexError, match="out of range"):
        zp.batch([6])


def test_zeropair_triplets_are_whole_scenes():
    from companion.data import load_dataset

    tri = load_dataset("scenes_zeropair", size=3, seed=1, triplets=True).batch([0, 2])
    scenes = load_dataset("scenes", size=6, seed=1).batch([0, 2])
    for key in ("rgb", "depth", "seg"):
        assert torch.equal(tri[key], scenes[key])
