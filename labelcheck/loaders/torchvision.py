"""``torchvision``: the torchvision detection references, default (V1) path, train split.

Sources: pytorch/vision ``references/detection/coco_utils.py`` @ ``aaca9bdc``,
``train.py`` @ ``3ceb056d``, ``group_by_aspect_ratio.py`` @ ``05b7388d``;
the torchvision 0.29.1 wheel.

- Column: the raw ``category_id`` (``ConvertCocoPolysToMask`` L65-66;
  ``get_coco`` does not use ``FilterAndRemapCocoCategories``); 91 columns
  (``train.py``: ``"coco": (data_path, get_coco, 91)``), column 0 the
  background, the COCO ids 1..90 with 10 unused "N/A" slots
  (``torchvision/models/_meta.py`` L1011 ``_COCO_CATEGORIES``).
- Reads ``iscrowd`` (L56), ``bbox``, ``category_id``, ``segmentation`` (L68:
  masks are built for every annotation, even for box models) and ``area``
  (L95) of each annotation, and the image ``width`` and ``height``
  (aspect-ratio grouping, on by default).
- Drops crowd annotations (``obj["iscrowd"] == 0``, L56), boxes with
  ``x2 <= x1`` or ``y2 <= y1`` after conversion and clamping (L58-63, L79),
  and, on the train split, images with no annotations or whose every
  annotation (crowd included) is 1 px or less wide or high
  (``_coco_remove_images_without_annotations``, L103-139).
- Raises in pycocotools' ``frPyObjects`` on a segmentation it cannot
  rasterise (probed, pycocotools 2.0.11): ``[]`` IndexError, a first polygon
  of fewer than 4 coordinates ``Exception('input type is not supported.')``,
  of exactly 4 a TypeError; a label >= 91 fails the cross-entropy.

Assumptions: boxes are clamped to the decoded PIL image, and labelcheck uses
the JSON size; the model is an R-CNN (the references' default
``maskrcnn_resnet50_fpn``), which learns label 0 as background and never
samples a negative label (inference, ``roi_heads.py`` L604-609, ``_utils.py``
L44-45); the cross-entropy's text for a label >= 91 is not verified (n/v);
an image whose only annotations are crowd is kept with an empty target
(inference); a bad polygon is reported even on an image the empty-image
filter removes.
"""

from ..core.contract import Mapping
from ..core.dataset import MaskOutcome
from . import conditions
from .base import Background, Condition, ImageDrop, LoaderProfile

CROWD = Condition("crowd", "crowd", "iscrowd is set: ConvertCocoPolysToMask keeps iscrowd == 0 only (coco_utils.py L56)",
                  conditions.crowd)
EMPTY_IMAGES = (
    ImageDrop("no-annotations", "images without annotations",
              "it has no annotations: _coco_remove_images_without_annotations, train split (coco_utils.py L103-139)",
              kept_by=conditions.any_annotation),
    ImageDrop("only-tiny-boxes", "images whose boxes are all 1 px or less",
              "every box of the image, crowd included, is 1 px or less wide or high: _has_only_empty_bbox "
              "(coco_utils.py L105)", kept_by=conditions.larger_than_one_pixel),
)
PAST_HEAD = "F.cross_entropy fails on it (roi_heads.py L35: 'Target N is out of bounds' on CPU, a device assert on CUDA)"
NEGATIVE = ("the R-CNN sampler takes labels >= 1 as positives and 0 as negatives (_utils.py L44-45), "
            "so its box is silently never trained")

TORCHVISION = LoaderProfile(
    name="torchvision",
    framework="torchvision",
    title="torchvision detection references, default (V1) path, train split",
    source="pytorch/vision references/detection/coco_utils.py @ aaca9bdc; torchvision 0.29.1",
    mapping=Mapping.RAW,
    columns=91,
    background=Background.FIRST,
    annotation_fields=("id", "image_id", "category_id", "bbox", "area", "iscrowd", "segmentation"),
    image_fields=("id", "file_name", "width", "height"),
    drops=(
        CROWD,
        Condition("empty-after-clamp", "boxes empty after clamping",
                  "x2 <= x1 or y2 <= y1 once converted to xyxy and clamped to the image (coco_utils.py L58-63, L79)",
                  conditions.empty_after_clamp),
    ),
    crashes=(
        Condition("mask-index-error", "segmentation []",
                  "IndexError: list index out of range (pycocotools frPyObjects on segmentation [], when "
                  "ConvertCocoPolysToMask builds the masks, coco_utils.py L68)", conditions.mask_fails(MaskOutcome.INDEX_ERROR)),
        Condition("mask-unsupported", "polygons under 4 coordinates",
                  "Exception: input type is not supported. (pycocotools frPyObjects: the first polygon has fewer "
                  "than 4 coordinates, or the segmentation is not a list)", conditions.mask_fails(MaskOutcome.UNSUPPORTED)),
        Condition("mask-bbox-type-error", "4-coordinate polygons",
                  "TypeError: Argument 'bb' has incorrect type (expected numpy.ndarray, got list) (pycocotools "
                  "frPyObjects takes a first polygon of 4 coordinates for a box)",
                  conditions.mask_fails(MaskOutcome.BBOX_TYPE_ERROR)),
        Condition("mask-no-length", "flat polygon lists",
                  "TypeError: object of type 'int' (or 'float') has no len() (pycocotools frPyObjects: the "
                  "segmentation is a flat list of numbers, not a list of polygons)",
                  conditions.mask_fails(MaskOutcome.NO_LENGTH)),
        Condition("mask-compressed-rle", "compressed RLE on non-crowd",
                  "ValueError: invalid literal for int() (pycocotools frUncompressedRLE: a compressed RLE, its "
                  "counts a string, on an annotation that is not crowd)",
                  conditions.mask_fails(MaskOutcome.COMPRESSED_RLE)),
    ),
    image_drops=EMPTY_IMAGES,
    past_head=PAST_HEAD,
    negative=NEGATIVE,
    assumptions=(
        "Boxes are clamped to the decoded PIL image; labelcheck uses the JSON width and height.",
        "The model is an R-CNN (the references' default maskrcnn_resnet50_fpn): label 0 is learnt as background "
        "and a negative label is never sampled (inference).",
        "The cross-entropy's text for a label >= 91 is not verified (n/v).",
        "An image whose only annotations are crowd is kept and trains with an empty target (inference).",
        "A bad polygon is reported even on an image the empty-image filter removes.",
    ),
)
