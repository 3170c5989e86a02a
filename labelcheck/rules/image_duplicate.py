"""Two images of one file have the same content (byte for byte).

The same photo under two names (or the same name twice) is trained on
twice, with its boxes split or repeated between the two entries. Each copy
after the first is reported, naming the first. Across files scanned
together (train and validation) the same content is ``split-leakage``.
Checked at ``--image-check decode``, which hashes every file.

Default severity: warning.

Fails:

    {"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "copy-of-a.jpg"}   (identical files)

    same content as image 1 ('a.jpg'): ...

Passes: every file's bytes differ.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.findings import Finding, Severity
from ..core.text import describe
from ..images.results import Depth, ImageResults, Status
from .image_common import ImageRule


def read_rows(results: ImageResults) -> np.ndarray:
    """Rows whose file was read whole, so its digest is its content."""
    return np.flatnonzero((results.status == Status.OK) | (results.status == Status.UNREADABLE))


def digest_keys(results: ImageResults, rows: np.ndarray) -> np.ndarray:
    """The digests of ``rows`` as (first 8 bytes, last 8 bytes) pairs of uint64."""
    assert results.digest is not None
    return np.ascontiguousarray(results.digest[rows]).view(np.uint64).reshape(len(rows), 2)


class ImageDuplicate(ImageRule):
    ID = "image-duplicate"
    SEVERITY = Severity.WARNING
    DEPTH = Depth.DECODE

    def finish(self) -> Iterator[Finding]:
        results = self.results
        if results is None or results.digest is None:
            return
        rows = read_rows(results)
        keys = digest_keys(results, rows)
        order = np.lexsort((rows, keys[:, 1], keys[:, 0]))  # equal digests together, the first row first
        ordered = keys[order]
        repeats = np.flatnonzero((ordered[1:] == ordered[:-1]).all(axis=1)) + 1
        if not len(repeats):
            return
        starts = np.flatnonzero(np.r_[True, ~(ordered[1:] == ordered[:-1]).all(axis=1)])
        first_of_group = starts[np.searchsorted(starts, repeats, side="right") - 1]
        pairs = sorted(zip(rows[order[repeats]].tolist(), rows[order[first_of_group]].tolist()))
        ids = self.ctx.images
        for row, first in pairs:
            first_id = ids.raw_id.get(first, int(ids.id[first]))
            if self.name(row) == self.name(first):
                message = f"{describe(self.name(row))} is listed again: image {describe(first_id)} is the same file"
            else:
                message = f"same content as image {describe(first_id)} ({describe(self.name(first))})"
            yield self.image_finding(row, message + "; it is trained on twice; drop one of them")
