"""The bytes the splitter reads: a sliding window over the stream, and decoded text within it."""

from __future__ import annotations

import re
from json.decoder import JSONDecodeError
from typing import Any, BinaryIO, Callable

from .errors import OverLimit, ShortRead, Utf8Error

_READ_BYTES = 4 << 20
# A decoder error this many characters before the end of a window cannot have
# been caused by the window's end (a cut token errs within ~10 characters),
# except an unterminated string, whose error points at the string's start.
_CUT_MARGIN = 64
_WS = re.compile(rb"[ \t\n\r]*")
_WHITESPACE = b" \t\n\r"
# Whitespace in a row, at most: an exported file has a few bytes of
# indentation; gigabytes of it (a small .gz can hold them) would all be held.
MAX_WHITESPACE_BYTES = 16 << 20


def read_exactly(handle: Any, view: memoryview) -> None:
    """Fill ``view`` from a binary stream; ShortRead if the stream ends first."""
    filled = 0
    while filled < len(view):
        count = handle.readinto(view[filled:])
        if not count:
            raise ShortRead(f"file ended {len(view) - filled} bytes early; it changed while being read")
        filled += count


class Reached:
    """Reports the furthest offset reached, once per step forward."""

    def __init__(self, callback: Callable[[int], None] | None) -> None:
        self._callback = callback
        self.furthest = 0

    def __call__(self, offset: int) -> None:
        if self._callback is not None and offset > self.furthest:
            self.furthest = offset
            self._callback(offset)


class Window:
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
        self._blank_from: int | None = None  # where the whitespace that ends the bytes read begins

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
            self._count_blank(block)
            self.data += block
            self.reached(self.end)

    def _count_blank(self, block: bytes) -> None:
        """OverLimit once whitespace in a row passes MAX_WHITESPACE_BYTES."""
        kept = len(block.rstrip(_WHITESPACE))
        if kept:
            self._blank_from = None if kept == len(block) else self.end + kept
            return
        if self._blank_from is None:
            self._blank_from = self.end
        if self.end + len(block) - self._blank_from > MAX_WHITESPACE_BYTES:
            raise OverLimit(self._blank_from, f"more than {MAX_WHITESPACE_BYTES >> 20} MiB of whitespace in a row, "
                            "which no exported annotation file has; remove it (re-save the file with json.dump)")

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
        self._blank_from = None
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


class Text:
    """Decoded text of bytes from a byte offset, with character indices mapped back to bytes."""

    def __init__(self, window: Window, start: int, size: int) -> None:
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
    def of(cls, data: bytes, start: int) -> "Text":
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
