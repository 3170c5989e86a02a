"""The Python API: scan without click, on paths, COCO objects and several files."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest
from pycocotools.coco import COCO

import labelcheck
from labelcheck import Severity
from conftest import FIXTURES

BAD = FIXTURES / "openimages-mlperf-bad.json"
CLEAN = FIXTURES / "openimages-mlperf-clean.json"


def test_scan_a_path_returns_a_report():
    report = labelcheck.scan(str(BAD))
    assert report.failed()
    # 8 findings on 4 values; info: 73 unused-category, 191 few-annotations (a 40-image sample), 9 extreme-aspect-ratio
    assert report.summary() == {"error": 4, "warning": 0, "info": 273}
    annotation_findings = sorted(f for f in report.findings if f.position >= 0 and f.severity == Severity.ERROR)
    assert [(f.annotation_id, f.rule) for f in annotation_findings[:2]] == [
        (17, "category-out-of-range"),
        (17, "undefined-category"),
    ]


def test_scan_a_loaded_coco_object_gives_the_same_findings():
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints while loading
        coco = COCO(str(BAD))
    from_object = labelcheck.scan(coco)
    from_path = labelcheck.scan(str(BAD))
    key = lambda f: (f.rule, f.path, f.severity, f.annotation_id, f.category_id)  # noqa: E731
    assert sorted(map(key, from_object.findings)) == sorted(map(key, from_path.findings))
    assert from_object.files[0].file == "<COCO object>"


def test_policy_overrides_severity_and_selects_rules():
    policy = labelcheck.Policy(
        select=frozenset({"category-out-of-range", "unused-category"}),
        severities={"category-out-of-range": Severity.WARNING},
    )
    report = labelcheck.scan(str(BAD), policy=policy)
    assert report.summary() == {"error": 0, "warning": 4, "info": 73}
    assert not report.failed() and report.failed("warning")


def test_on_finding_streams_and_keep_findings_false_keeps_only_aggregates():
    seen = []
    report = labelcheck.scan(str(BAD), keep_findings=False, on_finding=seen.append)
    assert report.findings is None
    assert len(seen) == 281
    assert report.file_report(str(BAD)).rule_counts["category-out-of-range", Severity.ERROR] == 4


def test_negative_label_message_names_the_column_it_trains():
    report = labelcheck.scan(str(BAD), policy=labelcheck.Policy(select=frozenset({"category-out-of-range"})))
    (negative,) = [f for f in report.findings if f.category_id == -1]
    assert "silently trains column 263" in negative.message


def test_clean_file_passes():
    assert not labelcheck.scan(str(CLEAN)).failed()


def test_import_labelcheck_is_light_and_names_resolve_on_use():
    """Training code that imports labelcheck for its guard does not pay for the scanner."""
    code = (
        "import sys, labelcheck\n"
        "light = not any(name in sys.modules for name in ('numpy', 'rich', 'click', 'msgspec'))\n"
        "import labelcheck.cli, labelcheck.fixing.clean, labelcheck.fixing.remap\n"
        "print(light, callable(labelcheck.clean), callable(labelcheck.remap), labelcheck.scan.__module__,\n"
        "      labelcheck.InputError.__name__, 'clean' in dir(labelcheck))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True", "True", "labelcheck.scanning.engine", "InputError", "True"]
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        labelcheck.nothing  # noqa: B018


def test_severity_is_its_json_text_and_still_orders():
    report = labelcheck.scan(str(BAD))
    finding = next(f for f in report.findings if f.rule == "category-out-of-range")
    assert finding.severity == "error" and str(finding.severity) == "error" and f"{finding.severity}" == "error"
    assert finding.severity == finding.to_dict()["severity"]
    assert Severity.INFO < Severity.WARNING < Severity.ERROR and Severity.ERROR >= "warning"
    assert max(Severity) is Severity.ERROR and sorted(Severity, reverse=True)[0] is Severity.ERROR
    assert Severity("warning") is Severity.WARNING


@pytest.mark.parametrize("arguments, named", [
    ({"mapping": "sortd"}, "'sortd'"),
    ({"num_classes": "80"}, "'80'"),
    ({"num_classes": True}, "True"),
    ({"num_classes": 0}, "0"),
    ({"classes": [1, 2]}, "1"),
])
def test_bad_contract_arguments_raise_contract_error_naming_the_value(arguments, named):
    with pytest.raises(labelcheck.ContractError) as raised:
        labelcheck.resolve_contract(**arguments)
    message = str(raised.value)
    assert named in message and next(iter(arguments)) in message and "--" not in message


def test_library_errors_name_keyword_arguments_and_the_cli_its_options(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("{}")
    with pytest.raises(labelcheck.OutputError, match=r"pass force=True to overwrite it$"):
        labelcheck.clean(str(BAD), str(out))
    with pytest.raises(labelcheck.ContractError, match=r"mapping='class-list' needs the class names: give classes="):
        labelcheck.resolve_contract(num_classes=3, mapping="class-list")
    with pytest.raises(labelcheck.UsageError,
                       match=r"choose exactly one of offset=K, by_name=True, table=FILE, contiguous=True"):
        labelcheck.remap(str(BAD), str(tmp_path / "r.json"))
    from conftest import run_cli

    result = run_cli("clean", BAD, "-o", out)
    assert result.exit_code == 2 and "pass --force to overwrite it" in result.stderr
