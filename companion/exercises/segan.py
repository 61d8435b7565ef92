"""Chapter 3's checkers for SEGAN's pairs and its joint G and T step (Section 3.2).

- :func:`check_segan_pairs`: Fig. 1's pairs, positives ``(z_1, G(a, z_1))`` and negatives
  ``(z_1, G(a, z_2))``, traced row by row back to the input and the code that made them.
- :func:`check_segan_jsd_loss`: the loss of Eq. (6)-(7) whose backward pass gives ``T`` the
  bound's gradient and ``G`` ``lambda_mi`` times it.

Example:
    >>> check_segan_pairs(lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_1, G(a, z_2)))
    ... # doctest: +ELLIPSIS
    check_segan_pairs: correct on 4 batches ...
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from companion.exercises._common import Mistakes, report, run_guarded, same
from companion.losses import scale_gradient
from companion.mi.bounds import jsd_lower_bound

__all__ = ["check_segan_jsd_loss", "check_segan_pairs"]


# Fig. 1's pairs, traced back to the input and the code that made them. ------------

GeneratorFn = Callable[[Tensor, Tensor], Tensor]
_PAIR_BATCHES = [(3, 8), (2, 4), (8, 8), (32, 8)]  # (N, D); N = 2 has N(N - 1) = N
_DRAWS = 10  # calls per batch, so that a random permutation with a fixed point shows up


class _TracedBatch:
    """Inputs, two codes and a generator whose every output row says which a and z made it."""

    def __init__(self, n: int, d: int, seed: int) -> None:
        gen = torch.Generator().manual_seed(seed)
        self.n, self.d = n, d
        self.a = torch.randn(n, 3, 2, 2, generator=gen, dtype=torch.float64)
        self.z_1 = torch.randn(n, d, generator=gen, dtype=torch.float64)
        self.z_2 = torch.randn(n, d, generator=gen, dtype=torch.float64)
        self.weight = torch.ones((), dtype=torch.float64, requires_grad=True)  # G's "parameter"

    def G(self, a: Tensor, z: Tensor) -> Tensor:
        return torch.cat([a.flatten(1), z], dim=1) * self.weight  # (N, 12 + D), exact copies

    def code_of(self, row: Tensor) -> tuple[int, int] | None:
        """``(k, i)`` if ``row`` is ``z_k[i]``, else None."""
        for k, z in ((1, self.z_1), (2, self.z_2)):
            hits = (z == row).all(dim=1).nonzero()
            if len(hits):
                return k, int(hits[0])
        return None

    def image_of(self, row: Tensor) -> tuple[int, tuple[int, int]] | None:
        """``(j, (k, i))`` if ``row`` is ``G(a_j, z_k[i])``, else None."""
        hits = (self.a.flatten(1) == row[:12]).all(dim=1).nonzero()
        code = self.code_of(row[12:])
        return (int(hits[0]), code) if len(hits) and code is not None else None


def _code_name(code: tuple[int, int]) -> str:
    return f"z_{code[0]}[{code[1]}]"


def _pair_name(code: tuple[int, int], image: tuple[int, tuple[int, int]]) -> str:
    return f"({_code_name(code)}, G(a_{image[0]}, {_code_name(image[1])}))"


def _check_pair_shapes(fn_name: str, out: object, n: int, d: int) -> tuple[Tensor, ...]:
    names = ("z_joint", "b_hat_joint", "z_marginal", "b_hat_marginal")
    if not isinstance(out, (tuple, list)) or len(out) != 4:
        raise AssertionError(
            f"{fn_name} returned {type(out).__name__}; return four tensors "
            "(z_joint, b_hat_joint, z_marginal, b_hat_marginal)"
        )
    for name, t, width in zip(names, out, (d, 12 + d, d, 12 + d)):
        if not isinstance(t, Tensor):
            raise AssertionError(f"{fn_name} returned {type(t).__name__} as {name}; need a tensor")
        if t.dim() != 2 or t.shape[0] != n:
            raise AssertionError(
                f"{fn_name} returned {name} of shape {tuple(t.shape)} for a batch of N = {n}: "
                "SEGAN makes one negative per positive, N rows of each (the all-pairs "
                "'batchwise' variant is the one App. D rejects, for memory)"
            )
        if t.shape[1] != width:
            raise AssertionError(
                f"{fn_name} returned {name} of shape {tuple(t.shape)}, expected {(n, width)}: "
                "return (z_joint, b_hat_joint, z_marginal, b_hat_marginal) in this order"
            )
    return tuple(out)


class _PositiveAmongNegatives(AssertionError):
    """The gravest pair mistake: reported before any other the draws turned up."""


def _check_negatives(fn_name: str, batch: _TracedBatch, z_marg: Tensor, b_marg: Tensor) -> None:
    traced = [(batch.code_of(z), batch.image_of(b)) for z, b in zip(z_marg, b_marg)]
    for i, (code, image) in enumerate(traced):
        if code is None or image is None:
            raise AssertionError(
                f"{fn_name}: negative {i} holds a code or an image made from none of the codes "
                "z_1, z_2 it was given: build the pairs from its arguments, without new random "
                "draws (App. D: 'resampling from one of the marginal distributions performs "
                "badly')"
            )
    for i, (code, image) in enumerate(traced):
        if image[1] == code:
            raise _PositiveAmongNegatives(
                f"{fn_name}: negative {i} is {_pair_name(code, image)}, a positive pair (a code "
                "with the image it made). Did you pair z_2 with G(a, z_2), or shuffle with a "
                "permutation that can leave a row in place? A negative pairs a code with an "
                "image it did NOT make"
            )
    for i, (code, image) in enumerate(traced):
        pair = _pair_name(code, image)
        if image[0] != i:
            raise AssertionError(
                f"{fn_name}: negative {i} is {pair}, an output of another input a_{image[0]}. "
                "It is a valid sample of p(z) p(b_hat), but SEGAN keeps the input: both images "
                f"come from a_{i}, so a positive and its negative differ only in what the code "
                "changed"
            )
        if code != (1, i) or image[1] != (2, i):
            raise AssertionError(
                f"{fn_name}: negative {i} is {pair}; Fig. 1 keeps the positive's code and takes "
                f"the image of the second code: (z_1[{i}], G(a_{i}, z_2[{i}])). (z_2, G(a, z_1)) "
                "has the same distribution (Eq. (5) as printed), but this exercise follows "
                "Fig. 1 and companion"
            )


def _check_pairs_once(fn: Callable[..., object], fn_name: str, batch: _TracedBatch) -> None:
    inputs = (batch.a, batch.z_1, batch.z_2)
    case = f"a batch of N = {batch.n}"
    out = run_guarded(fn, fn_name, case, (batch.G, *inputs), watched=inputs)
    z_joint, b_joint, z_marg, b_marg = _check_pair_shapes(fn_name, out, batch.n, batch.d)
    for i in range(batch.n):
        code, image = batch.code_of(z_joint[i]), batch.image_of(b_joint[i])
        if code != (1, i) or image != (i, (1, i)):
            pair = "a pair of tensors that are not G's outputs"
            if code is not None and image is not None:
                pair = _pair_name(code, image)
            raise AssertionError(
                f"{fn_name}: positive {i} is {pair}; the positives are (z_1[{i}], "
                f"G(a_{i}, z_1[{i}])): the first code with the image it made, row by row"
            )
    _check_negatives(fn_name, batch, z_marg, b_marg)
    for name, t in (("b_hat_joint", b_joint), ("b_hat_marginal", b_marg)):
        if t.grad_fn is None:
            raise AssertionError(
                f"{fn_name} returned {name} without a gradient: G must receive the MI gradient "
                "through both images (Eq. (6)); did you use torch.no_grad() or .detach()?"
            )


def check_segan_pairs(fn: Callable[[GeneratorFn, Tensor, Tensor, Tensor], object]) -> None:
    """Check a student's ``fn(G, a, z_1, z_2)``: SEGAN's positive and negative pairs (Fig. 1).

    ``fn`` returns ``(z_joint, b_hat_joint, z_marginal, b_hat_marginal)``, N rows each: the
    positives ``(z_1, G(a, z_1))`` and the negatives ``(z_1, G(a, z_2))`` (one negative per
    positive, the same input on both sides, a code paired with an image it did not make). The
    checker's ``G`` returns rows from which it reads which input and which code made each image,
    so it names the first wrong pair. Each batch is tried several times, so that a random
    shuffle that can keep a row in place is caught.

    Raises:
        AssertionError: naming the first wrong pair and the likely mistake.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> check_segan_pairs(lambda G, a, z_1, z_2: (z_1, G(a, z_1), z_1, G(a, z_2)))
        ... # doctest: +ELLIPSIS
        check_segan_pairs: correct on 4 batches ...
    """
    if not callable(fn):
        raise TypeError(f"check_segan_pairs expects a function, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    for seed, (n, d) in enumerate(_PAIR_BATCHES):
        batch = _TracedBatch(n, d, seed)
        failures = []
        for _ in range(_DRAWS):
            try:
                _check_pairs_once(fn, fn_name, batch)
            except AssertionError as err:
                if err.__cause__ is not None:  # fn itself raised: report it as it is
                    raise
                failures.append(err)
        if failures:
            gravest = [e for e in failures if isinstance(e, _PositiveAmongNegatives)]
            raise (gravest or failures)[0]
    report(
        f"check_segan_pairs: correct on {len(_PAIR_BATCHES)} batches ({_DRAWS} calls each): "
        "positives (z_1, G(a, z_1)), negatives (z_1, G(a, z_2)), both images differentiable"
    )


# Eq. (6)-(7), G helps T through scale_gradient. -----------------------------------

LossFn = Callable[[Callable[[Tensor, Tensor], Tensor], Tensor, Tensor, Tensor, float], object]
_LOSS_CASES = [  # (description, N, lambda_mi, seed)
    ("lambda_MI = 3 (the paper's), N = 8", 8, 3.0, 0),
    ("lambda_MI = 0.5, N = 5", 5, 0.5, 1),
    ("lambda_MI = 0 (SEGAN w/o MI), N = 6", 6, 0.0, 2),
    ("lambda_MI = 10, N = 4", 4, 10.0, 3),
]


class _TinySEGAN:
    """A linear-tanh G(a, z) and a one-hidden-layer T(b_hat, z), float64, seeded parameters."""

    def __init__(self, n: int, seed: int) -> None:
        gen = torch.Generator().manual_seed(seed)

        def param(*shape: int) -> Tensor:
            return (0.7 * torch.randn(*shape, generator=gen, dtype=torch.float64)).requires_grad_()

        self.g_params = [param(3, 4), param(2, 4)]  # G: a (N, 3), z (N, 2) -> b_hat (N, 4)
        self.t_params = [param(4, 6), param(2, 6), param(6)]  # T: (b_hat, z) -> (N,)
        self.a = torch.randn(n, 3, generator=gen, dtype=torch.float64)
        self.z_1 = torch.randn(n, 2, generator=gen, dtype=torch.float64)
        self.z_2 = torch.randn(n, 2, generator=gen, dtype=torch.float64)

    def G(self, a: Tensor, z: Tensor) -> Tensor:
        w_a, w_z = self.g_params
        return torch.tanh(a @ w_a + z @ w_z)  # (N, 4)

    def T(self, b_hat: Tensor, z: Tensor) -> Tensor:
        w_b, w_z, v = self.t_params
        return torch.tanh(b_hat @ w_b + z @ w_z) @ v  # (N,)


def _loss_and_gradients(fn: Callable[..., object], n: int, lam: float, seed: int) -> tuple:
    """``fn``'s loss and its gradients (G's, then T's; zeros where none flows) on one case."""
    model = _TinySEGAN(n, seed)
    b_hat_1, b_hat_2 = model.G(model.a, model.z_1), model.G(model.a, model.z_2)
    loss = fn(model.T, b_hat_1, b_hat_2, model.z_1, lam)
    params = model.g_params + model.t_params
    if not isinstance(loss, Tensor) or loss.grad_fn is None or loss.dim() != 0:
        return loss, None, None
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]
    g_grad = torch.cat([g.flatten() for g in grads[:2]])
    t_grad = torch.cat([g.flatten() for g in grads[2:]])
    return loss.detach(), g_grad, t_grad


def _segan_jsd_loss(T: Callable[..., Tensor], b_1: Tensor, b_2: Tensor, z_1: Tensor, lam: float):
    return jsd_lower_bound(T(scale_gradient(b_1, lam), z_1), T(scale_gradient(b_2, lam), z_1)).loss


def _loss_mistakes() -> Mistakes:
    def jsd(T: Callable[..., Tensor], b_1: Tensor, b_2: Tensor, z_1: Tensor) -> Tensor:
        return jsd_lower_bound(T(b_1, z_1), T(b_2, z_1)).loss

    sg = scale_gradient
    return [
        (
            "G gets the bound's gradient unscaled: pass both images through "
            "scale_gradient(b_hat, lambda_mi) before T sees them",
            lambda T, b_1, b_2, z_1, lam: jsd(T, b_1, b_2, z_1),
        ),
        (
            "you multiplied the loss by lambda_mi, so T's gradient is lambda_mi times the "
            "bound's too; scale only the gradient that flows into G (scale_gradient)",
            lambda T, b_1, b_2, z_1, lam: lam * jsd(T, b_1, b_2, z_1),
        ),
        (
            "lambda_mi is applied twice (the loss times lambda_mi and scale_gradient): G gets "
            "lambda_mi^2 times the gradient and T lambda_mi times",
            lambda T, b_1, b_2, z_1, lam: lam * _segan_jsd_loss(T, b_1, b_2, z_1, lam),
        ),
        (
            "no gradient reaches G: the images are detached, which is SEGAN w/o MI's probe; in "
            "Eq. (6) G ascends the bound too",
            lambda T, b_1, b_2, z_1, lam: jsd(T, b_1.detach(), b_2.detach(), z_1),
        ),
        (
            "G descends the bound: a gradient reversal (scale -lambda_mi) makes G T's "
            "adversary, as it is D's; in Eq. (6) G and T cooperate, both ascend I_JSD",
            lambda T, b_1, b_2, z_1, lam: _segan_jsd_loss(T, b_1, b_2, z_1, -lam),
        ),
        (
            "the sign is flipped: return the loss -I_JSD (what the optimizer minimises), not the "
            "bound",
            lambda T, b_1, b_2, z_1, lam: -_segan_jsd_loss(T, b_1, b_2, z_1, lam),
        ),
        (
            "only the positive image is scaled, the negative one passes unscaled: G gets the "
            "gradient through both images, so scale both",
            lambda T, b_1, b_2, z_1, lam: jsd_lower_bound(T(sg(b_1, lam), z_1), T(b_2, z_1)).loss,
        ),
        (
            "the negative image is detached: G gets the gradient through both images, so the "
            "second pass G(a, z_2) needs its gradient too",
            lambda T, b_1, b_2, z_1, lam: (
                jsd_lower_bound(T(sg(b_1, lam), z_1), T(b_2.detach(), z_1)).loss
            ),
        ),
    ]


def _same_step(got: tuple, want: tuple) -> bool:
    return all(same(g, w) for g, w in zip(got, want))


def check_segan_jsd_loss(fn: LossFn) -> None:
    """Check a student's ``fn(T, b_hat_1, b_hat_2, z_1, lambda_mi) -> 0-d tensor`` (Eq. 6-7).

    The loss of SEGAN's joint G and T step for the MI term, as ``SEGAN.mi_bound`` builds it:
    its value is ``-I_JSD`` on positives ``T(b_hat_1, z_1)`` and negatives ``T(b_hat_2, z_1)``,
    and one backward pass gives ``T`` the gradient of ``-I_JSD`` and ``G`` (through both images)
    ``lambda_mi`` times that gradient: G and T both ascend the bound. The checker builds a tiny
    G and T, calls ``fn`` and compares the loss and every parameter's gradient with the
    reference's.

    Raises:
        AssertionError: with a diagnosis, if the value or a gradient disagrees.
        TypeError: if ``fn`` is not callable.

    Example:
        >>> def loss(T, b_hat_1, b_hat_2, z_1, lambda_mi):
        ...     b_1, b_2 = scale_gradient(b_hat_1, lambda_mi), scale_gradient(b_hat_2, lambda_mi)
        ...     return jsd_lower_bound(T(b_1, z_1), T(b_2, z_1)).loss
        >>> check_segan_jsd_loss(loss)  # doctest: +ELLIPSIS
        check_segan_jsd_loss: correct on 4 cases: ...
    """
    if not callable(fn):
        raise TypeError(f"check_segan_jsd_loss expects a function, got {type(fn).__name__}")
    fn_name = getattr(fn, "__name__", "your function")
    got, want = [], []
    for case, n, lam, seed in _LOSS_CASES:
        try:
            got.append(_loss_and_gradients(fn, n, lam, seed))
        except NotImplementedError:
            raise
        except Exception as err:  # the student's bug: report it with the input that caused it
            raise AssertionError(
                f"{fn_name} raised {type(err).__name__}: {err} on {case}; T is called as "
                "T(b_hat, z) and returns (N,) logits"
            ) from err
        loss = got[-1][0]
        if got[-1][1] is None:
            raise AssertionError(
                f"{fn_name} returned {type(loss).__name__} "
                f"{tuple(loss.shape) if isinstance(loss, Tensor) else ''} on {case}: return "
                "a 0-d tensor that keeps its gradient (no .item(), .detach() or torch.no_grad())"
            )
        want.append(_loss_and_gradients(_segan_jsd_loss, n, lam, seed))
    wrong = [i for i, (g, w) in enumerate(zip(got, want)) if not _same_step(g, w)]
    if wrong:
        for diagnosis, mistake in _loss_mistakes():
            guesses = [
                _loss_and_gradients(mistake, n, lam, seed) for _, n, lam, seed in _LOSS_CASES
            ]
            if all(_same_step(g, m) for g, m in zip(got, guesses)):
                raise AssertionError(f"{fn_name} is not the expected loss: {diagnosis}.")
        i = wrong[0]
        part = ["the value", "G's gradient", "T's gradient"]
        bad = [p for p, g, w in zip(part, got[i], want[i]) if not same(g, w)]
        raise AssertionError(
            f"{fn_name} disagrees with the reference on {len(wrong)} of {len(_LOSS_CASES)} "
            f"cases; first: {_LOSS_CASES[i][0]}: {', '.join(bad)} differ. Recall: loss = "
            "-I_JSD(T(scale_gradient(b_hat_1, lambda_mi), z_1), T(scale_gradient(b_hat_2, "
            "lambda_mi), z_1))"
        )
    report(
        f"check_segan_jsd_loss: correct on {len(_LOSS_CASES)} cases: the value is -I_JSD, T gets "
        "the bound's gradient and G lambda_mi times it"
    )
