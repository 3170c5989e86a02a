"""The input of the streaming reader: a source that can be read from its start more than once.

A plain file is opened again for each pass; standard input and pipes, which can
be read only once, are first copied to a temporary file. Read errors (a
corrupt .gz) become the plain reader's ``InputError``.
"""

from __future__ import annotations

import io
import os
import tempfile
from typing import Any, BinaryIO

from ..core.dataset import STDIN
from ..core.errors import InputError
from .base import READ_ERRORS, bytes_read, is_gzip, open_binary, read_error

BLOCK_BYTES = 4 << 20


def changed_while_read(name: str) -> InputError:
    return InputError(f"{name}: the file changed while it was being read; scan it again")


class Source:
    """A source that can be read from its start more than once."""

    def __init__(self, name: str, path: str, gzipped: bool, temporary: bool) -> None:
        self.name = name
        self.path = path
        self.gzipped = gzipped
        self.temporary = temporary

    @classmethod
    def of(cls, source: Any, name: str, report: Any) -> "Source":
        path = STDIN if source == STDIN else os.fsdecode(source)
        stream = open_binary(path)  # the plain reader's checks and messages: missing, a folder, unreadable
        if path == STDIN or not os.path.isfile(path):  # a pipe can be read only once
            return cls._spooled(stream, name, report)
        stream.close()
        return cls(name, path, is_gzip(path), temporary=False)

    @classmethod
    def _spooled(cls, source: BinaryIO, name: str, report: Any) -> "Source":
        """Copy a stream read once (stdin, a pipe), decompressed, to a temporary file."""
        spool = tempfile.NamedTemporaryFile(prefix="labelcheck-stdin-", suffix=".json", delete=False)
        try:
            with spool, source as stream:
                copied = 0
                while block := guarded_read(stream, BLOCK_BYTES, name):
                    spool.write(block)
                    copied += len(block)
                    report("reading", copied, None)
        except BaseException:
            os.unlink(spool.name)
            raise
        return cls(name, spool.name, gzipped=False, temporary=True)

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
        with self.stream() as stream:
            return stream.read()

    def close(self) -> None:
        if self.temporary:
            self.temporary = False
            os.unlink(self.path)


def guarded_read(stream: BinaryIO, size: int, name: str) -> bytes:
    try:
        return stream.read(size)
    except READ_ERRORS as exc:
        raise read_error(name, exc) from None


class Guarded:
    """A binary stream whose read errors (a corrupt .gz) become the plain reader's InputError."""

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self._stream = stream
        self._name = name

    def read(self, size: int = -1) -> bytes:
        return guarded_read(self._stream, size, self._name)

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
