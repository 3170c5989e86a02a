"""An annotation's bbox is not a usable box.

COCO boxes are ``[x, y, width, height]`` in pixels. A missing bbox, anything
other than 4 numbers, NaN or Infinity (``json.dump`` writes them), or a width
or height <= 0 makes the reference loader drop the box or poisons the
regression loss with NaN.

Default severity: error.

Fails:

    {"id": 7, "bbox": [10, 20, 0, 15], ...}
    {"id": 8, "bbox": [10, 20, NaN, 15], ...}
    {"id": 9, "bbox": [10, 20, 30], ...}

Passes:

    {"id": 7, "bbox": [10, 20, 30, 15], ...}
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.dataset import BboxKind
from ..core.findings import Finding, Severity
from .base import Rule, box_text, rows
from .context import BatchView


class InvalidBbox(Rule):
    ID = "invalid-bbox"
    SEVERITY = Severity.ERROR
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        boxes = batch.bbox
        for row in rows(~view.box_usable):
            yield self.annotation_finding(view, row, self._message(batch.bbox_kind[row], boxes[row]), "bbox")

    @staticmethod
    def _message(kind: int, box: np.ndarray) -> str:
        if kind == BboxKind.MISSING:
            return "annotation has no bbox; give [x, y, width, height] or drop the annotation"
        if kind == BboxKind.MALFORMED:
            return "bbox is not a list of 4 numbers [x, y, width, height]"
        shown = box_text(box)
        if not np.isfinite(box).all():
            return f"bbox {shown} contains NaN or Infinity; the regression loss would become NaN"
        return f"bbox {shown} has width or height <= 0; the loader drops it"
