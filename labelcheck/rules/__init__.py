"""The rule registry: one explicit table, in the order rules are documented.

Each rule lives in its own module whose docstring is its user documentation.
Rule names are stable: configuration, baselines and CI integrations key on them.

May import: ``core``, ``loaders``, ``images`` (the image rules read the per-image results).
"""

from __future__ import annotations

from .base import MaskRule, Rule
from .bbox_outside_image import BboxOutsideImage
from .category_count_mismatch import CategoryCountMismatch
from .category_out_of_range import CategoryOutOfRange
from .category_table_mismatch import CategoryTableMismatch
from .class_missing_in_split import ClassMissingInSplit
from .class_name_mismatch import ClassNameMismatch
from .context import BatchView, FileContext
from .crashes_loader import CrashesLoader
from .dropped_by_loader import DroppedByLoader
from .duplicate_box import DuplicateBox
from .duplicate_category import DuplicateCategory
from .duplicate_id import DuplicateId
from .empty_image import EmptyImage
from .extreme_aspect_ratio import ExtremeAspectRatio
from .few_annotations import FewAnnotations
from .image_duplicate import ImageDuplicate
from .image_exif_rotated import ImageExifRotated
from .image_missing import ImageMissing
from .image_size_mismatch import ImageSizeMismatch
from .image_unreadable import ImageUnreadable
from .invalid_bbox import InvalidBbox
from .invalid_category_id import InvalidCategoryId
from .invalid_id import InvalidId
from .missing_field import MissingField
from .missing_image import MissingImage
from .relabelled_by_loader import RelabelledByLoader
from .split_leakage import SplitLeakage
from .tiny_box import TinyBox
from .undefined_category import UndefinedCategory
from .unused_category import UnusedCategory

RULES: dict[str, type[Rule]] = {
    rule.ID: rule
    for rule in (
        CategoryOutOfRange,
        InvalidCategoryId,
        UndefinedCategory,
        ClassNameMismatch,
        DuplicateCategory,
        CategoryCountMismatch,
        UnusedCategory,
        MissingImage,
        DuplicateId,
        InvalidId,
        InvalidBbox,
        BboxOutsideImage,
        MissingField,
        EmptyImage,
        CategoryTableMismatch,
        CrashesLoader,
        RelabelledByLoader,
        DroppedByLoader,
        ImageMissing,
        ImageUnreadable,
        ImageSizeMismatch,
        ImageExifRotated,
        ImageDuplicate,
        SplitLeakage,
        FewAnnotations,
        ClassMissingInSplit,
        TinyBox,
        ExtremeAspectRatio,
        DuplicateBox,
    )
}

# Rules whose findings are about an annotation's category: the table report
# groups them by the offending category id.
CATEGORY_RULES = frozenset({CategoryOutOfRange.ID, InvalidCategoryId.ID, UndefinedCategory.ID})

# Rules whose findings have several reasons: the table report groups them by reason.
REASON_RULES = frozenset({CrashesLoader.ID, RelabelledByLoader.ID, DroppedByLoader.ID})

# Rules that say what one loader does with the file: what `labelcheck loaders` counts per profile.
LOADER_RULES = (MissingField, CrashesLoader, CategoryOutOfRange, RelabelledByLoader, DroppedByLoader, ClassNameMismatch)

# Rules about the dataset's statistics rather than its validity: they fire on
# small samples by nature (every class of a 40-image sample has few annotations).
STATISTICS_RULES = frozenset(
    {FewAnnotations.ID, ClassMissingInSplit.ID, TinyBox.ID, ExtremeAspectRatio.ID, DuplicateBox.ID}
)

__all__ = ["CATEGORY_RULES", "LOADER_RULES", "REASON_RULES", "RULES", "STATISTICS_RULES", "BatchView",
           "FileContext", "MaskRule", "Rule"]
