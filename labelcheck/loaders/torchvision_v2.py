"""``torchvision-v2``: the torchvision detection references with ``--use-v2``, train split.

Sources: fork copies of ``references/detection/coco_utils.py`` and
``presets.py`` in the current upstream shape (upstream HEAD itself n/v);
torchvision 0.29.1 ``tv_tensors/_dataset_wrapper.py`` L340-414 and
``transforms/v2/functional/_misc.py`` L416-444.

- Column: the raw ``category_id`` (wrapper L409); 91 columns, column 0 the
  background, as on the default path.
- Reads ``bbox`` and ``category_id``, and the image ``width`` and ``height``
  (aspect-ratio grouping). ``area`` and ``iscrowd`` are not read.
- Boxes go xywh -> xyxy unclamped (L389-396), then ``SanitizeBoundingBoxes``
  (min_size=1, min_area=1) removes those with ``w < 1``, ``h < 1``,
  ``w*h < 1``, a coordinate below 0, or ``x > W``, ``y > H``. The same
  empty-image filter as the default path applies to the train split.

Assumptions: crowd annotations are not filtered and become positive targets
(inference); under the default ``hflip`` policy nothing clamps before the
sanitizer, so a box that overhangs the image is dropped, not clamped
(inference); label 0 is learnt as background and a negative label never
sampled (inference); the masks of mask models are not checked here (n/v).
"""

from ..core.contract import Mapping
from . import conditions
from .base import Background, Condition, LoaderProfile
from .torchvision import EMPTY_IMAGES, NEGATIVE, PAST_HEAD

TORCHVISION_V2 = LoaderProfile(
    name="torchvision-v2",
    framework="torchvision (--use-v2)",
    title="torchvision detection references with --use-v2 (transforms v2), train split",
    source="references/detection coco_utils.py, presets.py (fork copies); torchvision 0.29.1",
    mapping=Mapping.RAW,
    columns=91,
    background=Background.FIRST,
    annotation_fields=("id", "image_id", "category_id", "bbox"),
    image_fields=("id", "file_name", "width", "height"),
    drops=(
        Condition("sanitized", "boxes SanitizeBoundingBoxes removes",
                  "SanitizeBoundingBoxes removes it: w < 1, h < 1, w*h < 1, or a corner below 0 or past the image, "
                  "with no clamping before it (transforms/v2/functional/_misc.py L416-444)",
                  conditions.sanitized_away),
    ),
    image_drops=EMPTY_IMAGES,
    past_head=PAST_HEAD,
    negative=NEGATIVE,
    assumptions=(
        "Crowd annotations are not filtered and become positive targets (inference).",
        "Under the default hflip policy nothing clamps before SanitizeBoundingBoxes: a box that overhangs the "
        "image is dropped, not clamped (inference).",
        "Label 0 is learnt as background and a negative label is never sampled (inference).",
        "Upstream HEAD was not read, fork copies in its shape were (n/v); mask models' masks are not checked (n/v).",
    ),
)
