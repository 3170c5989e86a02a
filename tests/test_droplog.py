"""clean's compact record of what it drops: the same values and order as the findings gave."""

from __future__ import annotations

import json

import pytest

import labelcheck
from labelcheck.fixing.droplog import DroppedAnnotations, ReasonBits, ValueColumn, write_entries
from conftest import FIXTURES

BAD = FIXTURES / "openimages-mlperf-bad.json"
ODD_VALUES = [5, None, "7", 2**70, -(2**63), True, 1.5, "nan", [1], 0]


def test_value_column_gives_back_any_json_value():
    column = ValueColumn()
    for value in ODD_VALUES:
        column.append(value)
    assert list(column.values()) == ODD_VALUES
    assert [type(v) for v in column.values()] == [type(v) for v in ODD_VALUES]  # True stays a bool


def test_entries_come_by_position_and_categories_in_first_met_order():
    dropped = DroppedAnnotations()
    for position, category in [(9, 300), (2, "x"), (5, 264), (1, 300), (7, None)]:
        dropped.add(position, position * 10, 1, category)
    assert [dropped.entry(row, [])["position"] for row in dropped.rows_by_position()] == [1, 2, 5, 7, 9]
    assert dropped.entry(1, ["r"]) == {"annotation_id": 20, "image_id": 1, "category_id": "x", "position": 2,
                                       "reasons": ["r"]}
    assert list(dropped.category_counts().items()) == [("300", 2), ('"x"', 1), ("264", 1), ("null", 1)]


def test_reason_bits_grow_and_count():
    bits = ReasonBits(("a", "b"))
    assert bits.add(100_000, "b") and not bits.add(100_000, "a") and bits.add(3, "a")
    assert bits.of(100_000) == ["a", "b"] and bits.of(3) == ["a"]
    assert 3 in bits and 4 not in bits and 10**9 not in bits
    assert bits.counts() == {"a": 2, "b": 1}
    assert bits.in_range(0, 10).tolist() == [3]


@pytest.mark.parametrize("entries", [[], [{"a": 1}, {"b": "é"}]])
def test_entries_are_written_as_a_json_array(tmp_path, entries):
    path = tmp_path / "x.json"
    with open(path, "w", encoding="utf-8") as out:
        write_entries(out, iter(entries))
    assert json.loads(path.read_text("utf-8")) == entries


@pytest.mark.parametrize("drop", ["annotations", "images"])
def test_streamed_report_is_the_audit_document(tmp_path, drop):
    report = tmp_path / "audit.json"
    result = labelcheck.clean(str(BAD), str(tmp_path / "out.json"), drop=drop, report=str(report))
    assert json.loads(report.read_text("utf-8")) == result.audit()
    assert result.audit()["counts"]["annotations"]["dropped"] == result.dropped_annotations > 0
