"""What every loader profile and preset would do with a file, from one pass over it.

``loader_verdicts`` reads each file once and runs the rules that speak for a loader
(``LOADER_RULES``) under every profile and preset side by side, sharing what
does not depend on the contract (the image index, the repeated ids, the boxes
converted and clamped). It counts findings from the rules' masks instead of
building them, keeping one example of each, so a file every loader rejects
costs no more than one that passes. Never prints, never exits.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..core.contract import Contract, declared_columns
from ..core.dataset import Category, Dataset
from ..core.errors import UsageError
from ..core.findings import Finding
from ..loaders import LOADERS, PRESETS, LoaderProfile
from ..readers import STDIN, ProgressCallback, ReadAgain, Reader, reader_for
from ..rules import LOADER_RULES, BatchView, FileContext, MaskRule, Rule
from ..rules.category_out_of_range import CategoryOutOfRange
from ..rules.class_name_mismatch import ClassNameMismatch
from ..rules.crashes_loader import CrashesLoader
from ..rules.dropped_by_loader import DroppedByLoader
from ..rules.missing_field import MissingField
from ..rules.relabelled_by_loader import RelabelledByLoader
from .engine import applicable
from .verdicts import FileVerdicts, Tally, Verdict


def loader_verdicts(paths: Any, *, reader: str = "auto", progress: ProgressCallback | None = None) -> list[FileVerdicts]:
    """Every preset and loader profile over each file, one pass a file.

    ``paths`` as for ``scan``. Raises ``InputError`` for unreadable or malformed input.
    """
    sources = [paths] if isinstance(paths, (str, bytes)) or not isinstance(paths, Sequence) else list(paths)
    if sum(1 for source in sources if source == STDIN) > 1:
        raise UsageError("standard input (-) can be read only once; give it once")
    results = []
    for source in sources:
        current: Reader | FileVerdicts = reader_for(source, reader, progress)
        while isinstance(current, Reader):  # a reader that gives its reading up names another
            current = _evaluate_once(current, source)
        results.append(current)
    return results


def candidates(categories: list[Category]) -> list[tuple[str, str, Contract, bool]]:
    """(name, kind, contract, head sized from the file) for every preset, then every profile."""
    found = [(name, "preset", preset.contract(), False) for name, preset in PRESETS.items()]
    for name, profile in LOADERS.items():
        columns = profile.columns if profile.columns is not None else _head_for(profile, categories)
        found.append((name, "loader", Contract(columns, profile.mapping, loader=name), profile.columns is None))
    return found


def _head_for(profile: LoaderProfile, categories: list[Category]) -> int:
    """A head just big enough for the file's declared categories under the profile's mapping."""
    columns = [column for column in declared_columns(Contract(1, profile.mapping), categories).values()
               if column is not None]
    return max([*columns, 0]) + 1


# Where each rule's findings go among the verdict's columns (by reason where it matters).
def _column(rule: Rule, reason: str | None) -> str:
    if isinstance(rule, (MissingField, CrashesLoader)):
        return "crashes"
    if isinstance(rule, CategoryOutOfRange):
        return "dropped_annotations" if reason == "not-a-class" else "out_of_range"
    if isinstance(rule, RelabelledByLoader):
        return "relabelled"
    if isinstance(rule, ClassNameMismatch):
        return "class_names"
    return "classes_lost" if reason == "class-lost" else "dropped_annotations"


class _Counted:
    """One contract's rules over one file, counted into its Verdict."""

    def __init__(self, verdict: Verdict, ctx: FileContext) -> None:
        self.verdict = verdict
        self.ctx = ctx
        rules = [rule for rule in applicable(list(LOADER_RULES), ctx.contract)
                 if not (verdict.head_from_file and rule is CategoryOutOfRange)]
        self.rules = [rule(ctx) for rule in rules]

    def add(self, rule: Rule, reason: str | None, count: int, example: Callable[[], tuple[str, str]],
            images: bool = False) -> None:
        column = "dropped_images" if images and isinstance(rule, DroppedByLoader) else _column(rule, reason)
        key = (rule.ID, reason)
        tally = self.verdict.tallies[column].get(key)
        if tally is None:
            path, message = example()
            tally = self.verdict.tallies[column][key] = Tally(rule.ID, reason, path=path, message=message)
        tally.count += count

    def batch(self, view: BatchView) -> None:
        for rule in self.rules:
            if not isinstance(rule, MaskRule):
                continue
            for reason, mask in rule.offending(view):
                count = int(np.count_nonzero(mask))
                if count:
                    row = int(np.argmax(mask))
                    self.add(rule, reason, count, lambda: (_annotation_path(view, row, rule, reason),
                                                           rule.message(view, row, reason)))

    def finish(self) -> None:
        for rule in self.rules:
            if not isinstance(rule, MaskRule):
                self._findings(rule, rule.finish())
                continue
            for reason, mask in rule.offending_images():
                count = int(np.count_nonzero(mask))
                if count:
                    row = int(np.argmax(mask))
                    self.add(rule, reason, count, lambda: (f"$.images[{row}]", rule.image_message(row, reason)),
                             images=True)
            self._findings(rule, rule.file_findings())

    def _findings(self, rule: Rule, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.add(rule, finding.reason, 1, lambda: (finding.path, finding.message))


def _annotation_path(view: BatchView, row: int, rule: MaskRule, reason: str) -> str:
    key = rule.field(reason)
    return f"$.annotations[{view.batch.start + row}]" + (f".{key}" if key else "")


def _evaluate_once(reader: Reader, source: Any) -> FileVerdicts | Reader:
    dataset: Dataset = reader.read(source)
    result = FileVerdicts(dataset.source, images=len(dataset.images), categories=len(dataset.categories))
    counted: list[_Counted] = []
    for name, kind, contract, from_file in candidates(dataset.categories):
        shared = counted[0].ctx if counted else None
        ctx = FileContext(dataset.source, contract, dataset.categories, dataset.images, shared=shared)
        verdict = Verdict(name, kind, contract, head_from_file=from_file)
        result.verdicts.append(verdict)
        counted.append(_Counted(verdict, ctx))
    try:
        for batch in dataset.annotation_batches:
            result.annotations += len(batch)
            first: BatchView | None = None
            for each in counted:
                view = BatchView.of(batch, each.ctx, shared=first)
                first = first or view
                each.batch(view)
    except ReadAgain as again:
        return again.reader
    finally:
        close = getattr(dataset.annotation_batches, "close", None)
        if close is not None:
            close()
    for each in counted:
        each.finish()
        each.ctx.release_images()
    return result
