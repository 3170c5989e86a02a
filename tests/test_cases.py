"""The data-driven corpus: every tests/cases/NAME.json with its NAME.expect.json.

Each expectation lists every finding (rule, JSON path, severity) the case must
produce, and the exit code; nothing more may be found. Run through the library
and through the CLI's JSON report. A case may expect one outcome per loader
profile (``"profiles": {label: {"contract", "exit", "findings"}}``): the same
file under each. The dataset-statistics rules (few-annotations and the others
in ``STATISTICS_RULES``) fire on any small sample, so they run only in the cases
whose expectation says ``"statistics": true``.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

import labelcheck
from labelcheck.readers.plain import PlainReader
from labelcheck.rules import STATISTICS_RULES
from conftest import CASES, coco_document, contract_args, json_report, run_cli

CASE_FILES = sorted(path for path in CASES.glob("*.json") if not path.name.endswith(".expect.json"))


def expectation(path):
    return json.loads(path.with_name(path.stem + ".expect.json").read_text())


def expectations(path):
    """(label, {contract, exit, findings}) for each contract the case is checked under."""
    expected = expectation(path)
    return list(expected["profiles"].items()) if "profiles" in expected else [("", expected)]
def policy_of(expected):
    return labelcheck.Policy(ignore=frozenset() if expected.get("statistics") else STATISTICS_RULES)


def ignored_args(expected):
    return [] if expected.get("statistics") else ["--ignore", ",".join(sorted(STATISTICS_RULES))]


def contract_of(spec):
    classes = tuple(spec["classes"]) if spec.get("classes") else None
    return labelcheck.resolve_contract(num_classes=spec.get("num_classes"), mapping=spec.get("mapping"),
                                       classes=classes, loader=spec.get("loader"))


def test_corpus_is_not_empty():
    assert len(CASE_FILES) >= 20
    assert any(p.name.startswith("valid-") for p in CASE_FILES)
    assert any(p.name.startswith("invalid-") for p in CASE_FILES)


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: p.stem)
def test_library_finds_exactly_the_expected(case):
    for label, expected in expectations(case):
        report = labelcheck.scan(str(case), contract_of(expected["contract"]), policy=policy_of(expected))
        found = Counter((f.rule, f.path, f.severity.label) for f in report.findings)
        assert found == Counter(tuple(f) for f in expected["findings"]), label
        assert report.failed() == (expected["exit"] == 1), label


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: p.stem)
def test_cli_json_report_matches(case, tmp_path):
    for label, expected in expectations(case):
        result = run_cli("scan", case, "--format", "json", *contract_args(expected["contract"], tmp_path),
                         *ignored_args(expected))
        assert result.exit_code == expected["exit"], (label, result.stderr)
        found = Counter((f["rule"], f["path"], f["severity"]) for f in json_report(result)["findings"])
        assert found == Counter(tuple(f) for f in expected["findings"]), label


@pytest.mark.parametrize("batch_size", [1, 2, 3, 7])
@pytest.mark.parametrize("case", ["invalid-duplicate-ids", "invalid-bbox", "invalid-missing-field"])
def test_findings_do_not_depend_on_batch_boundaries(case, batch_size, monkeypatch):
    path = str(CASES / f"{case}.json")
    contract = labelcheck.resolve_contract(num_classes=3)
    expected = sorted(labelcheck.scan(path, contract).findings)
    monkeypatch.setattr(PlainReader, "__init__", lambda self, batch_size=batch_size: setattr(self, "batch_size", batch_size))
    assert sorted(labelcheck.scan(path, contract).findings) == expected


def test_unhashable_category_name_under_names_mapping(write_json, tmp_path):
    classes = tmp_path / "classes.txt"
    classes.write_text("a\n")
    path = write_json(coco_document([(0, ["a"])], [0]))
    result = run_cli("scan", path, "--mapping", "class-list", "--classes", classes, "--format", "json")
    assert result.exit_code == 1
    assert "class-name-mismatch" in {f["rule"] for f in json.loads(result.stdout)["findings"]}
