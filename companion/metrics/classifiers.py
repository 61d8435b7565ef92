"""Small classifiers trained on ground-truth-labelled synthetic images, cached on disk.

They serve two metrics that would otherwise need ImageNet networks:

- **semantic accuracy**: does a translation keep the input's class (digit, shape kind)? Predict
  the class of ``b_hat`` and compare with the input's label
  (:func:`~companion.metrics.oracle.label_accuracy`);
- **domain FID**: FID on the classifier's penultimate features
  (:meth:`DomainClassifier.as_features`), available offline; its numbers compare only with
  other domain FIDs of the same classifier.

A classifier is only as good as its own test accuracy, which every result reports beside the metric.
Trained classifiers are cached under ``$COMPANION_CACHE_DIR/classifiers`` (default
``data/cache/classifiers``), one file per key ``<name>-<data_version>-seed<seed>``; the file records
its training settings and is retrained if they differ from the request.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from companion.metrics.fid import ModuleFeatures

__all__ = [
    "ClassifierResult",
    "DomainClassifier",
    "classifier_cache_dir",
    "train_classifier",
    "train_factor_classifier",
]

log = logging.getLogger(__name__)


def classifier_cache_dir() -> Path:
    """Folder of cached classifiers: ``$COMPANION_CACHE_DIR/classifiers``, else
    ``data/cache/classifiers`` under the working directory."""
    return Path(os.environ.get("COMPANION_CACHE_DIR", "data/cache")) / "classifiers"


class DomainClassifier(nn.Module):
    """A small CNN: three stride-2 conv blocks, global average pool, a linear head.

    Args:
        n_classes: number of labels.
        in_channels: image channels.
        width: channels of the first block (doubled per block).
        feature_dim: size of :meth:`features`.

    Example:
        >>> clf = DomainClassifier(n_classes=4)
        >>> clf(torch.zeros(2, 3, 32, 32)).shape, clf.features(torch.zeros(2, 3, 32, 32)).shape
        (torch.Size([2, 4]), torch.Size([2, 64]))
    """

    def __init__(
        self, n_classes: int, in_channels: int = 3, width: int = 16, feature_dim: int = 64
    ) -> None:
        super().__init__()
        self.n_classes, self.in_channels, self.width = n_classes, in_channels, width
        self.feature_dim = feature_dim
        blocks, c_in = [], in_channels
        for c_out in (width, 2 * width, 4 * width):
            blocks += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.GroupNorm(4, c_out)]
            blocks += [nn.LeakyReLU(0.2)]
            c_in = c_out
        self.trunk = nn.Sequential(*blocks)
        self.proj = nn.Linear(c_in, feature_dim)
        self.head = nn.Linear(feature_dim, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features.

        Args:
            x: (N, C, H, W) float in [-1, 1].

        Returns:
            (N, feature_dim) float.
        """
        h = self.trunk(x).mean(dim=(2, 3))  # (N, 4 * width)
        return F.leaky_relu(self.proj(h), 0.2)  # (N, feature_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, (N, n_classes)."""
        return self.head(self.features(x))

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
        """Most likely class of each image, (N,) long (eval mode, no gradients)."""
        was_training = self.training
        self.eval()
        out = torch.cat(
            [self(x[i : i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)]
        )
        self.train(was_training)
        return out

    def as_features(self, name: str) -> ModuleFeatures:
        """This classifier's features as an FID extractor (a "domain FID").

        Args:
            name: recorded in results; say what it was trained on (e.g. the cache key).
        """
        self.eval()
        return ModuleFeatures(self.features, self.feature_dim, f"classifier:{name}", module=self)


@dataclasses.dataclass
class ClassifierResult:
    """A trained (or cached) classifier and how good it is.

    Attributes:
        model: the classifier, in eval mode.
        key: cache key ``<name>-<data_version>-seed<seed>``.
        test_accuracy: accuracy on the held-out split, in [0, 1].
        n_train: training images.
        n_test: held-out images.
        path: cache file, or None when not cached.
        from_cache: whether it was loaded instead of trained.
    """

    model: DomainClassifier
    key: str
    test_accuracy: float
    n_train: int
    n_test: int
    path: str | None
    from_cache: bool

    def describe(self) -> dict:
        """JSON-able record for results files."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "model"}


def _fit(
    model: DomainClassifier,
    x: torch.Tensor,
    y: torch.Tensor,
    steps: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
) -> None:
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        idx = torch.randint(0, len(x), (min(batch_size, len(x)),), generator=generator)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()


@torch.no_grad()
def _accuracy(model: DomainClassifier, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((model.predict(x) == y).double().mean()) if len(y) else float("nan")


def train_classifier(
    images: torch.Tensor,
    labels: torch.Tensor,
    n_classes: int | None = None,
    name: str = "classifier",
    data_version: str = "v0",
    seed: int = 0,
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 2e-3,
    test_fraction: float = 0.2,
    width: int = 16,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
) -> ClassifierResult:
    """Train a :class:`DomainClassifier` on labelled images (or load it from the cache).

    The split, initialization and batches are all functions of ``seed`` (the global RNG is
    forked, not reseeded), so the same call gives the same classifier.

    Args:
        images: (N, C, H, W) float in [-1, 1].
        labels: (N,) integer labels in [0, n_classes).
        n_classes: number of classes (default: max label + 1).
        name: what it classifies (e.g. ``"shapes-kind"``); part of the cache key.
        data_version: version of the data the images came from; part of the cache key.
        seed: seed of split, initialization and batches; part of the cache key.
        steps: Adam steps.
        batch_size: images per step.
        lr: Adam learning rate.
        test_fraction: share held out to measure test accuracy.
        width: first-block channels.
        cache_dir: where to cache (default :func:`classifier_cache_dir`).
        use_cache: read and write the cache.

    Returns:
        :class:`ClassifierResult` with the model and its test accuracy.

    Raises:
        ValueError: on mismatched shapes or labels out of range.
    """
    y = torch.as_tensor(labels).long()
    if images.dim() != 4 or len(images) != len(y):
        raise ValueError(
            f"expected images (N, C, H, W) and labels (N,), got {tuple(images.shape)} and "
            f"{tuple(y.shape)}"
        )
    n_classes = int(y.max()) + 1 if n_classes is None else n_classes
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must lie in [0, {n_classes}), got {int(y.min())}..{int(y.max())}")
    key = f"{name}-{data_version}-seed{seed}"
    settings = {
        "n_classes": n_classes,
        "in_channels": images.shape[1],
        "width": width,
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "test_fraction": test_fraction,
        "n_images": len(y),
    }
    path = Path(cache_dir or classifier_cache_dir()) / f"{key}.pt"
    if use_cache and path.is_file():
        saved = torch.load(path, map_location="cpu", weights_only=True)
        if saved["settings"] == settings:
            model = DomainClassifier(n_classes, images.shape[1], width)
            model.load_state_dict(saved["state_dict"])
            model.eval()
            return ClassifierResult(
                model,
                key,
                saved["test_accuracy"],
                saved["n_train"],
                saved["n_test"],
                str(path),
                True,
            )
        log.info("cached classifier %s has other settings; retraining", path)

    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(y), generator=g)
    n_test = int(round(test_fraction * len(y)))
    test, train = perm[:n_test], perm[n_test:]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DomainClassifier(n_classes, images.shape[1], width)
    _fit(model, images[train], y[train], steps, batch_size, lr, g)
    test_accuracy = _accuracy(model, images[test], y[test])
    result = ClassifierResult(
        model, key, test_accuracy, len(train), n_test, str(path) if use_cache else None, False
    )
    if use_cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        payload = {
            "state_dict": model.state_dict(),
            "settings": settings,
            "test_accuracy": test_accuracy,
            "n_train": len(train),
            "n_test": n_test,
        }
        torch.save(payload, tmp)
        os.replace(tmp, path)
    return result


def train_factor_classifier(
    data: Any,
    factor: str,
    n: int = 2000,
    image_key: str = "b",
    seed: int = 0,
    steps: int = 200,
    use_cache: bool = False,
) -> ClassifierResult:
    """A classifier of one ground-truth factor of a synthetic dataset's images, for domain FID.

    Trains :func:`train_classifier` on the first ``n`` samples' ``image_key`` images labelled by
    ``factors[factor]`` (e.g. the ``style`` of ``shapes`` targets: 200 steps reach test accuracy
    1.0 on 2,000 images). The chapters use its features for their domain FID.

    Args:
        data: map-style dataset of dicts with ``image_key`` and ``"factors"``.
        factor: the factor to classify, e.g. ``"style"``.
        n: number of samples used (split into train and held-out parts).
        image_key: which image of a sample to classify (``"b"``: translation targets).
        seed: seed of the split, initialization and batches.
        steps: Adam steps.
        use_cache: read and write the classifier cache.

    Returns:
        :class:`ClassifierResult`.

    Raises:
        KeyError: if the samples have no such image or factor.
    """
    n = min(n, len(data))
    sample = data[0]
    if image_key not in sample or factor not in sample.get("factors", {}):
        raise KeyError(
            f"samples need {image_key!r} and factors[{factor!r}]; got keys {sorted(sample)} "
            f"and factors {sorted(sample.get('factors', {}))}"
        )
    images = torch.stack([data[i][image_key] for i in range(n)])
    labels = torch.stack([torch.as_tensor(data[i]["factors"][factor]) for i in range(n)])
    name = f"{type(data).__name__}-{factor}"
    return train_classifier(images, labels, name=name, seed=seed, steps=steps, use_cache=use_cache)
