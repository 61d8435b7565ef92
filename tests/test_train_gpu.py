"""The fp16 gradient scaler on CUDA: applied, unscaled before clipping, restored on resume.

Run with ``pytest -m gpu`` on a machine with CUDA; skipped elsewhere. Under fp16 autocast the
:class:`~companion.train.Stepper` multiplies each loss by its optimizer's scale before the
backward pass (so small gradients survive fp16), unscales the gradients before clipping (so the
clipping threshold is in true units), skips steps whose scaled gradients overflow, and keeps
the scale in its state, which checkpoints carry across a resume.

The tiny models use a linear map, whose gradients are known in closed form.
"""

import pytest
import torch
from test_checkpoint import _data, _fresh  # the tiny method that fit trains in those tests

from companion.train import Stepper, fit, load_checkpoint, save_checkpoint

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]

DEVICE = torch.device("cuda")
INIT_SCALE = 2.0**16  # torch.amp.GradScaler's default


def _zero_linear(n_in: int = 4) -> torch.nn.Linear:
    net = torch.nn.Linear(n_in, 1, bias=False).to(DEVICE)
    with torch.no_grad():
        net.weight.zero_()
    return net


def _fp16_stepper(net: torch.nn.Module, clip: float | None = None) -> Stepper:
    return Stepper(
        {"G": torch.optim.SGD(net.parameters(), lr=1.0)},
        amp_dtype=torch.float16,
        clip_grad_norm=clip,
    )


def _x() -> torch.Tensor:
    # loss = sum(net(x)) has gradient x.sum(0) = (3, 4, 0, 0) in the weight: norm 5
    return torch.tensor([[1.0, 1.0, 0.0, 0.0], [2.0, 3.0, 0.0, 0.0]], device=DEVICE)


TRUE_GRAD = torch.tensor([[3.0, 4.0, 0.0, 0.0]])


def test_the_loss_is_scaled_and_the_update_uses_the_true_gradient():
    net = _zero_linear()
    stepper = _fp16_stepper(net)
    assert stepper.scalers["G"].is_enabled()
    seen = []
    net.weight.register_hook(lambda grad: seen.append(grad.detach().clone()))
    scale = stepper.scalers["G"].get_scale()
    assert scale == INIT_SCALE
    stepper.step("G", net(_x()).sum())
    # backward saw the scaled gradient; the optimizer stepped with the unscaled one
    assert torch.equal(seen[0].cpu(), scale * TRUE_GRAD)
    assert torch.equal(net.weight.detach().cpu(), -TRUE_GRAD)


def test_scaling_keeps_gradients_that_fp16_would_flush_to_zero():
    x = _x()

    def step(amp_dtype):
        net = _zero_linear()
        stepper = Stepper({"G": torch.optim.SGD(net.parameters(), lr=1.0)}, amp_dtype=amp_dtype)
        with torch.autocast(DEVICE.type, dtype=torch.float16):
            out = net(x)  # (2, 1) in fp16
            loss = 1e-8 * out.float().sum()  # d loss / d out = 1e-8: below fp16's 6e-8
        stepper.step("G", loss)
        return net.weight.detach().cpu()

    # without scaling the gradient underflows in fp16 and nothing moves
    assert torch.equal(step(None), torch.zeros(1, 4))
    # with it, 1e-8 * 2^16 = 6.6e-4 is representable and the update is 1e-8 times the gradient
    assert torch.allclose(step(torch.float16), -1e-8 * TRUE_GRAD, rtol=1e-3, atol=0)


@pytest.mark.parametrize(
    ("clip", "expected"),
    [
        (10.0, -TRUE_GRAD),  # the true norm, 5, is under the threshold: no clipping
        (1.0, -TRUE_GRAD / 5),  # clipped to norm 1, in true units
    ],
)
def test_gradients_are_unscaled_before_clipping(clip, expected):
    """Clipping the scaled gradient (norm 5 * 2^16) would shrink every update to ~1e-4."""
    net = _zero_linear()
    stepper = _fp16_stepper(net, clip=clip)
    stepper.step("G", net(_x()).sum())
    assert torch.allclose(net.weight.detach().cpu(), expected, rtol=1e-5, atol=0)
    assert torch.allclose(net.weight.grad.cpu(), -expected, rtol=1e-5, atol=0)


def _overflowing_loss(net: torch.nn.Module) -> torch.Tensor:
    # finite loss (0 at zero weights), gradient 1e34 * (3, 4, 0, 0): inf once scaled by 2^16
    return 1e34 * net(_x()).sum()


@pytest.mark.parametrize("clip", [None, 1.0])
def test_an_overflowing_step_is_skipped_and_halves_the_scale(clip):
    net = _zero_linear()
    stepper = _fp16_stepper(net, clip=clip)
    stepper.step("G", _overflowing_loss(net))
    assert torch.equal(net.weight.detach().cpu(), torch.zeros(1, 4))  # skipped
    assert stepper.scalers["G"].get_scale() == INIT_SCALE / 2
    stepper.step("G", net(_x()).sum())  # an ordinary step goes through at the new scale
    assert torch.allclose(net.weight.detach().cpu(), -TRUE_GRAD if clip is None else -TRUE_GRAD / 5)


def test_scaler_state_survives_a_checkpoint(tmp_path):
    net = _zero_linear()
    stepper = _fp16_stepper(net)
    stepper.step("G", _overflowing_loss(net))  # scale 2^15
    for _ in range(3):
        stepper.step("G", net(_x()).sum())  # growth tracker 3
    before = stepper.scalers["G"].state_dict()
    assert before["scale"] == INIT_SCALE / 2 and before["_growth_tracker"] == 3
    save_checkpoint(tmp_path / "c.pt", {"net": net.state_dict(), "stepper": stepper.state_dict()})

    state = load_checkpoint(tmp_path / "c.pt", map_location=DEVICE)
    copy = _zero_linear()
    copy.load_state_dict(state["net"])
    restored = _fp16_stepper(copy)
    assert restored.scalers["G"].get_scale() == INIT_SCALE  # a fresh scaler
    restored.load_state_dict(state["stepper"])
    assert restored.scalers["G"].state_dict() == before
    # both continue alike: another overflow halves 2^15, not the fresh scaler's 2^16
    for s in (stepper, restored):
        model = net if s is stepper else copy
        s.step("G", _overflowing_loss(model))
        s.step("G", model(_x()).sum())
    assert restored.scalers["G"].get_scale() == stepper.scalers["G"].get_scale() == 2.0**14
    assert torch.equal(copy.weight, net.weight)


class _Kill(Exception):
    pass


def test_fit_resumes_the_fp16_scaler(tmp_path, monkeypatch):
    """``fit`` picks fp16 (with a scaler) where bf16 is unsupported; a resume keeps the scale."""
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: False)

    def run(model, out, steps, callbacks=()):
        return fit(
            model,
            _data(),
            steps,
            out,
            ckpt_every=2,
            log_every=1,
            eval_every=1,
            callbacks=callbacks,
            amp=True,
            device=DEVICE,
        )

    run(_fresh(), tmp_path / "straight", 6)
    straight = load_checkpoint(tmp_path / "straight")
    scaler = straight["stepper"]["scalers"]["G"]
    assert scaler and scaler["scale"] <= INIT_SCALE  # the scaler was on (a disabled one is {})

    def die_at_5(method, step):
        if step == 5:
            raise _Kill

    with pytest.raises(_Kill):
        run(_fresh(), tmp_path / "resumed", 6, [die_at_5])
    assert load_checkpoint(tmp_path / "resumed")["step"] == 4
    run(_fresh(), tmp_path / "resumed", 6)
    resumed = load_checkpoint(tmp_path / "resumed")
    assert resumed["step"] == 6
    # a scaler restarted at step 4 would have a different scale or growth count
    assert resumed["stepper"]["scalers"] == straight["stepper"]["scalers"]
    for key, value in straight["method"].items():
        assert torch.allclose(resumed["method"][key], value, rtol=1e-6, atol=0), key
