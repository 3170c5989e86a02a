"""Report output: JSON structure, table layout, and dataset strings treated as data."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, run_cli

CLEAN = FIXTURES / "openimages-mlperf-clean.json"
BAD = FIXTURES / "openimages-mlperf-bad.json"


def hostile_document() -> dict:
    """Category names and file names that try markup and terminal escapes."""
    return {
        "categories": [
            {"id": 0, "name": "[bold red]cat[/]"},
            {"id": 1, "name": "dog\x1b[2J\x1b]0;pwned\x07"},
            {"id": 2, "name": "bird\u202e"},
        ],
        "images": [{"id": 1, "file_name": "[link=x]a.jpg\r\n", "width": 100, "height": 100}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0},
        ],
    }


def test_json_report_is_complete_when_nothing_is_found(write_json):
    path = write_json({"categories": [{"id": 0, "name": "cat"}], "images": [], "annotations": []})
    result = run_cli("scan", path, "--format", "json", "--num-classes", "1", "--ignore", "unused-category")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["schema_version"] == 2
    assert report["findings"] == []
    assert report["contract"] == {"preset": None, "loader": None, "num_classes": 1, "mapping": "raw", "class_names": None}
    assert report["files"][0]["counts"] == {"images": 0, "annotations": 0, "categories": 1}
    assert report["summary"] == {"error": 0, "warning": 0, "info": 0, "related_findings": 0, "fail_on": "error",
                                 "failed": False}


def test_json_findings_carry_raw_ids(write_json):
    document = hostile_document()
    document["annotations"] += [
        {"id": 2, "image_id": 1, "category_id": "7", "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0},
        {"id": 3, "image_id": 1, "category_id": 10**30, "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0},
        {"id": 4, "image_id": 1, "category_id": float("nan"), "bbox": [1, 1, 5, 5], "area": 25, "iscrowd": 0},
    ]
    result = run_cli("scan", write_json(json.dumps(document)), "--format", "json", "--num-classes", "3")
    report = json.loads(result.stdout)
    by_annotation = {
        f["annotation_id"]: f["category_id"] for f in report["findings"] if f["rule"] != "undefined-category"
        and "annotation_id" in f
    }
    assert by_annotation == {1: 5, 2: "7", 3: 10**30, 4: "nan"}


def test_json_report_to_output_file(tmp_path):
    target = tmp_path / "report.json"
    result = run_cli("scan", BAD, "--format", "json", "--output", target)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads(target.read_text())["summary"]["failed"] is True
    assert "labelcheck: failed: 4 errors" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_output_into_missing_folder_is_exit_2(tmp_path):
    result = run_cli("scan", BAD, "--format", "json", "--output", tmp_path / "no" / "report.json")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_table_fits_80_columns_and_has_no_escape_codes():
    result = run_cli("scan", BAD, "--format", "table")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\x1b" not in result.stdout
    assert "fixtures/openimages-mlperf-bad.json" in result.stdout
    assert "40 images, 376 annotations, 264 categories" in result.stdout
    assert "Offending annotations by category_id" in result.stdout
    assert "FAILED: 4 errors, 0 warnings, 273 info (--fail-on error)" in result.stdout


def test_table_groups_by_category_id_with_examples():
    result = run_cli("scan", BAD, "--select", "category-out-of-range", "--max-examples", "1")
    rows = [line.split() for line in result.stdout.splitlines()]
    group_rows = {row[0]: row[1:3] for row in rows if row and row[0] in ("264", "300", "-1")}
    assert group_rows["264"] == ["2", "17"]  # count 2, first example annotation id 17
    assert group_rows["300"] == ["1", "203"]
    assert group_rows["-1"] == ["1", "256"]


def test_dataset_strings_are_never_markup_or_control_codes(write_json):
    path = write_json(hostile_document())
    result = run_cli("scan", path, "--num-classes", "3", "--classes", write_classes(path.parent), "--max-examples", "5")
    out = result.stdout
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\r" not in out
    assert "\\x1b[2J" in out  # shown, escaped
    assert "[bold red]cat[/]" in out  # printed literally, not interpreted
    assert "[link=x]a.jpg\\x0d\\x0a" in out


def write_classes(folder):
    path = folder / "classes.txt"
    path.write_text("cat\ndog\nbird\n")
    return path


def test_fail_on_thresholds(write_json):
    path = write_json(
        {
            "categories": [{"id": 0, "name": "cat"}],
            "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 0, "bbox": [5, 5, 10, 10], "area": 1, "iscrowd": 0}],
        }
    )
    base = ["scan", path, "--num-classes", "1"]
    assert run_cli(*base).exit_code == 0  # one bbox-outside-image warning
    assert run_cli(*base, "--fail-on", "warning").exit_code == 1
    assert run_cli(*base, "--fail-on", "info").exit_code == 1
    assert run_cli(*base, "--fail-on", "never").exit_code == 0
    assert run_cli("scan", BAD, "--fail-on", "never").exit_code == 0


def test_lone_surrogates_do_not_crash_reports(write_json, tmp_path):
    """A JSON \\ud800 escape decodes to a string UTF-8 cannot encode; reports escape it again."""
    text = (
        '{"categories": [{"id": 0, "name": "cat"}], "images": [{"id": 1, "file_name": "a\\udc80.jpg"}],'
        ' "annotations": [{"id": 1, "image_id": 1, "category_id": "x\\ud800", "bbox": [1, 1, 2, 2],'
        ' "area": 4, "iscrowd": 0}]}'
    )
    path = write_json(text)
    result = run_cli("scan", path, "--num-classes", "1", "--format", "json")
    assert result.exit_code == 1, result.stderr
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "invalid-category-id"]
    assert finding["category_id"] == "x\ud800" and finding["image_file"] == "a\udc80.jpg"
    table = run_cli("scan", path, "--num-classes", "1")
    assert table.exit_code == 1 and "a\\udc80.jpg" in table.stdout
    audit = tmp_path / "audit.json"
    assert run_cli("clean", path, "-o", tmp_path / "out.json", "--num-classes", "1", "--report", audit).exit_code == 0
    assert json.loads(audit.read_text())["dropped_annotations"][0]["category_id"] == "x\ud800"


def test_closed_pipe_is_quiet(write_json):
    """`labelcheck scan ... | head -1`: no traceback, no internal-error message."""
    import subprocess
    import sys

    annotations = [{"id": i, "image_id": 1, "category_id": 999} for i in range(5000)]  # a report > a pipe buffer
    path = write_json({"categories": [], "images": [], "annotations": annotations})
    with subprocess.Popen(
        [sys.executable, "-m", "labelcheck", "scan", str(path), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as proc:
        proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
    assert proc.wait() == 2
    assert "Traceback" not in stderr and "internal error" not in stderr



def test_piped_table_lines_have_no_trailing_spaces():
    shown = run_cli("scan", BAD, "--show", "info").stdout
    assert all(line == line.rstrip() for line in shown.splitlines())
    assert "Offending annotations by category_id" in shown


def test_counts_of_one_are_singular(write_json, tmp_path):
    classes = tmp_path / "classes.txt"
    classes.write_text("cat\n", encoding="utf-8")
    document = {"categories": [{"id": 0, "name": "cat"}], "images": [{"id": 1, "file_name": "a.jpg"}],
                "annotations": [{"id": 1, "image_id": 1, "category_id": 0, "bbox": [1, 1, 2, 2], "area": 4,
                                 "iscrowd": 0}]}
    shown = run_cli("scan", write_json(document), "--classes", classes).stdout
    assert "Contract: 1 class, raw mapping, with class names" in shown
    assert "1 image, 1 annotation, 1 category" in shown


def test_unused_category_under_a_table_mapping_names_the_category(write_json):
    document = {"categories": [{"id": 7, "name": "cat"}, {"id": 52, "name": "dog"}],
                "images": [{"id": 1, "file_name": "a.jpg"}],
                "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [1, 1, 2, 2], "area": 4,
                                 "iscrowd": 0}]}
    result = run_cli("scan", write_json(document), "--num-classes", "2", "--mapping", "sorted", "--format", "json")
    (unused,) = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "unused-category"]
    assert unused["message"] == "model class 1 (category 52 'dog') has no annotation in this file"


def test_finding_messages_count_one_in_the_singular(write_json):
    document = {"categories": [{"id": 0, "name": "cat"}], "images": [], "annotations": []}
    result = run_cli("scan", write_json(document), "--num-classes", "3", "--format", "json")
    messages = [f["message"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "category-count-mismatch"]
    assert messages == [
        "1 category declared but the model has 3 classes; check that the file was exported for this model"
    ]


RACES = {
    "scan -o": (["scan", "{bad}", "--format", "json", "-o", "{out}"], 2),
    "scan --write-baseline": (["scan", "{bad}", "--write-baseline", "{out}"], 2),
    "clean -o": (["clean", "{bad}", "-o", "{out}"], 2),
    "clean --report": (["clean", "{bad}", "-o", "{other}", "--report", "{out}"], 2),
    "remap -o": (["remap", "{bad}", "-o", "{out}", "--offset", "0", "--drop-unknown"], 2),
}


@pytest.mark.parametrize("race", RACES)
def test_a_new_output_another_run_creates_meanwhile_is_not_replaced(tmp_path, monkeypatch, race):
    """Two runs racing to one new -o both exited 0, the second replacing the first: the second now fails."""
    from labelcheck.core import atomic

    out, other = tmp_path / "out.json", tmp_path / "other.json"
    prepare = atomic.StagedFile.prepare

    def the_other_run_finishes_first(stage):
        if stage.target == out:
            out.write_text("the other run's")
        prepare(stage)

    monkeypatch.setattr(atomic.StagedFile, "prepare", the_other_run_finishes_first)
    args, code = RACES[race]
    result = run_cli(*[arg.format(bad=FIXTURES / "openimages-mlperf-bad.json", out=out, other=other) for arg in args])
    assert result.exit_code == code and "another run created it meanwhile" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert out.read_text() == "the other run's"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.json"]  # nor the output it came with


def test_an_existing_output_is_still_replaced_where_allowed(tmp_path):
    out = tmp_path / "report.json"
    out.write_text("old")
    assert run_cli("scan", FIXTURES / "openimages-mlperf-bad.json", "--format", "json", "-o", out).exit_code == 1
    assert json.loads(out.read_text())["schema_version"] == 2


ACTING = "\x7f\x9b\x85\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029\x1b"


def test_machine_formats_escape_what_a_terminal_acts_on(write_json, tmp_path):
    """U+009B (CSI), DEL, U+202E/U+2066 and U+2028 reached the terminal raw in the JSON report: now
    written as \\uXXXX, in every machine format, and read back as the same strings."""
    name, file_name = f"cat{ACTING}", f"a{ACTING}.jpg"
    path = write_json({
        "categories": [{"id": 0, "name": name}, {"id": 0, "name": name}],
        "images": [{"id": 1, "file_name": file_name, "width": 10, "height": 10}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}],
    })
    outputs = {}
    for format_name in ("json", "sarif", "junit", "github"):
        result = run_cli("scan", path, "--num-classes", "3", "--format", format_name)
        assert result.exit_code == 1, result.stderr
        outputs[format_name] = result.stdout
    audit = tmp_path / "audit.json"
    cleaned = run_cli("clean", path, "-o", tmp_path / "out.json", "--num-classes", "3", "--report", audit)
    assert cleaned.exit_code == 1, cleaned.stderr  # the duplicated category id is left for a person to fix
    outputs["clean --report"] = audit.read_text("utf-8")
    for format_name, text in outputs.items():
        assert not any(character in text for character in ACTING), format_name
    report = json.loads(outputs["json"])
    assert {f.get("image_file") for f in report["findings"]} >= {file_name}  # nothing lost
    assert json.loads(outputs["clean --report"])["dropped_annotations"][0]["image_id"] == 1
