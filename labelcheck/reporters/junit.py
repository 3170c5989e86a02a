"""``--format junit``: JUnit XML, for CI systems that show test results.

One test suite per file and one test case per rule with findings in it
(classname: the file, name: the rule). A rule whose findings reach --fail-on
fails, with a few offending annotations (``--max-examples``) and how many more
there were; a rule below the threshold passes with its findings as output. A
file without findings has one passing case, ``no-findings``. Names are unique:
a file given twice gets a numbered suite.

The XML library escapes markup; control characters, which XML cannot carry at
all, are shown escaped (``\\x1b``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..core.findings import Severity, fail_threshold
from ..core.text import safe
from ..scanning.report import FileReport, Report
from .base import Reporter, finding_text


class JunitReporter(Reporter):
    name = "junit"

    def finish(self, report: Report) -> None:
        root = ET.Element("testsuites", name="labelcheck")
        seen: set[str] = set()
        for file_report in report.files:
            root.append(self._suite(file_report, _unique(safe(file_report.file), seen)))
        suites = root.findall("testsuite")
        _set_counts(root, sum(int(suite.get("tests")) for suite in suites),
                    sum(int(suite.get("failures")) for suite in suites))
        ET.indent(root)
        self.out.write('<?xml version="1.0" encoding="utf-8"?>\n')
        self.out.write(ET.tostring(root, encoding="unicode"))
        self.out.write("\n")

    def _suite(self, file_report: FileReport, name: str) -> ET.Element:
        suite = ET.Element("testsuite", name=name)
        by_rule: dict[str, dict[Severity, int]] = {}
        for (rule, severity), count in file_report.rule_counts.items():
            by_rule.setdefault(rule, {})[severity] = count
        for rule in sorted(by_rule):
            suite.append(self._case(file_report, name, rule, by_rule[rule]))
        if not by_rule:
            ET.SubElement(suite, "testcase", classname=name, name="no-findings")
        cases = suite.findall("testcase")
        _set_counts(suite, len(cases), sum(1 for case in cases if case.find("failure") is not None))
        return suite

    def _case(self, file_report: FileReport, classname: str, rule: str, counts: dict[Severity, int]) -> ET.Element:
        case = ET.Element("testcase", classname=classname, name=rule)
        total = sum(counts.values())
        worst = max(counts)
        examples = file_report.examples.get(rule, [])
        lines = [finding_text(finding) for finding in examples]
        if total > len(examples):
            lines.append(f"... and {total - len(examples)} more")
        summary = f"{total} {'finding' if total == 1 else 'findings'} ({worst.label})"
        threshold = fail_threshold(self.fail_on)
        if threshold is not None and worst >= threshold:
            failure = ET.SubElement(case, "failure", type=worst.label, message=summary)
            failure.text = "\n".join(lines)
        else:
            ET.SubElement(case, "system-out").text = "\n".join([summary, *lines])
        return case


def _unique(name: str, seen: set[str]) -> str:
    candidate, number = name, 1
    while candidate in seen:
        number += 1
        candidate = f"{name} ({number})"
    seen.add(candidate)
    return candidate


def _set_counts(element: ET.Element, tests: int, failures: int) -> None:
    for key, value in (("tests", tests), ("failures", failures), ("errors", 0), ("skipped", 0)):
        element.set(key, str(value))
