"""The shipped OpenImages-MLPerf samples: exit 1, 1 and 0 with the expected findings."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from conftest import FIXTURES, ROOT, run_cli

BAD = FIXTURES / "openimages-mlperf-bad.json"
ONE_BASED = FIXTURES / "openimages-mlperf-1based.json"
CLEAN = FIXTURES / "openimages-mlperf-clean.json"


def errors_by_rule(report: dict) -> Counter:
    return Counter(f["rule"] for f in report["findings"] if f["severity"] == "error")


def test_bad_sample_reports_each_out_of_range_label():
    result = run_cli("scan", BAD, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    out_of_range = {
        (f["annotation_id"], f["category_id"]) for f in report["findings"] if f["rule"] == "category-out-of-range"
    }
    assert out_of_range == {(17, 264), (118, 264), (203, 300), (256, -1)}
    assert errors_by_rule(report) == {"category-out-of-range": 4, "undefined-category": 4}
    assert report["files"][0]["counts"] == {"images": 40, "annotations": 376, "categories": 264}


def test_one_based_sample_is_one_shift_finding_plus_the_crashing_last_class():
    result = run_cli("scan", ONE_BASED, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert errors_by_rule(report) == {"category-out-of-range": 4, "class-name-mismatch": 1}
    (shift,) = [f for f in report["findings"] if f["rule"] == "class-name-mismatch"]
    assert "shifted by +1" in shift["message"]
    assert "--offset -1" in shift["message"]
    assert {f["category_id"] for f in report["findings"] if f["rule"] == "category-out-of-range"} == {264}


def test_clean_sample_passes():
    result = run_cli("scan", CLEAN, "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert errors_by_rule(report) == {}
    assert {f["severity"] for f in report["findings"]} == {"info"}


def test_train_and_validation_with_different_tables():
    result = run_cli("scan", CLEAN, ONE_BASED, "--format", "json", "--select", "category-table-mismatch")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["file"] == str(ONE_BASED)
    assert "ids missing here: 0" in finding["message"]
    assert "ids only here: 264" in finding["message"]


def test_same_tables_do_not_mismatch():
    result = run_cli("scan", CLEAN, BAD, "--format", "json", "--select", "category-table-mismatch")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []


def test_real_subprocess_exit_codes_and_streams():
    """The installed entry point, as CI calls it: report on stdout, summary on stderr."""
    for path, code in ((BAD, 1), (ONE_BASED, 1), (CLEAN, 0)):
        proc = subprocess.run(
            [sys.executable, "-m", "labelcheck", "scan", str(path), "--format", "json"],
            capture_output=True, text=True, cwd=ROOT,
        )
        assert proc.returncode == code, proc.stderr
        json.loads(proc.stdout)
        assert proc.stderr.startswith("labelcheck: " + ("failed" if code else "passed"))


def test_fixtures_are_reproducible_from_their_generator(tmp_path):
    """fixtures/make_fixtures.py regenerates the committed files byte for byte."""
    import shutil

    shutil.copy(FIXTURES / "make_fixtures.py", tmp_path / "make_fixtures.py")
    (tmp_path.parent / "labelcheck" / "core" / "data").mkdir(parents=True, exist_ok=True)
    for data in ("mlperf_264_classes.txt", "coco_91_classes.txt"):
        shutil.copy(ROOT / "labelcheck" / "core" / "data" / data, tmp_path.parent / "labelcheck" / "core" / "data")
    subprocess.run([sys.executable, str(tmp_path / "make_fixtures.py")], check=True)
    # images-*.json come with their images from make_image_fixtures.py (checked in test_image_rules.py).
    shipped = sorted(path.name for path in FIXTURES.iterdir()
                     if path.suffix in (".json", ".txt") and not path.name.startswith("images-"))
    assert shipped == sorted(path.name for path in tmp_path.iterdir() if path.suffix in (".json", ".txt"))
    for name in shipped:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name
