"""Columnar helpers the streaming reader assembles its tables and batches with."""

from __future__ import annotations

import os
import pickle
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.core import columns
from labelcheck.core.columns import ImageTableBuilder, annotation_batch, image_table, rebatch
from labelcheck.core.dataset import USABLE_KINDS, SpilledBytes, StringColumn, ValueKind, usable

NAMES = st.one_of(st.none(), st.text(max_size=6), st.just("\ud800"))
IMAGES = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(-3, 5), st.text(max_size=2), st.none()),
        "width": st.one_of(st.integers(1, 9), st.floats(), st.none()),
        "height": st.integers(1, 9),
        "file_name": NAMES,
    },
)


def as_lists(table) -> tuple:
    """Comparable values (width and height as float64: the builder may narrow them)."""
    return (table.id.tolist(), table.id_kind.tolist(), np.nan_to_num(table.width.astype(np.float64), nan=-7).tolist(),
            np.nan_to_num(table.height.astype(np.float64), nan=-7).tolist(), list(table.file_name), table.raw_id)


@given(st.lists(NAMES, max_size=20))
def test_string_column_round_trips(values):
    column = StringColumn.of(values)
    assert len(column) == len(values) and list(column) == values
    assert all(column[np.int64(i)] == value for i, value in enumerate(values))
    assert [column[i] for i in range(-1, -len(values) - 1, -1)] == values[::-1]
    for outside in (len(values), -len(values) - 1):
        with pytest.raises(IndexError):
            column[outside]


@given(st.lists(NAMES, max_size=20), st.integers(0, 22), st.integers(0, 22))
def test_a_string_column_slice_is_its_values(values, start, stop):
    """What the image check sends a worker: the slice gives what value by value reading gives."""
    assert StringColumn.of(values).slice(start, stop) == values[start:stop]


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.lists(IMAGES, max_size=6), max_size=5), expected=st.integers(0, 12),
       spill_bytes=st.sampled_from([0, 10, columns.SPILL_BYTES]))
def test_builder_equals_one_table(parts, expected, spill_bytes):
    builder = ImageTableBuilder(expected, spill_bytes=spill_bytes)
    for part in parts:
        builder.add(image_table(part))
    built = builder.build()
    assert as_lists(built) == as_lists(image_table([image for part in parts for image in part]))
    assert pickle.loads(pickle.dumps(built)).file_name == built.file_name


SPILLED_NAMES = ["a.jpg", None, "", "été/图像.png", "lone\ud800surrogate.jpg", "\udc80", None, "z" * 300]


@pytest.mark.parametrize("spill_bytes", [0, 8, 1 << 20])
def test_file_names_survive_the_spill_file(spill_bytes):
    builder = ImageTableBuilder(2, spill_bytes=spill_bytes)
    for start in range(0, len(SPILLED_NAMES), 3):
        builder.add(image_table([{"file_name": name} for name in SPILLED_NAMES[start : start + 3]]))
    names = builder.build().file_name
    assert isinstance(names.blob, SpilledBytes) == (spill_bytes < 20)
    assert list(names) == SPILLED_NAMES and names == SPILLED_NAMES
    assert [names[np.int64(row)] for row in range(len(SPILLED_NAMES))][::-1] == SPILLED_NAMES[::-1]
    assert names.ends.dtype == np.uint32
    copy = pickle.loads(pickle.dumps(names))  # as bytes: another process has no use for this one's file
    assert isinstance(copy.blob, (bytes, bytearray)) and copy == SPILLED_NAMES


def test_spill_file_leaves_nothing_behind_and_is_closed_with_its_column(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    builder = ImageTableBuilder(0, spill_bytes=0)
    builder.add(image_table([{"file_name": "a.jpg"}, {"file_name": "b.jpg"}]))
    table = builder.build()
    descriptor = table.file_name.blob._file.fileno()
    assert os.listdir(tmp_path) == [] and table.file_name[1] == "b.jpg"
    del table, builder
    with pytest.raises(OSError):
        os.fstat(descriptor)


def test_names_stay_in_memory_without_a_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    builder = ImageTableBuilder(0, spill_bytes=0)
    for name in SPILLED_NAMES:
        builder.add(image_table([{"file_name": name}]))
    names = builder.build().file_name
    assert isinstance(names.blob, bytearray) and names == SPILLED_NAMES


def test_name_offsets_widen_past_the_uint32_limit(monkeypatch):
    monkeypatch.setattr(columns, "_UINT32_LIMIT", 12)
    builder = ImageTableBuilder(1, spill_bytes=0)
    for start in range(0, len(SPILLED_NAMES), 2):
        builder.add(image_table([{"file_name": name} for name in SPILLED_NAMES[start : start + 2]]))
    names = builder.build().file_name
    assert names.ends.dtype == np.int64 and names == SPILLED_NAMES


@pytest.mark.parametrize(("parts", "narrow"), [
    ([[640, 480.5], [float("nan"), float("inf"), -0.0, float(np.finfo(np.float32).max)]], True),
    ([[640, 480], [0.1]], False),  # 0.1 is no float32
    ([[1e300]], False),  # beyond float32
    ([[2**24 + 1]], False),  # an integer float32 rounds
    ([], True),
])
def test_dimensions_are_float32_only_when_exact(parts, narrow):
    builder = ImageTableBuilder(1)
    for widths in parts:
        builder.add(image_table([{"width": width, "height": 10} for width in widths]))
    table = builder.build()
    assert table.width.dtype == (np.float32 if narrow else np.float64) and table.height.dtype == np.float32
    expected = [float(width) for widths in parts for width in widths]
    assert np.array_equal(table.width.astype(np.float64), np.array(expected), equal_nan=True)
    assert [np.signbit(w) for w in table.width.tolist()] == [np.signbit(w) for w in expected]


ANNOTATIONS = st.fixed_dictionaries({}, optional={"id": st.one_of(st.integers(), st.text(max_size=2)),
                                                  "category_id": st.one_of(st.integers(), st.none())})


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.lists(ANNOTATIONS, max_size=7), max_size=6), size=st.integers(1, 9))
def test_rebatch_keeps_rows_and_cuts_exact_sizes(parts, size):
    everything = [annotation for part in parts for annotation in part]
    batches = list(rebatch((annotation_batch(0, part) for part in parts), size))
    assert [len(batch) for batch in batches] == [min(size, len(everything) - start)
                                                 for start in range(0, len(everything), size)]
    for batch in batches:
        expected = annotation_batch(batch.start, everything[batch.start : batch.start + len(batch)])
        assert batch.id.tolist() == expected.id.tolist() and batch.raw_id == expected.raw_id
        assert batch.category_kind.tolist() == expected.category_kind.tolist()
        assert batch.raw_category_id == expected.raw_category_id


def test_usable_kinds():
    kinds = np.array(list(ValueKind) * 2, dtype=np.uint8)
    assert usable(kinds).tolist() == [kind in USABLE_KINDS for kind in list(ValueKind) * 2]


@pytest.mark.parametrize(("parts", "narrow"), [
    ([[1, 2], [2**31 - 1, -(2**31)]], True),
    ([[1, 2], [2**31]], False),
    ([[-(2**31) - 1], [3]], False),
    ([[2**63 - 1]], False),
    ([["1", None]], True),  # not integers: the column holds 0
])
def test_image_ids_are_int32_only_when_all_fit(parts, narrow):
    builder = ImageTableBuilder(1)
    for ids in parts:
        builder.add(image_table([{"id": image_id} for image_id in ids]))
    table = builder.build()
    assert table.id.dtype == (np.int32 if narrow else np.int64)
    assert as_lists(table) == as_lists(image_table([{"id": image_id} for ids in parts for image_id in ids]))


def test_widening_a_column_reads_only_the_rows_filled():
    """The capacity past the rows is uninitialised memory: bits that are a signalling NaN
    made numpy warn ("invalid value encountered in cast") when a column was widened."""
    import warnings

    builder = ImageTableBuilder(10, spill_bytes=0)
    builder.add(image_table([{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}]))
    signalling_nan = np.frombuffer(b"\x01\x00\x80\x7f" * 9, dtype=np.float32)
    builder.columns["width"][1:] = signalling_nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        builder.add(image_table([{"id": 2, "file_name": "b.jpg", "width": 0.1, "height": 480}]))
    table = builder.build()
    assert table.width.tolist() == [640.0, 0.1] and table.width.dtype == np.float64
