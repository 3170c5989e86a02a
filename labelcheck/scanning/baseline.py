"""Baselines: accept today's findings, fail only on new ones.

A baseline file lists known findings by a key that survives edits elsewhere in
the file: the file path as given on the command line, the rule, and the
annotation, image and category ids the finding names (raw values, as in the
JSON report). Messages and JSON paths are not part of the key: a path holds the
annotation's position, which shifts when others are added or removed, and
messages change with the wording or the contract. A key that occurs several
times (a duplicated id, unused classes with no declared category) is counted:
each known occurrence suppresses one finding, more are new.

Document (version 1)::

    {"version": 1, "tool": {"name": "labelcheck", "version": "..."},
     "findings": [{"file": ..., "rule": ..., "annotation_id": ..., "image_id": ...,
                   "category_id": ..., "count": 1}, ...]}
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

from ..core.atomic import atomic_write
from ..core.errors import BaselineError
from ..core.findings import Finding
from ..core.sidefiles import read_bounded, unparsable
from ..core.version import __version__

BASELINE_VERSION = 1
KEY_FIELDS = ("file", "rule", "annotation_id", "image_id", "category_id")


def finding_key(finding: Finding) -> str:
    """The identity of a finding across runs, as a canonical JSON string."""
    return _key([getattr(finding, name) for name in KEY_FIELDS])


def _key(values: list[Any]) -> str:
    # JSON keeps 12, 12.0, "12" and true apart, which Python equality would not.
    return json.dumps(values, separators=(",", ":"))


class Baseline:
    """A multiset of finding keys: record findings into it, or load it and match against it."""

    def __init__(self, counts: Counter | None = None) -> None:
        self.counts: Counter = counts if counts is not None else Counter()

    def add(self, finding: Finding) -> None:
        """Record one finding (usable as ``scan(on_finding=...)``)."""
        self.counts[finding_key(finding)] += 1

    def matcher(self) -> "BaselineMatcher":
        return BaselineMatcher(self)

    def write(self, path: str | os.PathLike) -> None:
        """Write the baseline atomically, one finding per line, sorted so diffs stay small."""
        entries = []
        for key in sorted(self.counts):
            entry = dict(zip(KEY_FIELDS, json.loads(key), strict=True))
            entries.append(json.dumps({**entry, "count": self.counts[key]}))
        tool = json.dumps({"name": "labelcheck", "version": __version__})
        body = ",\n    ".join(entries)
        with atomic_write(path) as out:
            out.write(f'{{\n  "version": {BASELINE_VERSION},\n  "tool": {tool},\n')
            out.write(f'  "findings": [\n    {body}\n  ]\n}}\n' if entries else '  "findings": []\n}\n')

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Baseline":
        try:
            document = json.loads(read_bounded(path).decode("utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{path}: baseline not found; create it with --write-baseline {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{path}: cannot read baseline: {getattr(exc, 'strerror', None) or exc}") from None
        except json.JSONDecodeError as exc:
            raise BaselineError(
                f"{path}: line {exc.lineno}: baseline is not valid JSON ({exc.msg}); "
                "regenerate it with --write-baseline"
            ) from None
        except (ValueError, RecursionError) as exc:
            if unparsable(exc) is None:
                raise
            raise BaselineError(f"{path}: cannot read baseline: it {unparsable(exc)}; regenerate it") from None
        return cls(_parse(document, path))


def _parse(document: Any, path: str | os.PathLike) -> Counter:
    def bad(what: str) -> BaselineError:
        return BaselineError(f"{path}: not a labelcheck baseline ({what}); regenerate it with --write-baseline")

    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise bad("no 'findings' list")
    if document.get("version") != BASELINE_VERSION:
        raise bad(f"version {document.get('version')!r}, expected {BASELINE_VERSION}")
    counts: Counter = Counter()
    for number, entry in enumerate(document["findings"]):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(name), str) for name in ("file", "rule")):
            raise bad(f"findings[{number}] lacks 'file' or 'rule'")
        count = entry.get("count", 1)
        if type(count) is not int or count < 1:
            raise bad(f"findings[{number}].count is not a positive integer")
        counts[_key([entry.get(name) for name in KEY_FIELDS])] += count
    return counts


class BaselineMatcher:
    """One scan's view of a baseline: each known occurrence suppresses one finding."""

    def __init__(self, baseline: Baseline) -> None:
        self.remaining = Counter(baseline.counts)

    def known(self, finding: Finding) -> bool:
        key = finding_key(finding)
        if self.remaining[key] <= 0:
            return False
        self.remaining[key] -= 1
        return True
