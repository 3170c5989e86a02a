"""What the image rules share: the check's results for the file, and how they name an image.

Not a rule. The image rules run only when the scan checks images
(``--images ROOT``); each reads ``ctx.image_results`` in ``finish``, once the
file's annotations are read and its images checked.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.text import describe
from ..images.results import Depth, ImageResults, Status
from ..images.storage import join
from .base import Rule

# Formats every detection loader reads (through Pillow or OpenCV).
COMMON_FORMATS = ("JPEG", "MPO", "PNG", "BMP", "TIFF", "WEBP")


class ImageRule(Rule):
    """A rule over the file's checked images."""

    CLEANABLE_IMAGES = True
    DEPTH = Depth.EXISTS  # the least depth that shows what the rule finds

    @property
    def results(self) -> ImageResults | None:
        results = self.ctx.image_results
        return results if results is not None and results.depth >= self.DEPTH else None

    def rows_with(self, status: Status) -> Iterator[int]:
        results = self.results
        if results is None:
            return iter(())
        return (int(row) for row in np.flatnonzero(results.status == status))

    def name(self, row: int) -> str:
        return self.ctx.images.file_name[row] or ""

    def where(self, row: int) -> str:
        """The file's path as the check looked for it, quoted for a message."""
        assert self.ctx.image_results is not None
        return describe(join(self.ctx.image_results.root, self.name(row)))


def extension(name: str) -> str:
    base = name.rpartition("/")[2]
    return "." + base.rpartition(".")[2].lower() if "." in base else ""
