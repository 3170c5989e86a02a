"""What the report counts and shows: one annotation with one cause is one problem.

An undeclared id that is also out of range is found by two rules on the same
value; the verdict counts it once, the table shows it in one category table,
the JSON report keeps both findings (the second marked as related). Examples
favour the most dangerous findings; info findings are one line unless asked for.
"""

from __future__ import annotations

import json
import re

import labelcheck
from labelcheck import Severity
from labelcheck.scanning.engine import Policy
from conftest import FIXTURES, run_cli

BAD = FIXTURES / "openimages-mlperf-bad.json"  # 4 bad annotations: 264, 264, 300, -1, all undeclared


def table(*args: str) -> str:
    return run_cli("scan", BAD, *args).stdout


def test_the_verdict_counts_an_annotation_with_one_cause_once():
    report = labelcheck.scan(str(BAD))
    assert report.summary() == {"error": 4, "warning": 0, "info": 273}  # info: 73 unused-category, 200 statistics
    assert report.related() == 4
    assert "FAILED: 4 errors, 0 warnings, 273 info" in table()


def test_the_json_report_keeps_every_finding_and_marks_the_related_ones():
    result = run_cli("scan", BAD, "--format", "json")
    document = json.loads(result.stdout)
    rules = [finding["rule"] for finding in document["findings"]]
    assert rules.count("category-out-of-range") == 4 and rules.count("undefined-category") == 4
    related = [finding for finding in document["findings"] if "related_to" in finding]
    assert {(f["rule"], f["related_to"]) for f in related} == {("undefined-category", "category-out-of-range")}
    assert len(related) == 4
    assert document["summary"]["error"] == 4 and document["summary"]["related_findings"] == 4
    assert document["files"][0]["findings_by_rule"]["undefined-category"] == 4
    assert "labelcheck: failed: 4 errors" in result.stderr


def test_two_causes_on_one_annotation_count_twice(write_json):
    document = {
        "categories": [{"id": 0, "name": "cat"}],
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, -2, 2], "area": 4, "iscrowd": 0}],
    }
    report = labelcheck.scan(str(write_json(document)), labelcheck.resolve_contract(num_classes=1))
    rules = {f.rule for f in report.findings} - {"unused-category"}
    assert rules == {"category-out-of-range", "undefined-category", "invalid-bbox"}
    assert report.summary()["error"] == 2  # the category_id once, the bbox once


def test_a_related_finding_of_higher_severity_is_counted_at_that_severity():
    policy = Policy(severities={"category-out-of-range": Severity.WARNING})
    report = labelcheck.scan(str(BAD), policy=policy)
    assert report.summary() == {"error": 4, "warning": 0, "info": 273}  # info: 73 unused-category, 200 statistics


def test_one_table_by_category_id_for_all_category_rules():
    shown = table()
    assert shown.count("by category_id") == 1
    rows = [line for line in shown.splitlines() if re.match(r"^(264|300|-1) ", line)]
    assert [row.split()[:2] for row in rows] == [["264", "2"], ["300", "1"], ["-1", "1"]]
    assert "undefined-category" in shown.split("by category_id")[1].split("Examples")[0]


def test_examples_favour_the_most_dangerous_finding():
    shown = table()
    examples = shown.split("Examples")[1]
    out_of_range = [line for line in examples.splitlines() if line.strip().startswith("category-out-of-range at")]
    assert out_of_range[0].strip() == "category-out-of-range at $.annotations[255].category_id"  # the silent -1
    assert len(out_of_range) == 3 and "$.annotations[202].category_id" in examples  # 300: each id is shown


def test_info_findings_are_one_line_unless_asked_for():
    shown = table()
    assert "unused-category at" not in shown and "model class" not in shown
    (summary,) = [line for line in shown.splitlines() if "unused-category" in line]
    assert "73" in summary and "--show info" in summary
    detailed = table("--show", "info")
    assert detailed.count("unused-category at $.annotations") == 3
    assert "unused-category" in detailed.split("Findings")[1].split("\n\n")[0]  # in the rule table


def test_show_error_hides_warnings_the_same_way(write_json):
    document = {
        "categories": [{"id": 0, "name": "cat"}],
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 0, "bbox": [5, 5, 20, 2], "area": 40, "iscrowd": 0}],
    }
    path = write_json(document)
    shown = run_cli("scan", path, "--num-classes", "1", "--show", "error").stdout
    assert "bbox-outside-image at" not in shown
    assert any("1 warning" in line and "bbox-outside-image" in line for line in shown.splitlines())
    assert "bbox-outside-image at" in run_cli("scan", path, "--num-classes", "1").stdout
