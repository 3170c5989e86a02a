"""The model contract: how many columns the head has and how ids reach them.

A contract is data: the head's size, the mapping from category id to column,
the class names, and the name of the loader profile (``labelcheck.loaders``)
it describes, if any. Building one from options (presets, loaders) is
``labelcheck.loaders.resolve_contract``.
"""

from __future__ import annotations

import enum
import re
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .dataset import Category, usable_category_id
from .errors import ContractError, ContractWarning, option
from .sidefiles import read_bounded
from .text import plural


class Mapping(str, enum.Enum):
    """How a category id becomes a column index of the classification head."""

    RAW = "raw"  # column = category_id (MLPerf RetinaNet, torchvision, HF DETR)
    SORTED = "sorted"  # rank of the id among the sorted declared ids (detectron2, YOLOX)
    FILE_ORDER = "file-order"  # rank in the file's categories order among the listed class names (MMDetection 3.x)
    FILE_POSITION = "file-position"  # 1 + position in the categories array; an undeclared id is 0 (NVIDIA DALI)
    COCO91TO80 = "coco91to80"  # Ultralytics convert_coco's coco91_to_coco80_class()[id - 1]
    CLASS_LIST = "class-list"  # position of the category's name in the class list

    @classmethod
    def _missing_(cls, value: object) -> "Mapping":
        if value == "names":
            raise ContractError(
                f"{option('mapping', 'names')} was renamed: 'class-list' is what it did (the position of the name "
                f"in {option('classes')}); MMDetection numbers categories by file order instead: use "
                f"{option('loader', 'mmdet')} or {option('mapping', 'file-order')}"
            )
        raise ContractError(f"{option('mapping')} {value!r} is not one of {', '.join(m.value for m in cls)}")


# Mappings that need the class names to give any column.
NEEDS_NAMES = frozenset({Mapping.CLASS_LIST})
# Mappings whose column comes from the id alone (an undeclared id has one too).
BY_ID = frozenset({Mapping.RAW, Mapping.COCO91TO80})

# Ultralytics ``coco91_to_coco80_class()`` (converter.py L39 ff.): entry id-1 is
# the COCO-80 class of COCO id ``id``; None for the ids COCO-80 left out.
_COCO80_GAPS = frozenset({12, 26, 29, 30, 45, 66, 68, 69, 71, 83, 91})
COCO91_TO_80: tuple[int | None, ...] = tuple(
    None if number in _COCO80_GAPS else sum(1 for k in range(1, number) if k not in _COCO80_GAPS)
    for number in range(1, 92)
)


# Detection heads have hundreds or thousands of columns (LVIS 1,203, V3Det 13,204);
# a rule that looks at every column (unused-category) goes through them all.
MAX_NUM_CLASSES = 1_000_000


@dataclass(frozen=True)
class Contract:
    num_classes: int
    mapping: Mapping = Mapping.RAW
    class_names: tuple[str, ...] | None = None
    preset: str | None = None
    loader: str | None = None  # the name of a profile in labelcheck.loaders.LOADERS
    classes_file: str | None = field(default=None, compare=False)  # where class_names were read from

    def __post_init__(self) -> None:
        require_head_size(self.num_classes)
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise ContractError(
                f"the class list has {plural(len(self.class_names), 'name')} but {option('num_classes')} is "
                f"{self.num_classes}; make them agree or drop {option('num_classes')}"
            )
        if self.mapping in NEEDS_NAMES and self.class_names is None:
            raise names_need_classes(self.mapping)

    def to_dict(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "loader": self.loader,
            "num_classes": self.num_classes,
            "mapping": self.mapping.value,
            "class_names": list(self.class_names) if self.class_names is not None else None,
        }

    def describe(self) -> str:
        """'mlperf-retinanet: 264 classes, raw mapping, with class names'."""
        named = self.preset or (f"--loader {self.loader}" if self.loader else None)
        names = "with class names" if self.class_names else "no class names"
        return f"{named + ': ' if named else ''}{plural(self.num_classes, 'class')}, {self.mapping.value} mapping, {names}"


def declared_columns(contract: Contract, categories: Sequence[Category]) -> dict[int, int | None]:
    """The column of each declared category id under the contract's mapping (None: no column).

    The last declaration of a repeated id wins, as in pycocotools' index,
    except where the loader reads the array itself (DALI keeps the first).
    """
    mapping = contract.mapping
    declared = {number: category for category in categories if (number := usable_category_id(category)) is not None}
    if mapping == Mapping.RAW:
        return {number: number for number in declared}
    if mapping == Mapping.COCO91TO80:
        return {number: coco91_to_80(number) for number in declared}
    if mapping == Mapping.SORTED:
        return {number: rank for rank, number in enumerate(sorted(declared))}
    if mapping == Mapping.FILE_POSITION:
        first: dict[int, int] = {}
        for position, category in enumerate(categories):  # std::map emplace: the first keeps its number
            number = usable_category_id(category)
            if number is not None:
                first.setdefault(number, position + 1)
        return dict(first)
    names = contract.class_names
    if mapping == Mapping.FILE_ORDER:
        # mmdet coco.py L70-72: getCatIds(cat_names=classes) in file order, then {id: rank}.
        listed = [number for category in categories if (number := usable_category_id(category)) is not None
                  and (names is None or _is_name_in(category.name, names))]
        return {**dict.fromkeys(declared), **{number: rank for rank, number in enumerate(listed)}}
    positions = {name: index for index, name in enumerate(names or ())}
    return {number: positions.get(category.name) if isinstance(category.name, str) else None
            for number, category in declared.items()}


def _is_name_in(name: Any, names: tuple[str, ...]) -> bool:
    try:
        return name in names
    except TypeError:  # an unhashable name from the file
        return False


def coco91_to_80(number: int) -> int | None:
    """``coco91_to_coco80_class()[number - 1]`` with Python's indexing; None where it
    is None (TypeError when written) or out of range (IndexError)."""
    index = number - 1
    return COCO91_TO_80[index] if -len(COCO91_TO_80) <= index < len(COCO91_TO_80) else None


_COCO80_COLUMN = np.array([-1 if column is None else column for column in COCO91_TO_80], dtype=np.int64)


def columns_by_id(mapping: Mapping, ids: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(has a column, column) of each id under a mapping that needs no declaration (``BY_ID``)."""
    if mapping == Mapping.RAW:
        return usable, ids
    index = ids - 1
    inside = usable & (index >= -len(COCO91_TO_80)) & (index < len(COCO91_TO_80))
    column = np.where(inside, _COCO80_COLUMN[np.where(inside, index, 0)], -1)
    return inside & (column >= 0), column


def _class_list(name: str) -> tuple[str, ...]:
    text = resources.files(__package__).joinpath(f"data/{name}").read_text("utf-8")
    return tuple(text.splitlines())


def mlperf_class_names() -> tuple[str, ...]:
    """The 264 OpenImages-MLPerf classes; line N is column N-1."""
    return _class_list("mlperf_264_classes.txt")


def coco80_class_names() -> tuple[str, ...]:
    """COCO's 80 classes in id order (column = sorted rank of the COCO id)."""
    return _class_list("coco_80_classes.txt")


def coco91_class_names() -> tuple[str, ...]:
    """torchvision's ``_COCO_CATEGORIES``: column = COCO id, 0 '__background__', 'N/A' for the 10 unused ids."""
    return _class_list("coco_91_classes.txt")


def require_head_size(num_classes: object) -> None:
    if type(num_classes) is not int or not 1 <= num_classes <= MAX_NUM_CLASSES:
        raise ContractError(
            f"{option('num_classes')} must be 1 to {MAX_NUM_CLASSES:,} (more than any classification head), "
            f"got {num_classes!r}"
        )


def names_need_classes(mapping: Mapping) -> ContractError:
    return ContractError(
        f"{option('mapping', mapping.value)} needs the class names: give {option('classes', 'FILE')} or a "
        f"{option('preset')}"
    )


def read_class_file(path: str | Path) -> tuple[str, ...]:
    """One class name per line; line N is index N-1. Blank trailing lines are ignored."""
    try:
        text = read_bounded(path).decode("utf-8-sig")
    except FileNotFoundError:
        raise ContractError(f"{path}: class list not found; check {option('classes')}") from None
    except UnicodeDecodeError as exc:
        raise ContractError(f"{path}: byte {exc.start}: class list is not UTF-8; re-encode it") from None
    except OSError as exc:
        raise ContractError(f"{path}: cannot read class list: {exc.strerror}") from None
    names = text.rstrip("\r\n").splitlines() if text.strip() else []
    names = [name.rstrip("\r") for name in names]
    if not names:
        raise ContractError(f"{path}: class list is empty; put one class name per line")
    for number, name in enumerate(names, start=1):
        if not name.strip():
            raise ContractError(f"{path}: line {number}: empty class name; every line names the class at index line-1")
    if len(names) == 1 and re.search(r"[,;\t]|^\s*\[", names[0]):
        shown = names[0] if len(names[0]) <= 40 else names[0][:37] + "..."
        warnings.warn(ContractWarning(
            f"{path}: the class list is one line ({shown!r}), so the model has 1 class; put one class name per line"
        ), stacklevel=2)
    return tuple(names)
