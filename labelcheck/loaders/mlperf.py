"""``mlperf``: the MLPerf Training RetinaNet reference, dataset ``openimages-mlperf``.

Source: mlcommons/training ``retired_benchmarks/retinanet/ssd/`` @ ``aa344c7f``.

- Column: the raw ``category_id`` (``coco_utils.py`` ``ConvertCocoPolysToMask``
  L54-55), no remap and no range check; 264 columns (``train.py`` L27-33, the
  default ``--dataset openimages-mlperf`` L61-63), sigmoid focal loss with no
  background column (``model/retinanet.py`` L95).
- Reads ``area`` and ``iscrowd`` of every annotation (L75-76) though it never
  filters on crowd (``filter_iscrowd=False``, L219); ``segmentation``,
  ``width`` and ``height`` are not read.
- Drops boxes with ``x2 <= x1`` or ``y2 <= y1`` after the xyxy conversion and
  clamping (L49-52, L65-67). Keeps crowd annotations and empty images
  (``get_openimages`` L213-230 does not call the empty-image filter).
- A label >= 264 is a CUDA ``index out of bounds`` device assert
  (``gt_classes_target[fg, labels[matched]] = 1.0``, L121-125).

Assumptions: boxes are clamped to the decoded image, and labelcheck uses the
JSON width and height for it (assumed equal); a label of -1 silently trains
column 263 (inference, negative indexing).
"""

from ..core.contract import Mapping
from . import conditions
from .base import Background, Condition, LoaderProfile

MLPERF = LoaderProfile(
    name="mlperf",
    framework="MLPerf RetinaNet",
    title="MLPerf Training RetinaNet reference (openimages-mlperf)",
    source="mlcommons/training retired_benchmarks/retinanet/ssd @ aa344c7f",
    mapping=Mapping.RAW,
    columns=264,
    background=Background.NONE,
    annotation_fields=("id", "image_id", "category_id", "bbox", "area", "iscrowd"),
    image_fields=("id", "file_name"),
    drops=(
        Condition("empty-after-clamp", "boxes empty after clamping",
                  "x2 <= x1 or y2 <= y1 once converted to xyxy and clamped to the image (coco_utils.py L49-52, L65-67)",
                  conditions.empty_after_clamp),
    ),
    past_head="training crashes with 'index out of bounds'",
    negative="the loss counts it from the end and {lands}",
    assumptions=(
        "Boxes are clamped to the decoded image; labelcheck uses the JSON width and height (assumed equal).",
        "A label of -1 silently trains column 263 (inference).",
    ),
)
