import pytest
import torch

from companion.metrics.oracle import (
    label_accuracy,
    mode_coverage,
    nuisance_leakage,
    probe_accuracy,
    style_consistency,
    style_consistency_chance,
    style_recovery,
    style_transfer,
    style_transfer_chance,
    styles_of_samples,
    styles_per_input,
    transferred_styles,
)
from companion.metrics.sampling import sample_translations

K = 8


class ConstantStyle(torch.nn.Module):
    """Always paints style 3: a generator that ignores its code."""

    code_dim = 4

    def translate(self, a, z=None):
        return torch.full_like(a, style_value(3))


class CyclingStyle(torch.nn.Module):
    """Paints styles 0, 1, ..., K-1, 0, ... in call order, whatever the code."""

    code_dim = 4

    def __init__(self):
        super().__init__()
        self.count = 0

    def translate(self, a, z=None):
        styles = (torch.arange(a.shape[0]) + self.count) % K
        self.count += a.shape[0]
        return style_value(styles)[:, None, None, None].expand_as(a).clone()


class CodeStyle(torch.nn.Module):
    """Style decided by the code alone (the sign pattern of its first 3 entries)."""

    code_dim = 4

    def translate(self, a, z=None):
        styles = ((z[:, :3] > 0).long() * torch.tensor([1, 2, 4])).sum(1)
        return style_value(styles)[:, None, None, None].expand_as(a).clone()


def style_value(style):
    return -0.9 + 0.2 * torch.as_tensor(style, dtype=torch.float32)


def style_fn(x):
    return ((x.mean((1, 2, 3)) + 0.9) / 0.2).round().long()


def _inputs(n=5):
    return torch.zeros(n, 3, 4, 4)


def test_mode_coverage_of_constant_generator_is_one_of_k():
    samples = sample_translations(ConstantStyle(), _inputs(), n_samples=20)
    styles = styles_of_samples(samples, style_fn)
    assert styles.shape == (5, 20) and (styles == 3).all()
    assert mode_coverage(styles, n_styles=K) == 1.0


def test_mode_coverage_of_cycling_generator_is_k_of_k():
    samples = sample_translations(CyclingStyle(), _inputs(), n_samples=2 * K, batch_size=7)
    assert mode_coverage(styles_of_samples(samples, style_fn), n_styles=K) == float(K)


def test_mode_coverage_of_random_styles_matches_expectation():
    g = torch.Generator().manual_seed(0)
    styles = torch.randint(0, K, (4000, 10), generator=g)
    expected = K * (1 - (1 - 1 / K) ** 10)  # 5.79
    assert mode_coverage(styles, K) == pytest.approx(expected, abs=0.05)


def test_styles_per_input_counts_distinct():
    assert styles_per_input(torch.tensor([[1, 1, 2], [5, 4, 3], [0, 0, 0]])).tolist() == [2, 3, 1]


def test_style_consistency_with_synchronized_codes():
    g = torch.Generator().manual_seed(0)
    codes = torch.randn(16, 4, generator=g)
    samples = sample_translations(CodeStyle(), _inputs(6), codes=codes)
    styles = styles_of_samples(samples, style_fn)
    assert style_consistency(styles) == 1.0 and mode_coverage(styles, K) > 4
    # Independent codes per input: consistency drops (measured 0.26 on this seed).
    samples = sample_translations(CodeStyle(), _inputs(6), n_samples=16, generator=g)
    assert style_consistency(styles_of_samples(samples, style_fn)) < 0.6


def test_sampling_is_reproducible_with_generator_and_restores_mode():
    method = CodeStyle().train()
    x1 = sample_translations(method, _inputs(), 4, torch.Generator().manual_seed(1))
    x2 = sample_translations(method, _inputs(), 4, torch.Generator().manual_seed(1))
    assert torch.equal(x1, x2) and method.training


def test_style_recovery_and_leakage():
    g = torch.Generator().manual_seed(0)
    styles = torch.randint(0, K, (400,), generator=g)
    nuisance = torch.randint(0, 2, (400,), generator=g)
    codes = torch.nn.functional.one_hot(styles, K).float() + 0.1 * torch.randn(400, K, generator=g)
    assert style_recovery(codes, styles) > 0.95
    assert style_recovery(torch.randn(400, K, generator=g), styles) < 0.3  # chance 1/8
    assert nuisance_leakage(codes, nuisance) < 0.2  # measured ~0
    leaky = torch.cat([codes, nuisance[:, None].float()], dim=1)
    assert nuisance_leakage(leaky, nuisance) > 0.95


def test_label_accuracy():
    assert label_accuracy(torch.tensor([0, 1, 1, 1]), torch.tensor([0, 1, 0, 1])) == 0.75


def test_errors():
    with pytest.raises(ValueError, match=r"shape \(n_inputs, n_samples\)"):
        mode_coverage(torch.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="integer styles"):
        mode_coverage(torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"lie in \[0, 8\), got min 0 max 9"):
        mode_coverage(torch.tensor([[0, 9]]), n_styles=8)
    with pytest.raises(ValueError, match="n_samples >= 1 or codes"):
        sample_translations(CodeStyle(), _inputs())
    with pytest.raises(TypeError, match="no integer code_dim"):
        sample_translations(torch.nn.Identity(), _inputs(), n_samples=2)
    with pytest.raises(ValueError, match="features have 3 rows but labels 2"):
        probe_accuracy(torch.zeros(3, 2), torch.zeros(2))
    with pytest.raises(ValueError, match="shapes differ"):
        label_accuracy(torch.zeros(3), torch.zeros(2))


def test_label_range_check_is_exact_at_both_ends():
    """Labels 0 and n_styles - 1 are valid; -1 and n_styles are not (an off-by-one fails)."""
    assert mode_coverage(torch.tensor([[0, 7]]), n_styles=8) == 2.0
    with pytest.raises(ValueError, match=r"lie in \[0, 8\), got min 0 max 8"):
        mode_coverage(torch.tensor([[0, 8]]), n_styles=8)
    with pytest.raises(ValueError, match=r"lie in \[0, 8\), got min -1 max 7"):
        mode_coverage(torch.tensor([[-1, 7]]), n_styles=8)
    assert mode_coverage(torch.tensor([[-1, 9]])) == 2.0  # no n_styles: no range to check


def test_style_consistency_chance_matches_the_analytic_null():
    # Three inputs, each showing styles 0, 1, 2 under three codes: after shuffling, a column's
    # three labels are all equal with probability 1/9, all distinct with 2/9, else two agree:
    # E[modal count] / 3 = (3/9 + 2/9 + 2 * 6/9) / 3 = 17/27.
    styles = torch.tensor([[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    assert style_consistency(styles) == pytest.approx(1 / 3)
    assert style_consistency_chance(styles, 4000) == pytest.approx(17 / 27, abs=0.01)
    # The same styles in the same code order for every input: above chance by 1 - 17/27.
    aligned = torch.tensor([[0, 1, 2]] * 3)
    assert style_consistency(aligned) - style_consistency_chance(aligned, 4000) == pytest.approx(
        10 / 27, abs=0.01
    )


def test_style_consistency_chance_is_exact_when_codes_do_nothing():
    collapsed = torch.zeros(5, 7, dtype=torch.long)
    by_input = torch.arange(5)[:, None].expand(5, 7)  # the style depends on the input only
    for styles in (collapsed, by_input):
        assert style_consistency_chance(styles, 10) == style_consistency(styles)
    with pytest.raises(ValueError, match="n_permutations must be >= 1"):
        style_consistency_chance(collapsed, 0)


def _paint(a, z):
    """A translator whose output colour is its code's first entry, on every pixel."""
    return a * 0 + z[:, :1, None, None]


def _colour(x, a):
    return x.mean(dim=(1, 2, 3)).round().long()


def _faithful(b):
    """An encoder whose code is the reference's colour."""
    return b.mean(dim=(2, 3))


def _collapsed(b):
    """An encoder that maps every target to style 3's code."""
    return torch.full((len(b), 1), 3.0)


def _ignores_code(a, z):
    """A translator that always paints style 2."""
    return a * 0 + 2.0


def _transfer(translate, encode, a, refs, styles):
    out = transferred_styles(translate, encode, a, refs, _colour)
    return style_transfer(out, styles), style_transfer_chance(out, styles)


def test_style_transfer_and_its_chance_known_answers():
    a = torch.zeros(5, 1, 2, 2)
    styles = torch.tensor([0, 1, 2, 2, 3, 3, 3, 3])
    refs = styles.float().view(-1, 1, 1, 1).expand(-1, 1, 2, 2)
    assert transferred_styles(_paint, _faithful, a, refs, _colour).shape == (5, 8)
    # Output k has style s_k: transfer 1; against another reference j, s_j == s_k for the
    # ordered pairs within a style: (0 + 0 + 2 + 12) of 56.
    assert _transfer(_paint, _faithful, a, refs, styles) == pytest.approx((1.0, 14 / 56))
    # A collapsed encoder (style 3 for everyone) or a code-blind translator (style 2) scores its
    # chance level exactly: 4 and 2 references of 8 have its style.
    assert _transfer(_paint, _collapsed, a, refs, styles) == pytest.approx((0.5, 0.5))
    assert _transfer(_ignores_code, _faithful, a, refs, styles) == pytest.approx((0.25, 0.25))


def test_style_transfer_errors():
    with pytest.raises(ValueError, match="3 columns of styles but 2 references"):
        style_transfer(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2))
    with pytest.raises(ValueError, match="need M >= 2"):
        style_transfer_chance(torch.zeros(2, 1, dtype=torch.long), torch.zeros(1))


# Edges the tests above left open (found by `make mutation` on companion/metrics/oracle.py).


def test_labels_may_be_any_integers():
    """Style and nuisance labels are names: -1 or 5 count the same as 0 or 1."""
    styles = torch.tensor([[-1, 4], [-1, 5], [2, 4]])
    assert style_consistency(styles) == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert style_consistency(styles) == style_consistency(styles + 10)
    nuisance = torch.tensor([-1, 0] * 50)
    assert nuisance_leakage(nuisance[:, None].float(), nuisance) == 1.0


def _noisy_codes(n=60, seed=0):
    """Codes that predict the style about 70% of the time: the split changes the accuracy."""
    g = torch.Generator().manual_seed(seed)
    styles = torch.arange(3).repeat(n // 3)
    codes = torch.nn.functional.one_hot(styles, 3).float() + 0.8 * torch.randn(n, 3, generator=g)
    return codes, styles


def test_probes_are_reproducible_and_take_their_seed():
    codes, styles = _noisy_codes()
    by_seed = {s: probe_accuracy(codes, styles, seed=s) for s in range(4)}
    assert len(set(by_seed.values())) > 1  # the split matters here
    assert probe_accuracy(codes, styles) == by_seed[0]  # default seed 0, same split every time
    assert probe_accuracy(codes, styles, seed=2) == by_seed[2]
    for s in (0, 2, 3):
        assert style_recovery(codes, styles, seed=s) == by_seed[s]
    assert style_recovery(codes, styles) == by_seed[0]
    nuisance = styles % 2
    leak = {s: nuisance_leakage(codes, nuisance, seed=s) for s in range(4)}
    assert len(set(leak.values())) > 1
    assert nuisance_leakage(codes, nuisance) == leak[0]
    chance = (nuisance == 0).double().mean().item()
    expected = max(0.0, (probe_accuracy(codes, nuisance, seed=3) - chance) / (1 - chance))
    assert leak[3] == pytest.approx(expected)


def test_probe_needs_one_test_and_two_training_samples():
    codes, styles = torch.eye(3), torch.tensor([0, 1, 0])
    assert 0.0 <= probe_accuracy(codes, styles) <= 1.0  # 1 held out, 2 to train on
    for n in (1, 2):  # nothing held out, or a single training sample
        with pytest.raises(ValueError, match=f"need more samples for a probe, got {n}"):
            probe_accuracy(codes[:n], styles[:n])
    with pytest.raises(ValueError, match="need more samples for a probe, got 3"):
        probe_accuracy(codes, styles, test_fraction=0.1)  # rounds to 0 held out


def test_probe_with_one_training_class_predicts_that_class():
    codes = torch.randn(20, 2, generator=torch.Generator().manual_seed(0))
    assert probe_accuracy(codes, torch.full((20,), 4)) == 1.0
    # a nuisance with one value carries nothing, and is not divided by 1 - chance = 0
    assert nuisance_leakage(codes, torch.full((20,), 1)) == 0.0


def test_chance_levels_defaults_and_smallest_inputs():
    styles = torch.tensor([[0, 1, 2, 0], [1, 1, 0, 2], [2, 0, 1, 1]])
    chance = style_consistency_chance(styles)
    assert chance == style_consistency_chance(styles, 200, 0)  # 200 shuffles of seed 0
    assert chance == style_consistency_chance(styles)  # reproducible
    assert chance != style_consistency_chance(styles, 200, 1)
    assert chance != style_consistency_chance(styles, 201, 0)
    one = style_consistency_chance(styles, n_permutations=1)
    assert 1 / 3 <= one <= 1.0
    # two references are enough: code 0's outputs (0, 0) never show reference 1's style,
    # code 1's outputs (1, 0) show reference 0's style half the time
    assert style_transfer_chance(torch.tensor([[0, 1], [0, 0]]), torch.tensor([0, 1])) == 0.25
    with pytest.raises(ValueError, match="need M >= 2 columns"):
        style_transfer_chance(torch.tensor([[0], [1]]), torch.tensor([0]))
