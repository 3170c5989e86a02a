"""Dataset statistics, accumulated batch by batch as the rules run.

What a person auditing a dataset wants to see before training on it: how the
annotations spread over the model's columns, which ids fall outside the head
or are not declared, and what the boxes look like. Memory is bounded: the
histograms have fixed bins, the class counts are an array sized by the columns
the file uses (``FileContext.columns``), ids outside the head are tallied up to
``MAX_TRACKED_IDS`` distinct values, and boxes per image are one int32 per
image (beside the image table the scan holds anyway).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.findings import jsonable
from ..rules import BatchView, FileContext

# Distinct ids tallied per kind (outside the head, undeclared) before the rest are lumped together.
MAX_TRACKED_IDS = 1000
# Within this many pixels of an image's edge, a box touches it.
TOUCHING_PX = 1.0

PER_IMAGE_EDGES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 50, 100, 200, 500, 1000)  # the first bin: none


class _Bins:
    """Fixed bins: below the first edge, between each pair of edges, from the last edge up."""

    counts: np.ndarray  # one per bin: len(edges) + 1

    def __init__(self, edges: tuple[float, ...]) -> None:
        self.edges = np.array(edges, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """``edges``: the lower bound of each bin (the first bin starts at 0); ``counts``: one per bin."""
        return {"edges": [0, *_numbers(self.edges)], "counts": self.counts.tolist()}


class Histogram(_Bins):
    """Counts over any fixed bins, found by searching the edges."""

    def __init__(self, edges: tuple[float, ...]) -> None:
        super().__init__(edges)
        self.counts = np.zeros(len(edges) + 1, dtype=np.int64)

    def add(self, values: np.ndarray) -> None:
        if len(values):
            self.counts += np.bincount(np.searchsorted(self.edges, values, side="right"), minlength=len(self.counts))


_MANTISSA = np.int64((1 << 52) - 1)
_SQRT2_MANTISSA = np.int64(np.array(2.0**0.5).view(np.int64)) & _MANTISSA


class OctaveHistogram(_Bins):
    """A histogram of positive values in bins of whole or half octaves: edges 2^(k/steps), k = low..high.

    The bin is read off the float's bits instead of searched for: values are
    counted by their biased exponent (times 2, plus whether the mantissa
    reaches that of sqrt(2), for half octaves), 2048 or 4096 counters that
    ``counts`` folds into the bins. A log scale for two to six integer
    operations per value, which matters: this runs on every box of the file.
    """

    def __init__(self, low: int, high: int, steps: int) -> None:
        super().__init__(tuple(float(2.0 ** (k / steps)) for k in range(low, high + 1)))
        self.steps = steps
        self._by_exponent = np.zeros(2048 * steps + 1, dtype=np.int64)  # the last: values not counted
        self._below_first = steps * 1023 + low  # the first counter of the bin that starts at 2^(low/steps)

    def add_where(self, values: np.ndarray, counted: np.ndarray) -> None:
        """Count the float64 ``values`` where ``counted`` (> 0 there; anything elsewhere)."""
        bits = values.view(np.int64)
        keys = bits >> 52
        if self.steps == 2:
            keys <<= 1
            keys += (bits & _MANTISSA) >= _SQRT2_MANTISSA
        if not counted.all():
            keys[~counted] = len(self._by_exponent) - 1
        self._by_exponent += np.bincount(keys, minlength=len(self._by_exponent))

    @property  # type: ignore[override]
    def counts(self) -> np.ndarray:
        first, bins = self._below_first, len(self.edges)
        counted = self._by_exponent[:-1]
        return np.concatenate([[counted[:first].sum()], counted[first : first + bins - 1],
                               [counted[first + bins - 1 :].sum()]])


# Fixed bins. Sizes grow by half octaves (x1.41), so a log scale is the bins themselves.
def side_histogram() -> OctaveHistogram:
    return OctaveHistogram(-2, 28, 2)  # 0.5 px .. 16384 px


def area_histogram() -> OctaveHistogram:
    return OctaveHistogram(-2, 28, 1)  # 0.25 px^2 .. 2^28 px^2 (16384^2)


def aspect_histogram() -> OctaveHistogram:
    return OctaveHistogram(-12, 12, 2)  # width / height: 1/64 .. 64


@dataclass
class IdTally:
    """Annotations per raw id, for ids that are rare by nature (outside the head, undeclared); bounded."""

    counts: Counter
    other: int = 0  # annotations of ids past MAX_TRACKED_IDS distinct ones

    def add(self, ids: np.ndarray) -> None:
        values, counts = np.unique(ids, return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist()):
            if value in self.counts or len(self.counts) < MAX_TRACKED_IDS:
                self.counts[value] += count
            else:
                self.other += count

    def to_dict(self) -> dict[str, Any]:
        ordered = sorted(self.counts.items())
        return {"ids": [value for value, _ in ordered], "counts": [count for _, count in ordered], "other": self.other}


class FileStatistics:
    """The statistics of one file, fed every batch (``add``) and closed once (``finish``)."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.outside_head = IdTally(Counter())
        self.undeclared = IdTally(Counter())
        self.unusable_ids = 0  # category ids that are not integers
        self.width, self.height = side_histogram(), side_histogram()
        self.area, self.aspect = area_histogram(), aspect_histogram()
        self.unusable_boxes = 0
        self.position = Counter({"inside": 0, "touching": 0, "outside": 0, "image_size_unknown": 0})
        self._per_image = np.zeros(len(ctx.images), dtype=np.int32)
        self.per_image = Histogram(PER_IMAGE_EDGES)
        self.annotations_without_image = 0

    def add(self, view: BatchView) -> None:
        self._classes(view)
        self._boxes(view)
        self._images(view)

    def _classes(self, view: BatchView) -> None:
        batch = view.batch
        self.unusable_ids += int(len(batch) - np.count_nonzero(view.category_usable))
        outside = view.category_usable & ~view.in_head  # raw: out of range; sorted, names: no column either
        if outside.any():
            self.outside_head.add(batch.category_id[outside])
        undeclared = view.category_usable & ~view.declared
        if undeclared.any():
            self.undeclared.add(batch.category_id[undeclared])

    def _boxes(self, view: BatchView) -> None:
        """Every row is computed on; only the usable boxes are counted (no copies of the columns)."""
        usable = view.box_usable
        total = int(np.count_nonzero(usable))
        self.unusable_boxes += len(usable) - total
        x, y, w, h = view.batch.bbox.T
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            self.width.add_where(w, usable)
            self.height.add_where(h, usable)
            self.area.add_where(w * h, usable)
            self.aspect.add_where(view.box_ratio, usable)
            width, height = view.image_size
            known = usable & (width == width) & (height == height)  # not NaN
            outside = known & view.beyond_image
            touching = known & ~outside & (
                (x <= TOUCHING_PX) | (y <= TOUCHING_PX) | (x + w >= width - TOUCHING_PX) | (y + h >= height - TOUCHING_PX)
            )
        seen = int(np.count_nonzero(known))
        outside_count, touching_count = int(np.count_nonzero(outside)), int(np.count_nonzero(touching))
        self.position["outside"] += outside_count
        self.position["touching"] += touching_count
        self.position["image_size_unknown"] += total - seen
        self.position["inside"] += seen - outside_count - touching_count

    def _images(self, view: BatchView) -> None:
        rows = view.image_row[view.image_row >= 0]
        self.annotations_without_image += len(view.image_row) - len(rows)
        if len(rows):
            # Annotations come grouped by image: the range a batch spans is short, not the whole table.
            low = int(rows.min())
            counted = np.bincount(rows - low)
            self._per_image[low : low + len(counted)] += counted.astype(np.int32)

    def finish(self) -> "FileStatistics":
        chunk = 1 << 16
        for start in range(0, len(self._per_image), chunk):
            self.per_image.add(self._per_image[start : start + chunk])
        self._per_image = np.zeros(0, dtype=np.int32)
        self.classes = _Classes.of(self.ctx)
        self.ctx = None  # type: ignore[assignment]  # the report keeps the figures, not the file's image table
        return self

    def to_dict(self) -> dict[str, Any]:
        classes = self.classes
        return {
            "classes": {
                "num_classes": classes.num_classes,
                "annotations_per_column": classes.counts,
                "declared_columns": classes.declared_columns,
                "outside_head": self.outside_head.to_dict(),
                "undeclared": self.undeclared.to_dict(),
                "unusable_category_ids": self.unusable_ids,
            },
            "boxes": {
                "unusable": self.unusable_boxes,
                "width": self.width.to_dict(),
                "height": self.height.to_dict(),
                "area": self.area.to_dict(),
                "aspect_ratio": self.aspect.to_dict(),
                "position": dict(self.position),
            },
            "images": {
                "boxes_per_image": self.per_image.to_dict(),
                "annotations_without_image": self.annotations_without_image,
            },
        }


@dataclass(frozen=True)
class _Classes:
    """A finished file's class figures: the counts per column and which columns its categories declare."""

    num_classes: int
    counts: list[int]  # annotations per column, up to the last column used
    declared_columns: dict[str, Any]  # column (as a JSON key) -> the declared category's name

    @classmethod
    def of(cls, ctx: FileContext) -> "_Classes":
        declared = {}
        for number, column in sorted(ctx.column_of_declared.items(), key=lambda item: (item[1] is None, item[1])):
            if column is not None and 0 <= column < ctx.contract.num_classes:
                declared[str(column)] = jsonable(ctx.declared[number].name)
        return cls(ctx.contract.num_classes, ctx.columns.counts.tolist(), declared)


def _numbers(values: np.ndarray) -> list[float | int]:
    """Edges as JSON numbers: whole ones as integers, others to 6 significant digits."""
    return [int(value) if float(value).is_integer() else float(f"{value:.6g}") for value in values.tolist()]
