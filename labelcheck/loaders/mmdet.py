"""``mmdet``: MMDetection 3.x ``CocoDataset`` with the default COCO config.

Source: the ``mmdet-3.3.0`` wheel (with ``.mim/configs``) and ``mmengine-0.10.7``.

- Column: the rank of the category in the file's ``categories`` order among
  those whose name is in ``metainfo['classes']`` (``mmdet/datasets/coco.py``
  L70-72: ``get_cat_ids(cat_names=classes)``, which is pycocotools'
  ``getCatIds`` and keeps file order, then ``{cat_id: i}``). Not sorted, and
  not the class list's order: a file whose categories are written in another
  order trains them under other classes' names. 80 columns
  (``configs/_base_/models/faster-rcnn_r50_fpn.py`` L53,
  ``retinanet_r50_fpn.py`` L29); background is column ``num_classes``
  (``bbox_head.py`` L195-199, ``anchor_head.py`` L266).
- Reads images' ``file_name`` (L117), ``height``, ``width`` (L127-128) and
  annotations' ``bbox`` (L141), ``area`` (L146), ``category_id`` (L148);
  ``iscrowd``, ``ignore`` and ``segmentation`` are optional.
- Drops (``parse_data_info`` L102-164, in this order) annotations with
  ``ignore`` set (L139), with no intersection with the JSON-sized image
  (L142-144), with ``area <= 0``, ``w < 1`` or ``h < 1`` (L146), whose
  category is not listed (L148; category-out-of-range reports these); crowd
  annotations become ignored instances, not targets (L152-155). Then
  ``filter_data`` (L166-201, ``filter_empty_gt=True, min_size=32``) drops
  images with no raw annotation of a listed class and images whose smaller
  side is under 32 px.
- Raises ``AssertionError: Annotation ids in '...' are not unique!``
  (L93-96).

Assumptions: images whose annotations were all dropped survive
``filter_empty_gt`` with zero instances (inference); a label >= num_classes
is silently background on GPU (mmcv's focal-loss kernel) and an
``F.one_hot`` error on CPU (inference); ``classes`` written as a plain
string (``('balloon')`` without the comma) would match names by substring
(inference), not modelled; without ``--classes`` every category is listed.
"""

from ..core.contract import Mapping
from . import conditions
from .base import Background, Condition, Duplicates, ImageDrop, LoaderProfile

MMDET = LoaderProfile(
    name="mmdet",
    framework="MMDetection",
    title="MMDetection 3.x CocoDataset, default COCO config",
    source="mmdet 3.3.0 wheel mmdet/datasets/coco.py; mmengine 0.10.7",
    mapping=Mapping.FILE_ORDER,
    columns=80,
    background=Background.LAST,
    annotation_fields=("id", "image_id", "category_id", "bbox", "area"),
    image_fields=("id", "file_name", "height", "width"),
    drops=(
        Condition("ignore", "ignore set", "ann.get('ignore', False) is set (coco.py L139)", conditions.ignored),
        Condition("outside-image", "boxes outside the image",
                  "its box does not intersect the image's JSON width and height (coco.py L142-144)",
                  conditions.outside_image),
        Condition("small-box", "area <= 0, w < 1 or h < 1", "area <= 0, w < 1 or h < 1 (coco.py L146)",
                  conditions.small_box_or_area),
        Condition("crowd", "crowd (an ignored region)",
                  "iscrowd is set: it becomes an ignored instance, not a target (coco.py L152-155, PackDetInputs)",
                  conditions.crowd),
    ),
    image_drops=(
        ImageDrop("no-listed-class", "images without a listed class",
                  "none of its annotations has a category in the class list: filter_empty_gt (coco.py L166-201)",
                  kept_by=conditions.any_annotation, listed_only=True),
        ImageDrop("small-image", "images under 32 px", "its smaller side is under 32 px: filter_cfg min_size=32 "
                  "(coco.py L198; configs/_base_/datasets/coco_detection.py L48)", min_side=32),
    ),
    past_head="it is silently trained as background on GPU (mmcv's sigmoid focal-loss kernel) and F.one_hot "
              "fails on CPU (models/losses/focal_loss.py L238-241)",
    duplicate_ids=Duplicates.ASSERTS,
    duplicate_ids_says="AssertionError: Annotation ids in '{file}' are not unique! (coco.py L93-96)",
    assumptions=(
        "Images whose annotations were all dropped survive filter_empty_gt with zero instances (inference).",
        "A label >= num_classes is silently background on GPU and an F.one_hot error on CPU (inference).",
        "classes written as a plain string would match names by substring (inference): not modelled.",
        "Without --classes every category of the file is listed.",
    ),
)
