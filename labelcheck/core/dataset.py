"""The columnar view of a COCO file that readers produce and rules consume.

Readers never hand rules Python objects per annotation: they fill numpy columns
in batches, so a streaming reader for multi-GB files can drop in without any
rule changing. Rare irregular values (a string category id, a 40-digit integer)
are kept raw in small per-batch dicts so reports can quote them exactly.
"""

from __future__ import annotations

import enum
import os
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, NamedTuple, Sequence

import numpy as np

# The source name that means standard input, for readers and for the output guards.
STDIN = "-"


class ValueKind(enum.IntEnum):
    """How a JSON value that should be an integer id actually looked."""

    INT = 0  # an integer that fits in int64
    INTEGRAL_FLOAT = 1  # 12.0: the loader's int64 cast uses it as 12
    MISSING = 2
    NULL = 3
    BOOL = 4
    STRING = 5
    NON_INTEGRAL = 6  # 12.5, NaN, Infinity
    OTHER = 7  # a list or an object
    BIG_INT = 8  # an integer outside int64; the value column holds 0


def classify_id(value: Any, present: bool = True) -> tuple[ValueKind, int]:
    """Classify one raw JSON value meant to be an integer id."""
    if not present:
        return ValueKind.MISSING, 0
    if value is None:
        return ValueKind.NULL, 0
    if isinstance(value, bool):
        return ValueKind.BOOL, 0
    if isinstance(value, int):
        if -(2**63) <= value < 2**63:
            return ValueKind.INT, value
        return ValueKind.BIG_INT, 0
    if isinstance(value, float):
        if value.is_integer() and -(2.0**63) <= value < 2.0**63:
            return ValueKind.INTEGRAL_FLOAT, int(value)
        return ValueKind.NON_INTEGRAL, 0
    if isinstance(value, str):
        return ValueKind.STRING, 0
    return ValueKind.OTHER, 0


# Kinds whose integer value is what a training loader would use as the id.
USABLE_KINDS = (ValueKind.INT, ValueKind.INTEGRAL_FLOAT)
# Indexed by kind. np.isin would hold temporaries many times the column's size.
_USABLE = np.isin(np.arange(256), USABLE_KINDS)


def usable(kinds: np.ndarray) -> np.ndarray:
    """Rows whose id a training loader would use as an integer (``kinds``: uint8 ValueKind)."""
    return _USABLE[kinds]


class BboxKind(enum.IntEnum):
    OK = 0  # a list of 4 numbers (possibly NaN or infinite)
    MISSING = 1
    MALFORMED = 2  # not a list, wrong length, or a non-number inside


class MaskOutcome(enum.IntEnum):
    """What pycocotools' ``mask.frPyObjects(segmentation, h, w)`` does with an
    annotation's segmentation (pycocotools 2.0.11 ``mask.py``, its tests in
    their order; probed on a 10x10 canvas). Loaders that build masks for every
    annotation (torchvision's detection references) stop there."""

    OK = 0  # polygons (a first element of more than 4 coordinates) or an uncompressed RLE
    MISSING = 1  # no 'segmentation' key: the loader's KeyError comes first
    INDEX_ERROR = 2  # []: IndexError: list index out of range
    UNSUPPORTED = 3  # Exception: input type is not supported. (a first polygon of 0-3 coordinates, null, a number)
    BBOX_TYPE_ERROR = 4  # a first element of exactly 4 items is taken as a box: TypeError
    NO_LENGTH = 5  # a first element without a length (a flat list of numbers): TypeError
    COMPRESSED_RLE = 6  # a dict whose counts is a string: ValueError


class PolygonOutcome(enum.IntEnum):
    """What detectron2's ``load_coco_json`` polygon filter does with an
    annotation's segmentation (``data/datasets/coco.py`` L185-197): a
    non-empty list keeps only polygons of even length >= 6, and the instance
    is dropped when none is left, whether or not masks are trained."""

    KEPT = 0  # missing, empty, a dict (RLE), or a list with a valid polygon
    DROPPED = 1  # a non-empty list without a valid polygon
    TYPE_ERROR = 2  # an element without a length (a flat list of numbers): TypeError


@dataclass
class AnnotationBatch:
    """A run of consecutive annotations, one numpy column per field.

    ``start`` is the position of the first row in the file's ``annotations``
    array, so row ``i`` is ``annotations[start + i]``.
    """

    start: int
    id: np.ndarray  # int64
    id_kind: np.ndarray  # uint8 ValueKind
    image_id: np.ndarray  # int64
    image_id_kind: np.ndarray  # uint8 ValueKind
    category_id: np.ndarray  # int64
    category_kind: np.ndarray  # uint8 ValueKind
    bbox: np.ndarray  # float64, shape (n, 4)
    bbox_kind: np.ndarray  # uint8 BboxKind
    has_area: np.ndarray  # bool
    has_iscrowd: np.ndarray  # bool
    area: np.ndarray  # float64: the number, NaN when absent or not a number
    crowd: np.ndarray  # bool: iscrowd is there and true (Python truth: 1, true)
    ignored: np.ndarray  # bool: an "ignore" key is there and true
    mask: np.ndarray  # uint8 MaskOutcome of the segmentation
    polygons: np.ndarray  # uint8 PolygonOutcome of the segmentation
    # Raw values for rows whose kind is not INT, keyed by row, for reporting.
    raw_id: dict[int, Any] = field(default_factory=dict)
    raw_image_id: dict[int, Any] = field(default_factory=dict)
    raw_category_id: dict[int, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.id)

    def raw_category(self, row: int) -> Any:
        """The category_id exactly as the file wrote it (None when missing)."""
        if row in self.raw_category_id:
            return self.raw_category_id[row]
        return int(self.category_id[row])

    def raw_annotation_id(self, row: int) -> Any:
        if row in self.raw_id:
            return self.raw_id[row]
        return int(self.id[row])

    def raw_image(self, row: int) -> Any:
        if row in self.raw_image_id:
            return self.raw_image_id[row]
        return int(self.image_id[row])


class SpilledBytes:
    """Bytes appended to an unnamed temporary file and read back by slice.

    For what is large and rarely read (the file names of a million images,
    read only for findings): the bytes sit in the page cache, which the
    kernel may drop, not in the process. They are read with ``pread``, not
    mapped, since mapped pages count as the process's memory again. The file
    has no name, so nothing is left behind; it is closed with this object.
    """

    def __init__(self) -> None:
        import tempfile  # here: worker processes import this module and never spill

        self._file = tempfile.TemporaryFile(prefix="labelcheck-")
        self._size = 0
        weakref.finalize(self, self._file.close)

    def append(self, data: bytes | bytearray) -> None:
        self._file.write(data)
        self._file.flush()  # readable with pread at once
        self._size += len(data)

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, part: slice) -> bytes:
        """The bytes of a contiguous slice."""
        start, stop, _ = part.indices(self._size)
        size = max(stop - start, 0)
        data = os.pread(self._file.fileno(), size, start)
        if len(data) != size:
            raise OSError("a temporary file of labelcheck's is shorter than what was written to it")
        return data

    def __reduce__(self) -> tuple:
        return bytes, (self[:],)  # pickled (sent to another process) as the bytes themselves


class StringColumn(Sequence):
    """Strings (or None) kept as one UTF-8 blob and end offsets: bytes per value, not an object.

    An image table holds a file name for every image, over a million in a
    large file; as Python strings they would cost ~80 bytes each. The blob is
    bytes in memory or ``SpilledBytes``; the offsets int64, or uint32 when the
    blob is under 4 GiB.
    """

    def __init__(self, blob: bytes | bytearray | SpilledBytes, ends: np.ndarray, missing: np.ndarray) -> None:
        self.blob = blob
        self.ends = ends  # end offset of each value in the blob
        self.missing = missing  # bool: the value is None
        # The last value read: findings come annotation by annotation, several for one image.
        self._last: tuple[int | None, str | None] = (None, None)

    @classmethod
    def of(cls, values: Sequence[str | None]) -> "StringColumn":
        # surrogatepass: JSON may escape a lone surrogate, which strict UTF-8 refuses.
        encoded = [b"" if value is None else value.encode("utf-8", "surrogatepass") for value in values]
        missing = np.fromiter((value is None for value in values), dtype=bool, count=len(values))
        ends = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(values)))
        return cls(b"".join(encoded), ends, missing)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, row: Any) -> str | None:  # type: ignore[override]
        row = int(row) + (len(self) if row < 0 else 0)
        if not 0 <= row < len(self):
            raise IndexError("StringColumn index out of range")
        if row == self._last[0]:
            return self._last[1]
        if self.missing[row]:
            return None
        start = int(self.ends[row - 1]) if row > 0 else 0
        value = bytes(self.blob[start : int(self.ends[row])]).decode("utf-8", "surrogatepass")
        self._last = (row, value)
        return value

    def slice(self, start: int, stop: int) -> list[str | None]:
        """Values ``start`` to ``stop``, decoded together (one blob read, not one per value)."""
        stop = min(stop, len(self))
        if start >= stop:
            return []
        first = int(self.ends[start - 1]) if start > 0 else 0
        ends = (self.ends[start:stop] - first).tolist()
        text = bytes(self.blob[first : first + ends[-1]])
        starts = [0, *ends[:-1]]
        missing = self.missing[start:stop].tolist()
        return [None if gone else text[a:b].decode("utf-8", "surrogatepass")
                for a, b, gone in zip(starts, ends, missing)]

    def __iter__(self) -> Iterator[str | None]:
        return (self[row] for row in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


@dataclass
class ImageTable:
    """All images of a file, columnar. Width/height are NaN where unknown.

    The streaming reader's table is narrow where the values allow: ids int32
    when every id fits, width and height float32 when every value is exactly
    a float32. Compute with them as int64 and float64.
    """

    id: np.ndarray  # int64 or int32
    id_kind: np.ndarray  # uint8 ValueKind
    width: np.ndarray  # float64 or float32
    height: np.ndarray  # float64 or float32
    file_name: StringColumn
    raw_id: dict[int, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.id)

    @classmethod
    def empty(cls) -> "ImageTable":
        """A table of no images."""
        nothing = np.empty(0, dtype=np.int64)
        return cls(nothing, nothing.astype(np.uint8), nothing.astype(np.float64), nothing.astype(np.float64),
                   StringColumn(b"", nothing, nothing.astype(bool)))


@dataclass(frozen=True)
class Category:
    """One entry of ``categories``; small enough to keep as plain values."""

    position: int  # index in the categories array
    id: Any  # raw JSON value
    name: Any  # raw JSON value (None when missing)
    has_id: bool
    has_name: bool


@dataclass
class Dataset:
    """What a reader hands to the engine for one file."""

    source: str  # the path as the user gave it, or a description
    categories: list[Category]
    images: ImageTable
    # Consumed once, after categories and images are known, whatever the key
    # order in the file.
    annotation_batches: Iterator[AnnotationBatch]
    # Where the parts are in the file, when the reader streamed it (None otherwise).
    layout: "FileLayout | None" = None
    # Set while the file is still being validated as its batches are read (a
    # single pass): they may end in an InputError, or in ReadAgain (read the
    # file again another way), so findings count only once they are exhausted.
    # Called to give the batches up instead, it returns a reader that reads the
    # same source again, validated first (a standard input spool included).
    reread: "Callable[[], Any] | None" = None

    @property
    def provisional(self) -> bool:
        return self.reread is not None


@dataclass(frozen=True)
class RunSpan:
    """Bytes [start, end) of the file hold array elements first .. first + count - 1.

    ``first`` and ``count`` are None where the file was only indexed, not decoded.
    """

    start: int
    end: int
    first: int | None = None
    count: int | None = None


@dataclass
class FileLayout:
    """Where a streamed file's parts are, so it can be rewritten without being loaded.

    ``runs`` is filled as the reader decodes the arrays: complete once the
    annotation batches are consumed.
    """

    path: str  # the file to read again (decompressed when .gz)
    members: tuple[tuple[str, int, int], ...]  # every top-level member: key, value start, value end
    runs: dict[str, list[RunSpan]] = field(default_factory=dict)  # the last member of each key
    stamp: FileStamp | None = None  # the file's when it was read


def usable_category_id(category: Category) -> int | None:
    """A declared category's id as the loader keys it, or None if unusable."""
    kind, number = classify_id(category.id, category.has_id)
    return number if kind in USABLE_KINDS else None


class FileStamp(NamedTuple):
    """What tells that a file changed between two reads: another file renamed
    onto its path (device, inode), or the file written again, even to the same
    size with its modification time put back (``cp -p``, rsync: the change time)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    device: int
    inode: int


def file_stamp(path: str | int) -> FileStamp:
    """The stamp of a path, or of an open descriptor."""
    status = os.stat(path)
    return FileStamp(status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_dev, status.st_ino)
