"""An annotation id or an image id is used twice.

pycocotools keeps only the last annotation or image with a given id, so the
earlier ones vanish from training and evaluation without a word.

Default severity: error.

Fails:

    "annotations": [{"id": 5, ...}, {"id": 5, ...}]
    "images": [{"id": 1, ...}, {"id": 1, ...}]

Passes:

    "annotations": [{"id": 5, ...}, {"id": 6, ...}]
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..core.findings import Finding, Severity
from .base import BatchView, FileContext, Rule, describe, rows, usable

# Ids in [0, BITMAP_LIMIT) are tracked in a bitmap (one bit each, grown to the
# largest id seen); others, rare in practice, in a set.
BITMAP_LIMIT = 1 << 28  # a 32 MiB bitmap at most
_IMAGE_CHUNK = 1 << 16


class SeenIds:
    """A set of int64 ids with bounded, dense memory for the usual 1..N ids."""

    def __init__(self) -> None:
        self.bits = np.zeros(1 << 12, dtype=np.uint8)
        self.others: set[int] = set()

    def add_batch(self, ids: np.ndarray) -> np.ndarray:
        """Add ids in order; return a mask of those already seen (earlier or in this batch)."""
        repeated = np.zeros(len(ids), dtype=bool)
        if not np.all(ids[1:] > ids[:-1]):  # increasing ids (the usual) cannot repeat within the batch
            _, first = np.unique(ids, return_index=True)
            repeated[:] = True
            repeated[first] = False
        in_map = (ids >= 0) & (ids < BITMAP_LIMIT)
        dense = ids[in_map]
        if len(dense):
            self._grow(int(dense.max()))
            byte, bit = dense >> 3, (dense & 7).astype(np.uint8)
            repeated[in_map] |= (self.bits[byte] >> bit) & 1 == 1
            np.bitwise_or.at(self.bits, byte, (1 << bit).astype(np.uint8))
        for row in np.flatnonzero(~in_map).tolist():
            value = int(ids[row])
            repeated[row] |= value in self.others
            self.others.add(value)
        return repeated

    def _grow(self, largest: int) -> None:
        needed = (largest >> 3) + 1
        if needed > len(self.bits):
            size = max(needed, 2 * len(self.bits))
            self.bits = np.concatenate([self.bits, np.zeros(size - len(self.bits), dtype=np.uint8)])


class DuplicateId(Rule):
    ID = "duplicate-id"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        self.seen = SeenIds()

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        valid = usable(batch.id_kind)
        repeated = np.zeros(len(batch), dtype=bool)
        repeated[valid] = self.seen.add_batch(batch.id[valid])
        for row in rows(repeated):
            yield self.annotation_finding(
                view,
                row,
                f"annotation id {describe(batch.raw_annotation_id(row))} is used again; "
                "pycocotools keeps only the last one; renumber the annotations",
                "id",
            )

    def finish(self) -> Iterator[Finding]:
        images = self.ctx.images
        seen = SeenIds()
        # In chunks, as annotations come in batches: no temporaries the size of the table.
        for start in range(0, len(images), _IMAGE_CHUNK):
            valid = start + np.flatnonzero(usable(images.id_kind[start : start + _IMAGE_CHUNK]))
            for row in valid[seen.add_batch(images.id[valid])].tolist():
                yield self.file_finding(
                    f"image id {int(images.id[row])} is used again; pycocotools keeps only the last image with this id",
                    path=f"$.images[{row}].id",
                    image_id=int(images.id[row]),
                    image_file=images.file_name[row],
                )
