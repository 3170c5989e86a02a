"""Executors: what runs the batches of paths, chosen by name (``--executor``).

Each maps a task over jobs and yields the answers in the jobs' order, with a
bounded number of batches in flight, so memory does not grow with the
number of images:

- ``local`` (``local:N``): this machine; N threads for stats and remote
  storage (I/O waits), N processes where each image costs CPU (headers and
  decoding of local files). N defaults to the number of cores (threads: 16).
- ``dask://HOST:PORT``: an existing Dask cluster (``labelcheck[dask]``); the
  workers need labelcheck with its ``images`` extra and must see ROOT (object
  storage, or a shared folder). Only the batches' answers come back. A task
  lost with a worker is run again by Dask; a worker dying on the same batch
  again and again, or a cluster left without workers for
  ``NO_WORKERS_WAIT`` seconds, ends the run with one error.
- any ``concurrent.futures.Executor`` given to the Python API (such as a
  ``distributed.Client``'s ``get_executor()``): used as it is, not shut down.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import time
from collections import deque
from itertools import islice
from typing import Any, Callable, ClassVar, Iterable, Iterator

from ..core.errors import ExecutorError, UsageError

Task = Callable[..., Any]
_IN_FLIGHT_PER_WORKER = 2
REMOTE_THREADS = 16
CONNECT_TIMEOUT = 10.0  # seconds to wait for a Dask scheduler to answer
NO_WORKERS_WAIT = 60.0  # seconds a Dask cluster may have no worker before the run gives up
_POLL = 1.0


class Executor:
    """Runs ``task(*job)`` for each job; answers in the jobs' order."""

    name: ClassVar[str]

    def map(self, task: Task, jobs: Iterable[tuple], *, cpu_bound: bool) -> Iterator[Any]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _in_order(submit: Callable[[tuple], Any], jobs: Iterable[tuple], in_flight: int,
              answer: Callable[[Any], Any]) -> Iterator[Any]:
    """Submit jobs, at most ``in_flight`` ahead of the answer yielded; cancel what is left on the way out."""
    pending: deque = deque()
    try:
        for job in jobs:
            pending.append(submit(job))
            if len(pending) >= in_flight:
                yield answer(pending.popleft())
        while pending:
            yield answer(pending.popleft())
    finally:
        for future in pending:
            future.cancel()


class LocalExecutor(Executor):
    name = "local"

    def __init__(self, workers: str | None = None) -> None:
        self.workers = _count(workers) if workers else None
        self._pools: dict[bool, concurrent.futures.Executor] = {}

    def _pool(self, cpu_bound: bool) -> concurrent.futures.Executor:
        if cpu_bound not in self._pools:
            if cpu_bound:
                context = multiprocessing.get_context("forkserver")  # no fork of a process with threads
                self._pools[True] = concurrent.futures.ProcessPoolExecutor(self.workers or os.cpu_count() or 1,
                                                                           mp_context=context)
            else:
                self._pools[False] = concurrent.futures.ThreadPoolExecutor(self.workers or REMOTE_THREADS)
        return self._pools[cpu_bound]

    def map(self, task: Task, jobs: Iterable[tuple], *, cpu_bound: bool) -> Iterator[Any]:
        jobs = iter(jobs)
        first = list(islice(jobs, 2))
        if len(first) < 2 or self.workers == 1:  # one batch, or one worker: no pool to start
            for job in (*first, *jobs):
                yield task(*job)
            return
        pool = self._pool(cpu_bound)
        workers = pool._max_workers  # type: ignore[attr-defined]
        everything = (job for part in (first, jobs) for job in part)
        yield from _in_order(lambda job: pool.submit(task, *job), everything, workers * _IN_FLIGHT_PER_WORKER,
                             _local_answer)

    def close(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(cancel_futures=True)
        self._pools.clear()


def _local_answer(future: concurrent.futures.Future) -> Any:
    try:
        return future.result()
    except concurrent.futures.process.BrokenProcessPool:
        raise ExecutorError("a worker process checking images died (out of memory?); "
                            "run again with fewer workers (--executor local:1)") from None


def _count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise UsageError(f"--executor local:{text}: N must be a whole number >= 1")
    return count


class FuturesExecutor(Executor):
    """A ``concurrent.futures.Executor`` the caller owns."""

    name = "executor"

    def __init__(self, executor: concurrent.futures.Executor, in_flight: int = 64) -> None:
        self.executor = executor
        self.in_flight = in_flight

    def map(self, task: Task, jobs: Iterable[tuple], *, cpu_bound: bool) -> Iterator[Any]:
        return _in_order(lambda job: self.executor.submit(task, *job), jobs, self.in_flight,
                         lambda future: future.result())


class DaskExecutor(Executor):
    name = "dask"

    def __init__(self, address: str | None, *, connect_timeout: float = CONNECT_TIMEOUT,
                 no_workers_wait: float = NO_WORKERS_WAIT) -> None:
        if not address:
            raise UsageError("--executor dask://HOST:PORT: give the scheduler's address")
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--executor dask://: needs Dask's distributed: pip install 'labelcheck[dask]'") from None
        self.address = address if "://" in address else f"tcp://{address}"
        self.no_workers_wait = no_workers_wait
        try:
            self.client = Client(self.address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"--executor dask://{address}: no Dask scheduler answered at {self.address} within "
                             f"{connect_timeout:g} s ({type(exc).__name__}); check the address and that the "
                             "scheduler runs") from None

    def map(self, task: Task, jobs: Iterable[tuple], *, cpu_bound: bool) -> Iterator[Any]:
        threads = sum(self.client.nthreads().values())
        submit = lambda job: self.client.submit(task, *job, pure=False)  # noqa: E731
        return _in_order(submit, jobs, max(4, 4 * threads), self._answer)

    def _answer(self, future: Any) -> Any:
        from distributed import KilledWorker

        quiet_since: float | None = None
        while True:
            try:
                return future.result(timeout=_POLL)
            except TimeoutError:
                if self.client.nthreads():
                    quiet_since = None
                elif quiet_since is None:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since > self.no_workers_wait:
                    raise ExecutorError(f"the Dask cluster at {self.address} has had no worker for "
                                        f"{self.no_workers_wait:g} s; start workers and run again") from None
            except KilledWorker:
                raise ExecutorError(f"Dask workers at {self.address} died again and again on one batch of images "
                                    "(out of memory on a huge image?); see the workers' logs") from None
            except UsageError:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever the task or the cluster raised, as one line
                raise ExecutorError(f"checking images on the Dask cluster at {self.address} failed: "
                                    f"{type(exc).__name__}: {exc}; the workers need labelcheck[images] installed "
                                    "and ROOT within reach") from None

    def close(self) -> None:
        self.client.close()


EXECUTORS: dict[str, type[Executor]] = {
    LocalExecutor.name: LocalExecutor,
    DaskExecutor.name: DaskExecutor,
}


def executor_for(spec: "str | concurrent.futures.Executor | Executor") -> tuple[Executor, bool]:
    """The executor for ``spec``, and whether this run owns it (closes it when done).

    ``local``, ``local:N``, ``dask://HOST:PORT``, or an executor object.
    """
    if isinstance(spec, Executor):
        return spec, False
    if isinstance(spec, concurrent.futures.Executor):
        return FuturesExecutor(spec), False
    name, _, target = spec.partition("://") if "://" in spec else spec.partition(":")
    if name not in EXECUTORS:
        raise UsageError(f"--executor {spec}: unknown executor; use local, local:N or dask://HOST:PORT")
    return EXECUTORS[name](target or None), True
