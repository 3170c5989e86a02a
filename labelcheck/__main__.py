"""The ``labelcheck`` command (also ``python -m labelcheck``): ``labelcheck.cli`` started."""

import os


def run() -> None:
    # labelcheck never multiplies matrices. Without this, numpy's OpenBLAS
    # starts a thread per core on import, which costs a tenth of a CPU-second.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .cli import main

    main()


if __name__ == "__main__":
    run()
