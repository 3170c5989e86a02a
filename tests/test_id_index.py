"""IdIndex: the lookup behind image rows and declared categories, against a plain dict."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.rules.context import IdIndex

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
DENSE = st.integers(min_value=-3, max_value=40)


def reference(ids: list[int], values: list[int], keys: list[int], valid: list[bool]) -> tuple[list, list]:
    first: dict[int, int] = {}
    for key, value in zip(ids, values):
        first.setdefault(key, value)
    found = [ok and key in first for key, ok in zip(keys, valid)]
    return found, [first[key] if hit else -1 for key, hit in zip(keys, found)]


@settings(max_examples=300, deadline=None)
@given(
    ids=st.lists(st.one_of(DENSE, DENSE, INT64), max_size=30),
    keys=st.lists(st.one_of(DENSE, INT64), max_size=30),
    data=st.data(),
)
def test_lookup_matches_a_dict(ids, keys, data):
    values = data.draw(st.lists(st.integers(-1, 2**40), min_size=len(ids), max_size=len(ids)))
    valid = data.draw(st.lists(st.booleans(), min_size=len(keys), max_size=len(keys)))
    for dtype in _types_holding(ids):
        index = IdIndex(np.array(ids, dtype=dtype), np.array(values, dtype=np.int64))
        found, looked_up = index.lookup(np.array(keys, dtype=np.int64), np.array(valid, dtype=bool))
        assert (found.tolist(), looked_up.tolist()) == reference(ids, values, keys, valid)
        assert looked_up.dtype == np.int64


def _types_holding(ids: list[int]) -> list:
    """int64, and int32 when every id fits (the streaming reader's image table narrows them)."""
    narrow = all(-(2**31) <= i < 2**31 for i in ids)
    return [np.int64, np.int32] if narrow else [np.int64]


def test_dense_ids_use_a_table_and_sparse_ones_do_not():
    dense = IdIndex(np.arange(1, 1001, dtype=np.int64), np.arange(1000, dtype=np.int64))
    sparse = IdIndex(np.array([1, 10**15], dtype=np.int64), np.array([0, 1], dtype=np.int64))
    assert dense._table is not None and sparse._table is None
    found, rows = sparse.lookup(np.array([10**15, 5], dtype=np.int64), np.array([True, True]))
    assert found.tolist() == [True, False] and rows.tolist() == [1, -1]


@settings(max_examples=300, deadline=None)
@given(ids=st.lists(st.one_of(DENSE, DENSE, INT64), max_size=30), data=st.data())
def test_positions_and_last_rows_match_a_dict(ids, data):
    valid = data.draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids)))
    keys = np.array(ids + data.draw(st.lists(st.one_of(DENSE, INT64), max_size=10)), dtype=np.int64)
    everywhere = np.ones(len(keys), dtype=bool)
    positions = IdIndex(np.array(ids, dtype=np.int64))
    found, looked_up = positions.lookup(keys, everywhere)
    assert (found.tolist(), looked_up.tolist()) == reference(ids, list(range(len(ids))), keys.tolist(), everywhere)
    last = {key: row for row, (key, ok) in enumerate(zip(ids, valid)) if ok}
    for dtype in _types_holding(ids):
        index = IdIndex.last_rows(np.array(ids, dtype=dtype), np.array(valid, dtype=bool))
        found, rows = index.lookup(keys, everywhere)
        assert found.tolist() == [key in last for key in keys.tolist()]
        assert rows.tolist() == [last.get(key, -1) for key in keys.tolist()]


@pytest.mark.parametrize("ids", [np.arange(1, 200_001, dtype=np.int64), np.arange(200_000, dtype=np.int64) * 10**9,
                                 np.arange(200_000, dtype=np.int32) * 10**4 - 2**30])
def test_increasing_ids_are_indexed_in_chunks_as_they_are(ids):
    """Longer than a chunk, dense and sparse: every id finds its row."""
    index = IdIndex.last_rows(ids, np.ones(len(ids), dtype=bool))
    found, rows = index.lookup(ids[::-1], np.ones(len(ids), dtype=bool))
    assert found.all() and (rows == np.arange(len(ids))[::-1]).all()
    if index._ids is not None:
        assert index._ids is ids  # no copy


def test_consecutive_ids_need_no_table():
    index = IdIndex.last_rows(np.arange(5, 105, dtype=np.int64), np.ones(100, dtype=bool))
    assert index._table is None and index._ids is None
    found, rows = index.lookup(np.array([4, 5, 104, 105, -(2**63)], dtype=np.int64), np.array([True] * 4 + [True]))
    assert found.tolist() == [False, True, True, False, False] and rows.tolist() == [-1, 0, 99, -1, -1]
    assert rows.dtype == np.int64


def test_int32_ids_at_their_limits_match_no_key_beyond_them():
    ids = np.array([-(2**31), 0, 2**31 - 1], dtype=np.int32)  # sparse: binary search
    index = IdIndex(ids)
    assert index._ids is ids
    keys = np.array([-(2**40), -(2**31), 2**31 - 1, 2**31, 2**40, 0], dtype=np.int64)
    found, rows = index.lookup(keys, np.ones(len(keys), dtype=bool))
    assert found.tolist() == [False, True, True, False, False, True] and rows.tolist() == [-1, 0, 2, -1, -1, 1]
