"""The model contract: how many columns the head has and how ids reach them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ContractError
from .sidefiles import read_bounded


class Mapping(str, enum.Enum):
    """How a category id becomes a column index of the classification head."""

    RAW = "raw"  # index = category_id (MLPerf RetinaNet, torchvision)
    SORTED = "sorted"  # index = rank among declared ids (detectron2, Datumaro)
    NAMES = "names"  # index = position of the name in the class list (MMDetection)


# Detection heads have hundreds or thousands of columns (LVIS 1,203, V3Det 13,204);
# a rule that looks at every column (unused-category) goes through them all.
MAX_NUM_CLASSES = 1_000_000


@dataclass(frozen=True)
class Contract:
    num_classes: int
    mapping: Mapping = Mapping.RAW
    class_names: tuple[str, ...] | None = None
    preset: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.num_classes <= MAX_NUM_CLASSES:
            raise ContractError(
                f"--num-classes must be 1 to {MAX_NUM_CLASSES:,} (more than any classification head), "
                f"got {self.num_classes}"
            )
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise ContractError(
                f"the class list has {len(self.class_names)} names but --num-classes is {self.num_classes}; "
                "make them agree or drop --num-classes"
            )
        if self.mapping == Mapping.NAMES and self.class_names is None:
            raise ContractError("--mapping names needs the class names: give --classes FILE or a --preset")

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


PRESETS = {
    "mlperf-retinanet": lambda: Contract(264, Mapping.RAW, mlperf_class_names(), preset="mlperf-retinanet"),
}
DEFAULT_PRESET = "mlperf-retinanet"


def read_class_file(path: str | Path) -> tuple[str, ...]:
    """One class name per line; line N is index N-1. Blank trailing lines are ignored."""
    try:
        text = read_bounded(path).decode("utf-8-sig")
    except FileNotFoundError:
        raise ContractError(f"{path}: class list not found; check --classes") from None
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
    if isinstance(classes, (str, Path)):
        class_names: tuple[str, ...] | None = read_class_file(classes)
    else:
        class_names = tuple(classes) if classes is not None else None
    mapping = Mapping(mapping) if mapping is not None else None
    explicit = num_classes is not None or mapping is not None or class_names is not None
    if preset is None and not explicit:
        preset = DEFAULT_PRESET
    if preset is not None:
        if preset not in PRESETS:
            raise ContractError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
        base = PRESETS[preset]()
        _require_agreement(base, num_classes, mapping, class_names)
        return base
    if num_classes is None:
        if class_names is None:
            raise ContractError("give --num-classes N or --classes FILE so the head's size is known")
        num_classes = len(class_names)
    return Contract(num_classes, mapping or Mapping.RAW, class_names)


def _require_agreement(
    base: Contract, num_classes: int | None, mapping: Mapping | None, class_names: tuple[str, ...] | None
) -> None:
    conflicts = []
    if num_classes is not None and num_classes != base.num_classes:
        conflicts.append(f"--num-classes {num_classes} (preset: {base.num_classes})")
    if mapping is not None and mapping != base.mapping:
        conflicts.append(f"--mapping {mapping.value} (preset: {base.mapping.value})")
    if class_names is not None and class_names != base.class_names:
        conflicts.append("--classes (differs from the preset's class list)")
    if conflicts:
        raise ContractError(
            f"preset {base.preset} contradicts {', '.join(conflicts)}; drop --preset to use your own contract"
        )
