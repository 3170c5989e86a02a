"""Memory stays bounded for any input: what would be held whole is refused with one line.

Address-space limits (RLIMIT_AS, set in the child) stand for a small machine:
labelcheck itself starts in about 150 MiB of address space.
"""

from __future__ import annotations

import gzip

import pytest

import labelcheck
from labelcheck.readers import source
from labelcheck.readers.jsonsplit import splitter

from limited import labelcheck as run, one_line_error

SMALL_MACHINE = 200 << 20
# A value of up to MAX_VALUE_BYTES (64 MiB) is decoded whole: a few times that.
MODEST_MACHINE = 400 << 20


def test_whitespace_between_elements_is_bounded(tmp_path):
    """40 MiB of spaces between two images took over 200 MiB (MemoryError, an internal error)."""
    path = tmp_path / "spaces.json"
    with open(path, "wb") as out:
        out.write(b'{"images": [{"id": 1}, ')
        out.write(b" " * (40 << 20))
        out.write(b'{"id": 2}], "annotations": [], "categories": []}')
    one_line_error(run("scan", path, memory=SMALL_MACHINE), "byte 22: more than 16 MiB of whitespace in a row")


def test_a_gzip_of_whitespace_is_bounded(tmp_path):
    """0.5 MB of gzip holding 512 MiB of spaces peaked at 573 MB."""
    path = tmp_path / "spaces.json.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b'{"images": [')
        block = b" " * (1 << 20)
        for _ in range(512):
            out.write(block)
        out.write(b'], "annotations": [], "categories": []}')
    one_line_error(run("scan", path, memory=SMALL_MACHINE), "more than 16 MiB of whitespace in a row")
    with open(path, "rb") as stdin:
        one_line_error(run("scan", "-", stdin=stdin, memory=SMALL_MACHINE), "<stdin>", "whitespace in a row")


def test_a_gzip_bomb_is_refused_by_its_ratio(tmp_path):
    """A string of 1 GiB in a 1 MB gzip: the file would be read whole (a value over 64 MiB that is no array)."""
    path = tmp_path / "bomb.json.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b'{"info": "')
        block = b"a" * (1 << 20)
        for _ in range(1024):
            out.write(block)
        out.write(b'", "images": [], "annotations": [], "categories": []}')
    one_line_error(run("scan", path, memory=MODEST_MACHINE), str(path), "expanding more than 200 times is refused")


def test_a_file_read_whole_is_bounded(tmp_path, monkeypatch):
    """A value over MAX_VALUE_BYTES that is no array makes the file be read whole: at most MAX_WHOLE_BYTES."""
    monkeypatch.setattr(splitter, "MAX_VALUE_BYTES", 1 << 20)
    monkeypatch.setattr(source, "MAX_WHOLE_BYTES", 2 << 20)
    path = tmp_path / "string.json"
    path.write_text('{"info": "' + "a" * (3 << 20) + '", "images": [], "annotations": [], "categories": []}')
    with pytest.raises(labelcheck.InputError, match="larger than the 2 MiB labelcheck reads whole"):
        labelcheck.scan(str(path))
    path.write_text('{"info": "' + "a" * (3 << 19) + '", "images": [], "annotations": [], "categories": []}')
    assert labelcheck.scan(str(path)).files[0].annotations == 0
