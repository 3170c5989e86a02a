"""Atomic output: write beside the target, rename into place only when complete.

On Linux the data goes to an unnamed O_TMPFILE in the target's folder, given a
name only once complete, so even a killed process leaves nothing behind. Where
O_TMPFILE is unavailable a hidden named temporary file is used, removed on any
error or Ctrl-C. Either way the target is never seen half-written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import IO, Iterator

from .errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _open_unnamed(folder: Path) -> tuple[int, str | None]:
    """An fd for new data in ``folder``, and the temp name if it had to have one."""
    if hasattr(os, "O_TMPFILE"):
        try:
            return os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o666 & ~_umask()), None
        except OSError:
            pass  # filesystem without O_TMPFILE support: fall back to a named file
    name = str(folder / f".labelcheck-{secrets.token_hex(6)}.tmp")
    return os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666 & ~_umask()), name


def _publish(fd: int, temp: str | None, target: Path) -> None:
    if temp is None:
        temp = str(target.parent / f".labelcheck-{secrets.token_hex(6)}.tmp")
        # linkat(AT_SYMLINK_FOLLOW) names the unnamed file; CPython only uses
        # linkat (rather than link, which would link the /proc symlink itself)
        # when a dir fd is given.
        root = os.open("/", os.O_RDONLY)
        try:
            os.link(f"/proc/self/fd/{fd}", temp, src_dir_fd=root, follow_symlinks=True)
        finally:
            os.close(root)
    try:
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o7777)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    """Yield a file whose content replaces ``target`` only if the block completes."""
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{target}: output folder {folder} does not exist; create it first")
    try:
        fd, temp = _open_unnamed(folder)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write in {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8", closefd=False) as handle:
            yield handle
            handle.flush()
            os.fsync(fd)
        _publish(fd, temp, target)
    except BaseException as exc:
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        if isinstance(exc, OSError):
            raise OutputError(f"{target}: write failed: {exc.strerror or exc}; nothing was written") from None
        raise
    finally:
        os.close(fd)
