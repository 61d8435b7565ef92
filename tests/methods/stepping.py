"""Helpers shared by the method tests: a recording stepper and a random paired batch."""

import torch


class RecordingStepper:
    """Performs ``opt.step`` like the trainer's Stepper and records the order of the updates."""

    def __init__(self, optimizers):
        self.optimizers = optimizers
        self.calls = []

    def step(self, name, loss, *, retain_graph=False):
        self.calls.append(name)
        opt = self.optimizers[name]
        params = [p for group in opt.param_groups for p in group["params"] if p.requires_grad]
        opt.zero_grad(set_to_none=True)
        loss.backward(retain_graph=retain_graph, inputs=params or None)  # as the trainer does
        opt.step()


def paired_batch(n=4, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.rand(n, 3, size, size, generator=g) * 2 - 1
    b = torch.rand(n, 3, size, size, generator=g) * 2 - 1
    return {"a": a, "b": b}


class GradientRecordingStepper(RecordingStepper):
    """A :class:`RecordingStepper` that also keeps, per update, the gradient each stepped
    parameter received (``grads[i][id(p)]``, a clone; None where none arrived)."""

    def __init__(self, optimizers):
        super().__init__(optimizers)
        self.grads = []

    def step(self, name, loss, *, retain_graph=False):
        self.calls.append(name)
        opt = self.optimizers[name]
        params = [p for group in opt.param_groups for p in group["params"] if p.requires_grad]
        opt.zero_grad(set_to_none=True)
        loss.backward(retain_graph=retain_graph, inputs=params or None)
        self.grads.append({id(p): None if p.grad is None else p.grad.clone() for p in params})
        opt.step()


def assert_adam(opts, params_by_name, lr, betas):
    """Each named optimizer is Adam with one group over exactly those parameters (in order),
    at ``lr`` and ``betas``; no other optimizer is configured."""
    assert set(opts) == set(params_by_name)
    for name, params in params_by_name.items():
        (group,) = opts[name].param_groups
        assert isinstance(opts[name], torch.optim.Adam)
        assert (group["lr"], group["betas"]) == (lr, betas)
        assert [id(p) for p in group["params"]] == [id(p) for p in params]
