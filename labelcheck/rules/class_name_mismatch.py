"""A declared category's name is not the model's class at the column it maps to.

Checked when the contract has class names (the mlperf-retinanet preset does).
The file may train without any crash and still teach the model the wrong
classes. When the whole table is shifted by a constant, typically a 1-based
export where every name sits at its model index + 1, this is one finding that
names the shift and the command that repairs it, not one per category. A name
that is not a model class comes with the closest one (case and spelling:
``motorbike`` for ``motorcycle``, ``bus`` for ``Bus``) and the ``remap
--rename`` that fixes it. Under a loader that numbers categories in file order
(MMDetection, DALI), a model class written in another position is
relabelled-by-loader's finding.

Default severity: error.

Fails (MLPerf classes, raw mapping; 'Airplane' is index 0):

    "categories": [{"id": 1, "name": "Airplane"}, {"id": 2, "name": "Antelope"}, ...]

Passes:

    "categories": [{"id": 0, "name": "Airplane"}, {"id": 1, "name": "Antelope"}, ...]
"""

from __future__ import annotations

import difflib
import functools
import shlex
from collections import Counter
from typing import Iterator

from ..core.contract import Contract, Mapping
from ..core.dataset import Category
from ..core.findings import Finding, Severity
from ..core.text import describe, plural, safe
from ..loaders import DEFAULT_PRESET
from .base import Rule

# A shift is called out as such only when it explains this many categories.
MIN_SHIFTED = 2


class ClassNameMismatch(Rule):
    ID = "class-name-mismatch"
    SEVERITY = Severity.ERROR
    NEEDS_CLASS_NAMES = True

    def finish(self) -> Iterator[Finding]:
        names = self.ctx.contract.class_names or ()
        position_of = {name: index for index, name in enumerate(names)}
        mismatched: list[tuple[int, Category, int | None]] = []
        for number, category in self.ctx.declared.items():
            column = self.ctx.column_of_declared.get(number)
            if column is not None and 0 <= column < len(names) and names[column] == category.name:
                continue
            mismatched.append((number, category, column))
        shift_of = {number: _shift(category, column, position_of) for number, category, column in mismatched}
        shifts = Counter(shift for shift in shift_of.values() if shift is not None)
        shift, count = shifts.most_common(1)[0] if shifts else (None, 0)
        if count < MIN_SHIFTED:
            shift = None
        else:
            yield self._shift_finding(shift, count, len(mismatched))
        for number, category, column in mismatched:
            if shift is not None and shift_of[number] == shift:
                continue
            if self.ctx.contract.mapping in _BY_FILE_ORDER and column is not None and category.name in position_of:
                continue  # relabelled-by-loader's
            yield self._one_finding(number, category, column, names, position_of)

    def _shift_finding(self, shift: int, count: int, total: int) -> Finding:
        sign = f"+{shift}" if shift > 0 else str(shift)
        contract = self.ctx.contract
        fix = f"remap --offset {-shift}" if contract.mapping == Mapping.RAW else "remap --by-name"
        fix += _contract_options(contract, by_name=contract.mapping != Mapping.RAW)
        hint = " (a 1-based export?)" if shift == 1 else ""
        rest = f"; {total - count} other categories mismatch too (listed separately)" if total > count else ""
        return self.file_finding(
            f"the category table is shifted by {sign}{hint}: {count} categories sit at their model "
            f"index {sign}, so every one of their annotations trains the wrong class{rest}; "
            f"remapping with {fix.partition(' ')[2]} repairs it",
            path="$.categories",
            fix=fix,
        )

    def _one_finding(
        self, number: int, category: Category, column: int | None, names: tuple[str, ...], position_of: dict
    ) -> Finding:
        name = describe(category.name)
        path = f"$.categories[{category.position}].name"
        fix = None
        if column is None:
            closest, fix = self._closest(category.name, position_of)
            message = (
                f"category {number} {name} is not a model class: loaders that map by name silently skip "
                f"its annotations; rename it to a model class or remove it{closest}"
            )
        elif not 0 <= column < len(names):
            classes = plural(len(names), "class")
            message = f"category {number} {name} maps to column {column}, outside the model's {classes}"
        else:
            expected = describe(names[column])
            where = position_of.get(category.name) if isinstance(category.name, str) else None
            if where is not None:
                elsewhere = f"; {name} is model class {where}"
            else:
                elsewhere, fix = self._closest(category.name, position_of)
            message = f"category {number} is {name} but model column {column} is {expected}{elsewhere}"
        return self.file_finding(message, path=path, category_id=category.id, fix=fix)

    def _closest(self, name: object, position_of: dict[str, int]) -> tuple[str, str | None]:
        """('; closest model class: 'Motorcycle' (column 4): remap --rename keeps its annotations', its fix), or ('', None)."""
        closest = closest_name(name, tuple(position_of)) if isinstance(name, str) else None
        if closest is None:
            return "", None
        fix = f"remap --rename {shlex.quote(f'{name}={closest}')}"
        return (f"; closest model class: {describe(closest)} (column {position_of[closest]}): "
                f"{safe(fix)} keeps its annotations"), fix


_BY_FILE_ORDER = frozenset({Mapping.FILE_ORDER, Mapping.FILE_POSITION})


@functools.lru_cache(maxsize=4096)
def closest_name(name: str, names: tuple[str, ...]) -> str | None:
    """The model class ``name`` most likely means: the same but for case, else the closest
    spelling among those with the same first letter: a difflib ratio of 0.8, or 0.6 with the
    first 4 letters the same (motorbike, motorcycle; not person, Pen); None if none, or if it
    is ``name`` itself."""
    if not name:
        return None
    folded = name.casefold()
    by_folded: dict[str, str] = {}
    for model_name in names:
        if model_name[:1].casefold() == folded[:1]:
            by_folded.setdefault(model_name.casefold(), model_name)
    if folded in by_folded:
        closest: str | None = by_folded[folded]
    else:
        close = [candidate for candidate in difflib.get_close_matches(folded, list(by_folded), n=3, cutoff=0.6)
                 if candidate[:4] == folded[:4] or difflib.SequenceMatcher(None, folded, candidate).ratio() >= 0.8]
        closest = by_folded[close[0]] if close else None
    return closest if closest != name else None


def _shift(category: Category, column: int | None, position_of: dict[str, int]) -> int | None:
    """How far the category's column is from its name's model index."""
    if column is None or not isinstance(category.name, str) or category.name not in position_of:
        return None
    return column - position_of[category.name]


def _contract_options(contract: Contract, by_name: bool) -> str:
    """The options that give remap this scan's contract: its preset if not the default;
    else the head's size (the new ids must fit it) or, to remap by name, the class list."""
    if contract.preset is not None:
        return "" if contract.preset == DEFAULT_PRESET else f" --preset {contract.preset}"
    loader = f" --loader {contract.loader}" if contract.loader else ""
    if by_name:
        return f"{loader} --classes {shlex.quote(contract.classes_file) if contract.classes_file else 'FILE'}"
    return f"{loader} --num-classes {contract.num_classes}"
