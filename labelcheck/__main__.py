"""The ``labelcheck`` command (also ``python -m labelcheck``): ``labelcheck.cli`` started.

Signals: SIGINT (Ctrl-C), SIGTERM and SIGHUP raise ``Interrupted`` wherever
the command is, from its first line on (imports included; ``core.stopping``),
so every output staged, worker and spool is cleaned up on the way out; the
command then exits 128 + the signal's number (130, 143, 129) with one line on
stderr. A second signal while it cleans up is ignored.
"""

import contextlib
import os
import signal
import sys

from .core.stopping import STOPPING_SIGNALS, Interrupted, on_signal


def run() -> None:
    for stopping in STOPPING_SIGNALS:
        if signal.getsignal(stopping) is not signal.SIG_IGN:  # nohup's SIGHUP stays ignored
            signal.signal(stopping, on_signal)
    try:
        code = _command()
    except Interrupted as exc:  # before the command handles it: while starting, or parsing options
        print(exc.message(), file=sys.stderr)
        code = exc.exit_code
    finally:
        atomic = sys.modules.get("labelcheck.core.atomic")  # not imported: no output was staged
        if atomic is not None:
            atomic.remove_leftovers()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # a reader gone (| head): the command has said what it could
        pass
    except OSError as exc:  # what was left in the buffer: the output is cut short
        print(f"labelcheck: error: standard output: write failed: {exc.strerror}; the output is incomplete",
              file=sys.stderr)
        code = 2
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    # Every output is complete by now (written and named inside the command);
    # what is left is the interpreter's teardown of numpy and the rest, about
    # 30 ms of a 0.6 s scan, which no one waits for with os._exit.
    os._exit(code)


def _command() -> int:
    # labelcheck never multiplies matrices. Without this, numpy's OpenBLAS
    # starts a thread per core on import, which costs a tenth of a CPU-second.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .cli.commands import main

    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):  # what the interpreter does with sys.exit("message")
        print(code, file=sys.stderr)
        code = 1
    return code or 0


if __name__ == "__main__":
    run()
