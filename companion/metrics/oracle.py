"""Exact metrics on synthetic data, where every image's style and nuisance factors are known.

On the book's synthetic domains the oracle style of an image is computable (e.g.
``companion.data.style_of``), so diversity becomes countable instead of perceptual:

- **mode coverage**: distinct styles among K samples of one input, averaged over inputs
  (K of K styles is full coverage; 1 is a generator that ignores its code). Higher is better.
- **style consistency**: with the same code for every input ("synchronized", SEGAN Fig. 6), the
  fraction of inputs that get the code's most common style, averaged over codes. Report it with
  coverage: a collapsed generator is perfectly consistent (1.0) with coverage 1.
  :func:`style_consistency_chance` is its value when each input's styles are dealt to the codes
  at random: consistency above it is what the codes mean *across* inputs (0 when collapsed).
- **style transfer**: with an encoder ``E`` of targets, how often ``G(a, E(b))`` shows the style
  of ``b``, for every input ``a`` and reference ``b`` (BicycleGAN's cVAE cycle, Sec. 3.2). It
  tests that the codes of real images mean the same thing to ``G``.
  :func:`style_transfer_chance` is its value against other references' styles: a collapsed
  encoder scores exactly that, so transfer above chance is what the codes carry.
- **style recovery**: accuracy of a linear probe predicting the true style from a code (e.g. a style
  encoder's output) on held-out samples. Higher is better; chance is about 1/K.
- **nuisance leakage**: the probe's accuracy for a nuisance attribute, above chance and normalized
  to [0, 1] (0: the code carries none of it). Lower is better.
- **label accuracy**: agreement of predicted and true labels, e.g. a
  :class:`~companion.metrics.classifiers.DomainClassifier`'s prediction of the content class of
  translations vs the inputs' labels (semantic preservation).

The functions take integer labels so that they are exact and testable; :func:`styles_of_samples`
applies a user-given ``style_fn`` to sampled images.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

__all__ = [
    "label_accuracy",
    "mode_coverage",
    "nuisance_leakage",
    "probe_accuracy",
    "style_consistency",
    "style_consistency_chance",
    "style_recovery",
    "style_transfer",
    "style_transfer_chance",
    "styles_of_samples",
    "styles_per_input",
    "transferred_styles",
]


def _check_labels(styles: torch.Tensor, what: str = "styles") -> torch.Tensor:
    styles = torch.as_tensor(styles)
    if styles.dim() != 2:
        raise ValueError(
            f"expected {what} of shape (n_inputs, n_samples), got {tuple(styles.shape)}"
        )
    if styles.is_floating_point() or styles.is_complex():
        raise TypeError(f"expected integer {what} labels, got dtype {styles.dtype}")
    return styles


def styles_per_input(styles: torch.Tensor) -> torch.Tensor:
    """Number of distinct styles among each input's samples.

    Args:
        styles: (N, K) integer style labels of K samples for each of N inputs.

    Returns:
        (N,) long, each in [1, K].

    Example:
        >>> styles_per_input(torch.tensor([[3, 3, 3], [0, 1, 2]])).tolist()
        [1, 3]
    """
    styles = _check_labels(styles)
    sorted_styles, _ = styles.sort(dim=1)
    changes = (sorted_styles[:, 1:] != sorted_styles[:, :-1]).sum(dim=1)
    return changes + 1


def mode_coverage(styles: torch.Tensor, n_styles: int | None = None) -> float:
    """Mean number of distinct styles per input (mode coverage), higher is better.

    Args:
        styles: (N, K) integer style labels.
        n_styles: number of styles in the domain; if given, labels are checked to lie in
            [0, n_styles).

    Returns:
        Mean distinct styles per input, in [1, min(K, n_styles)]. Divide by ``n_styles`` for a
        fraction. Uniform random styles give n_styles * (1 - (1 - 1/n_styles)^K) in expectation.

    Raises:
        ValueError: if a label is outside [0, n_styles).

    Example:
        >>> mode_coverage(torch.full((4, 20), 3), n_styles=8)  # always style 3
        1.0
        >>> mode_coverage(torch.arange(8).repeat(4, 3), n_styles=8)  # cycles all styles
        8.0
    """
    styles = _check_labels(styles)
    if n_styles is not None and (styles.min() < 0 or styles.max() >= n_styles):
        raise ValueError(
            f"style labels must lie in [0, {n_styles}), got min {int(styles.min())} "
            f"max {int(styles.max())}"
        )
    return float(styles_per_input(styles).double().mean())


def style_consistency(styles: torch.Tensor) -> float:
    """Fraction of inputs that share their code's most common style, averaged over codes.

    Args:
        styles: (N, K) integer style labels where column j used the same code z_j for every input.

    Returns:
        In [1/N, 1]; 1 when each code yields one style regardless of the input. Higher is better,
        but report it beside :func:`mode_coverage` (a collapsed generator also scores 1).

    Example:
        >>> style_consistency(torch.tensor([[0, 1], [0, 1], [0, 2], [0, 1]]))
        0.875
    """
    styles = _check_labels(styles)
    modal_count = torch.stack([torch.bincount(col - col.min()).max() for col in styles.T])  # (K,)
    return float((modal_count.double() / styles.shape[0]).mean())


def style_consistency_chance(
    styles: torch.Tensor, n_permutations: int = 200, seed: int = 0
) -> float:
    """:func:`style_consistency` expected if codes meant nothing across inputs.

    Each input's row of K styles is shuffled independently, which keeps every input's set of
    styles (so its coverage) and destroys any agreement between what a code does to different
    inputs; the mean consistency over ``n_permutations`` shuffles estimates the chance level.
    Consistency above it measures shared code meaning ("disentanglement", SEGAN Fig. 6); a
    collapsed generator, or one whose style depends on the input only, sits exactly at it.

    Args:
        styles: (N, K) integer style labels, column j from code z_j for every input.
        n_permutations: shuffles to average (the estimate's std shrinks as 1/sqrt of it).
        seed: seed of the shuffles.

    Returns:
        In [1/N, 1]; 1.0 exactly when every row holds a single style.

    Example:
        >>> styles = torch.tensor([[0, 1], [0, 1]])  # two inputs, two codes, full agreement
        >>> style_consistency(styles), round(style_consistency_chance(styles, 4000), 2)
        (1.0, 0.75)
    """
    styles = _check_labels(styles)
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be >= 1, got {n_permutations}")
    gen = torch.Generator().manual_seed(seed)
    n, k = styles.shape
    values = []
    for _ in range(n_permutations):
        order = torch.rand(n, k, generator=gen).argsort(dim=1)  # (N, K): a shuffle per row
        values.append(style_consistency(styles.gather(1, order)))
    return float(np.mean(values))


@torch.no_grad()
def styles_of_samples(
    samples: torch.Tensor, style_fn: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """Apply an oracle ``style_fn`` to (N, K, C, H, W) samples.

    Args:
        samples: (N, K, C, H, W) float in [-1, 1], e.g. from
            :func:`~companion.metrics.sampling.sample_translations`.
        style_fn: maps (M, C, H, W) images to (M,) integer styles.

    Returns:
        (N, K) long style labels.
    """
    n, k = samples.shape[:2]
    flat = samples.reshape(n * k, *samples.shape[2:])  # (N*K, C, H, W)
    return torch.as_tensor(style_fn(flat)).long().reshape(n, k)  # (N, K)


@torch.no_grad()
def transferred_styles(
    translate: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    encode: Callable[[torch.Tensor], torch.Tensor],
    a: torch.Tensor,
    references: torch.Tensor,
    style_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """Oracle styles of ``translate(a_i, encode(b_j))``: every input with every reference's code.

    Args:
        translate: ``translate(a, z)`` -> images (N, C, H, W), e.g. a method's ``translate``.
        encode: images (M, C, H, W) -> codes (M, D), e.g. BicycleGAN's ``encode`` (the mean).
        a: (N, C, H, W) inputs.
        references: (M, C, H, W) images whose codes are lent to every input.
        style_fn: the oracle, ``style_fn(images, a)`` -> (N,) styles (e.g. ``test.style_of``).

    Returns:
        (N, M) long styles; column j holds the outputs made with reference j's code.
    """
    codes = encode(references)  # (M, D)
    columns = [style_fn(translate(a, code.expand(len(a), -1)), a) for code in codes]
    return torch.stack([torch.as_tensor(c).long() for c in columns], dim=1)  # (N, M)


def style_transfer(styles: torch.Tensor, reference_styles: torch.Tensor) -> float:
    """How often the output made with reference j's code has reference j's style.

    Args:
        styles: (N, M) styles from :func:`transferred_styles`.
        reference_styles: (M,) integer styles of the references.

    Returns:
        Fraction in [0, 1]; 1 for a translator that follows its encoder exactly. Compare it with
        :func:`style_transfer_chance`: a collapsed encoder scores exactly its chance level.

    Example:
        >>> style_transfer(torch.tensor([[0, 1, 2], [0, 1, 1]]), torch.tensor([0, 1, 2]))
        0.8333333333333334
    """
    styles = _check_labels(styles)
    reference_styles = torch.as_tensor(reference_styles).long().view(1, -1)
    if styles.shape[1] != reference_styles.shape[1]:
        raise ValueError(
            f"{styles.shape[1]} columns of styles but {reference_styles.shape[1]} references"
        )
    return (styles == reference_styles).double().mean().item()


def style_transfer_chance(styles: torch.Tensor, reference_styles: torch.Tensor) -> float:
    """:func:`style_transfer` if each output were judged against *another* reference's style.

    The mean over all pairs ``j != k`` of how often the outputs made with reference k's code show
    reference j's style. It is what the outputs' own spread of styles scores against these
    references without any link to the code: for an encoder that maps every reference to one
    code, every column is the same and transfer equals this chance level exactly.

    Args:
        styles: (N, M) styles from :func:`transferred_styles`, M >= 2.
        reference_styles: (M,) integer styles of the references.

    Returns:
        Fraction in [0, 1].

    Example:
        >>> collapsed = torch.tensor([[3, 3, 3, 3]] * 2)  # one style whatever the code
        >>> refs = torch.tensor([3, 3, 0, 1])
        >>> style_transfer(collapsed, refs), style_transfer_chance(collapsed, refs)
        (0.5, 0.5)
    """
    styles = _check_labels(styles)
    reference_styles = torch.as_tensor(reference_styles).long()
    m = styles.shape[1]
    if m < 2 or reference_styles.numel() != m:
        raise ValueError(
            f"need M >= 2 columns and M reference styles, got {m} and {reference_styles.numel()}"
        )
    # hits[k, j]: share of the outputs of code k that show reference j's style
    hits = (styles.T[:, :, None] == reference_styles.view(1, 1, -1)).double().mean(dim=1)  # (M, M)
    return ((hits.sum() - hits.diagonal().sum()) / (m * (m - 1))).item()


def probe_accuracy(
    features: torch.Tensor | np.ndarray,
    labels: torch.Tensor | np.ndarray,
    seed: int = 0,
    test_fraction: float = 0.3,
) -> float:
    """Held-out accuracy of a logistic-regression probe predicting labels from features.

    Args:
        features: (N, D) float, e.g. codes from a style encoder.
        labels: (N,) integer labels.
        seed: seed of the train/test split.
        test_fraction: share of samples held out.

    Returns:
        Accuracy on the held-out part, in [0, 1].

    Raises:
        ValueError: if shapes disagree or there are too few samples.
    """
    from sklearn.linear_model import LogisticRegression

    x = torch.as_tensor(features).detach().cpu().double().reshape(len(features), -1).numpy()
    y = torch.as_tensor(labels).detach().cpu().long().numpy()
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"features have {x.shape[0]} rows but labels {y.shape[0]}")
    n_test = int(round(test_fraction * len(y)))
    if n_test < 1 or len(y) - n_test < 2:
        raise ValueError(f"need more samples for a probe, got {len(y)}")
    perm = np.random.default_rng(seed).permutation(len(y))
    test, train = perm[:n_test], perm[n_test:]
    if len(np.unique(y[train])) < 2:
        return float(np.mean(y[test] == y[train][0]))
    probe = LogisticRegression(max_iter=1000).fit(x[train], y[train])
    return float(probe.score(x[test], y[test]))


def style_recovery(codes: torch.Tensor, styles: torch.Tensor, seed: int = 0) -> float:
    """How well the true style can be read from codes: held-out linear-probe accuracy.

    Args:
        codes: (N, D) codes, e.g. a style encoder applied to images of known style.
        styles: (N,) integer true styles.
        seed: split seed.

    Returns:
        Accuracy in [0, 1]; chance is about 1/K for K balanced styles. Higher is better.

    Example:
        >>> styles = torch.arange(4).repeat(25)
        >>> style_recovery(torch.nn.functional.one_hot(styles).float(), styles)
        1.0
    """
    return probe_accuracy(codes, styles, seed=seed)


def nuisance_leakage(codes: torch.Tensor, nuisance: torch.Tensor, seed: int = 0) -> float:
    """How much of a nuisance attribute a code carries, from 0 (none) to 1 (all of it).

    ``(acc - chance) / (1 - chance)``, clipped at 0, where ``acc`` is the held-out linear-probe
    accuracy and ``chance`` the frequency of the most common nuisance value.

    Args:
        codes: (N, D) codes.
        nuisance: (N,) integer nuisance labels.
        seed: split seed.

    Returns:
        Leakage in [0, 1]; lower is better.

    Example:
        >>> nuisance = torch.arange(2).repeat(50)
        >>> nuisance_leakage(nuisance[:, None].float(), nuisance)
        1.0
    """
    y = torch.as_tensor(nuisance).long()
    chance = float(torch.bincount(y - y.min()).max()) / len(y)
    if chance >= 1.0:
        return 0.0
    acc = probe_accuracy(codes, y, seed=seed)
    return max(0.0, (acc - chance) / (1 - chance))


def label_accuracy(predicted: torch.Tensor, target: torch.Tensor) -> float:
    """Fraction of predicted labels equal to the targets (semantic preservation).

    Args:
        predicted: (N,) integer labels, e.g. a classifier's prediction on translations.
        target: (N,) integer labels, e.g. the inputs' ground truth.

    Returns:
        Accuracy in [0, 1].

    Example:
        >>> label_accuracy(torch.tensor([1, 2, 3]), torch.tensor([1, 2, 0]))
        0.6666666666666666
    """
    predicted, target = torch.as_tensor(predicted), torch.as_tensor(target)
    if predicted.shape != target.shape:
        raise ValueError(f"shapes differ: {tuple(predicted.shape)} vs {tuple(target.shape)}")
    return float((predicted == target).double().mean())
