"""The Stepper: the one object through which a method's ``training_step`` updates its networks.

A method calls ``opt.step("D", loss)``; the Stepper does the plumbing that is not the paper's
algorithm: zero the grads, scale the loss under fp16 AMP, backpropagate into that optimizer's
parameters only, average gradients across processes under DDP, unscale and clip, update. The
trainer (:func:`companion.train.fit`) builds it; methods only call :meth:`Stepper.step`, and
every ``training_step`` signature names this type.

It lives below the methods (it imports only torch), so that a method module can name it in a
type hint without importing the trainer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.distributed as dist

__all__ = ["NonFiniteLossError", "Stepper"]


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; the run stopped before it touched the weights."""


class Stepper:
    """Performs the optimizer updates that a method's ``training_step`` asks for.

    ``opt.step(name, loss)`` zeroes optimizer ``name``'s gradients, backpropagates ``loss``
    (scaled by that optimizer's gradient scaler under fp16 AMP) into that optimizer's parameters
    only, averages gradients over the process group when running under DDP, unscales and clips
    them (``clip_grad_norm``), and steps. Each optimizer has its own scaler, so a method may step
    the same optimizer several times per iteration (e.g. ``n_critic`` critic updates).

    Backpropagating into the stepped parameters only is what the papers' code does by setting
    ``requires_grad = False`` on D during G's update (BicycleGAN's ``set_requires_grad``): a G
    step's loss passes through D, whose weight gradients (about half the cost of D's backward
    pass) would only be discarded by D's next ``zero_grad``. The stepped parameters get the same
    gradients either way, so training is unchanged, bit for bit.

    Args:
        optimizers: name -> optimizer, from ``method.configure_optimizers()``.
        amp_dtype: ``torch.float16`` (with scaling) or ``torch.bfloat16``; None disables AMP.
        clip_grad_norm: max gradient norm per optimizer, or None.
        world_size: number of processes; gradients are averaged over them when > 1.

    Example:
        >>> net = torch.nn.Linear(2, 1)
        >>> opt = Stepper({"G": torch.optim.SGD(net.parameters(), lr=0.1)})
        >>> opt.step("G", net(torch.ones(1, 2)).sum())
        >>> sorted(opt.optimizers)
        ['G']
    """

    def __init__(
        self,
        optimizers: Mapping[str, torch.optim.Optimizer],
        *,
        amp_dtype: torch.dtype | None = None,
        clip_grad_norm: float | None = None,
        world_size: int = 1,
    ) -> None:
        self.optimizers = dict(optimizers)
        self.clip_grad_norm = clip_grad_norm
        self.world_size = world_size
        use_scaler = amp_dtype == torch.float16
        self.scalers = {
            name: torch.amp.GradScaler("cuda", enabled=use_scaler) for name in self.optimizers
        }
        self.global_step = 0

    def step(self, name: str, loss: torch.Tensor, *, retain_graph: bool = False) -> None:
        """Backpropagate ``loss`` and update optimizer ``name``.

        Args:
            name: a key of the method's ``configure_optimizers()``.
            loss: () float tensor to minimise.
            retain_graph: keep the graph for a later ``step`` through the same activations.

        Raises:
            KeyError: for an optimizer name the method did not configure.
            NonFiniteLossError: if ``loss`` is NaN or infinite (the weights are left untouched).
        """
        if name not in self.optimizers:
            raise KeyError(f"no optimizer named {name!r}; configured: {sorted(self.optimizers)}")
        if not bool(torch.isfinite(loss.detach()).all()):
            raise NonFiniteLossError(
                f"the loss of optimizer {name!r} is {loss.detach().float().item()} at step "
                f"{self.global_step}"
            )
        opt, scaler = self.optimizers[name], self.scalers[name]
        params = [p for group in opt.param_groups for p in group["params"]]
        trainable = [p for p in params if p.requires_grad]
        opt.zero_grad(set_to_none=True)
        # inputs=: no gradients for other optimizers' parameters (D's weights in a G step)
        scaler.scale(loss).backward(retain_graph=retain_graph, inputs=trainable or None)
        if self.world_size > 1:
            _average_gradients(params, self.world_size)
        if self.clip_grad_norm is not None:
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(params, self.clip_grad_norm)
        scaler.step(opt)
        scaler.update()

    def set_lr(self, lrs: Mapping[str, Sequence[float]]) -> None:
        """Set the learning rate of every parameter group, by optimizer name.

        Used when a resumed run changes a learning rate: the optimizers' restored state would
        otherwise keep the old one.

        Raises:
            ValueError: if a name is unknown or the number of groups differs.
        """
        for name, values in lrs.items():
            if name not in self.optimizers:
                raise ValueError(
                    f"no optimizer named {name!r}; configured: {sorted(self.optimizers)}"
                )
            groups = self.optimizers[name].param_groups
            if len(groups) != len(values):
                raise ValueError(
                    f"optimizer {name!r} has {len(groups)} parameter groups, got {len(values)} "
                    "learning rates"
                )
            for group, lr in zip(groups, values):
                group["lr"] = lr

    def state_dict(self) -> dict[str, Any]:
        """Optimizer and scaler states, by name."""
        return {
            "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
            "scalers": {k: s.state_dict() for k, s in self.scalers.items()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        for k, o in self.optimizers.items():
            o.load_state_dict(state["optimizers"][k])
        for k, s in self.scalers.items():
            if state["scalers"].get(k):
                s.load_state_dict(state["scalers"][k])


def _average_gradients(params: Sequence[torch.nn.Parameter], world_size: int) -> None:
    # One flat all-reduce per update; a parameter without a gradient on this rank contributes
    # zeros, so every rank takes part in the same collective and none deadlocks.
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])  # (P,)
    dist.all_reduce(flat)
    flat /= world_size
    offset = 0
    for p, g in zip(params, grads):
        n = g.numel()
        p.grad = flat[offset : offset + n].view_as(p).clone()
        offset += n
