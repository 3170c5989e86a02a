"""Regenerate docs/audit-report.png, the README's picture of the audit report.

    .venv/bin/python docs/make_screenshot.py

Scans the shipped sample fixtures/openimages-mlperf-bad.json into an HTML
report and photographs its top in headless Chromium (the system's, as the
browser tests use it: ``apt-get install chromium``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import browser, visit  # noqa: E402 (the tests' Chromium helper)

FIXTURE = "fixtures/openimages-mlperf-bad.json"
TARGET = ROOT / "docs" / "audit-report.png"
WIDTH, HEIGHT = 1280, 1830  # the verdict, the per-rule counts, the class chart and the box geometry


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.html"
        command = [sys.executable, "-m", "labelcheck", "scan", FIXTURE, "--format", "html", "-o", str(report)]
        subprocess.run(command, cwd=ROOT, check=False, capture_output=True)  # exit 1: the sample has errors
        with browser() as context:
            page = visit(context, report)
            if page.console or page.errors or page.requests:
                raise SystemExit(f"the report misbehaved: {page.console + page.errors + page.requests}")
            page.page.screenshot(path=str(TARGET), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT})
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
