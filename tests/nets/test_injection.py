import pytest
import torch

from companion.nets.injection import ConcatCode, code_placement, tile_code


def test_tile_code_is_constant_over_space():
    z = torch.randn(2, 8)
    tiled = tile_code(z, 4, 5)
    assert tiled.shape == (2, 8, 4, 5)
    assert torch.equal(tiled[:, :, 3, 4], z)
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        tile_code(torch.randn(2, 8, 1), 4, 4)


def test_concat_code_checks_batch():
    with pytest.raises(ValueError, match="batch of z"):
        ConcatCode()(torch.randn(2, 3, 4, 4), torch.randn(3, 8))


@pytest.mark.parametrize(
    "injection, encoder, decoder",
    [
        ("input", ["concat", "none", "none"], ["none", "none", "none"]),
        ("all", ["concat", "concat", "concat"], ["none", "none", "none"]),
        ("adain", ["none", "none", "none"], ["adain", "adain", "none"]),
    ],
)
def test_code_placement(injection, encoder, decoder):
    assert code_placement(injection, 8, 3, 3) == (encoder, decoder)
    assert code_placement(injection, 0, 3, 3) == (["none"] * 3, ["none"] * 3)


def test_code_placement_errors():
    with pytest.raises(ValueError, match="unknown injection"):
        code_placement("middle", 8, 3, 3)
    with pytest.raises(ValueError, match="z_dim must be >= 0"):
        code_placement("input", -1, 3, 3)
