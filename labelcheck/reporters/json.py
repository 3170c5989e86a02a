"""``--format json``: one JSON document, findings streamed as they are found.

Schema (version 1)::

    {
      "schema_version": 1,
      "tool": {"name": "labelcheck", "version": "..."},
      "contract": {"preset": ..., "num_classes": ..., "mapping": ..., "class_names": [...] | null},
      "findings": [{"rule", "severity", "message", "file", "path",
                    optional "annotation_id", "image_id", "category_id", "image_file",
                    "related_to" (the rule of an earlier finding on the same value)}, ...],
      "files": [{"file", "counts": {"images", "annotations", "categories"},
                 "findings_by_rule": {...}, "findings_by_severity": {...}, "related_findings": n}, ...],
      "summary": {"error": n, "warning": n, "info": n (problems: related findings counted once),
                  "related_findings": n, "fail_on": "...", "failed": bool,
                  "baseline_suppressed": n (only with --baseline)}
    }
"""

from __future__ import annotations

from ..core.contract import Contract
from ..core.findings import Finding
from ..core.text import json_text
from ..core.version import __version__
from ..scanning.report import Report
from .base import Reporter

SCHEMA_VERSION = 1


class JsonReporter(Reporter):
    name = "json"

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
        self.out.write(f'  "summary": {json_text(summary)}\n}}\n')
