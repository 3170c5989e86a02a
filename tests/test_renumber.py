"""remap's byte-level fast path: renumber a run, or hand it back to be done element by element."""

from __future__ import annotations

import json

import pytest

from labelcheck.fixing.rewrite.renumber import renumber_run


def rewritten(data: bytes, mapping: dict) -> bytes | None:
    edited = renumber_run(b"[" + data + b"]", mapping)
    if edited is None:
        return None
    return edited.lead + b"".join((gap or b"") + chunk for gap, chunk in edited.pieces) + edited.tail


def test_ids_are_respelled_in_place_and_nothing_else_moves():
    data = b' {"id": 1, "category_id" :\n 1, "x": "category_id"}, {"category_id": -0, "id": 2}\n'
    assert rewritten(data, {1: 10, 0: 7}) == (
        b' {"id": 1, "category_id" :\n 10, "x": "category_id"}, {"category_id": 7, "id": 2}\n'
    )


def test_unmapped_ids_drop_their_annotations_and_are_counted():
    data = b'{"id": 1, "category_id": 1},\n{"id": 2, "category_id": 99},\n{"id": 3, "category_id": 2}'
    edited = renumber_run(b"[" + data + b"]", {1: 0, 2: None})
    assert edited is not None
    assert [chunk for _, chunk in edited.pieces] == [b'{"id": 1, "category_id": 0}']
    assert edited.tally.used == {1, 2, 99} and edited.tally.dropped == 2
    assert json.loads(b"[" + rewritten(data, {1: 0, 2: 1}) + b"]") == [
        {"id": 1, "category_id": 0}, {"id": 3, "category_id": 1}
    ]


@pytest.mark.parametrize(
    "data",
    [
        b'{"category_id": 1, "meta": {"category_id": 1}}',  # nested: the pattern would see two
        b'{"category_id": 1, "category_id": 1}',  # repeated: json keeps the last
        b'{"category\\u005fid": 1, "meta": {"category_id": 1}}',  # escaped key spelling
        b'{"category_id": "1"}',  # not an integer
        b'{"category_id": 1.0}',
        b'{"id": 1}',  # absent
        b"[1, 2]",  # not an object
        b'{"category_id": NaN}',  # Python's json only
        b'{"category_id": 18446744073709551616}',  # beyond int64: not an id the loader can use
    ],
)
def test_runs_the_pattern_cannot_prove_go_element_by_element(data):
    assert renumber_run(b"[" + data + b', {"category_id": 1}]', {1: 0}) is None
