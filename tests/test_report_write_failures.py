"""A report that cannot be written whole is exit 2 and one line saying it is incomplete, never a silent cut.

File-size limits (RLIMIT_FSIZE, set in the child) stand for a full disk under
stdout, under ``-o`` and under the temporary folder the stdout report is held in.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from limited import ROOT, labelcheck, one_line_error

BAD = ROOT / "fixtures" / "openimages-mlperf-bad.json"
FORMATS = ["json", "table", "sarif", "junit", "github"]


@pytest.mark.parametrize("format_name", FORMATS)
def test_stdout_cut_by_a_file_size_limit_is_exit_2(tmp_path, format_name):
    """`(ulimit -f 1; labelcheck scan bad.json --format json > r.json)` exited 1 with a cut report."""
    with open(tmp_path / "r.out", "wb") as stdout:
        result = labelcheck("scan", BAD, "--format", format_name, stdout=stdout,
                            fsize=1024)
    one_line_error(result, "standard output: write failed: File too large; the report is incomplete")


@pytest.mark.parametrize("format_name", FORMATS)
def test_stdout_on_a_full_device_is_exit_2(format_name):
    with open("/dev/full", "wb") as stdout:
        result = labelcheck("scan", BAD, "--format", format_name, stdout=stdout)
    one_line_error(result, "standard output: write failed: No space left on device; the report is incomplete")


@pytest.mark.parametrize("format_name", FORMATS)
def test_output_file_cut_by_a_file_size_limit_is_exit_2_and_absent(tmp_path, format_name):
    result = labelcheck("scan", BAD, "--format", format_name, "-o", tmp_path / "r.out", fsize=1024)
    one_line_error(result, "r.out: write failed: File too large; nothing was written")
    assert list(tmp_path.iterdir()) == []


def test_a_report_too_large_for_the_temporary_folder_is_one_line(tmp_path):
    """The stdout report is held (past 8 MB in TMPDIR) until complete: a full TMPDIR was an internal error."""
    spec = importlib.util.spec_from_file_location("bench_scan", ROOT / "benchmarks" / "bench_scan.py")
    bench_scan = sys.modules.setdefault("bench_scan", importlib.util.module_from_spec(spec))
    spec.loader.exec_module(bench_scan)  # type: ignore[union-attr]
    path = tmp_path / "bad.json"
    bench_scan.generate(path, 30_000, out_of_range_rate=1.0)
    folder = tmp_path / "tmp"
    folder.mkdir()
    result = labelcheck("scan", path, "--format", "json", fsize=1 << 20, env={"TMPDIR": str(folder)})
    one_line_error(result, f"the report cannot be held until complete in the temporary folder {folder}",
                   "-o FILE")
    assert result.stdout == b""
