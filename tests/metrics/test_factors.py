"""companion.metrics.factors with known answers: matched accuracy after the best renaming of
codes, and the slant, ink and width of hand-made strokes."""

import pytest
import torch

from companion.metrics.factors import matched_accuracy, stroke_properties


def test_matched_accuracy_renames_codes_to_the_best_classes():
    assert matched_accuracy(torch.tensor([2, 2, 0, 1]), torch.tensor([0, 0, 1, 2])) == 1.0
    # the best one-to-one renaming keeps 3 of 4: 0 -> 0 (two), 1 -> 1 (one)
    assert matched_accuracy(torch.tensor([0, 0, 0, 1]), torch.tensor([0, 0, 1, 1])) == 0.75
    # more codes than classes: code 2 -> class 1 (two), code 0 -> class 0 (one); code 1 unmatched
    assert matched_accuracy([0, 1, 2, 2], [0, 0, 1, 1]) == 0.75
    # repeated (code, class) pairs all count
    assert matched_accuracy(torch.tensor([1, 1, 1, 0]), torch.tensor([0, 0, 0, 0])) == 0.75
    assert matched_accuracy(torch.tensor([1.0, 0.0]), torch.tensor([0, 1])) == 1.0


def test_matched_accuracy_refuses_unequal_or_non_flat_inputs():
    with pytest.raises(ValueError) as info:
        matched_accuracy(torch.zeros(3), torch.zeros(4))
    assert str(info.value) == ("expected codes and labels of one shape (N,), got (3,) and (4,)")
    with pytest.raises(ValueError) as info:
        matched_accuracy(torch.zeros(2, 2), torch.zeros(2, 2))
    assert str(info.value) == ("expected codes and labels of one shape (N,), got (2, 2) and (2, 2)")


def _dots(*pixels, value=1.0, size=8):
    """One (1, 1, size, size) image, -1 but for ``value`` at the (row, col) pixels."""
    img = -torch.ones(1, 1, size, size)
    for r, c in pixels:
        img[0, 0, r, c] = value
    return img


def test_stroke_properties_of_two_dots():
    # dots at (row 2, col 1) and (row 4, col 5): mean (3, 3), var_x 4, var_y 1, cov(x, y) 2
    props = stroke_properties(_dots((2, 1), (4, 5)))
    assert props["slant"].tolist() == [-2.0]  # lower dot further right: leaning left
    assert props["ink"].tolist() == [2 / 64]
    assert props["width"].tolist() == [2.0]
    assert stroke_properties(_dots((4, 1), (2, 5)))["slant"].tolist() == [2.0]


def test_ink_weights_grey_half_and_clamps_outside_minus_one_one():
    assert stroke_properties(_dots((3, 3), value=0.0))["ink"].tolist() == [0.5 / 64]
    bright = stroke_properties(_dots((2, 1), (4, 5), value=3.0))
    assert bright["ink"].tolist() == [2 / 64] and bright["width"].tolist() == [2.0]
    dark = _dots((2, 1), (4, 5))
    dark[0, 0, 0, 0] = -5.0  # below -1: no ink, not negative ink
    assert stroke_properties(dark)["slant"].tolist() == [-2.0]


def test_a_blank_image_has_no_slant_or_width_and_floor_ink():
    props = stroke_properties(-torch.ones(2, 1, 4, 8))
    assert props["slant"].tolist() == [0.0, 0.0] and props["width"].tolist() == [0.0, 0.0]
    assert props["ink"].tolist() == [pytest.approx(1e-6 / 32)] * 2


def test_each_image_of_a_batch_is_measured_alone():
    batch = torch.cat([_dots((2, 1), (4, 5)), _dots((1, 1), (5, 5)), _dots((3, 3))])
    props = stroke_properties(batch)
    # second image: var_x = var_y = cov = 4 -> slant -1, width 2; third: one dot, width 0
    assert props["slant"].tolist() == [-2.0, -1.0, 0.0]
    assert props["width"].tolist() == [2.0, 2.0, 0.0]
    assert props["ink"].tolist() == [2 / 64, 2 / 64, 1 / 64]


def test_stroke_properties_stay_on_the_images_device():
    props = stroke_properties(torch.zeros(2, 1, 4, 4, device="meta"))
    assert all(v.device == torch.device("meta") for v in props.values())
