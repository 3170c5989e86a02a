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

(A file given twice is compared with no one: it is not two splits.)

Passes: no file name (and, at decode depth, no content) in two files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..core.dataset import StringColumn
from ..core.findings import Finding, Severity
from ..core.text import describe
from ..images.results import ImageResults
from .base import Rule
from .image_duplicate import digest_keys, read_rows

# Bytes of file names read at a time (the names may be in a temporary file).
_CHUNK = 1 << 20


@dataclass
class _Kept:
    """What is kept of a file to compare the files after it with (its table is released): ids, name keys, digests."""

    ids: np.ndarray
    raw_ids: dict
    keys: np.ndarray  # name_keys of its file names
    digest_rows: np.ndarray | None = None
    digests: np.ndarray | None = None  # (rows, 2) uint64

    def id_of(self, row: int) -> str:
        return describe(self.raw_ids.get(row, int(self.ids[row])))


def name_keys(column: StringColumn) -> np.ndarray:
    """A 64-bit hash of each name (0 where there is none), in this process: equal names, equal keys.

    Names are matched by these keys alone (the earlier file's names are gone
    by then): two different names share a key about once in 10^7 scans of
    two million images each.
    """
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
        """This file against the files scanned before it; then what the files after it need of this one."""
        images = self.ctx.images
        kept = _Kept(images.id, images.raw_id, name_keys(images.file_name))
        results: ImageResults | None = self.ctx.image_results
        if results is not None and results.digest is not None:
            kept.digest_rows = read_rows(results)
            kept.digests = digest_keys(results, kept.digest_rows)
        found: dict[int, str] = {}
        for other in self.ctx.earlier:
            earlier = other.kept.get(self.ID)
            if earlier is None or other.file == self.ctx.file:  # a file given twice is not two splits
                continue
            rows, other_rows = _matches(kept.keys, earlier.keys, kept.keys != 0)
            for row, other_row in zip(rows.tolist(), other_rows.tolist()):
                found.setdefault(row, f"{describe(images.file_name[row])} is also image {earlier.id_of(other_row)} "
                                      f"of {other.file}")
            if kept.digests is not None and earlier.digests is not None:
                fresh = ~np.isin(kept.digest_rows, np.fromiter(found, dtype=np.int64, count=len(found)))
                positions, others = _matches(kept.digests[:, 0], earlier.digests[:, 0], fresh)
                for position, other_position in zip(positions.tolist(), others.tolist()):
                    if (kept.digests[position] == earlier.digests[other_position]).all():
                        other_row = int(earlier.digest_rows[other_position])
                        found.setdefault(int(kept.digest_rows[position]),
                                         f"same content as image {earlier.id_of(other_row)} of {other.file}")
        self.ctx.kept[self.ID] = kept
        for row in sorted(found):
            yield self.image_finding(row, found[row] + ": the model is evaluated on an image it was trained on; "
                                     "drop it from one of the files")


def _matches(keys: np.ndarray, other_keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in keys, position in other_keys) of wanted keys found in other_keys, the first such there."""
    order = np.argsort(other_keys, kind="stable")
    ordered = other_keys[order]
    if not len(ordered):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    where = np.minimum(np.searchsorted(ordered, keys), len(ordered) - 1)
    hit = wanted & (ordered[where] == keys)
    return np.flatnonzero(hit), order[where[hit]]

