"""Atomic output: write beside the target, name it only when complete.

On Linux the data goes to an unnamed O_TMPFILE in the target's folder, given a
name only when committed, so even a killed process leaves nothing behind.
Where O_TMPFILE is unavailable (NFS, FUSE) a hidden named temporary file is
used, removed on any error or stopping signal (the command turns SIGINT,
SIGTERM and SIGHUP into ``Interrupted``); only SIGKILL can leave it. Either way
the target is never seen half-written.

Several outputs that belong together (remap's train and validation) are staged
first and committed together, so a failure on one writes none.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import IO, Iterator, TextIO

from .dataset import STDIN
from .errors import OutputError, UsageError


# The named temporaries that exist now (where O_TMPFILE is unavailable, and
# while an output is named before its rename): each is removed by whoever
# made it, on any error or signal; ``remove_leftovers`` removes what an exit
# caught no block for (a signal inside StagedFile's constructor).
_NAMED: set[str] = set()


def _temp_name(folder: Path) -> str:
    name = str(folder / f".labelcheck-{secrets.token_hex(6)}.tmp")
    _NAMED.add(name)  # before the file exists: no moment where it exists unrecorded
    return name


def _forget(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)
    _NAMED.discard(name)


def remove_leftovers() -> None:
    """Remove every named temporary still there (the command's last act)."""
    for name in list(_NAMED):
        _forget(name)


class StagedFile:
    """New content for ``target``, invisible until :meth:`commit`."""

    def __init__(self, target: str | os.PathLike, mode: str = "wb") -> None:
        self.target = Path(target)
        folder = self.target.parent
        if not folder.is_dir():
            raise OutputError(f"{self.target}: output folder {folder} does not exist; create it first")
        self.temp: str | None = None
        # A name that is new now is taken only if still free when named: of two
        # runs racing to it, the second fails instead of replacing the first.
        self.new = not os.path.lexists(self.target)
        try:
            self.fd = self._open_unnamed(folder)
        except OSError as exc:
            raise OutputError(f"{self.target}: cannot write in {folder}: {exc.strerror}") from None
        self.handle: IO = os.fdopen(self.fd, mode, encoding=None if "b" in mode else "utf-8", closefd=False)

    def _open_unnamed(self, folder: Path) -> int:
        mode = 0o666  # the kernel applies the umask
        if hasattr(os, "O_TMPFILE"):
            with contextlib.suppress(OSError):  # no O_TMPFILE on this filesystem: use a named file
                return os.open(folder, os.O_TMPFILE | os.O_WRONLY, mode)
        name = _temp_name(folder)
        try:
            fd = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
        except OSError:
            _NAMED.discard(name)  # not ours to remove
            raise
        self.temp = name
        return fd

    def prepare(self) -> None:
        """Everything that can fail late (flush, fsync, naming the unnamed file),
        short of the rename: so several outputs can all be ready before any is named."""
        try:
            self.handle.flush()
            os.fsync(self.fd)
            if self.temp is None:
                self.temp = self._named()
            if self.target.exists():
                os.chmod(self.temp, self.target.stat().st_mode & 0o7777)
        except OSError as exc:
            self.discard()
            raise OutputError(f"{self.target}: write failed: {exc.strerror or exc}; nothing was written") from None

    def _named(self) -> str:
        """A name for the unnamed file, beside the target."""
        name = _temp_name(self.target.parent)
        # linkat(AT_SYMLINK_FOLLOW) names the unnamed file; CPython uses linkat
        # (not link, which would link the /proc symlink itself) only when given a dir fd.
        root = os.open("/", os.O_RDONLY)
        try:
            os.link(f"/proc/self/fd/{self.fd}", name, src_dir_fd=root, follow_symlinks=True)
        except OSError:
            _NAMED.discard(name)  # not ours to remove
            raise
        finally:
            os.close(root)
        return name

    def publish(self) -> None:
        """Give the prepared content the target's name, atomically (a new name
        only if it is still free: OutputError if another run took it meanwhile)."""
        try:
            if self.new and self._linked():
                _forget(self.temp)  # type: ignore[arg-type]
            else:
                os.replace(self.temp, self.target)  # type: ignore[arg-type]
                _NAMED.discard(self.temp)  # type: ignore[arg-type]
            self.temp = None
        except FileExistsError:
            raise OutputError(
                f"{self.target}: another run created it meanwhile; nothing was written here; "
                "choose another name, or run again"
            ) from None
        except OSError as exc:
            raise OutputError(f"{self.target}: write failed: {exc.strerror or exc}") from None
        finally:
            self.discard()

    def _linked(self) -> bool:
        """Link the content to the target, which must not exist; False where the
        filesystem has no hard links (it is then renamed, as before)."""
        try:
            os.link(self.temp, self.target)  # type: ignore[arg-type]
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK):
                return False
            raise
        return True

    def withdraw(self) -> None:
        """Remove a new name this run gave (its outputs are withdrawn together)."""
        if self.new:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.target)

    def commit(self) -> None:
        self.prepare()
        self.publish()

    def discard(self) -> None:
        """Drop the content (a no-op after commit)."""
        if self.handle.closed:
            return
        with contextlib.suppress(OSError):
            self.handle.close()
        os.close(self.fd)
        if self.temp is not None:
            _forget(self.temp)


@contextlib.contextmanager
def staged(target: str | os.PathLike, mode: str = "wb") -> Iterator[StagedFile]:
    """A StagedFile discarded on any error; the caller commits it."""
    stage = StagedFile(target, mode)
    try:
        yield stage
    except OSError as exc:
        stage.discard()
        raise OutputError(f"{stage.target}: write failed: {exc.strerror or exc}; nothing was written") from None
    except BaseException:
        stage.discard()
        raise


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    """Yield a file whose content replaces ``target`` only if the block completes."""
    with staged(target, mode) as stage:
        yield stage.handle
        stage.commit()


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """The same path, or two names of one file (a link); stdin is no file."""
    a, b = Path(a), Path(b)
    if STDIN in (str(a), str(b)):
        return False
    if os.path.realpath(a) == os.path.realpath(b):  # never raises: a symlink loop resolves as far as it goes
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_side_output(path: str | os.PathLike, option: str, protected: list[str]) -> None:
    """A report or baseline path must not be an input or another output of the run. An
    existing report is replaced (reports are written again on every run; data outputs
    are what ``force`` protects)."""
    target = Path(path)
    for other in protected:
        if same_file(other, target):
            raise UsageError(f"{option} {target} is also an input or output of this run; choose another path")
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; give {option} a file path")
    if not target.parent.is_dir():
        raise OutputError(f"{target}: output folder {target.parent} does not exist; create it first")


@contextlib.contextmanager
def held_until_complete(stream: TextIO, name: str = "standard output") -> Iterator[TextIO]:
    """A text file whose content goes to ``stream`` (stdout) only if the block completes.

    Machine formats stream findings as they are found; held here (in
    memory, then in an unnamed file in TMPDIR past 8 MB) an input error
    half-way leaves stdout empty, never a truncated document, while memory
    stays bounded. A write that fails, here or to ``stream``, is an
    OutputError saying the report is incomplete: never a silent cut.
    """
    with _HeldText() as held:
        yield held
        held.seek(0)
        try:
            _copy_text(held, stream)
        except BrokenPipeError:
            raise  # the reader went away (| head): nothing is left to say
        except OSError as exc:
            raise OutputError(f"{name}: write failed: {exc.strerror or exc}; the report is incomplete") from None


def _copy_text(held: IO[str], stream: TextIO) -> None:
    """Copy to the stream's descriptor where it has one: a text stream's buffer
    can take a write the file cannot hold (a file-size limit cuts it) without
    a word, which os.write reports."""
    stream.flush()
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # an in-memory stream (tests)
        shutil.copyfileobj(held, stream)
        stream.flush()
        return
    encoding, errors = getattr(stream, "encoding", None) or "utf-8", getattr(stream, "errors", None) or "strict"
    while text := held.read(1 << 20):
        data = memoryview(text.encode(encoding, errors))
        while data:
            data = data[os.write(fd, data):]


class _HeldText(tempfile.SpooledTemporaryFile):
    """The spool of ``held_until_complete``: a full temporary folder is an OutputError."""

    def __init__(self) -> None:
        super().__init__(max_size=8 << 20, mode="w+", encoding="utf-8")

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except OSError as exc:
            raise OutputError(
                f"the report cannot be held until complete in the temporary folder {tempfile.gettempdir()}: "
                f"{exc.strerror or exc}; set TMPDIR to a folder with room, or write the report with -o FILE"
            ) from None
