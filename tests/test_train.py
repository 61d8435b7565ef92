"""The trainer: exact resume, the non-finite guard, DDP under torchrun, checkpoint format."""

import dataclasses
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
import torch
from torch.utils.data import TensorDataset

from companion.config import seed_everything
from companion.methods.base import build_method
from companion.train import (
    CHECKPOINT_NAME,
    NonFiniteLossError,
    ResumableSampler,
    Stepper,
    fit,
    load_checkpoint,
    save_checkpoint,
)


def _images(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.rand(n, 3, 32, 32, generator=g) * 2 - 1)


def _params(method):
    return {k: v.detach().clone() for k, v in method.state_dict().items()}


class _Kill(Exception):
    pass


def _kill_at(step_to_die):
    def callback(method, step):
        if step == step_to_die:
            raise _Kill

    return callback


def _killed_before_first_checkpoint(out):
    """Start an 8-step run into ``out`` (checkpoints every 4) and kill it at step 2."""
    with pytest.raises(_Kill):
        fit(
            build_method("dcgan", "smoke"),
            _images(),
            8,
            out,
            ckpt_every=4,
            eval_every=1,
            callbacks=[_kill_at(2)],
        )


@pytest.mark.parametrize("gan_loss", ["nonsaturating", "wgan-gp"])
def test_resumed_run_equals_uninterrupted(tmp_path, gan_loss):
    data, n = _images(), 6  # 64 samples / batch 8 = 8 batches: resuming crosses an epoch
    overrides = [f"gan_loss={gan_loss}", "n_critic=2"]

    seed_everything(0)  # the same initial weights, as the CLI does before building a method
    straight = build_method("dcgan", "smoke", overrides)
    hist_straight = fit(straight, data, 2 * n, tmp_path / "a", log_every=1)

    seed_everything(0)
    interrupted = build_method("dcgan", "smoke", overrides)
    with pytest.raises(_Kill):  # dies two steps after the checkpoint at step n
        fit(
            interrupted,
            data,
            2 * n,
            tmp_path / "b",
            log_every=1,
            ckpt_every=n,
            eval_every=1,
            callbacks=[_kill_at(n + 2)],
        )
    assert load_checkpoint(tmp_path / "b")["step"] == n
    resumed = build_method("dcgan", "smoke", overrides)  # a fresh process would start like this
    hist_resumed = fit(resumed, data, 2 * n, tmp_path / "b", log_every=1, ckpt_every=n)

    a, b = _params(straight), _params(resumed)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert hist_resumed == hist_straight
    assert len(hist_resumed) == 2 * n


def test_non_finite_loss_stops_and_keeps_last_checkpoint(tmp_path):
    gan = build_method("dcgan", "smoke")
    fit(gan, _images(), 4, tmp_path, ckpt_every=2)
    before = load_checkpoint(tmp_path)
    assert before["step"] == 4

    poisoned = build_method("dcgan", "smoke")
    with torch.no_grad():
        poisoned.D.head.bias.fill_(float("nan"))
    with pytest.raises(
        NonFiniteLossError, match=r"optimizer 'D' is nan at step 0.*no checkpoint was written"
    ):
        fit(poisoned, _images(), 8, tmp_path / "poisoned", ckpt_every=1)
    assert not (tmp_path / "poisoned").exists()  # a run that never checkpointed leaves nothing

    # A run that resumes from a good checkpoint and then diverges leaves that checkpoint as it was.
    gan = build_method("dcgan", "smoke")
    gan.load_state_dict(before["method"])
    original_step = type(gan).training_step

    def diverge(self, batch, step, opt):
        logs = original_step(self, batch, step, opt)
        if step == 5:
            logs["loss/g"] = float("inf")
        return logs

    gan.training_step = diverge.__get__(gan)
    with pytest.raises(NonFiniteLossError, match=r"loss/g is inf at step 5.*holds step 5"):
        fit(gan, _images(), 10, tmp_path, ckpt_every=1)
    after = load_checkpoint(tmp_path)
    assert after["step"] == 5  # step 6 (index 5) never reached the checkpoint
    assert all(torch.isfinite(v).all() for v in after["method"].values() if v.is_floating_point())


def test_checkpoint_holds_everything_and_loads_weights_only(tmp_path):
    gan = build_method("dcgan", "smoke")
    fit(gan, _images(), 3, tmp_path)
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert {"step", "method", "stepper", "rng", "history", "config"} <= state.keys()
    assert set(state["stepper"]["optimizers"]) == {"D", "G"}
    assert {"python", "numpy", "torch"} <= state["rng"][0].keys()
    assert json.loads((tmp_path / "config.json").read_text())["config"]["z_dim"] == 8
    assert (tmp_path / "history.jsonl").exists() or state["history"] == []
    assert any((tmp_path / "tb").iterdir())


def test_resumable_sampler_skips_into_the_epoch():
    data = list(range(20))
    full = ResumableSampler(data, seed=1)
    full.set_epoch(3)
    order = list(full)
    part = ResumableSampler(data, seed=1)
    part.set_epoch(3)
    part.set_start(8)
    assert list(part) == order[8:]
    assert len(part) == 12


def test_fit_rejects_dataset_smaller_than_a_batch():
    with pytest.raises(ValueError, match="smaller than one batch of 8"):
        fit(build_method("dcgan", "smoke"), _images(n=4), 1)


def test_preview_images_logged(tmp_path):
    gan = build_method("dcgan", "smoke")
    fit(gan, _images(), 2, tmp_path, image_every=1)
    events = list((tmp_path / "tb").glob("events.*"))
    assert events and events[0].stat().st_size > 1000


_DDP_SCRIPT = textwrap.dedent("""
    import os, sys, torch
    from torch.utils.data import TensorDataset
    from companion.methods.base import build_method
    from companion.train import fit
    out = sys.argv[1]
    g = torch.Generator().manual_seed(0)
    data = TensorDataset(torch.rand(64, 3, 32, 32, generator=g) * 2 - 1)
    torch.manual_seed(int(os.environ["RANK"]))  # different initial weights: fit must sync them
    gan = build_method("dcgan", "smoke")
    fit(gan, data, 4, out, log_every=1)  # every rank passes out_dir; only rank 0 writes
    state = gan.state_dict().values()
    flat = torch.cat([p.detach().flatten() for p in state if p.is_floating_point()])
    torch.save(flat, os.path.join(os.path.dirname(out), f"params_rank{os.environ['RANK']}.pt"))
""")


def test_torchrun_two_processes_on_cpu(tmp_path):
    script = tmp_path / "ddp_train.py"
    script.write_text(_DDP_SCRIPT)
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        str(script),
        str(out),
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    p0 = torch.load(tmp_path / "params_rank0.pt")
    p1 = torch.load(tmp_path / "params_rank1.pt")
    assert torch.equal(p0, p1)
    assert load_checkpoint(out)["step"] == 4
    run = json.loads((out / "run.json").read_text())
    assert run["world_size"] == 2
    history = (out / "history.jsonl").read_text().splitlines()
    assert len(history) == 4  # one writer: rank 0


def test_config_type_checked():
    with pytest.raises(TypeError, match="needs a DCGANConfig"):
        from companion.methods.dcgan import DCGAN

        @dataclasses.dataclass(frozen=True)
        class Other:
            pass

        DCGAN(Other())


def test_stepper_backpropagates_into_the_stepped_optimizer_only():
    """A G step through D computes G's gradients exactly, and none for D (D is not stepped)."""
    torch.manual_seed(0)
    g, d = torch.nn.Linear(3, 4), torch.nn.Linear(4, 1)
    frozen = torch.nn.Parameter(torch.ones(2), requires_grad=False)  # in G's optimizer, untouched
    x = torch.randn(5, 3)
    d(g(x)).square().mean().backward()
    expected = [p.grad.clone() for p in g.parameters()]
    g.zero_grad(set_to_none=True), d.zero_grad(set_to_none=True)
    stepper = Stepper(
        {
            "G": torch.optim.SGD([*g.parameters(), frozen], lr=0.0),
            "D": torch.optim.SGD(d.parameters(), lr=0.0),
        }
    )
    stepper.step("G", d(g(x)).square().mean())
    assert all(torch.equal(p.grad, e) for p, e in zip(g.parameters(), expected))
    assert all(p.grad is None for p in d.parameters())
    assert frozen.grad is None


def test_resume_applies_a_changed_learning_rate(tmp_path):
    fit(build_method("dcgan", "smoke"), _images(), 2, tmp_path)
    resumed = build_method("dcgan", "smoke", ["lr_g=1e-3"])
    fit(resumed, _images(), 4, tmp_path)
    state = load_checkpoint(tmp_path)
    groups = state["stepper"]["optimizers"]["G"]["param_groups"]
    assert [g["lr"] for g in groups] == [1e-3]
    assert state["config"]["lr_g"] == 1e-3
    assert json.loads((tmp_path / "config.json").read_text())["config"]["lr_g"] == 1e-3


def test_resume_refuses_another_config_listing_the_difference(tmp_path):
    from companion.train import CheckpointError

    fit(build_method("dcgan", "smoke"), _images(), 2, tmp_path)
    before = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(CheckpointError, match=r"width_g: 8 -> 16.*--no-resume"):
        fit(build_method("dcgan", "smoke", ["width_g=16"]), _images(), 4, tmp_path)
    assert (tmp_path / "checkpoint.pt").read_bytes() == before


def test_resume_refuses_another_methods_checkpoint(tmp_path):
    from companion.train import CheckpointError

    fit(build_method("dcgan", "smoke"), _images(), 2, tmp_path)
    paired = TensorDataset(torch.rand(16, 3, 32, 32))
    with pytest.raises(CheckpointError, match="checkpoint of 'dcgan', not 'pix2pix'"):
        fit(build_method("pix2pix", "smoke"), paired, 4, tmp_path)


def test_truncated_checkpoint_error_names_the_file(tmp_path):
    from companion.train import CheckpointError

    fit(build_method("dcgan", "smoke"), _images(), 2, tmp_path)
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match=f"{path}.*truncated or corrupt"):
        load_checkpoint(path)


def test_unsafe_checkpoint_is_refused_without_torch_advice(tmp_path):
    import pickle

    from companion.train import CheckpointError

    path = tmp_path / "checkpoint.pt"
    torch.save({"step": 1, "payload": pickle.dumps}, path)  # a pickled function, not tensors
    with pytest.raises(CheckpointError, match="not written by companion") as info:
        load_checkpoint(path)
    assert "weights_only=False" not in str(info.value)


def test_history_is_cut_back_to_the_checkpoint_on_resume(tmp_path):
    # Logging every step and checkpointing every 4: a kill at step 6 leaves records 5 and 6
    # past the checkpoint; the resumed run must not repeat them.
    with pytest.raises(_Kill):
        fit(
            build_method("dcgan", "smoke"),
            _images(),
            8,
            tmp_path,
            log_every=1,
            ckpt_every=4,
            eval_every=1,
            callbacks=[_kill_at(6)],
        )
    fit(build_method("dcgan", "smoke"), _images(), 8, tmp_path, log_every=1, ckpt_every=4)
    steps = [json.loads(line)["step"] for line in (tmp_path / "history.jsonl").open()]
    assert steps == list(range(1, 9))


def test_a_run_that_fails_before_its_first_checkpoint_leaves_nothing(tmp_path):
    out = tmp_path / "run"
    _killed_before_first_checkpoint(out)
    assert not out.exists()


def test_run_folder_that_is_a_file_is_refused(tmp_path):
    out = tmp_path / "taken"
    out.write_text("not a folder")
    with pytest.raises(ValueError, match="is a file"):
        fit(build_method("dcgan", "smoke"), _images(), 1, out)
    assert out.read_text() == "not a folder"


def test_fit_rejects_an_unknown_setting():
    with pytest.raises(TypeError, match="unknown run setting.*'epochs'.*valid: "):
        fit(build_method("dcgan", "smoke"), _images(), 1, epochs=3)


# -- what a run leaves to read: run.json, TensorBoard, and the messages of a failed run --------


class _Writer:
    """Records what a TensorBoard SummaryWriter would be asked to write."""

    def __init__(self):
        self.scalars, self.images = [], []

    def add_scalar(self, tag, value, step):
        self.scalars.append((tag, value, step))

    def add_image(self, tag, image, step):
        self.images.append((tag, image, step))

    def close(self):
        pass


def test_run_log_writes_each_value_but_the_step_as_a_scalar_at_its_step(tmp_path):
    from companion.train.logs import RunLog

    log = RunLog(tmp_path / "run")
    log.open([{"step": 1, "loss/d": 0.25}])
    log.close()
    log.writer = _Writer()
    log.record({"step": 3, "loss/d": 0.5, "loss/g": 2.0})
    assert log.writer.scalars == [("loss/d", 0.5, 3), ("loss/g", 2.0, 3)]
    lines = (tmp_path / "run" / "history.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"step": 1, "loss/d": 0.25},
        {"step": 3, "loss/d": 0.5, "loss/g": 2.0},
    ]
    log.writer = None  # tensorboard missing: the history is still written
    log.record({"step": 4, "loss/d": 1.0})
    assert len((tmp_path / "run" / "history.jsonl").read_text().splitlines()) == 3


def test_run_log_images_are_an_eight_wide_grid_mapped_from_minus_one_one(tmp_path):
    from companion.train.logs import RunLog

    # inside [-1, 1] but not spanning it: a grid normalised by its own min and max would differ
    images = torch.linspace(-0.5, 0.25, 10 * 3 * 4 * 4).view(10, 3, 4, 4)
    RunLog(None).images(images, 5)  # no run folder: nothing to write, no error
    log = RunLog(tmp_path)
    log.writer = _Writer()
    log.images(None, 5)
    assert log.writer.images == []
    log.images(images, 5)
    [(tag, grid, step)] = log.writer.images
    assert (tag, step) == ("preview", 5)
    assert grid.shape == (3, 2 * 6 + 2, 8 * 6 + 2)  # 8 per row, 2 pixels of padding
    assert torch.allclose(grid[:, 2:6, 2:6], (images[0] + 1) / 2)  # [-1, 1] -> [0, 1]
    assert torch.allclose(grid[:, 8:12, 2:6], (images[8] + 1) / 2)  # the 9th opens row 2


def test_run_log_discard_tolerates_what_is_already_gone(tmp_path):
    from companion.train.logs import RunLog

    out = tmp_path / "run"
    log = RunLog(out)
    log.open([])
    log.close()
    (out / "history.jsonl").unlink()  # removed by hand before the failure
    log.discard()
    assert not out.exists()


def test_run_log_discard_is_best_effort_where_a_folder_cannot_be_removed(tmp_path, monkeypatch):
    """A failed run's cleanup must not replace the run's own error with its own."""
    from companion.train.logs import RunLog

    out = tmp_path / "run"
    log = RunLog(out)
    log.open([])
    log.close()

    def refuse(*args, **kwargs):
        raise PermissionError("folder in use")

    monkeypatch.setattr(os, "rmdir", refuse)
    log.discard()  # nothing raised
    monkeypatch.undo()
    assert out.is_dir() and not (out / "history.jsonl").exists()  # what could go, went
    assert not list(out.rglob("events.out.tfevents.*"))


def test_run_json_and_checkpoint_say_what_ran(tmp_path):
    from companion import __version__

    fit(build_method("dcgan", "smoke"), _images(), 3, tmp_path, seed=4)
    text = (tmp_path / "run.json").read_text()
    run = json.loads(text)
    assert text == json.dumps(run, indent=2) + "\n"
    assert {k: run[k] for k in ("method", "steps", "seed", "batch_size", "world_size")} == {
        "method": "dcgan",
        "steps": 3,
        "seed": 4,
        "batch_size": 8,
        "world_size": 1,
    }
    assert (run["device"], run["amp"], run["version"]) == ("cpu", "None", __version__)
    assert load_checkpoint(tmp_path)["version"] == __version__


def _poison_at(step_to_poison):
    def callback(method, step):
        if step == step_to_poison:
            for p in method.parameters():
                p.fill_(float("nan"))

    return callback


def test_non_finite_weights_are_named_and_the_message_says_what_is_left(tmp_path):
    gan = build_method("dcgan", "smoke")
    bad = [k for k, v in gan.state_dict().items() if v.is_floating_point()]
    bad = [k for k in bad if k in dict(gan.named_parameters())][:3]
    out = tmp_path / "run"
    with pytest.raises(NonFiniteLossError) as info:
        fit(gan, _images(), 4, out, ckpt_every=1, eval_every=1, callbacks=[_poison_at(1)])
    assert str(info.value) == (
        f"parameters became non-finite at step 1 ({', '.join(bad)}). Training stopped; no "
        f"checkpoint was written, and nothing was left in {out}"
    )
    with pytest.raises(NonFiniteLossError) as info:  # no run folder
        fit(build_method("dcgan", "smoke"), _images(), 4, eval_every=1, callbacks=[_poison_at(1)])
    assert str(info.value).endswith("Training stopped; nothing was saved (no run folder)")
    with pytest.raises(NonFiniteLossError) as info:  # a checkpoint at step 2, poisoned at 3
        fit(
            build_method("dcgan", "smoke"),
            _images(),
            8,
            out,
            ckpt_every=2,
            eval_every=1,
            callbacks=[_poison_at(3)],
        )
    assert str(info.value).endswith(
        f"Training stopped; {out / 'checkpoint.pt'} holds step 2 (all its weights finite); "
        "the same command resumes from it"
    )


def test_resume_logs_what_it_did_and_keeps_its_checkpoint_when_it_fails(tmp_path, caplog):
    fit(build_method("dcgan", "smoke"), _images(), 2, tmp_path)
    resumed = build_method("dcgan", "smoke", ["lr_g=1e-3"])
    with caplog.at_level("INFO", logger="companion.train.loop"):
        with pytest.raises(NonFiniteLossError) as info:
            fit(
                resumed,
                _images(),
                6,
                tmp_path,
                ckpt_every=3,
                eval_every=1,
                callbacks=[_poison_at(3)],
            )
    messages = [r.getMessage() for r in caplog.records]
    assert "resumed with new learning rates: lr_g" in messages
    assert f"resumed from {tmp_path / 'checkpoint.pt'} at step 2" in messages
    # the resumed run failed before writing again: the checkpoint it resumed from is kept
    assert str(info.value).endswith(
        f"{tmp_path / 'checkpoint.pt'} holds step 2 (all its weights finite); the same command "
        "resumes from it"
    )
    assert load_checkpoint(tmp_path)["step"] == 2 and (tmp_path / "history.jsonl").exists()


def test_progress_bar_counts_from_the_resumed_step_to_the_total(tmp_path, capsys):
    fit(build_method("dcgan", "smoke"), _images(), 2, tmp_path, progress=False)
    assert capsys.readouterr().err == ""
    fit(build_method("dcgan", "smoke"), _images(), 4, tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "dcgan" in err and "2/4" in err and "4/4" in err and "1/4" not in err
    counts = [int(n) for n in re.findall(r"(\d+)/4", err)]
    assert counts == sorted(counts)
    # one per step, ending at the total (a bar counted past its total shows "6it" instead)
    assert "4/4" in [line for line in re.split(r"[\r\n]", err) if "dcgan" in line][-1]


def test_loader_drops_the_partial_batch_and_takes_the_run_settings(tmp_path, monkeypatch):
    import companion.train.loop as loop

    made, real_loader = [], loop.DataLoader

    def spy(*args, **kwargs):
        made.append(kwargs)
        return real_loader(*args, **{**kwargs, "num_workers": 0})  # no worker processes here

    monkeypatch.setattr(loop, "DataLoader", spy)
    gan = build_method("dcgan", "smoke")
    sizes, original_step = [], type(gan).training_step

    def record(self, batch, step, opt):
        sizes.append(len(batch[0]))
        return original_step(self, batch, step, opt)

    gan.training_step = record.__get__(gan)
    fit(gan, _images(n=20), 5, num_workers=2)  # 20 samples: two batches of 8 per epoch
    assert sizes == [8] * 5
    assert all(
        (k["batch_size"], k["drop_last"], k["num_workers"], k["pin_memory"]) == (8, True, 2, False)
        for k in made
    )


def test_history_holds_logged_steps_and_callbacks_run_on_schedule_and_at_the_end():
    seen = []

    def probe(method, step):
        seen.append((step, method.training))
        return {"probe": step / 2}

    gan = build_method("dcgan", "smoke")
    assert fit(gan, _images(), 3, log_every=0) == []  # nothing logged, no callbacks
    history = fit(gan, _images(), 5, log_every=2, eval_every=2, callbacks=[probe])
    assert seen == [(2, False), (4, False), (5, False)]  # eval mode; every 2 steps and the last
    assert [h["step"] for h in history] == [2, 4, 5]
    assert [h["probe"] for h in history] == [1.0, 2.0, 2.5]
    assert "loss/d" in history[0] and "loss/d" not in history[2]  # step 5 is not a log step
    seen.clear()
    fit(build_method("dcgan", "smoke"), _images(), 3, eval_every=0, callbacks=[probe])
    assert seen == [(3, False)]  # only at the end


def test_preview_grids_are_logged_at_their_steps_from_the_training_batch(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    g = torch.Generator().manual_seed(0)
    data = [
        {"a": torch.rand(3, 32, 32, generator=g), "b": torch.rand(3, 32, 32, generator=g)}
        for _ in range(8)
    ]  # pix2pix's preview reads the batch (DCGAN's does not)
    fit(build_method("pix2pix", "smoke"), data, 4, tmp_path, image_every=2)
    events = EventAccumulator(str(tmp_path / "tb"), size_guidance={"images": 0})
    events.Reload()
    assert [e.step for e in events.Images("preview")] == [2, 4]


def test_progress_bar_shows_the_first_four_logged_values(capsys):
    g = torch.Generator().manual_seed(0)
    data = [
        {"a": torch.rand(3, 32, 32, generator=g), "b": torch.rand(3, 32, 32, generator=g)}
        for _ in range(4)
    ]
    fit(build_method("bicyclegan", "smoke"), data, 1, progress=True)
    err = capsys.readouterr().err  # logs loss/d, loss/g, loss/g_adv, loss/g_adv2, loss/g_l1...
    assert all(f"{k}=" in err for k in ("loss/d", "loss/g", "loss/g_adv", "loss/g_adv2"))
    assert "loss/g_l1" not in err


def test_progress_bar_shows_on_a_terminal_by_default(monkeypatch):
    from companion.train.logs import progress_bar

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert progress_bar(None, initial=0, total=3, desc="x") is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = progress_bar(None, initial=1, total=3, desc="x")
    assert (bar.n, bar.total, bar.desc) == (1, 3, "x") and bar.dynamic_ncols
    bar.close()
    assert progress_bar(False, initial=0, total=3, desc="x") is None


def test_a_broken_tensorboard_only_costs_the_event_files(tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    with caplog.at_level("WARNING", logger="companion.train.logs"):
        fit(build_method("dcgan", "smoke"), _images(), 2, tmp_path / "run", image_every=1)
    assert "tensorboard is not importable; no event files will be written" in [
        r.getMessage() for r in caplog.records
    ]
    assert not (tmp_path / "run" / "tb").exists()
    assert len((tmp_path / "run" / "history.jsonl").read_text().splitlines()) == 0


def test_run_folder_parents_are_created_and_a_given_empty_folder_is_left_empty(tmp_path):
    deep = tmp_path / "a" / "b" / "run"
    fit(build_method("dcgan", "smoke"), _images(), 1, deep)
    assert (deep / "checkpoint.pt").is_file()
    given = tmp_path / "given"
    given.mkdir()
    _killed_before_first_checkpoint(given)
    assert given.is_dir() and list(given.iterdir()) == []  # what the run created is removed


def test_fit_hands_the_run_settings_to_device_stepper_and_sampler(monkeypatch):
    import companion.train.loop as loop

    devices, steppers, samplers = [], [], []
    real_device, real_stepper, real_sampler = (
        loop.choose_device,
        loop.Stepper,
        loop.ResumableSampler,
    )

    def device_spy(*args):
        devices.append(args)
        return real_device(*args)

    def stepper_spy(*args, **kwargs):
        steppers.append(kwargs)
        return real_stepper(*args, **kwargs)

    def sampler_spy(*args, **kwargs):
        samplers.append(kwargs)
        return real_sampler(*args, **kwargs)

    monkeypatch.setattr(loop, "choose_device", device_spy)
    monkeypatch.setattr(loop, "Stepper", stepper_spy)
    monkeypatch.setattr(loop, "ResumableSampler", sampler_spy)
    fit(build_method("dcgan", "smoke"), _images(), 1, device="cpu", clip_grad_norm=0.5, seed=3)
    assert devices == [("cpu", 0)]
    assert steppers == [{"amp_dtype": None, "clip_grad_norm": 0.5, "world_size": 1}]
    assert samplers == [{"num_replicas": 1, "rank": 0, "seed": 3}]


def test_a_method_without_a_batch_size_needs_one_in_the_run():
    from types import SimpleNamespace

    gan = build_method("dcgan", "smoke")
    fields = {k: v for k, v in dataclasses.asdict(gan.cfg).items() if k != "batch_size"}
    gan.cfg = SimpleNamespace(**fields)
    with pytest.raises(ValueError) as info:
        fit(gan, _images(), 1)
    assert str(info.value) == ("no batch size: set batch_size in the run or in the method's config")
    assert len(fit(gan, _images(), 2, batch_size=4, log_every=1)) == 2


def test_amp_and_device_choices_on_a_cpu_machine(monkeypatch):
    from companion.train.distributed import amp_dtype, choose_device

    cpu = torch.device("cpu")
    assert amp_dtype(cpu, None) is None and amp_dtype(cpu, False) is None
    with pytest.raises(ValueError) as info:
        amp_dtype(cpu, True)
    assert str(info.value) == (
        "amp=True needs a CUDA device; leave amp=None to decide automatically"
    )
    assert choose_device("cpu") == cpu and choose_device(torch.device("cpu")) == cpu
    assert choose_device("meta", 3) == torch.device("meta")  # a given device wins
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_device(None) == torch.device("cuda", 0)  # LOCAL_RANK's GPU
    assert choose_device(None, 2) == torch.device("cuda", 2)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_device(None, 2) == cpu


def test_fit_accepts_a_torch_device(tmp_path):
    fit(build_method("dcgan", "smoke"), _images(), 1, tmp_path, device=torch.device("cpu"))
    assert json.loads((tmp_path / "run.json").read_text())["device"] == "cpu"


def test_resumable_sampler_defaults_shuffle_by_seed_zero_and_drop_the_remainder():
    data = list(range(10))
    sampler = ResumableSampler(data, num_replicas=3, rank=2)  # 10 = 3 x 3 + 1 dropped
    order = torch.randperm(10, generator=torch.Generator().manual_seed(0)).tolist()
    assert list(sampler) == order[:9][2::3] and len(sampler) == 3
    sampler.set_start(3)
    assert list(sampler) == [] and len(sampler) == 0


def test_resumable_sampler_draws_epoch_e_from_seed_plus_e_and_keeps_order_without_shuffle():
    data = list(range(10))
    sampler = ResumableSampler(data, num_replicas=2, rank=1, seed=5)
    sampler.set_epoch(2)
    order = torch.randperm(10, generator=torch.Generator().manual_seed(5 + 2)).tolist()
    assert list(sampler) == order[1::2]
    in_order = ResumableSampler(data, num_replicas=2, rank=1, seed=5, shuffle=False)
    in_order.set_epoch(2)
    assert list(in_order) == [1, 3, 5, 7, 9]


def test_checkpoint_folders_are_created_with_their_parents(tmp_path):
    save_checkpoint(tmp_path / "a" / "b" / CHECKPOINT_NAME, {"step": 1})
    assert load_checkpoint(tmp_path / "a" / "b")["step"] == 1


class _FakeRanks:
    """The :class:`~companion.train.distributed.Distributed` of one rank of ``world_size``,
    in one process: the collectives are recorded; ``gather`` returns ``others`` after this
    rank's object (rank 0) or this rank's object after them."""

    def __init__(self, rank, world_size=2, others=None):
        self.rank, self.world_size, self.local_rank = rank, world_size, rank
        self.is_main = rank == 0
        self.others = others
        self.calls = []

    def broadcast_state(self, module):
        self.calls.append(("state", module))

    def broadcast_buffers(self, module):
        self.calls.append(("buffers", module))

    def gather(self, obj):
        self.calls.append(("gather",))
        others = self.others if self.others is not None else [obj] * (self.world_size - 1)
        return [obj, *others] if self.is_main else [*others, obj]

    def close(self):
        self.calls.append(("close",))


@pytest.fixture
def fake_ranks(monkeypatch):
    """Run fit as one rank of two: ``use(ddp)`` installs the fake; all_reduce doubles the
    gradient sum as two identical ranks would."""
    import companion.train.loop as loop

    monkeypatch.setattr(torch.distributed, "all_reduce", lambda t: t.mul_(2))

    def use(ddp):
        monkeypatch.setattr(loop, "Distributed", lambda: ddp)
        return ddp

    return use


def test_a_second_rank_seeds_by_rank_trains_its_share_and_writes_nothing(
    tmp_path, monkeypatch, fake_ranks, capsys
):
    import companion.train.loop as loop

    seeds, real_seed = [], loop.seed_everything
    monkeypatch.setattr(loop, "seed_everything", lambda s: seeds.append(s) or real_seed(s))
    ddp = fake_ranks(_FakeRanks(rank=1))
    gan, called = build_method("dcgan", "smoke"), []
    history = fit(
        gan,
        _images(),
        3,
        tmp_path / "run",
        seed=3,
        log_every=1,
        callbacks=[lambda m, s: called.append(s) or {"cb": 1.0}],
        progress=True,
    )
    assert "dcgan" not in capsys.readouterr().err  # the progress bar is rank 0's only
    assert seeds == [3 + 1]  # seed + rank
    assert called == [] and all("cb" not in h for h in history)  # callbacks: rank 0 only
    assert [h["step"] for h in history] == [1, 2, 3]
    assert not (tmp_path / "run").exists()  # rank 1 writes no files
    # rank 0's weights first, then rank 0's BatchNorm statistics after every step
    assert ddp.calls[0] == ("state", gan)
    assert ddp.calls.count(("buffers", gan)) == 3
    assert ddp.calls.count(("gather",)) == 1 and ddp.calls[-1] == ("close",)


def test_rank_zero_runs_callbacks_and_writes_every_ranks_rng(tmp_path, fake_ranks):
    other = {"torch": torch.zeros(3, dtype=torch.uint8)}
    fake_ranks(_FakeRanks(rank=0, others=[other]))
    called = []
    fit(
        build_method("dcgan", "smoke"),
        _images(),
        2,
        tmp_path,
        callbacks=[lambda m, s: called.append(s)],
    )
    assert called == [2]
    state = load_checkpoint(tmp_path)
    assert len(state["rng"]) == 2 and torch.equal(state["rng"][1]["torch"], other["torch"])
    assert json.loads((tmp_path / "run.json").read_text())["world_size"] == 2


def test_resume_restores_this_ranks_rng_else_the_last_saved(tmp_path, monkeypatch, fake_ranks):
    import companion.train.loop as loop

    restored = []
    monkeypatch.setattr(loop, "set_rng_state", restored.append)
    one, two = tmp_path / "one", tmp_path / "two"
    fit(build_method("dcgan", "smoke"), _images(), 2, one)  # one rank saved
    other = {"torch": torch.zeros(3, dtype=torch.uint8)}
    fake_ranks(_FakeRanks(rank=0, others=[other]))
    fit(build_method("dcgan", "smoke"), _images(), 2, two)  # two ranks saved
    fake_ranks(_FakeRanks(rank=1))
    fit(build_method("dcgan", "smoke"), _images(), 3, two)
    assert restored[-1] is not None and torch.equal(restored[-1]["torch"], other["torch"])
    fit(build_method("dcgan", "smoke"), _images(), 3, one)  # rank 1 of 2 from one saved state
    saved = load_checkpoint(one)["rng"][0]
    assert torch.equal(restored[-1]["torch"], saved["torch"])


def test_resume_loads_onto_the_run_device_and_names_every_changed_learning_rate(
    tmp_path, monkeypatch, caplog
):
    import companion.train.loop as loop

    loads, real_load = [], loop.load_checkpoint

    def spy(path, **kwargs):
        loads.append(kwargs)
        return real_load(path, **kwargs)

    monkeypatch.setattr(loop, "load_checkpoint", spy)
    fit(build_method("dcgan", "smoke"), _images(), 2, tmp_path)
    resumed = build_method("dcgan", "smoke", ["lr_g=1e-3", "lr_d=1e-3"])
    with caplog.at_level("WARNING", logger="companion.train.loop"):
        fit(resumed, _images(), 3, tmp_path, device="cpu")
    assert loads == [{"map_location": torch.device("cpu")}]
    assert "resumed with new learning rates: lr_d, lr_g" in [r.getMessage() for r in caplog.records]


def test_a_torch_device_is_chosen_as_given_and_the_method_moved_to_it(monkeypatch):
    import companion.train.loop as loop

    devices, moved, real_device = [], [], loop.choose_device
    monkeypatch.setattr(loop, "choose_device", lambda *a: devices.append(a) or real_device(*a))
    gan = build_method("dcgan", "smoke")
    real_to = gan.to
    monkeypatch.setattr(gan, "to", lambda *a, **k: moved.append(a) or real_to(*a, **k))
    fit(gan, _images(), 1, device=torch.device("cpu"))
    assert devices == [("cpu", 0)] and moved == [(torch.device("cpu"),)]


def test_amp_true_on_a_cpu_is_refused_by_fit():
    with pytest.raises(ValueError) as info:
        fit(build_method("dcgan", "smoke"), _images(), 1, amp=True)
    assert str(info.value) == (
        "amp=True needs a CUDA device; leave amp=None to decide automatically"
    )


def test_each_step_runs_under_autocast_with_the_amp_dtype(tmp_path, monkeypatch):
    """With AMP off autocast is disabled (float32); with bf16 chosen, each step is autocast to
    it, the stepper gets it and run.json says so (autocast itself is recorded, not run)."""
    import contextlib

    import companion.train.loop as loop

    casts, steppers, real_stepper = [], [], loop.Stepper

    def autocast(device_type, **kwargs):
        casts.append((device_type, kwargs))
        return contextlib.nullcontext()

    def stepper_spy(*args, **kwargs):
        steppers.append(kwargs["amp_dtype"])
        return real_stepper(*args, **kwargs)

    monkeypatch.setattr(torch, "autocast", autocast)
    monkeypatch.setattr(loop, "Stepper", stepper_spy)
    fit(build_method("dcgan", "smoke"), _images(), 2)
    assert casts == [("cpu", {"dtype": torch.float32, "enabled": False})] * 2
    casts.clear()
    monkeypatch.setattr(loop, "amp_dtype", lambda dev, amp: torch.bfloat16)
    fit(build_method("dcgan", "smoke"), _images(), 2, tmp_path)
    assert casts == [("cpu", {"dtype": torch.bfloat16, "enabled": True})] * 2
    assert steppers == [None, torch.bfloat16]
    assert json.loads((tmp_path / "run.json").read_text())["amp"] == "torch.bfloat16"


def test_batches_are_moved_to_the_device_inside_dicts_lists_and_tuples():
    from companion.train.loop import _to_device

    meta = torch.device("meta")
    batch = {"x": torch.zeros(2), "pair": (torch.ones(1), [torch.ones(1), "label"]), "n": 3}
    moved = _to_device(batch, meta)
    assert moved["x"].device == meta and moved["n"] == 3
    assert isinstance(moved["pair"], tuple) and isinstance(moved["pair"][1], list)
    assert moved["pair"][0].device == meta and moved["pair"][1][0].device == meta
    assert moved["pair"][1][1] == "label"
