"""Readers, chosen by name. Each turns a source into a columnar Dataset."""

from __future__ import annotations

from typing import Any

from .base import STDIN, Reader
from .plain import CocoObjectReader, PlainReader

READERS: dict[str, type[Reader]] = {
    PlainReader.name: PlainReader,
    CocoObjectReader.name: CocoObjectReader,
}


def reader_for(source: Any, name: str = "auto") -> Reader:
    """The reader to use for ``source``; ``auto`` picks by the source's type."""
    if name != "auto":
        return READERS[name]()
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        return PlainReader()
    return CocoObjectReader()


__all__ = ["READERS", "STDIN", "Reader", "reader_for"]
