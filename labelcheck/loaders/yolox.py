"""``yolox``: YOLOX's ``COCODataset`` with ``yolox_base``.

Source: Megvii-BaseDetection/YOLOX @ ``6ddff482``, ``yolox/data/datasets/coco.py``.

- Column: the rank of the id among the sorted declared ids (L67
  ``sorted(self.coco.getCatIds())``, L112 ``self.class_ids.index(...)``); 80
  columns (``yolox/exp/yolox_base.py`` L22), no background column
  (``yolo_head.py`` L356-358 ``F.one_hot(..., self.num_classes)``).
- Reads images' ``width``, ``height`` (L94-95; ``file_name`` falls back to
  ``{id:012}.jpg``) and annotations' ``iscrowd`` (pycocotools
  ``getAnnIds(iscrowd=False)`` reads it with no default), ``area``, ``bbox``,
  ``category_id``.
- Drops crowd annotations (L96) and, in ``load_anno_from_ids`` L100-104,
  boxes with ``area <= 0`` or with ``x2 < x1`` or ``y2 < y1`` once ``x1, y1``
  are clamped at 0 and ``x2, y2`` (from the clamped ``x1, y1``) at the
  image: boxes that start past the right or bottom edge. Zero-width boxes
  are kept; empty images are kept.
- Raises ``ValueError: <id> is not in list`` for an undeclared category
  (L112); a label >= 80 fails ``F.one_hot``.

Assumptions: a box that starts left of or above the image is shifted inward,
not cropped (inference); ``TrainTransform`` also cuts boxes 1 px or less
after the resize and labels past 50 per image (120 after mosaic), depending
on the augmentation: not checked; the ``F.one_hot`` text is PyTorch's (n/v).
"""

from ..core.contract import Mapping
from . import conditions
from .base import Background, Condition, LoaderProfile

YOLOX = LoaderProfile(
    name="yolox",
    framework="YOLOX",
    title="YOLOX COCODataset (yolox_base)",
    source="Megvii-BaseDetection/YOLOX @ 6ddff482",
    mapping=Mapping.SORTED,
    columns=80,
    background=Background.NONE,
    annotation_fields=("id", "image_id", "category_id", "bbox", "area", "iscrowd"),
    image_fields=("id", "width", "height"),
    drops=(
        Condition("crowd", "crowd", "iscrowd is set: getAnnIds(imgIds=[id], iscrowd=False) (coco.py L96)",
                  conditions.crowd),
        Condition("rejected-box", "area <= 0, boxes past the right or bottom edge",
                  "area <= 0, or x2 < x1 or y2 < y1 once x1, y1 are clamped at 0 and x2, y2 at the image "
                  "(coco.py L100-104)", conditions.yolox_rejected),
    ),
    crashes=(
        Condition("undeclared-category", "undeclared categories",
                  "ValueError: {category_id} is not in list (self.class_ids.index, coco.py L112)",
                  conditions.undeclared),
    ),
    past_head="F.one_hot fails with a RuntimeError (yolo_head.py L356-358)",
    assumptions=(
        "A box that starts left of or above the image is shifted inward, not cropped (inference).",
        "TrainTransform's cuts (boxes 1 px or less after the resize, labels past 50 per image, 120 after mosaic) "
        "depend on the augmentation: not checked.",
        "The F.one_hot error text is PyTorch's (n/v).",
    ),
)
