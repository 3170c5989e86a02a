"""The result of a scan: per-file counts and bounded aggregates of findings.

Aggregates stay small whatever the number of findings (a few examples per rule
and per offending category id; two bytes per annotation for the fields that
have findings, so a value two rules find counts once), so a file where every
annotation is wrong still reports in bounded memory. The full list of findings
is kept only on request.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..core.contract import Contract
from ..core.dataset import Category, FileLayout
from ..core.findings import RANK, Finding, Severity, fail_threshold, fix_command
from ..rules import CATEGORY_RULES, REASON_RULES, RULES

if TYPE_CHECKING:
    from .gallery import Thumbnail
    from .statistics import FileStatistics

# Findings about an annotation's value: "$.annotations[N].category_id" (N its position).
ANNOTATION_PATH = "$.annotations["
# Distinct offending category ids tracked before the rest are lumped.
MAX_CATEGORY_GROUPS = 200


@dataclass
class CategoryGroup:
    """The annotations with one offending category_id, and the category rules that found them."""

    category_id: Any
    count: int = 0  # annotations (one found by two rules counts once)
    rules: list[str] = field(default_factory=list)
    annotation_ids: list[Any] = field(default_factory=list)
    image_files: list[str] = field(default_factory=list)


@dataclass
class ReasonGroup:
    """Findings of one rule for one reason: how many, the first one's words, where the first few are."""

    reason: str | None
    message: str
    count: int = 0
    paths: list[str] = field(default_factory=list)


class Causes:
    """What each annotation field was found for, so a value two rules find is one problem.

    Per field that has findings ("category_id", "bbox", ...), one number per
    annotation position: the first rule that found it and the highest severity
    so far (two bytes; none for a file without annotation findings).
    """

    def __init__(self) -> None:
        self._fields: dict[str, array] = {}
        self._numbers: dict[str, int] = {}  # rule -> its number here, from 1
        self._names: list[str] = []  # and back

    def mark(self, finding: Finding) -> tuple[str, Severity] | None:
        """Record an annotation finding: None if its value was not found before, else the first
        rule that found it and the highest severity it had."""
        key = finding.path.partition("]")[2]
        marks = self._fields.get(key)
        position = finding.position
        if marks is None:
            marks = self._fields[key] = array("H")
        if position >= len(marks):
            marks.frombytes(bytes(marks.itemsize * max(position + 1 - len(marks), len(marks), 4096)))
        earlier = marks[position]
        rank = RANK[finding.severity]
        if not earlier:
            number = self._numbers.get(finding.rule) or self._number(finding.rule)
            marks[position] = number << 2 | rank
            return None
        if rank > earlier & 3:
            marks[position] = earlier & ~3 | rank
        return self._names[(earlier >> 2) - 1], _BY_RANK[earlier & 3]

    def _number(self, rule: str) -> int:
        """A number for a rule met for the first time."""
        self._names.append(rule)
        number = self._numbers[rule] = len(self._names)
        return number


_BY_RANK = {RANK[severity]: severity for severity in Severity}


def _harmless(finding: Finding) -> int:
    return 0


class Examples:
    """The ``limit`` most telling findings of one rule, most dangerous first.

    A finding is worth more when it is not on a value another rule found first,
    has an offending value none of the others has, is more dangerous
    (``Rule.danger``: the silent -1 before the crashing 264) and more severe;
    among equals the first met stays. A finding that cannot beat the least
    telling one kept costs one comparison: files where every annotation is
    wrong have millions.
    """

    def __init__(self, limit: int, danger: Callable[[Finding], int]) -> None:
        self.limit = limit
        self.danger = danger
        self.kept: list[Finding] = []
        self._values: set[str] = set()  # the offending values kept
        self._floor: tuple[bool, bool, int, int] = (False, False, 0, 0)  # the least telling one's worth, once full
        self._least = 0  # its index

    def offer(self, finding: Finding) -> None:
        if len(self.kept) < self.limit:
            self.kept.append(finding)
            self._settle()
            return
        if not self.limit:
            return
        # Is its worth above the floor? Working out only as much of the worth as it takes.
        own, distinct, danger, rank = self._floor
        if (finding.related_to is None) != own:
            better = not own
        elif (repr(finding.category_id) not in self._values) != distinct:
            better = not distinct
        else:
            better = (self.danger(finding), RANK[finding.severity]) > (danger, rank)
        if better:
            self.kept[self._least] = finding
            self._settle()

    def _worth(self, finding: Finding, distinct: bool) -> tuple[bool, bool, int, int]:
        return finding.related_to is None, distinct, self.danger(finding), RANK[finding.severity]

    def _settle(self) -> None:
        self.kept.sort(key=lambda kept: (-self.danger(kept), -kept.severity.rank, kept.related_to is not None,
                                         kept.position))
        values = Counter(repr(kept.category_id) for kept in self.kept)
        self._values = set(values)
        worths = [(self._worth(kept, values[repr(kept.category_id)] == 1), -index)
                  for index, kept in enumerate(self.kept)]
        (self._floor, least) = min(worths)
        self._least = -least


@dataclass
class FileReport:
    file: str
    images: int = 0
    annotations: int = 0
    categories: int = 0
    rule_counts: Counter = field(default_factory=Counter)  # (rule, severity) -> findings
    counted: Counter = field(default_factory=Counter)  # severity -> problems (a value two rules find: once)
    related: Counter = field(default_factory=Counter)  # (rule, earlier rule) -> findings on the same values
    category_groups: dict[str, CategoryGroup] = field(default_factory=dict)  # by repr of the category_id
    ungrouped: int = 0  # annotations with category ids past MAX_CATEGORY_GROUPS
    layout: FileLayout | None = field(default=None, repr=False)  # for rewriting a streamed file
    contract: Contract | None = field(default=None, repr=False)  # what makes a finding dangerous
    _causes: Causes = field(default_factory=Causes, repr=False)
    fixes: dict[str, str] = field(default_factory=dict)  # Finding.fix -> the rule whose finding names it
    _examples: dict[str, Examples] = field(default_factory=dict, repr=False)
    reason_groups: dict[str, dict[str | None, ReasonGroup]] = field(default_factory=dict)
    images_checked: int | None = None  # image files checked (None: images were not checked)
    images_from_cache: int = 0  # of which the image cache answered
    category_table: list[Category] = field(default_factory=list, repr=False)  # what the file declares
    statistics: "FileStatistics | None" = field(default=None, repr=False)  # when the scan accumulated them

    @property
    def examples(self) -> dict[str, list[Finding]]:
        """A few findings per rule, the most telling first (see ``Examples``)."""
        return {rule: examples.kept for rule, examples in self._examples.items()}

    def _danger(self, rule_id: str) -> Callable[[Finding], int]:
        rule, contract = RULES.get(rule_id), self.contract
        if rule is None or contract is None:
            return _harmless
        return lambda finding: rule.danger(finding, contract)

    def add(self, finding: Finding, max_examples: int) -> Finding:
        """Count a finding; returned marked ``related_to`` the rule that found its value first, if any."""
        rule, severity = finding.rule, finding.severity
        self.rule_counts[rule, severity] += 1
        earlier = self._causes.mark(finding) if finding.path.startswith(ANNOTATION_PATH) else None
        if earlier is None:
            self.counted[severity] += 1
        else:
            first_rule, first_severity = earlier
            finding.mark_related(first_rule)
            self.related[rule, first_rule] += 1
            if RANK[severity] > RANK[first_severity]:
                self.counted[first_severity] -= 1
                self.counted[severity] += 1
        if finding.fix is not None:
            self.fixes.setdefault(finding.fix, rule)
        examples = self._examples.get(rule)
        if examples is None:
            examples = self._examples[rule] = Examples(max_examples, self._danger(rule))
        examples.offer(finding)
        if rule in CATEGORY_RULES:
            self._group(finding, max_examples, first=earlier is None or earlier[0] not in CATEGORY_RULES)
        if rule in REASON_RULES:
            self._group_by_reason(finding, max_examples)
        return finding

    def _group_by_reason(self, finding: Finding, max_examples: int) -> None:
        groups = self.reason_groups.setdefault(finding.rule, {})
        group = groups.get(finding.reason)
        if group is None:
            group = groups[finding.reason] = ReasonGroup(finding.reason, finding.message)
        group.count += 1
        if len(group.paths) < max_examples:
            group.paths.append(finding.path)

    def _group(self, finding: Finding, max_examples: int, first: bool) -> None:
        key = repr(finding.category_id)
        group = self.category_groups.get(key)
        if group is None:
            if len(self.category_groups) >= MAX_CATEGORY_GROUPS:
                self.ungrouped += first
                return
            group = self.category_groups[key] = CategoryGroup(finding.category_id)
        if finding.rule not in group.rules:
            group.rules.append(finding.rule)
        if not first:
            return
        group.count += 1
        if len(group.annotation_ids) < max_examples:
            group.annotation_ids.append(finding.annotation_id)
            if finding.image_file is not None:
                group.image_files.append(finding.image_file)

    def severity_counts(self) -> Counter:
        """Findings per severity (every finding, as the report lists them)."""
        counts: Counter = Counter()
        for (_, severity), count in self.rule_counts.items():
            counts[severity] += count
        return counts

    def to_dict(self) -> dict[str, Any]:
        by_rule: dict[str, int] = Counter()
        for (rule, _), count in self.rule_counts.items():
            by_rule[rule] += count
        counts = {"images": self.images, "annotations": self.annotations, "categories": self.categories}
        if self.images_checked is not None:
            counts["image_files_checked"] = self.images_checked
        return {
            "file": self.file,
            "counts": counts,
            "findings_by_rule": dict(sorted(by_rule.items())),
            "findings_by_severity": _by_severity(self.severity_counts()),
            "related_findings": sum(self.related.values()),
        }


@dataclass
class Report:
    contract: Contract
    files: list[FileReport] = field(default_factory=list)
    findings: list[Finding] | None = None  # every finding, when the scan kept them
    suppressed: int | None = None  # findings a baseline matched (None: no baseline)
    thumbnails: "list[Thumbnail] | None" = None  # the images pictured, when the scan was asked to (thumbnails=N)

    def file_report(self, file: str) -> FileReport:
        for report in self.files:
            if report.file == file:
                return report
        raise KeyError(file)

    def severity_counts(self) -> Counter:
        """Problems per severity: a value two rules find (an undeclared id also out of
        range) is one problem, at the higher of their severities."""
        total: Counter = Counter()
        for report in self.files:
            total.update(report.counted)
        return total

    def fixes(self) -> list[tuple[str, str, list[str]]]:
        """(command line, rule, files) for each fix findings name: one command for
        every file that needs the same fix, as ``remap`` takes train and validation together."""
        files: dict[tuple[str, str], list[str]] = {}
        for report in self.files:
            for fix, rule in report.fixes.items():
                files.setdefault((fix, rule), []).append(report.file)
        return [(fix_command(fix, paths), rule, paths) for (fix, rule), paths in files.items()]

    def finding_counts(self) -> dict[str, int]:
        """Findings per severity, every one counted (what the JSON report and a baseline list)."""
        total: Counter = Counter()
        for report in self.files:
            total.update(report.severity_counts())
        return _by_severity(total)

    def related(self) -> int:
        """Findings on a value an earlier finding of another rule is about (counted once)."""
        return sum(sum(report.related.values()) for report in self.files)

    def failed(self, fail_on: str = "error") -> bool:
        """Whether any finding is at or above the --fail-on threshold."""
        threshold = fail_threshold(fail_on)
        if threshold is None:
            return False
        return any(severity >= threshold and count for severity, count in self.severity_counts().items())

    def summary(self) -> dict[str, int]:
        """Problems per severity: the verdict's counts."""
        return _by_severity(self.severity_counts())


def _by_severity(counts: Counter) -> dict[str, int]:
    return {severity.label: counts.get(severity, 0) for severity in sorted(Severity, reverse=True)}
