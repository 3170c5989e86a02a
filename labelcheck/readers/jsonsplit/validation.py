"""Checking a run document with msgspec: valid JSON, and valid UTF-8 throughout."""

from __future__ import annotations

import msgspec
import numpy as np

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
