"""The two diversity protocols side by side: per input (Ch. 5) and over a set (SDIT, Ch. 6)."""

import pytest
import torch

from companion.metrics.diversity import (
    DIVERSITY_PROTOCOLS,
    DiversityMeter,
    diversity,
    pairwise_diversity,
    pixel_l1,
    set_diversity,
)
from companion.metrics.lpips import build_lpips


class Deterministic(torch.nn.Module):
    """Ignores its code: one output per input (StarGAN-like)."""

    code_dim = 3

    def translate(self, a, z=None):
        return a.flip(-1)


def test_deterministic_translator_zero_per_input_positive_over_the_set():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(8, 3, 32, 32, generator=g) * 2 - 1
    lpips_random = build_lpips("lpips-random-alex")
    per_input = diversity(Deterministic(), a, lpips_random, "stargan_v2", generator=g)
    samples = Deterministic().translate(a)[:, None].expand(8, 10, 3, 32, 32)
    over_set = set_diversity(samples.flatten(0, 1), lpips_random, n_pairs=200, generator=g)
    assert per_input["value"] == 0.0
    assert over_set > 0.05
    # Pairs of copies of one input (distance 0) dilute the set value by about (K - 1) / (NK - 1).
    distinct = set_diversity(Deterministic().translate(a), lpips_random, 200, generator=g)
    assert over_set < distinct


def test_identical_images_give_zero_and_known_values():
    assert set_diversity(torch.zeros(6, 3, 8, 8), pixel_l1) == 0.0
    # Half the images at -1, half at 1: a random distinct pair differs with probability 4/7.
    x = torch.tensor([-1.0, 1.0]).repeat_interleave(4)[:, None, None, None].expand(8, 3, 4, 4)
    g = torch.Generator().manual_seed(0)
    assert set_diversity(x, pixel_l1, n_pairs=20_000, generator=g) == pytest.approx(
        2 * 4 / 7, abs=0.03
    )


def test_pairs_are_distinct_images():
    # Two images: every pair is (0, 1) or (1, 0), never an image with itself.
    x = torch.stack([torch.zeros(3, 4, 4), torch.ones(3, 4, 4)])
    assert set_diversity(x, pixel_l1, n_pairs=50, generator=torch.Generator().manual_seed(1)) == 1.0


def test_set_protocol_is_named_and_refused_by_the_per_input_meter():
    proto = DIVERSITY_PROTOCOLS["sdit_set"]
    assert proto.pairs == "set" and "SDIT" in proto.source
    with pytest.raises(ValueError, match="set_diversity"):
        DiversityMeter(pixel_l1, "sdit_set")
    with pytest.raises(ValueError, match="at least 2"):
        set_diversity(torch.zeros(1, 3, 4, 4), pixel_l1)


def test_per_input_protocol_sees_code_diversity_the_set_protocol_mixes_in_input_spread():
    # Same inputs everywhere (one constant image), codes add a tint: both protocols see it.
    a = torch.zeros(4, 3, 8, 8)
    tint = torch.linspace(-0.5, 0.5, 10)[None, :, None, None, None].expand(4, 10, 3, 8, 8)
    samples = a[:, None] + tint  # (4, 10, 3, 8, 8)
    per_input = pairwise_diversity(samples, pixel_l1, "all").mean().item()
    over_set = set_diversity(
        samples.flatten(0, 1), pixel_l1, 5000, torch.Generator().manual_seed(0)
    )
    assert per_input > 0.3
    # Cross-input pairs with the same code are at 0, so the set value is slightly lower.
    assert over_set == pytest.approx(per_input * 36 / 39, rel=0.05)
