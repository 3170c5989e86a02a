"""labelcheck clean: drops exactly the offending annotations (or images) and nothing else."""

from __future__ import annotations

import contextlib
import copy
import gzip
import io
import json

import pytest
from conftest import FIXTURES, run_cli
from pycocotools.coco import COCO

import labelcheck
from labelcheck import Severity
from labelcheck.rules import STATISTICS_RULES

BAD = FIXTURES / "openimages-mlperf-bad.json"
CLEAN = FIXTURES / "openimages-mlperf-clean.json"
OFFENDING = {17, 118, 203, 256}  # annotation ids with out-of-range labels in the bad fixture


def load(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def without_annotations(document, ids):
    expected = copy.deepcopy(document)
    expected["annotations"] = [a for a in expected["annotations"] if a["id"] not in ids]
    return expected


def test_clean_drops_exactly_the_offending_annotations(tmp_path):
    out = tmp_path / "out.json"
    result = run_cli("clean", BAD, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert load(out) == without_annotations(load(BAD), OFFENDING)
    assert "kept 372 of 376 annotations (4 dropped), 40 of 40 images (0 dropped)" in result.stderr
    assert "category-out-of-range: 4 annotations" in result.stderr
    assert "dropped category_ids: 264 (2), 300 (1), -1 (1)" in result.stderr


def test_clean_output_keeps_bytes_and_key_order(tmp_path):
    """Kept elements are copied byte for byte: deleting the dropped lines gives the output."""
    out = tmp_path / "out.json"
    labelcheck.clean(str(BAD), str(out))
    dropped_lines = {f'"id": {i}, "image_id"' for i in OFFENDING}
    kept = [
        line for line in BAD.read_text().splitlines(keepends=True)
        if not any(line.startswith("{" + d) for d in dropped_lines)
    ]
    assert out.read_text() == "".join(kept)


def test_clean_output_loads_in_pycocotools_and_scans_clean(tmp_path):
    out = tmp_path / "out.json"
    labelcheck.clean(str(BAD), str(out))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(out))
    assert len(coco.anns) == 372
    report = labelcheck.scan(str(out))
    assert report.summary()["error"] == 0


def test_clean_of_a_clean_file_is_identical(tmp_path):
    out = tmp_path / "out.json"
    result = labelcheck.clean(str(CLEAN), str(out))
    assert result.dropped_annotations == 0
    assert out.read_bytes() == CLEAN.read_bytes()


def test_drop_images_removes_each_image_with_all_its_annotations(tmp_path):
    out, audit = tmp_path / "out.json", tmp_path / "audit.json"
    result = run_cli("clean", BAD, "-o", out, "--drop", "images", "--report", audit)
    assert result.exit_code == 0, result.stderr
    original = load(BAD)
    bad_images = {a["image_id"] for a in original["annotations"] if a["id"] in OFFENDING}
    expected = copy.deepcopy(original)
    expected["images"] = [i for i in original["images"] if i["id"] not in bad_images]
    expected["annotations"] = [a for a in original["annotations"] if a["image_id"] not in bad_images]
    assert load(out) == expected
    report = json.loads(audit.read_text())
    assert {i["image_id"] for i in report["dropped_images"]} == bad_images
    dropped = {a["annotation_id"]: a["reasons"] for a in report["dropped_annotations"]}
    assert set(dropped) == {a["id"] for a in original["annotations"] if a["image_id"] in bad_images}
    assert dropped[17] == ["category-out-of-range", "undefined-category"]
    assert all(reasons == ["image-dropped"] for i, reasons in dropped.items() if i not in OFFENDING)


def test_audit_report_lists_every_dropped_annotation(tmp_path):
    audit = tmp_path / "audit.json"
    run_cli("clean", BAD, "-o", tmp_path / "out.json", "--report", audit)
    report = json.loads(audit.read_text())
    assert {(a["annotation_id"], a["category_id"]) for a in report["dropped_annotations"]} == {
        (17, 264), (118, 264), (203, 300), (256, -1)
    }
    assert report["counts"] == {"annotations": {"kept": 372, "dropped": 4}, "images": {"kept": 40, "dropped": 0}}


def test_rule_option_chooses_what_is_dropped(write_json, tmp_path):
    document = load(CLEAN)
    document["annotations"][0].pop("area")
    path = write_json(document)
    out = tmp_path / "out.json"
    assert run_cli("clean", path, "-o", out, "--rule", "missing-field").exit_code == 0
    assert len(load(out)["annotations"]) == len(document["annotations"]) - 1


def test_rule_that_cannot_point_at_annotations_is_refused(tmp_path):
    result = run_cli("clean", BAD, "-o", tmp_path / "out.json", "--rule", "category-count-mismatch")
    assert result.exit_code == 2
    assert "does not point at annotations" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_gzip_in_and_out(tmp_path):
    source = tmp_path / "in.json.gz"
    source.write_bytes(gzip.compress(BAD.read_bytes()))
    out = tmp_path / "out.json.gz"
    assert run_cli("clean", source, "-o", out).exit_code == 0
    assert load(out) == without_annotations(load(BAD), OFFENDING)


def test_repeated_keys_and_exotic_numbers_survive(write_json, tmp_path):
    text = (
        '{"info": {"annotations": [1]}, "categories": [{"id": 0, "name": "Airplane"}],'
        ' "images": [{"id": 1, "width": 1e3, "height": 100.50}],'
        ' "annotations": [{"id": 1, "image_id": 1, "category_id": 0, "bbox": [1, 2, 3.0e0, 4],'
        ' "area": 12, "iscrowd": 0, "x": {"nested": [1, {"category_id": 999}]}},'
        ' {"id": 2, "image_id": 1, "category_id": 0, "bbox": [1, 2, 3, 4], "area": 12, "iscrowd": 0, "category_id": 999}],'
        ' "extra": NaN}'
    )
    out = tmp_path / "out.json"
    labelcheck.clean(str(write_json(text)), str(out))
    expected = text.replace(
        ',\n {"id": 2', ""
    ).replace(
        ', {"id": 2, "image_id": 1, "category_id": 0, "bbox": [1, 2, 3, 4], "area": 12, "iscrowd": 0, "category_id": 999}', ""
    )
    assert out.read_text() == expected


def test_library_raises_for_unknown_drop_mode(tmp_path):
    with pytest.raises(labelcheck.LabelcheckError, match="drop must be one of"):
        labelcheck.clean(str(BAD), str(tmp_path / "out.json"), drop="everything")


def test_a_rule_given_twice_is_one_reason(tmp_path):
    report = tmp_path / "audit.json"
    result = run_cli("clean", BAD, "-o", tmp_path / "out.json", "--rule", "category-out-of-range",
                     "--rule", "category-out-of-range", "--report", report)
    assert result.exit_code == 0, result.stderr
    audit = json.loads(report.read_text())
    assert audit["rules"] == ["category-out-of-range"]
    assert {tuple(a["reasons"]) for a in audit["dropped_annotations"]} == {("category-out-of-range",)}


def test_audit_of_dropped_images_with_nan_ids(tmp_path):
    document = json.loads(BAD.read_text())
    victim = next(a for a in document["annotations"] if a["id"] == 17)
    document["annotations"].append({**victim, "id": 9999, "category_id": float("nan")})
    path = tmp_path / "t.json"
    path.write_text(json.dumps(document))
    audit = tmp_path / "audit.json"
    result = run_cli("clean", path, "-o", tmp_path / "c.json", "--drop", "images", "--rule",
                     "category-out-of-range", "--report", audit)
    assert result.exit_code == 0, result.stderr
    categories = {a["annotation_id"]: a["category_id"] for a in json.loads(audit.read_text())["dropped_annotations"]}
    assert categories[9999] == "nan"


ONE_BASED = FIXTURES / "openimages-mlperf-1based.json"


def test_clean_exits_1_when_errors_it_does_not_fix_remain(tmp_path):
    out = tmp_path / "out.json"
    result = run_cli("clean", ONE_BASED, "-o", out)
    assert result.exit_code == 1
    assert out.exists()  # written all the same: the verdict is about what is in it
    assert "not fixed by clean" in result.stderr and "class-name-mismatch" in result.stderr
    assert f"labelcheck remap {out} -o {tmp_path / 'out.fixed.json'} --offset -1" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "labelcheck clean: failed: the output still has 1 error clean does not fix (--fail-on error)"
    )
    assert run_cli("clean", ONE_BASED, "-o", out, "--force", "--fail-on", "never").exit_code == 0


def test_clean_fail_on_warning_counts_remaining_warnings(tmp_path, write_json):
    document = {
        "categories": [{"id": 0, "name": "cat"}],
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 0, "bbox": [5, 5, 20, 2], "area": 40, "iscrowd": 0}],
    }
    path = write_json(document)
    assert run_cli("clean", path, "-o", tmp_path / "a.json", "--num-classes", "1").exit_code == 0
    result = run_cli("clean", path, "-o", tmp_path / "b.json", "--num-classes", "1", "--fail-on", "warning")
    assert result.exit_code == 1 and "bbox-outside-image" in result.stderr


def test_findings_on_annotations_clean_drops_do_not_remain(tmp_path, write_json):
    document = {
        "categories": [{"id": 0, "name": "cat"}],
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10},
                   {"id": 2, "file_name": "b.jpg", "width": 10, "height": 10}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 0, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0},
            {"id": 1, "image_id": 1, "category_id": 7, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0},
            {"id": 3, "image_id": 2, "category_id": 0, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0},
            {"id": 3, "image_id": 2, "category_id": 0, "bbox": [1, 1, -2, 2], "area": 4, "iscrowd": 0},
        ],
    }
    path = write_json(document)
    # The second id 1 is out of range (dropped); the second id 3 has an invalid box (dropped).
    result = labelcheck.clean(str(path), str(tmp_path / "a.json"), labelcheck.resolve_contract(num_classes=1))
    # (what a two-image sample says of its statistics remains, as it should: few-annotations)
    assert {rule for rule, _ in result.remaining} <= STATISTICS_RULES and not result.failed()
    # Both annotations of image 2 go with it, so its other duplicate id does not remain either.
    with_images = labelcheck.clean(str(path), str(tmp_path / "b.json"), labelcheck.resolve_contract(num_classes=1),
                                   drop="images", rules=["category-out-of-range"])
    assert {key for key in with_images.remaining if key[0] not in STATISTICS_RULES} == \
        {("invalid-bbox", Severity.ERROR), ("duplicate-id", Severity.ERROR)}


def test_drop_images_summary_adds_up(tmp_path):
    result = run_cli("clean", BAD, "-o", tmp_path / "out.json", "--drop", "images")
    assert result.exit_code == 0, result.stderr
    first = result.stderr.splitlines()[0]
    assert "kept 336 of 376 annotations (40 dropped: 4 with findings, 36 with their images)" in first
    assert "36 of 40 images (4 dropped: every image of an annotation with findings)" in first
    assert "  dropped for category-out-of-range: 4 annotations" in result.stderr
    assert "  dropped for undefined-category: 4 annotations (the same annotations: one can have several" in (
        result.stderr)
