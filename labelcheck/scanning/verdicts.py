"""What every loader profile and preset would do with a file, from one pass over it.

``evaluate`` reads each file once and runs the rules that speak for a loader
(``LOADER_RULES``) under every profile and preset side by side, sharing what
does not depend on the contract (the image index, the repeated ids, the boxes
converted and clamped). It counts findings from the rules' masks instead of
building them, keeping one example of each, so a file every loader rejects
costs no more than one that passes. Never prints, never exits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..core.contract import Contract, Mapping, declared_columns
from ..core.dataset import Category, Dataset, usable_category_id
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

# The verdict's columns, worst first; then the classes the drops empty.
COLUMNS = ("crashes", "out_of_range", "relabelled", "class_names", "dropped_annotations", "dropped_images")
TALLIED = (*COLUMNS, "classes_lost")
VERDICT_WORDS = {"crashes": "crashes", "out_of_range": "out of range", "relabelled": "relabels",
                 "class_names": "names differ", "dropped_annotations": "drops", "dropped_images": "drops"}


@dataclass
class Tally:
    """How many findings of one rule and reason, and the first one's place and words."""

    rule: str
    reason: str | None
    count: int = 0
    path: str | None = None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "reason": self.reason, "count": self.count,
                "example": {"path": self.path, "message": self.message}}


@dataclass
class Verdict:
    """What one profile or preset does with one file."""

    name: str
    kind: str  # "preset" or "loader"
    contract: Contract
    head_from_file: bool = False  # the profile has no default head: sized to what the file needs
    tallies: dict[str, dict[tuple[str, str | None], Tally]] = field(
        default_factory=lambda: {column: {} for column in TALLIED})

    def count(self, column: str) -> int:
        return sum(tally.count for tally in self.tallies[column].values())

    def first(self, column: str) -> Tally | None:
        """The most frequent reason in the column."""
        tallies = self.tallies[column].values()
        return max(tallies, key=lambda tally: tally.count) if tallies else None

    @property
    def word(self) -> str:
        for column in COLUMNS:
            if self.count(column):
                return VERDICT_WORDS[column]
        return "trains"

    def to_dict(self) -> dict[str, Any]:
        contract = self.contract.to_dict()
        contract.pop("class_names")
        return {
            "name": self.name, "kind": self.kind, "verdict": self.word,
            "contract": {**contract, "class_names": self.contract.class_names is not None,
                         "head_from_file": self.head_from_file},
            **{column: {"count": self.count(column), "reasons": [tally.to_dict() for tally in tallies.values()]}
               for column, tallies in self.tallies.items()},
        }


@dataclass
class FileVerdicts:
    file: str
    images: int = 0
    annotations: int = 0
    categories: int = 0
    verdicts: list[Verdict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file,
                "counts": {"images": self.images, "annotations": self.annotations, "categories": self.categories},
                "verdicts": [verdict.to_dict() for verdict in self.verdicts]}


def evaluate(paths: Any, *, reader: str = "auto", progress: ProgressCallback | None = None) -> list[FileVerdicts]:
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


def fitting_presets(categories: list[Category]) -> list[str]:
    """The presets whose every declared category lands on the column of its own name."""
    return [name for name, preset in PRESETS.items() if _fits(preset.contract(), categories)]


def _fits(contract: Contract, categories: list[Category]) -> bool:
    names = contract.class_names or ()
    columns = declared_columns(contract, categories)
    declared = {usable_category_id(category): category for category in categories}
    return bool(columns) and all(
        column is not None and 0 <= column < len(names) and names[column] == declared[number].name
        for number, column in columns.items())


def _mostly_named_like(contract: Contract, categories: list[Category]) -> bool:
    """Most declared names are the contract's class names (wherever their columns are)."""
    names = set(contract.class_names or ())
    return sum(1 for category in categories if isinstance(category.name, str) and category.name in names) \
        > len(categories) / 2


def contract_hint(file: str, categories: list[Category], default: Contract) -> str | None:
    """One line saying which presets or options fit a file the default contract does not, or None."""
    if not categories or _fits(default, categories) or _mostly_named_like(default, categories):
        return None  # it fits, or it is a file for this model gone wrong (class-name-mismatch says how)
    fits = [name for name in fitting_presets(categories) if name != default.preset]
    if fits:
        listed = ", ".join(fits[:-1]) + (" or " if len(fits) > 1 else "") + fits[-1]
        return (f"{file}: the default contract ({default.preset}) does not fit these categories; --preset "
                f"{listed} does ('labelcheck loaders {file}' compares every loader)")
    ids = sorted(number for category in categories if (number := usable_category_id(category)) is not None)
    count = len(ids)
    if ids and ids == list(range(ids[0], ids[0] + count)) and ids[0] in (0, 1):
        sorted_loaders = ", ".join(name for name, profile in LOADERS.items() if profile.mapping == Mapping.SORTED)
        raw = f"--loader torchvision --num-classes {count + 1}" if ids[0] == 1 else f"--num-classes {count}"
        return (f"{file}: the categories are ids {ids[0]}..{ids[-1]} with their own names, not {default.preset}'s: "
                f"try --loader NAME --num-classes {count} ({sorted_loaders}, mmdet; add --classes FILE to check "
                f"names) or {raw} ('labelcheck loaders {file}' compares every loader)")
    return None
