import pytest
import torch
from stepping import RecordingStepper, paired_batch

from companion.losses import mode_seeking_ratio
from companion.methods.base import build_method
from companion.methods.bicyclegan import BicycleGAN, BicycleGANConfig
from companion.methods.msgan import MSGAN, ModeSeeking, MSGANConfig
from companion.methods.pix2pix import Pix2Pix, Pix2PixConfig


def test_paper_preset_is_msgan_pix2pix():
    cfg = MSGANConfig.paper()
    assert (cfg.lambda_ms, cfg.batch_size, cfg.z_dim) == (1.0, 1, 8)
    assert (cfg.gan_loss, cfg.lambda_l1, cfg.conditional_d, cfg.d_scales) == (
        "lsgan",
        10.0,
        True,
        2,
    )


def test_cpu_preset_is_pix2pix_cpu_plus_the_term():
    p2p, ms = Pix2PixConfig.cpu().to_dict(), MSGANConfig.cpu().to_dict()
    assert {k: v for k, v in ms.items() if k != "lambda_ms"} == p2p


def test_msgan_is_pix2pix_with_the_term():
    torch.manual_seed(0)
    msgan = MSGAN(MSGANConfig.smoke())
    torch.manual_seed(0)
    hooked = Pix2Pix(Pix2PixConfig.smoke(), terms=[ModeSeeking(1.0)])
    batch = paired_batch(4)
    torch.manual_seed(1)
    logs_a = msgan.training_step(batch, 0, RecordingStepper(msgan.configure_optimizers()))
    torch.manual_seed(1)
    logs_b = hooked.training_step(batch, 0, RecordingStepper(hooked.configure_optimizers()))
    assert logs_a == logs_b and "loss/g_ms" in logs_a


@pytest.mark.parametrize(
    "build",
    [
        lambda: MSGAN(MSGANConfig.smoke()),
        lambda: BicycleGAN(BicycleGANConfig.smoke(), terms=[ModeSeeking(1.0)]),
    ],
)
def test_the_term_trains_with_either_base(build):
    torch.manual_seed(0)
    model = build()
    opt = RecordingStepper(model.configure_optimizers())
    logs = model.training_step(paired_batch(4), 0, opt)
    assert "loss/g_ms" in logs and opt.calls == ["D", "G"]
    assert model.translate(paired_batch(2)["a"]).shape == (2, 3, 32, 32)


def test_term_compares_the_first_two_outputs_and_weights_them():
    torch.manual_seed(0)
    model = MSGAN(MSGANConfig.smoke().with_overrides({"lambda_ms": 2.5}))
    a, b = paired_batch(4)["a"], paired_batch(4)["b"]
    out = model.translations(a, b)
    assert len(out.z) == len(out.b_fake) == 2  # one extra code per input for the term
    expected = mode_seeking_ratio(out.b_fake[0], out.b_fake[1], out.z[0], out.z[1])
    assert model.hook_terms(out)["ms"].item() == pytest.approx(2.5 * expected.item())


def test_mode_seeking_term_is_small_for_diverse_outputs():
    z_1, z_2 = torch.zeros(2, 8), torch.ones(2, 8)
    same = torch.zeros(2, 3, 4, 4)
    far = torch.ones(2, 3, 4, 4)
    assert mode_seeking_ratio(same, same, z_1, z_2) > 1e4  # collapsed: 1 / eps
    assert mode_seeking_ratio(same, far, z_1, z_2).item() == pytest.approx(1.0, rel=1e-4)


def test_errors():
    with pytest.raises(
        ValueError,
        match=r"^MSGAN needs lambda_ms > 0, got 0.0; train pix2pix for the model without the "
        r"term$",
    ):
        build_method("msgan", "smoke", ["lambda_ms=0"])
    with pytest.raises(ValueError, match="z_dim must be > 0"):
        build_method("msgan", "smoke", ["z_dim=0"])
    assert build_method("msgan", "smoke", ["z_dim=1"]).code_dim == 1  # one code dimension is enough
    with pytest.raises(ValueError, match="weight must be > 0"):
        ModeSeeking(0.0)
    with pytest.raises(KeyError, match="unknown config key 'base'"):
        build_method("msgan", "smoke", ["base=bicyclegan"])
