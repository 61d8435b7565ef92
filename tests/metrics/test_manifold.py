"""Known answers for the k-NN precision of generated samples."""

import pytest
import torch

from companion.metrics import knn_precision


def _blob(n: int, seed: int, shift: float = 0.0) -> torch.Tensor:
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed)) + shift


def test_real_points_are_all_inside_their_own_manifold():
    real = _blob(200, 0)
    assert knn_precision(real, real, k=3) == 1.0


def test_fresh_samples_of_the_same_distribution_score_high():
    assert knn_precision(_blob(500, 0), _blob(500, 1), k=3) > 0.9


def test_samples_far_from_the_data_score_zero():
    assert knn_precision(_blob(500, 0), _blob(500, 1, shift=10.0), k=3) == 0.0


def test_a_mixture_scores_its_share_of_real_looking_samples():
    fake = torch.cat([_blob(300, 0)[:100], _blob(300, 2, shift=10.0)])  # 100 real + 300 far
    assert knn_precision(_blob(300, 0), fake, k=3) == pytest.approx(0.25)


def test_larger_k_never_lowers_precision():
    real, fake = _blob(300, 0), _blob(300, 1, shift=1.0)
    values = [knn_precision(real, fake, k=k) for k in (1, 3, 10)]
    assert values == sorted(values) and values[0] < values[-1]


@pytest.mark.parametrize("k", [0, 5])
def test_k_must_leave_a_neighbour(k):
    with pytest.raises(ValueError, match="0 < k < 5"):
        knn_precision(torch.zeros(5, 2), torch.zeros(3, 2), k=k)


def test_feature_sizes_must_match():
    with pytest.raises(ValueError, match="expected features"):
        knn_precision(torch.zeros(5, 2), torch.zeros(3, 4))


def test_the_default_is_three_neighbours_and_the_ball_is_closed():
    from companion.metrics.manifold import knn_precision

    real = torch.arange(10.0)[:, None]
    # point 0's 3rd neighbour is at 3, its 4th at 4: -3.5 lies outside for k = 3 only
    assert knn_precision(real, torch.tensor([[-3.5]])) == 0.0
    assert knn_precision(real, torch.tensor([[-3.5]]), k=4) == 1.0
    assert knn_precision(real, torch.tensor([[-3.0]])) == 1.0  # on the sphere counts as inside
    assert knn_precision(real, torch.tensor([[-1.0]]), k=1) == 1.0


def test_features_must_be_two_dimensional_in_full():
    from companion.metrics.manifold import knn_precision

    with pytest.raises(ValueError) as info:
        knn_precision(torch.zeros(5, 1), torch.zeros(2, 1, 1))
    assert str(info.value) == "expected features (N, F) and (M, F), got (5, 1) and (2, 1, 1)"
