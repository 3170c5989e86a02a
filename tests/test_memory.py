"""Memory stays bounded: measured on real subprocesses scanning generated files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import load_benchmark

bench_scan = load_benchmark()

pytestmark = pytest.mark.skipif(not hasattr(os, "wait4"), reason="measures children with os.wait4")


# A fresh, small launcher runs labelcheck and reports the largest resident set
# of it and its workers. Measured from the test process itself, a child's peak
# would include the test process's own memory, which the child starts as a copy of.
LAUNCHER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def peak_rss_mb(*args: str) -> tuple[float, int]:
    """Largest resident set of ``labelcheck ARGS`` and its worker processes, and the exit code."""
    command = [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "labelcheck", *args]
    peak_kb, code = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
    return int(peak_kb) / 1024, int(code)


def test_peak_memory_does_not_follow_the_file(tmp_path):
    """Twice the annotations, about the same peak; far below what holding the document takes."""
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    bench_scan.generate(small, 300_000)
    bench_scan.generate(large, 600_000)
    small_mb, code = peak_rss_mb("scan", str(small), "--format", "json", "-o", str(tmp_path / "s.json"))
    assert code == 1  # the generated files have out-of-range labels
    large_mb, code = peak_rss_mb("scan", str(large), "--format", "json", "-o", str(tmp_path / "l.json"))
    assert code == 1
    file_mb = large.stat().st_size / 2**20
    # json.load alone needs several times the file's size; this stays well under the file's size.
    assert large_mb < 0.8 * file_mb, (large_mb, file_mb)
    # Doubling the file adds images (a few tens of bytes each), not annotations.
    assert large_mb - small_mb < 0.1 * file_mb, (small_mb, large_mb, file_mb)


def test_every_annotation_bad_still_bounded(tmp_path):
    """Findings stream to the JSON report; the table keeps only aggregates."""
    path = tmp_path / "bad.json"
    bench_scan.generate(path, 150_000, out_of_range_rate=1.0)
    report = tmp_path / "report.json"
    json_mb, code = peak_rss_mb("scan", str(path), "--format", "json", "-o", str(report))
    assert code == 1
    findings = json.loads(report.read_text("utf-8"))["findings"]
    assert sum(f["rule"] == "category-out-of-range" for f in findings) == 150_000
    table_mb, code = peak_rss_mb("scan", str(path))
    assert code == 1
    # 300,000 findings kept as objects would take well over 100 MB on their own.
    assert json_mb < 90 and table_mb < 90, (json_mb, table_mb)


def test_clean_of_a_file_where_every_annotation_is_bad_stays_bounded(tmp_path):
    """clean keeps its audit compact (bytes per dropped annotation) and writes the report entry by entry."""
    path = tmp_path / "bad.json"
    bench_scan.generate(path, 150_000, out_of_range_rate=1.0)
    report = tmp_path / "audit.json"
    peak_mb, code = peak_rss_mb("clean", str(path), "-o", str(tmp_path / "out.json"), "--report", str(report))
    assert code == 0
    audit = json.loads(report.read_text("utf-8"))
    assert len(audit["dropped_annotations"]) == 150_000 and audit["counts"]["annotations"]["kept"] == 0
    # As objects (about 600 bytes each, and the whole report as one string) this took over 300 MB.
    assert peak_mb < 110, peak_mb


def test_the_benchmark_counts_every_process_of_the_tree():
    """The benchmark's memory sampler finds a process's children (labelcheck's workers)."""
    script = ("import subprocess, sys, time\n"
              "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
              "print(child.pid, flush=True)\n"
              "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    try:
        assert sorted(bench_scan._tree(parent.pid)) == sorted([parent.pid, child])
        assert sorted(bench_scan._tree_by_parents(parent.pid)) == sorted([parent.pid, child])
        assert bench_scan._rss(child) > 1 << 20
    finally:
        os.kill(child, 9)
        parent.kill()
        parent.communicate()


def test_every_box_tiny_still_bounded(tmp_path):
    """A tiny-box finding for each of 150,000 annotations: streamed to the report, the statistics bounded."""
    path = tmp_path / "tiny.json"
    images = 15_000
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"categories": [' + ", ".join(f'{{"id": {i}, "name": "c{i}"}}' for i in range(264)) + '],\n')
        out.write('"images": [' + ",\n".join(f'{{"id": {i}, "file_name": "{i:08d}.jpg", "width": 640, "height": 480}}'
                                         for i in range(1, images + 1)) + '],\n"annotations": [\n')
        out.write(",\n".join(f'{{"id": {k}, "image_id": {1 + k % images}, "category_id": {k % 264}, '
                             f'"bbox": [{k % 600}, {k % 400}, 1, 1.5], "area": 1.5, "iscrowd": 0}}'
                             for k in range(150_000)))
        out.write("\n]}\n")
    report = tmp_path / "report.json"
    peak_mb, code = peak_rss_mb("scan", str(path), "--num-classes", "264", "--format", "json", "-o", str(report))
    assert code == 0  # tiny-box is a warning
    document = json.loads(report.read_text("utf-8"))
    assert sum(f["rule"] == "tiny-box" for f in document["findings"]) == 150_000
    width = document["statistics"]["files"][0]["boxes"]["width"]
    assert width["counts"][width["edges"].index(1)] == 150_000  # all in [1, 1.41)
    assert peak_mb < 90, peak_mb
