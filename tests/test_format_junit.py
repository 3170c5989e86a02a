"""--format junit: the exact document, structure, bounded failures, unique names."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ci_support import CLEAN, CONTRACT, TINY, ci_env, run, write_coco  # noqa: F401 (ci_env: autouse fixture)

TINY_AND_CLEAN = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites name="labelcheck" tests="6" failures="3" errors="0" skipped="0">
  <testsuite name="tests/cases/ci/tiny.json" tests="5" failures="3" errors="0" skipped="0">
    <testcase classname="tests/cases/ci/tiny.json" name="bbox-outside-image">
      <system-out>1 finding (warning)
$.annotations[3].bbox (annotation 4, image 2, b.jpg): bbox [90, 90, 20, 20] extends beyond the 100x100 image; \
the loader clamps it; check the coordinate scaling</system-out>
    </testcase>
    <testcase classname="tests/cases/ci/tiny.json" name="category-out-of-range">
      <failure type="error" message="1 finding (error)">$.annotations[1].category_id (annotation 2, image 1, \
img|1%\\x0a.jpg): category_id 5 &gt;= num_classes 3: training crashes with 'index out of bounds'; valid columns \
are 0..2</failure>
    </testcase>
    <testcase classname="tests/cases/ci/tiny.json" name="invalid-category-id">
      <failure type="error" message="1 finding (error)">$.annotations[2].category_id (annotation 3, image 2, \
b.jpg): category_id 'x,y:%' is a string, not an integer; give every annotation an integer category_id or drop it \
with 'labelcheck clean'</failure>
    </testcase>
    <testcase classname="tests/cases/ci/tiny.json" name="undefined-category">
      <failure type="error" message="1 finding (error)">$.annotations[1].category_id (annotation 2, image 1, \
img|1%\\x0a.jpg): category_id 5 is not declared in categories; declare it or remove the annotation</failure>
    </testcase>
    <testcase classname="tests/cases/ci/tiny.json" name="unused-category">
      <system-out>1 finding (info)
$.annotations: model class 2 has no annotation in this file</system-out>
    </testcase>
  </testsuite>
  <testsuite name="tests/cases/ci/tiny-clean.json" tests="1" failures="0" errors="0" skipped="0">
    <testcase classname="tests/cases/ci/tiny-clean.json" name="no-findings" />
  </testsuite>
</testsuites>
"""


def junit(*args: str) -> str:
    return run("scan", *args, *CONTRACT, "--format", "junit").stdout


def test_exact_document():
    assert junit(TINY, CLEAN) == TINY_AND_CLEAN


def test_structure_parses():
    root = ET.fromstring(junit(TINY, CLEAN))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == [TINY, CLEAN]
    cases = [(case.get("classname"), case.get("name"), case.find("failure") is not None)
             for suite in suites for case in suite.findall("testcase")]
    assert cases == [
        (TINY, "bbox-outside-image", False),
        (TINY, "category-out-of-range", True),
        (TINY, "invalid-category-id", True),
        (TINY, "undefined-category", True),
        (TINY, "unused-category", False),
        (CLEAN, "no-findings", False),
    ]
    assert (root.get("tests"), root.get("failures")) == ("6", "3")


def test_nothing_found_is_one_passing_case():
    root = ET.fromstring(junit(CLEAN))
    (case,) = root.iter("testcase")
    assert case.get("name") == "no-findings"
    assert list(case) == []
    assert (root.get("tests"), root.get("failures")) == ("1", "0")


def test_fail_on_decides_what_fails():
    root = ET.fromstring(junit(TINY, "--fail-on", "info"))
    assert root.get("failures") == "5"
    root = ET.fromstring(junit(TINY, "--fail-on", "never"))
    assert root.get("failures") == "0"


def test_failure_lists_a_bounded_number_of_annotations(tmp_path: Path):
    coco = write_coco(tmp_path / "many.json", [9] * 40)
    root = ET.fromstring(junit(str(coco), "--select", "category-out-of-range", "--max-examples", "2"))
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == "40 findings (error)"
    lines = failure.text.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("$.annotations[0].category_id (annotation 1, image 1, a.jpg): category_id 9 >=")
    assert lines[2] == "... and 38 more"


def test_names_are_unique_when_a_file_is_given_twice():
    root = ET.fromstring(junit(TINY, TINY))
    names = [(case.get("classname"), case.get("name")) for case in root.iter("testcase")]
    assert len(names) == len(set(names)) == 10
    assert [suite.get("name") for suite in root.findall("testsuite")] == [TINY, f"{TINY} (2)"]


def test_control_characters_and_markup_stay_data(tmp_path: Path):
    coco = tmp_path / "odd.json"
    coco.write_text(
        '{"images": [{"id": 1, "file_name": "<x>&\\u0001\\u001b[31m.jpg", "width": 10, "height": 10}],'
        ' "categories": [{"id": 0, "name": "a"}],'
        ' "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}]}',
        encoding="utf-8",
    )
    args = ["--num-classes", "1", "--format", "junit", "--select", "undefined-category"]
    document = run("scan", str(coco), *args).stdout
    failure = ET.fromstring(document).find("testsuite/testcase/failure")
    assert "(annotation 1, image 1, <x>&\\x01\\x1b[31m.jpg)" in failure.text
    assert "&lt;x&gt;&amp;\\x01\\x1b" in document
