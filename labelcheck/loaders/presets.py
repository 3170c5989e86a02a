"""Presets (a loader plus a head) and building a contract from options.

A preset names a loader profile and the class list of a head trained with it;
``resolve_contract`` turns options (a preset, or a loader with
``--num-classes`` / ``--classes``, or a bare mapping) into a ``Contract``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..core.contract import (
    NEEDS_NAMES,
    Contract,
    Mapping,
    coco80_class_names,
    coco91_class_names,
    mlperf_class_names,
    names_need_classes,
    read_class_file,
    require_head_size,
)
from ..core.errors import ContractError, option
from .base import LoaderProfile
from .dali import DALI
from .detectron2 import DETECTRON2
from .hf_detr import HF_DETR
from .mlperf import MLPERF
from .mmdet import MMDET
from .torchvision import TORCHVISION
from .torchvision_v2 import TORCHVISION_V2
from .ultralytics_convert import ULTRALYTICS_CONVERT
from .yolox import YOLOX

LOADERS: dict[str, LoaderProfile] = {
    profile.name: profile
    for profile in (MLPERF, TORCHVISION, TORCHVISION_V2, DETECTRON2, MMDET, YOLOX, DALI, HF_DETR, ULTRALYTICS_CONVERT)
}


@dataclass(frozen=True)
class Preset:
    name: str
    loader: str
    class_names: Callable[[], tuple[str, ...]]
    title: str

    def contract(self) -> Contract:
        names = self.class_names()
        return Contract(len(names), LOADERS[self.loader].mapping, names, preset=self.name, loader=self.loader)


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset("mlperf-retinanet", "mlperf", mlperf_class_names,
               "MLPerf RetinaNet: 264 OpenImages-MLPerf classes, ids 0..263"),
        Preset("torchvision-coco", "torchvision", coco91_class_names,
               "torchvision references on COCO: 91 columns, the COCO ids (0 background, 10 N/A)"),
        Preset("detectron2-coco", "detectron2", coco80_class_names, "detectron2 on COCO: the 80 classes by sorted id"),
        Preset("mmdet-coco", "mmdet", coco80_class_names, "MMDetection on COCO: the 80 classes in the config's order"),
        Preset("yolox-coco", "yolox", coco80_class_names, "YOLOX on COCO: the 80 classes by sorted id"),
    )
}
DEFAULT_PRESET = "mlperf-retinanet"


def resolve_contract(
    preset: str | None = None,
    num_classes: int | None = None,
    mapping: str | Mapping | None = None,
    classes: str | Path | tuple[str, ...] | list[str] | None = None,
    loader: str | None = None,
) -> Contract:
    """Build the contract from options, as the CLI and config describe it.

    No option: the default preset. A preset plus options: the options must
    agree with it. A loader: its mapping, and the head from ``num_classes``,
    the class list's length, or the loader's default. Options without either:
    exactly what was given (mapping raw by default). A bad value is a
    ContractError naming it.
    """
    class_names = _class_names(classes)
    mapping = Mapping(mapping) if mapping is not None else None  # a bad one: ContractError naming it
    if num_classes is not None:
        require_head_size(num_classes)
    explicit = any(value is not None for value in (num_classes, mapping, class_names, loader))
    if preset is None and not explicit:
        preset = DEFAULT_PRESET
    if preset is not None:
        if preset not in PRESETS:
            raise ContractError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
        base = PRESETS[preset].contract()
        _require_agreement(base, num_classes, mapping, class_names, loader)
        return base
    classes_file = str(classes) if isinstance(classes, (str, Path)) else None
    if loader is not None:
        return _loader_contract(loader, num_classes, mapping, class_names, classes_file)
    if mapping in NEEDS_NAMES and class_names is None:
        raise names_need_classes(mapping)
    if num_classes is None:
        if class_names is None:
            raise ContractError(
                f"give {option('num_classes', 'N')} or {option('classes', 'FILE')} so the head's size is known"
            )
        num_classes = len(class_names)
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


def _loader_contract(
    name: str, num_classes: int | None, mapping: Mapping | None, class_names: tuple[str, ...] | None,
    classes_file: str | None,
) -> Contract:
    if name not in LOADERS:
        raise ContractError(f"unknown loader {name!r}; choose one of: {', '.join(LOADERS)} (labelcheck loaders)")
    profile = LOADERS[name]
    if mapping is not None and mapping != profile.mapping:
        raise ContractError(f"{option('loader', name)} maps ids by {profile.mapping.value}, not {mapping.value}; "
                            f"drop {option('mapping')} (or {option('loader')}, for a contract no profile describes)")
    if num_classes is None:
        num_classes = len(class_names) if class_names is not None else profile.columns
    if num_classes is None:
        raise ContractError(f"{option('loader', name)} has no default head: give {option('num_classes', 'N')} "
                            f"(or {option('classes', 'FILE')})")
    return Contract(num_classes, profile.mapping, class_names, loader=name, classes_file=classes_file)


def _require_agreement(
    base: Contract, num_classes: int | None, mapping: Mapping | None, class_names: tuple[str, ...] | None,
    loader: str | None,
) -> None:
    conflicts = []
    if num_classes is not None and num_classes != base.num_classes:
        conflicts.append(f"{option('num_classes', num_classes)} (preset: {base.num_classes})")
    if mapping is not None and mapping != base.mapping:
        conflicts.append(f"{option('mapping', mapping.value)} (preset: {base.mapping.value})")
    if class_names is not None and class_names != base.class_names:
        conflicts.append(f"{option('classes')} (differs from the preset's class list)")
    if loader is not None and loader != base.loader:
        conflicts.append(f"{option('loader', loader)} (preset: {base.loader})")
    if conflicts:
        raise ContractError(
            f"preset {base.preset} contradicts {', '.join(conflicts)}; drop {option('preset')} to use your own contract"
        )
