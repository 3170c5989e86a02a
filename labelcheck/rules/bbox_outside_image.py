"""An annotation's box extends beyond its image.

Checked where the image's width and height are known. The reference loader
clamps such boxes to the image, so they train, but a box far outside usually
means normalised coordinates were scaled with the wrong image size, or x/y
were swapped. A relative tolerance of 1e-6 absorbs float rounding.

Default severity: warning.

Fails (image 640x480):

    {"id": 7, "image_id": 1, "bbox": [600, 20, 100, 50], ...}

Passes:

    {"id": 7, "image_id": 1, "bbox": [540, 20, 100, 50], ...}
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.dataset import BboxKind
from ..core.findings import Finding, Severity
from .base import BatchView, Rule, rows

TOLERANCE = 1e-6


class BboxOutsideImage(Rule):
    ID = "bbox-outside-image"
    SEVERITY = Severity.WARNING
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        known = view.image_row >= 0
        image_rows = np.where(known, view.image_row, 0)
        width = np.where(known, self._dimension(self.ctx.images.width, image_rows), np.nan)
        height = np.where(known, self._dimension(self.ctx.images.height, image_rows), np.nan)
        x, y, w, h = batch.bbox.T
        slack_x, slack_y = TOLERANCE * np.abs(width), TOLERANCE * np.abs(height)
        with np.errstate(invalid="ignore"):
            outside = (
                (x < -slack_x) | (y < -slack_y) | (x + w > width + slack_x) | (y + h > height + slack_y)
            )
            checkable = (batch.bbox_kind == BboxKind.OK) & np.isfinite(batch.bbox).all(axis=1)
            checkable &= np.isfinite(width) & np.isfinite(height)
        for row in rows(checkable & outside):
            box = "[" + ", ".join(f"{v:g}" for v in batch.bbox[row].tolist()) + "]"
            yield self.annotation_finding(
                view,
                row,
                f"bbox {box} extends beyond the {width[row]:g}x{height[row]:g} image; "
                "the loader clamps it; check the coordinate scaling",
                "bbox",
            )

    @staticmethod
    def _dimension(column: np.ndarray, image_rows: np.ndarray) -> np.ndarray | float:
        """Each row's value as float64 (the table may hold float32), NaN for an empty table."""
        return column[image_rows].astype(np.float64) if len(column) else np.nan
