"""The reader interface and what every reader shares: opening a source."""

from __future__ import annotations

import difflib
import gc
import gzip
import os
import sys
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Callable, ClassVar, Iterator

from ..core.dataset import STDIN, Dataset
from ..core.errors import InputError
from ..core.sidefiles import LONG_INTEGER, is_device
from ..core.text import safe
from .sniff import not_coco

UTF8_BOM = b"\xef\xbb\xbf"
DEFAULT_BATCH_SIZE = 65536


@dataclass(frozen=True)
class Progress:
    """How far a reader is through one source, for a progress display."""

    source: str  # display name
    # "reading" (stdin); "scanning" (validating and decoding the file; with two passes, "checking" it
    # first, then "scanning" decodes); "decoding" (annotations found before the images, read again);
    # "writing" (a rewrite; source is then the output); "images" (the image files checked: done and total
    # count images, not bytes)
    phase: str
    done: int  # bytes of this phase done (of a .gz file's first pass and rewrite: compressed bytes read)
    total: int | None  # bytes of this phase; None when unknown
    annotations: int = 0  # annotations decoded so far
    file: int = 1  # which of the files worked on together (train and validation): 1..files
    files: int = 1


ProgressCallback = Callable[[Progress], None]


def relabelled(progress: ProgressCallback | None, **changes: Any) -> ProgressCallback | None:
    """``progress``, told each event with ``changes`` made: which file of several this is,
    the output's name for the "writing" phase."""
    if progress is None:
        return None
    return lambda event: progress(replace(event, **changes))


def bytes_read(stream: Any, offset: int) -> int:
    """How far a stream at ``offset`` is through the file on disk: for a .gz, the
    compressed bytes read (what its size on disk counts), else ``offset``."""
    raw = stream.fileobj if isinstance(stream, gzip.GzipFile) else None
    return raw.tell() if raw is not None else offset


class Reader:
    """Reads one source (a path, ``-`` for stdin, or an object) into a Dataset."""

    name: ClassVar[str]

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE, progress: ProgressCallback | None = None) -> None:
        self.batch_size = batch_size
        self.progress = progress

    def read(self, source: Any) -> Dataset:
        raise NotImplementedError


class ReadAgain(Exception):
    """Raised by a provisional Dataset's batches: what was read so far does not
    count; read the source again with ``reader``."""

    def __init__(self, reader: Reader, reason: str) -> None:
        super().__init__(reason)
        self.reader = reader


@contextmanager
def collector_paused() -> Iterator[None]:
    """Decoding a run allocates tens of thousands of tuples, each a cycle-collector
    candidate, none ever in a cycle: collecting meanwhile costs ~10% of the decode."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def display_name(source: Any) -> str:
    if source == STDIN:
        return "<stdin>"
    return str(source)


GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: str | os.PathLike) -> bool:
    """A .gz name, or gzip content whatever the name (a JSON file never starts so)."""
    path = os.fspath(path)
    if path.endswith(".gz"):
        return True
    if not os.path.isfile(path):  # peeking would consume a pipe
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == GZIP_MAGIC
    except OSError:
        return False  # opening it again reports the problem


def open_binary(source: str, decompress: bool = True) -> BinaryIO:
    """Open a path or stdin for reading bytes, decompressing gzip unless told not to.

    Devices other than a terminal (``/dev/zero``, a disk) are refused: they
    never end, or are no annotation file."""
    if source == STDIN:
        raw: BinaryIO = sys.stdin.buffer
        _refuse_device(raw, "<stdin>")
        head = raw.peek(2)[:2] if decompress and hasattr(raw, "peek") else b""
        if head == GZIP_MAGIC:
            return BoundedGzip(fileobj=raw)  # type: ignore[return-value]
        return raw
    path = Path(source)
    try:
        if path.is_dir():
            raise InputError(f"{source}: is a directory, not an annotation file; give the .json file inside it")
        handle: BinaryIO = open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{source}: no such file; check the path") from None
    except PermissionError:
        raise InputError(f"{source}: permission denied; make the file readable") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot open: {exc.strerror}") from None
    try:
        _refuse_device(handle, source)
    except InputError:
        handle.close()
        raise
    if decompress and is_gzip(source):
        handle.close()  # opened by name, the GzipFile closes its file when it is closed
        return BoundedGzip(path, mode="rb")  # type: ignore[return-value]
    return handle


def _refuse_device(stream: Any, name: str) -> None:
    if is_device(stream):
        raise InputError(f"{name}: is a device, not an annotation file; give a JSON file, a pipe or a terminal")


# A gzip stream may expand this many times its compressed size, once past
# GZIP_RATIO_FROM bytes: real annotation files compress at most about 50 times
# (the 105 files of ../shared/real-corpus: 2-50), whitespace 1,000 times.
GZIP_MAX_RATIO = 200
GZIP_RATIO_FROM = 64 << 20


class GzipBomb(OSError):
    """A gzip stream that expands far more than annotation files do."""


class BoundedGzip(gzip.GzipFile):
    """A gzip stream refused once it expands more than GZIP_MAX_RATIO times what
    it has read: a small file holding gigabytes of whitespace ends in one line."""

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and 0 <= size <= _BOUNDED_BLOCK:
            return self._bounded(super().read(size))
        blocks = []  # in blocks, each checked
        left = -1 if size is None or size < 0 else size
        while left and (block := self.read(_BOUNDED_BLOCK if left < 0 else min(left, _BOUNDED_BLOCK))):
            blocks.append(block)
            left -= len(block) if left > 0 else 0
        return b"".join(blocks)

    def read1(self, size: int = -1) -> bytes:
        return self._bounded(super().read1(size if size >= 0 else _BOUNDED_BLOCK))

    def readinto(self, buffer: Any) -> int:
        with memoryview(buffer) as view, view.cast("B") as octets:
            data = self.read(len(octets))
            octets[: len(data)] = data
        return len(data)

    def _bounded(self, data: bytes) -> bytes:
        expanded = self.tell()
        if expanded > GZIP_RATIO_FROM:
            try:
                compressed = self.fileobj.tell()  # type: ignore[union-attr]
            except (OSError, AttributeError):
                return data  # a pipe read whole by the plain reader: it holds it all anyway
            if expanded > GZIP_MAX_RATIO * compressed:
                raise GzipBomb(
                    f"{expanded >> 20} MiB from the first {compressed >> 10} KiB: gzip data expanding more than "
                    f"{GZIP_MAX_RATIO} times is refused (no annotation file compresses so well); if it is "
                    "genuine, decompress it and give the .json"
                )
        return data


_BOUNDED_BLOCK = 4 << 20


def read_all_bytes(source: str) -> bytes:
    with open_binary(source) as handle:
        try:
            return handle.read()
        except READ_ERRORS as exc:
            raise read_error(display_name(source), exc) from None


# What reading a (possibly gzipped) source raises when its bytes are unreadable.
READ_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error, OSError)


def read_error(name: str, exc: BaseException) -> InputError:
    if isinstance(exc, GzipBomb):
        return InputError(f"{name}: {exc}")
    if isinstance(exc, (gzip.BadGzipFile, EOFError, zlib.error)):
        return InputError(f"{name}: not a readable gzip file ({exc}); re-compress it or give the plain .json")
    return InputError(f"{name}: read failed: {exc}")


def bom_error(name: str) -> InputError:
    return InputError(
        f"{name}: byte 0: file starts with a UTF-8 byte order mark, which JSON forbids "
        "and Python's json.load rejects; re-save the file as UTF-8 without BOM"
    )


def utf8_error(name: str, offset: int, reason: str) -> InputError:
    return InputError(f"{name}: byte {offset}: invalid UTF-8 ({reason}); re-encode the file as UTF-8")


def syntax_error(name: str, offset: int, line: int, column: int, message: str, truncated: bool) -> InputError:
    """``message`` is json.JSONDecodeError's; ``truncated``: only whitespace follows the error."""
    problem = "file ends early (truncated?)" if truncated else message.lower()
    return InputError(
        f"{name}: byte {offset} (line {line}, column {column}): invalid JSON: {problem}; fix or re-export the file"
    )


def long_integer_error(name: str) -> InputError:
    return InputError(f"{name}: {LONG_INTEGER}; fix or re-export the file")


def nesting_error(name: str) -> InputError:
    return InputError(f"{name}: JSON nested too deeply to read; this is not a COCO annotation file")


def decode_utf8(data: bytes, name: str) -> str:
    """Strict UTF-8 decoding with errors that name the byte offset."""
    if data.startswith(UTF8_BOM):
        raise bom_error(name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise utf8_error(name, exc.start, exc.reason) from None


def byte_offset(text: str, char_offset: int) -> int:
    return len(text[:char_offset].encode("utf-8"))


def require_document_shape(
    document: Any, name: str, first: Callable[[str | None], Any] | None = None
) -> tuple[list, list, list]:
    """Check the top-level shape and return (categories, images, annotations).

    ``first(key)``, the first element of an array in the document (``sniff.not_coco``),
    lets the error say what the document is instead, when it is something else.
    """
    what = not_coco(document, first) if first is not None else None
    if what is not None:
        raise InputError(f"{name}: {what}")
    if not isinstance(document, dict):
        raise InputError(
            f"{name}: top level is a JSON {json_type(document)}, not an object; "
            "a COCO file is an object with 'images', 'annotations' and 'categories'"
        )
    arrays = []
    for key in COCO_KEYS:
        if key not in document:
            article = "an" if key[0] in "aeiou" else "a"
            raise InputError(
                f"{name}: $.{key}: missing{_near_miss(key, document)}; a COCO annotation file needs {article} "
                f"'{key}' array"
            )
        value = document[key]
        if not isinstance(value, list):
            raise InputError(f"{name}: $.{key}: is a JSON {json_type(value)}, expected an array")
        arrays.append(value)
    return arrays[0], arrays[1], arrays[2]


COCO_KEYS = ("categories", "images", "annotations")


def _near_miss(key: str, document: dict) -> str:
    """', found 'annotation' (did you mean 'annotations'?)' for a key that is probably this one misspelt."""
    others = [other for other in document if isinstance(other, str) and other not in COCO_KEYS]
    lowered = {other.lower(): other for other in others}
    close = difflib.get_close_matches(key, lowered, n=1, cutoff=0.75)
    if not close:
        return ""
    return f"; found {safe(repr(lowered[close[0]]))}: did you mean '{key}'?"


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
