"""The method interface and registry (companion/methods/base.py): known answers and messages."""

import dataclasses

import pytest
import torch
from torch import nn

from companion.config import PresetConfig
from companion.methods import base
from companion.methods.base import (
    Method,
    build_method,
    forward_with_frozen_parameters,
    get_method,
    images_of,
    labels_of,
    list_methods,
    register_method,
)


@dataclasses.dataclass(frozen=True)
class _Cfg(PresetConfig):
    width: int = 2


class _Bare(Method):
    """A method that defines nothing beyond its config."""

    Config = _Cfg
    name = "_bare_for_tests"


class _Coded(_Bare):
    def __init__(self, cfg):
        super().__init__(cfg)
        self.net = nn.Linear(cfg.width, 1)

    @property
    def code_dim(self):
        return 3


def test_a_method_checks_its_config_type_and_names_the_fix():
    with pytest.raises(
        TypeError,
        match=r"^_Bare needs a _Cfg, got dict; build one with _Bare.Config.from_preset\('cpu'\)$",
    ):
        _Bare({})
    assert _Bare(_Cfg()).cfg == _Cfg()


def test_the_defaults_of_the_interface():
    bare = _Bare(_Cfg())
    assert bare.code_dim == 0 and bare.conditional and bare.preview(None) is None
    assert bare.device == torch.device("cpu")  # no parameters
    with pytest.raises(ValueError, match=r"^_Bare is deterministic: it takes no code$"):
        bare.sample_codes(2)
    messages = {
        "example_batch": (lambda: bare.example_batch(2), "_Bare must define example_batch()"),
        "configure_optimizers": (
            bare.configure_optimizers,
            "_Bare must define configure_optimizers()",
        ),
        "training_step": (
            lambda: bare.training_step({}, 0, None),
            "_Bare must define training_step()",
        ),
        "translate": (
            lambda: bare.translate(torch.zeros(1)),
            "_Bare is not a translation method; use sample()",
        ),
        "sample": (lambda: bare.sample(1), "_Bare is conditional; use translate()"),
    }
    for name, (call, message) in messages.items():
        with pytest.raises(NotImplementedError) as info:
            call()
        assert str(info.value) == message, name


def test_sample_codes_are_standard_normal_on_the_methods_or_the_given_device():
    coded = _Coded(_Cfg())
    z = coded.sample_codes(4000, generator=torch.Generator().manual_seed(0))
    assert z.shape == (4000, 3) and z.dtype == torch.float32
    assert torch.equal(z, torch.randn(4000, 3, generator=torch.Generator().manual_seed(0)))
    assert coded.sample_codes(2, device="meta").device.type == "meta"
    assert coded.to("meta").device.type == "meta"
    assert coded.sample_codes(2).device.type == "meta"  # the method's device by default


def test_images_of_a_tensor_a_pair_or_a_dict():
    x = torch.zeros(2, 3)
    assert images_of(x, "b") is x
    assert images_of((x, torch.ones(2)), "b") is x and images_of([x], "b") is x
    assert images_of({"b": x}, "b") is x
    with pytest.raises(
        KeyError,
        match=r"batch has no 'b' entry \(keys: \['a', 'y'\]\); set image_key to the entry "
        "holding the images",
    ):
        images_of({"y": 0, "a": x}, "b")


def test_labels_of_a_dict_or_a_pair_checked_against_the_range():
    y = labels_of({"y": [0, 2]}, "y", 3)
    assert y.tolist() == [0, 2] and y.dtype == torch.long
    assert labels_of((torch.zeros(2, 3), torch.tensor([1.0, 2.0])), "y", 3).tolist() == [1, 2]
    assert labels_of({"y": torch.tensor([], dtype=torch.long)}, "y", 3).tolist() == []
    assert labels_of({"y": [2]}, "y", 3).tolist() == [2]  # the last class is in range
    with pytest.raises(
        KeyError,
        match=r"^\"a model needs labels, but the batch has no 'y' entry \(\['x'\]\); set "
        r"label_key, or num_classes=0 for an unconditional model\"$",
    ):
        labels_of({"x": 0}, "y", 3, who="a model")
    with pytest.raises(KeyError, match=r"this method needs labels.*\(tuple\)"):
        labels_of((torch.zeros(2),), "y", 3)
    for bad, shown in (([0, 3], "0..3"), ([-1, 1], "-1..1")):
        with pytest.raises(
            ValueError,
            match=rf"^labels must lie in \[0, 3\) \(num_classes\), got {shown}; remap them "
            "or set num_classes$",
        ):
            labels_of({"y": bad}, "y", 3)


def test_forward_with_frozen_parameters_keeps_buffers_and_sends_no_gradient_to_weights():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).eval()
    net[1].running_mean.fill_(0.5)  # a buffer the output depends on
    x = torch.randn(4, 2, requires_grad=True)
    out = forward_with_frozen_parameters(net, x)
    assert torch.allclose(out, net(x))
    out.sum().backward()
    assert all(p.grad is None for p in net.parameters()) and x.grad is not None


def test_the_registry():
    names = list_methods()
    assert names == sorted(names) and {"dcgan", "pix2pix", "step", "sdit"} <= set(names)
    assert "base" not in names
    from companion.methods.dcgan import DCGAN

    assert get_method("dcgan") is DCGAN
    assert register_method(DCGAN) is DCGAN  # registering the same class again is harmless
    with pytest.raises(KeyError, match=r"unknown method 'nope'; known methods: .*dcgan, "):
        get_method("nope")

    class Impostor(DCGAN):
        name = "dcgan"

    with pytest.raises(ValueError, match=r"^method name 'dcgan' is already registered by "):
        register_method(Impostor)
    assert base._REGISTRY["dcgan"] is DCGAN
    gan = build_method("dcgan", "smoke", ["z_dim=16"])
    assert isinstance(gan, DCGAN) and gan.cfg.z_dim == 16 and gan.cfg.width_g == 8
    assert build_method("dcgan", "cpu").cfg.width_g == 32


def test_discovery_imports_every_method_module_and_not_base(monkeypatch):
    import importlib
    import pkgutil

    import companion.methods as package

    imported = []
    real = importlib.import_module
    monkeypatch.setattr(
        importlib, "import_module", lambda name: imported.append(name) or real(name)
    )
    list_methods()
    files = {info.name for info in pkgutil.iter_modules(package.__path__)}
    assert {"base", "dcgan", "step_terms"} <= files
    assert sorted(imported) == sorted(f"companion.methods.{n}" for n in files - {"base"})
