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

from ..core.findings import Finding, Severity
from .base import Rule, box_text, rows
from .context import BatchView


class BboxOutsideImage(Rule):
    ID = "bbox-outside-image"
    SEVERITY = Severity.WARNING
    CLEANABLE = True

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        batch = view.batch
        width, height = view.image_size
        for row in rows(view.beyond_image):
            yield self.annotation_finding(
                view,
                row,
                f"bbox {box_text(batch.bbox[row])} extends beyond the {width[row]:g}x{height[row]:g} image; "
                "the loader clamps it; check the coordinate scaling",
                "bbox",
            )
