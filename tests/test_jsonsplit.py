"""The byte-level splitter: runs hold every element once, offsets and errors match Python's json."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcheck.readers.jsonsplit import (
    ByteOrderMark,
    Irregular,
    JsonSyntaxError,
    MemberFound,
    NestingTooDeep,
    Run,
    RunDecoding,
    RunFound,
    Utf8Error,
    document_events,
    index_document,
    valid_run_document,
)


def index(data: bytes, run_bytes: int = 64):
    return index_document(io.BytesIO(data), run_bytes=run_bytes)


def elements_of(data: bytes, member) -> list:
    return [value for run in member.runs for value in json.loads(b"[" + data[run.start : run.end] + b"]")]


def test_members_in_file_order_with_value_spans():
    data = b'{"info": {"annotations": [9]}, "images": [{"id": 1}], "annotations": [{"id": 2}, {"id": 3}]}'
    document = index(data)
    assert document.kind == "object"
    assert [member.key for member in document.members] == ["info", "images", "annotations"]
    for member in document.members:
        assert json.loads(data[member.start : member.end]) == json.loads(data)[member.key]
    assert [member.kind for member in document.members] == ["object", "array", "array"]
    assert elements_of(data, document.members[2]) == [{"id": 2}, {"id": 3}]


def test_repeated_keys_are_all_listed():
    data = b'{"annotations": [1], "annotations": [{"id": 2}]}'
    assert [(m.key, elements_of(data, m)) for m in index(data).members] == [
        ("annotations", [1]),
        ("annotations", [{"id": 2}]),
    ]


def test_escaped_key_is_unescaped():
    assert index(b'{"annot\\u0061tions": []}').members[0].key == "annotations"


@pytest.mark.parametrize("run_bytes", [1, 2, 7, 30, 1 << 20])
def test_runs_cut_only_between_elements(run_bytes):
    tricky = [
        {"id": 1, "note": '}, {"id": 99}, {'},
        {"id": 2, "nested": [{"a": 1}, {"b": [2, {"c": "]"}]}]},
        {"id": 3, "quote": 'a \\" b \\\\', "annotations": [{"id": 7}]},
        {"id": 4},
    ]
    for text in (json.dumps(tricky), json.dumps(tricky, indent=2), json.dumps(tricky, separators=(",", ":"))):
        data = ('{"annotations": ' + text + "}").encode()
        member = index(data, run_bytes).members[0]
        assert elements_of(data, member) == tricky
        assert all(isinstance(run, Run) and run.start < run.end for run in member.runs)


def test_nan_and_infinity_are_walked_exactly():
    data = b'{"a": [{"x": NaN}, {"x": Infinity}, {"x": -Infinity}, {"x": 1}]}'
    member = index(data, run_bytes=1).members[0]
    assert json.dumps(elements_of(data, member)) == json.dumps(json.loads(data)["a"])


def test_empty_arrays_have_no_runs():
    for data in (b'{"a": []}', b'{"a": [ \n ]}'):
        assert index(data).members[0].runs == ()


def test_non_object_top_levels():
    assert index(b"[1, 2]").kind == "array"
    assert index(b' "text" ').kind == "string"
    assert index(b"NaN").kind == "number"
    assert index(b"null").kind == "null"


def python_error(data: bytes) -> tuple[int, str]:
    text = data.decode("utf-8")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return len(text[: exc.pos].encode("utf-8")), exc.msg
    raise AssertionError("valid")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b'{"annotations": [{"id": 1}, {"id": 2}',
        b'{"annotations": [{"id": 1}, {"id": 2},]}',
        b'{"annotations": [{"id": 1} {"id": 2}]}',
        b'{"annotations": [{"id": 1}, {"id": tru}]}',
        b'{"annotations": [{"id": "unterminated}]}',
        b'{"annotations": []',
        b'{"annotations": [], }',
        b'{"annotations" []}',
        b'{"a": 1} x',
        b'{"a": "\\q"}',
        b'{"a": "\x01"}',
        '{"é": [{"id": 1}, {"id": 2}]}'.encode() + b" ]",
    ],
)
def test_syntax_errors_match_python(data):
    for run_bytes in (1, 5, 1 << 20):
        with pytest.raises(JsonSyntaxError) as caught:
            index(data, run_bytes)
        assert (caught.value.offset, caught.value.message) == python_error(data)


def test_invalid_utf8_inside_a_string_is_found():
    data = b'{"annotations": [{"name": "ok"}, {"name": "\xff"}]}'
    with pytest.raises(Utf8Error) as caught:
        index(data, run_bytes=1 << 20)
    assert caught.value.offset == data.index(b"\xff")
    assert caught.value.message == "invalid start byte"


def test_byte_order_mark():
    with pytest.raises(ByteOrderMark):
        index(b'\xef\xbb\xbf{"a": []}')


def test_deep_nesting():
    with pytest.raises(NestingTooDeep):
        index(b'{"a": [' + b"[" * 100000 + b"]" * 100000 + b"]}")


def test_huge_non_array_value_is_irregular(monkeypatch):
    monkeypatch.setattr("labelcheck.readers.jsonsplit.splitter.MAX_VALUE_BYTES", 1 << 17)
    with pytest.raises(Irregular):
        index(b'{"info": "' + b"x" * (1 << 19) + b'", "annotations": []}')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(alphabet='ab"\\{}[],: \n\té'),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(alphabet="ab{}", max_size=3), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    elements=st.lists(json_values, max_size=8),
    indent=st.sampled_from([None, 0, 2]),
    run_bytes=st.integers(min_value=1, max_value=120),
)
def test_any_array_splits_into_its_elements(elements, indent, run_bytes):
    data = json.dumps({"before": 1, "annotations": elements, "after": [elements]}, indent=indent).encode()
    members = index(data, run_bytes).members
    assert elements_of(data, members[1]) == elements
    assert elements_of(data, members[2]) == [elements]


# Decoding while indexing, and the speculation with a validator elsewhere.


CHECKS = []


def _decoded_elements(document, maybe_non_ascii=True):
    CHECKS.append(len(document))
    return json.loads(bytes(document)) if valid_run_document(document, maybe_non_ascii) else None


DECODING = RunDecoding(_decoded_elements, lambda document: json.loads(bytes(document)))


class InProcessValidator:
    """A RunValidator checking runs right here, whose answers are always in or
    never in (``answered``): the speculation's paths without worker timing."""

    depth = 8

    def __init__(self, data: bytes, answered: bool) -> None:
        self.data = data
        self.always_answered = answered
        self.submitted: list[tuple[int, int]] = []
        self.results = 0

    def ready(self) -> bool:
        return True

    def submit(self, start, end, check):
        self.submitted.append((start, end))
        return start, end, check

    def result(self, handle):
        start, end, check = handle
        self.results += 1
        return check(b"[" + self.data[start:end] + b"]", True)

    def answered(self, handle) -> bool:
        return self.always_answered


def _events(data: bytes, validator, run_bytes: int):
    events = document_events(io.BytesIO(data), run_bytes, None, validator, lambda key: DECODING)
    found = []
    while True:
        try:
            found.append(next(events))
        except StopIteration as done:
            return found, done.value


@pytest.mark.parametrize("odd", [None, 17, 95])
def test_runs_checked_elsewhere_or_here_decode_to_every_element(odd):
    """Answers always in: speculated runs are all checked by the validator; never in: this
    process checks runs ahead itself meanwhile. A NaN (msgspec refuses it) stops the speculation there."""
    elements = [{"id": k, "note": "}, {" * (k % 3), "bbox": [k, 1.5, 2, 3]} for k in range(120)]
    if odd is not None:
        elements[odd]["bbox"][0] = float("nan")
    data = json.dumps({"images": [], "annotations": elements}, indent=0).encode()
    checked_here = {}
    for answered in (True, False):
        validator = InProcessValidator(data, answered)
        CHECKS.clear()
        events, document = _events(data, validator, run_bytes=200)
        runs = [event for event in events if isinstance(event, RunFound) and event.key == "annotations"]
        assert [value for event in runs for value in event.decoded] == json.loads(data)["annotations"]
        assert [event.run for event in runs] == list(document.members[1].runs)
        assert [event.member.key for event in events if isinstance(event, MemberFound)] == ["images", "annotations"]
        assert validator.submitted
        checked_here[answered] = len(CHECKS) - validator.results
    assert checked_here[False] > checked_here[True]


def test_without_decoding_runs_carry_nothing():
    data = json.dumps({"annotations": list(range(300))}).encode()
    events, _ = _events(data, InProcessValidator(data, answered=False), run_bytes=50)
    events_plain = list(document_events(io.BytesIO(data), 50))
    assert [event.decoded for event in events_plain if isinstance(event, RunFound)] == [None] * (len(events_plain) - 1)
    assert len(events) == len(events_plain)
