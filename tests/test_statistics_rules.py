"""The statistics rules: failing and passing examples, exact counts on generated files, options."""

from __future__ import annotations

import random
import warnings

import pytest

import labelcheck
from labelcheck.readers.plain import PlainReader
from labelcheck.rules import RULES, STATISTICS_RULES
from conftest import json_report, run_cli

CONTRACT = labelcheck.resolve_contract(num_classes=5)


def document(boxes, images=((1, 640, 480), (2, 640, 480))):
    """``boxes``: (image_id, category_id, bbox) per annotation; categories 0..4."""
    return {
        "categories": [{"id": number, "name": f"class{number}"} for number in range(5)],
        "images": [{"id": i, "file_name": f"{i}.jpg", "width": w, "height": h} for i, w, h in images],
        "annotations": [
            {"id": k, "image_id": image, "category_id": category, "bbox": bbox, "area": 1, "iscrowd": 0}
            for k, (image, category, bbox) in enumerate(boxes, start=1)
        ],
    }


def findings(paths, rule, options=None, contract=CONTRACT):
    policy = labelcheck.Policy(select=frozenset({rule}), options={rule: options} if options else {})
    return labelcheck.scan([str(path) for path in paths], contract, policy=policy).findings


def test_the_statistics_rules_are_registered_with_their_severities():
    assert {rule: RULES[rule].SEVERITY.label for rule in sorted(STATISTICS_RULES)} == {
        "class-missing-in-split": "warning", "duplicate-box": "warning", "extreme-aspect-ratio": "info",
        "few-annotations": "info", "tiny-box": "warning",
    }


# few-annotations


def test_few_annotations_reports_thin_classes_not_empty_or_full_ones(write_json):
    counts = {0: 10, 1: 9, 2: 1, 3: 0, 4: 25}
    boxes = [(1, category, [1, 1, 20, 20]) for category, count in counts.items() for _ in range(count)]
    found = findings([write_json(document(boxes))], "few-annotations")
    assert [(f.category_id, f.path) for f in found] == [(1, "$.annotations"), (2, "$.annotations")]
    assert found[0].message.startswith("model class 1 has only 9 annotations in this file (fewer than 10)")
    assert "only 1 annotation in" in found[1].message


def test_few_annotations_threshold_is_an_option(write_json):
    path = write_json(document([(1, 0, [1, 1, 20, 20])] * 3))
    assert findings([path], "few-annotations", {"min-annotations": 3}) == []
    assert len(findings([path], "few-annotations", {"min-annotations": 4})) == 1


# class-missing-in-split


def test_class_missing_in_split_names_the_file_that_has_it(write_json):
    train = write_json(document([(1, 0, [1, 1, 20, 20])] * 3 + [(1, 1, [1, 1, 20, 20])] * 2), "train.json")
    val = write_json(document([(1, 0, [1, 1, 20, 20]), (1, 2, [1, 1, 20, 20])]), "val.json")
    found = findings([train, val], "class-missing-in-split")
    assert [(f.file, f.category_id, f.severity.label) for f in found] == [
        (str(train), 2, "warning"), (str(val), 1, "warning"),
    ]
    assert f"model class 1 has no annotation in this file but 2 in {train}" in found[1].message


def test_class_missing_in_split_passes_when_the_splits_share_their_classes(write_json):
    train = write_json(document([(1, 0, [1, 1, 20, 20]), (1, 3, [1, 1, 20, 20])]), "train.json")
    val = write_json(document([(2, 3, [1, 1, 20, 20]), (2, 0, [1, 1, 20, 20])]), "val.json")
    assert findings([train, val], "class-missing-in-split") == []
    assert findings([train], "class-missing-in-split") == []  # one file: nothing to compare


# tiny-box


def test_tiny_box_width_height_and_area(write_json):
    boxes = [(1, 0, [1, 1, 1.5, 30]), (1, 0, [1, 1, 30, 1.99]), (1, 0, [1, 1, 2, 2]), (1, 0, [1, 1, 0, 5]),
             (1, 0, [1, 1, 3, 3])]
    path = write_json(document(boxes))
    assert [f.annotation_id for f in findings([path], "tiny-box")] == [1, 2]  # 0 wide: invalid-bbox's
    assert [f.annotation_id for f in findings([path], "tiny-box", {"min-size": 1, "min-area": 5})] == [3]
    assert "is 1.5x30 px, under the 2 px minimum" in findings([path], "tiny-box")[0].message


# extreme-aspect-ratio


def test_extreme_aspect_ratio_either_way(write_json):
    boxes = [(1, 0, [1, 1, 300, 10]), (1, 0, [1, 1, 10, 201]), (1, 0, [1, 1, 200, 10]), (1, 0, [1, 1, 30, 20])]
    path = write_json(document(boxes))
    found = findings([path], "extreme-aspect-ratio")
    assert [f.annotation_id for f in found] == [1, 2]  # exactly 20 passes
    assert "30 times as wide as it is high" in found[0].message
    assert "20.1 times as high as it is wide" in found[1].message
    assert [f.annotation_id for f in findings([path], "extreme-aspect-ratio", {"max-ratio": 1.4})] == [1, 2, 3, 4]


# duplicate-box


def test_duplicate_box_exact_and_near_copies(write_json):
    boxes = [
        (1, 0, [10, 20, 30, 40]),
        (1, 0, [10, 20, 30, 40]),  # exact copy of 1
        (1, 0, [10, 20, 30, 40.5]),  # IoU 0.988 with 1
        (1, 1, [10, 20, 30, 40]),  # another category
        (2, 0, [10, 20, 30, 40]),  # another image
        (1, 0, [12, 20, 30, 40]),  # IoU 0.875: another object
    ]
    path = write_json(document(boxes))
    found = findings([path], "duplicate-box")
    assert [(f.annotation_id, f.path) for f in found] == [(2, "$.annotations[1].bbox"), (3, "$.annotations[2].bbox")]
    assert "repeats annotation 1 ($.annotations[0])" in found[1].message
    assert [f.annotation_id for f in findings([path], "duplicate-box", {"iou": 1})] == [2]
    assert [f.annotation_id for f in findings([path], "duplicate-box", {"iou": 0.8})] == [2, 3, 6]


@pytest.mark.parametrize("batch_size", [1, 2, 5])
def test_duplicate_box_across_batch_boundaries(write_json, monkeypatch, batch_size):
    boxes = [(1, 0, [10, 20, 30, 40]), (1, 1, [1, 1, 5, 5]), (1, 2, [1, 1, 5, 5]), (1, 0, [10, 20, 30, 40]),
             (2, 0, [10, 20, 30, 40]), (2, 0, [10, 20, 30, 40])]
    path = write_json(document(boxes))
    read = PlainReader.read

    def in_batches(self, source):
        self.batch_size = batch_size
        return read(self, source)

    monkeypatch.setattr(PlainReader, "read", in_batches)
    policy = labelcheck.Policy(select=frozenset({"duplicate-box"}))
    found = labelcheck.scan(str(path), CONTRACT, policy=policy, reader="plain").findings
    assert [f.annotation_id for f in found] == [4, 6]


def test_duplicate_box_counts_on_a_generated_file(write_json):
    """Every image gets its boxes, some written twice (and some copies nudged); exactly those are found."""
    rng = random.Random(14)
    boxes, expected = [], []
    for image in range(1, 301):
        for category in range(rng.randrange(1, 6)):
            box = [rng.uniform(0, 500), rng.uniform(0, 400), rng.uniform(20, 100), rng.uniform(20, 80)]
            boxes.append((image, category % 5, box))
            if rng.random() < 0.2:
                copy = [box[0] + rng.choice((0, 0.1)), box[1], box[2], box[3]]
                boxes.append((image, category % 5, copy))
                expected.append(len(boxes))  # annotation ids count from 1
    path = write_json(document(boxes, images=[(i, 640, 480) for i in range(1, 301)]))
    assert [f.annotation_id for f in findings([path], "duplicate-box")] == expected
    assert len(expected) > 50


# Through the command line, with the options in the configuration


def test_rule_options_from_the_configuration(write_json, tmp_path, monkeypatch):
    path = write_json(document([(1, 0, [1, 1, 3, 3]), (1, 0, [1, 1, 300, 10])]))
    config = tmp_path / "labelcheck.toml"
    config.write_text("[rule-options.tiny-box]\nmin-size = 4\n[rule-options.extreme-aspect-ratio]\nmax-ratio = 40\n")
    args = ["scan", path, "--num-classes", "5", "--format", "json", "--select", "tiny-box,extreme-aspect-ratio"]
    default = [f["rule"] for f in json_report(run_cli(*args))["findings"]]
    configured = [f["rule"] for f in json_report(run_cli(*args, "--config", config))["findings"]]
    assert (default, configured) == (["extreme-aspect-ratio"], ["tiny-box"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tiny-box": {"min-size": -1}}, "tiny-box: min-size: -1 is not a number >= 0"),
        ({"tiny-box": {"min_size": 1}}, "tiny-box: no option 'min_size'; its options are min-size, min-area"),
        ({"duplicate-box": {"iou": 1.5}}, "duplicate-box: iou: 1.5 is not a number >= 0 and <= 1"),
        ({"few-annotations": {"min-annotations": 2.5}}, "is not a whole number >= 1"),
        ({"invalid-bbox": {"x": 1}}, "invalid-bbox: no option 'x'; it has no options"),
        ({"tiny-box": {"min-size": True}}, "True is not a number"),
    ],
)
def test_bad_options_are_refused_by_the_library(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        labelcheck.Policy(options=options)


def test_extreme_aspect_ratio_of_extreme_numbers(write_json):
    """Widths and heights far apart (a ratio past float range) are reported without arithmetic warnings."""
    path = write_json(document([(1, 0, [1, 1, 1e-300, 1e300]), (1, 0, [1, 1, 5e-324, 1]), (1, 0, [1, 1, 1e300, 1e300]),
                                (1, 0, [1, 1, 1e300, 1e300])]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = labelcheck.scan(str(path), CONTRACT).findings
    assert [(f.rule, f.annotation_id) for f in found if f.annotation_id] == [
        ("bbox-outside-image", 1), ("bbox-outside-image", 3), ("bbox-outside-image", 4),
        ("tiny-box", 1), ("tiny-box", 2), ("extreme-aspect-ratio", 1), ("extreme-aspect-ratio", 2),
        ("duplicate-box", 4),
    ]
    (first,) = [f for f in found if f.rule == "extreme-aspect-ratio" and f.annotation_id == 1]
    assert "inf times as high" in first.message
