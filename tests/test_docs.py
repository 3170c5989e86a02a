"""Docs match behaviour: the README's rule table, commands and every --help."""

from __future__ import annotations

import re
import shutil

import pytest

from labelcheck.loaders import LOADERS, PRESETS
from labelcheck.rules import RULES
from labelcheck.scanning.evaluation import loader_verdicts
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


def block(marker: str) -> str:
    return README.split(f"<!-- {marker}")[1].split("-->", 1)[1].split(f"<!-- /{marker} -->")[0].strip()


def test_readme_loaders_table_matches_the_registry():
    rows = [
        f"| `{p.name}` | {p.title} | {p.mapping.value} | "
        f"{p.columns if p.columns is not None else 'none: give `--num-classes`'} | {p.background.value} | "
        f"{p.drops_said()} | {p.crashes_said()} | {p.fields_said()} |"
        for p in LOADERS.values()
    ]
    assert block("loaders-table").splitlines()[2:] == rows


def test_readme_presets_table_matches_the_registry():
    rows = [f"| `{p.name}` | `{p.loader}` | {p.title} |" for p in PRESETS.values()]
    assert block("presets-table").splitlines()[2:] == rows


def test_readme_verdicts_on_the_fixtures_are_what_loaders_says():
    rows = []
    for fixture in sorted(FIXTURES.glob("*.json")):
        groups: dict[str, list[str]] = {}
        for verdict in loader_verdicts(str(fixture))[0].verdicts:
            groups.setdefault(verdict.word, []).append(verdict.name)
        said = "; ".join(f"{word}: {', '.join(names)}" for word, names in groups.items())
        rows.append(f"| `{fixture.name}` | {said} |")
    assert block("loaders-verdicts").splitlines()[2:] == rows


def test_readme_shows_the_loaders_output_on_the_coco_sample():
    shown = README.split("$ labelcheck loaders fixtures/coco80-sample.json\n", 1)[1].split("\n```", 1)[0]
    result = run_cli("loaders", FIXTURES / "coco80-sample.json")
    assert result.exit_code == 0
    assert result.stdout.rstrip().replace(str(FIXTURES / "coco80-sample.json"), "fixtures/coco80-sample.json") \
        == shown.rstrip()


@pytest.mark.parametrize("name", list(LOADERS))
def test_every_profile_documents_its_sources_and_assumptions(name):
    """Each profile's module says where each point comes from and states what LOADERS.md marks as
    an inference from the code or not verified."""
    import importlib

    profile = LOADERS[name]
    module = importlib.import_module(f"labelcheck.loaders.{name.replace('-', '_')}")
    assert any(value is profile for value in vars(module).values())
    doc = module.__doc__ or ""
    assert doc.startswith(f"``{name}``") and profile.source.split()[0].split("/")[0] in doc
    assert re.search(r"L\d+", doc) or "function" in doc, "file and line of the sources"
    assert "Assumptions" in doc and profile.assumptions
    for marker in ("(inference", "(n/v"):
        if any(marker in assumption for assumption in profile.assumptions):
            assert marker in doc


@pytest.mark.parametrize("command", [[], ["scan"], ["rules"], ["clean"], ["remap"], ["loaders"]])
def test_help_has_an_example(command):
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and "labelcheck " in result.stdout


@pytest.mark.parametrize("command", ["scan", "clean", "remap", "loaders"])
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


def test_readme_rule_options_table_matches_the_rules():
    table = README.split("<!-- rule-options")[1].split("<!-- /rule-options -->")[0]
    rows = re.findall(r"^\| `([a-z-]+)` \| `([a-z-]+)` \| ([\d.]+) \| .+ \|$", table, flags=re.M)
    assert rows == [(rule_id, option.name, f"{option.default:g}") for rule_id, rule in RULES.items()
                    for option in rule.OPTIONS]


@pytest.mark.parametrize("rule_id", [rule_id for rule_id, rule in RULES.items() if rule.OPTIONS])
def test_every_rule_option_is_in_its_documentation(rule_id):
    doc = " ".join(RULES[rule_id].doc().split())  # as one line: the docs wrap anywhere
    assert f"[tool.labelcheck.rule-options.{rule_id}]" in doc
    for option in RULES[rule_id].OPTIONS:
        assert f"``{option.name}`` (default {option.default:g}" in doc
NEEDS_CLUSTER = "# needs your cluster:"  # the Dask example; tests/test_image_dask.py runs the same calls on a LocalCluster


def readme_python_examples() -> list[str]:
    blocks = re.findall(r"^```python\n(.*?)^```$", README, flags=re.M | re.S)
    assert sum(block.startswith(NEEDS_CLUSTER) for block in blocks) == 1
    return [block for block in blocks if not block.startswith(NEEDS_CLUSTER)]


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
    for expected in ("True", "{'error': 0, 'warning': 0, 'info': 273}", "4 {'category-out-of-range': 4}",
                     "every id -1 (264 ids: 1..264 -> 0..263)", "['a.jpg'] 1"):
        assert expected in printed
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["train.json", "val.json"]

