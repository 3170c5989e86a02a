"""The result of a scan: per-file counts and bounded aggregates of findings.

Aggregates stay small whatever the number of findings (a few examples per rule
and per offending category id), so a file where every annotation is wrong still
reports in bounded memory. The full list of findings is kept only on request.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.contract import Contract
from ..core.dataset import Category, FileLayout
from ..core.findings import Finding, Severity, fail_threshold
from ..rules import CATEGORY_RULES, REASON_RULES

if TYPE_CHECKING:
    from .statistics import FileStatistics

# Distinct offending category ids tracked per rule before the rest are lumped.
MAX_CATEGORY_GROUPS = 200


@dataclass
class CategoryGroup:
    """Findings of one category rule for one offending category_id."""

    category_id: Any
    count: int = 0
    annotation_ids: list[Any] = field(default_factory=list)
    image_files: list[str] = field(default_factory=list)


@dataclass
class ReasonGroup:
    """Findings of one rule for one reason: how many, the first one's words, where the first few are."""

    reason: str | None
    message: str
    count: int = 0
    paths: list[str] = field(default_factory=list)


@dataclass
class FileReport:
    file: str
    images: int = 0
    annotations: int = 0
    categories: int = 0
    rule_counts: Counter = field(default_factory=Counter)  # (rule, severity) -> count
    examples: dict[str, list[Finding]] = field(default_factory=dict)  # rule -> first findings
    category_groups: dict[str, dict[str, CategoryGroup]] = field(default_factory=dict)
    ungrouped: Counter = field(default_factory=Counter)  # rule -> findings past MAX_CATEGORY_GROUPS
    reason_groups: dict[str, dict[str | None, ReasonGroup]] = field(default_factory=dict)
    layout: FileLayout | None = field(default=None, repr=False)  # for rewriting a streamed file
    images_checked: int | None = None  # image files checked (None: images were not checked)
    images_from_cache: int = 0  # of which the image cache answered
    category_table: list[Category] = field(default_factory=list, repr=False)  # what the file declares
    statistics: "FileStatistics | None" = field(default=None, repr=False)  # when the scan accumulated them

    def add(self, finding: Finding, max_examples: int) -> None:
        self.rule_counts[finding.rule, finding.severity] += 1
        examples = self.examples.setdefault(finding.rule, [])
        if len(examples) < max_examples:
            examples.append(finding)
        if finding.rule in CATEGORY_RULES:
            self._group(finding, max_examples)
        if finding.rule in REASON_RULES:
            groups = self.reason_groups.setdefault(finding.rule, {})
            group = groups.get(finding.reason)
            if group is None:
                group = groups[finding.reason] = ReasonGroup(finding.reason, finding.message)
            group.count += 1
            if len(group.paths) < max_examples:
                group.paths.append(finding.path)

    def _group(self, finding: Finding, max_examples: int) -> None:
        groups = self.category_groups.setdefault(finding.rule, {})
        key = repr(finding.category_id)
        if key not in groups:
            if len(groups) >= MAX_CATEGORY_GROUPS:
                self.ungrouped[finding.rule] += 1
                return
            groups[key] = CategoryGroup(finding.category_id)
        group = groups[key]
        group.count += 1
        if len(group.annotation_ids) < max_examples:
            group.annotation_ids.append(finding.annotation_id)
            if finding.image_file is not None:
                group.image_files.append(finding.image_file)

    def severity_counts(self) -> Counter:
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
        }


@dataclass
class Report:
    contract: Contract
    files: list[FileReport] = field(default_factory=list)
    findings: list[Finding] | None = None  # every finding, when the scan kept them
    suppressed: int | None = None  # findings a baseline matched (None: no baseline)

    def file_report(self, file: str) -> FileReport:
        for report in self.files:
            if report.file == file:
                return report
        raise KeyError(file)

    def severity_counts(self) -> Counter:
        total: Counter = Counter()
        for report in self.files:
            total.update(report.severity_counts())
        return total

    def failed(self, fail_on: str = "error") -> bool:
        """Whether any finding is at or above the --fail-on threshold."""
        threshold = fail_threshold(fail_on)
        if threshold is None:
            return False
        return any(severity >= threshold and count for severity, count in self.severity_counts().items())

    def summary(self) -> dict[str, int]:
        return _by_severity(self.severity_counts())


def _by_severity(counts: Counter) -> dict[str, int]:
    return {severity.label: counts.get(severity, 0) for severity in sorted(Severity, reverse=True)}
