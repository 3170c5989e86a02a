"""The result of ``labelcheck loaders``: what each profile and preset does with a file.

A ``Verdict`` counts, for one contract, the findings of the rules that speak
for a loader, by column (crashes, out of range, relabelled, class names,
dropped annotations and images), with one example each; ``contract_hint`` is
scan's one line for a file the default contract does not fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.contract import Contract, Mapping, declared_columns
from ..core.dataset import Category, usable_category_id
from ..loaders import LOADERS, PRESETS

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
