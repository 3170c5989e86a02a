"""Atomic output: write beside the target, rename into place only when complete.

An error, Ctrl-C or a kill leaves the target as it was and no partial file:
the temporary file is removed on any exception, and a killed process leaves
at worst a hidden ``.labelcheck-*.tmp`` file, never a truncated target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from .errors import LabelcheckError, OutputError


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{target}: output folder {folder} does not exist; create it first")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.labelcheck-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write in {folder}: {exc.strerror}") from None
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(exc, OSError) and not isinstance(exc, LabelcheckError):
            raise OutputError(f"{target}: write failed: {exc.strerror or exc}; nothing was written") from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
