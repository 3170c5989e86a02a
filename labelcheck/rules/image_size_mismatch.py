"""An image's ``width`` and ``height`` in the JSON are not the real image's.

detectron2 raises ``SizeMismatchError`` on such an image, one image at a
time, mid-run; MMDetection trusts the JSON size and silently drops or keeps
boxes by it; the MLPerf and torchvision loaders clamp boxes to the real
image, so boxes drawn for another size land in the wrong place. The message
says whether the two are swapped, scaled by a constant (the image resized
after labelling), or scaled from the size after EXIF rotation.

A JSON size equal to the image's size after its EXIF orientation is applied
(orientations 5 to 8 turn it on its side) is not reported here:
``image-exif-rotated`` says which loaders see which size. Checked at
``--image-check header`` and ``decode``, where the JSON gives both sizes.

Default severity: error.

Fails (the file is 640x480):

    {"id": 1, "file_name": "a.jpg", "width": 480, "height": 640}

    JSON size 480x640, the file 640x480: width and height are swapped; ...

Passes:

    {"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.findings import Finding, Severity
from ..images.exif import SWAPS, TRANSFORMS
from ..images.results import Depth, Status
from .image_common import ImageRule

CONSEQUENCES = ("detectron2 raises SizeMismatchError, MMDetection filters boxes by the JSON size, torchvision "
                "and MLPerf clamp them to the real image")


class ImageSizeMismatch(ImageRule):
    ID = "image-size-mismatch"
    SEVERITY = Severity.ERROR
    DEPTH = Depth.HEADER

    def finish(self) -> Iterator[Finding]:
        results = self.results
        if results is None:
            return
        images = self.ctx.images
        json_width = images.width.astype(np.float64)
        json_height = images.height.astype(np.float64)
        width, height = results.width.astype(np.float64), results.height.astype(np.float64)
        swaps = np.isin(results.orientation, list(SWAPS))
        shown_width, shown_height = np.where(swaps, height, width), np.where(swaps, width, height)
        with np.errstate(invalid="ignore"):
            known = (results.status == Status.OK) & (width > 0) & np.isfinite(json_width) & np.isfinite(json_height)
            same = ((json_width == width) & (json_height == height)) | (
                (json_width == shown_width) & (json_height == shown_height))
        for row in np.flatnonzero(known & ~same).tolist():
            sizes = (json_width[row], json_height[row], int(width[row]), int(height[row]))
            why = explain(*sizes, int(results.orientation[row]))
            yield self.image_finding(
                row, f"JSON size {sizes[0]:g}x{sizes[1]:g}, the file {sizes[2]}x{sizes[3]}: {why}; {CONSEQUENCES}; "
                "fix width and height (and the boxes, if they were drawn for the other size)", key="width",
            )


def explain(json_width: float, json_height: float, width: int, height: int, orientation: int) -> str:
    if (json_width, json_height) == (height, width):
        return "width and height are swapped"
    scale = _scale(json_width, json_height, width, height)
    if scale is not None:
        return f"scaled by {scale:.4g} (the image resized after labelling, or the size of another copy)"
    if orientation in SWAPS:
        scale = _scale(json_width, json_height, height, width)
        if scale is not None:
            return (f"scaled by {scale:.4g} from the size after EXIF orientation {orientation} "
                    f"({TRANSFORMS[orientation]})")
    return "neither swapped nor scaled"


def _scale(json_width: float, json_height: float, width: int, height: int) -> float | None:
    """The factor k with JSON size = k * size, to a pixel's rounding; None if there is none."""
    scale = json_width / width
    return scale if scale > 0 and scale != 1 and abs(json_height - scale * height) <= 1 else None
