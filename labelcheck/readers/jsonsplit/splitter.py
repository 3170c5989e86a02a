"""The splitter: one pass over a document's bytes that validates it and cuts its arrays into runs.

This module is long because it holds one hard thing, the splitter's state
machine (``_Indexer``): the walk of the top level, the cut of each array into
runs validated by msgspec (speculatively in worker processes when the stream
seeks), and the exact walk, element by element with Python's decoder, where
msgspec refuses. See the package's docstring for why a cut is exact.
"""

from __future__ import annotations

import json
import re
from collections import deque
from json.decoder import WHITESPACE, JSONDecodeError, scanstring
from typing import Any, BinaryIO, Callable, Generator, Iterator

from ..base import UTF8_BOM, collector_paused
from .errors import ByteOrderMark, Irregular, JsonSyntaxError
from .spans import (
    Document,
    Member,
    MemberFound,
    Run,
    RunCheck,
    RunDecoding,
    RunFound,
    RunValidator,
)
from .validation import limit_error, validated
from .window import Reached, Text, Window

DEFAULT_RUN_BYTES = 2 << 20
# Values other than arrays are decoded whole; one larger than this is left to
# a reader that loads the document (a pathological file).
MAX_VALUE_BYTES = 64 << 20
_FIRST_WINDOW = 1 << 16

# How far ahead of a cut's target to look for it.
_PEEK_BYTES = 1 << 16
# Runs this process checks ahead itself, at most, while the validator's answers are not in.
_CHECKED_HERE_AHEAD = 2
# A comma between two objects: the usual element boundary of COCO arrays.
_CUT = re.compile(rb"\}[ \t\n\r]*,[ \t\n\r]*\{")
_DECODER = json.JSONDecoder()

# Anything else that starts a valid value is a number (digits, "-", NaN, Infinity).
_KIND_OF_FIRST_BYTE = {
    ord("{"): "object",
    ord("["): "array",
    ord('"'): "string",
    ord("t"): "boolean",
    ord("f"): "boolean",
    ord("n"): "null",
}


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
    window = Window(stream, Reached(on_progress))
    indexer = _Indexer(window, run_bytes, validator if window.seekable else None, decoding_for)
    return (yield from indexer.document())


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
        self, window: Window, run_bytes: int, validator: RunValidator | None,
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
            text = Text(self.window, start, size)
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
            text = Text(self.window, start, size)
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
        text, index = Text(self.window, start, size), 0
        comma, walked = start - 1, 0
        while True:
            index = WHITESPACE.match(text.text, index).end()
            if index == len(text.text) and not text.eof:
                text, index = Text(self.window, text.byte(index), size), 0
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
                text, index = Text(self.window, text.byte(index), size), 0
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
    except JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:  # nesting, an integer past Python's limits
        raise limit_error(exc) from None


def _kind(first: int | None) -> str:
    if first is None:
        return "number"
    return _KIND_OF_FIRST_BYTE.get(first, "number")
