"""companion.metrics.sampling: the code size a method must declare, and where codes are drawn."""

import pytest
import torch

from companion.metrics.sampling import method_code_dim, sample_codes


class Plain:
    """No code_dim."""


class Flagged:
    code_dim = True  # a bool is not a size


def test_a_method_without_an_integer_code_dim_is_named():
    for method in (Plain(), Flagged()):
        with pytest.raises(TypeError) as info:
            method_code_dim(method)
        assert str(info.value) == (
            f"{type(method).__name__} has no integer code_dim; pass codes explicitly or "
            "implement companion.methods.base.Method's contract"
        )


def test_codes_are_standard_normal_draws_of_the_generator_on_the_device():
    z = sample_codes(3, 2, torch.Generator().manual_seed(4))
    assert torch.equal(z, torch.randn(3, 2, generator=torch.Generator().manual_seed(4)))
    assert sample_codes(3, 2, device="meta").device == torch.device("meta")
