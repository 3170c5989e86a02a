"""Turn decoded JSON objects into the columnar batches of ``dataset``.

Shared by every reader that has Python objects in hand (the plain reader, a
loaded pycocotools ``COCO``), so they agree to the value on what the checks see.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .dataset import (
    AnnotationBatch,
    BboxKind,
    Category,
    ImageTable,
    MaskOutcome,
    PolygonOutcome,
    SpilledBytes,
    StringColumn,
    ValueKind,
    classify_id,
)

# Stands for a key an object does not have.
MISSING = object()


def id_column(values: Iterable[Any], n: int) -> tuple[np.ndarray, np.ndarray, dict[int, Any]]:
    ids = np.zeros(n, dtype=np.int64)
    kinds = np.zeros(n, dtype=np.uint8)
    raw: dict[int, Any] = {}
    for row, value in enumerate(values):
        kind, number = classify_id(value, value is not MISSING)
        ids[row] = number
        kinds[row] = kind
        if kind != ValueKind.INT:
            raw[row] = None if value is MISSING else value
    return ids, kinds, raw


def bbox_value(value: Any) -> tuple[BboxKind, tuple[float, float, float, float]]:
    if value is MISSING:
        return BboxKind.MISSING, (math.nan,) * 4
    if not isinstance(value, list) or len(value) != 4:
        return BboxKind.MALFORMED, (math.nan,) * 4
    for number in value:
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return BboxKind.MALFORMED, (math.nan,) * 4
    return BboxKind.OK, tuple(map(dimension, value))  # type: ignore[return-value]


def number_value(value: Any) -> float:
    """An area as a loader compares it (``area <= 0``): numbers and booleans as
    Python compares them, NaN for anything else or for an absent key."""
    if value is MISSING or isinstance(value, (str, list, dict)) or value is None:
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def mask_outcome(segmentation: Any) -> MaskOutcome:
    """``MaskOutcome``: pycocotools' ``frPyObjects`` tests, in their order."""
    if segmentation is MISSING:
        return MaskOutcome.MISSING
    if isinstance(segmentation, list):
        if not segmentation:
            return MaskOutcome.INDEX_ERROR  # pyobj[0]
        first = segmentation[0]
        if not isinstance(first, (list, str, dict)):
            return MaskOutcome.NO_LENGTH
        if len(first) == 4:
            return MaskOutcome.BBOX_TYPE_ERROR  # frBbox wants an ndarray
        if len(first) > 4:
            return MaskOutcome.OK  # frPoly
        if isinstance(first, dict) and "counts" in first and "size" in first:
            return MaskOutcome.OK  # frUncompressedRLE
        return MaskOutcome.UNSUPPORTED
    if isinstance(segmentation, dict) and "counts" in segmentation and "size" in segmentation:
        return MaskOutcome.COMPRESSED_RLE if isinstance(segmentation["counts"], str) else MaskOutcome.OK
    return MaskOutcome.UNSUPPORTED


def polygon_outcome(segmentation: Any) -> PolygonOutcome:
    """``PolygonOutcome``: detectron2's ``if segm:`` then its polygon filter."""
    if segmentation is MISSING or not segmentation or isinstance(segmentation, dict):
        return PolygonOutcome.KEPT
    if not isinstance(segmentation, (list, str)):
        return PolygonOutcome.TYPE_ERROR  # iterating a number
    if any(not isinstance(polygon, (list, str, dict)) for polygon in segmentation):
        return PolygonOutcome.TYPE_ERROR  # len() of a number
    valid = any(len(polygon) % 2 == 0 and len(polygon) >= 6 for polygon in segmentation)
    return PolygonOutcome.KEPT if valid else PolygonOutcome.DROPPED


def annotation_batch(start: int, annotations: Sequence[Any]) -> AnnotationBatch:
    """Build one batch from decoded annotation objects (non-objects count as empty)."""
    objects = [a if isinstance(a, dict) else {} for a in annotations]
    n = len(objects)
    ids, id_kinds, raw_ids = id_column((a.get("id", MISSING) for a in objects), n)
    image_ids, image_kinds, raw_images = id_column((a.get("image_id", MISSING) for a in objects), n)
    cat_ids, cat_kinds, raw_cats = id_column((a.get("category_id", MISSING) for a in objects), n)
    boxes = np.empty((n, 4), dtype=np.float64)
    box_kinds = np.empty(n, dtype=np.uint8)
    for row, a in enumerate(objects):
        kind, box = bbox_value(a.get("bbox", MISSING))
        box_kinds[row] = kind
        boxes[row] = box
    return AnnotationBatch(
        start=start,
        id=ids,
        id_kind=id_kinds,
        image_id=image_ids,
        image_id_kind=image_kinds,
        category_id=cat_ids,
        category_kind=cat_kinds,
        bbox=boxes,
        bbox_kind=box_kinds,
        has_area=np.fromiter(("area" in a for a in objects), dtype=bool, count=n),
        has_iscrowd=np.fromiter(("iscrowd" in a for a in objects), dtype=bool, count=n),
        area=np.fromiter((number_value(a.get("area", MISSING)) for a in objects), dtype=np.float64, count=n),
        crowd=np.fromiter((bool(a.get("iscrowd")) for a in objects), dtype=bool, count=n),
        ignored=np.fromiter((bool(a.get("ignore")) for a in objects), dtype=bool, count=n),
        mask=np.fromiter((mask_outcome(a.get("segmentation", MISSING)) for a in objects), dtype=np.uint8, count=n),
        polygons=np.fromiter((polygon_outcome(a.get("segmentation", MISSING)) for a in objects), dtype=np.uint8,
                             count=n),
        raw_id=raw_ids,
        raw_image_id=raw_images,
        raw_category_id=raw_cats,
    )


def annotation_batches(annotations: Sequence[Any], batch_size: int) -> Iterator[AnnotationBatch]:
    for start in range(0, len(annotations), batch_size):
        yield annotation_batch(start, annotations[start : start + batch_size])


def dimension(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    try:
        return float(value)
    except OverflowError:  # an integer too large for a float (309 digits and more): no finite size
        return math.inf if value > 0 else -math.inf


def image_table(images: Sequence[Any]) -> ImageTable:
    objects = [i if isinstance(i, dict) else {} for i in images]
    n = len(objects)
    ids, kinds, raw = id_column((i.get("id", MISSING) for i in objects), n)
    names = [i.get("file_name") for i in objects]
    return ImageTable(
        id=ids,
        id_kind=kinds,
        width=np.fromiter((dimension(i.get("width")) for i in objects), dtype=np.float64, count=n),
        height=np.fromiter((dimension(i.get("height")) for i in objects), dtype=np.float64, count=n),
        file_name=StringColumn.of([name if isinstance(name, str) else None for name in names]),
        raw_id=raw,
    )


def category_list(categories: Sequence[Any]) -> list[Category]:
    result = []
    for position, c in enumerate(categories):
        c = c if isinstance(c, dict) else {}
        result.append(
            Category(
                position=position,
                id=c.get("id"),
                name=c.get("name"),
                has_id="id" in c,
                has_name="name" in c,
            )
        )
    return result


# File names beyond this many bytes go to a temporary file (SpilledBytes).
SPILL_BYTES = 1 << 20
# Offsets into the names fit a uint32 below this.
_UINT32_LIMIT = 1 << 32


class ImageTableBuilder:
    """One image table from consecutive parts, as if built from all their images at once.

    Parts are copied into columns allocated once for the expected number of
    images (grown if that was too few), so the whole table is never held twice.
    The columns are as narrow as the values allow: ids int32 while every id
    fits, widths and heights float32 while every value is exactly a float32,
    name offsets uint32 while the names are under 4 GiB. Names beyond
    ``spill_bytes`` (default ``SPILL_BYTES``) go to a temporary file
    (``SpilledBytes``): only findings read them.
    """

    def __init__(self, expected: int, spill_bytes: float | None = None) -> None:
        self.rows = 0
        self.columns = {
            "id": np.empty(expected, dtype=np.int32),
            "id_kind": np.empty(expected, dtype=np.uint8),
            "width": np.empty(expected, dtype=np.float32),
            "height": np.empty(expected, dtype=np.float32),
            "ends": np.empty(expected, dtype=np.uint32),
            "missing": np.empty(expected, dtype=bool),
        }
        self.names: bytearray | SpilledBytes = bytearray()
        self.spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes
        self.raw_id: dict[int, Any] = {}

    def add(self, part: ImageTable) -> None:
        rows, end = self.rows, self.rows + len(part)
        if end > len(self.columns["id"]):
            for column in self.columns.values():
                column.resize(max(end, len(column) * 3 // 2), refcheck=False)
        if not _fits_int32(part.id):
            self._widen("id", np.int64)
        for name in ("width", "height"):
            if not _fits_float32(getattr(part, name)):
                self._widen(name, np.float64)
        names = part.file_name
        ends = names.ends.astype(np.int64) + len(self.names)
        if len(ends) and ends[-1] >= _UINT32_LIMIT:
            self._widen("ends", np.int64)
        for name in ("id", "id_kind", "width", "height"):
            self.columns[name][rows:end] = getattr(part, name)
        self.columns["ends"][rows:end] = ends
        self.columns["missing"][rows:end] = names.missing
        self._add_names(names.blob)
        self.raw_id.update((rows + row, value) for row, value in part.raw_id.items())
        self.rows = end

    def _widen(self, name: str, dtype: type) -> None:
        """A column in a wider type, from now on (rare: one copy of it). Only the
        rows filled are converted: the rest is uninitialised memory, whose bits
        may be a signalling NaN that numpy warns about."""
        column = self.columns[name]
        if column.dtype.itemsize < np.dtype(dtype).itemsize:
            wider = np.empty(len(column), dtype=dtype)
            wider[: self.rows] = column[: self.rows]
            self.columns[name] = wider

    def _add_names(self, blob: Any) -> None:
        """Append names, moving them all to a temporary file once they pass ``spill_bytes``."""
        if isinstance(self.names, bytearray) and len(self.names) + len(blob) > self.spill_bytes:
            try:
                spilled = SpilledBytes()
            except OSError:  # no temporary folder to write to: keep them here
                self.spill_bytes = math.inf
            else:
                spilled.append(self.names)
                self.names = spilled
        if isinstance(self.names, SpilledBytes):
            self.names.append(blob)
        else:
            self.names += blob

    def build(self) -> ImageTable:
        for column in self.columns.values():
            column.resize(self.rows, refcheck=False)
        columns = self.columns
        return ImageTable(
            id=columns["id"],
            id_kind=columns["id_kind"],
            width=columns["width"],
            height=columns["height"],
            file_name=StringColumn(self.names, columns["ends"], columns["missing"]),
            raw_id=self.raw_id,
        )


def _fits_int32(values: np.ndarray) -> bool:
    limits = np.iinfo(np.int32)
    return not len(values) or (values.min() >= limits.min and values.max() <= limits.max)


def _fits_float32(values: np.ndarray) -> bool:
    """Every value (NaN and infinities included) is exactly a float32."""
    with np.errstate(over="ignore"):
        return np.array_equal(values.astype(np.float32), values, equal_nan=True)


def rebatch(batches: Iterable[AnnotationBatch], batch_size: int) -> Iterator[AnnotationBatch]:
    """The same rows in batches of exactly ``batch_size`` (the last may be shorter).

    Rules report in batch order, so readers that decode in other units still
    emit findings in the plain reader's order.
    """
    pending: list[AnnotationBatch] = []
    rows = start = 0
    for batch in batches:
        pending.append(batch)
        rows += len(batch)
        if rows < batch_size:
            continue
        joined = _concat(pending, start)
        full = rows - rows % batch_size
        for offset in range(0, full, batch_size):
            yield _slice(joined, offset, offset + batch_size)
        start += full
        pending, rows = ([_slice(joined, full, rows)] if rows > full else []), rows - full
    if rows:
        yield _concat(pending, start)


_COLUMNS = ("id", "id_kind", "image_id", "image_id_kind", "category_id", "category_kind", "bbox", "bbox_kind",
            "has_area", "has_iscrowd", "area", "crowd", "ignored", "mask", "polygons")
_RAW = ("raw_id", "raw_image_id", "raw_category_id")


def _concat(batches: list[AnnotationBatch], start: int) -> AnnotationBatch:
    if len(batches) == 1 and batches[0].start == start:
        return batches[0]
    columns = {name: np.concatenate([getattr(batch, name) for batch in batches]) for name in _COLUMNS}
    raw: dict[str, dict[int, Any]] = {name: {} for name in _RAW}
    offset = 0
    for batch in batches:
        for name, values in raw.items():
            values.update((offset + row, value) for row, value in getattr(batch, name).items())
        offset += len(batch)
    return AnnotationBatch(start=start, **columns, **raw)


def _slice(batch: AnnotationBatch, lo: int, hi: int) -> AnnotationBatch:
    columns = {name: getattr(batch, name)[lo:hi] for name in _COLUMNS}
    raw = {name: {row - lo: value for row, value in getattr(batch, name).items() if lo <= row < hi} for name in _RAW}
    return AnnotationBatch(start=batch.start + lo, **columns, **raw)
