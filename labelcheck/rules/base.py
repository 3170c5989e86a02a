"""What every rule shares: the Rule interface and the helpers rules word their findings with.

A rule sees the file's categories and images up front, then the annotations in
columnar batches, then gets a last word once the batches are done. Rules are
vectorised over a batch and only build Finding objects for offending rows.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Iterator, Sequence
from typing import Mapping as MappingType

import numpy as np

from ..core.contract import Contract
from ..core.dataset import AnnotationBatch, ValueKind
from ..core.findings import Finding, Severity, jsonable
from ..core.text import describe
from ..loaders import LoaderProfile
from .context import BatchView, FileContext


@dataclass(frozen=True)
class RuleOption:
    """A threshold of a rule that configuration may change (``[tool.labelcheck.rule-options.RULE]``)."""

    name: str  # kebab-case, as written in the configuration
    default: float
    meaning: str  # what the value is, for error messages
    minimum: float = 0.0
    maximum: float = float("inf")
    integer: bool = False  # a whole number

    def check(self, value: Any) -> float:
        """The value as the rule uses it; ValueError saying what is wrong."""
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not self.minimum <= value <= self.maximum or (self.integer and not isinstance(value, int)):
            kind = "a whole number" if self.integer else "a number"
            limits = f">= {self.minimum:g}" + (f" and <= {self.maximum:g}" if self.maximum < float("inf") else "")
            raise ValueError(f"{self.name}: {value!r} is not {kind} {limits} ({self.meaning})")
        return value


class Rule:
    """Base class. Subclasses set ID and SEVERITY; their module docstring is the doc."""

    ID: ClassVar[str]
    SEVERITY: ClassVar[Severity]
    # Skip the rule when the contract has no class names.
    NEEDS_CLASS_NAMES: ClassVar[bool] = False
    # Skip the rule when the contract names no loader profile.
    NEEDS_LOADER: ClassVar[bool] = False
    # Its findings point at annotations, so `clean` can drop them.
    CLEANABLE: ClassVar[bool] = False
    # Its findings point at images, so `clean` can drop their annotations, or the images.
    CLEANABLE_IMAGES: ClassVar[bool] = False
    # Thresholds configuration may change; their defaults are in the rule's docs.
    OPTIONS: ClassVar[tuple[RuleOption, ...]] = ()

    def __init__(
        self, ctx: FileContext, severity: Severity | None = None, options: MappingType[str, Any] | None = None
    ) -> None:
        self.ctx = ctx
        self.override = severity
        self.options = {option.name: option.default for option in self.OPTIONS} | self.check_options(options or {})

    @classmethod
    def check_options(cls, options: MappingType[str, Any]) -> dict[str, Any]:
        """The options given, validated; ValueError for an unknown name or a bad value."""
        known = {option.name: option for option in cls.OPTIONS}
        checked = {}
        for name, value in options.items():
            if name not in known:
                hint = f"its options are {', '.join(known)}" if known else "it has no options"
                raise ValueError(f"no option {name!r}; {hint}")
            checked[name] = known[name].check(value)
        return checked

    @classmethod
    def doc(cls) -> str:
        return (sys.modules[cls.__module__].__doc__ or "").strip()

    @classmethod
    def summary(cls) -> str:
        return cls.doc().splitlines()[0] if cls.doc() else ""

    def severity(self, severity: Severity | None = None) -> Severity:
        """Configuration overrides whatever the rule would say."""
        return self.override or severity or self.SEVERITY

    def check_batch(self, view: BatchView) -> Iterable[Finding]:
        return ()

    def finish(self) -> Iterable[Finding]:
        return ()

    @classmethod
    def danger(cls, finding: Finding, contract: Contract) -> int:
        """How much worse than the rule's other findings this one is (0: not): reports
        show the most dangerous first among their few examples."""
        return 0

    @classmethod
    def across_files(cls, contexts: Sequence[FileContext], severity: Severity | None) -> Iterable[Finding]:
        """Findings that compare files scanned together (train and validation)."""
        return ()

    # Finding builders keep messages and paths uniform across rules.

    def annotation_finding(
        self, view: BatchView, row: int, message: str, key: str | None = None, severity: Severity | None = None,
        reason: str | None = None,
    ) -> Finding:
        batch = view.batch
        position = batch.start + row
        path = f"$.annotations[{position}]" + (f".{key}" if key else "")
        return Finding(
            file=self.ctx.file,
            position=position,
            rule=self.ID,
            severity=self.severity(severity),
            message=message,
            path=path,
            annotation_id=jsonable(batch.raw_annotation_id(row)),
            image_id=jsonable(batch.raw_image(row)),
            category_id=jsonable(batch.raw_category(row)),
            image_file=self.ctx.image_file(int(view.image_row[row])),
            reason=reason,
        )

    def image_finding(self, row: int, message: str, key: str = "file_name", severity: Severity | None = None) -> Finding:
        """A finding about image ``row`` of the file's table."""
        images = self.ctx.images
        raw_id = images.raw_id[row] if row in images.raw_id else int(images.id[row])
        return self.file_finding(message, path=f"$.images[{row}]" + (f".{key}" if key else ""), severity=severity,
                                 image_id=raw_id, image_file=images.file_name[row])

    def file_finding(self, message: str, path: str = "$", severity: Severity | None = None,
                     reason: str | None = None, fix: str | None = None, **ids: Any) -> Finding:
        return Finding(
            file=self.ctx.file,
            position=-1,
            rule=self.ID,
            severity=self.severity(severity),
            message=message,
            path=path,
            reason=reason,
            fix=fix,
            **{key: jsonable(value) for key, value in ids.items()},
        )


class MaskRule(Rule):
    """A rule whose annotation findings come from masks, one per reason.

    ``offending`` gives (reason, rows) per batch and ``offending_images`` the
    same over the image table at the end; ``check_batch`` and ``finish`` build
    a finding for each row, while ``labelcheck loaders`` only counts them.
    ``file_findings`` are the rest of its findings (few: per category, per file).
    """

    # Findings carry their reason (the table groups them by it).
    REPORTS_REASON: ClassVar[bool] = False

    def offending(self, view: BatchView) -> Iterable[tuple[str, np.ndarray]]:
        return ()

    def message(self, view: BatchView, row: int, reason: str) -> str:
        raise NotImplementedError

    def field(self, reason: str) -> str | None:
        """The key of the annotation the finding's path points at."""
        return None

    def offending_images(self) -> Iterable[tuple[str, np.ndarray]]:
        return ()

    def image_message(self, row: int, reason: str) -> str:
        raise NotImplementedError

    def file_findings(self) -> Iterable[Finding]:
        return ()

    def check_batch(self, view: BatchView) -> Iterator[Finding]:
        for reason, mask in self.offending(view):
            for row in rows(mask):
                yield self.annotation_finding(view, row, self.message(view, row, reason), self.field(reason),
                                              reason=reason if self.REPORTS_REASON else None)

    def finish(self) -> Iterator[Finding]:
        images = self.ctx.images
        for reason, mask in self.offending_images():
            for row in rows(mask):
                yield self.file_finding(self.image_message(row, reason), path=f"$.images[{row}]",
                                        reason=reason if self.REPORTS_REASON else None,
                                        image_id=images.raw_id.get(row, int(images.id[row])),
                                        image_file=images.file_name[row])
        yield from self.file_findings()


class LoaderRule(MaskRule):
    """A rule about what the contract's loader does with the file: it runs only under a loader
    profile, its findings carry their reason, and clean can drop what it finds."""

    NEEDS_LOADER = True
    CLEANABLE = True
    REPORTS_REASON = True

    def __init__(self, ctx: FileContext, *policy: Any) -> None:
        super().__init__(ctx, *policy)
        assert ctx.profile is not None
        self.profile: LoaderProfile = ctx.profile


def box_text(box: np.ndarray) -> str:
    """A bbox as messages show it: [10, 20.5, 30, 15]."""
    return "[" + ", ".join(f"{value:g}" for value in box.tolist()) + "]"


def rows(mask: np.ndarray) -> Iterator[int]:
    return (int(row) for row in np.flatnonzero(mask))


def kind_of(batch: AnnotationBatch, row: int) -> ValueKind:
    return ValueKind(int(batch.category_kind[row]))


def reached(view: BatchView, profile: LoaderProfile) -> np.ndarray:
    """The annotations the loader reads: those of images in the file (it iterates images),
    or every one for a loader that reads annotations first."""
    return np.ones(len(view.batch), dtype=bool) if profile.reaches_orphans else view.image_row >= 0


def loader_says(says: str, ctx: FileContext, view: BatchView | None = None, row: int = 0) -> str:
    """A profile's words with the annotation's values filled in."""
    if view is None:
        return says.replace("{file}", ctx.file)
    batch = view.batch
    return (says.replace("{category_id}", describe(batch.raw_category(row)))
            .replace("{image_id}", describe(batch.raw_image(row)))
            .replace("{id}", describe(batch.raw_annotation_id(row)))
            .replace("{file}", ctx.file))


def exclusive(masks: Iterable[tuple[str, np.ndarray]], size: int) -> Iterator[tuple[str, np.ndarray]]:
    """Each row under the first reason that has it: the loader stops at its first test."""
    taken = np.zeros(size, dtype=bool)
    for reason, mask in masks:
        mask = mask & ~taken
        taken |= mask
        yield reason, mask


class RepeatedIds:
    """How many annotations reuse an earlier one's id, and the first that does."""

    def __init__(self) -> None:
        self.count = 0
        self.first: tuple[int, Any] | None = None  # (position, id)

    def add(self, view: BatchView) -> None:
        repeated = np.flatnonzero(view.repeated_id)
        if len(repeated) and self.first is None:
            row = int(repeated[0])
            self.first = (view.batch.start + row, view.batch.raw_annotation_id(row))
        self.count += len(repeated)

    def said(self) -> str:
        assert self.first is not None
        position, number = self.first
        noun = "annotation reuses" if self.count == 1 else "annotations reuse"
        return f"{self.count} {noun} an earlier annotation's id (first: id {describe(number)} at $.annotations[{position}])"
