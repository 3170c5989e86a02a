"""``ultralytics-convert``: Ultralytics ``convert_coco`` (COCO JSON to YOLO txt), ``cls91to80=True``.

Source: the ``ultralytics-8.4.190`` wheel, ``ultralytics/data/converter.py``.

- Column: ``coco91_to_coco80_class()[category_id - 1]`` (L323, the default
  ``cls91to80=True`` L250): COCO's 91 ids to the 80 classes; 80 columns.
- Reads images' ``id``, ``file_name``, ``height``, ``width`` (L291,
  L306-307) and annotations' ``image_id``, ``bbox``, ``category_id``
  (``iscrowd`` optional, ``area`` not read).
- Drops crowd annotations (``ann.get("iscrowd", False)``, L313) and boxes
  with ``w <= 0`` or ``h <= 0`` (L316-321); nothing is clamped.
- Raises ``TypeError: must be real number, not NoneType`` when it writes a
  COCO id that has no COCO-80 class (0, 12, 26, 29, 30, 45, 66, 68, 69, 71,
  83, 91), ``IndexError`` past id 91, ``KeyError`` for an annotation whose
  image is not in images (L305), ``ValueError`` for an image id that is not an
  integer (L291).

Assumptions: exact duplicate rows (the same class and box twice) are removed
(L369) and not reported here; images without annotations get no ``.txt`` and
train as background images, so they are kept; a label past the head makes
Ultralytics' training drop the whole image as corrupt.
"""

from ..core.contract import Mapping
from . import conditions
from .base import Background, Condition, Duplicates, ImageCrash, LoaderProfile

ULTRALYTICS_CONVERT = LoaderProfile(
    name="ultralytics-convert",
    framework="Ultralytics convert_coco",
    title="Ultralytics convert_coco(cls91to80=True): COCO JSON to YOLO txt",
    source="ultralytics 8.4.190 ultralytics/data/converter.py",
    mapping=Mapping.COCO91TO80,
    columns=80,
    background=Background.NONE,
    annotation_fields=("image_id", "category_id", "bbox"),
    image_fields=("id", "file_name", "height", "width"),
    drops=(
        Condition("crowd", "crowd", "ann.get('iscrowd', False) is set (converter.py L313)", conditions.crowd),
        Condition("not-positive-size", "w or h <= 0", "w <= 0 or h <= 0 (converter.py L316-321)",
                  conditions.not_positive_size),
    ),
    crashes=(
        Condition("orphan", "annotations of unknown images",
                  "KeyError: '{image_id}': its image is not in images (converter.py L305)", conditions.orphan),
        Condition("not-coco80", "COCO ids without a COCO-80 class",
                  "TypeError: must be real number, not NoneType: coco91_to_coco80_class()[{category_id} - 1] is None "
                  "(converter.py L323, written at L369)", conditions.not_coco80),
        Condition("past-coco91", "ids past 91",
                  "IndexError: list index out of range: coco91_to_coco80_class() has 91 entries (converter.py L323)",
                  conditions.past_coco91),
    ),
    image_crashes=(
        ImageCrash("image-id-not-int", "non-integer image ids",
                   "ValueError: Unknown format code 'd' (f\"{x['id']:d}\", converter.py L291)",
                   conditions.image_id_not_int),
    ),
    past_head="Ultralytics' training drops the whole image as corrupt: 'Label class N exceeds dataset class count' "
              "(data/utils.py L487-490)",
    duplicate_ids=Duplicates.UNAFFECTED,
    reaches_orphans=True,
    assumptions=(
        "Exact duplicate rows are removed (L369): not reported.",
        "Images without annotations get no .txt and train as background images: kept.",
    ),
)
