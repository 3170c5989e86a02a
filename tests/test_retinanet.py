"""The RetinaNet classification loss on the shipped samples, and labelcheck's verdict on each.

labelcheck.training.retinanet reproduces the MLPerf loader and RetinaNetClassificationHead.compute_loss;
these tests show where that loss crashes or trains the wrong column, and that `labelcheck scan`
fails on exactly those files.
"""

from __future__ import annotations

import json
import math

import pytest

from labelcheck.training import retinanet
from labelcheck.core.contract import mlperf_class_names
from conftest import FIXTURES, need_torch, outcome, run_cli, variant

torch = need_torch()

BAD = FIXTURES / "openimages-mlperf-bad.json"
ONE_BASED = FIXTURES / "openimages-mlperf-1based.json"
CLEAN = FIXTURES / "openimages-mlperf-clean.json"
NAMES = mlperf_class_names()
LAST = retinanet.NUM_CLASSES - 1


def flat(per_image):
    return [value for image in per_image for value in image]


# The loader


def test_loader_converts_boxes_and_keeps_raw_category_ids(write_json):
    path = write_json(
        {
            "images": [{"id": 2, "width": 100, "height": 50}, {"id": 1, "width": 100, "height": 50}],
            "categories": [{"id": 5, "name": "a"}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 5, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0},
                {"id": 2, "image_id": 1, "category_id": 300, "bbox": [90, 40, 30, 30], "area": 900, "iscrowd": 1},
                {"id": 3, "image_id": 1, "category_id": 7, "bbox": [-5, 0, 3, 10], "area": 30, "iscrowd": 0},
                {"id": 4, "image_id": 2, "category_id": -1, "bbox": [0, 0, 0, 5], "area": 0, "iscrowd": 0},
            ],
        }
    )
    first, second = retinanet.load_targets(path)
    assert first["image_id"].tolist() == [1] and second["image_id"].tolist() == [2]
    assert first["labels"].dtype == torch.int64
    assert first["labels"].tolist() == [5, 300]  # undeclared and out of range: kept as is
    assert first["boxes"].tolist() == [[10, 10, 30, 30], [90, 40, 100, 50]]  # xyxy, clamped
    assert first["area"].tolist() == [400, 900, 30] and first["iscrowd"].tolist() == [0, 1, 0]
    assert second["labels"].tolist() == [] and second["boxes"].shape == (0, 4)


def test_loader_needs_area_and_iscrowd_on_every_annotation(write_json):
    annotation = {"id": 1, "image_id": 1, "category_id": 0, "bbox": [0, 0, 5, 5], "iscrowd": 0}
    path = write_json({"images": [{"id": 1, "width": 9, "height": 9}], "categories": [], "annotations": [annotation]})
    with pytest.raises(KeyError, match="area"):
        retinanet.load_targets(path)


# The loss


def test_focal_loss_matches_its_formula():
    logits = torch.tensor([[-2.0, 0.5], [1.5, -0.25]])
    targets = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    expected = 0.0
    for x, t in zip(logits.flatten().tolist(), targets.flatten().tolist()):
        p = 1 / (1 + math.exp(-x))
        expected += 0.25 * -math.log(p) * (1 - p) ** 2 if t else 0.75 * -math.log(1 - p) * p**2
    assert float(retinanet.sigmoid_focal_loss(logits, targets)) == pytest.approx(expected, rel=1e-5)


def test_loss_sums_over_anchors_not_ignored_and_divides_by_foreground():
    labels = torch.tensor([0, 7, 263])
    p = retinanet.PRIOR_PROBABILITY
    positive = 0.25 * -math.log(p) * (1 - p) ** 2
    negative = 0.75 * -math.log(1 - p) * p**2
    cells = (len(labels) + retinanet.BACKGROUND_ANCHORS) * retinanet.NUM_CLASSES  # the ignored anchor is out
    expected = (len(labels) * positive + (cells - len(labels)) * negative) / len(labels)
    loss = retinanet.classification_loss([{"labels": labels}])
    assert float(loss) == pytest.approx(expected, rel=1e-4)


def test_each_label_is_a_column_index():
    targets = [{"labels": torch.tensor([3, 0, 263])}, {"labels": torch.tensor([], dtype=torch.int64)}]
    assert retinanet.label_columns(targets) == [[3, 0, 263], []]


# The shipped samples


def test_clean_sample_trains_every_label_in_its_column():
    targets = retinanet.load_targets(CLEAN)
    assert math.isfinite(float(retinanet.classification_loss(targets)))
    intended = retinanet.intended_columns(CLEAN, NAMES)
    assert None not in flat(intended)
    assert retinanet.label_columns(targets) == intended


def test_out_of_range_labels_raise_the_cpu_form_of_the_cuda_assert(tmp_path):
    labels = flat(target["labels"].tolist() for target in retinanet.load_targets(BAD))
    first_high = next(label for label in labels if label >= retinanet.NUM_CLASSES)
    with pytest.raises(IndexError, match=f"index {first_high} is out of bounds for dimension 1 with size 264"):
        retinanet.classification_loss(retinanet.load_targets(BAD))
    # They alone are the cause: without them the same file's loss is computed.
    without = variant(tmp_path, BAD, "without-high.json", lambda a: a["category_id"] >= retinanet.NUM_CLASSES)
    assert math.isfinite(float(retinanet.classification_loss(retinanet.load_targets(without))))


@pytest.mark.parametrize("label", [264, 300, 10**6])
def test_any_label_at_or_above_num_classes_raises(tmp_path, label):
    document = json.loads(CLEAN.read_text(encoding="utf-8"))
    document["annotations"][5]["category_id"] = label
    path = tmp_path / "one-high.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(IndexError, match=f"index {label} is out of bounds"):
        retinanet.classification_loss(retinanet.load_targets(path))


def test_negative_label_does_not_raise_and_trains_the_last_column(tmp_path):
    path = variant(tmp_path, BAD, "negative-only.json", lambda a: a["category_id"] >= retinanet.NUM_CLASSES)
    targets = retinanet.load_targets(path)
    assert math.isfinite(float(retinanet.classification_loss(targets)))
    labels = flat(target["labels"].tolist() for target in targets)
    columns = flat(retinanet.label_columns(targets))
    intended = flat(retinanet.intended_columns(path, NAMES))
    assert [column for label, column in zip(labels, columns) if label < 0] == [LAST] == [263]
    assert [wanted for label, wanted in zip(labels, intended) if label < 0] == [None]  # -1 is no class
    assert all(c == i for label, c, i in zip(labels, columns, intended) if label >= 0)


def test_one_based_export_crashes_only_on_its_last_class():
    with pytest.raises(IndexError, match="index 264 is out of bounds"):
        retinanet.classification_loss(retinanet.load_targets(ONE_BASED))
    labels = flat(target["labels"].tolist() for target in retinanet.load_targets(ONE_BASED))
    assert {label for label in labels if label >= retinanet.NUM_CLASSES} == {264}
    categories = {c["id"]: c["name"] for c in json.loads(ONE_BASED.read_text(encoding="utf-8"))["categories"]}
    assert categories[264] == NAMES[LAST] == "Zucchini"


def test_one_based_export_without_its_last_class_trains_every_class_one_column_off(tmp_path):
    path = variant(tmp_path, ONE_BASED, "no-zucchini.json", lambda a: a["category_id"] == 264)
    targets = retinanet.load_targets(path)
    assert math.isfinite(float(retinanet.classification_loss(targets)))
    intended = retinanet.intended_columns(path, NAMES)
    assert None not in flat(intended) and len(flat(intended)) > 300
    assert retinanet.label_columns(targets) == [[column + 1 for column in image] for image in intended]


# labelcheck's verdict against the loss's


@pytest.mark.parametrize(
    ("source", "drop", "expected"),
    [
        (CLEAN, None, "trains"),
        (BAD, None, "crashes"),
        (ONE_BASED, None, "crashes"),
        (BAD, lambda a: a["category_id"] >= 264, "mislabels"),
        (ONE_BASED, lambda a: a["category_id"] == 264, "mislabels"),
        (BAD, lambda a: a["category_id"] < 0, "crashes"),
        (BAD, lambda a: not 0 <= a["category_id"] < 264, "trains"),
        (ONE_BASED, lambda a: a["category_id"] != 264, "crashes"),
    ],
    ids=[
        "clean", "bad", "1based", "negative-only", "1based-no-zucchini", "high-only", "bad-dropped",
        "zucchini-only",
    ],
)
def test_scan_fails_on_exactly_the_files_the_loss_crashes_or_mislabels(tmp_path, source, drop, expected):
    path = source if drop is None else variant(tmp_path, source, "variant.json", drop)
    assert outcome(path) == expected
    assert run_cli("scan", path).exit_code == (0 if expected == "trains" else 1)
