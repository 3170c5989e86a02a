"""EXIF orientation: what each value does to the pixels, and which loaders apply it.

The one table of loader behaviour here (``EXIF_LOADERS``) is meant to move
into the loader profiles once they exist; sources are in
``../shared/reference/LOADERS.md`` and FIELD_NOTES.md section 7.
"""

from __future__ import annotations

from typing import NamedTuple

ORIENTATION_TAG = 0x0112

# What a viewer (and a loader that applies EXIF) does to the stored pixels.
TRANSFORMS = {
    1: "none",
    2: "mirrored left to right",
    3: "rotated 180 degrees",
    4: "mirrored top to bottom",
    5: "mirrored and rotated 90 degrees counter-clockwise",
    6: "rotated 90 degrees clockwise",
    7: "mirrored and rotated 90 degrees clockwise",
    8: "rotated 90 degrees counter-clockwise",
}
# Orientations whose displayed image is the stored one turned on its side.
SWAPS = frozenset({5, 6, 7, 8})


class Loader(NamedTuple):
    name: str
    applies_exif: bool
    source: str


EXIF_LOADERS = (
    Loader("detectron2", True, "detection_utils.read_image -> _apply_exif_orientation"),
    Loader("mmcv", True, "imfrombytes/imread: OpenCV applies it unless color_ignore_orientation"),
    Loader("Ultralytics", True, "cv2.imread applies it; exif_size corrects sizes for orientations 6 and 8"),
    Loader("torchvision", False, "CocoDetection: Image.open(...).convert('RGB') keeps the stored pixels"),
    Loader("MLPerf RetinaNet", False, "its coco_utils reads the stored pixels, as torchvision"),
)


def rotates(orientation: int) -> bool:
    """An orientation that changes the pixels (1 and values outside 1..8 do nothing)."""
    return orientation in TRANSFORMS and orientation != 1


def displayed_size(width: int, height: int, orientation: int) -> tuple[int, int]:
    """The size after the orientation is applied."""
    return (height, width) if orientation in SWAPS else (width, height)


def loaders_that(applies: bool) -> str:
    names = [loader.name for loader in EXIF_LOADERS if loader.applies_exif == applies]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
