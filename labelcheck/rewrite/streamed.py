"""Rewrite a streamed file run by run, in bounded memory.

The streaming reader records where each top-level member and each run of
array elements lies (``FileLayout``). Rewriting reads the file once more,
front to back: bytes outside the edited arrays are copied as they are; each run
is offered whole to the edit first (a run with nothing to drop is copied, or
transformed, in one piece), and only runs that need it are cut into elements.
The result is byte for byte what the whole-text writer (``writer.rewrite``)
produces.
"""

from __future__ import annotations

from functools import lru_cache
from operator import attrgetter
from typing import Any, BinaryIO, Iterator, Protocol

import msgspec
import numpy as np

from ..dataset import FileLayout, RunSpan, file_stamp
from ..errors import InputError
from ..readers.base import READ_ERRORS, open_binary, read_error
from ..readers.jsonsplit import run_document
from .layout import array_elements

WHITESPACE = b" \t\n\r"
COPY_BLOCK = 4 << 20


class ArrayEdit(Protocol):
    """How an edit changes one top-level array. The fast methods see a run's
    bytes; ``element`` is the slow path (and the whole-text writer's only one)."""

    def drops(self, span: RunSpan, body: bytes) -> set[int] | None:
        """Offsets (0 = the run's first element) of the elements to drop; None
        to decide element by element. ``body`` runs from the first element's
        start to the last one's end."""

    def keep(self, first: int, count: int, chunk: bytes) -> bytes | None:
        """``count`` consecutive kept elements from index ``first`` (their bytes
        and the separators between them), as bytes to write; None to decide
        element by element."""

    def dropped(self, span: RunSpan, offsets: set[int]) -> None:
        """The fast path dropped these (called once it cannot fall back any more)."""

    def element(self, index: int, text: str) -> str | None:
        """One element: None drops it, else its (possibly changed) text."""


class RawElements:
    """A run's elements located by msgspec (C speed) without decoding them."""

    def __init__(self, body: bytes) -> None:
        self.document = run_document(body)
        self.raws = msgspec.json.decode(self.document, type=list[msgspec.Raw])
        self._base = _address(self.document) + 1  # offsets into ``body``

    @classmethod
    def of(cls, body: bytes) -> "RawElements | None":
        try:
            return cls(body)
        except msgspec.DecodeError:  # NaN, Infinity: Python's json only
            return None

    def __len__(self) -> int:
        return len(self.raws)

    def start(self, offset: int) -> int:
        return _address(self.raws[offset]) - self._base

    def end(self, offset: int) -> int:
        return self.start(offset) + len(self.raws[offset])



def _address(buffer: Any) -> int:
    return np.frombuffer(buffer, dtype=np.uint8).__array_interface__["data"][0]


def changed_error(name: str) -> InputError:
    return InputError(f"{name}: the file changed since it was checked; nothing was written; run again")


class _Sequential:
    """Reads a file front to back by absolute offsets."""

    def __init__(self, path: str, name: str) -> None:
        self.name = name
        self.stream: BinaryIO = open_binary(path)
        self.position = 0

    def read_to(self, offset: int) -> bytes:
        data = self._read(offset - self.position)
        if len(data) != offset - self.position:
            raise changed_error(self.name)
        self.position = offset
        return data

    def copy_to(self, offset: int | None) -> Iterator[bytes]:
        while offset is None or self.position < offset:
            size = COPY_BLOCK if offset is None else min(COPY_BLOCK, offset - self.position)
            block = self._read(size)
            if not block:
                return
            self.position += len(block)
            yield block

    def _read(self, size: int) -> bytes:
        try:
            return self.stream.read(size)
        except READ_ERRORS as exc:
            raise read_error(self.name, exc) from None

    def close(self) -> None:
        self.stream.close()


class _ArrayWriter:
    """Emits kept elements with the separators they had.

    The first kept element takes the gap the array's first element had; every
    later one the gap (comma included) that preceded it in the input.
    """

    def __init__(self) -> None:
        self.first_gap: bytes | None = None
        self.kept_any = False
        self.pending = b""  # the gap before a run's first element: previous run's tail + ","

    def emit(self, gap: bytes, element: bytes) -> Iterator[bytes]:
        yield gap if self.kept_any else self.first_gap or b""
        yield element
        self.kept_any = True


def rewrite_streamed(layout: FileLayout, edits: dict[str, ArrayEdit], name: str) -> Iterator[bytes]:
    """Yield the edited file's bytes, in order."""
    if file_stamp(layout.path) != layout.stamp:
        raise changed_error(name)
    last = {key: (start, end) for key, start, end in layout.members}
    targets = sorted((last[key], key) for key in edits if key in last and key in layout.runs)
    reader = _Sequential(layout.path, name)
    try:
        for (start, end), key in targets:
            yield from reader.copy_to(start)
            yield from _edit_array(reader, end, layout.runs[key], edits[key], name)
        yield from reader.copy_to(None)
    finally:
        reader.close()


def _edit_array(reader: _Sequential, end: int, runs: list[RunSpan], edit: ArrayEdit, name: str) -> Iterator[bytes]:
    if not any(span.count for span in runs):
        yield from reader.copy_to(end)
        return
    yield reader.read_to(reader.position + 1)  # "["
    writer = _ArrayWriter()
    tail = b""
    for span in runs:
        reader.read_to(span.start)  # the comma between runs: rebuilt below
        data = reader.read_to(span.end)
        lead, stop = len(data) - len(data.lstrip(WHITESPACE)), len(data.rstrip(WHITESPACE))
        if writer.first_gap is None:
            writer.first_gap = data[:lead]
        pieces = _fast(data, lead, stop, span, edit, writer)
        if pieces is None:
            yield from _split(data.decode("utf-8"), span, edit, writer, name)
        else:
            for gap, chunk in pieces:
                yield from writer.emit(gap, chunk)
        tail = data[stop:]
        writer.pending = tail + b","
    yield tail + reader.read_to(end)  # "]"


def _fast(
    data: bytes, lead: int, stop: int, span: RunSpan, edit: ArrayEdit, writer: _ArrayWriter
) -> list[tuple[bytes, bytes]] | None:
    """(gap, bytes) for each stretch of kept elements of a run, each stretch
    copied (or changed) whole; None when the run must go element by element."""
    body = data[lead:stop]
    dropped = edit.drops(span, body)
    if dropped is None:
        return None
    run_gap = writer.pending + data[:lead]
    if not dropped:
        chunk = edit.keep(span.first, span.count, body)
        return None if chunk is None else [(run_gap, chunk)]
    elements = RawElements.of(body)
    if elements is None:
        return None
    pieces, previous = [], -1
    for stop_at in [*sorted(dropped), len(elements)]:
        first, last = previous + 1, stop_at - 1
        previous = stop_at
        if first > last:
            continue
        chunk = edit.keep(span.first + first, last - first + 1, body[elements.start(first) : elements.end(last)])
        if chunk is None:
            return None
        gap = run_gap if first == 0 else body[elements.end(first - 1) : elements.start(first)]
        pieces.append((gap, chunk))
    edit.dropped(span, dropped)
    return pieces


def _split(text: str, span: RunSpan, edit: ArrayEdit, writer: _ArrayWriter, name: str) -> Iterator[bytes]:
    """Decide element by element (the slow path: runs msgspec cannot read, or changed inside)."""
    previous_end = None
    for offset, (start, end) in enumerate(array_elements("[" + text + "]", 0, name)):
        start, end = start - 1, end - 1  # positions in ``text``
        gap = writer.pending.decode("utf-8") + text[:start] if previous_end is None else text[previous_end:start]
        previous_end = end
        element = edit.element(span.first + offset, text[start:end])
        if element is not None:
            yield from writer.emit(gap.encode("utf-8"), element.encode("utf-8"))


@lru_cache(maxsize=None)
def _one_field(key: str, kind: Any) -> Any:
    field = (key, kind) if kind is int else (key, kind, None)  # an int field is required
    return msgspec.json.Decoder(list[msgspec.defstruct(f"Only_{key}", [field])])


def field_values(body: bytes, key: str, kind: Any = Any) -> list[Any] | None:
    """``key`` of each object in a run's body (None where absent), fast; None
    when the fast decoder cannot tell (NaN, non-objects: decide per element).
    ``kind=int``: only when every element has an integer there (None otherwise)."""
    try:
        return list(map(attrgetter(key), _one_field(key, kind).decode(run_document(body))))
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
