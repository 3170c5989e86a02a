"""remap's fast path: renumber the category_id of every annotation in a run.

A function of the run's bytes and the mapping alone, so worker processes run
it (``labelcheck.readers.worker``) while the main process writes. Each
``"category_id": <integer>`` is replaced in the bytes, everything else is
copied as it is.

Why the byte pattern is safe when it is used: msgspec has read every element
as an object with an integer ``category_id`` within int64 (so each has at
least one match, its own key), the run has no backslash (no escaped spelling
of the key, and a quote inside a string is always escaped, so the pattern only
meets keys), and a stretch has exactly as many matches as elements, so no
element has a second, nested or repeated, ``category_id``. Anything else goes element by
element (``ArrayEdit.element``), Python's json deciding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .streamed import EditedRun, drop_elements, field_values

# A category_id key and its number (any JSON number: an integer is checked by count, see above).
_INT64 = (-(2**63), 2**63 - 1)  # beyond, an id is not usable (``dataset.classify_id``): decided per element
_CATEGORY_ID = re.compile(rb'("category_id"[ \t\n\r]*:[ \t\n\r]*)(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)')


@dataclass
class Renumbered:
    """What a run's renumbering counted (``EditedRun.tally``)."""

    used: set[int]  # the distinct category ids of its annotations
    dropped: int  # annotations whose id the mapping drops or does not know


def renumber_run(document: bytes | bytearray, mapping: dict[int, int | None]) -> EditedRun | None:
    """The run's annotations, given as its run document (``[`` + run + ``]``),
    with ``mapping`` applied to their category_id; an id mapped to None, or not
    in ``mapping``, drops its annotation. None: the run must go element by element."""
    if b"\\" in document:
        return None
    ids = field_values(document, "category_id", int)
    if ids is None or not ids or min(ids) < _INT64[0] or max(ids) > _INT64[1]:
        return None  # an element that is not an object with an integer category_id the loader can use
    new = {old: mapping.get(old) for old in set(ids)}
    dropped = [k for k, old in enumerate(ids) if new[old] is None] if None in new.values() else []
    spelled = _Spellings({str(old).encode(): str(number).encode() for old, number in new.items()})

    def keep(chunk: memoryview, elements: int | None) -> bytes | None:
        parts = _CATEGORY_ID.split(chunk)  # text, key, value, text, key, value, ..., text
        if len(parts) // 3 != (len(ids) if elements is None else elements):
            return None  # a nested or repeated category_id key
        parts[2::3] = map(spelled.__getitem__, parts[2::3])
        return b"".join(parts)

    return drop_elements(document, dropped, keep, Renumbered(set(ids), len(dropped)))


class _Spellings(dict):
    """New id text by old id text; an unusual spelling ("-0") is looked up by its number."""

    def __missing__(self, value: bytes) -> bytes:
        self[value] = self[str(int(value)).encode()]
        return self[value]
