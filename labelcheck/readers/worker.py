"""A worker process that reads runs of a file and checks, decodes or edits
them: ``python -m labelcheck.readers.worker``.

Once imported it writes ``READY`` to stdout. Requests ``(task, path, start,
end, args)`` then arrive pickled on stdin (see ``rundecode.run_task``; a task
is a module-level function, pickled by name, imported here when first
needed); each answer, ``("ok", result)`` or ``("error", exception)``, leaves
pickled on stdout, in request order. The worker ends when stdin closes. A plain subprocess, not
multiprocessing: it neither forks a parent that may run threads nor imports
the parent's ``__main__``.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import sys
import threading
from typing import BinaryIO

from .rundecode import run_task

READY = b"R"


def main() -> None:
    # Ctrl-C and SIGTERM (often sent to the whole group) are the parent's to handle
    # (the bootstrap in ``pool`` ignores them from its first line): the worker ends
    # when its stdin closes.
    # Decoding a run allocates tens of thousands of tuples, each a cycle-collector
    # candidate, none ever in a cycle: collecting costs ~10% of the decode for nothing.
    gc.disable()
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:  # the parent stopped reading (an error, Ctrl-C): nothing to report
        pass
    # Every answer is written: nothing is left to clean up, and the parent
    # waits for this exit, so skip the interpreter's teardown.
    os._exit(0)


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    answers.write(READY)  # the parent works alone until its workers are up
    answers.flush()
    # Requests are read as they come, by a thread: the parent may send the next
    # one (a large mapping, say) while this worker writes a large answer, and
    # each would otherwise wait for the other to read its pipe.
    pending: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_read_requests, args=(requests, pending), daemon=True).start()
    # Answers are written by a thread too, so this one goes on to the next
    # request while the parent has not yet read an answer larger than the pipe.
    done: queue.SimpleQueue = queue.SimpleQueue()
    writer = threading.Thread(target=_write_answers, args=(done, answers))
    writer.start()
    try:
        while (request := pending.get()) is not _END:
            try:
                if isinstance(request, BaseException):
                    raise request
                answer: tuple = ("ok", run_task(*request))
            except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
                answer = ("error", exc)
            # Pickled here, written there in one call: a writer pickling into the pipe
            # itself takes the GIL back after every chunk it writes (measured: a 1M
            # scan 0.66 s instead of 0.61 s).
            done.put(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        done.put(_END)
        writer.join()


_END = object()


def _write_answers(done: queue.SimpleQueue, answers: BinaryIO) -> None:
    while (answer := done.get()) is not _END:
        try:
            answers.write(answer)
            answers.flush()
        except BrokenPipeError:  # the parent stopped reading (an error, Ctrl-C): nothing to report
            os._exit(0)
        except BaseException:  # noqa: BLE001 - an answer lost: end, so the parent sees the worker end
            os._exit(1)


def _read_requests(requests: BinaryIO, pending: queue.SimpleQueue) -> None:
    while True:
        try:
            pending.put(pickle.load(requests))
        except EOFError:
            pending.put(_END)
            return
        except Exception as exc:  # noqa: BLE001 - a request that cannot be read: answered as an error
            pending.put(exc)
            pending.put(_END)
            return


if __name__ == "__main__":
    main()
