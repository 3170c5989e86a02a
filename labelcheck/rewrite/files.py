"""Input and output policy shared by clean and remap.

Inputs are never modified. An output is refused when it already exists (unless
``force``) or is the input itself (unless ``in_place``, which keeps a backup),
and is written atomically: complete, or not at all.
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path
from typing import Iterable

from ..atomic import atomic_write
from ..errors import OutputError, UsageError
from ..readers.base import STDIN, decode_utf8, display_name, read_all_bytes

BACKUP_SUFFIX = ".bak"


def read_text(source: str) -> str:
    return decode_utf8(read_all_bytes(source), display_name(source))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output(
    source: str, output: str | os.PathLike, *, force: bool, in_place: bool, make_folders: bool = False
) -> Path:
    """Refuse outputs that would lose data; return the output path.

    ``make_folders``: a missing output folder will be created when writing.
    """
    if source == STDIN:
        raise UsageError("give the input as a file path: it is read twice (check, then copy), which stdin cannot be")
    target = Path(output)
    if (_same_file(Path(source), target) or Path(source).resolve() == target.resolve()):
        if not in_place:
            raise OutputError(
                f"{target}: the output is the input; write elsewhere, or pass --in-place (keeps {target.name}{BACKUP_SUFFIX})"
            )
        backup = target.with_name(target.name + BACKUP_SUFFIX)
        if backup.exists() and not force:
            raise OutputError(f"{backup}: backup already exists; move it away or pass --force to overwrite it")
        return target
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; give the output file's path")
    if target.exists() and not force:
        raise OutputError(f"{target}: already exists; pass --force to overwrite it")
    if not make_folders and not target.parent.is_dir():
        raise OutputError(f"{target}: output folder {target.parent} does not exist; create it first")
    return target


def write_text(target: Path, pieces: Iterable[str], *, backup_of: str | None = None) -> None:
    """Write the pieces atomically, gzip-compressed when the name ends in .gz."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if backup_of is not None:
        with atomic_write(target.with_name(target.name + BACKUP_SUFFIX), "wb") as handle, open(backup_of, "rb") as src:
            shutil.copyfileobj(src, handle)
    with atomic_write(target, "wb") as raw:
        if target.name.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
                _write(pieces, handle)
        else:
            _write(pieces, raw)


def _write(pieces: Iterable[str], handle) -> None:
    for piece in pieces:
        handle.write(piece.encode("utf-8"))
