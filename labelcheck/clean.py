"""``clean``: write a copy of a COCO file without the annotations that would
crash or corrupt training, and an audit of every one dropped.

The input is scanned with the chosen rules; annotations with a finding are
dropped (or, with ``drop="images"``, their whole images). Everything else is
copied through unchanged, byte for byte.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .contract import Contract, resolve_contract
from .engine import scan
from .errors import UsageError
from .findings import Finding, Severity, jsonable
from .readers import ProgressCallback
from .dataset import RunSpan
from .rewrite.files import (
    backup_path,
    check_output,
    check_side_output,
    rewrite_file,
    stage_report,
    stage_text,
    staging,
)
from .rewrite.streamed import EditedRun, drop_elements, drop_run_document, field_values
from .rules import RULES

# The findings that crash or silently corrupt training.
DEFAULT_CLEAN_RULES = (
    "category-out-of-range",
    "invalid-category-id",
    "undefined-category",
    "invalid-bbox",
    "missing-image",
)
DROP_CHOICES = ("annotations", "images")


@dataclass
class DroppedAnnotation:
    position: int
    annotation_id: Any
    image_id: Any
    category_id: Any
    reasons: list[str] = field(default_factory=list)


@dataclass
class CleanResult:
    source: str
    output: str
    drop: str
    rules: tuple[str, ...]
    annotations: int = 0
    images: int = 0
    dropped: dict[int, DroppedAnnotation] = field(default_factory=dict)  # by position
    # By position: annotations without findings whose image was dropped, and the dropped images.
    dropped_with_image: dict[int, DroppedAnnotation] = field(default_factory=dict)
    dropped_images: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Error-level findings of other rules: what the output still gets wrong.
    remaining: Counter = field(default_factory=Counter)
    remaining_example: dict[str, str] = field(default_factory=dict)  # rule -> one message

    @property
    def dropped_annotations(self) -> int:
        return len(self.dropped) + len(self.dropped_with_image)

    @property
    def kept_annotations(self) -> int:
        return self.annotations - self.dropped_annotations

    @property
    def kept_images(self) -> int:
        return self.images - len(self.dropped_images)

    def by_rule(self) -> Counter:
        return Counter(rule for d in self.dropped.values() for rule in d.reasons)

    def by_category(self) -> Counter:
        return Counter(json.dumps(d.category_id) for d in self.dropped.values())

    def audit(self) -> dict[str, Any]:
        """The --report document: every dropped annotation and image, with the reason."""
        annotations = [
            {"annotation_id": d.annotation_id, "image_id": d.image_id, "category_id": d.category_id,
             "position": d.position, "reasons": d.reasons}
            for d in sorted(self.dropped.values(), key=lambda d: d.position)
        ] + [
            {"annotation_id": d.annotation_id, "image_id": d.image_id, "category_id": d.category_id,
             "position": d.position, "reasons": ["image-dropped"]}
            for d in sorted(self.dropped_with_image.values(), key=lambda d: d.position)
        ]
        return {
            "schema_version": 1,
            "command": "clean",
            "input": self.source,
            "output": self.output,
            "drop": self.drop,
            "rules": list(self.rules),
            "counts": {
                "annotations": {"kept": self.kept_annotations, "dropped": self.dropped_annotations},
                "images": {"kept": self.kept_images, "dropped": len(self.dropped_images)},
            },
            "dropped_by_rule": dict(sorted(self.by_rule().items())),
            "remaining_errors_by_rule": dict(sorted(self.remaining.items())),
            "dropped_annotations": annotations,
            "dropped_images": [self.dropped_images[position] for position in sorted(self.dropped_images)],
        }


def _check_rules(rules: tuple[str, ...]) -> None:
    unknown = [rule for rule in rules if rule not in RULES]
    if unknown:
        raise UsageError(f"unknown rule {unknown[0]!r}; see 'labelcheck rules'")
    file_level = [rule for rule in rules if not RULES[rule].CLEANABLE]
    if file_level:
        raise UsageError(
            f"rule {file_level[0]!r} does not point at annotations, so clean cannot drop anything for it"
        )


def clean(
    source: str,
    output: str,
    contract: Contract | None = None,
    *,
    drop: str = "annotations",
    rules: tuple[str, ...] | list[str] | None = None,
    force: bool = False,
    in_place: bool = False,
    reader: str = "auto",
    report: str | None = None,
    progress: ProgressCallback | None = None,
) -> CleanResult:
    """Write ``output``: ``source`` without the annotations (or images) that have findings.

    ``reader`` as for ``scan``: a streamed file is rewritten run by run in
    bounded memory, otherwise from its whole text; both give the same bytes.
    ``report``: a path for the JSON audit (``result.audit()``), committed
    together with the output. ``progress`` as for ``scan``, then "writing".

    Raises InputError, OutputError or ContractError; never leaves a partial output.
    """
    if drop not in DROP_CHOICES:
        raise UsageError(f"drop must be one of {', '.join(DROP_CHOICES)}, not {drop!r}")
    rules = tuple(rules) if rules else DEFAULT_CLEAN_RULES
    _check_rules(rules)
    target = check_output(source, output, force=force, in_place=in_place)
    backup = backup_path(source, target)
    if report:
        check_side_output(report, "--report", [source, str(target), *([str(backup)] if backup else [])], force=force)
    result = CleanResult(source=str(source), output=str(target), drop=drop, rules=rules)

    def record(finding: Finding) -> None:
        if finding.rule not in rules or finding.position < 0:
            if finding.severity >= Severity.ERROR and finding.rule not in rules:
                result.remaining[finding.rule] += 1
                result.remaining_example.setdefault(finding.rule, finding.message)
            return
        entry = result.dropped.setdefault(
            finding.position,
            DroppedAnnotation(finding.position, finding.annotation_id, finding.image_id, finding.category_id),
        )
        if finding.rule not in entry.reasons:
            entry.reasons.append(finding.rule)

    # Every rule runs, so the result can say what dropping annotations does not fix.
    scanned = scan(str(source), contract or resolve_contract(), reader=reader, keep_findings=False,
                   on_finding=record, progress=progress)
    result.annotations = scanned.files[0].annotations
    result.images = scanned.files[0].images
    doomed = {d.image_id for d in result.dropped.values() if d.image_id is not None} if drop == "images" else set()
    edits: dict[str, Any] = {"annotations": _AnnotationDrops(result, doomed)}
    if doomed:
        edits["images"] = _ImageDrops(result, doomed)
    pieces = rewrite_file(str(source), scanned.files[0].layout, edits, progress)
    with staging() as stages:
        stages += stage_text(target, pieces, backup_of=str(source) if backup else None)
        if report:
            stages.append(stage_report(report, result.audit()))
    return result


class _AnnotationDrops:
    """Drops the annotations with findings, and those of doomed images."""

    def __init__(self, result: CleanResult, doomed_images: set) -> None:
        self.result = result
        self.doomed_images = doomed_images
        self.positions = np.array(sorted(result.dropped), dtype=np.int64)  # with findings

    def task(self, span: RunSpan) -> tuple[Any, tuple] | None:
        """Dropping by position is a worker task; finding the annotations of doomed images is not."""
        return None if self.doomed_images else (drop_run_document, (sorted(self._with_findings(span)),))

    def absorb(self, edited: EditedRun) -> EditedRun:
        return edited

    def run(self, span: RunSpan, document: bytearray) -> EditedRun | None:
        return drop_elements(document, lambda _: self._drops(span, document))

    def _with_findings(self, span: RunSpan) -> set[int]:
        low, high = np.searchsorted(self.positions, [span.first, span.first + span.count])
        return {int(position) - span.first for position in self.positions[low:high]}

    def _drops(self, span: RunSpan, document: bytearray) -> set[int] | None:
        """Offsets in the run of the annotations to drop; None: decide element by element.
        Drops for doomed images are recorded here, by position: a retry element by element records the same."""
        offsets = self._with_findings(span)
        if not self.doomed_images:
            return offsets
        image_ids = field_values(document, "image_id")
        if image_ids is None:
            return None
        doomed = [k for k, i in enumerate(image_ids) if k not in offsets and _hashable(i) and i in self.doomed_images]
        if doomed:
            ids, categories = field_values(document, "id"), field_values(document, "category_id")
            if ids is None or categories is None:
                return None
            for k in doomed:
                self._with_image(span.first + k, ids[k], image_ids[k], categories[k])
        return offsets.union(doomed)

    def element(self, index: int | None, element: str) -> str | None:
        if index in self.result.dropped:
            return None
        if self.doomed_images:
            annotation = json.loads(element)
            image_id = annotation.get("image_id") if isinstance(annotation, dict) else None
            if _hashable(image_id) and image_id in self.doomed_images:
                self._with_image(index, annotation.get("id"), image_id, annotation.get("category_id"))
                return None
        return element

    def _with_image(self, index: int, annotation_id: Any, image_id: Any, category_id: Any) -> None:
        self.result.dropped_with_image[index] = DroppedAnnotation(
            index, jsonable(annotation_id), jsonable(image_id), jsonable(category_id)
        )


class _ImageDrops:
    """Drops the images that had an offending annotation."""

    def __init__(self, result: CleanResult, doomed_images: set) -> None:
        self.result = result
        self.doomed_images = doomed_images
        self.reasons: dict[Any, set[str]] = {}
        for d in result.dropped.values():
            self.reasons.setdefault(d.image_id, set()).update(d.reasons)

    def run(self, span: RunSpan, document: bytearray) -> EditedRun | None:
        return drop_elements(document, lambda _: self._drops(span, document))

    def _drops(self, span: RunSpan, document: bytearray) -> set[int] | None:
        """Offsets in the run of the doomed images, recorded by position (as a retry element by element would)."""
        ids = field_values(document, "id")
        doomed = {k for k, i in enumerate(ids or ()) if _hashable(i) and i in self.doomed_images}
        names = field_values(document, "file_name") if doomed else []
        if ids is None or names is None:
            return None
        for k in doomed:
            self._dropped(span.first + k, ids[k], names[k])
        return doomed

    def element(self, index: int | None, element: str) -> str | None:
        image = json.loads(element)
        image_id = image.get("id") if isinstance(image, dict) else None
        if _hashable(image_id) and image_id in self.doomed_images:
            self._dropped(index, image_id, image.get("file_name"))
            return None
        return element

    def _dropped(self, index: int, image_id: Any, file_name: Any) -> None:
        self.result.dropped_images[index] = {
            "image_id": jsonable(image_id), "file_name": jsonable(file_name), "position": index,
            "reasons": sorted(self.reasons.get(image_id, ())),
        }


def _hashable(value: Any) -> bool:
    return not isinstance(value, (list, dict))
