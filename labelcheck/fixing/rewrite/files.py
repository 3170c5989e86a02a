"""Input and output policy shared by clean and remap.

Inputs are never modified. An output is refused when it already exists (unless
``force``) or is the input itself (unless ``in_place``, which keeps a backup),
and is written atomically: complete, or not at all.
"""

from __future__ import annotations

import gzip
import os
import shutil
import threading
from contextlib import contextmanager, suppress
from pathlib import Path
from queue import Queue
from typing import IO, Callable, Iterable, Iterator

from ...core.atomic import StagedFile, same_file, staged
from ...core.dataset import FileLayout, file_stamp
from ...core.errors import OutputError, UsageError, flag
from ...core.text import json_text
from ...readers.base import (
    STDIN,
    ProgressCallback,
    decode_utf8,
    display_name,
    open_binary,
    read_all_bytes,
)
from ...readers.pool import WorkerPool
from ...readers.source import descriptor_path
from .ranges import CopyRange, PieceWriter, changed_error
from .streamed import ArrayEdit, rewrite_streamed
from .writer import rewrite

BACKUP_SUFFIX = ".bak"
WRITE_AHEAD = 16  # pieces (each at most a run of a few MB) queued for the writing thread


class HeldInput(os.PathLike):
    """An input opened once for a whole run: the check, the rewrite and the
    backup read this very file (through its descriptor), never a mix of two.
    Before anything is named, the file and its path must have its first
    stamp still: another file renamed onto the path, or this one written again
    (even to the same size and modification time), fails the run.

    A path-like: ``os.fspath`` is the descriptor's path, ``str`` the name as given.
    """

    def __init__(self, source: str) -> None:
        self.name = source
        self._handle = open_binary(source, decompress=False)
        self.path = descriptor_path(self._handle.fileno())
        self.stamp = file_stamp(self._handle.fileno())

    def __fspath__(self) -> str:
        return self.path

    def __str__(self) -> str:
        return self.name

    def require_unchanged(self) -> None:
        """InputError if the file, or what its path names, changed since it was opened."""
        try:
            now = file_stamp(self.name)
        except OSError:
            now = None  # removed, or renamed away
        if now != self.stamp or file_stamp(self._handle.fileno()) != self.stamp:
            raise changed_error(self.name)

    def __enter__(self) -> "HeldInput":
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def read_text(source: str | HeldInput) -> str:
    return decode_utf8(read_all_bytes(source), display_name(source))


def rewrite_file(
    source: str | HeldInput, layout: FileLayout | None, edits: dict[str, ArrayEdit],
    progress: ProgressCallback | None = None,
) -> Iterator[bytes | str | CopyRange]:
    """The edited file's pieces: run by run where the reader left a layout
    (worker processes editing the runs of a ``ParallelEdit`` in a large plain
    file), else from the whole text."""
    name = display_name(source)
    if layout is None:
        return rewrite(read_text(source), {key: edit.element for key, edit in edits.items()}, name)
    if not any(getattr(edit, "parallel", False) for edit in edits.values()):
        return rewrite_streamed(layout, edits, name, progress=progress)
    return _with_workers(layout, edits, name, progress)


def _with_workers(
    layout: FileLayout, edits: dict[str, ArrayEdit], name: str, progress: ProgressCallback | None
) -> Iterator[bytes | CopyRange]:
    workers = WorkerPool.for_file(layout.path, name)
    try:
        yield from rewrite_streamed(layout, edits, name, workers, progress)
    finally:
        if workers is not None:
            workers.close()


def check_output(
    source: str, output: str | os.PathLike, *, force: bool, in_place: bool, make_folders: bool = False
) -> Path:
    """Refuse outputs that would lose data; return the output path.

    ``make_folders``: a missing output folder will be created when writing.
    """
    if source == STDIN or (Path(source).exists() and not Path(source).is_file() and not Path(source).is_dir()):
        raise UsageError(
            f"{display_name(source)}: give the input as a regular file: it is read twice (check, then copy), "
            "which stdin or a pipe cannot be; save it to a file first"
        )
    target = Path(output)
    if same_file(source, target):
        if not in_place:
            raise OutputError(
                f"{target}: the output is the input; write elsewhere, or pass {flag('in_place')} "
                f"(keeps {target.name}{BACKUP_SUFFIX})"
            )
        backup = target.with_name(target.name + BACKUP_SUFFIX)
        if backup.exists() and not force:
            raise OutputError(f"{backup}: backup already exists; move it away or pass {flag('force')} to overwrite it")
        return target
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; give the output file's path")
    if target.exists() and not force:
        raise OutputError(f"{target}: already exists; pass {flag('force')} to overwrite it")
    if not make_folders and not target.parent.is_dir():
        raise OutputError(f"{target}: output folder {target.parent} does not exist; create it first")
    return target


def check_outputs(
    sources: list[str], outputs: list[str | os.PathLike], *, force: bool, in_place: bool, make_folders: bool = False
) -> list[Path]:
    """Every output and backup against every input and each other (whatever
    ``force`` says, no input is written over, except by its own output with
    ``in_place``, and no two outputs share a file), then ``check_output`` for each pair."""
    written: list[Path] = []
    for index, (source, target) in enumerate(zip(sources, map(Path, outputs))):
        backup = backup_path(source, target)
        for path, role in ((target, "output"), (backup, "backup")):
            if path is None:
                continue
            for other_index, other in enumerate(sources):
                if (role, other_index) != ("output", index) and same_file(other, path):
                    raise UsageError(f"{path}: the {role} of {display_name(source)} would be the input "
                                     f"{display_name(other)}; inputs are never written over: choose another output")
            if any(same_file(earlier, path) for earlier in written):
                raise UsageError(
                    f"{path}: two outputs of this run would be this one file; give each input its own output"
                )
            written.append(path)
    return [check_output(s, o, force=force, in_place=in_place, make_folders=make_folders)
            for s, o in zip(sources, outputs)]


def backup_path(source: str, target: Path) -> Path | None:
    """Where the input is kept when the output replaces it (--in-place); None otherwise."""
    if same_file(source, target):
        return target.with_name(target.name + BACKUP_SUFFIX)
    return None


def stage_report(path: str | os.PathLike, document: dict | Callable[[IO[str]], None]) -> StagedFile:
    """A JSON report staged to be committed with the outputs it describes: a
    document, or a function that writes one (a long report, entry by entry)."""
    with staged(path, "w") as stage:
        if callable(document):
            document(stage.handle)
        else:
            stage.handle.write(json_text(document, indent=1) + "\n")
    return stage


@contextmanager
def removed_if_failed(folders: Iterable[Path]) -> Iterator[None]:
    """Folders that do not exist yet are removed again, when empty, if the block raises."""
    missing = {path for folder in folders for path in (folder.resolve(), *folder.resolve().parents) if not path.exists()}
    try:
        yield
    except BaseException:
        for folder in sorted(missing, key=lambda path: -len(path.parts)):  # deepest first
            with suppress(OSError):
                folder.rmdir()
        raise


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the output folder: {exc.strerror}") from None


def stage_text(
    target: Path, pieces: Iterable[bytes | str | CopyRange], *, backup_of: str | HeldInput | None = None
) -> list[StagedFile]:
    """Write the pieces (gzip-compressed for a .gz name) and, for in-place runs, a
    backup of the input, without naming anything yet: commit the result with
    :func:`commit_all`. An error discards what was staged."""
    _make_folder(target.parent)
    stages = []
    try:
        if backup_of is not None:
            with staged(target.with_name(target.name + BACKUP_SUFFIX)) as backup, open(backup_of, "rb") as src:
                shutil.copyfileobj(src, backup.handle)
                stages.append(backup)
        with staged(target) as stage:
            if target.name.endswith(".gz"):
                with gzip.GzipFile(fileobj=stage.handle, mode="wb", mtime=0) as handle:
                    _write(pieces, handle)
            else:
                _write(pieces, stage.handle)
            stages.append(stage)
    except BaseException:
        discard_all(stages)
        raise
    return stages


@contextmanager
def staging() -> Iterator[list[StagedFile]]:
    """Collect staged outputs: all are committed when the block ends, or all
    discarded if it raises."""
    stages: list[StagedFile] = []
    try:
        yield stages
    except BaseException:
        discard_all(stages)
        raise
    commit_all(stages)


def commit_all(stages: list[StagedFile]) -> None:
    """Name every staged output once all are on disk: a late write error (disk
    full, I/O error) names none. New names go first, so one that another run
    took meanwhile withdraws them before anything is replaced; the others
    follow as staged (a backup before the input it keeps)."""
    try:
        for stage in stages:
            stage.prepare()
        named: list[StagedFile] = []
        try:
            for stage in sorted(stages, key=lambda stage: not stage.new):
                stage.publish()
                named.append(stage)
        except OutputError:
            for stage in named:
                stage.withdraw()
            raise
    finally:
        discard_all(stages)


def discard_all(stages: list[StagedFile]) -> None:
    for stage in stages:
        stage.discard()


def _write(pieces: Iterable[bytes | str | CopyRange], handle) -> None:
    """Write in a second thread (a write releases the GIL) while this one makes
    the next pieces: on multi-GB outputs the disk and the CPU work side by side.
    On any failure the pieces still queued are dropped and the producer is
    closed at once (its workers and input file with it)."""
    queue: Queue = Queue(maxsize=WRITE_AHEAD)
    failed: list[BaseException] = []
    abandoned = threading.Event()
    output = PieceWriter(handle)

    def drain() -> None:
        while (piece := queue.get()) is not None:
            if not failed and not abandoned.is_set():
                try:
                    output.write(piece)
                except BaseException as exc:  # raised again in the producing thread
                    failed.append(exc)

    writer = threading.Thread(target=drain, name="labelcheck-writer", daemon=True)
    writer.start()
    try:
        for piece in pieces:
            if failed:
                break
            queue.put(piece.encode("utf-8") if isinstance(piece, str) else piece)
    except BaseException:
        abandoned.set()
        raise
    finally:
        queue.put(None)
        writer.join()
        if hasattr(pieces, "close"):
            pieces.close()  # type: ignore[union-attr]
    if failed:
        raise failed[0]
