"""The ``labelcheck`` command (also ``python -m labelcheck``): ``labelcheck.cli`` started."""

import contextlib
import os
import sys


def run() -> None:
    # labelcheck never multiplies matrices. Without this, numpy's OpenBLAS
    # starts a thread per core on import, which costs a tenth of a CPU-second.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .cli.commands import main

    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    # Every output is complete by now (written and named inside the command);
    # what is left is the interpreter's teardown of numpy and the rest, about
    # 30 ms of a 0.6 s scan, which no one waits for with os._exit.
    if code is not None and not isinstance(code, int):  # what the interpreter does with sys.exit("message")
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a reader gone (| head): the command has said what it could
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    run()
