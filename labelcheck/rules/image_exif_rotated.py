"""An image's EXIF orientation turns or mirrors its pixels, and loaders disagree on applying it.

detectron2, mmcv and Ultralytics apply the orientation when they load the
image; torchvision and the MLPerf reference read the stored pixels as they
are. Boxes drawn on one view land in the wrong place in the other, with no
error (detectron2#788, fiftyone#3778): orientations 5 to 8 turn the image on
its side, swapping width and height; 2, 3 and 4 mirror or turn it in place.
The message says which loaders see which size, which of the two the JSON
size is, and whether the image's boxes fit the stored pixels, the displayed
image, or both. Checked at ``--image-check header`` and ``decode``.

Default severity: warning.

Fails (the file is 640x480, EXIF orientation 6):

    {"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}

    EXIF orientation 6 (rotated 90 degrees clockwise): detectron2, mmcv and
    Ultralytics apply it and see 480x640; torchvision and MLPerf RetinaNet
    read the stored 640x480; the JSON size is the stored size; ...

Passes: orientation 1, or no EXIF orientation.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..core.dataset import BboxKind
from ..core.findings import Finding, Severity
from ..images.exif import TRANSFORMS, displayed_size, loaders_that, rotates
from ..images.results import Depth, Status
from .context import BatchView, FileContext
from .image_common import ImageRule

TOLERANCE = 1e-6


class ImageExifRotated(ImageRule):
    ID = "image-exif-rotated"
    SEVERITY = Severity.WARNING
    DEPTH = Depth.HEADER

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        tracked = ctx.image_depth is not None and ctx.image_depth >= self.DEPTH
        # The right and bottom edge of each image's boxes: where they fit, once the real sizes are known.
        self.reach = np.zeros((len(ctx.images) if tracked else 0, 2), dtype=np.float64)

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        if len(self.reach):
            batch = view.batch
            boxes = (batch.bbox_kind == BboxKind.OK) & np.isfinite(batch.bbox).all(axis=1) & (view.image_row >= 0)
            rows = view.image_row[boxes]
            np.maximum.at(self.reach[:, 0], rows, batch.bbox[boxes, 0] + batch.bbox[boxes, 2])
            np.maximum.at(self.reach[:, 1], rows, batch.bbox[boxes, 1] + batch.bbox[boxes, 3])
        return ()

    def finish(self) -> Iterator[Finding]:
        results = self.results
        if results is None:
            return
        turned = np.flatnonzero((results.status == Status.OK) & (results.orientation > 1) & (results.orientation <= 8))
        for row in turned.tolist():
            orientation = int(results.orientation[row])
            if not rotates(orientation):
                continue
            stored = (int(results.width[row]), int(results.height[row]))
            shown = displayed_size(*stored, orientation)
            parts = [
                f"EXIF orientation {orientation} ({TRANSFORMS[orientation]}): {loaders_that(True)} apply it and see "
                f"{shown[0]}x{shown[1]}; {loaders_that(False)} read the stored {stored[0]}x{stored[1]} pixels",
                self._json_size(row, stored, shown),
                self._boxes(row, stored, shown),
            ]
            yield self.image_finding(row, "; ".join(part for part in parts if part))

    def _json_size(self, row: int, stored: tuple[int, int], shown: tuple[int, int]) -> str:
        size = (float(self.ctx.images.width[row]), float(self.ctx.images.height[row]))
        if stored == shown or not all(np.isfinite(size)):
            return ""
        if size == stored:
            return "the JSON size is the stored size (detectron2 raises SizeMismatchError)"
        if size == shown:
            return "the JSON size is the displayed size"
        return "the JSON size is neither (see image-size-mismatch)"

    def _boxes(self, row: int, stored: tuple[int, int], shown: tuple[int, int]) -> str:
        right, bottom = self.reach[row]
        if not (right or bottom):
            return ""
        fits_stored = _fits(right, bottom, stored)
        fits_shown = _fits(right, bottom, shown)
        if fits_stored and fits_shown:
            if stored == shown:
                return "boxes drawn on one view are mirrored or turned in the other"
            return "the boxes fit both views, so their sizes do not tell which one they were drawn on"
        if fits_stored:
            return "the boxes fit only the stored pixels: the loaders that apply EXIF put them in the wrong place"
        if fits_shown:
            return "the boxes fit only the displayed image: the loaders that read the stored pixels misplace them"
        return "some boxes fit neither view"


def _fits(right: float, bottom: float, size: tuple[int, int]) -> bool:
    return right <= size[0] * (1 + TOLERANCE) and bottom <= size[1] * (1 + TOLERANCE)
