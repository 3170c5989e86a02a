"""An annotation's image_id is not among ``images``.

The loader indexes annotations by image, so the box is never trained, and
pycocotools' evaluation silently leaves it out.

Default severity: error.

Fails (images declare ids 1..100):

    {"id": 7, "image_id": 999, "category_id": 3, ...}

Passes:

    {"id": 7, "image_id": 42, "category_id": 3, ...}
"""

from __future__ import annotations

from typing import Iterator

from ..core.dataset import usable
from ..core.findings import Finding, Severity
from ..core.text import describe
from .base import Rule, rows
from .context import BatchView


class MissingImage(Rule):
    ID = "missing-image"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        for row in rows(usable(batch.image_id_kind) & (view.image_row < 0)):
            yield self.annotation_finding(
                view,
                row,
                f"image_id {describe(batch.raw_image(row))} is not among images; add the image or drop the annotation",
                "image_id",
            )
