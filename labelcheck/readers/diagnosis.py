"""The wording of a syntax, UTF-8 or nesting error found by the splitter: the plain reader's.

The plain reader reads and decodes the whole file before parsing, so its
first error may lie before the splitter's. One more pass over the bytes finds
it, and the line and column of the splitter's offset.
"""

from __future__ import annotations

import codecs

from ..core.errors import InputError
from .base import UTF8_BOM, bom_error, long_integer_error, nesting_error, syntax_error, utf8_error
from .jsonsplit import ByteOrderMark, LongInteger, NestingTooDeep, OverLimit, SplitError, Utf8Error
from .sniff import HEAD_BYTES, not_json
from .source import BLOCK_BYTES, Source

_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))


def diagnose(src: Source, error: SplitError) -> InputError:
    """The error the plain reader gives: it reads and decodes the whole file before parsing.

    So a read error anywhere comes first, then what the file is when it is
    recognisably no JSON (an image, a CSV: ``sniff.not_json``), then a byte
    order mark, then the first invalid UTF-8, and only then the syntax error,
    with its line and column.
    """
    if isinstance(error, OverLimit):  # no error of Python's json: said as it is
        return InputError(f"{src.name}: byte {error.offset}: {error.message}")
    context = _ErrorContext(error.offset)
    with src.stream() as stream:
        while block := stream.read(BLOCK_BYTES):
            context.feed(block)
    context.finish()
    what = not_json(context.head)
    if what is not None:
        return InputError(f"{src.name}: {what}")
    if context.head.startswith(UTF8_BOM) or isinstance(error, ByteOrderMark):
        return bom_error(src.name)
    if context.utf8 is not None:
        return utf8_error(src.name, *context.utf8)
    if isinstance(error, Utf8Error):  # found by the splitter, which saw the same bytes
        return utf8_error(src.name, error.offset, error.message)
    if isinstance(error, NestingTooDeep):
        return nesting_error(src.name)
    if isinstance(error, LongInteger):
        return long_integer_error(src.name)
    return syntax_error(
        src.name, error.offset, context.lines + 1, context.column + 1, error.message, context.only_space_after
    )


class _ErrorContext:
    """What one pass over the bytes says about an error at ``offset``."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.position = 0
        self.head = b""
        self.utf8: tuple[int, str] | None = None
        self._pending = b""  # the start of a character cut by the end of the last block
        self.lines = 0  # newlines before the offset
        self.column = 0  # characters between the last of them and the offset
        self.only_space_after = True
        self._after = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, block: bytes) -> None:
        if len(self.head) < HEAD_BYTES:
            self.head += block[: HEAD_BYTES - len(self.head)]
        if self.utf8 is None:
            self._check_utf8(block)
        split = min(max(self.offset - self.position, 0), len(block))
        self._count_position(block[:split])
        if self.only_space_after and split < len(block):
            text = self._after.decode(block[split:])
            self.only_space_after = not text or text.isspace()
        self.position += len(block)

    def finish(self) -> None:
        if self.utf8 is None and self._pending:  # the file ends inside a character
            self.utf8 = (self.position - len(self._pending), "unexpected end of data")

    def _check_utf8(self, block: bytes) -> None:
        data = self._pending + block
        try:
            data.decode("utf-8")
            self._pending = b""
        except UnicodeDecodeError as exc:
            if exc.reason == "unexpected end of data":
                self._pending = data[exc.start :]
            else:
                self.utf8 = (self.position - len(self._pending) + exc.start, exc.reason)

    def _count_position(self, before: bytes) -> None:
        newline = before.rfind(b"\n")
        if newline >= 0:
            self.lines += before.count(b"\n")
            self.column = _characters(before[newline + 1 :])
        else:
            self.column += _characters(before)


def _characters(data: bytes) -> int:
    return len(data.translate(None, _CONTINUATION_BYTES))
