"""Decode one run of whole array elements (see ``jsonsplit``) into columns.

A run arrives as a JSON array document, ``[`` + the run's bytes + ``]``. The
fast paths let msgspec decode it into structs that declare only the fields the
checks read and gather those into numpy columns. They cover regular rows:
integer ids within int64, a bbox of four numbers, any area and iscrowd; the
first also requires every field to be there (most files), the second allows
absent ones. A segmentation is taken as its raw bytes and classified by
``_segmentation_columns`` without building its numbers. A run with anything else in those fields (a string or float id,
a 40-digit integer, NaN, a bbox of three numbers, a non-object element) is
decoded by Python's json and classified by ``labelcheck.core.columns``, the plain
reader's own code, so both readers agree to the value on every row.

Functions here run in worker processes too, so they take and return only
picklable values.
"""

from __future__ import annotations

import json
import math
from itertools import chain, repeat
from operator import attrgetter, is_not
from typing import Any, Callable, Optional

import msgspec
import numpy as np

from ..core.columns import (
    MISSING,
    annotation_batch,
    id_column,
    image_table,
    mask_outcome,
    number_value,
    polygon_outcome,
)
from ..core.dataset import (
    AnnotationBatch,
    BboxKind,
    ImageTable,
    MaskOutcome,
    PolygonOutcome,
    StringColumn,
)
from .jsonsplit import (
    RunDecoding,
    ShortRead,
    python_json,
    read_exactly,
    refuse_long_integers,
    valid_run_document,
    valid_utf8,
)

# Defaults that stand for an absent key. They are recognised by identity: a
# decoded value is always a new object, and this integer is outside int64, so
# numpy refuses it and the slow classification below sees it.
_ABSENT_INT = 2**64 + 1
_ABSENT_BOX = ("absent",)
_ABSENT_RAW = msgspec.Raw()  # an empty Raw: a JSON value is never empty


class _Complete(msgspec.Struct, gc=False):
    """An annotation with every field the checks read; area and iscrowd only need to be there."""

    id: int
    image_id: int
    category_id: int
    bbox: tuple[float, float, float, float]
    area: Any
    iscrowd: Any
    ignore: Any = msgspec.UNSET
    segmentation: msgspec.Raw = _ABSENT_RAW


class _WithGaps(msgspec.Struct, gc=False):
    """The same, with any of the fields absent."""

    id: int = _ABSENT_INT
    image_id: int = _ABSENT_INT
    category_id: int = _ABSENT_INT
    bbox: tuple[float, float, float, float] = _ABSENT_BOX  # type: ignore[assignment]
    area: Any = msgspec.UNSET
    iscrowd: Any = msgspec.UNSET
    ignore: Any = msgspec.UNSET
    segmentation: msgspec.Raw = _ABSENT_RAW


class _Image(msgspec.Struct, gc=False):
    id: int = _ABSENT_INT
    width: Optional[float] = None
    height: Optional[float] = None
    file_name: Optional[str] = None


_COMPLETE = msgspec.json.Decoder(list[_Complete])
_WITH_GAPS = msgspec.json.Decoder(list[_WithGaps])
_IMAGES = msgspec.json.Decoder(list[_Image])
_FIELD = {name: attrgetter(name) for name in
          ("id", "image_id", "category_id", "bbox", "area", "iscrowd", "ignore", "segmentation")}
_IMAGE_FIELD = {name: attrgetter(name) for name in ("id", "width", "height", "file_name")}


def annotation_batch_of(document: bytes | bytearray | memoryview) -> AnnotationBatch:
    """The batch (``start`` 0) of a run document's annotations."""
    try:
        return _regular_annotation_batch(document)
    except msgspec.DecodeError:
        return annotation_batch(0, python_json(document))


def checked_annotation_batch(document: bytes | bytearray | memoryview, maybe_non_ascii: bool = True) -> AnnotationBatch | None:
    """``annotation_batch_of`` a valid run document, None for one ``valid_run_document``
    refuses; regular rows are validated and decoded by one parse."""
    return _checked(_regular_annotation_batch, lambda rows: annotation_batch(0, rows), document, maybe_non_ascii)


def _checked(regular: Callable[[Any], Any], irregular: Callable[[list], Any], document: Any, maybe_non_ascii: bool) -> Any:
    """``regular(document)``, or ``irregular`` of Python's json decoding of a
    document msgspec parses but ``regular`` refuses; None where msgspec's parse
    fails (the splitter then walks the run exactly with Python's json)."""
    try:
        decoded = regular(document)
    except msgspec.ValidationError:
        return irregular(python_json(document)) if valid_run_document(document, maybe_non_ascii) else None
    except (msgspec.DecodeError, RecursionError):
        return None
    if not valid_utf8(document, maybe_non_ascii):
        return None
    refuse_long_integers(document)  # in a field ``regular`` skips
    return decoded


def _regular_annotation_batch(document: bytes | bytearray | memoryview) -> AnnotationBatch:
    """msgspec's decode of regular rows; DecodeError for anything else (or invalid JSON)."""
    try:
        rows = _COMPLETE.decode(document)
        everywhere = np.ones(len(rows), dtype=bool)
        return _annotation_columns(rows, everywhere, everywhere)
    except msgspec.ValidationError:  # perhaps only an absent field
        pass
    rows = _WITH_GAPS.decode(document)
    n = len(rows)
    has_area, has_iscrowd = _present(map(_FIELD["area"], rows), n), _present(map(_FIELD["iscrowd"], rows), n)
    return _annotation_columns(rows, has_area, has_iscrowd)


def _annotation_columns(rows: list, has_area: np.ndarray, has_iscrowd: np.ndarray) -> AnnotationBatch:
    n = len(rows)
    ids, id_kinds, raw_ids = _ids(rows, _FIELD["id"], n)
    image_ids, image_kinds, raw_images = _ids(rows, _FIELD["image_id"], n)
    cat_ids, cat_kinds, raw_cats = _ids(rows, _FIELD["category_id"], n)
    boxes, box_kinds = _boxes(rows, n)
    masks, polygons = _segmentation_columns(rows, n)
    return AnnotationBatch(
        start=0,
        id=ids,
        id_kind=id_kinds,
        image_id=image_ids,
        image_id_kind=image_kinds,
        category_id=cat_ids,
        category_kind=cat_kinds,
        bbox=boxes,
        bbox_kind=box_kinds,
        has_area=has_area,
        has_iscrowd=has_iscrowd,
        area=_areas(rows, n),
        crowd=np.fromiter(map(_FIELD["iscrowd"], rows), dtype=bool, count=n),  # numpy's bool is Python's truth
        ignored=_rare_truths(rows, _FIELD["ignore"], n),
        mask=masks,
        polygons=polygons,
        raw_id=raw_ids,
        raw_image_id=raw_images,
        raw_category_id=raw_cats,
    )


def image_table_of(document: bytes | bytearray | memoryview) -> ImageTable:
    """The image table of a run document's images."""
    try:
        return _regular_image_table(document)
    except msgspec.DecodeError:
        return image_table(python_json(document))


def checked_image_table(document: bytes | bytearray | memoryview, maybe_non_ascii: bool = True) -> ImageTable | None:
    """``image_table_of`` a valid run document, None for one ``valid_run_document`` refuses."""
    return _checked(_regular_image_table, image_table, document, maybe_non_ascii)


def _regular_image_table(document: bytes | bytearray | memoryview) -> ImageTable:
    rows = _IMAGES.decode(document)
    n = len(rows)
    ids, kinds, raw = _ids(rows, _IMAGE_FIELD["id"], n)
    return ImageTable(
        id=ids,
        id_kind=kinds,
        width=_dimensions(list(map(_IMAGE_FIELD["width"], rows)), n),
        height=_dimensions(list(map(_IMAGE_FIELD["height"], rows)), n),
        file_name=StringColumn.of(list(map(_IMAGE_FIELD["file_name"], rows))),
        raw_id=raw,
    )


def objects_of(document: bytes | bytearray | memoryview) -> list:
    """A run document's elements as Python's json decodes them (categories are few)."""
    return python_json(document)


def checked_objects(document: bytes | bytearray | memoryview, maybe_non_ascii: bool = True) -> list | None:
    """``objects_of`` a valid run document, None for one ``valid_run_document`` refuses."""
    return objects_of(document) if valid_run_document(document, maybe_non_ascii) else None


def _ids(rows: list, field: Callable[[Any], Any], n: int) -> tuple[np.ndarray, np.ndarray, dict[int, Any]]:
    try:
        return np.fromiter(map(field, rows), dtype=np.int64, count=n), np.zeros(n, dtype=np.uint8), {}
    except OverflowError:  # an absent id, or an integer beyond int64
        return id_column((MISSING if value is _ABSENT_INT else value for value in map(field, rows)), n)


def _boxes(rows: list, n: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        boxes = np.fromiter(chain.from_iterable(map(_FIELD["bbox"], rows)), dtype=np.float64, count=4 * n)
        return boxes.reshape(n, 4), np.zeros(n, dtype=np.uint8)
    except ValueError:  # an absent bbox
        values = list(map(_FIELD["bbox"], rows))
        absent = [box is _ABSENT_BOX for box in values]
        boxes = np.array([(math.nan,) * 4 if gone else box for gone, box in zip(absent, values)], dtype=np.float64)
        kinds = np.where(absent, BboxKind.MISSING, BboxKind.OK).astype(np.uint8)
        return boxes.reshape(n, 4), kinds


def _rare_truths(rows: list, field: Callable[[Any], Any], n: int) -> np.ndarray:
    """Python's truth of each row's value of a key most files lack (absent: false)."""
    values = list(map(field, rows))
    if values.count(msgspec.UNSET) == n:  # by identity: the usual all-absent run costs a few ns a row
        return np.zeros(n, dtype=bool)
    return np.fromiter(values, dtype=bool, count=n)


def _areas(rows: list, n: int) -> np.ndarray:
    try:
        return np.fromiter(map(_FIELD["area"], rows), dtype=np.float64, count=n)
    except (TypeError, ValueError, OverflowError):  # absent, null, a string, an integer beyond a float
        return np.fromiter((number_value(MISSING if value is msgspec.UNSET else value)
                            for value in map(_FIELD["area"], rows)), dtype=np.float64, count=n)


_WHITESPACE = b" \t\n\r"
_BRACKETS = np.frombuffer(b"[]{\"", dtype=np.uint8)


def _segmentation_columns(rows: list, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``MaskOutcome`` and ``PolygonOutcome`` of each row's raw segmentation.

    Lists of lists of numbers (polygons, the usual) are measured on their bytes
    with numpy: the length of each row's first polygon and whether any has an
    even length >= 6. Anything with a string or an object in it (an RLE),
    or nested deeper, is decoded by Python's json and classified like the
    plain reader does; so is a scalar.
    """
    masks = np.full(n, MaskOutcome.MISSING, dtype=np.uint8)
    polygons = np.full(n, PolygonOutcome.KEPT, dtype=np.uint8)
    raws = list(map(_FIELD["segmentation"], rows))
    if raws.count(_ABSENT_RAW) == n:  # by identity: the usual box-only file costs a few ns a row
        return masks, polygons
    lengths = np.fromiter(map(len, raws), dtype=np.int64, count=n)
    present = np.flatnonzero(lengths)
    text = np.frombuffer(b"".join(raws), dtype=np.uint8)
    starts = np.cumsum(lengths)[present] - lengths[present]
    special = ((text == _BRACKETS[2]) | (text == _BRACKETS[3])).view(np.uint8)  # { or "
    lists = (text[starts] == _BRACKETS[0]) & (np.maximum.reduceat(special, starts) == 0)
    for row in present[~lists].tolist():
        value = json.loads(bytes(raws[row]))
        masks[row], polygons[row] = mask_outcome(value), polygon_outcome(value)
    if lists.any():
        rows_of_lists = present[lists]
        _measure_polygons([bytes(raws[row]).translate(None, _WHITESPACE) for row in rows_of_lists.tolist()],
                          rows_of_lists, masks, polygons)
    return masks, polygons


def _measure_polygons(texts: list[bytes], rows: np.ndarray, masks: np.ndarray, polygons: np.ndarray) -> None:
    """Classify lists without strings or objects (whitespace removed) by their brackets and commas."""
    text = np.frombuffer(b"".join(texts), dtype=np.uint8)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    opens, closes, commas = text == _BRACKETS[0], text == _BRACKETS[1], text == ord(",")
    depth = np.cumsum(opens.astype(np.int32) - closes)  # after each byte; 0 between rows (balanced)
    polygon_opens = np.flatnonzero(opens & (depth == 2))
    row_of_polygon = np.searchsorted(starts, polygon_opens, side="right") - 1
    count = np.bincount(row_of_polygon, minlength=len(texts))
    deep = np.maximum.reduceat(depth, starts) > 2
    outer_commas = np.add.reduceat((commas & (depth == 1)).astype(np.int64), starts)
    empty = lengths == 2  # []
    flat = (count == 0) & ~empty  # [1, 2, 3]: scalars only
    regular = ~deep & ((outer_commas == count - 1) | flat | empty)
    polygon_of_byte = np.cumsum(opens & (depth == 2)) - 1
    items = np.bincount(polygon_of_byte[commas & (depth == 2)], minlength=len(polygon_opens)) + 1
    items[text[polygon_opens + 1] == _BRACKETS[1]] = 0  # [] inside
    valid = np.bincount(row_of_polygon[(items % 2 == 0) & (items >= 6)], minlength=len(texts)) > 0
    first = items[np.minimum(np.searchsorted(row_of_polygon, np.arange(len(texts))), max(len(items) - 1, 0))] \
        if len(items) else np.zeros(len(texts), dtype=np.int64)
    mask = np.where(first > 4, MaskOutcome.OK, np.where(first == 4, MaskOutcome.BBOX_TYPE_ERROR, MaskOutcome.UNSUPPORTED))
    mask = np.where(empty, MaskOutcome.INDEX_ERROR, np.where(flat, MaskOutcome.NO_LENGTH, mask))
    polygon = np.where(valid | empty, PolygonOutcome.KEPT, PolygonOutcome.DROPPED)
    polygon = np.where(flat, PolygonOutcome.TYPE_ERROR, polygon)
    masks[rows[regular]] = mask[regular]
    polygons[rows[regular]] = polygon[regular]
    for index in np.flatnonzero(~regular).tolist():  # nested deeper, or scalars among the polygons
        value = json.loads(texts[index])
        masks[rows[index]], polygons[rows[index]] = mask_outcome(value), polygon_outcome(value)


def _present(values: Any, n: int) -> np.ndarray:
    return np.fromiter(map(is_not, values, repeat(msgspec.UNSET)), dtype=bool, count=n)


def _dimensions(values: list, n: int) -> np.ndarray:
    try:
        return np.fromiter(values, dtype=np.float64, count=n)
    except TypeError:  # null or absent: unknown, as in the plain reader
        return np.array([math.nan if value is None else value for value in values], dtype=np.float64)


# Validating and decoding in one pass (``jsonsplit.document_events``), and decoding alone.
DECODINGS = {
    "annotations": RunDecoding(checked_annotation_batch, annotation_batch_of),
    "images": RunDecoding(checked_image_table, image_table_of),
    "categories": RunDecoding(checked_objects, objects_of),
}
DECODERS: dict[str, Callable[[bytes | bytearray], Any]] = {key: decoding.decode for key, decoding in DECODINGS.items()}


def read_run_document(handle: Any, start: int, end: int) -> bytearray:
    """Read run ``[start, end)`` from a seekable binary file as a JSON array document."""
    handle.seek(start)
    return read_document(handle, end - start)


def read_document(handle: Any, size: int) -> bytearray:
    """The next ``size`` bytes of a binary stream as a run document (``[`` + bytes + ``]``)."""
    document = bytearray(size + 2)
    with memoryview(document) as view:
        read_exactly(handle, view[1:-1])
    document[0], document[-1] = ord("["), ord("]")
    return document


_FILES: dict[str, Any] = {}


def run_task(task: Callable[..., Any], path: str, start: int, end: int, args: tuple = ()) -> Any:
    """Worker entry point: ``task`` on run ``[start, end)`` of a plain file, as a run document."""
    handle = _FILES.get(path)
    if handle is None:
        for old in _FILES.values():
            old.close()
        _FILES.clear()
        handle = _FILES[path] = open(path, "rb", buffering=0)
    return task(read_run_document(handle, start, end), *args)


__all__ = [
    "DECODERS",
    "DECODINGS",
    "annotation_batch_of",
    "checked_annotation_batch",
    "checked_image_table",
    "checked_objects",
    "run_task",
    "image_table_of",
    "objects_of",
    "ShortRead",
    "read_document",
    "read_run_document",
]
