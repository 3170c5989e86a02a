"""Standard input and pipes: copied to an unnamed, bounded temporary file, checked as they come.

A stream is copied before it is read (it may be read twice); the copy must not
fill the disk with what is no COCO file (``yes |``, ``/dev/zero``), nor outlive
the process, nor end in an internal error when the temporary folder is full.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from limited import ROOT, labelcheck, one_line_error

BAD = ROOT / "fixtures" / "openimages-mlperf-bad.json"
_spec = importlib.util.spec_from_file_location("bench_scan", ROOT / "benchmarks" / "bench_scan.py")
bench_scan = sys.modules.setdefault("bench_scan", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(bench_scan)  # type: ignore[union-attr]

# Writes its first argument, then the second one over and over: forever, or
# (given a count) that many times 65,536, then waits with the pipe open.
PRODUCER = """
import sys, time
out = sys.stdout.buffer
out.write(sys.argv[1].encode())
filler = sys.argv[2].encode() * 65536
blocks = int(sys.argv[3]) if len(sys.argv) > 3 else -1
while blocks:
    out.write(filler)
    blocks -= 1
out.flush()
while True:
    time.sleep(1)
"""


def producing(first: str, filler: str, blocks: int | None = None) -> subprocess.Popen:
    count = [] if blocks is None else [str(blocks)]
    return subprocess.Popen([sys.executable, "-c", PRODUCER, first, filler, *count], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)


@pytest.fixture
def tmpdir_env(tmp_path):
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder, {"TMPDIR": str(folder)}


def test_endless_garbage_on_stdin_is_refused_after_a_little(tmp_path, tmpdir_env):
    """`yes | labelcheck scan -` copied everything; under a 16 MB file-size limit it ended in an internal error."""
    folder, env = tmpdir_env
    producer = producing("y\n", "y\n")
    try:
        result = labelcheck("scan", "-", stdin=producer.stdout, fsize=16 << 20, env=env)
    finally:
        producer.kill()
        producer.wait()
        producer.stdout.close()
    one_line_error(result, "<stdin>", "byte 0 (line 1, column 1): invalid JSON: expecting value")
    assert list(folder.iterdir()) == []


def test_endless_array_on_stdin_is_no_coco_file(tmpdir_env):
    folder, env = tmpdir_env
    producer = producing("\n  [", "[0, 1], ")
    try:
        result = labelcheck("scan", "-", stdin=producer.stdout, fsize=16 << 20, env=env)
    finally:
        producer.kill()
        producer.wait()
        producer.stdout.close()
    one_line_error(result, "<stdin>", "top level is a JSON array, not an object")


def test_stdin_past_the_limit_is_refused(tmpdir_env):
    """An object that never ends: copied up to --stdin-limit, then one line saying how to raise it."""
    folder, env = tmpdir_env
    producer = producing('{"images": [', "    ")
    try:
        result = labelcheck("scan", "-", "--stdin-limit", "4M", stdin=producer.stdout, fsize=16 << 20, env=env)
    finally:
        producer.kill()
        producer.wait()
        producer.stdout.close()
    one_line_error(result, "<stdin>", "more than 4 MiB on standard input", "--stdin-limit")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused(device):
    """Copied, they filled the temporary folder (14 GB in 8 s); here at most 16 MB."""
    one_line_error(labelcheck("scan", device, fsize=16 << 20), device, "is a device")
    with open(device, "rb") as stream:
        one_line_error(labelcheck("scan", "-", stdin=stream, fsize=16 << 20), "<stdin>", "is a device")


def test_dev_null_is_an_empty_file():
    one_line_error(labelcheck("scan", os.devnull), "the file is empty")


def test_a_full_temporary_folder_is_one_line(tmp_path, tmpdir_env):
    folder, env = tmpdir_env
    path = tmp_path / "big.json"
    bench_scan.generate(path, 20_000)
    with open(path, "rb") as stream:
        result = labelcheck("scan", "-", stdin=stream, fsize=1 << 20, env=env)
    one_line_error(result, "<stdin>", f"cannot copy standard input to the temporary folder {folder}", "TMPDIR")


def test_gzip_on_stdin_is_copied_compressed(tmp_path, tmpdir_env):
    """The copy holds the compressed bytes: 5 MB of JSON in about 0.5 MB fits a 2 MB file-size limit."""
    folder, env = tmpdir_env
    path = tmp_path / "big.json"
    bench_scan.generate(path, 20_000)
    compressed = tmp_path / "big.json.gz"
    compressed.write_bytes(gzip.compress(path.read_bytes()))
    assert path.stat().st_size > 4 << 20 and compressed.stat().st_size < 1 << 20
    with open(compressed, "rb") as stream:
        piped = labelcheck("scan", "-", "--format", "json", stdin=stream, fsize=2 << 20, env=env)
    direct = labelcheck("scan", path, "--format", "json")
    assert piped.returncode == direct.returncode == 1, piped.stderr
    assert piped.stdout.replace(b'"<stdin>"', b'"%s"' % str(path).encode()) == direct.stdout


def test_sigterm_while_copying_leaves_no_spool(tmpdir_env):
    """The copy is unnamed: however the process ends, it leaves nothing in TMPDIR; the stop comes
    while it waits for input (a read of 4 MB at once handled the signal only once more input came)."""
    folder, env = tmpdir_env
    producer = producing('{"images": [', " ", 16)
    process = subprocess.Popen([sys.executable, "-m", "labelcheck", "scan", "-"], stdin=producer.stdout,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **env})
    try:
        while not _writes_into(process.pid, folder):  # the copy has begun
            assert process.poll() is None, process.stderr.read()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=600)  # it once went on waiting for input: the signal came between two reads
    finally:
        producer.kill()
        producer.wait()
        producer.stdout.close()
        process.stderr.close()
    assert process.returncode == 143
    assert list(folder.iterdir()) == []


def _writes_into(pid: int, folder: Path) -> bool:
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(str(folder)):
                return True
        except FileNotFoundError:
            pass
    return False


# labelcheck with workers for any size, waited for, and small runs: workers check runs of the spool.
WORKERS_ALWAYS = """
import runpy, sys, time
from functools import partialmethod
import labelcheck.readers.pool as pool, labelcheck.readers.stream as stream
pool.POOL_MIN_BYTES = 0
ready = pool.WorkerPool.ready
pool.WorkerPool.ready = lambda self: ready(self) or time.sleep(0.01) or pool.WorkerPool.ready(self)
submit = pool.WorkerPool.submit
pool.WorkerPool.submit = lambda self, *job: print("worker", file=sys.stderr) or submit(self, *job)
stream.StreamReader.__init__ = partialmethod(stream.StreamReader.__init__, run_bytes=64 << 10)
sys.argv = ["labelcheck", *sys.argv[1:]]
runpy.run_module("labelcheck", run_name="__main__")
"""


def test_workers_read_a_large_spool(tmp_path, monkeypatch):
    """Past the size that pays for workers, they open the unnamed copy too (the descriptor is passed on)."""
    path = tmp_path / "big.json"
    bench_scan.generate(path, 20_000)
    with open(path, "rb") as stream:
        piped = subprocess.run([sys.executable, "-c", WORKERS_ALWAYS, "scan", "-", "--format", "json"], stdin=stream,
                               capture_output=True, cwd=ROOT)
    direct = labelcheck("scan", path, "--format", "json")
    assert piped.returncode == direct.returncode == 1, piped.stderr
    assert piped.stdout.replace(b'"<stdin>"', b'"%s"' % str(path).encode()) == direct.stdout
    assert b"worker" in piped.stderr
