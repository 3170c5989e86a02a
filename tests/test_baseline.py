"""Baselines: record today's findings, then fail only on new ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ci_support import CONTRACT, TINY, ci_env, run, write_coco  # noqa: F401 (ci_env: autouse fixture)

import labelcheck
from labelcheck.scanning.baseline import Baseline, finding_key
from labelcheck.core.errors import BaselineError
from labelcheck.core.findings import Finding, Severity

TINY_BASELINE = """\
{
  "version": 1,
  "tool": {"name": "labelcheck", "version": "0.1.0"},
  "findings": [
    {"file": "tests/cases/ci/tiny.json", "rule": "bbox-outside-image", "annotation_id": 4, "image_id": 2, \
"category_id": 1, "count": 1},
    {"file": "tests/cases/ci/tiny.json", "rule": "category-out-of-range", "annotation_id": 2, "image_id": 1, \
"category_id": 5, "count": 1},
    {"file": "tests/cases/ci/tiny.json", "rule": "invalid-category-id", "annotation_id": 3, "image_id": 2, \
"category_id": "x,y:%", "count": 1},
    {"file": "tests/cases/ci/tiny.json", "rule": "undefined-category", "annotation_id": 2, "image_id": 1, \
"category_id": 5, "count": 1},
    {"file": "tests/cases/ci/tiny.json", "rule": "unused-category", "annotation_id": null, "image_id": null, \
"category_id": 2, "count": 1}
  ]
}
"""


def test_write_baseline_records_every_finding_and_exits_0(tmp_path: Path):
    target = tmp_path / "baseline.json"
    result = run("scan", TINY, *CONTRACT, "--format", "json", "--write-baseline", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == TINY_BASELINE
    assert result.stderr == (
        f"labelcheck: wrote baseline {target}: 3 errors, 1 warning, 1 info; "
        "scans with --baseline fail only on findings not in it\n"
    )


def test_known_findings_are_suppressed_and_counted(tmp_path: Path):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(TINY_BASELINE, encoding="utf-8")
    result = run("scan", TINY, *CONTRACT, "--format", "json", "--baseline", str(baseline))
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["summary"] == {"error": 0, "warning": 0, "info": 0, "related_findings": 0, "fail_on": "error",
                                 "failed": False, "baseline_suppressed": 5}
    assert result.stderr == (
        "labelcheck: passed: 0 errors, 0 warnings, 0 info; 5 known findings suppressed by the baseline "
        "(--fail-on error)\n"
    )


def test_round_trip_a_new_bad_annotation_fails_an_old_one_does_not(tmp_path: Path):
    coco = write_coco(tmp_path / "train.json", [0, 1, 2, 7])
    baseline = tmp_path / "baseline.json"
    assert run("scan", str(coco), *CONTRACT, "--write-baseline", str(baseline)).exit_code == 0
    assert run("scan", str(coco), *CONTRACT, "--baseline", str(baseline)).exit_code == 0

    # Prepend a good annotation (every position shifts) and append a new bad one.
    document = json.loads(coco.read_text(encoding="utf-8"))
    good = {"id": 100, "image_id": 1, "category_id": 1, "bbox": [50, 60, 3, 4], "area": 12, "iscrowd": 0}
    bad = {**good, "id": 101, "category_id": 9}
    document["annotations"] = [good, *document["annotations"], bad]
    coco.write_text(json.dumps(document), encoding="utf-8")

    result = run("scan", str(coco), *CONTRACT, "--format", "json", "--baseline", str(baseline))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(f["rule"], f["annotation_id"]) for f in report["findings"]] == [
        ("category-out-of-range", 101), ("undefined-category", 101)
    ]
    assert report["summary"]["baseline_suppressed"] == 2


def test_a_repeated_key_suppresses_only_as_many_as_were_recorded(tmp_path: Path):
    baseline = Baseline()
    finding = Finding("a.json", 3, "duplicate-id", Severity.ERROR, "again", annotation_id=5)
    baseline.add(finding)
    matcher = baseline.matcher()
    assert matcher.known(finding)
    assert not matcher.known(finding)


def test_key_ignores_message_and_position_but_not_value_types():
    one = Finding("a.json", 3, "undefined-category", Severity.ERROR, "text", annotation_id=1, category_id=12)
    moved = Finding("a.json", 9, "undefined-category", Severity.WARNING, "other text", "$.x", 1, None, 12)
    as_float = Finding("a.json", 3, "undefined-category", Severity.ERROR, "text", annotation_id=1, category_id=12.0)
    assert finding_key(one) == finding_key(moved)
    assert finding_key(one) != finding_key(as_float)


def test_library_scan_with_a_baseline(tmp_path: Path):
    path = tmp_path / "baseline.json"
    contract = labelcheck.resolve_contract(num_classes=3)
    recorded = Baseline()
    labelcheck.scan(TINY, contract, on_finding=recorded.add)
    recorded.write(path)
    report = labelcheck.scan(TINY, contract, baseline=Baseline.load(path))
    assert (report.findings, report.suppressed, report.failed()) == ([], 7, False)  # 2 few-annotations too
    assert labelcheck.scan(TINY, contract).suppressed is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline not found; create it with --write-baseline"),
        ("{not json", "line 1: baseline is not valid JSON"),
        ('{"version": 2, "findings": []}', "not a labelcheck baseline (version 2, expected 1)"),
        ('{"version": 1}', "not a labelcheck baseline (no 'findings' list)"),
        ('{"version": 1, "findings": [{"rule": "x"}]}', "findings[0] lacks 'file' or 'rule'"),
        ('{"version": 1, "findings": [{"file": "a", "rule": "x", "count": 0}]}', "findings[0].count is not a positive"),
    ],
)
def test_unreadable_or_malformed_baseline_exits_2_with_one_line(tmp_path: Path, content, message):
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run("scan", TINY, *CONTRACT, "--baseline", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"labelcheck: error: {path}: ")
    assert message in result.stderr
    with pytest.raises(BaselineError):
        Baseline.load(path)


def test_baseline_and_write_baseline_exclude_each_other(tmp_path: Path):
    result = run("scan", TINY, *CONTRACT, "--baseline", "a.json", "--write-baseline", str(tmp_path / "b.json"))
    assert result.exit_code == 2
    assert "--baseline and --write-baseline exclude each other" in result.stderr
