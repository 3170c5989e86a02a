"""What every CI format shares: complete documents, atomic --output, exit codes; and `labelcheck rules`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from ci_support import CLEAN, CONTRACT, TINY, ci_env, html_report_data, run  # noqa: F401 (ci_env: autouse fixture)

from labelcheck.core.text import plain_text
from labelcheck.reporters import REPORTERS
from labelcheck.rules import RULES

PARSERS = {"json": json.loads, "sarif": json.loads, "junit": ET.fromstring, "html": html_report_data}


@pytest.mark.parametrize("format_name", sorted(PARSERS))
@pytest.mark.parametrize(("path", "exit_code"), [(CLEAN, 0), (TINY, 1)])
def test_machine_formats_are_complete_documents(format_name, path, exit_code):
    result = run("scan", path, *CONTRACT, "--format", format_name)
    assert result.exit_code == exit_code
    PARSERS[format_name](result.stdout)


@pytest.mark.parametrize("format_name", sorted(PARSERS))
def test_output_file_is_written_whole_and_stdout_stays_empty(tmp_path: Path, format_name):
    target = tmp_path / f"report.{format_name}"
    result = run("scan", TINY, *CONTRACT, "--format", format_name, "-o", str(target))
    assert result.exit_code == 1
    assert result.stdout == ""
    PARSERS[format_name](target.read_text(encoding="utf-8"))
    assert [path.name for path in tmp_path.iterdir()] == [target.name]  # no temporary file left


@pytest.mark.parametrize("format_name", sorted(PARSERS))
def test_an_unreadable_input_leaves_no_output(tmp_path: Path, format_name):
    target = tmp_path / "report.out"
    result = run("scan", "missing.json", *CONTRACT, "--format", format_name, "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr == "labelcheck: error: missing.json: no such file; check the path\n"
    assert list(tmp_path.iterdir()) == []


def test_every_format_is_a_choice():
    assert list(REPORTERS) == ["table", "json", "github", "sarif", "junit", "html"]
    result = run("scan", TINY, "--format", "xml")
    assert result.exit_code == 2
    assert "'xml' is not one of 'table', 'json', 'github', 'sarif', 'junit', 'html'" in result.stderr


@pytest.mark.parametrize(("fail_on", "exit_code"), [("error", 1), ("warning", 1), ("info", 1), ("never", 0)])
def test_fail_on(fail_on, exit_code):
    assert run("scan", TINY, *CONTRACT, "--format", "json", "--fail-on", fail_on).exit_code == exit_code


def test_rules_lists_every_rule_with_default_severity_and_summary():
    result = run("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULES)
    for line, (rule_id, rule) in zip(lines, RULES.items(), strict=True):
        name, severity, summary = line.split(maxsplit=2)
        assert (name, severity, summary) == (rule_id, rule.SEVERITY.label, plain_text(rule.summary()))


def test_rules_name_prints_the_full_documentation():
    result = run("rules", "unused-category")
    assert result.exit_code == 0
    expected = "unused-category (default severity: info)\n\n" + plain_text(RULES["unused-category"].doc()) + "\n"
    assert result.stdout == expected
    assert "Fails" in result.stdout and "Passes" in result.stdout


def test_rules_unknown_name_exits_2():
    result = run("rules", "no-such-rule")
    assert result.exit_code == 2
    assert "no rule 'no-such-rule'" in result.stderr


def test_rules_print_plain_text_not_rst_markup():
    for args in (["rules"], *(["rules", rule_id] for rule_id in RULES)):
        shown = run(*args).stdout
        assert "``" not in shown
    assert "is not declared in categories." in run("rules").stdout


def test_rules_unknown_name_suggests_the_closest():
    result = run("rules", "category-out-of-rang")
    assert result.exit_code == 2
    assert "did you mean 'category-out-of-range'?" in result.stderr
