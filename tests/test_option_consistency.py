"""Options mean the same in every command: --report is the report, rule lists take both
forms, a report is always replaced, an output folder is created, and errors ask for what
is needed the first time."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, run_cli
from labelcheck.rules import STATISTICS_RULES

BAD = FIXTURES / "openimages-mlperf-bad.json"


def test_scan_report_option_writes_the_report(tmp_path):
    target = tmp_path / "report.json"
    result = run_cli("scan", BAD, "--format", "json", "--report", target)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text())["summary"]["failed"] is True


@pytest.mark.parametrize("form", [["--select", "category-out-of-range,unused-category"],
                                  ["--select", "category-out-of-range", "--select", "unused-category"]])
def test_scan_rule_lists_are_a_comma_list_or_repeated(form):
    document = json.loads(run_cli("scan", BAD, "--format", "json", *form).stdout)
    assert {finding["rule"] for finding in document["findings"]} == {"category-out-of-range", "unused-category"}


def test_scan_ignore_takes_both_forms_too():
    document = json.loads(run_cli("scan", BAD, "--format", "json", "--ignore", "unused-category,undefined-category",
                                  "--ignore", "category-out-of-range", "--ignore", ",".join(STATISTICS_RULES)).stdout)
    assert document["findings"] == []


@pytest.mark.parametrize("form", [["--rule", "category-out-of-range,undefined-category"],
                                  ["--rule", "category-out-of-range", "--rule", "undefined-category"]])
def test_clean_rule_takes_both_forms(tmp_path, form):
    audit = tmp_path / "audit.json"
    result = run_cli("clean", BAD, "-o", tmp_path / "out.json", "--report", audit, *form)
    assert result.exit_code == 0, result.stderr
    assert json.loads(audit.read_text())["rules"] == ["category-out-of-range", "undefined-category"]


@pytest.mark.parametrize("command, args", [
    ("scan", ["--format", "json"]),
    ("clean", ["-o", "{tmp}/out.json"]),
    ("remap", ["-o", "{tmp}/out.json", "--offset", "0", "--drop-unknown"]),
])
def test_every_command_replaces_an_existing_report(tmp_path, command, args):
    report = tmp_path / "report.json"
    report.write_text("old", encoding="utf-8")
    result = run_cli(command, BAD, *[arg.format(tmp=tmp_path) for arg in args], "--report", report)
    assert result.exit_code in (0, 1), result.stderr
    assert json.loads(report.read_text(encoding="utf-8"))  # the new report, not "old"


def test_an_existing_data_output_still_needs_force(tmp_path):
    output = tmp_path / "out.json"
    output.write_text("{}", encoding="utf-8")
    result = run_cli("clean", BAD, "-o", output)
    assert result.exit_code == 2 and "pass --force" in result.stderr


def test_remap_creates_the_output_dir(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "val").mkdir()
    sources = [tmp_path / "train" / "x.json", tmp_path / "val" / "x.json"]
    for source in sources:
        source.write_bytes((FIXTURES / "openimages-mlperf-1based.json").read_bytes())
    out = tmp_path / "new" / "fixed"
    result = run_cli("remap", *sources, "--output-dir", out, "--offset", "-1")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json")) == ["train/x.json", "val/x.json"]


def test_a_failed_remap_leaves_no_output_dir_behind(tmp_path):
    out = tmp_path / "new" / "fixed"
    result = run_cli("remap", BAD, FIXTURES / "openimages-mlperf-clean.json", "--output-dir", out, "--offset", "5")
    assert result.exit_code == 2
    assert not (tmp_path / "new").exists()


def test_class_list_mapping_without_classes_asks_for_the_class_list_first():
    result = run_cli("scan", BAD, "--mapping", "class-list")
    assert result.exit_code == 2
    assert "--mapping class-list needs the class names: give --classes FILE" in result.stderr
    assert "--num-classes" not in result.stderr


def test_a_bad_option_value_names_the_variable_only_when_it_came_from_there():
    from_option = run_cli("scan", BAD, "--num-classes", "abc")
    assert from_option.exit_code == 2 and "'--num-classes'" in from_option.stderr
    assert "LABELCHECK_NUM_CLASSES" not in from_option.stderr
    from click.testing import CliRunner

    from labelcheck.cli.commands import main

    from_variable = CliRunner().invoke(main, ["scan", str(BAD)], env={"LABELCHECK_NUM_CLASSES": "abc"})
    assert from_variable.exit_code == 2 and "LABELCHECK_NUM_CLASSES" in from_variable.stderr
