"""Segmentation and depth metrics on hand-made cases whose answers are worked out by hand."""

import math

import pytest
import torch

from companion.metrics import (
    SegmentationScores,
    confusion_matrix,
    depth_scores,
    segmentation_scores,
)


def test_miou_of_hand_made_masks():
    # 2x4 image, 3 classes. truth: row 0 = 0 0 1 1, row 1 = 2 2 2 2
    target = torch.tensor([[[0, 0, 1, 1], [2, 2, 2, 2]]])
    pred = torch.tensor([[[0, 1, 1, 1], [2, 2, 0, 2]]])
    s = segmentation_scores(confusion_matrix(pred, target, 3))
    # class 0: TP 1, FP 1 (row 1 col 2), FN 1 -> 1/3; class 1: TP 2, FP 1 -> 2/3;
    # class 2: TP 3, FN 1 -> 3/4
    assert s["iou"].tolist() == pytest.approx([1 / 3, 2 / 3, 3 / 4])
    assert s["miou"] == pytest.approx((1 / 3 + 2 / 3 + 3 / 4) / 3)
    assert s["global"] == pytest.approx(6 / 8)


def test_perfect_and_all_wrong_predictions():
    target = torch.tensor([[[0, 1], [1, 0]]])
    assert segmentation_scores(confusion_matrix(target, target, 2))["miou"] == 1.0
    s = segmentation_scores(confusion_matrix(1 - target, target, 2))
    assert s["miou"] == 0.0 and s["global"] == 0.0


def test_absent_class_is_left_out_and_ignore_index_skips_pixels():
    target = torch.tensor([[[0, 0, -1, 1]]])
    pred = torch.tensor([[[0, 0, 2, 1]]])
    s = segmentation_scores(confusion_matrix(pred, target, 3, ignore_index=-1))
    assert math.isnan(s["iou"][2].item())  # class 2 absent from truth and (kept) predictions
    assert s["miou"] == 1.0 and s["global"] == 1.0


def test_meter_sums_batches_before_dividing():
    target = torch.tensor([[[0, 0, 1, 1]], [[0, 0, 0, 0]]])
    pred = torch.tensor([[[0, 1, 1, 1]], [[0, 0, 0, 0]]])
    meter = SegmentationScores(2)
    meter.update(pred[:1], target[:1])
    meter.update(pred[1:], target[1:])
    whole = segmentation_scores(confusion_matrix(pred, target, 2))
    assert meter.compute()["miou"] == pytest.approx(whole["miou"])
    # class 0: TP 5, FN 1 -> 5/6; class 1: TP 2, FP 1 -> 2/3 (not the per-image mean)
    assert whole["miou"] == pytest.approx((5 / 6 + 2 / 3) / 2)
    meter.reset()
    assert meter.matrix.sum() == 0


def test_segmentation_errors():
    with pytest.raises(ValueError, match="shapes differ"):
        confusion_matrix(torch.zeros(1, 2, 2).long(), torch.zeros(1, 2, 3).long(), 2)
    with pytest.raises(ValueError, match=r"must lie in \[0, 2\)"):
        confusion_matrix(torch.full((1, 2, 2), 2), torch.zeros(1, 2, 2).long(), 2)


def test_depth_rmse_and_thresholds():
    target = torch.tensor([[[[1.0, 2.0], [4.0, 8.0]]]])
    # ratios 1.2, 1.5 (3/2), 2.0, 1.0 -> delta1 = 2/4, delta2 (1.5625) = 3/4, delta3 (1.95) = 3/4
    pred = torch.tensor([[[[1.2, 3.0], [8.0, 8.0]]]])
    s = depth_scores(pred, target)
    assert s["rmse"] == pytest.approx(math.sqrt((0.2**2 + 1.0 + 16.0 + 0.0) / 4))
    assert s["rmse_log"] == pytest.approx(
        math.sqrt((math.log(1.2) ** 2 + math.log(1.5) ** 2 + math.log(2) ** 2) / 4)
    )
    assert (s["delta1"], s["delta2"], s["delta3"]) == (0.5, 0.75, 0.75)


def test_depth_perfect_prediction_and_invalid_pixels():
    target = torch.tensor([[1.0, 0.0, 3.0]])  # the 0 is a hole in the sensor: left out
    s = depth_scores(torch.tensor([[1.0, 5.0, 3.0]]), target)
    assert s["rmse"] == 0.0 and s["delta1"] == 1.0
    # a non-positive prediction is floored, not crashed on; it misses every threshold
    s = depth_scores(torch.tensor([[-1.0, 1.0, 3.0]]), target)
    assert s["delta3"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="no valid pixel"):
        depth_scores(torch.ones(2), torch.zeros(2))
    with pytest.raises(ValueError, match="shapes differ"):
        depth_scores(torch.ones(2), torch.ones(3))


def test_a_prediction_out_of_range_is_refused_with_the_remedy():
    from companion.metrics.dense import confusion_matrix

    with pytest.raises(ValueError) as info:
        confusion_matrix(torch.tensor([[[0, 2]]]), torch.tensor([[[0, 1]]]), 2)
    assert str(info.value) == (
        "predictions must lie in [0, 2), got [0, 2]; pass the arg-max over the class channel"
    )


def test_scores_of_a_single_pixel_and_of_nothing():
    from companion.metrics.dense import segmentation_scores

    one = segmentation_scores(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))  # union of class 0 is 1
    assert one["iou"][0] == 1.0 and torch.isnan(one["iou"][1])
    assert (one["miou"], one["global"]) == (1.0, 1.0)
    none = segmentation_scores(torch.zeros(2, 2))
    assert math.isnan(none["miou"]) and math.isnan(none["global"])


def test_the_meter_sums_exact_counts_and_leaves_out_its_ignore_label():
    from companion.metrics.dense import SegmentationScores

    meter = SegmentationScores(2, ignore_index=255)
    assert meter.matrix.dtype == torch.float64
    meter.update(torch.tensor([[[0, 1, 1]]]), torch.tensor([[[0, 255, 1]]]))
    assert meter.matrix.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    meter.matrix[0, 0] = 2.0**24  # beyond float32's exact integers
    meter.update(torch.tensor([[[0]]]), torch.tensor([[[0]]]))
    assert meter.matrix[0, 0] == 2.0**24 + 1


def test_depth_keeps_only_valid_pixels_with_positive_depth():
    from companion.metrics.dense import depth_scores

    target = torch.tensor([0.5, 0.5, 0.0, 2.0])
    pred = torch.tensor([0.5, 1.0, 7.0, 9.0])
    valid = torch.tensor([True, True, True, False])
    # kept: pixels 0 and 1 (pixel 2 has depth 0, pixel 3 is masked out): errors 0 and 0.5
    scores = depth_scores(pred, target, valid=valid)
    assert scores["rmse"] == pytest.approx(math.sqrt(0.125))
    assert scores["rmse_log"] == pytest.approx(math.log(2) / math.sqrt(2))
    assert (scores["delta1"], scores["delta2"]) == (0.5, 0.5)
    with pytest.raises(ValueError) as info:
        depth_scores(pred, target, valid=torch.tensor([False, False, True, False]))
    assert str(info.value) == "no valid pixel: every target depth is <= 0 or masked out"


def test_a_ratio_of_exactly_the_threshold_is_not_within_it():
    from companion.metrics.dense import depth_scores

    scores = depth_scores(torch.tensor([1.25]), torch.tensor([1.0]))
    assert (scores["delta1"], scores["delta2"]) == (0.0, 1.0)
