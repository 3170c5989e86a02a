"""Regressions found in review: outputs that clobber inputs, silent passes, crashes on odd input."""

from __future__ import annotations

import json
import os

import pytest

import labelcheck
from labelcheck.readers.plain import PlainReader
from conftest import CASES, FIXTURES, run_cli

BAD = FIXTURES / "openimages-mlperf-bad.json"
CLEAN = FIXTURES / "openimages-mlperf-clean.json"


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "t.json"
    path.write_bytes(BAD.read_bytes())
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "{t}", "--format", "json", "-o", "{t}"],
        ["scan", "{t}", "--write-baseline", "{t}"],
        ["scan", "{t}", "--format", "json", "-o", "{d}/r.json", "--write-baseline", "{d}/r.json"],
        ["clean", "{t}", "-o", "{d}/c.json", "--report", "{t}"],
        ["clean", "{t}", "-o", "{d}/c.json", "--report", "{d}/c.json", "--force"],
        ["remap", "{t}", "-o", "{d}/c.json", "--offset", "0", "--report", "{t}"],
    ],
    ids=["scan-output", "scan-baseline", "output-is-baseline", "clean-report-input", "clean-report-output",
         "remap-report-input"],
)
def test_reports_never_overwrite_inputs_or_outputs(data, args):
    before = data.read_bytes()
    result = run_cli(*[a.format(t=data, d=data.parent) for a in args])
    assert result.exit_code == 2
    assert "also an input or output" in result.stderr
    assert data.read_bytes() == before
    assert [p.name for p in data.parent.iterdir()] == ["t.json"]


def test_existing_report_needs_force(data):
    report = data.parent / "r.json"
    report.write_text("keep")
    result = run_cli("clean", data, "-o", data.parent / "c.json", "--report", report)
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert report.read_text() == "keep" and not (data.parent / "c.json").exists()


def test_unwritable_report_is_found_before_the_output_is_written(data):
    result = run_cli("clean", data, "-o", data.parent / "c.json", "--report", data.parent / "no" / "r.json")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not (data.parent / "c.json").exists()


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


def test_remap_of_several_inputs_writes_all_or_nothing(tmp_path):
    for split in ("train", "validation"):
        (tmp_path / split).mkdir()
        (tmp_path / split / "x.json").write_bytes((FIXTURES / "openimages-mlperf-1based.json").read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    (out / "validation").write_text("a file where a folder must go")
    result = run_cli("remap", tmp_path / "train/x.json", tmp_path / "validation/x.json",
                     "--output-dir", out, "--offset", "-1")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (out / "train" / "x.json").exists()


def test_clean_and_remap_read_the_config_file(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.labelcheck]\nnum-classes = 2\n")
    document = {
        "categories": [{"id": 0, "name": "a"}, {"id": 1, "name": "b"}, {"id": 5, "name": "c"}],
        "images": [{"id": 1, "file_name": "x.jpg"}],
        "annotations": [
            {"id": i, "image_id": 1, "category_id": c, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}
            for i, c in ((1, 0), (2, 1), (3, 5))
        ],
    }
    (tmp_path / "d.json").write_text(json.dumps(document))
    monkeypatch.chdir(tmp_path)
    assert run_cli("clean", "d.json", "-o", "c.json").exit_code == 0
    assert [a["id"] for a in json.loads((tmp_path / "c.json").read_text())["annotations"]] == [1, 2]
    monkeypatch.setenv("LABELCHECK_PRESET", "mlperf-retinanet")
    assert run_cli("clean", "d.json", "-o", "c2.json", "--num-classes", "2").exit_code == 0


def test_remap_refuses_ids_outside_the_head(tmp_path):
    result = run_cli("remap", CLEAN, "-o", tmp_path / "x.json", "--offset", "-1")
    assert result.exit_code == 2
    assert "category 0 would become -1, outside the model's columns 0..263" in result.stderr
    assert not (tmp_path / "x.json").exists()


def _doc(categories, used):
    return {
        "categories": [{"id": i, "name": n} for i, n in categories],
        "images": [{"id": 1, "file_name": "x.jpg"}],
        "annotations": [
            {"id": k, "image_id": 1, "category_id": c, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}
            for k, c in enumerate(used, start=1)
        ],
    }


def test_remap_cannot_merge_an_undeclared_id_into_a_class(write_json, tmp_path):
    path = write_json(_doc([(1, "a"), (2, "b")], [1, 2, 7]))
    table = tmp_path / "map.json"
    table.write_text('{"1": 0, "2": 1, "7": 0}')
    result = run_cli("remap", path, "-o", tmp_path / "x.json", "--map", table)
    assert result.exit_code == 2 and "would both become 0" in result.stderr


def test_offset_refuses_undeclared_ids(write_json, tmp_path):
    path = write_json(_doc([(1, "a"), (2, "b")], [1, 2, 7]))
    result = run_cli("remap", path, "-o", tmp_path / "x.json", "--offset", "-1")
    assert result.exit_code == 2 and "category 7 is used by annotations but not declared" in result.stderr
    assert run_cli("remap", path, "-o", tmp_path / "x.json", "--offset", "-1", "--drop-unknown").exit_code == 0
    assert [a["category_id"] for a in json.loads((tmp_path / "x.json").read_text())["annotations"]] == [0, 1]


def test_constant_shift_of_sparse_ids_is_described_honestly(write_json, tmp_path):
    result = labelcheck.remap(str(write_json(_doc([(1, "a"), (7, "b")], [1, 7]))), str(tmp_path / "x.json"), offset=-1)
    assert result.describe() == "every id -1 (2 ids)"


@pytest.mark.parametrize("args", [["--select", ","], ["--select", "unused-category", "--ignore", "unused-category"]])
def test_no_active_rule_is_a_usage_error(args):
    result = run_cli("scan", CLEAN, *args)
    assert result.exit_code == 2 and "no rule is left to run" in result.stderr


def test_unhashable_category_name_under_names_mapping(write_json, tmp_path):
    classes = tmp_path / "classes.txt"
    classes.write_text("a\n")
    path = write_json(_doc([(0, ["a"])], [0]))
    result = run_cli("scan", path, "--mapping", "names", "--classes", classes, "--format", "json")
    assert result.exit_code == 1
    assert "class-name-mismatch" in {f["rule"] for f in json.loads(result.stdout)["findings"]}


def test_stdin_twice_is_a_usage_error():
    result = run_cli("scan", "-", "-", input=CLEAN.read_bytes())
    assert result.exit_code == 2 and "read only once" in result.stderr


@pytest.mark.parametrize(
    "content, message",
    [(b"\xff\xfe1,0\n", "not UTF-8"), (b"[1, 2]", "must be a JSON object"), (b"1,0\n--2,0\n", "line 2")],
)
def test_bad_map_files_are_one_line_errors(write_json, tmp_path, content, message):
    table = tmp_path / "map.txt"
    table.write_bytes(content)
    result = run_cli("remap", write_json(_doc([(1, "a")], [1])), "-o", tmp_path / "x.json", "--map", table)
    assert result.exit_code == 2 and message in result.stderr
    assert "internal error" not in result.stderr


def test_github_properties_carry_no_control_characters(tmp_path):
    path = tmp_path / "evil\x1b[31m.json"
    path.write_bytes(BAD.read_bytes())
    result = run_cli("scan", path, "--format", "github")
    assert "\x1b" not in result.stdout and "evil\\x1b[31m.json" in result.stdout


def test_unwritable_step_summary_still_annotates(monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing" / "summary.md"))
    result = run_cli("scan", BAD, "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.startswith("::error")
    assert "::warning title=labelcheck::" in result.stdout and "cannot append the job summary" in result.stdout


@pytest.mark.parametrize("batch_size", [1, 2, 3, 7])
@pytest.mark.parametrize("case", ["invalid-duplicate-ids", "invalid-bbox", "invalid-missing-field"])
def test_findings_do_not_depend_on_batch_boundaries(case, batch_size, monkeypatch):
    path = str(CASES / f"{case}.json")
    contract = labelcheck.resolve_contract(num_classes=3)
    expected = sorted(labelcheck.scan(path, contract).findings)
    monkeypatch.setattr(PlainReader, "__init__", lambda self, batch_size=batch_size: setattr(self, "batch_size", batch_size))
    assert sorted(labelcheck.scan(path, contract).findings) == expected


def test_in_place_report_cannot_be_the_backup(data):
    before = data.read_bytes()
    result = run_cli("clean", data, "--in-place", "--report", f"{data}.bak")
    assert result.exit_code == 2 and "also an input or output" in result.stderr
    assert data.read_bytes() == before and not (data.parent / "t.json.bak").exists()


def test_in_place_with_another_output_makes_no_backup(data):
    (data.parent / "y.json.bak").write_text("precious")
    assert run_cli("clean", data, "-o", data.parent / "y.json", "--in-place").exit_code == 0
    assert (data.parent / "y.json.bak").read_text() == "precious"


def test_report_is_committed_with_the_output(data, monkeypatch):
    """A report that cannot be written leaves no output either."""
    import sys

    def fail(path, document):
        raise labelcheck.OutputError(f"{path}: write failed: No space left on device; nothing was written")

    monkeypatch.setattr(sys.modules["labelcheck.fixing.clean"], "stage_report", fail)
    result = run_cli("clean", data, "-o", data.parent / "c.json", "--report", data.parent / "r.json")
    assert result.exit_code == 2
    assert sorted(p.name for p in data.parent.iterdir()) == ["t.json"]


def test_late_write_error_names_no_output(tmp_path, monkeypatch):
    import os as os_module

    for split in ("train", "validation"):
        (tmp_path / split).mkdir()
        (tmp_path / split / "x.json").write_bytes((FIXTURES / "openimages-mlperf-1based.json").read_bytes())
    calls, real = [], os_module.fsync

    def flaky(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        return real(fd)

    monkeypatch.setattr(os_module, "fsync", flaky)
    out = tmp_path / "out"
    with pytest.raises(labelcheck.OutputError):
        labelcheck.remap([str(tmp_path / "train/x.json"), str(tmp_path / "validation/x.json")],
                         [str(out / "train.json"), str(out / "validation.json")], offset=-1, make_folders=True)
    assert not (out / "train.json").exists() and not (out / "validation.json").exists()


def test_pipe_input_to_clean_is_refused(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    result = run_cli("clean", fifo, "-o", tmp_path / "out.json")
    assert result.exit_code == 2 and "regular file" in result.stderr
