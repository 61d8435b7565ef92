import pytest
import torch
from stepping import RecordingStepper, paired_batch

from companion.losses import mode_seeking_ratio
from companion.methods.base import build_method
from companion.methods.bicyclegan import BicycleGAN
from companion.methods.msgan import MSGAN, MSGANConfig
from companion.methods.pix2pix import Pix2Pix


def test_paper_preset_is_msgan_pix2pix():
    cfg = MSGANConfig.paper()
    assert (cfg.base, cfg.lambda_ms, cfg.batch_size, cfg.z_dim) == ("pix2pix", 1.0, 1, 8)
    assert (cfg.gan_loss, cfg.lambda_l1, cfg.conditional_d, cfg.d_scales) == (
        "lsgan",
        10.0,
        True,
        2,
    )
    bike = MSGANConfig.for_base("bicyclegan")
    assert (bike.batch_size, bike.lambda_latent, bike.conditional_d) == (2, 0.5, False)
    with pytest.raises(ValueError, match="base must be one of"):
        MSGANConfig.for_base("drit")


@pytest.mark.parametrize("base, base_cls", [("pix2pix", Pix2Pix), ("bicyclegan", BicycleGAN)])
def test_msgan_trains_its_base_with_the_term(base, base_cls):
    torch.manual_seed(0)
    model = MSGAN(MSGANConfig.for_base(base, "smoke"))
    assert isinstance(model.base, base_cls) and model.base.cfg.lambda_ms == 1.0
    opt = RecordingStepper(model.configure_optimizers())
    logs = model.training_step(paired_batch(4), 0, opt)
    assert "loss/ms" in logs and opt.calls == ["D", "G"]
    assert model.translate(paired_batch(2)["a"]).shape == (2, 3, 32, 32)


def test_mode_seeking_term_is_small_for_diverse_outputs():
    z_1, z_2 = torch.zeros(2, 8), torch.ones(2, 8)
    same = torch.zeros(2, 3, 4, 4)
    far = torch.ones(2, 3, 4, 4)
    assert mode_seeking_ratio(same, same, z_1, z_2) > 1e4  # collapsed: 1 / eps
    assert mode_seeking_ratio(same, far, z_1, z_2).item() == pytest.approx(1.0, rel=1e-4)


def test_errors():
    with pytest.raises(ValueError, match="lambda_ms > 0"):
        build_method("msgan", "smoke", ["lambda_ms=0"])
    with pytest.raises(ValueError, match="base must be one of"):
        build_method("msgan", "smoke", ["base=drit"])
