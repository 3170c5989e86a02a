"""Columnar helpers the streaming reader assembles its tables and batches with."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.columns import ImageTableBuilder, annotation_batch, image_table, rebatch
from labelcheck.dataset import StringColumn

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
    return (table.id.tolist(), table.id_kind.tolist(), np.nan_to_num(table.width, nan=-7).tolist(),
            np.nan_to_num(table.height, nan=-7).tolist(), list(table.file_name), table.raw_id)


@given(st.lists(NAMES, max_size=20))
def test_string_column_round_trips(values):
    column = StringColumn.of(values)
    assert len(column) == len(values) and list(column) == values
    assert all(column[np.int64(i)] == value for i, value in enumerate(values))


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.lists(IMAGES, max_size=6), max_size=5), expected=st.integers(0, 12))
def test_builder_equals_one_table(parts, expected):
    builder = ImageTableBuilder(expected)
    for part in parts:
        builder.add(image_table(part))
    assert as_lists(builder.build()) == as_lists(image_table([image for part in parts for image in part]))


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
