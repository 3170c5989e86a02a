"""Ranges of the input copied by the kernel into the output, or read where it cannot."""

from __future__ import annotations

import errno
import gzip
import os
import time

import pytest

import labelcheck
from labelcheck.fixing.rewrite.ranges import CopyRange, PieceWriter, SharedInput
from conftest import FIXTURES

BAD = FIXTURES / "openimages-mlperf-bad.json"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "in.bin"
    path.write_bytes(bytes(range(256)) * 64)
    return path


@pytest.fixture
def shared(source):
    with open(source, "rb") as handle:
        return SharedInput(handle.fileno(), str(source))  # a duplicate: outlives the handle


def write(handle, pieces):
    output = PieceWriter(handle)
    for piece in pieces:
        output.write(piece)


def test_ranges_and_bytes_interleave_in_order(tmp_path, source, shared):
    out = tmp_path / "out.bin"
    with open(out, "wb") as handle:
        write(handle, [b"<", CopyRange(shared, 10, 5000), b">", CopyRange(shared, 0, 3)])
    data = source.read_bytes()
    assert out.read_bytes() == b"<" + data[10:5010] + b">" + data[:3]


def test_gzip_output_gets_the_bytes_not_a_raw_copy(tmp_path, source, shared):
    out = tmp_path / "out.bin.gz"
    with open(out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as handle:
        write(handle, [b"<", CopyRange(shared, 7, 9000)])
    assert gzip.decompress(out.read_bytes()) == b"<" + source.read_bytes()[7:9007]


def test_kernel_refusal_falls_back_to_reading(tmp_path, source, shared, monkeypatch):
    tried = []

    def refuse(*args, **kwargs):
        tried.append(args)
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", refuse)
    out = tmp_path / "out.bin"
    with open(out, "wb") as handle:
        write(handle, [b"<", CopyRange(shared, 1, 100), b">", CopyRange(shared, 5, 10)])
    assert out.read_bytes() == b"<" + source.read_bytes()[1:101] + b">" + source.read_bytes()[5:15]
    assert len(tried) == 1  # tried once, then every later range is read


def test_unchanged_bytes_of_a_rewrite_are_copied_by_the_kernel(tmp_path, monkeypatch):
    copied = []
    real = os.copy_file_range

    def counting(source, target, count, *args):
        copied.append(count)
        return real(source, target, count, *args)

    monkeypatch.setattr(os, "copy_file_range", counting)
    labelcheck.clean(str(BAD), str(tmp_path / "out.json"))
    assert sum(copied) > 0.9 * BAD.stat().st_size  # all but the few dropped annotations


def test_input_replaced_while_rewritten_is_a_changed_input(tmp_path, monkeypatch):
    from labelcheck.fixing.rewrite import streamed

    source = tmp_path / "in.json"
    source.write_bytes(BAD.read_bytes())
    real = streamed.rewrite_streamed

    def replace_midway(*args, **kwargs):
        pieces = real(*args, **kwargs)
        yield next(pieces)
        other = tmp_path / "other.json"
        other.write_bytes(BAD.read_bytes().replace(b"labelcheck sample", b"labelcheck SAMPLE"))
        os.replace(other, source)
        yield from pieces

    monkeypatch.setattr("labelcheck.fixing.rewrite.files.rewrite_streamed", replace_midway)
    with pytest.raises(labelcheck.InputError, match="changed"):
        labelcheck.clean(str(source), str(tmp_path / "out.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json"]


def test_input_shorter_than_the_range_is_a_changed_input(tmp_path, shared):
    with open(tmp_path / "out.bin", "wb") as handle, pytest.raises(labelcheck.InputError, match="changed"):
        write(handle, [CopyRange(shared, 16000, 1000)])


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
    from labelcheck.fixing.rewrite import files

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
    from labelcheck.fixing.rewrite import files

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
