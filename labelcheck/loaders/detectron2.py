"""``detectron2``: detectron2's ``load_coco_json`` + ``DatasetMapper`` with the default config.

Source: facebookresearch/detectron2 @ ``02b5c4e2``.

- Column: the rank of the id among the sorted declared ids
  (``data/datasets/coco.py`` L81 ``sorted(coco_api.getCatIds())``, L102
  ``id_map``), with names in id order (L84); 80 columns
  (``config/defaults.py`` L255, L435). R-CNN adds the background as column
  80 (``fast_rcnn.py`` L236, ``roi_heads.py`` L204-210); RetinaNet treats
  label 80 as background (``meta_arch/retinanet.py`` L180-188).
- Reads images' ``id``, ``file_name``, ``height``, ``width`` (L160-163) and
  annotations' ``id`` (L144), ``image_id``, ``category_id`` (L212), ``bbox``;
  ``iscrowd`` and ``segmentation`` are optional, ``area`` never read.
- Drops an instance whose segmentation is a non-empty list with no polygon
  of even length >= 6, even for box-only training (L185-197, with a logged
  count); crowd annotations (``dataset_mapper.py`` L124-130); boxes 1e-5 px or
  less wide or high after clipping (``filter_empty_instances``,
  ``detection_utils.py`` L489-522); images with no non-crowd annotation
  (``FILTER_EMPTY_ANNOTATIONS=True``, ``data/build.py`` L46-74, L277-278).
- Raises ``AssertionError`` for ``ignore`` != 0 (L176) and for repeated
  annotation ids (L140-147), ``KeyError`` for an undeclared category
  (L211-219).

Assumptions: a label equal to NUM_CLASSES (the last category when the file
declares NUM_CLASSES + 1) is silently learnt as background by both heads
(inference); clipping happens after the augmentation, and labelcheck tests
the 1e-5 threshold at the JSON size (inference); the duplicate-id assertion
is skipped when "minival" is in the path; orphan annotations are dropped with
a warning (L131-138), reported by missing-image; ``SizeMismatchError`` needs
the image files and is not checked here.
"""

from ..core.contract import Mapping
from . import conditions
from .base import Background, Condition, Duplicates, ImageDrop, LoaderProfile

DETECTRON2 = LoaderProfile(
    name="detectron2",
    framework="detectron2",
    title="detectron2 load_coco_json + DatasetMapper, default config",
    source="facebookresearch/detectron2 @ 02b5c4e2",
    mapping=Mapping.SORTED,
    columns=80,
    background=Background.LAST,
    annotation_fields=("id", "image_id", "category_id", "bbox"),
    image_fields=("id", "file_name", "height", "width"),
    drops=(
        Condition("no-valid-polygon", "no valid polygon",
                  "its segmentation has no polygon of even length >= 6, so load_coco_json drops the instance, "
                  "even for box-only training (data/datasets/coco.py L185-197)", conditions.no_valid_polygon),
        Condition("crowd", "crowd", "iscrowd is set: DatasetMapper keeps obj.get('iscrowd', 0) == 0 only "
                  "(data/dataset_mapper.py L124-130)", conditions.crowd),
        Condition("empty-after-clip", "boxes empty after clipping",
                  "its box is 1e-5 px or less wide or high once clipped to the image: filter_empty_instances "
                  "(data/detection_utils.py L489-522)", conditions.tiny_after_clip),
    ),
    crashes=(
        Condition("ignore", "ignore set",
                  "AssertionError: \"ignore\" in COCO json file is not supported. (data/datasets/coco.py L176)",
                  conditions.ignored),
        Condition("undeclared-category", "undeclared categories",
                  "KeyError: \"Encountered category_id={category_id} but this id does not exist in 'categories' of "
                  "the json file.\" (data/datasets/coco.py L211-219)", conditions.undeclared),
        Condition("flat-polygon", "flat polygon lists",
                  "TypeError: object of type 'int' (or 'float') has no len(): the segmentation is a flat list of "
                  "numbers, not a list of polygons (data/datasets/coco.py L185-197)", conditions.polygon_type_error),
    ),
    image_drops=(
        ImageDrop("no-usable-annotation", "images without a usable annotation",
                  "it has no non-crowd annotation that survived loading: filter_images_with_only_crowd_annotations "
                  "under DATALOADER.FILTER_EMPTY_ANNOTATIONS (data/build.py L46-74)",
                  kept_by=conditions.usable_for_detectron2),
    ),
    past_head="F.one_hot (RetinaNet) or the cross-entropy (R-CNN) fails on it",
    duplicate_ids=Duplicates.ASSERTS,
    duplicate_ids_says="AssertionError: Annotation ids in '{file}' are not unique! (data/datasets/coco.py L140-147)",
    assumptions=(
        "A label equal to NUM_CLASSES is silently learnt as background by both heads (inference).",
        "Boxes are clipped after the augmentation; labelcheck tests the 1e-5 threshold at the JSON size (inference).",
        "The duplicate-id assertion is skipped when 'minival' is in the file's path.",
        "Orphan annotations are dropped with a warning (L131-138): missing-image reports them.",
        "SizeMismatchError needs the image files: not checked.",
    ),
)
