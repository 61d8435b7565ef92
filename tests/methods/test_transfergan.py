"""Tests for companion.methods.transfergan (smoke preset, CPU)."""

import dataclasses
import re

import pytest
import torch

from companion.config import seed_everything
from companion.methods.base import get_method
from companion.methods.dcgan import DCGAN, DCGANConfig
from companion.methods.pretrained import load_source
from companion.methods.transfergan import TransferGAN, TransferGANConfig
from companion.train import fit
from tests.methods.stepping import RecordingStepper


def _save(method, path):
    torch.save(
        {
            "method_name": method.name,
            "config": method.cfg.to_dict(),
            "method": method.state_dict(),
        },
        path,
    )
    return path


@pytest.fixture
def source(tmp_path):
    seed_everything(0)
    return _save(TransferGAN(TransferGANConfig.smoke()), tmp_path / "source.pt")


def _equal(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_presets_and_registry():
    assert get_method("transfergan") is TransferGAN
    paper = TransferGANConfig.paper()
    assert (paper.image_size, paper.lr_g, paper.batch_size) == (64, 1e-4, 64)  # Sec. 2.3.3
    assert paper.transfer_g and paper.transfer_d  # the paper's "pre-trained" setting
    cpu = TransferGANConfig.cpu()
    assert not (cpu.transfer_g or cpu.transfer_d) and cpu.init == ""


@pytest.mark.parametrize("transfer_g, transfer_d", [(True, True), (True, False), (False, True)])
def test_the_switches_copy_exactly_the_chosen_networks(source, transfer_g, transfer_d):
    src = TransferGAN.from_pretrained(source, TransferGANConfig.smoke())
    src.load_state_dict(torch.load(source, weights_only=True)["method"])
    seed_everything(1)  # other random weights than the source's
    gan = TransferGAN.from_pretrained(
        source, TransferGANConfig.smoke(), transfer_g=transfer_g, transfer_d=transfer_d
    )
    assert _equal(gan.G, src.G) is transfer_g
    assert _equal(gan.D, src.D) is transfer_d


def test_from_pretrained_takes_the_sources_architecture(tmp_path):
    cfg = dataclasses.replace(TransferGANConfig.smoke(), z_dim=5, width_g=4, width_d=6)
    path = _save(TransferGAN(cfg), tmp_path / "s.pt")
    gan = TransferGAN.from_pretrained(path)
    assert (gan.cfg.z_dim, gan.cfg.width_g, gan.cfg.width_d) == (5, 4, 6)
    assert gan.cfg.init == str(path)


def test_a_wgan_gp_dcgan_run_folder_is_a_source(tmp_path):
    cfg = dataclasses.replace(DCGANConfig.smoke(), gan_loss="wgan-gp", z_dim=8, width_g=8)
    seed_everything(0)
    dcgan = DCGAN(cfg)
    data = [{"b": torch.rand(3, 32, 32) * 2 - 1} for _ in range(8)]
    fit(dcgan, data, 1, out_dir=tmp_path / "run", batch_size=4)
    gan = TransferGAN.from_pretrained(tmp_path / "run")
    assert _equal(gan.G, dcgan.G) and _equal(gan.D, dcgan.D)


def test_wrong_sources_are_refused_clearly(tmp_path, source):
    with pytest.raises(FileNotFoundError, match="no source checkpoint"):
        load_source(tmp_path / "missing.pt")
    other = DCGAN(DCGANConfig.smoke())  # non-saturating: a batch-norm critic
    with pytest.raises(ValueError, match="gan_loss='nonsaturating'"):
        TransferGAN.from_pretrained(_save(other, tmp_path / "ns.pt"))
    state = torch.load(source, weights_only=True)
    state["method_name"] = "pix2pix"
    torch.save(state, tmp_path / "p.pt")
    with pytest.raises(ValueError, match="holds a 'pix2pix' model"):
        TransferGAN.from_pretrained(tmp_path / "p.pt")
    wider = dataclasses.replace(TransferGANConfig.smoke(), width_d=16)
    with pytest.raises(ValueError, match=r"D\..* architectures differ"):
        TransferGAN.from_pretrained(source, wider)


def test_transfer_without_a_source_is_refused():
    cfg = dataclasses.replace(TransferGANConfig.smoke(), transfer_d=True)
    with pytest.raises(ValueError, match="transfer_d=True needs a source model"):
        TransferGAN(cfg)
    with pytest.raises(ValueError, match="nothing would be transferred"):
        TransferGAN(dataclasses.replace(TransferGANConfig.smoke(), init="x.pt"))


def test_training_step_updates_the_critic_n_critic_times_then_g():
    cfg = dataclasses.replace(TransferGANConfig.smoke(), n_critic=3)
    seed_everything(0)
    gan = TransferGAN(cfg)
    g_before = [p.clone() for p in gan.G.parameters()]
    opt = RecordingStepper(gan.configure_optimizers())
    logs = gan.training_step(gan.example_batch(4), 0, opt)
    assert opt.calls == ["D", "D", "D", "G"]
    assert set(logs) == {"loss/d", "loss/g", "loss/d_gp", "dist/wasserstein"}
    assert any(not torch.equal(a, b) for a, b in zip(g_before, gan.G.parameters()))


@pytest.mark.slow
def test_cli_fine_tunes_a_paper_preset_source_at_64(tmp_path, capsys):
    from companion.cli import main

    common = ["--preset", "paper", "--steps", "1", "--batch-size", "2", "--log-every", "1"]
    scratch = ["--set", "transfer_g=false", "--set", "transfer_d=false"]
    src, out = tmp_path / "source", tmp_path / "target"
    assert main(["train", "transfergan", *common, *scratch, "--out", str(src)]) == 0
    code = main(["train", "transfergan", *common, "--init", str(src), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert torch.load(out / "checkpoint.pt", weights_only=True)["config"]["init"] == str(src)
    # without a source the paper preset (both networks transferred) refuses in one line
    assert main(["train", "transfergan", *common, "--out", str(tmp_path / "x")]) == 2
    assert "needs a source model" in capsys.readouterr().err
    assert main(["train", "dcgan", *common, "--init", str(src), "--out", str(out)]) == 2
    assert "does not start from a source model" in capsys.readouterr().err


class _NotWeights:
    """A pickled object that is not a tensor: a weights-only load must refuse it."""


def test_load_source_reads_weights_only_on_the_cpu_and_names_what_is_wrong(
    tmp_path, source, monkeypatch
):
    import pickle

    import torch.serialization

    with pytest.raises(
        FileNotFoundError,
        match="train one first, e.g. 'companion train transfergan --set transfer_g=false "
        "--set transfer_d=false --out RUN'",
    ):
        load_source(tmp_path)  # a folder without checkpoint.pt
    # a checkpoint written on a GPU loads on a CPU-only machine: its storages are mapped
    state = torch.load(source, weights_only=True)
    with monkeypatch.context() as m:
        m.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
        torch.save(state, tmp_path / "gpu.pt")
    loaded = load_source(tmp_path / "gpu.pt")
    assert all(v.device.type == "cpu" for v in loaded["method"].values())
    # weights only, even where torch's default is a full unpickling (torch < 2.6)
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    torch.save({**state, "extra": _NotWeights()}, tmp_path / "pickled.pt")
    with pytest.raises(pickle.UnpicklingError):
        load_source(tmp_path / "pickled.pt")
    torch.save(torch.zeros(2), tmp_path / "tensor.pt")  # not a checkpoint dict at all
    with pytest.raises(
        ValueError,
        match="holds a None model; a source model is a 'transfergan' or 'dcgan' "
        r"\(gan_loss='wgan-gp'\) checkpoint",
    ):
        load_source(tmp_path / "tensor.pt")
    state["config"] = {**state["config"], "gan_loss": "nonsaturating"}
    torch.save({**state, "method_name": "dcgan"}, tmp_path / "ns.pt")
    with pytest.raises(
        ValueError,
        match="is a dcgan with gan_loss='nonsaturating', whose critic uses batch norm; train "
        "the source with --set gan_loss=wgan-gp",
    ):
        load_source(tmp_path / "ns.pt")


def test_copy_weights_names_the_first_missing_extra_or_misshapen_entry():
    from companion.methods.pretrained import copy_weights

    net = torch.nn.Linear(3, 2)  # weight (2, 3), bias (2,)
    source = {"G.weight": torch.ones(2, 3), "G.bias": torch.ones(2), "D.bias": torch.zeros(5)}
    copy_weights(net, source, "G.")
    assert torch.equal(net.weight, torch.ones(2, 3)) and torch.equal(net.bias, torch.ones(2))
    fields = ("z_dim", "width_g")
    cases = {  # source -> the message
        "G.bias has shape None, this model's (2,): the architectures differ; use the "
        "source's z_dim, width_g": {"G.weight": torch.ones(2, 3)},
        "G.extra has shape (4,), this model's None": {**source, "G.extra": torch.ones(4)},
        "G.bias has shape (3,), this model's (2,)": {**source, "G.bias": torch.ones(3)},
    }
    for message, bad in cases.items():
        with pytest.raises(ValueError, match=rf"^the source's {re.escape(message)}"):
            copy_weights(net, bad, "G.", fields)
    with pytest.raises(ValueError, match="architectures differ; use the source's config$"):
        copy_weights(net, {"G.weight": torch.ones(2, 3)}, "G.")


def test_cpu_and_smoke_presets():
    paper, cpu = TransferGANConfig.paper(), TransferGANConfig.cpu()
    changed = {k: v for k, v in cpu.to_dict().items() if paper.to_dict()[k] != v}
    assert changed == {
        "z_dim": 32,
        "image_size": 16,
        "width_g": 32,
        "width_d": 32,
        "transfer_g": False,
        "transfer_d": False,
        "n_critic": 2,
        "lr_g": 5e-4,
        "lr_d": 5e-4,
        "betas": [0.5, 0.9],
        "batch_size": 32,
        "dataset": "digits",
        "image_key": "a",
    }
    smoke = TransferGANConfig.smoke()
    changed = {k: v for k, v in smoke.to_dict().items() if cpu.to_dict()[k] != v}
    assert changed == {"z_dim": 8, "image_size": 32, "width_g": 8, "width_d": 8, "batch_size": 8}
    assert (paper.lambda_gp, paper.n_critic, paper.betas, paper.num_classes) == (
        10.0,
        5,
        (0.0, 0.9),
        0,
    )


def test_transfer_settings_are_refused_with_the_whole_message():
    fix = (
        "needs a source model: build with TransferGAN.from_pretrained(CHECKPOINT) "
        "(CLI: --init CHECKPOINT), or set them to False to train from scratch"
    )
    for switches, named in (
        ({"transfer_g": True}, "transfer_g"),
        ({"transfer_g": True, "transfer_d": True}, "transfer_g and transfer_d"),
    ):
        with pytest.raises(ValueError, match=re.escape(f"{named}=True {fix}")):
            TransferGAN(dataclasses.replace(TransferGANConfig.smoke(), **switches))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "init='x.pt' is set but transfer_g and transfer_d are both False, so nothing would "
            "be transferred; set one of them or init=''"
        ),
    ):
        TransferGAN(dataclasses.replace(TransferGANConfig.smoke(), init="x.pt"))


def test_mismatched_sources_name_the_architecture_fields(source):
    fields = "use the source's z_dim, image_size, channels, width_g, width_d"
    for wider in ({"width_g": 16}, {"width_d": 16}):
        cfg = dataclasses.replace(TransferGANConfig.smoke(), **wider)
        with pytest.raises(ValueError, match=re.escape(fields)):
            TransferGAN.from_pretrained(source, cfg)
    gan = TransferGAN.from_pretrained(source, TransferGANConfig.smoke(), lr_g=1e-5, n_critic=3)
    assert (gan.cfg.lr_g, gan.cfg.n_critic) == (1e-5, 3)  # the overrides are applied


def test_example_batch_and_labels_follow_the_generator():
    gan = TransferGAN(dataclasses.replace(TransferGANConfig.smoke(), num_classes=3))
    one = gan.example_batch(64, generator=torch.Generator().manual_seed(0))
    two = gan.example_batch(64, generator=torch.Generator().manual_seed(0))
    assert torch.equal(one["a"], two["a"]) and torch.equal(one["y"], two["y"])
    assert set(one["y"].tolist()) == {0, 1, 2}
    labels = gan.sample_labels(50, generator=torch.Generator().manual_seed(1))
    assert torch.equal(labels, torch.randint(3, (50,), generator=torch.Generator().manual_seed(1)))
