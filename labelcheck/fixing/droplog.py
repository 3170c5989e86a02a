"""What ``clean`` drops, kept compact: memory per dropped annotation in bytes, not objects.

A file where every annotation is dropped (a wrong --num-classes, say) has
millions of them; as Python objects with a list of reasons each they took
about 600 bytes apiece (2 GB with the report for 1M). Here a dropped
annotation costs its position and three ids in arrays (integers, the usual;
any other value is kept aside), plus a byte or two of reason bits per
annotation of the file; and the report is written entry by entry.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from typing import IO, Any, Iterator

import numpy as np

from ..core.text import json_text

# The findings that crash or silently corrupt training.
DEFAULT_CLEAN_RULES = (
    "category-out-of-range",
    "invalid-category-id",
    "undefined-category",
    "invalid-bbox",
    "missing-image",
)
DROP_CHOICES = ("annotations", "images")

_ID_FIELDS = ("annotation_id", "image_id", "category_id")
_INT64 = (-(2**63), 2**63 - 1)


class ValueColumn:
    """Raw JSON values, appended: integers in an array, anything else (rare) in a dict by row."""

    def __init__(self) -> None:
        self.numbers = array("q")
        self.others: dict[int, Any] = {}

    def append(self, value: Any) -> None:
        if type(value) is int and _INT64[0] <= value <= _INT64[1]:
            self.numbers.append(value)
        else:
            self.others[len(self.numbers)] = value
            self.numbers.append(0)

    def __getitem__(self, row: int) -> Any:
        return self.others[row] if row in self.others else self.numbers[row]

    def __len__(self) -> int:
        return len(self.numbers)

    def values(self) -> Iterator[Any]:
        return (self[row] for row in range(len(self)))


class DroppedAnnotations:
    """Dropped annotations in the order they were met: position and ids, columnar."""

    def __init__(self) -> None:
        self.positions = array("q")
        self.ids = {name: ValueColumn() for name in _ID_FIELDS}

    def add(self, position: int, annotation_id: Any, image_id: Any, category_id: Any) -> None:
        self.positions.append(position)
        for name, value in zip(_ID_FIELDS, (annotation_id, image_id, category_id)):
            self.ids[name].append(value)

    def __len__(self) -> int:
        return len(self.positions)

    def position_array(self) -> np.ndarray:
        return _numbers(self.positions)

    def rows_by_position(self) -> Iterator[int]:
        return iter(np.argsort(_numbers(self.positions), kind="stable").tolist())

    def entry(self, row: int, reasons: list[str]) -> dict[str, Any]:
        ids = {name: column[row] for name, column in self.ids.items()}
        return {**ids, "position": self.positions[row], "reasons": reasons}

    def category_counts(self) -> Counter:
        """Dropped annotations per category id, keyed by its JSON text, in the order ids were first met."""
        column = self.ids["category_id"]
        numbers = _numbers(column.numbers)
        plain = np.ones(len(numbers), dtype=bool)
        plain[list(column.others)] = False
        rows = np.flatnonzero(plain)
        values, first, tally = np.unique(numbers[rows], return_index=True, return_counts=True)
        found = [(int(rows[f]), str(v), c) for v, f, c in zip(values.tolist(), first.tolist(), tally.tolist())]
        others: dict[str, list[int]] = {}
        for row, value in column.others.items():
            others.setdefault(json.dumps(value), [row, 0])[1] += 1
        found += [(row, key, count) for key, (row, count) in others.items()]
        return Counter({key: count for _, key, count in sorted(found)})


class ReasonBits:
    """For each annotation position, a bit per rule that found it: one or two bytes per annotation."""

    def __init__(self, rules: tuple[str, ...]) -> None:
        self.rules = rules
        self._bit = {rule: 1 << index for index, rule in enumerate(rules)}
        width = np.uint8 if len(rules) <= 8 else np.uint16 if len(rules) <= 16 else np.uint32
        self.bits = np.zeros(1 << 12, dtype=width)

    def add(self, position: int, rule: str) -> bool:
        """Mark; True if the position had no reason yet."""
        if position >= len(self.bits):
            grown = np.zeros(max(position + 1, 2 * len(self.bits)), dtype=self.bits.dtype)
            grown[: len(self.bits)] = self.bits
            self.bits = grown
        first = not self.bits[position]
        self.bits[position] |= self._bit[rule]
        return first

    def __contains__(self, position: object) -> bool:
        return isinstance(position, int) and 0 <= position < len(self.bits) and bool(self.bits[position])

    def of(self, position: int) -> list[str]:
        bits = int(self.bits[position])
        return [rule for rule in self.rules if bits & self._bit[rule]]

    def marked(self, positions: np.ndarray) -> np.ndarray:
        """For each position, whether it has a reason."""
        inside = positions < len(self.bits)
        found = np.zeros(len(positions), dtype=bool)
        found[inside] = self.bits[positions[inside]] != 0
        return found

    def in_range(self, first: int, count: int) -> np.ndarray:
        """Offsets (from ``first``) of the positions in [first, first + count) with a reason."""
        return np.flatnonzero(self.bits[first : first + count])

    def counts(self) -> dict[str, int]:
        return {rule: int(np.count_nonzero(self.bits & bit)) for rule, bit in self._bit.items()}


class OtherFindings:
    """Annotation findings of rules clean does not drop for: position and kind, 9 bytes each,
    until the rewrite tells which of their annotations went anyway."""

    def __init__(self) -> None:
        self._positions = array("q")
        self._kinds = array("B")
        self._index: dict[tuple[str, Any], int] = {}

    def add(self, position: int, rule: str, severity: Any) -> None:
        self._positions.append(position)
        self._kinds.append(self._index.setdefault((rule, severity), len(self._index)))

    def positions(self) -> np.ndarray:
        return _numbers(self._positions)

    def kinds(self) -> np.ndarray:
        return _numbers(self._kinds)

    def kind(self, index: int) -> tuple[str, Any]:
        """(rule, severity) of a kind index."""
        return list(self._index)[index]


def _numbers(values: array) -> np.ndarray:
    """An array's numbers as numpy sees them, without a copy."""
    dtype = {"q": np.int64, "B": np.uint8}[values.typecode]
    return np.frombuffer(values, dtype=dtype) if values else np.zeros(0, dtype=dtype)


def write_entries(out: IO[str], entries: Iterator[dict[str, Any]]) -> None:
    """A JSON array, one entry per line: the report never holds more than one."""
    out.write("[")
    written = False
    for entry in entries:
        out.write(",\n  " if written else "\n  ")
        out.write(json_text(entry))
        written = True
    out.write("\n ]" if written else "]")
