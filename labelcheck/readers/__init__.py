"""Readers, chosen by name (``READERS``): each turns a source into a columnar Dataset.

Owns: the reader interface and opening a source (``base``), the reference
reader on Python's json (``plain``), the streaming reader (``stream``) with its
input source (``source``), its worker processes (``pool``, ``worker``), the run
decoders (``rundecode``), the JSON splitter (``jsonsplit/``) and the wording of
its errors (``diagnosis``).

May import: ``core``.
"""

from __future__ import annotations

from typing import Any

from .base import STDIN, Progress, ProgressCallback, ReadAgain, Reader, relabelled
from .plain import CocoObjectReader, PlainReader
from .source import DEFAULT_STDIN_LIMIT
from .stream import StreamReader

READERS: dict[str, type[Reader]] = {
    PlainReader.name: PlainReader,
    StreamReader.name: StreamReader,
    CocoObjectReader.name: CocoObjectReader,
}


def reader_for(
    source: Any, name: str = "auto", progress: ProgressCallback | None = None, stdin_limit: int = DEFAULT_STDIN_LIMIT
) -> Reader:
    """The reader to use for ``source``; ``auto`` picks by the source's type.
    ``stdin_limit``: the most bytes the streaming reader copies from stdin or a pipe."""
    if name == "auto":
        path_like = isinstance(source, (str, bytes)) or hasattr(source, "__fspath__")
        name = StreamReader.name if path_like else CocoObjectReader.name
    if READERS[name] is StreamReader:
        return StreamReader(progress=progress, stdin_limit=stdin_limit)
    return READERS[name](progress=progress)


__all__ = [
    "DEFAULT_STDIN_LIMIT", "READERS", "STDIN", "Progress", "ProgressCallback", "ReadAgain", "Reader", "StreamReader",
    "reader_for", "relabelled",
]
