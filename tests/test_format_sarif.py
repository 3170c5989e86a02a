"""--format sarif: the exact document, schema validity, levels, the result cap."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from ci_support import CLEAN, CONTRACT, ROOT, TINY, ci_env, run, write_coco  # noqa: F401 (ci_env: autouse fixture)

from labelcheck.loaders import resolve_contract
from labelcheck.core.findings import Finding, Severity
from labelcheck.scanning.report import FileReport, Report
from labelcheck.reporters.sarif import SarifReporter, artifact_uri
from labelcheck.rules import RULES

SCHEMA = ROOT.parent / "shared" / "reference" / "sarif-schema-2.1.0.json"
TINY_LOCATION = {"physicalLocation": {"artifactLocation": {"uri": TINY}, "region": {"startLine": 1}}}


def result(rule, index, level, text, path, fingerprint, **ids):
    return {
        "ruleId": rule,
        "ruleIndex": index,
        "level": level,
        "message": {"text": text},
        "locations": [{**TINY_LOCATION, "logicalLocations": [{"fullyQualifiedName": path}]}],
        "partialFingerprints": {"labelcheckFinding/v1": fingerprint},
        "properties": ids,
    }


TINY_RESULTS = [
    result("category-out-of-range", 0, "error",
           "$.annotations[1].category_id (annotation 2, image 1, img|1%\\x0a.jpg): category_id 5 >= num_classes 3: "
           "training crashes with 'index out of bounds'; valid columns are 0..2",
           "$.annotations[1].category_id", "1d1f2d49c8c371f77b843bd6dd1923ec45d3b7636555011db139e8468a026589",
           annotation_id=2, image_id=1, category_id=5, image_file="img|1%\n.jpg"),
    result("invalid-category-id", 1, "error",
           "$.annotations[2].category_id (annotation 3, image 2, b.jpg): category_id 'x,y:%' is a string, not an "
           "integer; give every annotation an integer category_id or drop it with 'labelcheck clean'",
           "$.annotations[2].category_id", "d6d011a146644472ca58abf1c65dd145d11a7e418c7d5debda0ba0c8da87a7a1",
           annotation_id=3, image_id=2, category_id="x,y:%", image_file="b.jpg"),
    result("undefined-category", 2, "error",
           "$.annotations[1].category_id (annotation 2, image 1, img|1%\\x0a.jpg): category_id 5 is not declared in "
           "categories; declare it or remove the annotation",
           "$.annotations[1].category_id", "336798f428ef7de3457b28e7048ea98919d49099129160a884c295e14c2c4482",
           annotation_id=2, image_id=1, category_id=5, image_file="img|1%\n.jpg"),
    result("bbox-outside-image", 11, "warning",
           "$.annotations[3].bbox (annotation 4, image 2, b.jpg): bbox [90, 90, 20, 20] extends beyond the 100x100 "
           "image; the loader clamps it; check the coordinate scaling",
           "$.annotations[3].bbox", "f37310cbf3517811afddc145a0f845bd49a013e5d306c890395d54fcb6944323",
           annotation_id=4, image_id=2, category_id=1, image_file="b.jpg"),
    result("unused-category", 6, "note", "$.annotations: model class 2 has no annotation in this file",
           "$.annotations", "47bec9e1ea616b03347529b9dbbb955d99e3ae5f41ab3ca7a48a095d9ce13bd7", category_id=2),
]


def sarif(*args: str, exit_code: int) -> dict:
    outcome = run("scan", *args, *CONTRACT, "--format", "sarif")
    assert outcome.exit_code == exit_code, outcome.output
    return json.loads(outcome.stdout)


def test_exact_document():
    document = sarif(TINY, exit_code=1)
    assert document["$schema"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    assert document["version"] == "2.1.0"
    (run_,) = document["runs"]
    assert set(run_) == {"tool", "results"}
    driver = run_["tool"]["driver"]
    assert {key: driver[key] for key in ("name", "version", "semanticVersion")} == {
        "name": "labelcheck", "version": "0.1.0", "semanticVersion": "0.1.0",
    }
    assert run_["results"] == TINY_RESULTS


def test_one_rule_entry_per_rule_with_docs_and_default_level():
    rules = sarif(CLEAN, exit_code=0)["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(RULES)
    assert {rule["id"]: rule["defaultConfiguration"]["level"] for rule in rules} == {
        "category-out-of-range": "error", "invalid-category-id": "error", "undefined-category": "error",
        "class-name-mismatch": "error", "duplicate-category": "error", "category-count-mismatch": "warning",
        "unused-category": "note", "missing-image": "error", "duplicate-id": "error", "invalid-id": "error",
        "invalid-bbox": "error", "bbox-outside-image": "warning", "missing-field": "error", "empty-image": "note",
        "category-table-mismatch": "error", "crashes-loader": "error", "relabelled-by-loader": "error",
        "dropped-by-loader": "warning", "image-missing": "error", "image-unreadable": "error",
        "image-size-mismatch": "error", "image-exif-rotated": "warning", "image-duplicate": "warning",
        "split-leakage": "error", "few-annotations": "note", "class-missing-in-split": "warning",
        "tiny-box": "warning", "extreme-aspect-ratio": "note", "duplicate-box": "warning",
    }
    first = rules[0]
    assert first["name"] == "CategoryOutOfRange"
    assert first["shortDescription"] == {
        "text": "An annotation's category maps to a column outside the classification head."
    }
    assert first["fullDescription"]["text"].startswith(first["shortDescription"]["text"] + "\n\nThe column index")
    assert first["fullDescription"]["text"].endswith("here too, with what the loader does with it.")
    assert first["help"]["text"] == RULES["category-out-of-range"].doc()
    assert "Default severity: error." in first["help"]["text"]


def test_no_findings_is_a_complete_document():
    document = sarif(CLEAN, exit_code=0)
    assert document["runs"][0]["results"] == []


@pytest.mark.skipif(not SCHEMA.is_file(), reason=f"the SARIF 2.1.0 schema is not at {SCHEMA} (../shared is absent)")
@pytest.mark.parametrize("files", [[TINY], [CLEAN], [TINY, CLEAN, "fixtures/openimages-mlperf-bad.json"]])
def test_valid_against_the_sarif_schema(files, monkeypatch):
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    monkeypatch.setattr(SarifReporter, "max_results", 10)  # the truncation note, too
    document = sarif(*files, exit_code=0 if files == [CLEAN] else 1)
    jsonschema.Draft4Validator(schema).validate(document)
    assert all(result["locations"] for result in document["runs"][0]["results"])


def test_severity_override_sets_the_result_level(tmp_path: Path):
    # Config severity overrides reach SARIF levels through the findings.
    config = tmp_path / "labelcheck.toml"
    config.write_text('[severity]\nunused-category = "error"\n', encoding="utf-8")
    outcome = run("scan", TINY, *CONTRACT, "--format", "sarif", "--config", str(config), "--select", "unused-category")
    (only,) = json.loads(outcome.stdout)["runs"][0]["results"]
    assert only["level"] == "error"


def test_cap_keeps_the_most_severe_and_says_what_was_left_out(monkeypatch):
    monkeypatch.setattr(SarifReporter, "max_results", 3)
    document = sarif(TINY, exit_code=1)
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    results = document["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["category-out-of-range", "invalid-category-id", "results-truncated"]
    note = results[-1]
    assert note["level"] == "note"
    assert note["message"]["text"] == (
        "3 more findings are not in this file (1 error, 1 warning, 1 info); "
        "run 'labelcheck scan --format json' for every finding"
    )
    assert note["locations"] == [{**TINY_LOCATION, "logicalLocations": [{"fullyQualifiedName": "$"}]}]
    assert rules[note["ruleIndex"]]["id"] == "results-truncated"


def test_memory_stays_bounded_for_many_findings():
    out = io.StringIO()
    reporter = SarifReporter(out)
    reporter.start(resolve_contract(num_classes=3))
    for number in range(12_000):
        severity = Severity.ERROR if number % 4 == 0 else Severity.INFO  # 3000 errors, 9000 info
        reporter.finding(Finding("big.json", number, "category-out-of-range", severity, "m", annotation_id=number))
        assert len(reporter._kept) <= reporter.max_results
    reporter.finish(Report(resolve_contract(num_classes=3), files=[FileReport("big.json")]))
    results = json.loads(out.getvalue())["runs"][0]["results"]
    assert len(results) == 5000
    assert [r["level"] for r in results[:3]] == ["error", "note", "note"]  # found order is kept
    assert sum(r["level"] == "error" for r in results) == 3000
    assert results[-1]["message"]["text"].startswith("7001 more findings are not in this file (7001 info)")


def test_artifact_uris():
    assert artifact_uri("data/train labels.json") == "data/train%20labels.json"
    assert artifact_uri("/srv/data/a#b.json") == "file:///srv/data/a%23b.json"


def test_output_file(tmp_path: Path):
    target = tmp_path / "labelcheck.sarif"
    outcome = run("scan", TINY, *CONTRACT, "--format", "sarif", "-o", str(target))
    assert outcome.exit_code == 1
    assert outcome.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["runs"][0]["results"] == TINY_RESULTS


def test_many_findings_stay_under_the_cap(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(SarifReporter, "max_results", 50)
    coco = write_coco(tmp_path / "many.json", [9] * 200)
    document = sarif(str(coco), exit_code=1)
    assert len(document["runs"][0]["results"]) == 50
