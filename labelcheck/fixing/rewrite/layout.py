"""Where things are in a JSON text: object members and array elements as spans.

The rewriters copy the input through, changing only the spans they must, so
everything else (key order, spacing, number spellings such as 1e3 or 0.10)
survives byte for byte. Offsets index the decoded text; values are located
with Python's own JSON scanner, so what counts as a value is exactly what
``json.load`` (and so pycocotools) reads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterator

from ...core.errors import InputError

_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class Member:
    """One ``"key": value`` of an object; ``start``/``end`` span the value."""

    key: str
    start: int
    end: int


def _skip(text: str, index: int) -> int:
    return _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]


def _expect(text: str, index: int, char: str, name: str) -> int:
    if index >= len(text) or text[index] != char:
        found = repr(text[index]) if index < len(text) else "end of file"
        raise InputError(f"{name}: character {index}: expected {char!r}, found {found}")
    return index + 1


def value_end(text: str, start: int, name: str) -> int:
    """End of the JSON value starting at ``start`` (arrays walked element by element)."""
    if text.startswith("[", start):
        end = start + 1
        for _, end in array_elements(text, start, name):
            pass
        return _expect(text, _skip(text, end), "]", name)
    try:
        return _DECODER.raw_decode(text, start)[1]
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: character {exc.pos}: invalid JSON: {exc.msg.lower()}") from None


def object_members(text: str, start: int, name: str) -> Iterator[Member]:
    """The members of the object at ``start``, in file order (repeats included)."""
    index = _skip(text, _expect(text, _skip(text, start), "{", name))
    if text.startswith("}", index):
        return
    while True:
        try:
            key, index = _DECODER.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: character {exc.pos}: invalid JSON: {exc.msg.lower()}") from None
        index = _skip(text, _expect(text, _skip(text, index), ":", name))
        end = value_end(text, index, name)
        yield Member(key, index, end)
        index = _skip(text, end)
        if text.startswith("}", index):
            return
        index = _skip(text, _expect(text, index, ",", name))


def array_elements(text: str, start: int, name: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each element of the array whose ``[`` is at ``start``."""
    index = _skip(text, _expect(text, start, "[", name))
    if text.startswith("]", index):
        return
    while True:
        end = value_end(text, index, name)
        yield index, end
        index = _skip(text, end)
        if text.startswith("]", index):
            return
        index = _skip(text, _expect(text, index, ",", name))


def effective_members(text: str, name: str) -> dict[str, Member]:
    """Top-level members; a repeated key resolves to its last occurrence, as json.load does."""
    return {member.key: member for member in object_members(text, 0, name)}
