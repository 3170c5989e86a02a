"""An image of one file is also an image of another file scanned with it (train and validation).

A validation image the model was trained on scores what it memorised, not
what it learned: every metric on that split is optimistic, without an error
anywhere. Files scanned together are compared by ``file_name`` always (the
same name is the same image in the MLPerf and COCO layouts), and, at
``--image-check decode``, by content: the same bytes under another name.
Each image of a later file found in an earlier one is reported once.

Default severity: error.

Fails:

    train.json: {"id": 7, "file_name": "0a1b2c.jpg"}
    val.json:   {"id": 3, "file_name": "0a1b2c.jpg"}

    '0a1b2c.jpg' is also image 7 of train.json: ...

Passes: no file name (and, at decode depth, no content) in two files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from ..core.dataset import ImageTable, StringColumn
from ..core.findings import Finding, Severity
from ..images.results import ImageResults
from .base import FileContext, Rule, describe
from .image_duplicate import digest_keys, read_rows

# Bytes of file names read at a time (the names may be in a temporary file).
_CHUNK = 1 << 20


@dataclass
class _Kept:
    """What is kept of a file to compare later files with: its ids and names, and its digests."""

    images: ImageTable
    digest_rows: np.ndarray | None = None
    digests: np.ndarray | None = None  # (rows, 2) uint64


def name_keys(column: StringColumn) -> np.ndarray:
    """A 64-bit hash of each name (0 where there is none), in this process: equal names, equal keys."""
    ends = column.ends.astype(np.int64)
    keys = np.zeros(len(ends), dtype=np.int64)
    row = 0
    while row < len(ends):
        begin = int(ends[row - 1]) if row else 0
        stop = max(int(np.searchsorted(ends, begin + _CHUNK, side="right")), row + 1)
        piece = bytes(column.blob[begin : int(ends[stop - 1])])
        offset = 0
        for index, end in enumerate((ends[row:stop] - begin).tolist()):
            keys[row + index] = hash(piece[offset:end])
            offset = end
        row = stop
    keys[column.missing] = 0
    return keys


class SplitLeakage(Rule):
    ID = "split-leakage"
    SEVERITY = Severity.ERROR

    def finish(self) -> Iterator[Finding]:
        images = self.ctx.images
        empty = np.empty(0, dtype=np.float32)
        kept = _Kept(ImageTable(images.id, images.id_kind, empty, empty, images.file_name, images.raw_id))
        results: ImageResults | None = self.ctx.image_results
        if results is not None and results.digest is not None:
            kept.digest_rows = read_rows(results)
            kept.digests = digest_keys(results, kept.digest_rows)
        self.ctx.kept[self.ID] = kept
        return iter(())

    @classmethod
    def across_files(cls, contexts: Sequence[FileContext], severity: Severity | None) -> Iterator[Finding]:
        kept = [ctx.kept.get(cls.ID) for ctx in contexts]
        keys = [name_keys(k.images.file_name) if k is not None else None for k in kept]
        for later in range(1, len(contexts)):
            if kept[later] is None:
                continue
            rule = cls(contexts[later], severity)
            found: dict[int, Finding] = {}
            for earlier in range(later):
                if kept[earlier] is not None:
                    rule._by_name(found, keys[later], keys[earlier], kept[later], kept[earlier], contexts[earlier])
                    rule._by_content(found, kept[later], kept[earlier], contexts[earlier])
            yield from (found[row] for row in sorted(found))

    def _by_name(self, found: dict[int, Finding], keys: np.ndarray, other_keys: np.ndarray, kept: _Kept,
                 other: _Kept, other_ctx: FileContext) -> None:
        rows, other_rows = _matches(keys, other_keys, keys != 0)
        for row, other_row in zip(rows.tolist(), other_rows.tolist()):
            name = kept.images.file_name[row]
            if row not in found and name == other.images.file_name[other_row]:
                found[row] = self._finding(row, kept, f"{describe(name)} is also image "
                                           f"{_id(other.images, other_row)} of {other_ctx.file}")

    def _by_content(self, found: dict[int, Finding], kept: _Kept, other: _Kept, other_ctx: FileContext) -> None:
        if kept.digests is None or other.digests is None:
            return
        fresh = ~np.isin(kept.digest_rows, np.fromiter(found, dtype=np.int64, count=len(found)))
        positions, other_positions = _matches(kept.digests[:, 0], other.digests[:, 0], fresh)
        for position, other_position in zip(positions.tolist(), other_positions.tolist()):
            row, other_row = int(kept.digest_rows[position]), int(other.digest_rows[other_position])
            if row not in found and (kept.digests[position] == other.digests[other_position]).all():
                found[row] = self._finding(row, kept, f"same content as {describe(other.images.file_name[other_row])} "
                                           f"(image {_id(other.images, other_row)}) of {other_ctx.file}")

    def _finding(self, row: int, kept: _Kept, message: str) -> Finding:
        return self.image_finding(row, message + ": the model is evaluated on an image it was trained on; "
                                  "drop it from one of the files", images=kept.images)


def _matches(keys: np.ndarray, other_keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in keys, position in other_keys) of wanted keys found in other_keys, the first such there."""
    order = np.argsort(other_keys, kind="stable")
    ordered = other_keys[order]
    if not len(ordered):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    where = np.minimum(np.searchsorted(ordered, keys), len(ordered) - 1)
    hit = wanted & (ordered[where] == keys)
    return np.flatnonzero(hit), order[where[hit]]


def _id(images: ImageTable, row: int) -> str:
    return describe(images.raw_id.get(row, int(images.id[row])))
