"""What loaders' conditions read about a batch of annotations, each computed once.

One ``AnnotationFacts`` serves every profile evaluated on the batch (the
``loaders`` command evaluates them all in one pass), so a box converted and
clamped the way several loaders do it is converted once.
"""

from __future__ import annotations

from functools import cached_property
from typing import Callable

import numpy as np

from ..core.dataset import AnnotationBatch, BboxKind, ImageTable


class AnnotationFacts:
    """A batch, where its annotations' images are, and which categories are declared."""

    def __init__(self, batch: AnnotationBatch, image_row: np.ndarray, images: ImageTable, declared: np.ndarray) -> None:
        self.batch = batch
        self.image_row = image_row  # int64 per row: the row of its image in the table, -1 when not there
        self.found = image_row >= 0
        self._images = images
        self.declared = declared  # bool per row: the category_id is declared in categories
        self._tested: dict[Callable[["AnnotationFacts"], np.ndarray], np.ndarray] = {}

    def test(self, test: Callable[["AnnotationFacts"], np.ndarray]) -> np.ndarray:
        """``test(self)``, computed once per batch whichever profiles ask (several share the crowd test)."""
        found = self._tested.get(test)
        if found is None:
            found = self._tested[test] = test(self)
        return found

    @cached_property
    def width(self) -> np.ndarray:
        """float64 per row: the JSON width of its image, NaN when unknown or not there."""
        return self._dimension(self._images.width)

    @cached_property
    def height(self) -> np.ndarray:
        return self._dimension(self._images.height)

    def _dimension(self, column: np.ndarray) -> np.ndarray:
        if not len(column):
            return np.full(len(self.batch), np.nan)
        return np.where(self.found, column[np.where(self.found, self.image_row, 0)].astype(np.float64), np.nan)

    @cached_property
    def usable_boxes(self) -> np.ndarray:
        """4 finite numbers with a positive width and height (what invalid-bbox does not report)."""
        box = self.batch.bbox
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(box[:, 0]) & np.isfinite(box[:, 1]) & np.isfinite(box[:, 2]) & np.isfinite(box[:, 3])
            return (self.batch.bbox_kind == BboxKind.OK) & finite & (box[:, 2] > 0) & (box[:, 3] > 0)

    @cached_property
    def xywh(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        box = self.batch.bbox
        return box[:, 0], box[:, 1], box[:, 2], box[:, 3]

    @cached_property
    def right(self) -> np.ndarray:
        """The image's width where known, else no limit (the loader clamps to a size we do not know)."""
        return np.where(np.isfinite(self.width), self.width, np.inf)

    @cached_property
    def bottom(self) -> np.ndarray:
        return np.where(np.isfinite(self.height), self.height, np.inf)

    @cached_property
    def clamped(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """xywh -> xyxy (no +1), each coordinate clamped to [0, W] x [0, H]: torchvision's
        ``ConvertCocoPolysToMask`` (coco_utils.py L58-63), MLPerf's (L49-52), HF DETR's (L297-299)."""
        x, y, w, h = self.xywh
        with np.errstate(invalid="ignore"):
            return (np.clip(x, 0, self.right), np.clip(y, 0, self.bottom),
                    np.clip(x + w, 0, self.right), np.clip(y + h, 0, self.bottom))

    @cached_property
    def empty_after_clamp(self) -> np.ndarray:
        """Not ``x2 > x1 and y2 > y1`` once clamped (NaN included)."""
        x1, y1, x2, y2 = self.clamped
        with np.errstate(invalid="ignore"):
            return ~((x2 > x1) & (y2 > y1))
