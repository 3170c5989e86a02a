"""Docs match behaviour: the README's rule table, commands and every --help."""

from __future__ import annotations

import re
import shutil

import pytest

from labelcheck.rules import RULES
from conftest import FIXTURES, ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_ids_are_stable_kebab_case():
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule_id)
        assert rule.ID == rule_id


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_documents_itself(rule_id):
    doc = RULES[rule_id].doc()
    assert f"Default severity: {RULES[rule_id].SEVERITY.label}" in doc
    assert "Fails" in doc and "Passes" in doc


def test_readme_rule_table_matches_the_registry():
    table = README.split("<!-- rules-table")[1].split("<!-- /rules-table -->")[0]
    rows = re.findall(r"^\| `([a-z-]+)` \| (\w+) \| (.+) \|$", table, flags=re.M)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (rule_id, rule.SEVERITY.label, rule.summary()) for rule_id, rule in RULES.items()
    ]


def test_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"^    (python3 -m venv .*pytest.*)$", README, flags=re.M).group(1)
    assert command in ci


def test_readme_first_command_scans_a_shipped_fixture():
    command = re.search(r"^    (python3 -m venv .*labelcheck scan (\S+))$", README, flags=re.M)
    assert (ROOT / command.group(2)).is_file()


@pytest.mark.parametrize("command", [[], ["scan"], ["rules"], ["clean"], ["remap"]])
def test_help_has_an_example(command):
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and "labelcheck " in result.stdout


@pytest.mark.parametrize("command", ["scan", "clean", "remap"])
def test_readme_mentions_every_option(command):
    help_text = run_cli(command, "--help").stdout
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help", "--debug"}
    missing = sorted(option for option in options if option not in README)
    assert missing == []


def test_version():
    result = run_cli("--version")
    assert result.exit_code == 0 and re.match(r"labelcheck, version \d+\.\d+\.\d+", result.stdout)


def test_rules_command_lists_and_explains():
    listing = run_cli("rules").stdout.splitlines()
    assert [line.split()[0] for line in listing] == list(RULES)
    assert listing[0].split()[1] == "error"
    detail = run_cli("rules", "class-name-mismatch")
    assert detail.exit_code == 0 and "1-based" in detail.stdout
    assert run_cli("rules", "nope").exit_code == 2


def readme_python_examples() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", README, flags=re.M | re.S)


def test_readme_python_examples_run_as_written(tmp_path, monkeypatch, capsys):
    """Every Python block, in order, in one namespace, in a folder with the train.json and val.json
    the README names; what their comments say they print is what they print."""
    for name in ("train.json", "val.json"):
        shutil.copy(FIXTURES / "openimages-mlperf-1based.json", tmp_path / name)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    blocks = readme_python_examples()
    assert len(blocks) >= 4
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own examples
    printed = capsys.readouterr().out.splitlines()
    for expected in ("True", "{'error': 0, 'warning': 0, 'info': 73}", "4 {'category-out-of-range': 4}",
                     "every id -1 (264 ids: 1..264 -> 0..263)", "['a.jpg'] 1"):
        assert expected in printed
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["train.json", "val.json"]

