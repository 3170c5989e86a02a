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

``labelcheck.fixing.rewrite.streamed`` rewrites files from these runs (``clean``,
``remap``), locating elements inside a run with msgspec.

Errors carry the byte offset where Python's ``json`` would stop and its
wording: ``JsonSyntaxError``, ``Utf8Error``, ``ByteOrderMark``,
``NestingTooDeep``, ``LongInteger`` (Python's json refuses an integer of
thousands of digits); ``OverLimit`` a limit that keeps memory bounded (more
than ``MAX_WHITESPACE_BYTES`` of whitespace in a row). ``Irregular`` means a construct this module does not split
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

Modules: ``splitter`` (the state machine), ``window`` (the bytes read so far),
``spans`` (what is found), ``validation`` (msgspec's check of a run),
``errors``.
"""

from __future__ import annotations

from .errors import (
    ByteOrderMark,
    Irregular,
    JsonSyntaxError,
    LongInteger,
    NestingTooDeep,
    OverLimit,
    ShortRead,
    SplitError,
    Utf8Error,
)
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
from .splitter import (
    DEFAULT_RUN_BYTES,
    MAX_VALUE_BYTES,
    document_events,
    index_document,
)
from .validation import python_json, refuse_long_integers, valid_run_document, valid_utf8, validated
from .window import read_exactly

__all__ = [
    "DEFAULT_RUN_BYTES",
    "MAX_VALUE_BYTES",
    "ByteOrderMark",
    "Document",
    "Irregular",
    "JsonSyntaxError",
    "LongInteger",
    "Member",
    "MemberFound",
    "NestingTooDeep",
    "OverLimit",
    "Run",
    "RunCheck",
    "RunDecoding",
    "RunFound",
    "RunValidator",
    "ShortRead",
    "SplitError",
    "Utf8Error",
    "document_events",
    "index_document",
    "python_json",
    "read_exactly",
    "refuse_long_integers",
    "valid_run_document",
    "valid_utf8",
    "validated",
]
