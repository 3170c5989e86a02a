"""Unreadable or malformed input, and options that cannot work: exit 2, one line on stderr, no traceback."""

from __future__ import annotations

import gzip
import subprocess
import sys

import pytest

import labelcheck
from conftest import FIXTURES, ROOT, run_cli

CLEAN = FIXTURES / "openimages-mlperf-clean.json"
GOOD = '{"categories": [], "images": [], "annotations": []}'


def assert_one_line_error(result, *fragments: str) -> str:
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("labelcheck: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "content, fragments",
    [
        (b"", ["the file is empty"]),
        (b'{"categories": [], "images": [', ["byte 30", "ends early"]),
        (b'{"categories": [], "images": [}, "annotations": []}', ["byte 30", "invalid JSON"]),
        (b'{"categories": [], "images": [], "annotations": []} trailing', ["byte 52", "extra data"]),
        (b"[1, 2, 3]", ["top level is a JSON array"]),
        (b'"just a string"', ["top level is a JSON string"]),
        (b'{"categories": [], "images": [], "annotations": {}}', ["$.annotations", "object, expected an array"]),
        (b'{"categories": "x", "images": [], "annotations": []}', ["$.categories", "string, expected an array"]),
        (b'{"categories": [], "annotations": []}', ["$.images", "missing"]),
        (b"\xef\xbb\xbf" + GOOD.encode(), ["byte 0", "byte order mark"]),
        (b'{"categories": [{"name": "caf\xe9"}], "images": [], "annotations": []}', ["byte 29", "invalid UTF-8"]),
        (b'{"a": "\xc3\xa9", "categories": [], "images": [}', ["byte 41 (line 1, column 41)"]),
    ],
    ids=[
        "empty", "truncated", "syntax", "trailing-data", "top-array", "top-string", "annotations-object",
        "categories-string", "images-missing", "bom", "invalid-utf8", "offset-counts-bytes-not-chars",
    ],
)
def test_malformed_json_is_exit_2_with_location(tmp_path, content, fragments):
    path = tmp_path / "labels.json"
    path.write_bytes(content)
    line = assert_one_line_error(run_cli("scan", path), str(path), *fragments)
    assert "Traceback" not in line


def test_missing_file(tmp_path):
    assert_one_line_error(run_cli("scan", tmp_path / "nope.json"), "nope.json", "no such file")


def test_directory(tmp_path):
    assert_one_line_error(run_cli("scan", tmp_path), "is a directory")


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "labels.json.gz"
    path.write_bytes(b"not gzip at all")
    assert_one_line_error(run_cli("scan", path), "labels.json.gz", "gzip")


@pytest.mark.parametrize("name", ["labels.json.gz", "labels.json"], ids=["gz-name", "json-name"])
def test_gzip_input_is_read(tmp_path, name):
    """By its .gz name, or by its content whatever the name."""
    path = tmp_path / name
    path.write_bytes(gzip.compress((FIXTURES / "openimages-mlperf-bad.json").read_bytes()))
    result = run_cli("scan", path, "--format", "json")
    assert result.exit_code == 1
    assert '"category-out-of-range"' in result.stdout


def test_stdin_is_read():
    result = run_cli("scan", "-", "--format", "json", input=(FIXTURES / "openimages-mlperf-bad.json").read_bytes())
    assert result.exit_code == 1
    assert '"file": "<stdin>"' in result.stdout


def test_stdin_error_names_stdin():
    assert_one_line_error(run_cli("scan", "-", input=b"{"), "<stdin>", "byte 1")


def test_second_file_failing_is_still_exit_2(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{")
    assert_one_line_error(run_cli("scan", FIXTURES / "openimages-mlperf-clean.json", path), "broken.json")


def test_json_report_is_not_half_written_when_a_later_file_fails(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{")
    result = run_cli("scan", FIXTURES / "openimages-mlperf-bad.json", path, "--format", "json")
    assert_one_line_error(result, "broken.json")


def test_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text("[]")
    result = run_cli("scan", path, "--debug")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert "top level is a JSON array" in result.stderr


def test_real_subprocess_error_has_no_traceback(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text('{"categories": [], "images": [], "annotations": [')
    proc = subprocess.run([sys.executable, "-m", "labelcheck", "scan", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_library_raises_input_error(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text("[]")
    with pytest.raises(labelcheck.InputError, match="top level"):
        labelcheck.scan(str(path))


def test_usage_error_is_exit_2():
    result = run_cli("scan", FIXTURES / "openimages-mlperf-clean.json", "--format", "yaml")
    assert result.exit_code == 2
    result = run_cli("scan")
    assert result.exit_code == 2


def test_unknown_rule_is_a_usage_error():
    result = run_cli("scan", FIXTURES / "openimages-mlperf-clean.json", "--select", "no-such-rule")
    assert result.exit_code == 2
    assert "no-such-rule" in result.stderr


@pytest.mark.parametrize("args", [["--select", ","], ["--select", "unused-category", "--ignore", "unused-category"]])
def test_no_active_rule_is_a_usage_error(args):
    result = run_cli("scan", CLEAN, *args)
    assert result.exit_code == 2 and "no rule is left to run" in result.stderr


def test_stdin_twice_is_a_usage_error():
    result = run_cli("scan", "-", "-", input=CLEAN.read_bytes())
    assert result.exit_code == 2 and "read only once" in result.stderr


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
RESULTS = b'[{"image_id": 1, "category_id": 3, "bbox": [1, 2, 3, 4], "score": 0.97}]'
CAPTIONS = (b'{"info": {}, "images": [{"id": 1, "file_name": "a.jpg"}], '
            b'"annotations": [{"id": 5, "image_id": 1, "caption": "A dog on a sofa."}]}')


@pytest.mark.parametrize(
    "content, fragments, wrong",
    [
        (JPEG, ["this is a JPEG image", "give the COCO .json file"], "UTF-8"),
        (PNG, ["this is a PNG image"], "UTF-8"),
        (b"file_name,label,xmin,ymin\na.jpg,cat,1,2\nb.jpg,dog,3,4\n", ["CSV file", "'file_name,label,xmin,ymin'"],
         "invalid JSON"),
        (b"0 0.5 0.5 0.25 0.3\n3 0.1 0.2 0.05 0.05\n", ["YOLO label file", "convert"], "invalid JSON"),
        (b"", ["the file is empty"], "truncated"),
        (b"  \n", ["the file is empty"], "truncated"),
        (b'<?xml version="1.0"?>\n<annotation><filename>a.jpg</filename></annotation>\n', ["XML (Pascal VOC"],
         "invalid JSON"),
        (RESULTS, ["a list of model results", "give the ground-truth file"], "JSON array"),
        (b'[{"image_id": 1, "caption": "A dog."}]', ["a list of model results"], "JSON array"),
        (b'{"version": "5.0.1", "shapes": [{"label": "cat", "points": [[1, 2]]}], "imagePath": "a.jpg"}',
         ["LabelMe file"], "missing"),
        (b'{"metainfo": {}, "data_list": [{"img_path": "a.jpg", "instances": []}]}', ["MMEngine dataset"], "missing"),
        (CAPTIONS, ["COCO captions file", "instances_*.json"], "missing"),
        (b'{"categories": [], "images": [], "annotation": []}',
         ["$.annotations: missing; found 'annotation': did you mean 'annotations'?", "needs an 'annotations' array"],
         "captions"),
        (b'{"categories": [], "image": [], "annotations": []}', ["found 'image': did you mean 'images'?"], "captions"),
        (b'{"category": [], "images": [], "annotations": []}',
         ["found 'category': did you mean 'categories'?", "needs a 'categories' array"], "captions"),
        (b'{"categories": [], "images": [], "Annotations": []}', ["found 'Annotations'"], "captions"),
    ],
    ids=["jpeg", "png", "csv", "yolo", "empty", "blank", "voc-xml", "results", "caption-results", "labelme",
         "mmengine", "captions", "annotation-key",
         "image-key", "category-key", "capitalised-key"],
)
@pytest.mark.parametrize("reader", ["stream", "plain"])
def test_a_file_that_is_not_coco_json_is_named_for_what_it_is(tmp_path, content, fragments, wrong, reader):
    path = tmp_path / "labels.json"
    path.write_bytes(content)
    if reader == "stream":
        line = assert_one_line_error(run_cli("scan", path), str(path), *fragments)
    else:
        with pytest.raises(labelcheck.InputError) as raised:
            labelcheck.scan(str(path), reader="plain")
        line = str(raised.value)
        assert all(fragment in line for fragment in fragments), line
    assert wrong not in line


def test_a_gzipped_image_is_named_too(tmp_path):
    path = tmp_path / "labels.json.gz"
    path.write_bytes(gzip.compress(JPEG))
    assert_one_line_error(run_cli("scan", path), "this is a JPEG image")


def test_a_file_cut_short_is_still_called_truncated(tmp_path):
    path = tmp_path / "labels.json"
    path.write_bytes(b'{"categories": [], "images": [{"id": 1, "file_name": "a.jpg"}')
    assert_one_line_error(run_cli("scan", path), "ends early (truncated?)")


CORPUS = ROOT.parent / "shared" / "real-corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared real corpus is not beside the repository")
@pytest.mark.parametrize("name, fragment", [
    ("cocoapi/instances_val2014_fakebbox100_results.json", "a list of model results"),
    ("cocoapi/captions_val2014_fakecap_results.json", "a list of model results"),
    ("COCO-MINI/captions_val2017.json", "a COCO captions file"),
    ("sahi/coco_utils__terrain2.json", "a LabelMe file"),
    ("mmocr/det_toy_dataset__instances_test.json", "an MMEngine dataset file"),
    ("labelme2coco/coco_false_16.json", "found 'categoryes': did you mean 'categories'?"),
])
def test_real_files_that_are_not_coco_annotations_are_named(name, fragment):
    assert_one_line_error(run_cli("scan", CORPUS / name), fragment)


@pytest.mark.parametrize("args, fragment", [
    (["scan", CLEAN, "--format", "yaml"], "Invalid value for '--format'"),
    (["scan"], "Missing argument 'FILE...'"),
    (["scan", CLEAN, "--bogus"], "No such option '--bogus'"),
    (["bogus"], "No such command 'bogus'"),
    (["clean", CLEAN], "give the output file with -o OUT"),
    (["remap", CLEAN, "-o", "x.json"], "choose exactly one of --offset"),
], ids=["bad-value", "missing-argument", "no-such-option", "no-such-command", "clean-without-output", "remap-method"])
def test_usage_errors_are_one_line_with_the_help_hint(args, fragment):
    """click printed a block of four lines (usage, hint, blank, error)."""
    line = assert_one_line_error(run_cli(*args), fragment)
    command = "main" if args == ["bogus"] else f"main {args[0]}"  # CliRunner names the program 'main'
    assert line.endswith(f"; see '{command} --help'"), line


@pytest.mark.parametrize("args", [["rules"], ["rules", "invalid-bbox"], ["--help"], ["scan", "--help"], ["--version"]])
def test_stdout_on_a_full_disk_is_one_line(args):
    """`labelcheck rules > /dev/full` printed a traceback."""
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "labelcheck", *args], stdout=full, stderr=subprocess.PIPE,
                                text=True)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "labelcheck: error: standard output: write failed: No space left on device; " \
                                    "the output is incomplete"


@pytest.mark.parametrize("where", ["option", "config"])
def test_max_examples_is_bounded(tmp_path, where):
    """A huge --max-examples kept every finding (1.17 GB and growing at 1M bad annotations)."""
    args = ["--max-examples", "100000000"]
    if where == "config":
        config = tmp_path / "labelcheck.toml"
        config.write_text("max-examples = 100000000\n")
        args = ["--config", str(config)]
    assert_one_line_error(run_cli("scan", CLEAN, *args), "--max-examples must be 0 to 1000, got 100000000")
    assert run_cli("scan", CLEAN, "--max-examples", "1000").exit_code == 0
