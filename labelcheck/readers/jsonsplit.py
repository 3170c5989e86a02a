"""Byte-level JSON splitting: index a document's top level and cut its arrays
into runs of whole elements, reading the bytes once, in bounded memory.

The splitter never builds the document. It validates every byte with the
grammar of Python's ``json`` module (the view of the training loader, NaN and
Infinity included) and records where things are, by byte offset:

    with open(path, "rb") as stream:
        document = index_document(stream)
    document.kind                   # JSON type of the top-level value: "object", "array", ...
    for member in document.members: # top-level members in file order, repeated keys included
        member.key                  # the key, unescaped
        member.start, member.end    # byte span of the value
        member.kind                 # JSON type of the value
        member.runs                 # arrays only: Run(start, end) spans of whole elements

The runs of an array, in order, hold every element exactly once. A run
``[start, end)`` starts right after the array's ``[`` or after a separating
comma and ends right before a separating comma or the closing ``]``; it may
carry whitespace at either end. ``b"[" + source[start:end] + b"]"`` is
therefore a valid JSON array of the run's elements: the run document.
A run holds about ``run_bytes`` bytes, fewer near the end of an array.

``labelcheck.rewrite.streamed`` rewrites files from these runs (``clean``,
``remap``), locating elements inside a run with msgspec.

Errors carry the byte offset where Python's ``json`` would stop and its
wording: ``JsonSyntaxError``, ``Utf8Error``, ``ByteOrderMark``,
``NestingTooDeep``. ``Irregular`` means a construct this module does not split
in bounded memory (a single value larger than ``MAX_VALUE_BYTES`` that is not
an array); callers fall back to loading the document whole.

How it is fast: a run is cut at a likely element boundary (``}`` , ``{``
between two objects) and validated as a whole with msgspec, which parses
several hundred MB/s. If ``b"[" + run + b"]"`` is valid JSON and the run starts
at a true element boundary, the cut is a true element boundary too: a parser
that reads the run from its start is in the same state as the parser of the
whole document, and it accepts the closing ``]`` only after a complete
element. Where msgspec refuses (a cut inside a string, NaN, a lone surrogate
escape, malformed input) the run is walked exactly, element by element, with
Python's own decoder, which also finds the byte offset of any error.

In parallel: given a ``RunValidator`` (worker processes) and a seekable
stream, the splitter cuts runs ahead of the last confirmed one, reading only
a little around each cut, and has them validated elsewhere. Results are taken
in order; a run counts only once the run before it is confirmed, so the chain
of cuts stays exact; at the first refusal the speculation is dropped and that
run is handled here as above.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from json.decoder import WHITESPACE, JSONDecodeError, scanstring
from typing import Any, BinaryIO, Callable, Generator, Iterator, Protocol

import msgspec
import numpy as np

from .base import UTF8_BOM, collector_paused

DEFAULT_RUN_BYTES = 2 << 20
# Values other than arrays are decoded whole; one larger than this is left to
# a reader that loads the document (a pathological file).
MAX_VALUE_BYTES = 64 << 20
_READ_BYTES = 4 << 20
_FIRST_WINDOW = 1 << 16
# A decoder error this many characters before the end of a window cannot have
# been caused by the window's end (a cut token errs within ~10 characters),
# except an unterminated string, whose error points at the string's start.
_CUT_MARGIN = 64

# How far ahead of a cut's target to look for it.
_PEEK_BYTES = 1 << 16
# Runs this process checks ahead itself, at most, while the validator's answers are not in.
_CHECKED_HERE_AHEAD = 2
# A comma between two objects: the usual element boundary of COCO arrays.
_CUT = re.compile(rb"\}[ \t\n\r]*,[ \t\n\r]*\{")
_WS = re.compile(rb"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_VALIDATOR = msgspec.json.Decoder(msgspec.Raw)

# Anything else that starts a valid value is a number (digits, "-", NaN, Infinity).
_KIND_OF_FIRST_BYTE = {
    ord("{"): "object",
    ord("["): "array",
    ord('"'): "string",
    ord("t"): "boolean",
    ord("f"): "boolean",
    ord("n"): "null",
}


class SplitError(Exception):
    """The input is not JSON as Python's json reads it; ``offset`` is a byte offset."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(f"byte {offset}: {message}")
        self.offset = offset
        self.message = message


class JsonSyntaxError(SplitError):
    """``message`` is json.JSONDecodeError's wording for the same error."""


class Utf8Error(SplitError):
    """``message`` is the UnicodeDecodeError reason."""


class ByteOrderMark(SplitError):
    pass


class NestingTooDeep(SplitError):
    """Nesting beyond Python's recursion limit (the offset is not meaningful)."""


class Irregular(Exception):
    """A construct this module will not split in bounded memory."""


class ShortRead(EOFError):
    """The file ended before a run it was indexed with: it changed since."""


def read_exactly(handle: Any, view: memoryview) -> None:
    """Fill ``view`` from a binary stream; ShortRead if the stream ends first."""
    filled = 0
    while filled < len(view):
        count = handle.readinto(view[filled:])
        if not count:
            raise ShortRead(f"file ended {len(view) - filled} bytes early; it changed while being read")
        filled += count


@dataclass(frozen=True)
class Run:
    start: int
    end: int


@dataclass(frozen=True)
class Member:
    key: str
    start: int
    end: int
    kind: str
    runs: tuple[Run, ...] = ()


@dataclass(frozen=True)
class Document:
    kind: str
    members: tuple[Member, ...] = ()


@dataclass(frozen=True)
class RunFound:
    """A run of a top-level array, validated, in file order (``document_events``)."""

    key: str | None  # the member's key; None for the elements of a top-level array
    run: Run
    decoded: Any  # what the array's RunDecoding made of the run; None when not decoded


@dataclass(frozen=True)
class MemberFound:
    """A top-level member, whole (``document_events``), after its runs."""

    member: Member


# A run check: ``check(document, maybe_non_ascii)`` is None if
# ``valid_run_document`` refuses the run document, else a value other than
# None; module-level, so worker processes can run it.
RunCheck = Callable[..., Any]


@dataclass(frozen=True)
class RunDecoding:
    """How the runs of an array are decoded while it is indexed.

    ``check`` decodes a run document if ``valid_run_document`` accepts it and
    returns None otherwise, parsing once where it can (a ``RunCheck``).
    ``decode`` decodes any run document Python's json accepts: the runs walked
    because msgspec refused them.
    """

    check: RunCheck
    decode: Callable[[bytes], Any]


class RunValidator(Protocol):
    """Validates runs elsewhere (worker processes), in the order they were submitted."""

    depth: int  # runs to keep submitted: enough that none of its workers waits for the next

    def ready(self) -> bool:
        """Whether it can take runs now; until then the splitter validates them itself."""

    def submit(self, start: int, end: int, check: RunCheck) -> Any:
        """Start checking run [start, end) with ``check``; returns a handle."""

    def result(self, handle: Any) -> Any:
        """The check's outcome. Every handle's result is asked for, in submission order."""

    def answered(self, handle: Any) -> bool:
        """Whether ``result(handle)`` is in (may say no when it is: a hint, never waits)."""


def index_document(
    stream: BinaryIO,
    run_bytes: int = DEFAULT_RUN_BYTES,
    on_progress: Callable[[int], None] | None = None,
    validator: RunValidator | None = None,
) -> Document:
    """Validate the whole document read from ``stream`` and index its top level.

    ``on_progress`` is called with the byte offset reached, as indexing goes.
    With a ``validator`` and a seekable stream, runs are cut ahead and
    validated in parallel; this process then reads only around the cuts.
    """
    events = document_events(stream, run_bytes, on_progress, validator)
    while True:
        try:
            next(events)
        except StopIteration as done:
            return done.value


def document_events(
    stream: BinaryIO,
    run_bytes: int = DEFAULT_RUN_BYTES,
    on_progress: Callable[[int], None] | None = None,
    validator: RunValidator | None = None,
    decoding_for: Callable[[str | None], RunDecoding | None] | None = None,
) -> Generator[RunFound | MemberFound, None, Document]:
    """``index_document`` as it goes: each run and each top-level member as it
    is validated, then (the generator's value) the Document.

    ``decoding_for(key)``, asked as each array member starts, says how to
    decode its runs (None: only validate them), so a reader can decode while
    validating: one parse of each run.
    """
    window = _Window(stream, _Reached(on_progress))
    indexer = _Indexer(window, run_bytes, validator if window.seekable else None, decoding_for)
    return (yield from indexer.document())


def validated(document: bytes | bytearray | memoryview, maybe_non_ascii: bool = True) -> bool | None:
    """The ``RunCheck`` that decodes nothing: True if valid, else None."""
    return True if valid_run_document(document, maybe_non_ascii) else None


def valid_run_document(document: bytes | bytearray | memoryview, maybe_non_ascii: bool = True) -> bool:
    """Whether a run document (``[`` + run + ``]``) is valid JSON and valid UTF-8 (msgspec's check)."""
    try:
        _VALIDATOR.decode(document)
    except (msgspec.DecodeError, RecursionError):
        return False
    return valid_utf8(document, maybe_non_ascii)


def valid_utf8(document: bytes | bytearray | memoryview, maybe_non_ascii: bool = True) -> bool:
    """Whether a document msgspec has parsed is valid UTF-8 throughout: msgspec
    skips over the strings of fields it is not asked for without checking
    their UTF-8, which Python's json (decoding the whole file) does."""
    if maybe_non_ascii and not _ascii(document):
        try:
            bytes(document).decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def _ascii(data: bytes | bytearray | memoryview) -> bool:
    if isinstance(data, (bytes, bytearray)):
        return data.isascii()
    return not len(data) or int(np.frombuffer(data, dtype=np.uint8).max()) < 0x80  # no copy of a mapped run


class _Reached:
    """Reports the furthest offset reached, once per step forward."""

    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self._callback = callback
        self.furthest = 0

    def __call__(self, offset: int) -> None:
        if self._callback is not None and offset > self.furthest:
            self.furthest = offset
            self._callback(offset)


class _Window:
    """A sliding window of a sequential byte stream, addressed by absolute offsets."""

    def __init__(self, stream: BinaryIO, reached: Callable[[int], None]) -> None:
        self._stream = stream
        self.reached = reached  # told of every offset reached, for progress
        self.seekable = bool(getattr(stream, "seekable", lambda: False)())
        self.base = 0
        self.data = bytearray()
        self.eof = False
        # Absolute [start, end) of read blocks with non-ASCII bytes: runs outside
        # them need no UTF-8 check.
        self._non_ascii: list[tuple[int, int]] = []
        self._run_buffer = bytearray()

    @property
    def end(self) -> int:
        return self.base + len(self.data)

    def fill(self, upto: int) -> None:
        """Read until the window reaches ``upto`` or the end of the stream."""
        while self.end < upto and not self.eof:
            block = self._stream.read(max(_READ_BYTES, upto - self.end))
            if not block:
                self.eof = True
                break
            if not block.isascii():
                self._non_ascii.append((self.end, self.end + len(block)))
            self.data += block
            self.reached(self.end)

    def release(self, upto: int) -> None:
        """Forget the bytes before ``upto``."""
        if upto > self.base:
            del self.data[: upto - self.base]
            self.base = upto
            self._non_ascii = [span for span in self._non_ascii if span[1] > upto]

    def jump(self, offset: int) -> None:
        """Forget the bytes before ``offset``; seek there if it lies past the window."""
        if offset <= self.end or not self.seekable:
            self.fill(offset)
            self.release(offset)
            return
        self._stream.seek(offset)
        self.data.clear()
        self._non_ascii.clear()
        self.base = offset
        self.eof = False

    def run_document(self, start: int, end: int) -> memoryview:
        """The run document of bytes [start, end) of a seekable stream, read
        without moving the window, in a buffer used again by the next call:
        release it before. One buffer rather than one allocation a run keeps
        the heap from fragmenting. ShortRead if the file is shorter now."""
        size = end - start
        if len(self._run_buffer) < size + 2:
            self._run_buffer = bytearray(size + 2)
        self._stream.seek(start)
        try:
            with memoryview(self._run_buffer) as whole, whole[1 : size + 1] as run:
                read_exactly(self._stream, run)
        finally:
            self._stream.seek(self.end)
        self._run_buffer[0], self._run_buffer[size + 1] = ord("["), ord("]")
        return memoryview(self._run_buffer)[: size + 2]

    def peek(self, offset: int, size: int) -> bytes:
        """Bytes at ``offset`` of a seekable stream, read without moving the window."""
        self._stream.seek(offset)
        data = self._stream.read(size)
        self._stream.seek(self.end)
        return data

    def byte_at(self, offset: int) -> int | None:
        self.fill(offset + 1)
        return self.data[offset - self.base] if offset < self.end else None

    def bytes(self, start: int, end: int) -> bytes:
        self.fill(end)
        return bytes(self.data[start - self.base : end - self.base])

    def maybe_non_ascii(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self._non_ascii)

    def skip_whitespace(self, offset: int) -> int:
        while True:
            self.fill(offset + 1)
            found = _WS.match(self.data, offset - self.base).end() + self.base
            if found < self.end or self.eof:
                return found
            offset = found

    def at_end(self, offset: int) -> bool:
        return self.byte_at(offset) is None


class _Text:
    """Decoded text of bytes from a byte offset, with character indices mapped back to bytes."""

    def __init__(self, window: _Window, start: int, size: int) -> None:
        window.fill(start + size)
        raw = window.bytes(start, min(start + size, window.end))
        eof = window.eof and start + len(raw) >= window.end
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if eof or exc.reason != "unexpected end of data":
                raise Utf8Error(start + exc.start, exc.reason) from None
            text = raw[: exc.start].decode("utf-8")  # a character cut by the window's end
        self._set(text, start, eof)

    @classmethod
    def of(cls, data: bytes, start: int) -> "_Text":
        text = cls.__new__(cls)
        text._set(data.decode("utf-8"), start, True)
        return text

    def _set(self, text: str, start: int, eof: bool) -> None:
        self.text = text
        self.start = start
        self.eof = eof
        self._ascii = text.isascii()
        self._mark = (0, start)  # a (character index, byte offset) pair already known

    def byte(self, index: int) -> int:
        """Byte offset of character ``index``; cheap for increasing indices."""
        if self._ascii:
            return self.start + index
        known, offset = self._mark if index >= self._mark[0] else (0, self.start)
        offset += len(self.text[known:index].encode("utf-8"))
        self._mark = (index, offset)
        return offset

    def may_be_cut(self, exc: JSONDecodeError) -> bool:
        """Whether a decoder error may be due to the window's end, not the data."""
        if self.eof:
            return False
        return exc.pos >= len(self.text) - _CUT_MARGIN or exc.msg.startswith("Unterminated string")


def _trailing_comma_wording(document: str) -> tuple[str, bool]:
    """Python's message for a trailing comma, and whether it points at the comma."""
    try:
        json.loads(document)
    except JSONDecodeError as exc:
        return exc.msg, document[exc.pos] == ","
    raise AssertionError(document)


# Python versions word a trailing comma differently (3.13 calls it illegal and
# points at the comma); ask this Python.
_ARRAY_TRAILING_COMMA = _trailing_comma_wording("[0,]")
_OBJECT_TRAILING_COMMA = _trailing_comma_wording('{"a":0,}')


class _Indexer:
    def __init__(
        self, window: _Window, run_bytes: int, validator: RunValidator | None,
        decoding_for: Callable[[str | None], RunDecoding | None] | None,
    ) -> None:
        self.window = window
        self.run_bytes = max(run_bytes, 1)
        self.validator = validator
        self.decoding_for = decoding_for or (lambda key: None)

    def document(self) -> Generator[RunFound | MemberFound, None, Document]:
        window = self.window
        window.fill(len(UTF8_BOM))
        if window.data.startswith(UTF8_BOM):
            raise ByteOrderMark(0, "byte order mark")
        start = window.skip_whitespace(0)
        first = window.byte_at(start)
        if first == ord("{"):
            members, end = yield from self._object(start)
            document = Document("object", tuple(members))
        elif first == ord("["):
            _, end = yield from self._array(start, None)
            document = Document("array")
        else:
            end = self._value(start)
            document = Document(_kind(first))
        end = window.skip_whitespace(end)
        if not window.at_end(end):
            raise JsonSyntaxError(end, "Extra data")
        return document

    # The top-level object, mirroring json.decoder.JSONObject's checks and wording.

    def _object(self, start: int) -> Generator[RunFound | MemberFound, None, tuple[list[Member], int]]:
        window = self.window
        position = window.skip_whitespace(start + 1)
        if window.byte_at(position) == ord("}"):
            return [], position + 1
        members = []
        while True:
            if window.byte_at(position) != ord('"'):
                raise JsonSyntaxError(position, "Expecting property name enclosed in double quotes")
            key, position = self._key(position)
            position = window.skip_whitespace(position)
            if window.byte_at(position) != ord(":"):
                raise JsonSyntaxError(position, "Expecting ':' delimiter")
            position = window.skip_whitespace(position + 1)
            window.release(position - 1)
            member = yield from self._member(key, position)
            members.append(member)
            yield MemberFound(member)
            position = window.skip_whitespace(member.end)
            separator = window.byte_at(position)
            if separator == ord("}"):
                return members, position + 1
            if separator != ord(","):
                raise JsonSyntaxError(position, "Expecting ',' delimiter")
            comma = position
            position = window.skip_whitespace(position + 1)
            if window.byte_at(position) == ord("}"):
                raise _trailing_comma(_OBJECT_TRAILING_COMMA, comma, position)

    def _key(self, start: int) -> tuple[str, int]:
        size = _FIRST_WINDOW
        while True:
            text = _Text(self.window, start, size)
            try:
                key, end = scanstring(text.text, 1)
            except JSONDecodeError as exc:
                if not text.may_be_cut(exc):
                    raise JsonSyntaxError(text.byte(exc.pos), exc.msg) from None
                size = self._grow(size)
                continue
            return key, text.byte(end)

    def _member(self, key: str, start: int) -> Generator[RunFound, None, Member]:
        first = self.window.byte_at(start)
        if first == ord("["):
            runs, end = yield from self._array(start, key)
            return Member(key, start, end, "array", tuple(runs))
        end = self._value(start)
        return Member(key, start, end, _kind(first))

    # Values other than arrays: decoded whole by Python's decoder.

    def _value(self, start: int) -> int:
        size = _FIRST_WINDOW
        while True:
            text = _Text(self.window, start, size)
            try:
                _, end = _decode(text.text, 0)
            except JSONDecodeError as exc:
                if not text.may_be_cut(exc):
                    raise JsonSyntaxError(text.byte(exc.pos), exc.msg) from None
            else:
                if end < len(text.text) or text.eof:  # a number at the window's end may go on
                    return text.byte(end)
            size = self._grow(size)

    @staticmethod
    def _grow(size: int) -> int:
        if size >= MAX_VALUE_BYTES:
            raise Irregular(f"a JSON value larger than {MAX_VALUE_BYTES >> 20} MB that is not an array")
        return size * 2

    # Arrays: runs validated with msgspec, walked exactly where that fails.

    def _array(self, start: int, key: str | None) -> Generator[RunFound, None, tuple[list[Run], int]]:
        decoding = self.decoding_for(key)
        check = decoding.check if decoding is not None else validated
        runs: list[Run] = []
        position, first = start + 1, True
        while True:
            # Speculate only while the last run was full-size: not in small
            # arrays, nor again near the end of a big one.
            if self._speculating(runs):
                for run, decoded in self._speculate(position, check):
                    runs.append(run)
                    yield RunFound(key, run, None if decoding is None else decoded)
                    position, first = run.end + 1, False
            self.window.jump(position - 1)
            self.window.reached(position)
            cut, decoded = self._validated_cut(position, check)
            if cut is not None:
                runs.append(Run(position, cut))
                yield RunFound(key, runs[-1], None if decoding is None else decoded)
                position, first = cut + 1, False
                continue
            end, closed, walked = self._walk(position, first, position + self._walk_bytes())
            if walked:
                runs.append(Run(position, end))
                yield RunFound(key, runs[-1], None if decoding is None else decoding.decode(self._document(position, end)))
            if closed:
                return runs, end + 1
            position, first = end + 1, False

    def _speculate(self, start: int, check: RunCheck) -> Iterator[tuple[Run, Any]]:
        """Cut runs ahead from ``start`` and have the validator check them in parallel.

        Yields the runs confirmed in order (each starts where the previous
        one, confirmed, ends), with what ``check`` made of them, and stops at
        the first that is not, or when no cut is found near a target. While
        the next result is not in, this process checks a run ahead itself
        rather than wait: it is one more worker.
        """
        assert self.validator is not None
        pending: deque[tuple[Run, Any, bool]] = deque()  # (run, handle or what check made of it, checked here)
        upcoming: int | None = start
        submitted = 0
        while True:
            while upcoming is not None and submitted < self.validator.depth:
                cut = self._peek_cut(upcoming)
                if cut is None:
                    upcoming = None
                    break
                pending.append((Run(upcoming, cut), self.validator.submit(upcoming, cut, check), False))
                upcoming, submitted = cut + 1, submitted + 1
            if not pending:
                return
            run, handle, here = pending[0]
            if not here and upcoming is not None and len(pending) - submitted < _CHECKED_HERE_AHEAD \
                    and not self.validator.answered(handle):
                cut = self._peek_cut(upcoming)
                if cut is not None:
                    with self.window.run_document(upcoming, cut) as document, collector_paused():
                        decoded = check(document, True)
                    pending.append((Run(upcoming, cut), decoded, True))
                upcoming = None if cut is None else cut + 1
                continue
            pending.popleft()
            decoded = handle if here else self.validator.result(handle)
            submitted -= not here
            if decoded is None:
                for _, later, later_here in pending:  # results are collected in order, even unwanted ones
                    if not later_here:
                        self.validator.result(later)
                return
            self.window.reached(run.end)
            yield run, decoded

    def _speculating(self, runs: list[Run]) -> bool:
        if self.validator is None or not runs or runs[-1].end - runs[-1].start < self.run_bytes:
            return False
        return self.validator.ready()

    def _peek_cut(self, start: int) -> int | None:
        target = start + self.run_bytes
        data = self.window.peek(target - 1, _PEEK_BYTES)
        found = _CUT.search(data)
        return None if found is None else target - 1 + data.index(b",", found.start())

    def _walk_bytes(self) -> int:
        return min(self.run_bytes, _FIRST_WINDOW)

    def _validated_cut(self, start: int, check: RunCheck) -> tuple[int | None, Any]:
        """A comma at an element boundary about run_bytes after ``start``, and
        what ``check`` made of the run before it; or (None, None).

        Tries shorter runs when a longer one does not validate: near the end
        of an array the first candidate often lies in whatever follows it.
        """
        size = self.run_bytes
        while size >= _FIRST_WINDOW or size == self.run_bytes:
            cut = self._candidate(start, size)
            if cut is not None:
                decoded = self._checked(start, cut, check)
                if decoded is not None:
                    return cut, decoded
            if size < _FIRST_WINDOW:
                break
            size //= 4
        return None, None

    def _candidate(self, start: int, size: int) -> int | None:
        window = self.window
        target = start + size
        window.fill(target + self.run_bytes // 8 + _FIRST_WINDOW)
        found = _CUT.search(window.data, max(target - 1, start) - window.base)
        if found is None:
            return None
        return window.base + window.data.index(b",", found.start())

    def _checked(self, start: int, cut: int, check: RunCheck) -> Any:
        """``check`` of the run document ``[`` + bytes[start:cut] + ``]``."""
        window = self.window
        lo, hi = start - 1 - window.base, cut - window.base
        saved = window.data[lo], window.data[hi]
        # Bracket the run in place rather than copy it.
        window.data[lo], window.data[hi] = ord("["), ord("]")
        try:
            with memoryview(window.data) as view, view[lo : hi + 1] as document, collector_paused():
                return check(document, window.maybe_non_ascii(start, cut))
        finally:
            window.data[lo], window.data[hi] = saved

    def _document(self, start: int, end: int) -> bytes:
        """The run document of bytes[start:end], still in the window."""
        return b"[" + self.window.bytes(start, end) + b"]"

    def _walk(self, start: int, first: bool, until: int) -> tuple[int, bool, int]:
        """Walk elements exactly from ``start`` (just after ``[`` if ``first``, else after a comma).

        Returns (offset, closed, elements): the offset of the first separating
        comma at or after ``until`` and False, or of the closing bracket and
        True; and how many elements were walked.
        """
        size = max(_FIRST_WINDOW, until - start + _FIRST_WINDOW)
        text, index = _Text(self.window, start, size), 0
        comma, walked = start - 1, 0
        while True:
            index = WHITESPACE.match(text.text, index).end()
            if index == len(text.text) and not text.eof:
                text, index = _Text(self.window, text.byte(index), size), 0
                continue
            if text.text.startswith("]", index):
                if first:
                    return text.byte(index), True, walked
                raise _trailing_comma(_ARRAY_TRAILING_COMMA, comma, text.byte(index))
            try:
                _, end = _decode(text.text, index)
                after = WHITESPACE.match(text.text, end).end()
            except JSONDecodeError as exc:
                if not text.may_be_cut(exc):
                    raise JsonSyntaxError(text.byte(exc.pos), exc.msg) from None
                after = len(text.text)
            if after == len(text.text) and not text.eof:
                # The element, a number ending it, or its delimiter may go on
                # past the window: decode again from the element's start.
                size = self._grow(size) if index == 0 else size
                text, index = _Text(self.window, text.byte(index), size), 0
                continue
            walked += 1
            separator = text.text[after : after + 1]
            if separator == "]":
                return text.byte(after), True, walked
            if separator != ",":
                raise JsonSyntaxError(text.byte(after), "Expecting ',' delimiter")
            comma, first = text.byte(after), False
            if comma >= until:
                return comma, False, walked
            index = after + 1


def _trailing_comma(wording: tuple[str, bool], comma: int, closing: int) -> JsonSyntaxError:
    message, at_comma = wording
    return JsonSyntaxError(comma if at_comma else closing, message)


def _decode(text: str, index: int) -> tuple[object, int]:
    try:
        return _DECODER.raw_decode(text, index)
    except RecursionError:
        raise NestingTooDeep(0, "nested too deeply") from None


def _kind(first: int | None) -> str:
    if first is None:
        return "number"
    return _KIND_OF_FIRST_BYTE.get(first, "number")
