"""The trainer's checkpoint promise: a write that dies midway leaves the previous one loadable.

``save_checkpoint`` writes to a temporary file and renames it over the old checkpoint only once
the write is complete. These tests make the write fail partway (``torch.save`` writes half its
bytes, then raises; ``fsync`` raises) and check that the previous checkpoint is intact, loads
with ``weights_only`` and resumes ``fit`` to the same weights as a run that never failed.
"""

import dataclasses
import io
import json
import os
import random
import re

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from companion.config import PresetConfig
from companion.train import (
    CHECKPOINT_NAME,
    CheckpointError,
    Stepper,
    fit,
    load_checkpoint,
    save_checkpoint,
)
from companion.train.checkpoint import (
    _resumable_change,
    check_resumable,
    rng_state,
    set_rng_state,
)


class _DiskFull(OSError):
    pass


def _dying_save(real_save, after_bytes: int | None = None):
    """A ``torch.save`` that writes the first bytes of the real payload to ``f``, then raises."""

    def save(obj, f, *args, **kwargs):
        buffer = io.BytesIO()
        real_save(obj, buffer, *args, **kwargs)
        payload = buffer.getvalue()
        f.write(payload[: len(payload) // 2 if after_bytes is None else after_bytes])
        raise _DiskFull("no space left on device (simulated)")

    return save


def _state(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {"step": seed, "weights": {"w": torch.randn(64, 64, generator=g)}, "history": [seed]}


def _assert_state_equal(loaded: dict, expected: dict) -> None:
    assert loaded["step"] == expected["step"]
    assert loaded["history"] == expected["history"]
    assert torch.equal(loaded["weights"]["w"], expected["weights"]["w"])


@pytest.mark.parametrize("after_bytes", [None, 0, 1])
def test_interrupted_write_leaves_the_previous_checkpoint_loadable(
    tmp_path, monkeypatch, after_bytes
):
    path = tmp_path / "run" / "checkpoint.pt"
    first = _state(1)
    assert save_checkpoint(path, first) == path
    size = path.stat().st_size

    monkeypatch.setattr(torch, "save", _dying_save(torch.save, after_bytes))
    with pytest.raises(_DiskFull):
        save_checkpoint(path, _state(2))
    monkeypatch.undo()

    assert path.stat().st_size == size
    _assert_state_equal(load_checkpoint(path), first)
    _assert_state_equal(load_checkpoint(path.parent), first)  # a run folder works too
    # the failed write's leftovers do not stop the next save
    second = _state(3)
    save_checkpoint(path, second)
    _assert_state_equal(load_checkpoint(path), second)


def test_a_failing_fsync_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    first = _state(1)
    save_checkpoint(path, first)

    def fsync(fd):
        raise _DiskFull("fsync failed (simulated)")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(_DiskFull):
        save_checkpoint(path, _state(2))
    monkeypatch.undo()
    _assert_state_equal(load_checkpoint(path), first)


def test_the_first_write_failing_leaves_no_checkpoint(tmp_path, monkeypatch):
    """A half-written file never takes the checkpoint's name: ``fit`` would try to resume it."""
    monkeypatch.setattr(torch, "save", _dying_save(torch.save))
    with pytest.raises(_DiskFull):
        save_checkpoint(tmp_path / "checkpoint.pt", _state(1))
    monkeypatch.undo()
    assert not (tmp_path / "checkpoint.pt").exists()
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path)


def test_a_checkpoint_is_written_whole_before_it_replaces_the_old_one(tmp_path, monkeypatch):
    """At the moment of the rename the new file holds every byte and has been fsynced."""
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, _state(1))
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync")
        real_fsync(fd)

    def replace(src, dst):
        events.append("replace")
        assert os.fspath(dst) == os.fspath(path)
        assert os.fspath(src) != os.fspath(path)
        _assert_state_equal(torch.load(src, weights_only=True), _state(2))  # complete already
        _assert_state_equal(torch.load(dst, weights_only=True), _state(1))  # old one untouched
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    save_checkpoint(path, _state(2))
    assert events == ["fsync", "replace"]
    _assert_state_equal(load_checkpoint(path), _state(2))


# The same promise inside fit: a run whose checkpoint write dies resumes from the previous one.


@dataclasses.dataclass(frozen=True)
class _TinyConfig(PresetConfig):
    batch_size: int = 4
    lr: float = 0.05


class _Tiny(torch.nn.Module):
    """The smallest thing ``fit`` trains: a linear map fit by SGD with momentum.

    Momentum makes the optimizer state matter, and the noise drawn in ``training_step`` makes
    the saved random generators matter: a resume that lost either would not reach the same
    weights.
    """

    name = "tiny"

    def __init__(self, cfg: _TinyConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.net = torch.nn.Linear(3, 1)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"G": torch.optim.SGD(self.net.parameters(), lr=self.cfg.lr, momentum=0.9)}

    def training_step(self, batch, step, opt):
        (x,) = batch
        noise = 0.1 * torch.randn(len(x), 1, device=x.device)
        loss = (self.net(x) - x.sum(1, keepdim=True) - noise).pow(2).mean()
        opt.step("G", loss)
        return {"loss/g": loss.item()}


def _data() -> TensorDataset:
    return TensorDataset(torch.randn(16, 3, generator=torch.Generator().manual_seed(0)))


def _fresh() -> _Tiny:
    torch.manual_seed(0)
    return _Tiny(_TinyConfig())


def test_fit_resumes_from_the_checkpoint_before_a_failed_write(tmp_path, monkeypatch):
    straight = _fresh()
    fit(straight, _data(), 6, tmp_path / "straight", ckpt_every=2, log_every=1)

    real_save, writes = torch.save, []

    def save_dying_on_the_third_write(obj, f, *args, **kwargs):
        writes.append(obj["step"])
        if len(writes) == 3:
            return _dying_save(real_save)(obj, f, *args, **kwargs)
        return real_save(obj, f, *args, **kwargs)

    broken = _fresh()
    monkeypatch.setattr(torch, "save", save_dying_on_the_third_write)
    with pytest.raises(_DiskFull):
        fit(broken, _data(), 6, tmp_path / "broken", ckpt_every=2, log_every=1)
    monkeypatch.undo()
    assert writes == [2, 4, 6]

    state = load_checkpoint(tmp_path / "broken")
    assert state["step"] == 4  # the last complete checkpoint
    assert [r["step"] for r in state["history"]] == [1, 2, 3, 4]
    resumed = _fresh()
    history = fit(resumed, _data(), 6, tmp_path / "broken", ckpt_every=2, log_every=1)
    assert history == load_checkpoint(tmp_path / "straight")["history"]
    for key, value in straight.state_dict().items():
        assert torch.equal(resumed.state_dict()[key], value), key


def test_stepper_state_round_trips_through_a_checkpoint(tmp_path):
    """Optimizer moments survive save/load: the next update is the same as without saving."""
    torch.manual_seed(0)
    net = torch.nn.Linear(4, 2)
    x = torch.randn(8, 4)
    stepper = Stepper({"G": torch.optim.Adam(net.parameters(), lr=0.1)})
    for _ in range(3):
        stepper.step("G", net(x).pow(2).mean())
    save_checkpoint(tmp_path / "c.pt", {"net": net.state_dict(), "stepper": stepper.state_dict()})

    state = load_checkpoint(tmp_path / "c.pt")
    copy = torch.nn.Linear(4, 2)
    copy.load_state_dict(state["net"])
    restored = Stepper({"G": torch.optim.Adam(copy.parameters(), lr=0.1)})
    restored.load_state_dict(state["stepper"])
    stepper.step("G", net(x).pow(2).mean())
    restored.step("G", copy(x).pow(2).mean())
    assert torch.equal(net.weight, copy.weight) and torch.equal(net.bias, copy.bias)


# -- loading, resume checks and random streams, with their exact messages ---------------------


def test_load_asks_torch_for_a_weights_only_load_on_the_given_device(tmp_path, monkeypatch):
    save_checkpoint(tmp_path / CHECKPOINT_NAME, {"w": torch.ones(2)})
    calls, real_load = [], torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    state = load_checkpoint(tmp_path, map_location="meta")  # a run folder: its checkpoint.pt
    assert state["w"].device.type == "meta"
    assert calls == [{"map_location": "meta", "weights_only": True}]


def test_load_errors_name_the_file_and_the_way_out(tmp_path):
    import pickle

    path = tmp_path / CHECKPOINT_NAME
    torch.save({"payload": pickle.dumps}, path)  # a pickled function: a safe load refuses it
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    assert str(info.value) == (
        f"{path} holds objects that a safe (weights-only) load refuses, so it was not loaded: "
        "it was not written by companion. Remove it, or start a fresh run with --no-resume or "
        "another --out"
    )
    save_checkpoint(path, {"w": torch.ones(100)})
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    assert re.fullmatch(
        rf"{re.escape(str(path))} is truncated or corrupt \((RuntimeError|EOFError|BadZipFile|"
        r"OSError)\); remove it, or start a fresh run with --no-resume or another --out",
        str(info.value),
    )


def test_only_learning_rates_may_change_on_resume():
    names = ["lr", "lr_g", "lr_t", "d_lr", "lrx", "xlr", "LR", "lambda_l1", "clr_scale"]
    assert [k for k in names if _resumable_change(k)] == ["lr", "lr_g", "lr_t", "d_lr"]


def test_check_resumable_returns_changed_rates_and_refuses_any_other_difference(tmp_path):
    from companion.methods.dcgan import DCGANConfig

    cfg, path = DCGANConfig.smoke(), tmp_path / "run" / CHECKPOINT_NAME
    saved = cfg.to_dict()
    same = {"method_name": "dcgan", "config": saved}
    assert check_resumable(same, "dcgan", cfg, path) == []
    assert check_resumable({"config": saved}, "dcgan", cfg, path) == []  # an older checkpoint
    moved = {"method_name": "dcgan", "config": {**saved, "lr_g": 1.0, "lr_d": 2.0}}
    assert check_resumable(moved, "dcgan", cfg, path) == ["lr_d", "lr_g"]
    with pytest.raises(CheckpointError) as info:
        check_resumable({"method_name": "pix2pix", "config": saved}, "dcgan", cfg, path)
    assert str(info.value) == (
        f"{path} is a checkpoint of 'pix2pix', not 'dcgan'; resume it with 'companion train "
        "pix2pix', or start a fresh dcgan run with --no-resume (it overwrites that checkpoint) "
        "or another --out"
    )
    # a field only the old config had counts as changed too, and every difference is listed
    old = {"method_name": "dcgan", "config": {**saved, "z_dim": 4, "old_field": 1}}
    with pytest.raises(CheckpointError) as info:
        check_resumable(old, "dcgan", cfg, path)
    assert str(info.value) == (
        f"the run in {path.parent} was trained with another config (old_field: 1 -> None, "
        f"z_dim: 4 -> {cfg.z_dim}); resuming would keep the old values. Drop the changed "
        "--set/--preset, or start a fresh run with --no-resume or another --out (learning "
        "rates may change on resume)"
    )
    with pytest.raises(CheckpointError, match="another config"):  # no config saved at all
        check_resumable({"method_name": "dcgan"}, "dcgan", cfg, path)


def test_rng_state_restores_every_stream_also_from_lists():
    """A state whose tuples came back as lists (JSON, some collectives) restores as well."""
    state = rng_state()
    expected = (random.random(), np.random.rand(), torch.rand(3))
    as_lists = {**state, "python": json.loads(json.dumps(state["python"]))}
    set_rng_state(as_lists)
    again = (random.random(), np.random.rand(), torch.rand(3))
    assert again[:2] == expected[:2] and torch.equal(again[2], expected[2])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_rng_state_restores_the_cuda_streams():
    state = rng_state()
    assert len(state["cuda"]) == torch.cuda.device_count()
    expected = torch.rand(3, device="cuda")
    set_rng_state(state)
    assert torch.equal(torch.rand(3, device="cuda"), expected)
    set_rng_state({k: v for k, v in state.items() if k != "cuda"})  # a CPU run's checkpoint


def test_rng_state_keeps_numpys_cached_gaussian_and_stores_its_keys_as_int64():
    np.random.seed(0)
    np.random.standard_normal()  # the polar method caches the pair's second value
    state = rng_state()
    keys = np.random.get_state()[1]
    assert state["numpy"]["has_gauss"] == 1 and state["numpy"]["cached_gaussian"] != 0.0
    assert state["numpy"]["keys"].dtype == torch.int64
    assert np.array_equal(state["numpy"]["keys"].numpy(), keys.astype(np.int64))
    expected = np.random.standard_normal(3)
    set_rng_state(state)
    assert np.array_equal(np.random.standard_normal(3), expected)


def test_rng_state_saves_and_restores_cuda_streams_only_where_there_are_both(monkeypatch):
    """With CUDA reported available (the streams recorded, not touched), the CUDA states are
    saved under "cuda" and restored from there; a CPU run's state restores without them."""
    streams, restored = [torch.arange(3, dtype=torch.uint8)], []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: streams)
    monkeypatch.setattr(torch.cuda, "set_rng_state_all", restored.append)
    state = rng_state()
    assert state["cuda"] is streams
    set_rng_state(state)
    assert restored == [streams]
    set_rng_state({k: v for k, v in state.items() if k != "cuda"})  # a CPU run's checkpoint
    assert restored == [streams]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    set_rng_state(state)  # a GPU run's checkpoint resumed on a CPU
    assert restored == [streams] and "cuda" not in rng_state()
