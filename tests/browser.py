"""Headless Chromium for the report tests and the README screenshot: the system's browser, offline.

Debian's Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it) driven by
Playwright, started with a fresh profile and without the background services
that would try to reach the network. Every console message, page error and
request is recorded, so a test can fail on any of them.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class Visit:
    """A page opened from a file, with everything it did besides loading that file."""

    page: Any
    console: list[str] = field(default_factory=list)  # "type: text" of every console message
    errors: list[str] = field(default_factory=list)  # uncaught exceptions
    requests: list[str] = field(default_factory=list)  # every URL requested after the file itself


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    """A Chromium browser context with a fresh profile, closed (and its profile removed) afterwards."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="labelcheck-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
                viewport={"width": 1280, "height": 900},
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def visit(context: Any, path: Path) -> Visit:
    """Open a local file in a new page and wait until it has drawn itself."""
    page = context.new_page()
    seen = Visit(page)
    url = path.resolve().as_uri()
    page.on("console", lambda message: seen.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("request", lambda request: request.url != url and seen.requests.append(request.url))
    page.goto(url, wait_until="load")
    return seen
