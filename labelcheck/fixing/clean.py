"""``clean``: write a copy of a COCO file without the annotations that would
crash or corrupt training, and an audit of every one dropped.

The input is scanned with the chosen rules; annotations with a finding are
dropped (or, with ``drop="images"``, their whole images). Image rules
(``image-missing``, ...; they need ``images=``) find images: their
annotations are dropped, or with ``drop="images"`` the images with them.
Everything else is copied through unchanged, byte for byte.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any, Iterator

import numpy as np

from ..core.atomic import check_side_output
from ..core.contract import Contract
from ..core.dataset import RunSpan
from ..core.errors import UsageError, option
from ..core.findings import Finding, fail_threshold, jsonable
from ..core.text import json_text
from ..images.check import ImageOptions
from ..loaders import resolve_contract
from ..readers import ProgressCallback, relabelled
from ..rules import RULES
from ..scanning.engine import scan
from .droplog import (
    DEFAULT_CLEAN_RULES,
    DROP_CHOICES,
    DroppedAnnotations,
    OtherFindings,
    ReasonBits,
    write_entries,
)
from .rewrite.files import (
    HeldInput,
    backup_path,
    check_output,
    rewrite_file,
    stage_report,
    stage_text,
    staging,
)
from .rewrite.streamed import EditedRun, drop_elements, drop_run_document, field_values

# Measured: with worker processes cutting the runs, cleaning 1M annotations
# (232 MB) took 0.1 s longer, 10M (2.3 GB) 0.8 s shorter.
WORKERS_PAY_FROM = 512 << 20


@dataclass
class CleanResult:
    source: str
    output: str
    drop: str
    rules: tuple[str, ...]
    annotations: int = 0
    images: int = 0
    reasons: ReasonBits = field(init=False)  # by position: the rules that found each annotation
    dropped: DroppedAnnotations = field(default_factory=DroppedAnnotations)  # those with findings
    dropped_with_image: DroppedAnnotations = field(default_factory=DroppedAnnotations)  # without, image dropped
    dropped_images: dict[int, dict[str, Any]] = field(default_factory=dict)  # by position
    image_reasons: dict[Any, set[str]] = field(default_factory=dict)  # image id -> image rules that found it
    # Findings of other rules that the output still has: (rule, severity) -> count.
    remaining: Counter = field(default_factory=Counter)
    remaining_example: dict[str, Finding] = field(default_factory=dict)  # rule -> one of them
    # Annotation findings of other rules, until what is dropped is known.
    others: OtherFindings = field(default_factory=OtherFindings, repr=False)

    def __post_init__(self) -> None:
        self.reasons = ReasonBits(self.rules)

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
        return Counter({rule: count for rule, count in self.reasons.counts().items() if count})

    def images_by_rule(self) -> Counter:
        return Counter(rule for image in self.dropped_images.values() for rule in image["reasons"])

    def by_category(self) -> Counter:
        return self.dropped.category_counts()

    def record(self, finding: Finding) -> None:
        """Take in a finding of the scan: a reason to drop its annotation, or something left unfixed."""
        if finding.rule in self.rules:
            if RULES[finding.rule].CLEANABLE_IMAGES:
                if _hashable(finding.image_id):
                    self.image_reasons.setdefault(finding.image_id, set()).add(finding.rule)
            elif finding.position >= 0 and self.reasons.add(finding.position, finding.rule):
                self.dropped.add(finding.position, finding.annotation_id, finding.image_id, finding.category_id)
            return
        self.remaining_example.setdefault(finding.rule, finding)
        if finding.position < 0:
            self.remaining[finding.rule, finding.severity] += 1
        else:
            self.others.add(finding.position, finding.rule, finding.severity)

    def settle_remaining(self) -> None:
        """Count, once the output is written, the annotation findings of other rules that are still in it
        (not on an annotation dropped for a finding or with its image)."""
        positions = self.others.positions()
        gone = self.reasons.marked(positions) | np.isin(positions, self.dropped_with_image.position_array())
        kinds = self.others.kinds()[~gone]
        for kind, count in zip(*np.unique(kinds, return_counts=True)):
            self.remaining[self.others.kind(int(kind))] += int(count)

    def remaining_at(self, fail_on: str, by: str = "rule") -> Counter:
        """Findings left in the output at or above ``fail_on`` (none for "never"), per rule,
        or (``by="severity"``) per severity, most severe first."""
        threshold = fail_threshold(fail_on)
        counts: Counter = Counter()
        for (rule, severity), count in sorted(self.remaining.items(), key=lambda item: -item[0][1].rank):
            if threshold is not None and severity >= threshold and count:
                counts[rule if by == "rule" else severity.label] += count
        return counts

    def failed(self, fail_on: str = "error") -> bool:
        """Whether the output still has findings at or above ``fail_on`` that clean does not fix."""
        return bool(self.remaining_at(fail_on))

    def audit_header(self) -> dict[str, Any]:
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
            "dropped_images_by_rule": dict(sorted(self.images_by_rule().items())),
            "remaining_errors_by_rule": dict(sorted(self.remaining_at("error").items())),
        }

    def dropped_annotation_entries(self) -> Iterator[dict[str, Any]]:
        """The audit's dropped annotations: those with findings by position, then those of dropped images."""
        for row in self.dropped.rows_by_position():
            yield self.dropped.entry(row, self.reasons.of(self.dropped.positions[row]))
        for row in self.dropped_with_image.rows_by_position():
            yield self.dropped_with_image.entry(row, ["image-dropped"])

    def dropped_image_entries(self) -> Iterator[dict[str, Any]]:
        return (self.dropped_images[position] for position in sorted(self.dropped_images))

    def audit(self) -> dict[str, Any]:
        """The --report document, whole: every dropped annotation and image, with the reason."""
        return {**self.audit_header(), "dropped_annotations": list(self.dropped_annotation_entries()),
                "dropped_images": list(self.dropped_image_entries())}

    def write_audit(self, out: IO[str]) -> None:
        """The --report document, written entry by entry (the same JSON as ``audit()``)."""
        header = json_text(self.audit_header(), indent=1)
        out.write(header[: header.rindex("}")].rstrip() + ',\n "dropped_annotations": ')
        write_entries(out, self.dropped_annotation_entries())
        out.write(',\n "dropped_images": ')
        write_entries(out, self.dropped_image_entries())
        out.write("\n}\n")


def _check_rules(rules: tuple[str, ...], images: Any) -> None:
    unknown = [rule for rule in rules if rule not in RULES]
    if unknown:
        raise UsageError(f"unknown rule {unknown[0]!r}; see 'labelcheck rules'")
    file_level = [rule for rule in rules if not (RULES[rule].CLEANABLE or RULES[rule].CLEANABLE_IMAGES)]
    if file_level:
        raise UsageError(
            f"rule {file_level[0]!r} does not point at annotations or images, so clean cannot drop anything for it"
        )
    unchecked = [rule for rule in rules if RULES[rule].CLEANABLE_IMAGES and images is None]
    if unchecked:
        raise UsageError(f"rule {unchecked[0]!r} needs --images ROOT: clean drops what the image check finds")


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
    images: "ImageOptions | str | None" = None,
) -> CleanResult:
    """Write ``output``: ``source`` without the annotations (or images) that have findings.

    ``reader`` as for ``scan``: a streamed file is rewritten run by run in
    bounded memory, otherwise from its whole text; both give the same bytes.
    ``report``: a path for the JSON audit (``result.audit()``), committed
    together with the output. ``progress`` as for ``scan``, then "writing".
    ``images`` as for ``scan``: the image check, for the image rules.

    Raises InputError, OutputError or ContractError; never leaves a partial output.
    """
    if drop not in DROP_CHOICES:
        raise UsageError(f"drop must be one of {', '.join(DROP_CHOICES)}, not {drop!r}")
    rules = tuple(dict.fromkeys(rules)) if rules else DEFAULT_CLEAN_RULES  # a rule given twice is one reason
    _check_rules(rules, images)
    target = check_output(source, output, force=force, in_place=in_place)
    backup = backup_path(source, target)
    if report:
        check_side_output(report, option("report"), [source, str(target), *([str(backup)] if backup else [])])
    result = CleanResult(source=str(source), output=str(target), drop=drop, rules=rules)
    with HeldInput(str(source)) as held:
        # Every rule runs, so the result can say what dropping annotations does not fix.
        scanned = scan(held, contract or resolve_contract(), reader=reader, keep_findings=False,
                       on_finding=result.record, progress=progress, images=images)
        result.annotations = scanned.files[0].annotations
        result.images = scanned.files[0].images
        doomed = set(result.image_reasons)  # images whose annotations go, and with --drop images the images
        if drop == "images":
            doomed |= _doomed_images(result)
        layout = scanned.files[0].layout
        size = layout.stamp.size if layout and layout.stamp else 0
        edits: dict[str, Any] = {"annotations": _AnnotationDrops(result, doomed, size)}
        if doomed and drop == "images":
            edits["images"] = _ImageDrops(result, doomed)
        pieces = rewrite_file(held, layout, edits, relabelled(progress, source=str(target)))
        with staging() as stages:
            stages += stage_text(target, pieces, backup_of=held if backup else None)
            result.settle_remaining()  # what the rewrite dropped with its images is known now
            if report:
                stages.append(stage_report(report, result.write_audit))
            held.require_unchanged()  # since it was opened, before anything is named
    return result


def _doomed_images(result: CleanResult) -> set:
    """The images of the annotations with findings."""
    image_ids = result.dropped.ids["image_id"].values()
    return {image_id for image_id in image_ids if image_id is not None and _hashable(image_id)}


class _AnnotationDrops:
    """Drops the annotations with findings, and those of doomed images."""

    def __init__(self, result: CleanResult, doomed_images: set, size: int) -> None:
        self.result = result
        self.doomed_images = doomed_images
        # Dropping by position is a worker task (finding the annotations of doomed
        # images is not) that pays only on large files.
        self.parallel = not doomed_images and size >= WORKERS_PAY_FROM

    def task(self, span: RunSpan) -> tuple[Any, tuple]:
        return drop_run_document, (self._with_findings(span).tolist(),)

    def absorb(self, edited: EditedRun) -> EditedRun:
        return edited

    def run(self, span: RunSpan, document: bytearray) -> EditedRun | None:
        with_image = self._of_doomed_images(span, document)
        if with_image is None:
            return None
        offsets = {*self._with_findings(span).tolist(), *(k for k, *_ in with_image)}
        edited = drop_elements(document, offsets)
        if edited is not None:  # else element by element, which records them
            for k, *ids in with_image:
                self._with_image(span.first + k, *ids)
        return edited

    def _with_findings(self, span: RunSpan) -> np.ndarray:
        return self.result.reasons.in_range(span.first, span.count)

    def _of_doomed_images(self, span: RunSpan, document: bytearray) -> list[tuple] | None:
        """(offset, id, image_id, category_id) of the run's annotations without findings
        whose image is doomed; None: decide element by element."""
        if not self.doomed_images:
            return []
        image_ids = field_values(document, "image_id")
        if image_ids is None:
            return None
        found = set(self._with_findings(span).tolist())
        doomed = [k for k, i in enumerate(image_ids) if k not in found and _hashable(i) and i in self.doomed_images]
        if not doomed:
            return []
        ids, categories = field_values(document, "id"), field_values(document, "category_id")
        if ids is None or categories is None:
            return None
        return [(k, ids[k], image_ids[k], categories[k]) for k in doomed]

    def element(self, index: int | None, element: str) -> str | None:
        if index in self.result.reasons:
            return None
        if self.doomed_images:
            annotation = json.loads(element)
            image_id = annotation.get("image_id") if isinstance(annotation, dict) else None
            if _hashable(image_id) and image_id in self.doomed_images:
                self._with_image(index, annotation.get("id"), image_id, annotation.get("category_id"))
                return None
        return element

    def _with_image(self, index: int, annotation_id: Any, image_id: Any, category_id: Any) -> None:
        """An annotation of a doomed image: dropped for the image rules that found the image, or with the image."""
        ids = (jsonable(annotation_id), jsonable(image_id), jsonable(category_id))
        result = self.result
        if result.drop == "images" or image_id not in result.image_reasons:
            result.dropped_with_image.add(index, *ids)
            return
        for rule in sorted(result.image_reasons[image_id]):
            if result.reasons.add(index, rule):
                result.dropped.add(index, *ids)


class _ImageDrops:
    """Drops the images that had an offending annotation."""

    def __init__(self, result: CleanResult, doomed_images: set) -> None:
        self.result = result
        self.doomed_images = doomed_images
        self.reasons: dict[Any, set[str]] = {}
        image_ids = result.dropped.ids["image_id"]
        for row, position in enumerate(result.dropped.positions):
            if _hashable(image_ids[row]):
                self.reasons.setdefault(image_ids[row], set()).update(result.reasons.of(position))
        for image_id, rules in result.image_reasons.items():
            self.reasons.setdefault(image_id, set()).update(rules)

    def run(self, span: RunSpan, document: bytearray) -> EditedRun | None:
        doomed = self._drops(span, document)
        return None if doomed is None else drop_elements(document, doomed)

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
