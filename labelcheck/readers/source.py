"""The input of the streaming reader: a source that can be read from its start more than once.

A plain file is opened again for each pass; standard input and pipes, which can
be read only once, are first copied to an unnamed temporary file (the spool:
it disappears with the process, however it ends), as they come, compressed if
they are. The copy is bounded (``stdin_limit``) and checked as it goes: a
stream whose first byte past whitespace does not open an object is no COCO
file, and is refused after a little of it. Read errors (a corrupt .gz) become
the plain reader's ``InputError``.
"""

from __future__ import annotations

import io
import os
import tempfile
import zlib
from typing import IO, Any, BinaryIO, Callable

from ..core.dataset import STDIN
from ..core.errors import InputError
from ..core.sidefiles import Unreadable, read_up_to
from .base import (
    GZIP_MAGIC,
    READ_ERRORS,
    bytes_read,
    is_gzip,
    json_type,
    open_binary,
    read_error,
    syntax_error,
)
from .jsonsplit import MAX_VALUE_BYTES

BLOCK_BYTES = 4 << 20
# What standard input may hold, unless the caller says otherwise (--stdin-limit).
DEFAULT_STDIN_LIMIT = 8 << 30
# A file the splitter does not split (a value over MAX_VALUE_BYTES that is not
# an array) is read whole by Python's json, taking several times its size.
MAX_WHOLE_BYTES = 256 << 20
# A stream that is no JSON object is copied this far, so that the reader can word
# what it is, as it does for a file; beyond, it is refused as it stands.
NOT_AN_OBJECT_COPIED = 1 << 20
_WHITESPACE = b" \t\n\r"
# The first byte of a JSON value that is no object, and what the value is.
_NOT_AN_OBJECT = {ord("["): [], ord('"'): "", ord("t"): True, ord("f"): False, ord("n"): None,
                  **{byte: 0 for byte in b"-0123456789NI"}}
_DESCRIPTORS = "/proc/self/fd/"


def descriptor_path(fd: int) -> str:
    """A path that opens the file open as ``fd`` (however it is named now, or
    unnamed), here and in a worker process that inherits ``fd``."""
    return f"{_DESCRIPTORS}{fd}"


def inherited_fds(path: str) -> tuple[int, ...]:
    """The descriptors a worker process needs to open ``path``."""
    return (int(path[len(_DESCRIPTORS):]),) if path.startswith(_DESCRIPTORS) else ()


def changed_while_read(name: str) -> InputError:
    return InputError(f"{name}: the file changed while it was being read; scan it again")


class Source:
    """A source that can be read from its start more than once: a path, or a spool."""

    def __init__(self, name: str, path: str, gzipped: bool, spool: IO[bytes] | None = None) -> None:
        self.name = name
        self.path = path
        self.gzipped = gzipped
        self._spool = spool

    @property
    def temporary(self) -> bool:
        """Whether this is a spool, gone once closed (no rewrite can read it again)."""
        return self._spool is not None

    @classmethod
    def of(cls, source: Any, name: str, report: Any, stdin_limit: int = DEFAULT_STDIN_LIMIT) -> "Source":
        path = STDIN if source == STDIN else os.fsdecode(source)
        # The plain reader's checks and messages (missing, a folder, a device); a gzip stream as it comes.
        stream = open_binary(path, decompress=False)
        if path == STDIN or not os.path.isfile(path):  # a pipe can be read only once
            with stream:
                return cls._spooled(stream, name, report, stdin_limit)
        stream.close()
        return cls(name, path, is_gzip(path))

    @classmethod
    def _spooled(cls, stream: BinaryIO, name: str, report: Any, limit: int) -> "Source":
        """Copy a stream read once (stdin, a pipe), as it comes, to an unnamed temporary file."""
        try:
            spool = tempfile.TemporaryFile(prefix="labelcheck-stdin-")
        except OSError as exc:
            raise _spool_error(name, exc) from None
        try:
            opening = _Opening(name)
            copied = 0
            # One read a call (read1): a read of 4 MB would wait for all of it inside
            # C, where a signal caught between two of its reads is handled only once
            # more data or the end comes (a SIGTERM to a waiting `labelcheck scan -` was lost).
            read = getattr(stream, "read1", stream.read)
            while block := guarded_read(read, BLOCK_BYTES, name):
                opening.feed(block, copied)
                copied += len(block)
                if copied > limit:
                    raise InputError(
                        f"{name}: more than {size_text(limit)} on standard input, the most labelcheck copies to "
                        "its temporary folder; give the file's path, or raise the limit with --stdin-limit SIZE"
                    )
                if opening.refused and copied > NOT_AN_OBJECT_COPIED:
                    raise opening.refused
                _spool_write(spool, block, name)
                report("reading", copied, None)
            _spool_write(spool, b"", name)
        except BaseException:
            spool.close()
            raise
        path = descriptor_path(spool.fileno())
        return cls(name, path, is_gzip(path), spool)

    def stream(self) -> "Guarded":
        """A new binary stream from byte 0 (decompressed)."""
        return Guarded(open_binary(self.path), self.name)

    def plain_path(self) -> str | None:
        """The path of the bytes themselves, for workers to read; None when compressed."""
        return None if self.gzipped else self.path

    def size(self) -> int | None:
        return None if self.gzipped else os.path.getsize(self.path)

    def size_on_disk(self) -> int:
        """What progress counts to: the file's size, compressed for a .gz."""
        return os.path.getsize(self.path)

    def read_all(self) -> bytes:
        """The whole file, for the few the splitter leaves to Python's json: at most MAX_WHOLE_BYTES."""
        with self.stream() as stream:
            try:
                return read_up_to(stream, MAX_WHOLE_BYTES)  # type: ignore[arg-type]
            except Unreadable:
                raise InputError(
                    f"{self.name}: holds a single JSON value over {MAX_VALUE_BYTES >> 20} MiB that is not an "
                    f"array, so it must be read whole, and it is larger than the {size_text(MAX_WHOLE_BYTES)} "
                    "labelcheck reads whole; no exported annotation file is so (look for a huge string or "
                    "object, such as an embedded image)"
                ) from None

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def _spool_write(spool: IO[bytes], block: bytes, name: str) -> None:
    """Write and flush (an empty block flushes what is left); a full TMPDIR is one line."""
    try:
        spool.write(block)
        if not block:
            spool.flush()
    except OSError as exc:
        raise _spool_error(name, exc) from None


def _spool_error(name: str, exc: OSError) -> InputError:
    return InputError(
        f"{name}: cannot copy standard input to the temporary folder {tempfile.gettempdir()}: "
        f"{exc.strerror or exc}; set TMPDIR to a folder with room, or give the file's path"
    )


def size_text(size: int) -> str:
    """8589934592 as '8 GiB'."""
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size} bytes"


class _Opening:
    """Watches the first bytes of a stream (decompressed, if gzip) for the one
    past whitespace: a COCO file opens an object there. ``refused`` is the
    error for one that does not."""

    _HEAD_BYTES = 1 << 20  # of a gzip stream decompressed to find it, at most

    def __init__(self, name: str) -> None:
        self.name = name
        self.refused: InputError | None = None
        self._decided = False
        self._inflate: Any = None
        self._seen = 0  # bytes of whitespace (decompressed) before it
        self._lines = 0

    def feed(self, block: bytes, offset: int) -> None:
        if self._decided:
            return
        if offset == 0 and block.startswith(GZIP_MAGIC):
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        if self._inflate is not None:
            try:
                block = self._inflate.decompress(block, self._HEAD_BYTES - self._seen)
            except zlib.error:
                self._decided = True  # the reader words a corrupt gzip stream
                return
        head = block.lstrip(_WHITESPACE)
        skipped = len(block) - len(head)
        self._lines += block.count(b"\n", 0, skipped)
        self._seen += skipped
        if head:
            self._decide(head[0], block[:skipped])
        elif self._inflate is not None and self._seen >= self._HEAD_BYTES:
            self._decided = True  # a gzip stream of whitespace: the reader bounds it

    def _decide(self, first: int, before: bytes) -> None:
        self._decided = True
        if first == ord("{"):
            return
        if first in _NOT_AN_OBJECT:
            self.refused = InputError(
                f"{self.name}: top level is a JSON {json_type(_NOT_AN_OBJECT[first])}, not an object; "
                "a COCO file is an object with 'images', 'annotations' and 'categories'"
            )
            return
        column = len(before) - (before.rfind(b"\n") + 1)
        self.refused = syntax_error(self.name, self._seen, self._lines + 1, column + 1, "Expecting value", False)


def guarded_read(read: Callable[[int], bytes], size: int, name: str) -> bytes:
    """``read(size)``, a read error (a corrupt .gz) the plain reader's InputError."""
    try:
        return read(size)
    except READ_ERRORS as exc:
        raise read_error(name, exc) from None


class Guarded:
    """A binary stream whose read errors (a corrupt .gz) become the plain reader's InputError."""

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self._stream = stream
        self._name = name

    def read(self, size: int = -1) -> bytes:
        return guarded_read(self._stream.read, size, self._name)

    def readinto(self, buffer: Any) -> int:
        try:
            return self._stream.readinto(buffer)  # type: ignore[attr-defined]
        except READ_ERRORS as exc:
            raise read_error(self._name, exc) from None

    def on_disk(self, offset: int) -> int:
        """How far through the file on disk ``offset`` is (``base.bytes_read``)."""
        return bytes_read(self._stream, offset)

    def seekable(self) -> bool:
        """Only a plain file seeks cheaply (a .gz one decompresses again from its start)."""
        return isinstance(self._stream, io.BufferedReader)

    def seek(self, offset: int) -> int:
        try:
            return self._stream.seek(offset)
        except READ_ERRORS as exc:
            raise read_error(self._name, exc) from None

    def __enter__(self) -> "Guarded":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stream.close()
