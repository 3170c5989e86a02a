"""SIGINT, SIGTERM and SIGHUP stop the command cleanly, from its first import on.

Exit 128 + the signal's number (130, 143, 129), one line on stderr, no
traceback, and nothing left behind: no output, no named temporary file. Where
O_TMPFILE is unavailable (NFS, FUSE; here disabled) outputs are staged in named
``.labelcheck-*.tmp`` files, which a SIGTERM left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from limited import ROOT, one_line_error

BAD = ROOT / "fixtures" / "openimages-mlperf-bad.json"

# labelcheck without O_TMPFILE, waiting (until a signal comes) at one point:
# "opening", once its named temporary file exists, inside StagedFile's constructor;
# "committing", once an output is complete, before it is flushed and named;
# "importing", when the command module is being imported (it signals itself);
# "reading", once worker processes check runs (for any size of file).
WAITING = """
import os, signal, sys, time
del os.O_TMPFILE
where, sys.argv = sys.argv[1], ["labelcheck", *sys.argv[2:]]

def wait():
    while True:
        time.sleep(0.01)

if where == "importing":
    class Signalling:
        def find_spec(self, name, path=None, target=None):
            if name == "labelcheck.cli.commands":
                sys.meta_path.remove(self)
                os.kill(os.getpid(), getattr(signal, os.environ["SIGNAL"]))
            return None
    sys.meta_path.insert(0, Signalling())
elif where == "reading":
    import labelcheck.readers.pool as pool
    pool.POOL_MIN_BYTES = 0
    pool.WorkerPool.receive = lambda self, worker: wait()
else:
    import labelcheck.core.atomic as atomic
    if where == "opening":
        opened = atomic.StagedFile._open_unnamed
        atomic.StagedFile._open_unnamed = lambda self, folder: opened(self, folder) and wait()
    else:
        prepare = atomic.StagedFile.prepare
        atomic.StagedFile.prepare = lambda self: wait() or prepare(self)
from labelcheck.__main__ import run
run()
"""

COMMANDS = {
    "scan": ["scan", "{in}", "--format", "json", "-o", "{out}/report.json"],
    "clean": ["clean", "{in}", "-o", "{out}/clean.json", "--report", "{out}/audit.json"],
    "remap": ["remap", "{in}", "-o", "{out}/remap.json", "--offset", "0", "--drop-unknown"],
}
SIGNALS = {"SIGINT": 130, "SIGTERM": 143, "SIGHUP": 129}


def start(where: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WAITING, where, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, **(env or {})}, start_new_session=True)


@pytest.mark.parametrize("signal_name", SIGNALS)
@pytest.mark.parametrize("where", ["opening", "committing"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_signal_leaves_no_output_and_no_temporary_file(tmp_path, command, where, signal_name):
    out = tmp_path / "out"
    out.mkdir()
    args = [arg.format(**{"in": BAD, "out": out}) for arg in COMMANDS[command]]
    process = start(where, args)
    try:
        while not any(path.name.startswith(".labelcheck-") for path in out.iterdir()):
            assert process.poll() is None, process.communicate()
        process.send_signal(getattr(signal, signal_name))
        stdout, stderr = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert list(out.iterdir()) == []
    one_line_error(process, f"interrupted by {signal_name}; nothing was written", code=SIGNALS[signal_name],
                   stderr=stderr)


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_a_signal_while_starting_is_one_line(tmp_path, signal_name):
    """SIGINT in the first 150 ms (importing the command) printed a KeyboardInterrupt traceback."""
    process = start("importing", ["scan", str(BAD)], env={"SIGNAL": signal_name})
    _, stderr = process.communicate()
    one_line_error(process, f"interrupted by {signal_name}", code=SIGNALS[signal_name], stderr=stderr)


def test_sigterm_to_the_process_group_while_workers_read(tmp_path):
    """`kill -TERM -PGID` (a CI runner's timeout) reaches the workers too: they leave the stop to the command."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_scan", ROOT / "benchmarks" / "bench_scan.py")
    bench_scan = sys.modules.setdefault("bench_scan", importlib.util.module_from_spec(spec))
    spec.loader.exec_module(bench_scan)  # type: ignore[union-attr]
    path = tmp_path / "big.json"
    bench_scan.generate(path, 20_000)
    process = start("reading", ["scan", str(path)])
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    try:
        while not children.read_text().split():
            assert process.poll() is None, process.communicate()
        workers = [int(pid) for pid in children.read_text().split()]
        os.killpg(process.pid, signal.SIGTERM)
        _, stderr = process.communicate()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    one_line_error(process, "interrupted by SIGTERM", code=143, stderr=stderr)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers)  # ended and waited for
