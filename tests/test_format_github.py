"""--format github: workflow commands, escaping, the per-severity cap, the job summary."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ci_support import CLEAN, CONTRACT, TINY, ci_env, run, write_coco  # noqa: F401 (ci_env: autouse fixture)
from conftest import FIXTURES, run_cli

from labelcheck.reporters.github import escape_data, escape_markdown, escape_property

BAD = FIXTURES / "openimages-mlperf-bad.json"
TINY_LINES = [
    "::error file=tests/cases/ci/tiny.json,title=category-out-of-range::$.annotations[1].category_id "
    "(annotation 2, image 1, img|1%25\\x0a.jpg): category_id 5 >= num_classes 3: training crashes with "
    "'index out of bounds'; valid columns are 0..2",
    "::error file=tests/cases/ci/tiny.json,title=invalid-category-id::$.annotations[2].category_id "
    "(annotation 3, image 2, b.jpg): category_id 'x,y:%25' is a string, not an integer; give every annotation "
    "an integer category_id or drop it with 'labelcheck clean'",
    "::error file=tests/cases/ci/tiny.json,title=undefined-category::$.annotations[1].category_id "
    "(annotation 2, image 1, img|1%25\\x0a.jpg): category_id 5 is not declared in categories; declare it or "
    "remove the annotation",
    "::warning file=tests/cases/ci/tiny.json,title=bbox-outside-image::$.annotations[3].bbox "
    "(annotation 4, image 2, b.jpg): bbox [90, 90, 20, 20] extends beyond the 100x100 image; the loader "
    "clamps it; check the coordinate scaling",
    "::notice file=tests/cases/ci/tiny.json,title=unused-category::$.annotations: model class 2 has no "
    "annotation in this file",
]
COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]+))?::(.*)$")


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as the runner reads it: split first, then unescape."""
    match = COMMAND.match(line)
    assert match, line
    name, props, message = match.groups()
    properties = dict(item.split("=", 1) for item in props.split(",")) if props else {}
    return name, {key: unescape(value) for key, value in properties.items()}, unescape(message)


def unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def test_exact_lines():
    result = run("scan", TINY, *CONTRACT, "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == TINY_LINES
    assert result.stderr == "labelcheck: failed: 2 errors, 1 warning, 1 info (--fail-on error)\n"


def test_lines_parse_back_to_the_findings():
    result = run("scan", TINY, *CONTRACT, "--format", "github")
    commands = [parse(line) for line in result.stdout.splitlines()]
    assert [name for name, _, _ in commands] == ["error", "error", "error", "warning", "notice"]
    assert all(props["file"] == TINY for _, props, _ in commands)
    assert commands[1][2].endswith("category_id 'x,y:%' is a string, not an integer; give every annotation "
                                   "an integer category_id or drop it with 'labelcheck clean'")


def test_escaping():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\nd") == "a%3Ab%2Cc%25%0Ad"
    assert escape_markdown("a|b\nc [x](y) <img> $x$") == "a\\|b\\\\x0ac \\[x\\]\\(y\\) \\<img\\> \\$x\\$"


def test_file_property_with_comma_and_colon(tmp_path: Path):
    odd = tmp_path / "we,ird:name.json"
    shutil.copy(TINY, odd)
    result = run("scan", str(odd), *CONTRACT, "--format", "github", "--select", "bbox-outside-image")
    (line,) = result.stdout.splitlines()
    assert line.startswith("::warning file=" + str(odd).replace(":", "%3A").replace(",", "%2C") + ",title=")
    assert parse(line)[1]["file"] == str(odd)


def test_no_findings_writes_nothing():
    result = run("scan", CLEAN, *CONTRACT, "--format", "github")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_at_most_ten_per_severity_then_one_notice(tmp_path: Path):
    coco = write_coco(tmp_path / "many.json", [7] * 25)
    result = run("scan", str(coco), *CONTRACT, "--format", "github", "--select", "category-out-of-range")
    lines = result.stdout.splitlines()
    assert len(lines) == 11
    assert all(line.startswith("::error ") for line in lines[:10])
    assert lines[10] == (
        "::notice title=labelcheck::15 more findings not annotated (15 errors); "
        "full report: run 'labelcheck scan' with --format table or json"
    )


def test_notices_keep_a_slot_for_the_overflow_note(tmp_path: Path):
    coco = write_coco(tmp_path / "unused.json", [0], num_classes=20)
    result = run("scan", str(coco), "--num-classes", "20", "--format", "github", "--select", "unused-category")
    lines = result.stdout.splitlines()
    assert len(lines) == 10
    assert all(line.startswith("::notice file=") for line in lines[:9])
    assert lines[9].startswith("::notice title=labelcheck::10 more findings not annotated (10 info)")


def test_job_summary_is_appended(tmp_path: Path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    result = run("scan", TINY, CLEAN, *CONTRACT, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    assert summary.read_text(encoding="utf-8") == (
        "earlier step\n"
        "### labelcheck failed\n"
        "\n"
        "2 errors, 1 warning, 1 info \\(\\-\\-fail\\-on error\\)\n"
        "\n"
        "| File | Rule | Severity | Findings | First example |\n"
        "|---|---|---|---:|---|\n"
        "| tests/cases/ci/tiny\\.json | category\\-out\\-of\\-range | error | 1 | "
        "\\$\\.annotations\\[1\\]\\.category\\_id \\(annotation 2, image 1, img\\|1%\\\\x0a\\.jpg\\): "
        "category\\_id 5 \\>= num\\_classes 3: training crashes with 'index out of bounds'; "
        "valid columns are 0\\.\\.2 |\n"
        "| tests/cases/ci/tiny\\.json | invalid\\-category\\-id | error | 1 | "
        "\\$\\.annotations\\[2\\]\\.category\\_id \\(annotation 3, image 2, b\\.jpg\\): category\\_id 'x,y:%' is a "
        "string, not an integer; give every annotation an integer category\\_id or drop it with 'labelcheck clean' |\n"
        "| tests/cases/ci/tiny\\.json | undefined\\-category | error | 1 | "
        "\\$\\.annotations\\[1\\]\\.category\\_id \\(annotation 2, image 1, img\\|1%\\\\x0a\\.jpg\\): "
        "category\\_id 5 is not declared in categories; declare it or remove the annotation |\n"
        "| tests/cases/ci/tiny\\.json | bbox\\-outside\\-image | warning | 1 | "
        "\\$\\.annotations\\[3\\]\\.bbox \\(annotation 4, image 2, b\\.jpg\\): bbox \\[90, 90, 20, 20\\] extends "
        "beyond the 100x100 image; the loader clamps it; check the coordinate scaling |\n"
        "| tests/cases/ci/tiny\\.json | unused\\-category | info | 1 | "
        "\\$\\.annotations: model class 2 has no annotation in this file |\n"
        "| tests/cases/ci/tiny\\-clean\\.json | none | | 0 | |\n"
        "\n"
    )


def test_summary_table_rows_keep_their_columns(tmp_path: Path):
    summary = tmp_path / "summary.md"
    run("scan", TINY, *CONTRACT, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    rows = [line for line in summary.read_text(encoding="utf-8").splitlines() if line.startswith("| tests")]
    # An unescaped | is a column break: every row has exactly the header's six.
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 6 for row in rows)


def test_overflow_note_points_to_the_job_summary(tmp_path: Path):
    coco = write_coco(tmp_path / "many.json", [7] * 12)
    summary = tmp_path / "summary.md"
    result = run("scan", str(coco), *CONTRACT, "--format", "github", "--select", "category-out-of-range",
                 env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.stdout.splitlines()[-1] == (
        "::notice title=labelcheck::2 more findings not annotated (2 errors); full report: the job summary"
    )


def test_default_format_under_github_actions():
    result = run("scan", TINY, *CONTRACT, env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.splitlines() == TINY_LINES
    table = run("scan", TINY, *CONTRACT, "--format", "table", env={"GITHUB_ACTIONS": "true"})
    assert table.stdout.startswith("Contract: ")
    assert run("scan", TINY, *CONTRACT).stdout.startswith("Contract: ")


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
