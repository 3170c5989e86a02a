"""The checks of one batch of paths, at one depth: what a worker (a thread, a process, a Dask worker) runs.

``exists``: one stat. ``header``: the first 64 KiB and the last 4 KiB of the
file; JPEG and PNG headers (size, EXIF orientation) are read here, the way
Pillow reads them, and the end-of-image marker is looked for in the tail;
other formats are opened by Pillow, which reads only their header. Pillow's
own JPEG header parse costs about 100 us an image (it decodes every table),
four times a read of the file, so it is the reference the tests compare this
reader with, not the fast path. ``decode``: the whole file read, hashed
(BLAKE2b, 16 bytes) and decoded by Pillow, its size and orientation as
Pillow gives them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import posixpath
import re
import struct
import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np

from ..core.errors import UsageError
from .exif import ORIENTATION_TAG
from .results import (
    DIGEST_BYTES,
    NOTES_PER_BATCH,
    BatchAnswer,
    Columns,
    Depth,
    Reason,
    Status,
    format_code,
)
from .storage import LocalStorage, Stamp, Storage, storage_for

HEAD_BYTES = 64 << 10
TAIL_BYTES = 4 << 10
# Extensions tried for a missing file, after its own in the other case.
EXTENSIONS = (".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG")

JPEG_START = b"\xff\xd8"
JPEG_END = b"\xff\xd9"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"
# Baseline, extended and progressive Huffman JPEG: what every loader decodes; other SOFs go to Pillow.
_SOF_READ_HERE = (0xC0, 0xC1, 0xC2)
_SOF_OTHER = frozenset(range(0xC3, 0xD0)) - {0xC4, 0xC8, 0xCC}
_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_ORIENTATION = re.compile(rb'tiff:Orientation(="|>)([0-9])')


@dataclass(frozen=True)
class Batch:
    """One batch of paths: what a worker is sent.

    One object, not lists in the task's arguments: Dask walks those item by
    item looking for futures, which cost the scanning process a few ms a batch.
    ``expected[i]``: the (size, mtime) the cache holds a result for, whose row
    is then left for the cache to fill.
    """

    root: str
    depth: Depth
    names: Sequence[str | None]
    expected: Sequence[tuple[int, int] | None]


class Probed(NamedTuple):
    """One image's outcome."""

    status: Status
    reason: Reason = Reason.NONE
    width: int = 0
    height: int = 0
    orientation: int = 0
    format: str | None = None
    digest: bytes | None = None
    note: str | None = None


class Header(NamedTuple):
    format: str
    width: int
    height: int
    orientation: int
    complete: bool  # the end-of-image marker is where it should be


_STORAGES: dict[str, Storage] = {}


def _storage(root: str) -> Storage:
    """One Storage per root in each process: fsspec filesystems are costly to make."""
    if root not in _STORAGES:
        _STORAGES[root] = storage_for(root)
    return _STORAGES[root]


def check_batch(batch: Batch) -> BatchAnswer:
    """Check each of the batch's names under its root."""
    storage = _storage(batch.root)
    depth, expected = batch.depth, batch.expected
    outcomes: list[Probed] = []
    stamps: list[tuple[int, int]] = []
    unchanged: list[bool] = []
    hints = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow's DecompressionBombWarning, EXIF warnings: the result says it
        for row, name in enumerate(batch.names):
            stamp, probed = probe(storage, storage.resolve(name), depth, expected[row]) if name is not None \
                else (None, UNCHECKED)
            if probed is not None and probed.status == Status.MISSING and hints < NOTES_PER_BATCH:
                hints += 1
                probed = probed._replace(note=missing_hint(storage, name, storage.resolve(name)))  # type: ignore[arg-type]
            stamps.append((stamp.size, stamp.mtime) if stamp is not None else (-1, -1))
            unchanged.append(probed is None)
            outcomes.append(UNCHECKED if probed is None else probed)
    return BatchAnswer(_columns(outcomes, depth), np.array([s for s, _ in stamps], dtype=np.int64),
                       np.array([m for _, m in stamps], dtype=np.int64), np.array(unchanged, dtype=bool))


UNCHECKED = Probed(Status.UNCHECKED)


def _columns(outcomes: list[Probed], depth: Depth) -> Columns:
    """The batch's outcomes as columns, built once per batch (not item by item: numpy's setitem is slow)."""
    def column(values: Any, dtype: type) -> np.ndarray:
        return np.fromiter(values, dtype=dtype, count=len(outcomes))

    digest = None
    if depth >= Depth.DECODE:
        digest = np.frombuffer(b"".join(o.digest or bytes(DIGEST_BYTES) for o in outcomes), dtype=np.uint8)
        digest = digest.reshape(len(outcomes), DIGEST_BYTES).copy()
    notes: dict[int, str] = {}
    for row, outcome in enumerate(outcomes):
        if outcome.note and len(notes) < NOTES_PER_BATCH:
            notes[row] = outcome.note
    return Columns(
        status=column((o.status for o in outcomes), np.uint8),
        reason=column((o.reason for o in outcomes), np.uint8),
        width=column((min(o.width, 2**31 - 1) for o in outcomes), np.int32),
        height=column((min(o.height, 2**31 - 1) for o in outcomes), np.int32),
        orientation=column((o.orientation if 0 <= o.orientation <= 255 else 0 for o in outcomes), np.uint8),
        format=column((format_code(o.format) for o in outcomes), np.uint8),
        digest=digest,
        notes=notes,
    )


def probe(storage: Storage, path: str, depth: Depth, expected: tuple[int, int] | None) -> tuple[Stamp | None, Probed | None]:
    """The file's stamp and what it holds; None for the latter when the stamp is ``expected``."""
    try:
        if isinstance(storage, LocalStorage) and depth >= Depth.HEADER:
            return _probe_local(storage, path, depth, expected)
        stamp = storage.stat(path)
        if not stamp.is_file:
            return stamp, Probed(Status.UNREADABLE, Reason.NOT_A_FILE)
        if expected == (stamp.size, stamp.mtime) and stamp.mtime >= 0:
            return stamp, None
        if stamp.size == 0:
            return stamp, Probed(Status.UNREADABLE, Reason.EMPTY)
        if depth == Depth.EXISTS:
            return stamp, Probed(Status.OK)
        if depth == Depth.DECODE:
            return stamp, decode(storage.read(path, 0, None))
        head = storage.read(path, 0, min(stamp.size, HEAD_BYTES))
        tail = head if stamp.size <= HEAD_BYTES else storage.read(path, stamp.size - TAIL_BYTES, stamp.size)
        return stamp, header(head, tail, stamp.size, lambda: storage.read(path, 0, None))
    except FileNotFoundError:
        return None, Probed(Status.MISSING)
    except (IsADirectoryError, NotADirectoryError):
        return None, Probed(Status.UNREADABLE, Reason.NOT_A_FILE)
    except OSError as exc:
        return None, Probed(Status.UNREADABLE, Reason.CANNOT_READ, note=exc.strerror or str(exc))


def _probe_local(storage: LocalStorage, path: str, depth: Depth, expected: tuple[int, int] | None) -> tuple[Stamp, Probed | None]:
    """One open, fstat and preads: a local file's header costs about what reading it does."""
    fd, stamp = storage.open_fd(path)
    try:
        if not stamp.is_file:
            return stamp, Probed(Status.UNREADABLE, Reason.NOT_A_FILE)
        if expected == (stamp.size, stamp.mtime):
            return stamp, None
        if stamp.size == 0:
            return stamp, Probed(Status.UNREADABLE, Reason.EMPTY)
        if depth == Depth.DECODE:
            return stamp, decode(_pread_all(fd, stamp.size))
        head = os.pread(fd, HEAD_BYTES, 0)
        tail = head if stamp.size <= HEAD_BYTES else os.pread(fd, TAIL_BYTES, stamp.size - TAIL_BYTES)
        return stamp, header(head, tail, stamp.size, lambda: _pread_all(fd, stamp.size))
    finally:
        os.close(fd)


def _pread_all(fd: int, size: int) -> bytes:
    parts, done = [], 0
    while True:
        part = os.pread(fd, max(size - done, 1 << 16), done)
        if not part:
            return b"".join(parts)
        parts.append(part)
        done += len(part)


def header(head: bytes, tail: bytes, size: int, whole: Any) -> Probed:
    """What the header says (``head``: the file's first bytes, ``tail``: its last; ``whole()`` reads it all)."""
    try:
        found = jpeg_header(head, tail, size) or png_header(head, tail, size)
    except (struct.error, IndexError, ValueError):
        found = None  # something this reader does not follow: Pillow decides
    if found is None:
        return pillow_header(head if size <= len(head) else whole())
    if not found.complete:
        return Probed(Status.UNREADABLE, Reason.TRUNCATED, found.width, found.height, found.orientation, found.format,
                      note=f"no {found.format} end marker at the end of the file")
    return Probed(Status.OK, Reason.NONE, found.width, found.height, found.orientation, found.format)


def jpeg_header(head: bytes, tail: bytes, size: int) -> Header | None:
    """Size and orientation from the markers before the scan, as Pillow reads them; None: not for this reader."""
    if not head.startswith(JPEG_START):
        return None
    at, orientation, xmp_orientation, dimensions = 2, 0, 0, None
    while at + 4 <= len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            at += 2
            continue
        length = (head[at + 2] << 8) | head[at + 3]
        if marker == 0xE1:
            segment = head[at + 4 : at + 2 + length]
            if segment.startswith(b"Exif\x00\x00") and not orientation:
                orientation = tiff_orientation(segment[6:])
            elif segment.startswith(_XMP):
                match = _XMP_ORIENTATION.search(segment)
                xmp_orientation = int(match[2]) if match else 0
        elif marker in _SOF_READ_HERE:
            height, width = struct.unpack_from(">HH", head, at + 5)
            dimensions = (width, height)
        elif marker in _SOF_OTHER:
            return None
        elif marker == 0xDA:  # start of scan: the header is done
            if dimensions is None:
                return None
            scan = at if size <= len(head) else 0
            ends = JPEG_END in (head[scan:] if size <= len(head) else tail)
            return Header("JPEG", *dimensions, orientation or xmp_orientation, ends)
        at += 2 + length
    return None  # the header goes on past what was read


def png_header(head: bytes, tail: bytes, size: int) -> Header | None:
    if not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack_from(">II", head, 16)
    at, orientation = 8, 0
    while at + 8 <= len(head):
        length, kind = struct.unpack_from(">I4s", head, at)
        if kind == b"IDAT":
            break
        if kind == b"eXIf":
            data = head[at + 8 : at + 8 + length]
            orientation = tiff_orientation(data[6:] if data.startswith(b"Exif\x00\x00") else data)
        at += 12 + length
    return Header("PNG", width, height, orientation, PNG_END in tail)


def tiff_orientation(tiff: bytes) -> int:
    """The orientation tag of an EXIF block's first IFD; 0 when it has none."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        raise ValueError("not a TIFF header")
    (offset,) = struct.unpack_from(order + "I", tiff, 4)
    (entries,) = struct.unpack_from(order + "H", tiff, offset)
    for entry in range(offset + 2, offset + 2 + 12 * entries, 12):
        tag, kind = struct.unpack_from(order + "HH", tiff, entry)
        if tag == ORIENTATION_TAG:
            value_format = {1: "B", 3: "H", 4: "I"}.get(kind)
            if value_format is None:
                raise ValueError("an orientation of an unexpected type")
            return struct.unpack_from(order + value_format, tiff, entry + 8)[0]
    return 0


def require_pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise UsageError("--image-check header and decode need Pillow: pip install 'labelcheck[images]'") from None
    return Image


def pillow_header(data: bytes) -> Probed:
    """Any format Pillow knows, opened (its header read), not decoded."""
    Image = require_pillow()
    try:
        with Image.open(io.BytesIO(data)) as image:
            orientation = 0
            if "exif" in image.info or image.format != "PNG":  # PNG's getexif decodes the image to look further
                orientation = int(image.getexif().get(ORIENTATION_TAG) or 0)
            return Probed(Status.OK, Reason.NONE, *image.size, orientation, image.format)
    except Image.UnidentifiedImageError:
        return Probed(Status.UNREADABLE, Reason.NOT_AN_IMAGE)
    except Image.DecompressionBombError as exc:
        return Probed(Status.UNREADABLE, Reason.TOO_LARGE, note=f"Pillow: {exc}")
    except Exception as exc:  # noqa: BLE001 - a broken header: Pillow raises many kinds
        return _failed(exc)


POOLED_BLOCKS = 4


@functools.cache
def pillow_for_decoding() -> Any:
    """Pillow, keeping up to ``POOLED_BLOCKS`` freed image blocks (at most 16 MB each) for the next decode.

    Without the pool every decoded image is fresh memory from the kernel, freed
    at once; under Dask's workers, which set ``MALLOC_TRIM_THRESHOLD_``, that
    halves the decode rate (page faults). ``PILLOW_BLOCKS_MAX``, when set, wins.
    """
    Image = require_pillow()
    if "PILLOW_BLOCKS_MAX" not in os.environ and Image.core.get_blocks_max() < POOLED_BLOCKS:
        Image.core.set_blocks_max(POOLED_BLOCKS)
    return Image


def decode(data: bytes) -> Probed:
    """Every pixel decoded (the first frame, as loaders take it), and the bytes hashed."""
    Image = pillow_for_decoding()
    digest = hashlib.blake2b(data, digest_size=16).digest()
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            orientation = int(image.getexif().get(ORIENTATION_TAG) or 0)
            return Probed(Status.OK, Reason.NONE, *image.size, orientation, image.format, digest)
    except Image.UnidentifiedImageError:
        return Probed(Status.UNREADABLE, Reason.NOT_AN_IMAGE, digest=digest)
    except Image.DecompressionBombError as exc:
        return Probed(Status.UNREADABLE, Reason.TOO_LARGE, note=f"Pillow: {exc}", digest=digest)
    except Exception as exc:  # noqa: BLE001 - a decoder's error: OSError, SyntaxError, ValueError, ...
        return _failed(exc)._replace(digest=digest)


def _failed(exc: BaseException) -> Probed:
    """Pillow's error as the reason a file is unreadable."""
    text = str(exc).strip()
    text = text.splitlines()[0][:200] if text else type(exc).__name__
    reason = Reason.TRUNCATED if "truncated" in text.lower() else Reason.CORRUPT
    return Probed(Status.UNREADABLE, reason, note=f"Pillow: {text}")


def missing_hint(storage: Storage, name: str, path: str) -> str | None:
    """What is there instead of a missing file, when a few stats can tell: another case,
    another extension, backslashes meant as folders, the file one folder up."""
    folder, _, base = name.rpartition("/")
    prefix = folder + "/" if folder else ""
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    candidates = [("other case", prefix + base.lower()), ("other case", prefix + base.upper())]
    if extension:
        candidates += [("other case", f"{prefix}{stem}.{extension.lower()}"),
                       ("other case", f"{prefix}{stem}.{extension.upper()}")]
        candidates += [("other extension", prefix + stem + other) for other in EXTENSIONS
                       if other.lower() != "." + extension.lower()]
    if "\\" in name:
        candidates.append(("backslashes read as folders", name.replace("\\", "/")))
    if isinstance(storage, LocalStorage):
        other_case = _same_but_case(os.path.dirname(path), base)
        if other_case is not None:
            candidates.insert(0, ("other case", prefix + other_case))
    seen = {name}
    for label, candidate in candidates:
        if candidate not in seen:
            seen.add(candidate)
            if storage.exists(storage.resolve(candidate)):
                return f"{label}: {candidate}"
    up = posixpath.join(posixpath.dirname(posixpath.dirname(path)), base)
    if up != path and storage.exists(up):
        return f"one folder up: {storage.shown(up)}"
    return None


# Folders listed for names in another case: up to this many entries (a listing
# of a million names costs a second and a hundred MB), the last one kept.
LISTING_LIMIT = 50_000
_listing: tuple[str, dict[str, str] | None] = ("", None)


def _same_but_case(folder: str, base: str) -> str | None:
    """A name in ``folder`` equal to ``base`` but for case."""
    global _listing
    listing = _listing  # one read: another thread may list another folder meanwhile
    if listing[0] != folder:
        names: dict[str, str] | None = {}
        try:
            with os.scandir(folder or ".") as entries:
                for count, entry in enumerate(entries):
                    if count == LISTING_LIMIT:
                        names = None
                        break
                    names.setdefault(entry.name.lower(), entry.name)  # type: ignore[union-attr]
        except OSError:
            names = None
        listing = _listing = (folder, names)
    found = listing[1].get(base.lower()) if listing[1] is not None else None
    return found if found != base else None
