"""``--format json``: one JSON document, findings streamed as they are found.

Schema (version 2; version 1 had no ``statistics``)::

    {
      "schema_version": 2,
      "tool": {"name": "labelcheck", "version": "..."},
      "contract": {"preset": ..., "num_classes": ..., "mapping": ..., "class_names": [...] | null},
      "findings": [{"rule", "severity", "message", "file", "path",
                    optional "annotation_id", "image_id", "category_id", "image_file",
                    "related_to" (the rule of an earlier finding on the same value)}, ...],
      "files": [{"file", "counts": {"images", "annotations", "categories"},
                 "findings_by_rule": {...}, "findings_by_severity": {...}, "related_findings": n}, ...],
      "summary": {"error": n, "warning": n, "info": n (problems: related findings counted once),
                  "related_findings": n, "fail_on": "...", "failed": bool,
                  "baseline_suppressed": n (only with --baseline)},
      "statistics": {"files": [{"file", "classes": {...}, "boxes": {...}, "images": {...}}, ...]}
                    | null (with --no-statistics)
    }

The statistics of each file are ``FileStatistics.to_dict()`` (the README's
Output section describes every key).
"""

from __future__ import annotations

from ..core.contract import Contract
from ..core.findings import Finding
from ..core.text import json_text
from ..core.version import __version__
from ..scanning.report import Report
from .base import Reporter

SCHEMA_VERSION = 2


class JsonReporter(Reporter):
    name = "json"
    shows_statistics = True

    def start(self, contract: Contract) -> None:
        self._count = 0
        self.out.write("{\n")
        self.out.write(f'  "schema_version": {SCHEMA_VERSION},\n')
        self.out.write(f'  "tool": {json_text({"name": "labelcheck", "version": __version__})},\n')
        self.out.write(f'  "contract": {json_text(contract.to_dict())},\n')
        self.out.write('  "findings": [')

    def finding(self, finding: Finding) -> None:
        self.out.write(",\n    " if self._count else "\n    ")
        self.out.write(json_text(finding.to_dict()))
        self._count += 1

    def finish(self, report: Report) -> None:
        self.out.write("\n  ],\n" if self._count else "],\n")
        files = ",\n    ".join(json_text(file_report.to_dict()) for file_report in report.files)
        self.out.write(f'  "files": [\n    {files}\n  ],\n' if files else '  "files": [],\n')
        summary = {**report.summary(), "related_findings": report.related(), "fail_on": self.fail_on,
                   "failed": report.failed(self.fail_on)}
        if report.suppressed is not None:
            summary["baseline_suppressed"] = report.suppressed
        self.out.write(f'  "summary": {json_text(summary)},\n')
        self.out.write(f'  "statistics": {_statistics(report)}\n}}\n')


def _statistics(report: Report) -> str:
    """Each file's statistics, one file a line; null when the scan did not accumulate them."""
    files = [(file_report.file, file_report.statistics) for file_report in report.files]
    if any(statistics is None for _, statistics in files):
        return "null"
    lines = ",\n      ".join(json_text({"file": file, **statistics.to_dict()}) for file, statistics in files)
    return f'{{"files": [\n      {lines}\n    ]}}' if lines else '{"files": []}'

