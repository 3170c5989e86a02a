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
    ValueKind,
    classify_id,
)

_MISSING = object()


def _id_column(values: Iterable[Any], n: int) -> tuple[np.ndarray, np.ndarray, dict[int, Any]]:
    ids = np.zeros(n, dtype=np.int64)
    kinds = np.zeros(n, dtype=np.uint8)
    raw: dict[int, Any] = {}
    for row, value in enumerate(values):
        kind, number = classify_id(value, value is not _MISSING)
        ids[row] = number
        kinds[row] = kind
        if kind != ValueKind.INT:
            raw[row] = None if value is _MISSING else value
    return ids, kinds, raw


def _bbox(value: Any) -> tuple[BboxKind, tuple[float, float, float, float]]:
    if value is _MISSING:
        return BboxKind.MISSING, (math.nan,) * 4
    if not isinstance(value, list) or len(value) != 4:
        return BboxKind.MALFORMED, (math.nan,) * 4
    for number in value:
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return BboxKind.MALFORMED, (math.nan,) * 4
    try:
        return BboxKind.OK, tuple(float(number) for number in value)  # type: ignore[return-value]
    except OverflowError:  # an integer too large for a float: no finite box
        return BboxKind.OK, tuple(
            float(number) if abs(number) < 1e308 else math.copysign(math.inf, number) for number in value
        )  # type: ignore[return-value]


def annotation_batch(start: int, annotations: Sequence[Any]) -> AnnotationBatch:
    """Build one batch from decoded annotation objects (non-objects count as empty)."""
    objects = [a if isinstance(a, dict) else {} for a in annotations]
    n = len(objects)
    ids, id_kinds, raw_ids = _id_column((a.get("id", _MISSING) for a in objects), n)
    image_ids, image_kinds, raw_images = _id_column((a.get("image_id", _MISSING) for a in objects), n)
    cat_ids, cat_kinds, raw_cats = _id_column((a.get("category_id", _MISSING) for a in objects), n)
    boxes = np.empty((n, 4), dtype=np.float64)
    box_kinds = np.empty(n, dtype=np.uint8)
    for row, a in enumerate(objects):
        kind, box = _bbox(a.get("bbox", _MISSING))
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
        raw_id=raw_ids,
        raw_image_id=raw_images,
        raw_category_id=raw_cats,
    )


def annotation_batches(annotations: Sequence[Any], batch_size: int) -> Iterator[AnnotationBatch]:
    for start in range(0, len(annotations), batch_size):
        yield annotation_batch(start, annotations[start : start + batch_size])


def _dimension(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.inf


def image_table(images: Sequence[Any]) -> ImageTable:
    objects = [i if isinstance(i, dict) else {} for i in images]
    n = len(objects)
    ids, kinds, raw = _id_column((i.get("id", _MISSING) for i in objects), n)
    names = [i.get("file_name") for i in objects]
    return ImageTable(
        id=ids,
        id_kind=kinds,
        width=np.fromiter((_dimension(i.get("width")) for i in objects), dtype=np.float64, count=n),
        height=np.fromiter((_dimension(i.get("height")) for i in objects), dtype=np.float64, count=n),
        file_name=[name if isinstance(name, str) else None for name in names],
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
