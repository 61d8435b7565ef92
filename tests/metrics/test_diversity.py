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
)
from companion.metrics.lpips import build_lpips


class CodeTint(torch.nn.Module):
    """Adds a code-dependent tint; with scale 0 it ignores the code."""

    def __init__(self, scale):
        super().__init__()
        self.code_dim, self.scale = 3, scale

    def translate(self, a, z=None):
        return (a + self.scale * torch.tanh(z)[:, :, None, None]).clamp(-1, 1)


def test_protocol_pair_counts():
    bicycle, stargan = DIVERSITY_PROTOCOLS["bicyclegan"], DIVERSITY_PROTOCOLS["stargan_v2"]
    assert len(pair_indices(bicycle.n_samples, bicycle.pairs)) == 19
    assert len(pair_indices(stargan.n_samples, stargan.pairs)) == 45


def test_identical_samples_have_zero_diversity():
    x = torch.rand(2, 1, 3, 32, 32).expand(2, 5, 3, 32, 32) * 2 - 1
    lpips_random = build_lpips("lpips-random-alex")
    assert pairwise_diversity(x, lpips_random).abs().max() == 0
    assert pairwise_diversity(x, pixel_l1, "consecutive").abs().max() == 0


def test_pairwise_diversity_known_value():
    # Samples 0, 1, 2 (constant images): consecutive pairs |0-1|, |1-2| -> 1; all pairs add |0-2|.
    x = torch.tensor([-1.0, 0.0, 1.0])[None, :, None, None, None].expand(1, 3, 3, 4, 4)
    assert pairwise_diversity(x, pixel_l1, "consecutive").item() == pytest.approx(1.0)
    assert pairwise_diversity(x, pixel_l1, "all").item() == pytest.approx(4 / 3)


def test_meter_accumulates_exactly_over_batches():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(6, 10, 3, 4, 4, generator=g) * 2 - 1
    whole, parts = DiversityMeter(pixel_l1, "stargan_v2"), DiversityMeter(pixel_l1, "stargan_v2")
    whole.update(x)
    parts.update(x[:2])
    parts.update(x[2:])
    assert whole.compute() == pytest.approx(parts.compute(), rel=1e-12)
    parts.reset()
    with pytest.raises(RuntimeError, match="before any update"):
        parts.compute()


def test_diversity_records_protocol_and_backend():
    a = torch.zeros(2, 3, 32, 32)
    g = torch.Generator().manual_seed(0)
    collapsed = diversity(CodeTint(0.0), a, pixel_l1, "stargan_v2", generator=g)
    diverse = diversity(CodeTint(0.5), a, pixel_l1, "stargan_v2", generator=g)
    assert collapsed["value"] == 0.0 and diverse["value"] > 0.0
    assert diverse["protocol"]["name"] == "stargan_v2" and diverse["n_pairs"] == 2 * 45
    assert diverse["distance"] == "pixel_l1"


def test_lpips_diversity_of_code_ignoring_method_is_zero():
    a = torch.zeros(2, 3, 32, 32)
    distance = build_lpips("lpips-random-alex")
    g = torch.Generator().manual_seed(0)
    tiny = DiversityProtocol("tiny", 3, "all", None, "test")
    collapsed = diversity(CodeTint(0.0), a, distance, tiny, generator=g)
    diverse = diversity(CodeTint(0.5), a, distance, tiny, generator=g)
    assert collapsed["value"] == 0.0 and diverse["value"] > 0.0
    assert diverse["n_pairs"] == 2 * 3 and diverse["distance"]["backend"] == "lpips-random-alex"


def test_errors():
    with pytest.raises(ValueError, match="unknown diversity protocol 'msgan'"):
        DiversityMeter(pixel_l1, "msgan")
    with pytest.raises(ValueError, match=r"needs samples of shape \(N, 20, C, H, W\)"):
        DiversityMeter(pixel_l1, "bicyclegan").update(torch.zeros(2, 10, 3, 4, 4))
    with pytest.raises(ValueError, match="at least 2 samples"):
        pair_indices(1, "all")
    with pytest.raises(ValueError, match="unknown pairs 'random'"):
        pair_indices(4, "random")
    with pytest.raises(ValueError, match=r"shape \(N, K, C, H, W\)"):
        pairwise_diversity(torch.zeros(2, 3, 4, 4), pixel_l1)


def test_pixel_l1_is_the_mean_absolute_difference_per_pair():
    u = torch.zeros(2, 3, 2, 2)
    v = torch.zeros(2, 3, 2, 2)
    v[0, 0, 0, 0] = -1.2  # one of 12 pixels of pair 0 differs by 1.2
    v[1] = 2.0  # every pixel of pair 1 differs by 2
    assert pixel_l1(u, v).tolist() == pytest.approx([0.1, 2.0])
    assert pixel_l1(v, u).tolist() == pytest.approx([0.1, 2.0])
