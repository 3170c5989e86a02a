"""Rewrite a streamed file run by run, in bounded memory.

The streaming reader records where each top-level member and each run of
array elements lies (``FileLayout``). Rewriting reads the file once more,
front to back: bytes outside the edited arrays are copied as they are; each run
is offered whole to the edit first (``ArrayEdit.run``: stretches of kept
elements are copied, or transformed, in one piece), and only runs that need it
are cut into elements. An edit that is a worker task (``ParallelEdit``) has its
runs edited by worker processes while this one writes. The result is byte for
byte what the whole-text writer (``writer.rewrite``) produces.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import attrgetter
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Protocol

import msgspec
import numpy as np

from ...core.dataset import FileLayout, RunSpan, file_stamp
from ...readers.base import (
    READ_ERRORS,
    Progress,
    ProgressCallback,
    bytes_read,
    open_binary,
    read_error,
)
from ...readers.rundecode import ShortRead, read_document
from .layout import array_elements
from .ranges import CopyRange, SharedInput, changed_error

WHITESPACE = b" \t\n\r"
COPY_BLOCK = 4 << 20


@dataclass(frozen=True)
class Unchanged:
    """Bytes [start, end) of the run, to be copied as they are (by the kernel where it can)."""

    start: int
    end: int


@dataclass
class EditedRun:
    """What a run becomes, worked out from its bytes alone (so perhaps in a worker process).

    ``pieces`` are the stretches of kept elements, each copied (or changed)
    whole, with the gap before it: the bytes between the previous element and
    this one, or None for a stretch that opens the run (its gap comes from the
    run before). ``lead`` and ``tail`` are the run's whitespace before its first
    and after its last element.
    """

    lead: bytes
    pieces: list[tuple[bytes | None, bytes | Unchanged]]
    tail: bytes
    tally: Any = None  # what the edit counted on the way, for ``ParallelEdit.absorb``


class ArrayEdit(Protocol):
    """How an edit changes one top-level array: ``run`` is the fast path, a
    run at a time; ``element`` the slow one (and the whole-text writer's only one)."""

    def run(self, span: RunSpan, document: bytearray) -> EditedRun | None:
        """The run of ``span``, given as its run document (``[`` + run + ``]``),
        edited; None to decide element by element."""

    def element(self, index: int | None, text: str) -> str | None:
        """One element (its index in the array, when the layout knows it): None
        drops it, else its (possibly changed) text."""


class ParallelEdit(ArrayEdit, Protocol):
    """An edit whose fast path is a worker task (``labelcheck.readers.worker``),
    so worker processes can edit runs while this one writes (where ``parallel``)."""

    parallel: bool

    def task(self, span: RunSpan) -> tuple[Callable[..., EditedRun | None], tuple]:
        """The task for a run: a module-level function of the run document and the arguments given."""

    def absorb(self, edited: EditedRun) -> EditedRun:
        """Take in a run edited elsewhere (its ``tally``); returns it."""


_LEADING = re.compile(rb"[ \t\n\r]*")


def split_run(document: bytes | bytearray) -> tuple[int, int]:
    """Where, in a run document, the run's first element starts and its last one ends."""
    lead = _LEADING.match(document, 1).end()  # type: ignore[union-attr]
    stop = len(document) - 1
    while stop > lead and document[stop - 1] in WHITESPACE:
        stop -= 1
    return lead, stop


def drop_elements(
    document: bytes | bytearray,
    dropped: Iterable[int],
    keep: Callable[[memoryview, int | None], bytes | None] | None = None,
    tally: Any = None,
) -> EditedRun | None:
    """A run, given as its run document, without the elements at offsets
    ``dropped`` (0 = the run's first element). Each stretch of kept elements is
    copied whole, or given to ``keep(chunk, elements)``, which may change it
    (None: decide element by element); ``elements`` is the stretch's element
    count, None for the whole run. Without ``keep`` stretches are
    ``Unchanged``. None: the run must go element by element."""
    lead, stop = split_run(document)
    head, tail, view = bytes(document[1:lead]), bytes(document[stop:-1]), memoryview(document)
    offsets = sorted(dropped)
    if not offsets:
        chunk = Unchanged(lead - 1, stop - 1) if keep is None else keep(view[lead:stop], None)
        return None if chunk is None else EditedRun(head, [(None, chunk)], tail, tally)
    elements = RawElements.of(document)
    if elements is None:
        return None
    pieces: list[tuple[bytes | None, bytes | Unchanged]] = []
    previous = -1
    for stop_at in [*offsets, len(elements)]:
        first, last = previous + 1, stop_at - 1
        previous = stop_at
        if first > last:
            continue
        start, end = elements.start(first), elements.end(last)
        chunk = Unchanged(start - 1, end - 1) if keep is None else keep(view[start:end], last - first + 1)
        if chunk is None:
            return None
        pieces.append((None if first == 0 else bytes(document[elements.end(first - 1) : start]), chunk))
    return EditedRun(head, pieces, tail, tally)


def drop_run_document(document: bytes | bytearray, offsets: list[int]) -> EditedRun | None:
    """``drop_elements`` as a worker task: the run without the elements at ``offsets``."""
    return drop_elements(document, offsets)


class RawElements:
    """A run document's elements located by msgspec (C speed) without decoding them."""

    def __init__(self, document: bytes | bytearray) -> None:
        self.raws = msgspec.json.decode(document, type=list[msgspec.Raw])
        self._base = _address(document)

    @classmethod
    def of(cls, document: bytes | bytearray) -> "RawElements | None":
        try:
            return cls(document)
        except msgspec.DecodeError:  # NaN, Infinity: Python's json only
            return None

    def __len__(self) -> int:
        return len(self.raws)

    def start(self, offset: int) -> int:
        """Where element ``offset`` starts in the document."""
        return _address(self.raws[offset]) - self._base

    def end(self, offset: int) -> int:
        return self.start(offset) + len(self.raws[offset])


def _address(buffer: Any) -> int:
    return np.frombuffer(buffer, dtype=np.uint8).__array_interface__["data"][0]


class _Sequential:
    """Reads a file front to back by absolute offsets."""

    def __init__(self, path: str, name: str) -> None:
        self.name = name
        self.stream: BinaryIO = open_binary(path)
        # Not decompressed: the kernel can copy from it.
        self.shared = SharedInput(self.stream.fileno(), name) if isinstance(self.stream, io.BufferedReader) else None
        self._position = 0
        self.on_move: Callable[[int], None] | None = None

    @property
    def position(self) -> int:
        return self._position

    @position.setter
    def position(self, offset: int) -> None:
        self._position = offset
        if self.on_move is not None:
            self.on_move(offset)

    def read_to(self, offset: int) -> bytes:
        data = self._read(offset - self.position)
        if len(data) != offset - self.position:
            raise changed_error(self.name)
        self.position = offset
        return data

    def read_document(self, offset: int) -> bytearray:
        """The bytes up to ``offset`` as a run document (``[`` + bytes + ``]``)."""
        try:
            document = read_document(self.stream, offset - self.position)
        except ShortRead:
            raise changed_error(self.name) from None
        except READ_ERRORS as exc:  # a corrupt .gz
            raise read_error(self.name, exc) from None
        self.position = offset
        return document

    def skip_to(self, offset: int) -> None:
        """Move on to ``offset`` without reading (a plain file: workers read what lies between)."""
        try:
            self.stream.seek(offset)
        except READ_ERRORS as exc:
            raise read_error(self.name, exc) from None
        self.position = offset

    def copy_to(self, offset: int | None) -> Iterator[bytes | CopyRange]:
        """The bytes up to ``offset`` (the end: None), as they are."""
        if self.shared is not None:
            end = os.fstat(self.stream.fileno()).st_size if offset is None else offset
            if end > self.position:
                yield CopyRange(self.shared, self.position, end - self.position)
            self.skip_to(end)
            return
        while offset is None or self.position < offset:
            size = COPY_BLOCK if offset is None else min(COPY_BLOCK, offset - self.position)
            block = self._read(size)
            if not block:
                return
            self.position += len(block)
            yield block

    def excerpt(self, origin: int, chunk: bytes | Unchanged, document: bytearray | None) -> bytes | CopyRange:
        """A run's chunk as a piece to write; ``origin``: where the run starts,
        ``document``: its run document, if read here."""
        if isinstance(chunk, bytes):
            return chunk
        if self.shared is not None:
            return CopyRange(self.shared, origin + chunk.start, chunk.end - chunk.start)
        assert document is not None  # workers (who leave runs unread here) work on plain files only
        return bytes(document[chunk.start + 1 : chunk.end + 1])

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

    def emit(self, gap: bytes, element: bytes | CopyRange) -> Iterator[bytes | CopyRange]:
        yield gap if self.kept_any else self.first_gap or b""
        yield element
        self.kept_any = True


def rewrite_streamed(
    layout: FileLayout,
    edits: dict[str, ArrayEdit],
    name: str,
    workers: Any = None,
    progress: ProgressCallback | None = None,
) -> Iterator[bytes | CopyRange]:
    """Yield the edited file's bytes, in order. ``workers`` (``readers.pool.WorkerPool``)
    edit the runs of a ``ParallelEdit``; this process then reads only between runs.
    ``progress`` hears how far through the input the rewrite is ("writing")."""
    if file_stamp(layout.path) != layout.stamp:
        raise changed_error(name)
    last = {key: (start, end) for key, start, end in layout.members}
    targets = sorted((last[key], key) for key in edits if key in last and key in layout.runs)
    reader = _Sequential(layout.path, name)
    if progress is not None:  # over the bytes on disk: of a .gz file, the compressed ones
        total = layout.stamp.size
        reader.on_move = lambda done: progress(Progress(name, "writing", bytes_read(reader.stream, done), total))
    try:
        for (start, end), key in targets:
            yield from reader.copy_to(start)
            runs, edit = layout.runs[key], edits[key]
            yield from _edit_array(reader, end, runs, edit, _edited_elsewhere(edit, runs, workers), name)
        yield from reader.copy_to(None)
    finally:
        reader.close()
    if file_stamp(layout.path) != layout.stamp:  # changed in place while it was read
        raise changed_error(name)


UNREAD: Any = object()  # stands for a run no worker edited: this process reads and edits it


def _edited_elsewhere(edit: ArrayEdit, runs: list[RunSpan], workers: Any) -> Iterator[Any]:
    """For each run, what a worker made of it (None: it could not tell), or UNREAD: this process edits it."""
    if workers is None or not getattr(edit, "parallel", False) or len(runs) < 2:
        return repeat(UNREAD)
    tasks = [edit.task(span) for span in runs]  # type: ignore[attr-defined]
    results = workers.map([(task, span.start, span.end, args) for span, (task, args) in zip(runs, tasks)])
    return (None if result is None else edit.absorb(result) for result in results)  # type: ignore[attr-defined]


def _edit_array(
    reader: _Sequential, end: int, runs: list[RunSpan], edit: ArrayEdit, results: Iterator[Any], name: str
) -> Iterator[bytes | CopyRange]:
    if not runs:
        yield from reader.copy_to(end)
        return
    yield reader.read_to(reader.position + 1)  # "["
    writer = _ArrayWriter()
    tail = b""
    for span, result in zip(runs, results):
        reader.read_to(span.start)  # the comma between runs: rebuilt below
        document = None
        if result is UNREAD or result is None:  # None: the worker could not tell
            document = reader.read_document(span.end)
            result = edit.run(span, document) if result is UNREAD else None
        else:
            reader.skip_to(span.end)
        if result is None:
            lead, stop = split_run(document)
            if writer.first_gap is None:
                writer.first_gap = bytes(document[1:lead])
            yield from _split(document[1:-1].decode("utf-8"), span, edit, writer, name)
            tail = bytes(document[stop:-1])
        else:
            if writer.first_gap is None:
                writer.first_gap = result.lead
            for gap, chunk in result.pieces:
                piece = reader.excerpt(span.start, chunk, document)
                yield from writer.emit(writer.pending + result.lead if gap is None else gap, piece)
            tail = result.tail
        writer.pending = tail + b","
    yield tail + reader.read_to(end)  # "]"


def _split(text: str, span: RunSpan, edit: ArrayEdit, writer: _ArrayWriter, name: str) -> Iterator[bytes]:
    """Decide element by element (the slow path: runs msgspec cannot read, or changed inside)."""
    previous_end = None
    for offset, (start, end) in enumerate(array_elements("[" + text + "]", 0, name)):
        start, end = start - 1, end - 1  # positions in ``text``
        gap = writer.pending.decode("utf-8") + text[:start] if previous_end is None else text[previous_end:start]
        previous_end = end
        element = edit.element(None if span.first is None else span.first + offset, text[start:end])
        if element is not None:
            yield from writer.emit(gap.encode("utf-8"), element.encode("utf-8"))


@lru_cache(maxsize=None)
def _one_field(key: str, kind: Any) -> Any:
    field = (key, kind) if kind is int else (key, kind, None)  # an int field is required
    return msgspec.json.Decoder(list[msgspec.defstruct(f"Only_{key}", [field])])


def field_values(document: bytes | bytearray, key: str, kind: Any = Any) -> list[Any] | None:
    """``key`` of each object in a run document (None where absent), fast;
    None when the fast decoder cannot tell (NaN, non-objects: decide per
    element). ``kind=int``: only when every element has an integer there (None otherwise)."""
    try:
        return list(map(attrgetter(key), _one_field(key, kind).decode(document)))
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
