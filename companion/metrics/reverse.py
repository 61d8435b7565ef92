"""Reverse classification accuracy (SDIT, thesis Ch. 6, Tables 6.3 and 6.4).

A classifier trained on *real* images and tested on translations "fails to evaluate diversity,
since it may still report a high accuracy even when the generator encounters mode-collapse". The
thesis turns it around: a classifier is **trained on translated images**, each labelled with its
target domain, and **evaluated on real images** whose domain is known. If the translations of a
domain cover only part of it, the classifier never sees the rest and may misclassify real images
from there; lower error then means more realistic and more diverse translations. The "Real image"
row is the same recipe trained on real training images: the upper bound.

What it sees depends on the data: a collapse is penalized only when the missing part of a domain
carries the cue the classifier needs. Where the domain is decided by a cue every mode shares (the
colour of ``shapes_domains``), a translator that collapses onto one style per domain can still
score as high as real data. The classifier is :class:`~companion.metrics.classifiers.
DomainClassifier`, trained by :func:`~companion.metrics.classifiers.train_classifier` (the
thesis does not state its architecture).
"""

from __future__ import annotations

import dataclasses

import torch

from companion.metrics.classifiers import train_classifier

__all__ = ["ReverseClassification", "reverse_classification_accuracy"]


@dataclasses.dataclass
class ReverseClassification:
    """Accuracy on real labelled images of a classifier trained on other (translated) images.

    Attributes:
        accuracy: share of the real test images classified correctly, in [0, 1].
        per_class: accuracy on the real test images of each class (NaN for a class without
            test images), the per-domain columns of Tables 6.3 and 6.4.
        n_train: training images (translations).
        n_test: real test images.
        seed: seed of the classifier's initialization and batches.
        steps: Adam steps.
        real: the same recipe trained on real training images (the "Real image" row), when
            they were given.
    """

    accuracy: float
    per_class: list[float]
    n_train: int
    n_test: int
    seed: int
    steps: int
    real: ReverseClassification | None = None

    @property
    def mean_per_class(self) -> float:
        """Mean of the per-class accuracies (the tables' "Mean" column, read as a column mean)."""
        values = torch.tensor(self.per_class, dtype=torch.float64)
        return float(values[~values.isnan()].mean())

    def describe(self) -> dict:
        """JSON-able record for results files."""
        return dataclasses.asdict(self)


def _train_and_test(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    test_x: torch.Tensor,
    test_y: torch.Tensor,
    n_classes: int,
    seed: int,
    steps: int,
    batch_size: int,
    lr: float,
    width: int,
) -> ReverseClassification:
    result = train_classifier(
        train_x,
        train_y,
        n_classes=n_classes,
        name="reverse-classification",
        seed=seed,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        test_fraction=0.0,
        width=width,
        use_cache=False,
    )
    correct = (result.model.predict(test_x) == test_y).double()  # (M,)
    per_class = [
        float(correct[test_y == c].mean()) if bool((test_y == c).any()) else float("nan")
        for c in range(n_classes)
    ]
    return ReverseClassification(
        float(correct.mean()), per_class, len(train_y), len(test_y), seed, steps
    )


def reverse_classification_accuracy(
    translated: torch.Tensor,
    target_labels: torch.Tensor,
    real_test: torch.Tensor,
    real_test_labels: torch.Tensor,
    n_classes: int | None = None,
    real_train: torch.Tensor | None = None,
    real_train_labels: torch.Tensor | None = None,
    seed: int = 0,
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 2e-3,
    width: int = 16,
) -> ReverseClassification:
    """Train a classifier on translations labelled by target domain; test it on real images.

    The classifier (:class:`~companion.metrics.classifiers.DomainClassifier`) is trained from
    scratch on all of ``translated`` (no held-out part) and its initialization and batches are
    functions of ``seed`` only, so the same call gives the same numbers. With ``real_train``
    the same recipe, same seed, is trained on real images too (``result.real``, the upper bound):
    passing the real training images as ``translated`` reproduces ``result.real`` exactly.

    Args:
        translated: (N, C, H, W) float in [-1, 1]: translations, e.g. K samples of every test
            input into every target domain.
        target_labels: (N,) int64: the target domain each translation was asked for.
        real_test: (M, C, H, W) float in [-1, 1]: real images with known domains.
        real_test_labels: (M,) int64 in [0, n_classes).
        n_classes: number of domains (default: 1 + the largest label seen).
        real_train: (N', C, H, W) real training images for the "Real image" row, or None.
        real_train_labels: (N',) int64 their domains.
        seed: seed of initialization and batches.
        steps: Adam steps of the classifier.
        batch_size: images per step.
        lr: Adam learning rate.
        width: first-block channels of the classifier.

    Returns:
        :class:`ReverseClassification`: overall and per-class accuracy on ``real_test``, and
        ``real`` when ``real_train`` was given.

    Raises:
        ValueError: on mismatched shapes or a missing ``real_train_labels``.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.rand(64, 3, 16, 16, generator=g) * 0.2 - 1
        >>> y = torch.arange(64) % 2
        >>> x[y == 1, 0] += 1.5  # class 1 is red
        >>> r = reverse_classification_accuracy(x[:32], y[:32], x[32:], y[32:], steps=30)
        >>> r.accuracy, r.per_class
        (1.0, [1.0, 1.0])
    """
    target_labels = torch.as_tensor(target_labels).long()
    real_test_labels = torch.as_tensor(real_test_labels).long()
    if translated.dim() != 4 or len(translated) != len(target_labels):
        raise ValueError(
            f"expected translated (N, C, H, W) and target_labels (N,), got "
            f"{tuple(translated.shape)} and {tuple(target_labels.shape)}"
        )
    if real_test.shape[1:] != translated.shape[1:] or len(real_test) != len(real_test_labels):
        raise ValueError(
            f"expected real_test (M, {', '.join(map(str, translated.shape[1:]))}) and "
            f"real_test_labels (M,), got {tuple(real_test.shape)} and "
            f"{tuple(real_test_labels.shape)}"
        )
    if (real_train is None) != (real_train_labels is None):
        raise ValueError("give both real_train and real_train_labels, or neither")
    labels = [target_labels, real_test_labels]
    if real_train_labels is not None:
        real_train_labels = torch.as_tensor(real_train_labels).long()
        labels.append(real_train_labels)
    if n_classes is None:
        n_classes = int(max(int(lab.max()) for lab in labels)) + 1
    args = (real_test, real_test_labels, n_classes, seed, steps, batch_size, lr, width)
    result = _train_and_test(translated, target_labels, *args)
    if real_train is not None:
        result.real = _train_and_test(real_train, real_train_labels, *args)
    return result
