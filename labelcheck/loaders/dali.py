"""``dali``: NVIDIA DALI ``fn.readers.coco`` with its defaults.

Sources: ``dali/operators/reader/loader/coco_loader.cc`` @ ``05316ca8``,
``coco_reader_op.cc`` @ ``0713b2dd`` (the defaults: ``include_iscrowd=True``,
``skip_empty=False``, ``size_threshold=0.1``, ``avoid_class_remapping=False``),
``dali/pipeline/util/lookahead_parser.h`` @ ``111b24c7``. Cited by function.

- Column: 1 + the category's position in the ``categories`` array, in file
  order, not sorted (``detail::ParseCategories``: ``category_ids.emplace(id,
  new_id); new_id++``); 0 is the background. DALI is a reader, not a model:
  there is no default head, give ``--num-classes`` (the background included)
  and, with ``--classes``, let line 1 name the background.
- Keeps crowd annotations and empty images; drops boxes whose raw ``w`` or
  ``h`` is under 0.1 (``Annotation::IsOver``, before ``ToLtrb``), so negative
  sizes go too; nothing is clamped; orphan annotations are never joined.
- Raises ``Invalid COCO annotation: `bbox` must contain exactly 4 values``,
  ``Missing category ID in the JSON annotations file``, and ``Error parsing
  JSON file.`` for an image ``id`` that is not an int32.

Assumptions: an undeclared ``category_id`` silently becomes 0, the background
(inference from ``std::map::operator[]``); an ``image_id`` or ``category_id``
that is not an int32 puts the parser in its error state and the rest of the
annotations are skipped silently (inference); a missing ``image_id``,
``category_id`` or ``bbox`` leaves an indeterminate value (inference);
image sizes written as floats (``640.0``) fail the parse too, which
labelcheck cannot see; a repeated category id keeps its first number and
uses up one more (inference).
"""

from ..core.contract import Mapping
from . import conditions
from .base import Background, Condition, Duplicates, ImageCrash, LoaderProfile

DALI = LoaderProfile(
    name="dali",
    framework="DALI",
    title="NVIDIA DALI fn.readers.coco, default arguments",
    source="NVIDIA/DALI coco_loader.cc @ 05316ca8, coco_reader_op.cc @ 0713b2dd",
    mapping=Mapping.FILE_POSITION,
    columns=None,
    background=Background.FIRST,
    annotation_fields=("image_id", "category_id", "bbox"),
    image_fields=("id", "file_name"),
    drops=(
        Condition("parse-stops", "the rest of the file after a non-int32 id",
                  "its image_id or category_id is not an int32, so LookaheadParser::GetInt fails and ParseAnnotations "
                  "skips this and every later annotation without an error (inference)", conditions.dali_parse_stops),
        Condition("too-small", "w or h under 0.1",
                  "its raw w or h is under size_threshold 0.1 (Annotation::IsOver)", conditions.dali_too_small),
    ),
    crashes=(
        Condition("bbox-not-four", "bbox not 4 values",
                  "Invalid COCO annotation: `bbox` must contain exactly 4 values (ParseAnnotations)",
                  conditions.dali_bbox_not_four),
    ),
    image_crashes=(
        ImageCrash("image-id-not-int32", "image id not int32",
                   "Error parsing JSON file. (ParseImageInfo: its id is not an int32)", conditions.image_id_not_int32),
    ),
    past_head="the model's loss fails on it (DALI reads; the head is the model's)",
    duplicate_ids=Duplicates.UNAFFECTED,
    category_crash="Missing category ID in the JSON annotations file (ParseCategories)",
    assumptions=(
        "An undeclared category_id silently becomes 0, the background (inference: std::map::operator[]).",
        "A non-int32 image_id or category_id stops the annotation parse silently (inference).",
        "A missing image_id, category_id or bbox leaves an indeterminate value (inference).",
        "Image sizes written as floats (640.0) fail the parse too; labelcheck cannot see how a size was written.",
    ),
)
