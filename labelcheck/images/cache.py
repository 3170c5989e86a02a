"""``--image-cache FILE``: each image's result from the last run, by path, size and modification time.

A re-run stats every image (the stamp is in the key) but opens only those
whose size or modification time changed, or that are new. The file is
SQLite, read in place and never modified: this run's results go to a new
database in the temporary folder, copied beside the target and named when
the scan completes (``core.atomic``), so an interrupted run leaves the old
cache as it was. It holds the images of the last run at that run's depth;
a missing file, or a stamp without a modification time, is never cached.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..core.atomic import staged
from ..core.errors import UsageError
from .results import BatchAnswer, Columns, Depth, Status

MARK = "labelcheck-image-cache"
VERSION = "1"
_FIELDS = ("status", "reason", "width", "height", "orientation", "format")
_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE images (path TEXT, depth INTEGER, size INTEGER, mtime INTEGER,
    {", ".join(f"{name} INTEGER" for name in _FIELDS)}, digest BLOB, note TEXT,
    PRIMARY KEY (path, depth)) WITHOUT ROWID;
"""
_COLUMNS = "size, mtime, " + ", ".join(_FIELDS) + ", digest, note"

Entry = tuple[Any, ...]  # size, mtime, the fields, digest, note


class ImageCache:
    def __init__(self, path: str | os.PathLike, depth: Depth) -> None:
        self.path = Path(path)
        self.depth = depth
        self._old = self._open_old()
        self._folder = tempfile.TemporaryDirectory(prefix="labelcheck-cache-")
        self._new_path = os.path.join(self._folder.name, "cache.sqlite")
        self._new = sqlite3.connect(self._new_path)
        self._new.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        self._new.executemany("INSERT INTO meta VALUES (?, ?)", [(MARK, VERSION)])

    def _open_old(self) -> sqlite3.Connection | None:
        if not self.path.exists():
            return None
        if self.path.is_dir():
            raise UsageError(f"--image-cache {self.path}: is a folder; give a file path")
        try:
            old = sqlite3.connect(self.path.absolute().as_uri() + "?mode=ro", uri=True)
            (version,) = old.execute("SELECT value FROM meta WHERE key = ?", (MARK,)).fetchone()
        except (sqlite3.Error, TypeError):
            raise UsageError(f"--image-cache {self.path}: is not a labelcheck image cache; give another path "
                             "(labelcheck would replace it)") from None
        if version != VERSION:
            old.close()
            return None  # written by another version: every image is checked again
        return old

    def lookup(self, paths: Sequence[str | None]) -> list[Entry | None]:
        """The cached entry of each path, None where there is none."""
        if self._old is None:
            return [None] * len(paths)
        wanted = [path for path in paths if path is not None]
        found: dict[str, Entry] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            query = f"SELECT path, {_COLUMNS} FROM images WHERE depth = ? AND path IN ({','.join('?' * len(part))})"
            found.update((row[0], row[1:]) for row in self._old.execute(query, (int(self.depth), *part)))
        return [found.get(path) if path is not None else None for path in paths]

    def record(self, paths: Sequence[str | None], answer: BatchAnswer, cached: Sequence[Entry | None]) -> None:
        """Keep this batch's results for the next run: new ones from ``answer``, unchanged ones from ``cached``."""
        columns = answer.columns
        rows = []
        for row, path in enumerate(paths):
            if path is None or answer.mtime[row] < 0:
                continue
            if answer.unchanged[row]:
                entry = cached[row]
            elif columns.status[row] == Status.MISSING:
                continue
            else:
                entry = _entry(columns, row, int(answer.size[row]), int(answer.mtime[row]))
            rows.append((path, int(self.depth), *entry))
        self._new.executemany(f"INSERT OR REPLACE INTO images VALUES (?, ?, {', '.join('?' * (len(_FIELDS) + 4))})",
                              rows)

    def commit(self) -> None:
        """Name the new cache (the old one is replaced only now)."""
        self._new.commit()
        self._new.close()
        with staged(self.path) as stage, open(self._new_path, "rb") as source:
            shutil.copyfileobj(source, stage.handle, 1 << 20)
            stage.commit()

    def close(self) -> None:
        for connection in (self._old, self._new):
            if connection is not None:
                connection.close()
        self._folder.cleanup()


def _entry(columns: Columns, row: int, size: int, mtime: int) -> Entry:
    fields = tuple(int(getattr(columns, name)[row]) for name in _FIELDS)
    digest = columns.digest[row].tobytes() if columns.digest is not None else None
    return (size, mtime, *fields, digest, columns.notes.get(row))


def fill(columns: Columns, row: int, entry: Entry) -> None:
    """Put a cached entry in row ``row``."""
    for name, value in zip(_FIELDS, entry[2:8]):
        getattr(columns, name)[row] = value
    digest, note = entry[8], entry[9]
    if columns.digest is not None and digest is not None:
        columns.digest[row] = np.frombuffer(digest, dtype=np.uint8)
    if note:
        columns.notes[row] = note
