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
from .base import BatchView, Rule, box_text, rows

TOLERANCE = 1e-6


def beyond_image(boxes: np.ndarray, width: np.ndarray, height: np.ndarray) -> np.ndarray:
    """bool: the box [x, y, w, h] extends beyond its image (False where a value is NaN)."""
    x, y, w, h = boxes.T
    slack_x, slack_y = TOLERANCE * np.abs(width), TOLERANCE * np.abs(height)
    with np.errstate(invalid="ignore"):
        return (x < -slack_x) | (y < -slack_y) | (x + w > width + slack_x) | (y + h > height + slack_y)


class BboxOutsideImage(Rule):
    ID = "bbox-outside-image"
    SEVERITY = Severity.WARNING
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        width, height = view.image_size
        outside = beyond_image(batch.bbox, width, height)
        with np.errstate(invalid="ignore"):
            checkable = (batch.bbox_kind == BboxKind.OK) & np.isfinite(batch.bbox).all(axis=1)
            checkable &= np.isfinite(width) & np.isfinite(height)
        for row in rows(checkable & outside):
            yield self.annotation_finding(
                view,
                row,
                f"bbox {box_text(batch.bbox[row])} extends beyond the {width[row]:g}x{height[row]:g} image; "
                "the loader clamps it; check the coordinate scaling",
                "bbox",
            )
