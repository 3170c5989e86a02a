"""Severities and findings: small, sortable value objects."""

from __future__ import annotations

import enum
import operator
import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable


class Severity(str, enum.Enum):
    """How bad a finding is. A member is the text reports write (``finding.severity
    == "error"``, ``print`` shows ``error``); severities order by rank, INFO < WARNING
    < ERROR, and compare with that text too (``severity >= "warning"``)."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def label(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """1, 2, 3: INFO, WARNING, ERROR. Read for every finding: from ``_value_``, not the
        ``value`` property, which costs ten times more."""
        return RANK[self._value_]

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r}; use error, warning or info") from None

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def _compare(self, other: object, test: Callable[[int, int], bool]) -> bool:
        rank = other.rank if isinstance(other, Severity) else RANK.get(other) if isinstance(other, str) else None
        return NotImplemented if rank is None else test(self.rank, rank)

    def __lt__(self, other: object) -> bool:
        return self._compare(other, operator.lt)

    def __le__(self, other: object) -> bool:
        return self._compare(other, operator.le)

    def __gt__(self, other: object) -> bool:
        return self._compare(other, operator.gt)

    def __ge__(self, other: object) -> bool:
        return self._compare(other, operator.ge)


# Each severity's rank, also by its text (a Severity is its text: RANK[finding.severity] is a plain lookup).
RANK = {"info": 1, "warning": 2, "error": 3}


# --fail-on choices: a severity, or never.
FAIL_ON_CHOICES = ("error", "warning", "info", "never")


def fail_threshold(fail_on: str) -> Severity | None:
    return None if fail_on == "never" else Severity.parse(fail_on)


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one file. Sorts by file, then position in the file."""

    file: str
    position: int  # annotation index, or -1 for file-level findings: sorts first
    rule: str
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    path: str = field(default="$", compare=False)  # JSON path of the offending value
    annotation_id: Any = field(default=None, compare=False)
    image_id: Any = field(default=None, compare=False)
    category_id: Any = field(default=None, compare=False)  # raw value from the file
    image_file: str | None = field(default=None, compare=False)
    reason: str | None = field(default=None, compare=False)  # the rule's stable key for why, where it has several
    # The rule of an earlier finding on the same value (an undeclared id also out of
    # range): one problem, counted once. Set by the report.
    related_to: str | None = field(default=None, compare=False)
    # The labelcheck command and options that repair it, without the files ("remap --offset -1").
    fix: str | None = field(default=None, compare=False)

    def mark_related(self, rule: str) -> None:
        """Say the finding is on the value an earlier finding of ``rule`` is about. The report
        does, as it takes a finding in, before anyone else is given it; ``related_to`` does not
        take part in comparing or hashing findings. (A copy would cost 3 us a finding where a
        file with every annotation wrong has millions.)"""
        object.__setattr__(self, "related_to", rule)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report's finding object; optional keys only where they apply."""
        result: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.label,
            "message": self.message,
            "file": self.file,
            "path": self.path,
        }
        for key in ("annotation_id", "image_id", "category_id", "image_file", "reason", "related_to"):
            value = getattr(self, key)
            if value is not None:
                result[key] = value
        if self.fix is not None:
            result["fix"] = fix_command(self.fix, [self.file])
        return result


def jsonable(value: Any) -> Any:
    """A raw value from the file, fit for a JSON report: NaN and Infinity, which
    JSON cannot carry, become the strings "nan", "inf", "-inf"."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return repr(value)
    return value


def fix_command(fix: str, files: list[str]) -> str:
    """The command line that applies ``fix`` (``Finding.fix``) to ``files``, quoted for a
    shell: one file to ``NAME.fixed.json`` beside it, several to ``--output-dir fixed``."""
    command, _, options = fix.partition(" ")
    paths = [shlex.quote(file) if not file.startswith("<") else "FILE" for file in files]
    if len(paths) > 1:
        target = "--output-dir fixed"
    else:
        target = "-o " + (shlex.quote(fixed_name(files[0])) if paths[0] != "FILE" else "FIXED.json")
    return " ".join(["labelcheck", command, *paths, target, *([options] if options else [])])


def fixed_name(path: str) -> str:
    """Where a fixed copy of ``path`` goes: train.json -> train.fixed.json, x.json.gz -> x.fixed.json.gz."""
    folder, name = os.path.split(path)
    suffix = ".json.gz" if name.endswith(".json.gz") else os.path.splitext(name)[1]
    return os.path.join(folder, f"{name[: len(name) - len(suffix)]}.fixed{suffix}")
