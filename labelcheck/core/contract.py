"""The model contract: how many columns the head has and how ids reach them."""

from __future__ import annotations

import enum
import re
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ContractError, ContractWarning, option
from .text import plural


class Mapping(str, enum.Enum):
    """How a category id becomes a column index of the classification head."""

    RAW = "raw"  # index = category_id (MLPerf RetinaNet, torchvision)
    SORTED = "sorted"  # index = rank among declared ids (detectron2, Datumaro)
    NAMES = "names"  # index = position of the name in the class list (MMDetection)


@dataclass(frozen=True)
class Contract:
    num_classes: int
    mapping: Mapping = Mapping.RAW
    class_names: tuple[str, ...] | None = None
    preset: str | None = None
    classes_file: str | None = field(default=None, compare=False)  # where class_names were read from

    def __post_init__(self) -> None:
        _require_head_size(self.num_classes)
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise ContractError(
                f"the class list has {plural(len(self.class_names), 'name')} but {option('num_classes')} is "
                f"{self.num_classes}; make them agree or drop {option('num_classes')}"
            )
        if self.mapping == Mapping.NAMES and self.class_names is None:
            raise _names_need_classes()

    def to_dict(self) -> dict[str, Any]:
        return {
            "preset": self.preset,
            "num_classes": self.num_classes,
            "mapping": self.mapping.value,
            "class_names": list(self.class_names) if self.class_names is not None else None,
        }


def mlperf_class_names() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("data/mlperf_264_classes.txt").read_text("utf-8")
    return tuple(text.splitlines())


def _require_head_size(num_classes: object) -> None:
    if type(num_classes) is not int or num_classes < 1:
        raise ContractError(f"{option('num_classes')} must be a whole number >= 1, got {num_classes!r}")


def _names_need_classes() -> ContractError:
    return ContractError(
        f"{option('mapping', 'names')} needs the class names: give {option('classes', 'FILE')} or a {option('preset')}"
    )


PRESETS = {
    "mlperf-retinanet": lambda: Contract(264, Mapping.RAW, mlperf_class_names(), preset="mlperf-retinanet"),
}
DEFAULT_PRESET = "mlperf-retinanet"


def read_class_file(path: str | Path) -> tuple[str, ...]:
    """One class name per line; line N is index N-1. Blank trailing lines are ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
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


def resolve_contract(
    preset: str | None = None,
    num_classes: int | None = None,
    mapping: str | Mapping | None = None,
    classes: str | Path | tuple[str, ...] | list[str] | None = None,
) -> Contract:
    """Build the contract from options, as the CLI and config describe it.

    No option: the default preset. A preset plus options: the options must agree
    with the preset. Options without a preset: exactly what was given.
    """
    class_names = _class_names(classes)
    mapping = _mapping(mapping)
    if num_classes is not None:
        _require_head_size(num_classes)
    explicit = num_classes is not None or mapping is not None or class_names is not None
    if preset is None and not explicit:
        preset = DEFAULT_PRESET
    if preset is not None:
        if preset not in PRESETS:
            raise ContractError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
        base = PRESETS[preset]()
        _require_agreement(base, num_classes, mapping, class_names)
        return base
    if mapping == Mapping.NAMES and class_names is None:
        raise _names_need_classes()
    if num_classes is None:
        if class_names is None:
            raise ContractError(
                f"give {option('num_classes', 'N')} or {option('classes', 'FILE')} so the head's size is known"
            )
        num_classes = len(class_names)
    classes_file = str(classes) if isinstance(classes, (str, Path)) else None
    return Contract(num_classes, mapping or Mapping.RAW, class_names, classes_file=classes_file)


def _class_names(classes: str | Path | tuple[str, ...] | list[str] | None) -> tuple[str, ...] | None:
    if classes is None:
        return None
    if isinstance(classes, (str, Path)):
        return read_class_file(classes)
    names = tuple(classes)
    wrong = [name for name in names if not isinstance(name, str)]
    if wrong:
        raise ContractError(f"{option('classes')}: class names are strings; got {wrong[0]!r}")
    return names


def _mapping(mapping: str | Mapping | None) -> Mapping | None:
    if mapping is None:
        return None
    try:
        return Mapping(mapping)
    except ValueError:
        choices = ", ".join(m.value for m in Mapping)
        raise ContractError(f"{option('mapping')} {mapping!r} is not one of {choices}") from None


def _require_agreement(
    base: Contract, num_classes: int | None, mapping: Mapping | None, class_names: tuple[str, ...] | None
) -> None:
    conflicts = []
    if num_classes is not None and num_classes != base.num_classes:
        conflicts.append(f"{option('num_classes', num_classes)} (preset: {base.num_classes})")
    if mapping is not None and mapping != base.mapping:
        conflicts.append(f"{option('mapping', mapping.value)} (preset: {base.mapping.value})")
    if class_names is not None and class_names != base.class_names:
        conflicts.append(f"{option('classes')} (differs from the preset's class list)")
    if conflicts:
        raise ContractError(
            f"preset {base.preset} contradicts {', '.join(conflicts)}; drop {option('preset')} to use your own contract"
        )
