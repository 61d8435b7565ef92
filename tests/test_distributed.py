"""companion.train.distributed in one process: what it reads from torchrun's environment, which
backend it starts, what it broadcasts and gathers, the device and the autocast dtype.

The collective calls are replaced by recorders (the two-process run is
``tests/test_train.py::test_torchrun_two_processes_on_cpu``); the single-process gloo test at the
end runs the real broadcast on a group of one.
"""

import pytest
import torch
import torch.distributed as dist

from companion.train.distributed import Distributed, amp_dtype

_AMP_ERROR = "amp=True needs a CUDA device; leave amp=None to decide automatically"


@pytest.fixture
def group(monkeypatch):
    """torchrun's variables for rank 1 of 2 (local rank 1), no group running yet, no CUDA;
    ``init_process_group`` and ``set_device`` record their calls instead of running."""
    calls = {"init": [], "set_device": [], "destroy": 0}
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setattr(dist, "is_initialized", lambda: False)
    monkeypatch.setattr(dist, "init_process_group", lambda **kw: calls["init"].append(kw))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "set_device", lambda d: calls["set_device"].append(d))

    def destroy():
        calls["destroy"] += 1

    monkeypatch.setattr(dist, "destroy_process_group", destroy)
    return calls


def test_one_process_without_torchrun_variables(monkeypatch):
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    d = Distributed()
    assert (d.world_size, d.rank, d.local_rank) == (1, 0, 0)
    assert d.is_main and d.started_here is False
    assert d.gather({"a": 1}) == [{"a": 1}]
    d.close()  # nothing to end


def test_torchrun_variables_are_read_and_a_gloo_group_started_on_cpus(group):
    d = Distributed()
    assert (d.world_size, d.rank, d.local_rank) == (2, 1, 1)
    assert not d.is_main
    assert group["init"] == [{"backend": "gloo"}] and group["set_device"] == []
    assert d.started_here is True
    d.close()
    assert group["destroy"] == 1  # it ends the group it started


def test_on_gpus_the_group_is_nccl_on_the_local_ranks_gpu(group, monkeypatch):
    monkeypatch.setenv("LOCAL_RANK", "3")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    d = Distributed()
    assert d.local_rank == 3
    assert group["init"] == [{"backend": "nccl"}] and group["set_device"] == [3]


def test_a_running_group_is_joined_not_started_nor_ended(group, monkeypatch):
    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    d = Distributed()
    assert d.world_size == 2 and group["init"] == [] and d.started_here is False
    d.close()
    assert group["destroy"] == 0


def test_broadcasts_send_rank_zeros_parameters_and_buffers(group, monkeypatch):
    sent = []

    def broadcast(tensor, src):
        sent.append((tensor, src))

    monkeypatch.setattr(dist, "broadcast", broadcast)
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    d = Distributed()
    d.broadcast_state(net)
    params, buffers = list(net.parameters()), list(net.buffers())
    assert [src for _, src in sent] == [0] * (len(params) + len(buffers))
    assert [t.data_ptr() for t, _ in sent] == [t.data_ptr() for t in params + buffers]
    # the parameters go as their .data, a plain tensor (no autograd on the in-place copy)
    assert not any(isinstance(t, torch.nn.Parameter) for t, _ in sent)
    sent.clear()
    d.broadcast_buffers(net)
    assert [(t.data_ptr(), src) for t, src in sent] == [(b.data_ptr(), 0) for b in buffers]


def test_gather_collects_every_ranks_object_in_rank_order(group, monkeypatch):
    def all_gather_object(out, obj):
        assert out == [None, None]  # one slot per rank
        out[0], out[1] = "rank 0", obj

    monkeypatch.setattr(dist, "all_gather_object", all_gather_object)
    assert Distributed().gather("rank 1") == ["rank 0", "rank 1"]


def test_amp_dtype_on_cuda_bf16_where_supported_else_fp16(monkeypatch):
    cuda = torch.device("cuda", 0)  # a device object only; nothing runs on it
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert amp_dtype(cuda, None) is torch.bfloat16 and amp_dtype(cuda, True) is torch.bfloat16
    assert amp_dtype(cuda, False) is None
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert amp_dtype(cuda, None) is torch.float16
    assert amp_dtype(torch.device("cpu"), None) is None
    with pytest.raises(ValueError) as info:
        amp_dtype(torch.device("meta"), True)
    assert str(info.value) == _AMP_ERROR


def test_broadcast_on_a_real_gloo_group_of_one(tmp_path, monkeypatch):
    """The real collective: rank 0 of a one-process gloo group keeps its own values."""
    monkeypatch.setenv("WORLD_SIZE", "1")
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1
    )
    try:
        net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
        before = {k: v.clone() for k, v in net.state_dict().items()}
        d = Distributed()
        assert d.started_here is False  # a world of one starts nothing
        d.world_size = 2  # take the multi-process path on the group of one
        d.broadcast_state(net)
        d.broadcast_buffers(net)
        assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    finally:
        dist.destroy_process_group()
