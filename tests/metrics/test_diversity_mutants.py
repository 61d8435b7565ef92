"""Known answers for parts of ``diversity()`` the mutation run found unpinned.

The default protocol, inputs split over several translation batches, the generator that
makes a measurement reproducible, and the record's fields.
"""

import functools

import pytest
import torch

from companion.metrics.diversity import DiversityProtocol, diversity, pair_indices, pixel_l1


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
