"""The vectorised tests profiles are made of: each takes a batch's facts and
returns a bool per annotation. NaN compares false, as in the loaders' own
arithmetic, so a NaN box is never "kept" by a keep-test."""

from __future__ import annotations

import numpy as np

from ..core.contract import COCO91_TO_80
from ..core.dataset import (
    BboxKind,
    ImageTable,
    MaskOutcome,
    PolygonOutcome,
    ValueKind,
    usable,
)
from .facts import AnnotationFacts

# DALI reads integers with rapidjson's GetInt: int32 only.
_INT32 = np.iinfo(np.int32)
_COCO80_GAP = np.array([value is None for value in COCO91_TO_80])


def crowd(facts: AnnotationFacts) -> np.ndarray:
    return facts.batch.crowd


def not_crowd(facts: AnnotationFacts) -> np.ndarray:
    return ~facts.batch.crowd


def ignored(facts: AnnotationFacts) -> np.ndarray:
    return facts.batch.ignored


def any_annotation(facts: AnnotationFacts) -> np.ndarray:
    return np.ones(len(facts.batch), dtype=bool)


def empty_after_clamp(facts: AnnotationFacts) -> np.ndarray:
    return facts.empty_after_clamp


def larger_than_one_pixel(facts: AnnotationFacts) -> np.ndarray:
    """torchvision's ``_has_only_empty_bbox`` keeps an image with some box of w > 1 and h > 1."""
    _, _, w, h = facts.xywh
    with np.errstate(invalid="ignore"):
        return (w > 1) & (h > 1)


def sanitized_away(facts: AnnotationFacts) -> np.ndarray:
    """torchvision ``SanitizeBoundingBoxes`` (min_size=1, min_area=1) on the unclamped xyxy box."""
    x, y, w, h = facts.xywh
    x2, y2 = x + w, y + h
    with np.errstate(invalid="ignore"):
        valid = (w >= 1) & (h >= 1) & (x >= 0) & (y >= 0) & (x2 >= 0) & (y2 >= 0) & (w * h >= 1)
        valid &= (x <= facts.right) & (x2 <= facts.right) & (y <= facts.bottom) & (y2 <= facts.bottom)
    return ~valid


def tiny_after_clip(facts: AnnotationFacts) -> np.ndarray:
    """detectron2 ``Boxes.nonempty`` (threshold 1e-5) after clipping to the image."""
    x1, y1, x2, y2 = facts.clamped
    with np.errstate(invalid="ignore"):
        return ~((x2 - x1 > 1e-5) & (y2 - y1 > 1e-5))


def no_valid_polygon(facts: AnnotationFacts) -> np.ndarray:
    return facts.batch.polygons == PolygonOutcome.DROPPED


def usable_for_detectron2(facts: AnnotationFacts) -> np.ndarray:
    """What keeps an image under FILTER_EMPTY_ANNOTATIONS: a non-crowd instance that survived loading."""
    return ~facts.batch.crowd & (facts.batch.polygons != PolygonOutcome.DROPPED)


def outside_image(facts: AnnotationFacts) -> np.ndarray:
    """MMDetection: zero intersection with the JSON-sized image (coco.py L142-144)."""
    x, y, w, h = facts.xywh
    with np.errstate(invalid="ignore"):
        inter_w = np.maximum(0, np.minimum(x + w, facts.right) - np.maximum(x, 0))
        inter_h = np.maximum(0, np.minimum(y + h, facts.bottom) - np.maximum(y, 0))
        return ~(inter_w * inter_h != 0)


def small_box_or_area(facts: AnnotationFacts) -> np.ndarray:
    """MMDetection: ``ann['area'] <= 0 or w < 1 or h < 1`` (coco.py L146)."""
    _, _, w, h = facts.xywh
    with np.errstate(invalid="ignore"):
        return (facts.batch.area <= 0) | (w < 1) | (h < 1)


def yolox_rejected(facts: AnnotationFacts) -> np.ndarray:
    """YOLOX ``load_anno_from_ids`` L100-104: clamp x1, y1 at 0, then x2 from the clamped x1;
    keep ``area > 0 and x2 >= x1 and y2 >= y1`` (zero-width boxes are kept)."""
    x, y, w, h = facts.xywh
    with np.errstate(invalid="ignore"):
        x1, y1 = np.maximum(0, x), np.maximum(0, y)
        x2 = np.minimum(facts.right, x1 + np.maximum(0, w))
        y2 = np.minimum(facts.bottom, y1 + np.maximum(0, h))
        return ~((facts.batch.area > 0) & (x2 >= x1) & (y2 >= y1))


def dali_too_small(facts: AnnotationFacts) -> np.ndarray:
    """DALI ``Annotation::IsOver``: raw w and h >= size_threshold (0.1)."""
    _, _, w, h = facts.xywh
    with np.errstate(invalid="ignore"):
        return ~((w >= 0.1) & (h >= 0.1))


def not_positive_size(facts: AnnotationFacts) -> np.ndarray:
    """Ultralytics convert_coco L316-321: ``box[2] <= 0 or box[3] <= 0`` (after dividing by the image size)."""
    _, _, w, h = facts.xywh
    with np.errstate(invalid="ignore"):
        return (w <= 0) | (h <= 0)


def dali_parse_stops(facts: AnnotationFacts) -> np.ndarray:
    """An image_id or category_id that is not an int32 (LookaheadParser::GetInt)."""
    batch = facts.batch
    return ~(_int32(batch.image_id, batch.image_id_kind) & _int32(batch.category_id, batch.category_kind))


def _int32(values: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    return (kinds == ValueKind.INT) & (values >= _INT32.min) & (values <= _INT32.max)


def dali_bbox_not_four(facts: AnnotationFacts) -> np.ndarray:
    return facts.batch.bbox_kind == BboxKind.MALFORMED


def undeclared(facts: AnnotationFacts) -> np.ndarray:
    """An integer category_id that is not declared in categories."""
    batch = facts.batch
    return ~facts.declared & (usable(batch.category_kind) | (batch.category_kind == ValueKind.BIG_INT))


def mask_fails(outcome: MaskOutcome):
    """Non-crowd annotations whose segmentation pycocotools cannot rasterise this way."""

    def test(facts: AnnotationFacts) -> np.ndarray:
        return ~facts.batch.crowd & (facts.batch.mask == outcome)

    test.__name__ = f"mask_{outcome.name.lower()}"
    return test


def polygon_type_error(facts: AnnotationFacts) -> np.ndarray:
    return facts.batch.polygons == PolygonOutcome.TYPE_ERROR


def orphan(facts: AnnotationFacts) -> np.ndarray:
    """An annotation whose (integer) image_id is not in images."""
    return usable(facts.batch.image_id_kind) & ~facts.found


def not_coco80(facts: AnnotationFacts) -> np.ndarray:
    """``coco91_to_coco80_class()[id - 1]`` is None: ids 0, 12, 26, 29, 30, 45, 66, 68, 69, 71, 83, 91."""
    index = facts.batch.category_id - 1
    inside = usable(facts.batch.category_kind) & (index >= -len(COCO91_TO_80)) & (index < len(COCO91_TO_80))
    return inside & _COCO80_GAP[np.where(inside, index, 0)]


def past_coco91(facts: AnnotationFacts) -> np.ndarray:
    """An id the 91-entry table has no entry for: IndexError."""
    index = facts.batch.category_id - 1
    outside = (index < -len(COCO91_TO_80)) | (index >= len(COCO91_TO_80))
    return (facts.batch.category_kind == ValueKind.BIG_INT) | (usable(facts.batch.category_kind) & outside)


def image_id_not_int32(images: ImageTable) -> np.ndarray:
    return ~_int32(images.id.astype(np.int64), images.id_kind)


def image_id_not_int(images: ImageTable) -> np.ndarray:
    """Ultralytics ``f"{x['id']:d}"`` (converter.py L291): ValueError for anything but an int."""
    return images.id_kind != ValueKind.INT
