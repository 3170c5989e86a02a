"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

    ::error file=train.json,title=category-out-of-range::$.annotations[16].category_id (annotation 17, ...): ...

GitHub shows about ten annotations of each kind per step, so at most ten are
written per severity; past that one notice says how many were left out and
where the full report is (notices keep a slot for it). When
``GITHUB_STEP_SUMMARY`` names a file, a Markdown table of findings per file and
rule is appended to it.

Escaping: ``%``, CR and LF in messages, and also ``:`` and ``,`` in property
values, are percent-encoded as the runner expects, so dataset text cannot end
a command or start another; Markdown metacharacters (``|`` included) are
backslash-escaped in the summary and control characters never reach either.
"""

from __future__ import annotations

import os
import re
from collections import Counter

from ..core.contract import Contract
from ..core.findings import Finding, Severity
from ..core.text import safe
from ..scanning.report import FileReport, Report
from .base import Reporter, counts_text, finding_text, tally_text

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
LIMIT = 10  # annotations GitHub shows per kind and step
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&$])")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str) -> str:
    """One workflow command line, e.g. ``::error file=a.json,title=rule::message``."""
    props = ",".join(f"{key}={escape_property(safe(value))}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def escape_markdown(text: str) -> str:
    """Text for a Markdown table cell: no newlines, no markup, no ``|`` column breaks."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", safe(text))


class GithubReporter(Reporter):
    name = "github"

    def start(self, contract: Contract) -> None:
        self._shown: Counter = Counter()
        self._hidden: Counter = Counter()

    def finding(self, finding: Finding) -> None:
        severity = finding.severity
        budget = LIMIT - 1 if severity == Severity.INFO else LIMIT  # a notice slot for the overflow note
        if self._shown[severity] >= budget:
            self._hidden[severity] += 1
            return
        self._shown[severity] += 1
        self.out.write(command(LEVEL[severity], finding_text(finding), file=finding.file, title=finding.rule) + "\n")

    def finish(self, report: Report) -> None:
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if self._hidden:
            self.out.write(command("notice", self._overflow_note(bool(summary_file)), title="labelcheck") + "\n")
        if summary_file:
            problem = _append(summary_file, self.markdown(report))
            if problem:  # the annotations above are still worth having
                self.out.write(command("warning", problem, title="labelcheck") + "\n")

    def _overflow_note(self, has_summary: bool) -> str:
        hidden = {severity.label: self._hidden[severity] for severity in sorted(self._hidden, reverse=True)}
        where = "the job summary" if has_summary else "run 'labelcheck scan' with --format table or json"
        return f"{sum(hidden.values())} more findings not annotated ({counts_text(hidden)}); full report: {where}"

    def markdown(self, report: Report) -> str:
        verdict = "failed" if report.failed(self.fail_on) else "passed"
        lines = [
            f"### labelcheck {verdict}",
            "",
            escape_markdown(f"{tally_text(report)} (--fail-on {self.fail_on})"),
            "",
            "| File | Rule | Severity | Findings | First example |",
            "|---|---|---|---:|---|",
        ]
        for file_report in report.files:
            lines.extend(_rows(file_report))
        return "\n".join(lines) + "\n\n"


def _rows(file_report: FileReport) -> list[str]:
    file = escape_markdown(file_report.file)
    if not file_report.rule_counts:
        return [f"| {file} | none | | 0 | |"]
    ordered = sorted(file_report.rule_counts.items(), key=lambda item: (-item[0][1].rank, item[0][0]))
    rows = []
    for (rule, severity), count in ordered:
        examples = [f for f in file_report.examples.get(rule, []) if f.severity == severity]
        example = escape_markdown(finding_text(examples[0])) if examples else ""
        rows.append(f"| {file} | {escape_markdown(rule)} | {severity.label} | {count} | {example} |")
    return rows


def _append(path: str, text: str) -> str | None:
    """Append to the job summary; the problem, if it cannot be written."""
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        return f"{path}: cannot append the job summary (GITHUB_STEP_SUMMARY): {exc.strerror or exc}"
    return None
