"""Ranges of the input copied by the kernel into the output, or read where it cannot."""

from __future__ import annotations

import errno
import gzip
import os
import time

import pytest

import labelcheck
from labelcheck.rewrite.ranges import CopyRange, PieceWriter
from conftest import FIXTURES

BAD = FIXTURES / "openimages-mlperf-bad.json"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "in.bin"
    path.write_bytes(bytes(range(256)) * 64)
    return path


def write(handle, pieces):
    output = PieceWriter(handle)
    try:
        for piece in pieces:
            output.write(piece)
    finally:
        output.close()


def test_ranges_and_bytes_interleave_in_order(tmp_path, source):
    out = tmp_path / "out.bin"
    with open(out, "wb") as handle:
        write(handle, [b"<", CopyRange(str(source), 10, 5000), b">", CopyRange(str(source), 0, 3)])
    data = source.read_bytes()
    assert out.read_bytes() == b"<" + data[10:5010] + b">" + data[:3]


def test_gzip_output_gets_the_bytes_not_a_raw_copy(tmp_path, source):
    out = tmp_path / "out.bin.gz"
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as handle:
        write(handle, [b"<", CopyRange(str(source), 7, 9000)])
    assert gzip.decompress(out.read_bytes()) == b"<" + source.read_bytes()[7:9007]


def test_kernel_refusal_falls_back_to_reading(tmp_path, source, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", refuse)
    out = tmp_path / "out.bin"
    with open(out, "wb") as handle:
        write(handle, [b"<", CopyRange(str(source), 1, 100), b">"])
    assert out.read_bytes() == b"<" + source.read_bytes()[1:101] + b">"


def test_input_shorter_than_the_range_is_a_changed_input(tmp_path, source):
    with open(tmp_path / "out.bin", "wb") as handle, pytest.raises(labelcheck.InputError, match="changed"):
        write(handle, [CopyRange(str(source), 16000, 1000)])


RUNS = {
    "clean": lambda out: labelcheck.clean(str(BAD), str(out)),
    "remap": lambda out: labelcheck.remap(str(BAD), str(out), offset=0, drop_unknown=True),
}


@pytest.mark.parametrize("command", RUNS)
def test_plain_input_to_gzip_output(tmp_path, command):
    RUNS[command](tmp_path / "out.json.gz")
    RUNS[command](tmp_path / "reference.json")
    assert gzip.decompress((tmp_path / "out.json.gz").read_bytes()) == (tmp_path / "reference.json").read_bytes()


def test_a_failed_write_drops_queued_pieces_and_closes_the_producer(tmp_path, monkeypatch):
    from labelcheck.rewrite import files

    written, closed = [], []

    def pieces():
        try:
            yield from [b"x"] * 10
            raise KeyboardInterrupt  # Ctrl-C while the writer is still busy with the first piece
        finally:
            closed.append(True)

    class Slow(PieceWriter):
        def write(self, piece):
            time.sleep(0.2)
            written.append(piece)

    monkeypatch.setattr(files, "PieceWriter", Slow)
    with open(tmp_path / "out.bin", "wb") as handle, pytest.raises(KeyboardInterrupt) as failure:
        files._write(pieces(), handle)
    assert closed and failure.value is not None and len(written) < 3


def test_a_failed_write_closes_the_producer_before_the_error_is_handled(tmp_path, monkeypatch):
    from labelcheck.rewrite import files

    closed = []

    def pieces():
        try:
            while True:  # a long rewrite: still producing when the write fails
                yield b"x"
        finally:
            closed.append(True)

    class Full(PieceWriter):
        def write(self, piece):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "PieceWriter", Full)
    with open(tmp_path / "out.bin", "wb") as handle, pytest.raises(OSError) as failure:
        files._write(pieces(), handle)
    assert closed and failure.value.errno == errno.ENOSPC  # closed while the error and its traceback live
