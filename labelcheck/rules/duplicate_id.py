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

from typing import Iterator

import numpy as np

from ..core.dataset import usable
from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import Rule, rows
from .context import BatchView, SeenIds

_IMAGE_CHUNK = 1 << 16


class DuplicateId(Rule):
    ID = "duplicate-id"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        for row in rows(view.repeated_id):
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
