"""The splitter's errors: where the input stops being JSON as Python's json reads it, and why."""

from __future__ import annotations


class SplitError(Exception):
    """The input is not JSON as Python's json reads it; ``offset`` is a byte offset."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(f"byte {offset}: {message}")
        self.offset = offset
        self.message = message

    def __reduce__(self) -> tuple:  # raised in a worker process, raised again in this one
        return type(self), (self.offset, self.message)


class JsonSyntaxError(SplitError):
    """``message`` is json.JSONDecodeError's wording for the same error."""


class Utf8Error(SplitError):
    """``message`` is the UnicodeDecodeError reason."""


class ByteOrderMark(SplitError):
    pass


class NestingTooDeep(SplitError):
    """Nesting beyond Python's recursion limit (the offset is not meaningful)."""


class LongInteger(SplitError):
    """An integer of more digits than Python reads (its int-to-str limit): json.load refuses the file."""


class OverLimit(SplitError):
    """Past a limit the splitter keeps to hold memory bounded (``message`` says which);
    Python's json might read it, holding it all."""


class Irregular(Exception):
    """A construct this module will not split in bounded memory."""


class ShortRead(EOFError):
    """The file ended before a run it was indexed with: it changed since."""
