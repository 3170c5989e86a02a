"""``--format html``: one self-contained file, its data bounded and inert (the browser tests open it)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from ci_support import html_report_data

from labelcheck.reporters import html
from conftest import FIXTURES, load_benchmark, run_cli

BAD = FIXTURES / "openimages-mlperf-bad.json"
HOSTILE = "</script><script>window.pwned = 1</script><!--"


def report_text(*args) -> str:
    result = run_cli("scan", *map(str, args), "--format", "html")
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def inline(text: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", text, flags=re.S)


def digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_self_contained_and_nothing_runs_but_its_own_script():
    text = report_text(BAD)
    (script,), (style,) = inline(text, "script"), inline(text, "style")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
    assert policy == f"default-src 'none'; script-src {digest(script)}; style-src {digest(style)}; img-src data:"
    # Nothing to fetch: no external resources, no URLs but the SVG namespace the script names.
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|@import|url\(", text)
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) == {"http://www.w3.org/2000/svg"}


def test_the_data_has_the_report():
    data = html_report_data(report_text(BAD))
    # 8 error findings on 4 values: each counted once (the verdict counts problems).
    assert data["verdict"] == {"failed": True, "fail_on": "error", "summary": {"error": 4, "warning": 0, "info": 273},
                               "tally": "4 errors, 0 warnings, 273 info"}
    (file,) = data["files"]
    assert file["counts"] == {"images": 40, "annotations": 376, "categories": 264}
    assert file["statistics"]["classes"]["num_classes"] == 264
    assert {row["rule"]: row["count"] for row in file["by_rule"]}["few-annotations"] == 191
    assert file["left_out"] == {"few-annotations": 91}  # past the first 100
    rules = [row[data["finding_fields"].index("rule")] for row in data["findings"]]
    assert rules.count("few-annotations") == html.FINDINGS_PER_RULE and rules.count("category-out-of-range") == 4
    assert "Default severity: error" in data["rules"]["category-out-of-range"]["doc"]


def test_findings_are_bounded_per_rule_and_file(tmp_path):
    path = tmp_path / "bad.json"
    load_benchmark().generate(path, 20_000, out_of_range_rate=1.0)
    text = report_text(path)
    data = html_report_data(text)
    assert len(data["findings"]) == 3 * html.FINDINGS_PER_RULE  # out of range, undefined, 264 unused columns
    assert data["files"][0]["left_out"] == {
        "category-out-of-range": 19_900, "undefined-category": 19_900, "unused-category": 164,
    }
    assert len(text) < 300_000


def test_dataset_strings_cannot_end_the_data_element(write_json, tmp_path):
    names = [HOSTILE, "<img src=x onerror=window.pwned=2>", "\x1b[31mred\u202e & co"]
    document = {
        "categories": [{"id": i, "name": name} for i, name in enumerate(names)],
        "images": [{"id": 1, "file_name": HOSTILE + ".jpg", "width": 10, "height": 10}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}],
    }
    text = report_text(write_json(document), "--num-classes", "3")
    data_element = text.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data_element and ">" not in data_element and "&" not in data_element
    data = html_report_data(text)
    assert list(data["files"][0]["statistics"]["classes"]["declared_columns"].values()) == names
    assert HOSTILE + ".jpg" in [row[data["finding_fields"].index("image_file")] for row in data["findings"]]


def test_without_statistics(tmp_path):
    target = tmp_path / "report.html"
    result = run_cli("scan", BAD, "--format", "html", "-o", target, "--no-statistics")
    assert result.exit_code == 1 and result.stdout == ""
    assert html_report_data(target.read_text("utf-8"))["files"][0]["statistics"] is None


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.json")), ids=lambda path: path.name)
def test_every_fixture_reports(fixture):
    assert html_report_data(report_text(fixture))["files"][0]["file"] == str(fixture)
