"""Reverse classification accuracy (SDIT Ch. 6) on images whose classes and modes are known.

Each image is a square of colour c (red or blue) at a random place, flat or striped (texture t).
Two labellings: by colour alone (texture is a style inside a class), or by c XOR t (each class
has two modes that share no colour, so a classifier that sees one mode per class learns colour
and gets the other mode wrong).
"""

import math
import types

import pytest
import torch

from companion.metrics.reverse import reverse_classification_accuracy

STEPS = 60  # enough for the recipe to learn colour and texture on these images


def squares(n, colour, texture, seed):
    """(n, 3, 16, 16) images in [-1, 1]: a 7x7 square of `colour` (0 red, 1 blue) on black."""
    g = torch.Generator().manual_seed(seed)
    colour, texture = torch.as_tensor(colour).expand(n), torch.as_tensor(texture).expand(n)
    x = torch.full((n, 3, 16, 16), -1.0)
    rgb = torch.tensor([[1.0, -1.0, -1.0], [-1.0, -1.0, 1.0]])[colour]  # (n, 3)
    stripes = (torch.arange(7) % 2 == 0).float()[None, :, None].expand(7, 7, 7)  # rows on/off
    for i in range(n):
        r, c = torch.randint(0, 10, (2,), generator=g).tolist()
        on = stripes[0] if texture[i] else torch.ones(7, 7)
        x[i, :, r : r + 7, c : c + 7] = torch.where(on.bool(), rgb[i][:, None, None], -1.0)
    return (x + 0.05 * torch.randn(x.shape, generator=g)).clamp(-1, 1)


def four_modes(n_per_mode, seed):
    """All four (colour, texture) modes: images, colours, textures."""
    xs, cs, ts = [], [], []
    for k, (c, t) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        xs.append(squares(n_per_mode, c, t, seed + k))
        cs.append(torch.full((n_per_mode,), c))
        ts.append(torch.full((n_per_mode,), t))
    return torch.cat(xs), torch.cat(cs), torch.cat(ts)


@pytest.fixture(scope="module")
def data():
    train = four_modes(32, seed=0)
    test = four_modes(32, seed=100)
    return train, test


def rca(translated, labels, test_x, test_y, **kw):
    return reverse_classification_accuracy(translated, labels, test_x, test_y, steps=STEPS, **kw)


def test_translations_equal_to_real_give_the_real_row_exactly(data):
    (x, c, _), (tx, tc, _) = data
    result = rca(x, c, tx, tc, real_train=x, real_train_labels=c)
    assert result.real is not None
    assert result.accuracy == result.real.accuracy
    assert result.per_class == result.real.per_class
    assert result.accuracy >= 0.95  # the recipe learns the colour
    assert (result.n_train, result.n_test) == (128, 128)


def test_same_seed_same_numbers_other_seed_runs(data):
    (x, c, _), (tx, tc, _) = data
    first, again = rca(x, c, tx, tc, seed=3), rca(x, c, tx, tc, seed=3)
    assert first.describe() == again.describe()


def test_permuted_domains_give_near_zero(data):
    (x, c, _), (tx, tc, _) = data
    result = rca(x, 1 - c, tx, tc)
    assert result.accuracy <= 0.05
    assert max(result.per_class) <= 0.05


def test_collapse_onto_one_image_per_class_is_invisible_when_style_carries_no_class_cue(data):
    # Labelled by colour: a translator giving one flat image per class loses the textures,
    # but the classifier it trains still reads colour, so it scores like real data.
    (x, c, t), (tx, tc, _) = data
    one = torch.stack([x[(c == k) & (t == 0)][0] for k in (0, 1)])  # (2, 3, 16, 16)
    collapsed = one.repeat_interleave(64, 0)  # (128, ...): class 0 then class 1
    labels = torch.arange(2).repeat_interleave(64)
    result = rca(collapsed, labels, tx, tc, real_train=x, real_train_labels=c)
    assert result.real.accuracy >= 0.95
    assert result.accuracy >= 0.85  # seeds 0-2: 0.98, 1.00, 0.91


def test_collapse_onto_one_image_per_class_halves_accuracy_when_modes_carry_the_cue(data):
    # Labelled by colour XOR texture: class 0 = {red flat, blue striped}, class 1 = {red striped,
    # blue flat}. One flat image per class (red for 0, blue for 1) teaches "red is 0": right on
    # the covered modes, wrong on the two missed ones, so accuracy 0.5 (0.5 in each class),
    # while translations covering all four modes score near 1.
    (x, c, t), (tx, tc, tt) = data
    y, ty = c ^ t, tc ^ tt
    full = rca(x, y, tx, ty)
    one = torch.stack([x[(c == 0) & (t == 0)][0], x[(c == 1) & (t == 0)][0]])
    collapsed = rca(one.repeat_interleave(64, 0), torch.arange(2).repeat_interleave(64), tx, ty)
    assert full.accuracy >= 0.9
    assert 0.35 <= collapsed.accuracy <= 0.65  # seeds 0-2: 0.52, 0.50, 0.59
    assert all(0.25 <= a <= 0.75 for a in collapsed.per_class)


def test_missing_class_in_test_set_is_nan_and_mean_skips_it(data):
    (x, c, _), (tx, tc, _) = data
    result = rca(x, c, tx[tc == 0], tc[tc == 0], n_classes=3)
    assert result.per_class[0] >= 0.95
    assert result.per_class[1] != result.per_class[1] and result.per_class[2] != result.per_class[2]
    assert result.mean_per_class == result.per_class[0]


def test_rejects_mismatched_inputs(data):
    (x, c, _), (tx, tc, _) = data
    with pytest.raises(ValueError, match="target_labels"):
        rca(x, c[:-1], tx, tc)
    with pytest.raises(ValueError, match="real_test"):
        rca(x, c, tx[:, :, :8], tc)
    with pytest.raises(ValueError, match="both"):
        rca(x, c, tx, tc, real_train=x)


class _Recorded:
    """Stands in for train_classifier: records its call, predicts fixed labels."""

    def __init__(self, predictions):
        self.calls, self.predictions = [], predictions

    def __call__(self, x, y, **kwargs):
        self.calls.append((x, y, kwargs))
        model = types.SimpleNamespace(predict=lambda images: self.predictions[: len(images)])
        return types.SimpleNamespace(model=model)


def test_the_classifier_is_trained_on_the_translations_with_every_setting(monkeypatch):
    from companion.metrics import reverse

    spy = _Recorded(torch.tensor([0, 0, 1]))
    monkeypatch.setattr(reverse, "train_classifier", spy)
    translated, labels = torch.zeros(4, 3, 8, 8), torch.tensor([0, 1, 0, 1])
    real, real_labels = torch.ones(3, 3, 8, 8), torch.tensor([0, 1, 1])
    r = reverse_classification_accuracy(translated, labels, real, real_labels, n_classes=3)
    [(x, y, kwargs)] = spy.calls
    assert x is translated and torch.equal(y, labels)
    assert kwargs == {  # the defaults; no held-out part and no cache: a fresh classifier
        "n_classes": 3,
        "name": "reverse-classification",
        "seed": 0,
        "steps": 300,
        "batch_size": 64,
        "lr": 2e-3,
        "test_fraction": 0.0,
        "width": 16,
        "use_cache": False,
    }
    # predictions 0, 0, 1 for labels 0, 1, 1: class 0 right, class 1 half, class 2 absent
    assert (r.accuracy, r.n_train, r.n_test, r.seed, r.steps) == (2 / 3, 4, 3, 0, 300)
    assert r.per_class[:2] == [1.0, 0.5] and math.isnan(r.per_class[2])
    r = reverse_classification_accuracy(
        translated, labels, real, real_labels, seed=7, steps=11, batch_size=5, lr=0.1, width=4
    )
    settings = {k: spy.calls[-1][2][k] for k in ("seed", "steps", "batch_size", "lr", "width")}
    assert settings == {"seed": 7, "steps": 11, "batch_size": 5, "lr": 0.1, "width": 4}
    assert (r.seed, r.steps, spy.calls[-1][2]["n_classes"]) == (7, 11, 2)


def test_reverse_classification_messages_in_full():
    x, y = torch.zeros(4, 3, 8, 8), torch.tensor([0, 1, 0, 1])
    with pytest.raises(
        ValueError,
        match=r"^expected real_test \(M, 3, 8, 8\) and real_test_labels \(M,\), got "
        r"\(2, 3, 4, 4\) and \(2,\)$",
    ):
        reverse_classification_accuracy(x, y, torch.zeros(2, 3, 4, 4), torch.tensor([0, 1]))
    with pytest.raises(
        ValueError, match=r"^give both real_train and real_train_labels, or neither$"
    ):
        reverse_classification_accuracy(x, y, x, y, real_train=x)
