"""Known answers for parts of ``diversity()`` the mutation run found unpinned.

The default protocol, inputs split over several translation batches, the generator that
makes a measurement reproducible, and the record's fields.
"""

import functools

import pytest
import torch

from companion.metrics.diversity import (
    DIVERSITY_PROTOCOLS,
    DiversityMeter,
    DiversityProtocol,
    diversity,
    pair_indices,
    pairwise_diversity,
    pixel_l1,
    set_diversity,
)


class InputScaledTint:
    """Output = a constant image whose value is input_value * tanh(z): diversity known per input."""

    code_dim = 1

    def translate(self, a, z):
        return a * torch.tanh(z)[:, :, None, None]


def test_default_protocol_is_bicyclegan():
    a = torch.zeros(1, 1, 2, 2)
    record = diversity(InputScaledTint(), a, pixel_l1, generator=torch.Generator().manual_seed(0))
    assert record["protocol"]["name"] == "bicyclegan"
    assert record["n_pairs"] == 19  # 20 samples, consecutive pairs


def test_every_input_counts_when_inputs_span_several_batches():
    # Input i is the constant image i / 4. Batches of 2 need three translation calls.
    a = torch.arange(5, dtype=torch.float32)[:, None, None, None].expand(5, 1, 2, 2) / 4
    tiny = DiversityProtocol("tiny", 4, "all", None, "test")
    whole = diversity(InputScaledTint(), a, pixel_l1, tiny, torch.Generator().manual_seed(3), 8)
    split = diversity(InputScaledTint(), a, pixel_l1, tiny, torch.Generator().manual_seed(3), 2)
    assert whole["n_inputs"] == split["n_inputs"] == 5
    assert split["n_pairs"] == 5 * 6
    assert whole["value"] > 0 and split["value"] > 0


def test_the_generator_makes_the_measurement_reproducible():
    a = torch.ones(3, 1, 2, 2)
    tiny = DiversityProtocol("tiny", 5, "all", None, "test")

    def measure(seed):
        return diversity(InputScaledTint(), a, pixel_l1, tiny, torch.Generator().manual_seed(seed))

    assert measure(7)["value"] == measure(7)["value"]
    assert measure(7)["value"] != measure(8)["value"]


def test_record_names_a_distance_without_a_name_by_its_repr():
    a = torch.ones(1, 1, 2, 2)
    tiny = DiversityProtocol("tiny", 2, "all", None, "test")
    unnamed = functools.partial(pixel_l1)
    record = diversity(InputScaledTint(), a, unnamed, tiny, torch.Generator().manual_seed(0))
    assert record["distance"] == repr(unnamed)
    assert set(record) == {"value", "protocol", "n_inputs", "n_pairs", "distance"}


def test_two_samples_make_one_pair():
    assert pair_indices(2, "all").tolist() == [[0, 1]]
    assert pair_indices(2, "consecutive").tolist() == [[0, 1]]
    with pytest.raises(ValueError, match="at least 2 samples"):
        pair_indices(1, "consecutive")


class CountingTint(InputScaledTint):
    """Records how many inputs each translation call was given."""

    def __init__(self):
        self.sizes = []

    def translate(self, a, z):
        self.sizes.append(a.shape[0])
        return super().translate(a, z)


def test_inputs_are_translated_sixteen_at_a_time_by_default():
    two = DiversityProtocol("two", 2, "all", None, "test")
    method = CountingTint()
    diversity(method, torch.ones(20, 1, 2, 2), pixel_l1, two, torch.Generator().manual_seed(0))
    assert method.sizes == [16 * 2, 4 * 2]  # two samples of each input per call


# -- set_diversity: which pairs, in which batches --------------------------------------------


def _pairs_seen(images, **kwargs):
    """The (i, j) pairs set_diversity measured and its batch sizes; image i holds the value i."""
    seen, sizes = [], []

    def distance(x, y):
        sizes.append(len(x))
        seen.extend(zip(x[:, 0, 0, 0].long().tolist(), y[:, 0, 0, 0].long().tolist()))
        return (x - y).abs().flatten(1).mean(1)

    value = set_diversity(images, distance, **kwargs)
    return seen, sizes, value


def test_set_diversity_draws_its_pairs_from_the_generator_in_batches_of_128():
    n = 7
    images = torch.arange(n, dtype=torch.float32)[:, None, None, None].expand(n, 1, 2, 2)
    seen, sizes, value = _pairs_seen(images, generator=torch.Generator().manual_seed(5))
    assert sizes == [128] * 7 + [104]  # 1000 pairs by default
    g = torch.Generator().manual_seed(5)
    first = torch.randint(0, n, (1000,), generator=g)  # i uniform over the set
    second = (first + torch.randint(1, n, (1000,), generator=g)) % n  # j uniform over the rest
    assert seen == list(zip(first.tolist(), second.tolist()))
    assert value == pytest.approx((first - second).abs().double().mean().item())
    assert {i for i, _ in seen} == set(range(n))  # image 0 is drawn first too


# -- DiversityMeter --------------------------------------------------------------------------


def _constant(values):
    """(N, K, 1, 1, 1) samples: input n's k-th sample is the constant image values[n][k]."""
    return torch.tensor(values, dtype=torch.float64)[:, :, None, None, None]


def test_the_meter_defaults_to_bicyclegan_and_averages_over_inputs():
    meter = DiversityMeter(pixel_l1)
    assert meter.protocol == DIVERSITY_PROTOCOLS["bicyclegan"]
    consecutive = DiversityProtocol("three", 3, "consecutive", None, "test")
    meter = DiversityMeter(pixel_l1, consecutive)
    # consecutive pairs (0, 1), (1, 2): per input |1 - 0| and |4 - 1| -> 2; and 3 and 3 -> 3
    meter.update(_constant([[0.0, 1.0, 4.0], [0.0, 3.0, 6.0]]))
    assert meter.compute() == pytest.approx((2.0 + 3.0) / 2)  # all pairs would give 8/3 and 4


def test_the_meter_sums_in_float64():
    """A float32 total would round 1e8 + 1 to 1e8 and lose the second input."""
    meter = DiversityMeter(pixel_l1, DiversityProtocol("two", 2, "all", None, "test"))
    meter.update(_constant([[0.0, 1e8]]).float())
    meter.update(_constant([[0.0, 1.0]]).float())
    assert meter.total.dtype == torch.float64
    assert meter.compute() == (1e8 + 1) / 2


def test_the_meters_and_protocols_messages():
    with pytest.raises(
        ValueError,
        match=r"^unknown diversity protocol 'bogus'; choose one of \['bicyclegan', 'stargan_v2', "
        r"'sdit_set'\] or pass a DiversityProtocol$",
    ):
        DiversityMeter(pixel_l1, "bogus")
    with pytest.raises(
        ValueError,
        match=r"^protocol 'sdit_set' pairs images across inputs; measure it with "
        r"set_diversity\(images, distance\) on one target domain's outputs$",
    ):
        DiversityMeter(pixel_l1, "sdit_set")
    with pytest.raises(RuntimeError, match=r"^DiversityMeter\.compute called before any update$"):
        DiversityMeter(pixel_l1).compute()


def test_pairwise_diversity_measures_128_pairs_per_distance_call_by_default():
    sizes = []

    def distance(x, y):
        sizes.append(len(x))
        return pixel_l1(x, y)

    samples = torch.rand(1, 18, 1, 2, 2, generator=torch.Generator().manual_seed(0))
    pairwise_diversity(samples, distance)  # all pairs of 18 samples: 153
    assert sizes == [128, 25]
