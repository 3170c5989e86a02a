"""Run the labelcheck command in a subprocess under resource limits: a file-size
limit (RLIMIT_FSIZE: a full disk, for every file it writes) and an address-space
limit (RLIMIT_AS: a small machine). No root, no mounts."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def limits(fsize: int | None = None, memory: int | None = None):
    """A preexec_fn setting the limits given (bytes) in the child."""

    def apply() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return apply


def labelcheck(*args: Any, fsize: int | None = None, memory: int | None = None, env: dict[str, str] | None = None,
               **options: Any) -> subprocess.CompletedProcess:
    """``python -m labelcheck ARGS`` under the limits; other options go to subprocess.run."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LABELCHECK_")}
    # The timeout only keeps a regression (reading /dev/zero for ever) from hanging the suite.
    options = {"cwd": ROOT, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "timeout": 600, **options}
    return subprocess.run(
        [sys.executable, "-m", "labelcheck", *map(str, args)], preexec_fn=limits(fsize, memory),
        env={**environment, **(env or {})}, **options,
    )


def one_line_error(process: subprocess.CompletedProcess | subprocess.Popen, *fragments: str, code: int = 2,
                   stderr: bytes | str | None = None) -> str:
    """Exit ``code`` with one line on stderr (``process.stderr``, or as given)
    holding each fragment, and no traceback; returns the line."""
    stderr = process.stderr if stderr is None else stderr
    stderr = stderr.decode() if isinstance(stderr, bytes) else stderr
    assert process.returncode == code, (process.returncode, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("labelcheck: error: "), stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
