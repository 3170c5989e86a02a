"""What checking the images of one file found: columns, one row per image of its table.

A row per image, never an object per image: 12 bytes each (28 at ``decode``,
with the content digest), so two million images take 24 MB. Details that
only a few rows have (what is there instead of a missing file, a decoder's
message) are kept by row, at most ``NOTES_PER_BATCH`` per batch of paths.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

# Details kept per batch of paths: enough for every finding of a sound
# dataset, bounded when a wrong ROOT makes every image missing.
NOTES_PER_BATCH = 16
DIGEST_BYTES = 16


class Depth(enum.IntEnum):
    """How far each image is opened (``--image-check``)."""

    EXISTS = 1  # stat only
    HEADER = 2  # size, format, EXIF orientation; no pixel decoded
    DECODE = 3  # every pixel decoded, the bytes hashed

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: "str | Depth") -> "Depth":
        if isinstance(text, Depth):
            return text
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown image check {text!r}; use exists, header or decode") from None


class Status(enum.IntEnum):
    UNCHECKED = 0  # no file_name to look for
    OK = 1
    MISSING = 2
    UNREADABLE = 3


class Reason(enum.IntEnum):
    """Why an image is unreadable."""

    NONE = 0
    EMPTY = 1
    TRUNCATED = 2
    NOT_AN_IMAGE = 3
    CORRUPT = 4  # the decoder failed on data the header did not show
    NOT_A_FILE = 5  # a folder
    CANNOT_READ = 6  # permission denied, an I/O error
    TOO_LARGE = 7  # Pillow's decompression-bomb limit


# Pillow's format names, by code; 0: unknown (not opened), OTHER: any other format.
FORMATS = ("", "JPEG", "PNG", "MPO", "WEBP", "BMP", "TIFF", "GIF")
OTHER_FORMAT = len(FORMATS)


def format_code(name: str | None) -> int:
    if not name:
        return 0
    return FORMATS.index(name) if name in FORMATS else OTHER_FORMAT


@dataclass
class Columns:
    """The per-image columns, for a whole table (``ImageResults``) or one batch of it."""

    status: np.ndarray  # uint8 Status
    reason: np.ndarray  # uint8 Reason
    width: np.ndarray  # int32: the stored pixels' width; 0 unknown
    height: np.ndarray  # int32
    orientation: np.ndarray  # uint8: the EXIF orientation tag; 0 none or unknown
    format: np.ndarray  # uint8 format code
    digest: np.ndarray | None  # (n, DIGEST_BYTES) uint8 at decode depth, else None
    notes: dict[int, str] = field(default_factory=dict)  # by row

    @classmethod
    def empty(cls, count: int, digests: bool) -> "Columns":
        def column(dtype: type) -> np.ndarray:
            return np.zeros(count, dtype=dtype)

        digest = np.zeros((count, DIGEST_BYTES), dtype=np.uint8) if digests else None
        return cls(column(np.uint8), column(np.uint8), column(np.int32), column(np.int32), column(np.uint8),
                   column(np.uint8), digest)

    def __len__(self) -> int:
        return len(self.status)

    def place(self, start: int, batch: "Columns") -> None:
        """Copy a batch's rows in at ``start``."""
        stop = start + len(batch)
        for name in ("status", "reason", "width", "height", "orientation", "format"):
            getattr(self, name)[start:stop] = getattr(batch, name)
        if self.digest is not None and batch.digest is not None:
            self.digest[start:stop] = batch.digest
        self.notes.update({start + row: note for row, note in batch.notes.items()})


@dataclass
class BatchAnswer:
    """What a batch of paths comes back as: the columns, each file's stamp, and which rows the cache answered."""

    columns: Columns
    size: np.ndarray  # int64 bytes; -1 where there is no file
    mtime: np.ndarray  # int64 ns; -1 unknown (the cache cannot tell a change)
    unchanged: np.ndarray  # bool: the stamp is the cached one; the columns' row is not filled


@dataclass
class ImageResults(Columns):
    """Every image of one file, checked at ``depth`` under ``root``."""

    depth: Depth = Depth.HEADER
    root: str = ""
    from_cache: int = 0  # images the cache answered

    @classmethod
    def for_table(cls, count: int, depth: Depth, root: str) -> "ImageResults":
        columns = Columns.empty(count, depth >= Depth.DECODE)
        return cls(**vars(columns), depth=depth, root=root)

    @property
    def checked(self) -> int:
        return int(np.count_nonzero(self.status != Status.UNCHECKED))
