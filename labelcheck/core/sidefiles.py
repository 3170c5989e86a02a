"""The small files a run is set up with (``--classes``, ``--config``, ``--baseline``,
``--map``): read whole, so read bounded.

``/dev/zero``, a disk, or a file of gigabytes given by mistake would be read
without end: a device is refused and a file is read up to SIDE_FILE_BYTES.
Both are an ``Unreadable`` (an OSError whose ``strerror`` says why), so each
caller's own wording ("cannot read the class list: ...") carries the reason.
A parser's RecursionError (nesting thousands deep) or refusal of an integer
of thousands of digits is worded by ``unparsable``.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from typing import IO, Any

SIDE_FILE_BYTES = 256 << 20
# Python's limit on the digits of an integer read from text (3.10.7 and later).
MAX_INTEGER_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
LONG_INTEGER = (
    f"holds an integer of more than {MAX_INTEGER_DIGITS} digits, which Python (json.load too) will not read"
)
_NULL_DEVICE = os.stat(os.devnull).st_rdev


class Unreadable(OSError):
    """A side file that is a device, or too large to read whole."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EINVAL, reason)


def is_device(stream: Any) -> bool:
    """Whether ``stream`` reads from a device other than a terminal or /dev/null
    (which never ends, or is no file); False for streams without a descriptor."""
    try:
        fd = stream.fileno()
        status = os.fstat(fd)
    except (OSError, AttributeError, ValueError):  # an in-memory stream (a test's stdin)
        return False
    if stat.S_ISCHR(status.st_mode):
        return not os.isatty(fd) and status.st_rdev != _NULL_DEVICE
    return stat.S_ISBLK(status.st_mode)


def read_bounded(path: str | os.PathLike, limit: int = SIDE_FILE_BYTES) -> bytes:
    """The whole of a small file (or pipe); Unreadable for a device or more than ``limit`` bytes."""
    with open(path, "rb") as handle:
        if is_device(handle):
            raise Unreadable("it is a device, not a file")
        return read_up_to(handle, limit)


def read_up_to(handle: IO[bytes], limit: int) -> bytes:
    """All of ``handle``, in blocks; Unreadable past ``limit`` bytes."""
    blocks, size = [], 0
    while block := handle.read(1 << 20):  # not read(limit): that would set aside the limit's bytes at once
        size += len(block)
        if size > limit:
            raise Unreadable(f"it is larger than {limit >> 20} MiB, far more than such a file holds")
        blocks.append(block)
    return b"".join(blocks)


def unparsable(exc: BaseException) -> str | None:
    """Why a parser gave up on a well-formed text, where it is a limit of
    Python's (a RecursionError, an over-long integer): None for anything else."""
    if isinstance(exc, RecursionError):
        return "is nested too deeply to read"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return LONG_INTEGER
    return None
