"""``hf-detr``: Hugging Face transformers' DETR image processor (``prepare_coco_detection_annotation``).

Source: the ``transformers-5.25.0`` wheel,
``models/detr/image_processing_detr.py`` L264-325 (RT-DETR's copy:
``models/rt_detr/image_processing_rt_detr.py`` L71 ff.).

- Column: the raw ``category_id`` (L286, ``class_labels``). No default head:
  it is ``num_labels`` = ``len(id2label)`` (DETR COCO checkpoints: 91, plus
  the no-object logit at index ``num_labels``, ``modeling_detr.py`` L1317).
- Reads ``bbox``, ``category_id`` and ``area`` (L286-288) of the
  annotations it keeps, and the per-image ``image_id``.
- Drops ``iscrowd`` annotations (a missing ``iscrowd`` counts as 0, L285) and
  boxes with ``x2 <= x1`` or ``y2 <= y1`` after the xyxy conversion and
  clipping to the image (L297-301).
- A label > ``num_labels`` fails the Hungarian matcher's
  ``out_prob[:, target_ids]`` (``loss_for_object_detection.py`` L345-355).

Assumptions: a label equal to ``num_labels`` is silently trained as
"no-object" (inference, L134-140); RT-DETR has no no-object column, so there
a label >= ``num_labels`` fails (``loss_rt_detr.py`` L100-116); boxes are
clipped to the actual image, and labelcheck uses the JSON size; the example
script's Albumentations ``min_area=25`` on train is not checked (n/v); the
matcher's error text is not verified (n/v).
"""

from ..core.contract import Mapping
from . import conditions
from .base import Background, Condition, Duplicates, LoaderProfile

HF_DETR = LoaderProfile(
    name="hf-detr",
    framework="transformers DETR",
    title="Hugging Face transformers DETR image processor (prepare_coco_detection_annotation)",
    source="transformers 5.25.0 models/detr/image_processing_detr.py",
    mapping=Mapping.RAW,
    columns=None,
    background=Background.LAST,
    annotation_fields=("image_id", "category_id", "bbox", "area"),
    image_fields=("id",),
    drops=(
        Condition("crowd", "crowd", "iscrowd is set: only a missing iscrowd or iscrowd == 0 is kept "
                  "(image_processing_detr.py L285)", conditions.crowd),
        Condition("empty-after-clamp", "boxes empty after clipping",
                  "x2 <= x1 or y2 <= y1 once converted to xyxy and clipped to the image "
                  "(image_processing_detr.py L297-301)", conditions.empty_after_clamp),
    ),
    past_head="the Hungarian matcher's out_prob[:, target_ids] fails with an index error "
              "(loss/loss_for_object_detection.py L345-355)",
    duplicate_ids=Duplicates.UNAFFECTED,
    assumptions=(
        "A label equal to num_labels is silently trained as no-object (inference).",
        "RT-DETR has no no-object column: a label >= num_labels fails there (loss_rt_detr.py L100-116).",
        "Boxes are clipped to the actual image; labelcheck uses the JSON size.",
        "The example script's Albumentations min_area=25 on train is not checked (n/v).",
    ),
)
