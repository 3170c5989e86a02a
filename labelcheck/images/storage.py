"""Where a ``file_name`` resolves under ROOT, and reading it: a local folder, or any fsspec URL.

ROOT joined with ``file_name`` as the loaders join them (``os.path.join``: an
absolute ``file_name`` stands alone). A local ROOT (a path or ``file://``) is
read with plain system calls, open once, ``fstat``, ``pread``: fsspec's local
file objects cost about 110 us an image, more than reading a JPEG header.
Everything else (``s3://``, ``gs://``, ``memory://``, ...) goes through fsspec,
the one layer for remote storage; s3fs and gcsfs are the optional extras
that give it S3 and Google Cloud Storage.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from ..core.errors import UsageError


class Stamp(NamedTuple):
    """What tells that a file changed: its size and modification time (ns; -1 unknown)."""

    size: int
    mtime: int
    is_file: bool


def is_local(root: str) -> bool:
    return "://" not in root or root.startswith("file://")


def local_path(root: str) -> str:
    return root[len("file://"):] if root.startswith("file://") else root


def join(root: str, name: str) -> str:
    """The path (or URL) of ``name`` under ``root``."""
    if is_local(root):
        return os.path.join(local_path(root), name)
    return root.rstrip("/") + "/" + name.lstrip("/")


class Storage:
    """Reads files under one ROOT. ``path`` arguments are what ``resolve`` returned."""

    def __init__(self, root: str) -> None:
        self.root = root

    def resolve(self, name: str) -> str:
        raise NotImplementedError

    def shown(self, path: str) -> str:
        """The path as a user would write it (a URL for remote storage)."""
        return path

    def key(self, name: str) -> str:
        """What names the file whatever the working folder: the cache's key."""
        return self.shown(self.resolve(name))

    def check_root(self, option: str) -> None:
        """Raise UsageError unless ROOT is a folder that can be read."""
        raise NotImplementedError

    def stat(self, path: str) -> Stamp:
        """Raises FileNotFoundError when there is nothing at ``path``."""
        raise NotImplementedError

    def read(self, path: str, start: int, end: int | None) -> bytes:
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        try:
            self.stat(path)
        except OSError:
            return False
        return True


class LocalStorage(Storage):
    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.folder = local_path(root)

    def resolve(self, name: str) -> str:
        return os.path.join(self.folder, name)

    def key(self, name: str) -> str:
        return os.path.abspath(self.resolve(name))

    def check_root(self, option: str) -> None:
        if not os.path.exists(self.folder):
            raise UsageError(f"{option} {self.root}: no such folder; give the folder that file_name is relative to")
        if not os.path.isdir(self.folder):
            raise UsageError(f"{option} {self.root}: is a file, not a folder; give the folder the images are in")

    def stat(self, path: str) -> Stamp:
        status = os.stat(path)
        return Stamp(status.st_size, status.st_mtime_ns, _regular(status.st_mode))

    def read(self, path: str, start: int, end: int | None) -> bytes:
        with open(path, "rb") as handle:
            handle.seek(start)
            return handle.read(-1 if end is None else end - start)

    def open_fd(self, path: str) -> tuple[int, Stamp]:
        """An open descriptor and its stamp: the fast path (one open, pread) of the local probe."""
        fd = os.open(path, os.O_RDONLY)
        try:
            status = os.fstat(fd)
        except OSError:
            os.close(fd)
            raise
        return fd, Stamp(status.st_size, status.st_mtime_ns, _regular(status.st_mode))


def _regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


class FsspecStorage(Storage):
    """Any fsspec filesystem; credentials and endpoints come from its own configuration
    (for S3: AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ...)."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        try:
            import fsspec.core
        except ImportError:
            raise UsageError(f"--images {root}: remote storage needs fsspec: pip install 'labelcheck[images]'") from None
        try:
            self.fs, self.folder = fsspec.core.url_to_fs(root)
        except (ImportError, ValueError) as exc:
            scheme = root.split("://", 1)[0]
            extra = {"s3": "s3", "gs": "gcs", "gcs": "gcs"}.get(scheme)
            hint = f"pip install 'labelcheck[{extra}]'" if extra else "install the fsspec filesystem for it"
            raise UsageError(f"--images {root}: cannot open {scheme}:// storage ({_one_line(exc)}); {hint}") from None
        self.folder = self.folder.rstrip("/")

    def resolve(self, name: str) -> str:
        return self.folder + "/" + name.lstrip("/")

    def shown(self, path: str) -> str:
        return self.fs.unstrip_protocol(path)

    def check_root(self, option: str) -> None:
        try:
            is_folder = self.fs.isdir(self.folder)
            is_file = not is_folder and self.fs.isfile(self.folder)
        except Exception as exc:  # noqa: BLE001 - credentials, endpoints, network: each library its own errors
            raise UsageError(f"{option} {self.root}: cannot be read ({_one_line(exc)}); check the address and "
                             "the credentials (for s3://: AWS_PROFILE or AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL)") from None
        if is_file:
            raise UsageError(f"{option} {self.root}: is a file, not a folder; give the folder the images are in")
        if not is_folder:
            raise UsageError(f"{option} {self.root}: no such folder (or it is empty); give the folder that "
                             "file_name is relative to")

    def stat(self, path: str) -> Stamp:
        info = self.fs.info(path)
        return Stamp(int(info.get("size") or 0), _mtime(info), info.get("type") == "file")

    def read(self, path: str, start: int, end: int | None) -> bytes:
        return self.fs.cat_file(path, start=start, end=end)


def _mtime(info: dict[str, Any]) -> int:
    """Modification time in ns from an fsspec info dict: each filesystem names it its own way."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return int(value.timestamp() * 1e9)
        try:
            return int(float(value) * 1e9)
        except (TypeError, ValueError):
            continue
    return -1


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def storage_for(root: str) -> Storage:
    return LocalStorage(root) if is_local(root) else FsspecStorage(root)

