"""Dataset statistics: exact figures on generated files, in the library and in the JSON report."""

from __future__ import annotations

import json

import numpy as np
import pytest

import labelcheck
from labelcheck.core.contract import MAX_NUM_CLASSES
from labelcheck.readers.plain import PlainReader
from labelcheck.scanning import statistics
from conftest import FIXTURES, json_report, run_cli

CONTRACT = labelcheck.resolve_contract(num_classes=4)


def document(boxes, categories=(0, 1, 2), images=((1, 100, 100), (2, 200, 50), (3, 10, 10))):
    """``boxes``: (image_id, category_id, bbox) per annotation."""
    return {
        "categories": [{"id": number, "name": f"class {number}"} for number in categories],
        "images": [{"id": i, "file_name": f"{i}.jpg", "width": w, "height": h} for i, w, h in images],
        "annotations": [
            {"id": k, "image_id": image, "category_id": category, "bbox": bbox, "area": 1, "iscrowd": 0}
            for k, (image, category, bbox) in enumerate(boxes, start=1)
        ],
    }


BOXES = [
    (1, 0, [0, 0, 10, 10]),  # touches the top-left edge
    (1, 0, [20, 20, 30, 15]),  # inside
    (1, 1, [90, 90, 20, 20]),  # outside (to 110)
    (2, 1, [10, 10, 4, 1]),  # inside, 4:1
    (2, 7, [10, 10, 1, 4]),  # category 7: outside the head, undeclared
    (2, 3, [5, 5, 0, 4]),  # unusable box (width 0); column 3 in the head, undeclared
    (99, 2, [1, 1, 2, 2]),  # no such image: size unknown
    (1, "x", [1, 1, 2, 2]),  # a category_id that is not an integer
]


@pytest.fixture
def stats(write_json):
    report = labelcheck.scan(str(write_json(document(BOXES))), CONTRACT)
    return report.files[0].statistics.to_dict()


def test_classes_per_column_outside_and_undeclared(stats):
    classes = stats["classes"]
    assert classes["num_classes"] == 4
    assert classes["annotations_per_column"] == [2, 2, 1, 1]  # sized by the columns used: up to 3
    assert classes["declared_columns"] == {"0": "class 0", "1": "class 1", "2": "class 2"}
    assert classes["outside_head"] == {"ids": [7], "counts": [1], "other": 0}
    assert classes["undeclared"] == {"ids": [3, 7], "counts": [1, 1], "other": 0}
    assert classes["unusable_category_ids"] == 1


def test_box_geometry_histograms(stats):
    boxes = stats["boxes"]
    assert boxes["unusable"] == 1
    assert boxes["position"] == {"inside": 3, "touching": 2, "outside": 1, "image_size_unknown": 1}
    width = boxes["width"]
    assert len(width["edges"]) == len(width["counts"]) and width["edges"][0] == 0
    assert sum(width["counts"]) == 7
    # Widths 10, 30, 20, 4, 1, 2, 2: the bin that starts at 2 (to 2.83) holds the two 2s.
    assert width["counts"][width["edges"].index(2)] == 2
    assert width["counts"][width["edges"].index(1)] == 1
    aspect = boxes["aspect_ratio"]
    assert aspect["counts"][aspect["edges"].index(4)] == 1  # 4 / 1
    assert aspect["counts"][aspect["edges"].index(1)] == 4  # 10/10, 20/20 and two 2/2
    assert aspect["counts"][aspect["edges"].index(2)] == 1  # 30/15
    area = boxes["area"]
    assert area["counts"][area["edges"].index(4)] == 4  # 4x1, 1x4, 2x2, 2x2


def test_boxes_per_image(stats):
    per_image = stats["images"]["boxes_per_image"]
    # Image 1: 4 annotations (one with a non-integer category), image 2: 3, image 3: none.
    counts = dict(zip(per_image["edges"], per_image["counts"]))
    assert (counts[0], counts[3], counts[4]) == (1, 1, 1)
    assert sum(per_image["counts"]) == 3
    assert stats["images"]["annotations_without_image"] == 1


@pytest.mark.parametrize("make", [statistics.side_histogram, statistics.area_histogram, statistics.aspect_histogram])
def test_octave_bins_are_the_bins_a_search_finds(make):
    """Read off the floats' bits, the bins are those of searching the edges, edges and extremes included."""
    histogram = make()
    edges = histogram.edges
    values = np.concatenate([
        np.random.default_rng(3).lognormal(2, 4, 20_000), edges, np.nextafter(edges, 0), np.nextafter(edges, np.inf),
        [5e-324, 1e-300, 1e300, np.finfo(float).max],
    ])
    counted = np.ones(len(values), dtype=bool)
    counted[::7] = False
    histogram.add_where(values, counted)
    searched = statistics.Histogram(tuple(edges))
    searched.add(values[counted])
    assert histogram.counts.tolist() == searched.counts.tolist()


@pytest.mark.parametrize("batch_size", [1, 3, 7])
def test_statistics_do_not_depend_on_batch_boundaries(write_json, monkeypatch, batch_size):
    path = str(write_json(document(BOXES * 5)))
    expected = labelcheck.scan(path, CONTRACT).files[0].statistics.to_dict()
    monkeypatch.setattr(PlainReader, "read", _in_batches_of(PlainReader.read, batch_size))
    assert labelcheck.scan(path, CONTRACT, reader="plain").files[0].statistics.to_dict() == expected


def _in_batches_of(read, batch_size):
    def read_in_batches(self, source):
        self.batch_size = batch_size
        return read(self, source)

    return read_in_batches


def test_column_counts_are_sized_by_the_columns_used(write_json):
    """A head of a million columns (the most a contract allows) does not allocate a million counters."""
    path = write_json(document([(1, 5, [1, 1, 2, 2])], categories=(5,)))
    contract = labelcheck.resolve_contract(num_classes=MAX_NUM_CLASSES)
    policy = labelcheck.Policy(ignore=frozenset({"unused-category"}))  # that rule lists every unused column
    classes = labelcheck.scan(str(path), contract, policy=policy).files[0].statistics.to_dict()["classes"]
    assert classes["annotations_per_column"] == [0, 0, 0, 0, 0, 1]


def test_ids_outside_the_head_are_tallied_up_to_a_bound(write_json, monkeypatch):
    monkeypatch.setattr(statistics, "MAX_TRACKED_IDS", 3)
    path = write_json(document([(1, 10 + k % 5, [1, 1, 2, 2]) for k in range(10)]))
    outside = labelcheck.scan(str(path), CONTRACT).files[0].statistics.to_dict()["classes"]["outside_head"]
    assert outside == {"ids": [10, 11, 12], "counts": [2, 2, 2], "other": 4}


def test_json_report_has_the_statistics_of_every_file(tmp_path):
    files = [FIXTURES / "openimages-mlperf-bad.json", FIXTURES / "openimages-mlperf-1based.json"]
    report = json_report(run_cli("scan", *files, "--format", "json"))
    assert report["schema_version"] == 2
    assert [entry["file"] for entry in report["statistics"]["files"]] == [str(path) for path in files]
    bad = report["statistics"]["files"][0]
    assert sum(bad["classes"]["annotations_per_column"]) + sum(bad["classes"]["outside_head"]["counts"]) == 376
    assert bad["classes"]["outside_head"] == {"ids": [-1, 264, 300], "counts": [1, 2, 1], "other": 0}
    assert sum(bad["boxes"]["width"]["counts"]) == 376
    assert sum(bad["images"]["boxes_per_image"]["counts"]) == 40
    expected = labelcheck.scan([str(path) for path in files])
    assert bad == {"file": str(files[0]), **expected.files[0].statistics.to_dict()}


def test_no_statistics_leaves_them_out():
    result = run_cli("scan", FIXTURES / "openimages-mlperf-clean.json", "--format", "json", "--no-statistics")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["statistics"] is None
    report = labelcheck.scan(str(FIXTURES / "openimages-mlperf-clean.json"), statistics=False)
    assert report.files[0].statistics is None
