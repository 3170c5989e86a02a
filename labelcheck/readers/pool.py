"""Worker processes that read runs of a plain file and check, decode or edit them.

The streaming reader (``stream``) and the rewrites of ``clean`` and ``remap``
(``labelcheck.fixing.rewrite``) hand runs to these workers
(``labelcheck.readers.worker``); this process does runs too while the next
answer is not in, so it counts as one more worker.
"""

from __future__ import annotations

import os
import pickle
import select
import subprocess
import sys
from collections import deque
from contextlib import nullcontext, suppress
from typing import Any, Callable, Iterator, Sequence

from ..core.stopping import held
from .base import collector_paused, is_gzip
from .jsonsplit import validated
from .rundecode import ShortRead, read_run_document
from .source import Source, changed_while_read, inherited_fds
from .worker import READY

# Files smaller than this are read in this process alone: starting workers costs more.
POOL_MIN_BYTES = 32 << 20
_IN_FLIGHT_PER_WORKER = 2


def default_workers() -> int:
    """One worker process per core, up to four: beyond that the main process's rules are the limit."""
    return max(1, min(os.cpu_count() or 1, 4))


def reader_workers() -> int:
    """One worker process per core but one, up to three: the reader decodes runs
    itself too, whenever the next answer is not in yet (0: it reads alone)."""
    return max(0, min((os.cpu_count() or 1) - 1, 3))


# Starts labelcheck.readers.worker from this very package without running the
# package's __init__ modules: they import the engine, the rules and rich, which
# a worker never uses, and two workers start on every large scan.
_WORKER_BOOTSTRAP = """
import signal
for stopping in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # the parent's to handle, from the first line
    signal.signal(stopping, signal.SIG_IGN)
import os, sys, types
readers = sys.argv[1]
for name, path in (("labelcheck", os.path.dirname(readers)), ("labelcheck.readers", readers)):
    stub = types.ModuleType(name)
    stub.__path__ = [path]
    sys.modules[name] = stub
from labelcheck.readers.worker import main
main()
"""


class WorkerPool:
    """Worker processes (``labelcheck.readers.worker``) that read runs of a plain
    file and run a task on each: check, decode or edit it.

    A task is a module-level function (sent by name) of the run document
    (``[`` + run + ``]``) and the arguments given. Requests go round-robin;
    each worker answers in order, so answers are collected in the order
    requests were made.
    """

    def __init__(self, path: str, count: int, name: str) -> None:
        self.path = path
        self.name = name
        self._next = 0
        self._unanswered = 0
        self.processes: list[subprocess.Popen] = []
        try:
            with held():  # a signal while Popen forks would leave a worker no one ends
                for _ in range(count):
                    self.processes.append(self._start())
        except BaseException:  # a signal while starting them: end those started, as close() would
            self._unanswered = len(self.processes)
            self.close()
            raise
        self._starting = list(range(count))  # workers that have not said READY yet

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", _WORKER_BOOTSTRAP, os.path.dirname(os.path.abspath(__file__))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Workers never multiply matrices: without this, numpy's OpenBLAS starts
            # a thread per core in each, which doubles the CPU time of importing it.
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
            pass_fds=inherited_fds(self.path),  # a descriptor's path (a spool, an input held) opens there too
        )

    def ready(self) -> bool:
        """Whether every worker has started (said READY); never waits."""
        while self._starting:
            stdout = self.processes[self._starting[-1]].stdout
            assert stdout is not None
            if not select.select([stdout], [], [], 0)[0]:
                return False
            if stdout.read(len(READY)) != READY:
                raise RuntimeError("a labelcheck worker process failed to start")
            self._starting.pop()
        return True

    @classmethod
    def for_(cls, src: "Source", count: int) -> "WorkerPool | None":
        """Workers for a plain file big enough to pay for starting them."""
        path = src.plain_path()
        if path is None or count < 1 or not sys.executable or os.name != "posix" or (src.size() or 0) < POOL_MIN_BYTES:
            return None
        return cls(path, count, src.name)

    @classmethod
    def for_file(cls, path: str, name: str, count: int | None = None) -> "WorkerPool | None":
        """Workers for ``path`` if it is a plain (not compressed) file big enough to pay for them."""
        return cls.for_(Source(name, path, is_gzip(path)), default_workers() if count is None else count)

    def submit(self, task: Callable[..., Any], start: int, end: int, args: tuple = ()) -> int:
        """Send a request; returns the worker that will answer it."""
        while not self.ready():
            select.select([self.processes[i].stdout for i in self._starting], [], [])
        worker = self._next
        self._next = (worker + 1) % len(self.processes)
        stdin = self.processes[worker].stdin
        assert stdin is not None
        pickle.dump((task, self.path, start, end, args), stdin, protocol=pickle.HIGHEST_PROTOCOL)
        stdin.flush()
        self._unanswered += 1
        return worker

    def receive(self, worker: int) -> Any:
        stdout = self.processes[worker].stdout
        assert stdout is not None
        try:
            status, result = pickle.load(stdout)
            self._unanswered -= 1
        except EOFError:
            code = self.processes[worker].wait()
            raise RuntimeError(f"a labelcheck worker process ended unexpectedly (exit code {code})") from None
        if status == "ok":
            return result
        if isinstance(result, ShortRead):
            raise changed_while_read(self.name)
        raise result

    def answered(self, worker: int) -> bool:
        """Whether an answer from ``worker`` has begun to arrive (a hint: one
        already read ahead into the pipe's buffer is not seen); never waits."""
        stdout = self.processes[worker].stdout
        assert stdout is not None
        return bool(select.select([stdout], [], [], 0)[0])

    def map(self, jobs: Sequence[tuple[Callable[..., Any], int, int, tuple]], here: bool = False) -> Iterator[Any]:
        """Each job ``(task, start, end, args)`` done, results in job order, a
        bounded number of jobs in flight. With ``here``, this process does
        jobs too while the next answer is not in: it is one more worker."""
        ahead = len(self.processes) * _IN_FLIGHT_PER_WORKER
        waiting = deque(jobs)
        pending: deque[tuple[bool, Any]] = deque()  # (done here, its result or the worker answering)
        submitted = 0
        with open(self.path, "rb", buffering=0) if here else nullcontext() as handle:
            while waiting or pending:
                while waiting and submitted < ahead:
                    pending.append((False, self.submit(*waiting.popleft())))
                    submitted += 1
                local, value = pending[0]
                if here and waiting and not local and len(pending) - submitted < ahead and not self.answered(value):
                    pending.append((True, run_here(handle, *waiting.popleft(), self.name)))
                    continue
                pending.popleft()
                if not local:
                    submitted -= 1
                    value = self.receive(value)
                yield value

    def validator(self) -> "_Validator":
        """The workers as the splitter's ``RunValidator``."""
        return _Validator(self)

    def close(self) -> None:
        """End the workers: they exit when their input closes, or at once if answers were left unread."""
        for process in self.processes:
            assert process.stdin is not None and process.stdout is not None
            with suppress(BrokenPipeError):  # a worker already gone (killed): wait for it all the same
                process.stdin.close()
            if self._unanswered:
                process.kill()
            process.stdout.close()
        for process in self.processes:
            process.wait()


def run_here(handle: Any, task: Callable[..., Any], start: int, end: int, args: tuple, name: str) -> Any:
    """A worker's job done in this process."""
    try:
        document = read_run_document(handle, start, end)
    except ShortRead:
        raise changed_while_read(name) from None
    with collector_paused():
        return task(document, *args)


class _Validator:
    """The workers as the splitter's ``jsonsplit.RunValidator``: they check runs, and decode them."""

    def __init__(self, workers: WorkerPool) -> None:
        self.workers = workers
        self.depth = _IN_FLIGHT_PER_WORKER * len(workers.processes)

    def ready(self) -> bool:
        return self.workers.ready()

    def submit(self, start: int, end: int, check: Callable[..., Any] = validated) -> int:
        return self.workers.submit(check, start, end)

    def result(self, handle: int) -> Any:
        return self.workers.receive(handle)

    def answered(self, handle: int) -> bool:
        return self.workers.answered(handle)
