"""Checking a run document with msgspec: valid JSON, valid UTF-8 throughout, and
no integer Python's json refuses (of more than MAX_INTEGER_DIGITS digits)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import msgspec
import numpy as np

from ...core.sidefiles import LONG_INTEGER, MAX_INTEGER_DIGITS, unparsable
from .errors import LongInteger, NestingTooDeep

_VALIDATOR = msgspec.json.Decoder(msgspec.Raw)


def validated(document: bytes | bytearray | memoryview, maybe_non_ascii: bool = True) -> bool | None:
    """The ``RunCheck`` that decodes nothing: True if valid, else None."""
    return True if valid_run_document(document, maybe_non_ascii) else None


def valid_run_document(document: bytes | bytearray | memoryview, maybe_non_ascii: bool = True) -> bool:
    """Whether a run document (``[`` + run + ``]``) is valid JSON and valid UTF-8 (msgspec's check)."""
    try:
        _VALIDATOR.decode(document)
    except (msgspec.DecodeError, RecursionError):
        return False
    if not valid_utf8(document, maybe_non_ascii):
        return False
    refuse_long_integers(document)
    return True


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


# Every stretch of more than MAX_INTEGER_DIGITS digits covers at least four
# consecutive bytes sampled this far apart: few runs need a closer look.
_SAMPLED_EVERY = MAX_INTEGER_DIGITS // 4


def refuse_long_integers(document: bytes | bytearray | memoryview) -> None:
    """LongInteger if a valid run document holds an integer of more than
    MAX_INTEGER_DIGITS digits (msgspec reads it, Python's json does not)."""
    if len(document) <= MAX_INTEGER_DIGITS:
        return
    data = np.frombuffer(document, dtype=np.uint8)
    digit = (data[::_SAMPLED_EVERY] - ord("0")) < 10  # uint8: wraps below "0"
    for first in np.flatnonzero(digit[:-3] & digit[1:-2] & digit[2:-1] & digit[3:]).tolist():
        start = first * _SAMPLED_EVERY
        if bytes(data[start : start + 3 * _SAMPLED_EVERY + 1]).isdigit():  # digits all the way: in a string?
            with contextlib.suppress(json.JSONDecodeError):  # msgspec's verdict on the syntax stands
                python_json(document)
            return


def python_json(document: bytes | bytearray | memoryview) -> Any:
    """Python's json decoding of a run document (what the plain reader, and the
    loader, make of it); a limit of Python's is the splitter's error."""
    try:
        return json.loads(bytes(document))
    except (RecursionError, ValueError) as exc:
        raise limit_error(exc) from None


def limit_error(exc: RecursionError | ValueError) -> BaseException:
    """The splitter's error where Python's json gives up on well-formed text
    (nesting past the recursion limit, an integer past the digits limit); any
    other error (a JSONDecodeError) as it is."""
    if isinstance(exc, RecursionError):
        return NestingTooDeep(0, "nested too deeply")
    return exc if unparsable(exc) is None else LongInteger(0, LONG_INTEGER)
