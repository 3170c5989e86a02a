"""The streaming reader gives exactly the plain reader's findings, and its errors."""

from __future__ import annotations

import gzip
import io
import json
import sys
import os
import time
import weakref
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelcheck import InputError, resolve_contract, scan
from labelcheck.core import columns
from labelcheck.core.dataset import SpilledBytes
from labelcheck.core.findings import fixed_name
from labelcheck.readers import READERS, StreamReader, reader_for
from labelcheck.readers.base import Progress, ReadAgain
from labelcheck.readers.pool import WorkerPool

from cocodocs import LAYOUTS, Layout, Obj, coco_members, write

FIXTURES = Path(__file__).parent.parent / "fixtures"
LAYOUTS_PRETTY = Layout(2, ",", ": ")
CONTRACTS = [resolve_contract(), resolve_contract(num_classes=3, mapping="sorted"),
             resolve_contract(loader="torchvision", num_classes=5), resolve_contract(loader="detectron2", num_classes=3),
             resolve_contract(loader="mmdet", classes=("Apple", "Airplane")), resolve_contract(loader="dali", num_classes=4)]


def outcome(path, reader, contract=None, **options):
    """Findings and per-file results, or the error message."""
    try:
        report = scan([str(path)], contract, reader=reader, **options)
    except InputError as exc:
        return str(exc)
    return [f.to_dict() for f in report.findings], [r.to_dict() for r in report.files]


@pytest.fixture(autouse=True)
def small_runs(monkeypatch):
    """Readers built by the engine cut small runs and batches, to exercise the splitter."""
    monkeypatch.setitem(READERS, "stream", lambda progress=None: StreamReader(batch_size=7, run_bytes=50, progress=progress))
    monkeypatch.setitem(READERS, "plain", lambda progress=None: READERS_PLAIN(batch_size=7))


READERS_PLAIN = READERS["plain"]


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_fixtures_same_findings(fixture):
    assert outcome(fixture, "stream") == outcome(fixture, "plain")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=coco_members(), layout=LAYOUTS, run_bytes=st.integers(1, 300), batch_size=st.integers(1, 20),
       contract=st.sampled_from(CONTRACTS), spill_bytes=st.sampled_from([0, 16, columns.SPILL_BYTES]))
def test_awkward_documents_same_findings(tmp_path_factory, document, layout, run_bytes, batch_size, contract,
                                         spill_bytes):
    """Also with the file names spilled to a temporary file from the start, part way, or not at all."""
    path = tmp_path_factory.mktemp("doc") / "doc.json"
    path.write_text(write(document, layout), encoding="utf-8")
    expected = _scan_with(path, READERS_PLAIN(batch_size=batch_size), contract)
    with mock.patch.object(columns, "SPILL_BYTES", spill_bytes):
        actual = _scan_with(path, StreamReader(batch_size=batch_size, run_bytes=run_bytes), contract)
    assert actual == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=coco_members(), layout=LAYOUTS, run_bytes=st.integers(1, 300), data=st.data())
def test_damaged_documents_same_outcome(tmp_path_factory, document, layout, run_bytes, data):
    """Truncated or corrupted files: the same error message (or the same findings)."""
    raw = write(document, layout).encode("utf-8")
    cut = data.draw(st.integers(0, len(raw)))
    damage = data.draw(st.sampled_from([b"", b"}", b"]", b",", b'"', b"\\", b"\xff", b"\xc3", b"\x00", b"x", b" "]))
    keep_rest = data.draw(st.booleans())
    raw = raw[:cut] + damage + (raw[cut + 1 :] if keep_rest else b"")
    path = tmp_path_factory.mktemp("doc") / "doc.json"
    path.write_bytes(raw)
    expected = _scan_with(path, READERS_PLAIN(batch_size=5), None)
    assert _scan_with(path, StreamReader(batch_size=5, run_bytes=run_bytes), None) == expected


def _scan_with(path, reader, contract):
    try:
        report = scan_dataset(reader, path, contract)
    except InputError as exc:
        return str(exc)
    return [f.to_dict() for f in report.findings], [r.to_dict() for r in report.files]


def scan_dataset(reader, path, contract):
    import labelcheck.scanning.engine as engine

    original = engine.reader_for
    engine.reader_for = lambda source, name="auto", progress=None, stdin_limit=None: reader
    try:
        return scan([str(path)], contract)
    finally:
        engine.reader_for = original


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_gzip_same_findings(tmp_path, fixture):
    packed = tmp_path / (fixture.name + ".gz")
    packed.write_bytes(gzip.compress(fixture.read_bytes()))
    stream = outcome(packed, "stream")
    assert stream == outcome(packed, "plain")
    names = json.dumps(outcome(fixture, "plain")[0]).replace(fixed_name(str(fixture)), fixed_name(str(packed)))
    unpacked = names.replace(str(fixture), str(packed))
    assert stream[0] == json.loads(unpacked)


def test_corrupt_gzip_is_the_plain_error(tmp_path):
    packed = tmp_path / "bad.json.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "openimages-mlperf-bad.json").read_bytes())[:-20])
    message = outcome(packed, "stream")
    assert isinstance(message, str) and "not a readable gzip file" in message
    assert message == outcome(packed, "plain")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'\xef\xbb\xbf{"images": [], "annotations": [], "categories": []}',
        b'{"images": [], "annotations": [], "categories": [{"name": "\xff"}]}',
        b'{"images": [], "annotations": [], "categories": [{"name": "\xc3"}]}',
        b'{"images": [], "annotations": [{"id": 1}, {"id": 2}',
        b'{"images": [], "annotations": [{"id": 1}, {"id": 2}]\n\n',
        b'{"images": [], "annotations": [{"id": 1} {"id": 2}], "categories": []}  \n',
        b'[{"images": []}]',
        b'"annotations"',
        b'{"images": [], "annotations": {"id": 1}, "categories": []}',
        b'{"images": [], "categories": []}',
        b'{"images": [], "annotations": [], "categories": [], "x": 1} trailing',
        b'{"images": [], "annotations": [' + b"[" * 5000 + b"]" * 5000 + b'], "categories": []}',
        '{"categories": [{"name": "é"}], "images": [], "annotations": [{"id": 1},\n  {"id": x}]}'.encode(),
        b'{"a": 1, "annotations": [{"id": 1}, {"id": 2}], "images": [], "categories": []}\xff',
    ],
)
def test_malformed_files_fail_like_the_plain_reader(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    message = outcome(path, "stream")
    assert isinstance(message, str) and message.startswith(str(path))
    assert message == outcome(path, "plain")


def test_missing_file_is_the_plain_error(tmp_path):
    assert outcome(tmp_path / "nope.json", "stream") == outcome(tmp_path / "nope.json", "plain")


def test_stdin_is_read_once_and_matches(monkeypatch):
    data = (FIXTURES / "openimages-mlperf-bad.json").read_bytes()
    expected = outcome(FIXTURES / "openimages-mlperf-bad.json", "plain")[0]
    for payload in (data, gzip.compress(data)):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(payload))))
        findings = [f.to_dict() for f in scan(["-"], reader="stream").findings]
        assert findings == [dict(f, file="<stdin>") for f in expected]


@pytest.mark.parametrize("single_pass", [True, False])
def test_progress_reports_the_bytes_scanned(single_pass):
    """One pass: "scanning" throughout; two passes: "checking" the file, then "scanning" it."""
    events: list[Progress] = []
    reader = StreamReader(run_bytes=1000, batch_size=50, progress=events.append, single_pass=single_pass)
    dataset = reader.read(str(FIXTURES / "openimages-mlperf-bad.json"))
    assert sum(len(batch) for batch in dataset.annotation_batches) == 376
    phases = [event.phase for event in events]
    first = phases.index("scanning")
    assert set(phases[:first]) == (set() if single_pass else {"checking"}) and set(phases[first:]) == {"scanning"}
    scanned = [event.done for event in events if event.phase == "scanning"]
    assert scanned == sorted(scanned)
    last = events[-1]
    assert last.phase == "scanning" and last.done == last.total and last.annotations == 376


def test_annotations_before_the_images_are_decoded_by_a_second_pass(tmp_path):
    document = json.loads(BAD.read_text("utf-8"))
    path = tmp_path / "annotations-first.json"
    path.write_text(json.dumps({key: document[key] for key in ("annotations", "categories", "images")}), "utf-8")
    events: list[Progress] = []
    dataset = StreamReader(run_bytes=1000, batch_size=50, progress=events.append).read(str(path))
    assert not dataset.provisional
    assert sum(len(batch) for batch in dataset.annotation_batches) == 376
    assert [phase for phase in dict.fromkeys(event.phase for event in events)] == ["scanning", "decoding"]
    assert outcome(path, "stream") == outcome(path, "plain")


def test_auto_reader_is_stream_for_paths():
    assert reader_for("x.json").name == "stream"
    assert reader_for("-").name == "stream"


@pytest.fixture
def workers_for_any_size(monkeypatch):
    """Worker processes even for small files, waited for, so tests reach the parallel first pass."""
    monkeypatch.setattr("labelcheck.readers.pool.POOL_MIN_BYTES", 0)
    ready = WorkerPool.ready

    def wait_until_ready(workers):
        while not ready(workers):
            time.sleep(0.01)
        return True

    monkeypatch.setattr(WorkerPool, "ready", wait_until_ready)


@pytest.mark.parametrize("run_bytes", [64, 1000, 1 << 20])
def test_workers_same_findings(workers_for_any_size, tmp_path, run_bytes):
    """Runs checked ahead and decoded by worker processes: still the plain reader's findings."""
    tricky = write(
        Obj((
            ("annotations", [Obj((("id", i), ("image_id", i % 5), ("category_id", 300 if i % 7 == 0 else i % 264),
                                  ("bbox", [1, 2, 3, float("nan") if i % 11 == 0 else 4]), ("area", 1), ("iscrowd", 0),
                                  ("note", '}, {"id": 1}, {' * (i % 3))))
                             for i in range(400)]),
            ("images", [Obj((("id", i), ("width", 10), ("height", 10), ("file_name", f"{i}.jpg"))) for i in range(5)]),
            ("categories", [Obj((("id", i), ("name", str(i)))) for i in range(264)]),
        )),
        LAYOUTS_PRETTY,
    )
    for name, text in (("tricky.json", tricky), ("bad.json", (FIXTURES / "openimages-mlperf-bad.json").read_text())):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        expected = _scan_with(path, READERS_PLAIN(batch_size=50), None)
        actual = _scan_with(path, StreamReader(batch_size=50, run_bytes=run_bytes, workers=2), None)
        assert actual == expected


def test_workers_report_syntax_errors_like_plain(workers_for_any_size, tmp_path):
    data = (FIXTURES / "openimages-mlperf-bad.json").read_bytes()
    for damaged in (data[: len(data) // 2], data.replace(b'"iscrowd": 0', b'"iscrowd": 0,,', 1)):
        path = tmp_path / "damaged.json"
        path.write_bytes(damaged)
        expected = _scan_with(path, READERS_PLAIN(), None)
        assert isinstance(expected, str)
        assert _scan_with(path, StreamReader(run_bytes=500, workers=2), None) == expected


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_read_once(tmp_path):
    import os
    import threading

    fixture = FIXTURES / "openimages-mlperf-bad.json"
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    feeder = threading.Thread(target=lambda: pipe.write_bytes(fixture.read_bytes()))
    feeder.start()
    findings = outcome(pipe, "stream")[0]
    feeder.join()
    assert json.dumps(findings) == json.dumps(outcome(fixture, "plain")[0]).replace(str(fixture), str(pipe))


def test_float32_image_sizes_give_the_plain_findings_at_the_tolerance(tmp_path):
    """The streaming reader's table keeps 640x480 as float32; boxes at the edge of the tolerance agree."""
    edges = [640.00064, 640.000641, 640.00063, 640.0006400000001, 640.0]
    annotations = [{"id": k + 1, "image_id": 1, "category_id": 0, "bbox": [0, 0, edge, 480.00048]}
                   for k, edge in enumerate(edges)]
    document = {"categories": [{"id": 0, "name": "Airplane"}], "annotations": annotations,
                "images": [{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480}]}
    path = tmp_path / "edge.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    expected = outcome(path, "plain")
    assert any(f["rule"] == "bbox-outside-image" for f in expected[0])
    assert outcome(path, "stream") == expected


def test_image_tables_and_their_spill_files_go_file_by_file(tmp_path, monkeypatch):
    """Files scanned together hold one image table at a time: one temporary file at most."""
    monkeypatch.setattr(columns, "SPILL_BYTES", 0)
    spills: list[weakref.ref] = []
    spill = SpilledBytes.__init__

    def tracked(self):
        spill(self)
        spills.append(weakref.ref(self))

    monkeypatch.setattr(SpilledBytes, "__init__", tracked)
    paths = []
    for name in ("train", "val"):
        images = [{"id": k, "file_name": f"{name}-{k}.jpg", "width": 10, "height": 10} for k in range(1, 4)]
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps({"images": images, "annotations": [], "categories": []}), encoding="utf-8")
    alive = []
    report = scan([str(path) for path in paths], on_finding=lambda _: alive.append(sum(r() is not None for r in spills)))
    names = [f.image_file for f in report.findings if f.rule == "empty-image"]
    assert names == [f"{name}-{k}.jpg" for name in ("train", "val") for k in range(1, 4)]
    assert len(spills) == 2 and max(alive) == 1
    assert all(r() is None for r in spills)


# The single pass: annotations after the categories and images are decoded as they are validated.

BAD = FIXTURES / "openimages-mlperf-bad.json"


def _followed_by(tmp_path, member: str) -> Path:
    """The bad sample with ``member`` (JSON text of a top-level member) after its annotations."""
    text = BAD.read_text("utf-8").rstrip()
    assert text.endswith("]\n}")
    path = tmp_path / "sample.json"
    path.write_text(text[:-1] + ", " + member + "}", encoding="utf-8")
    return path


def _scan_seen(monkeypatch, reader, path):
    """The engine's report with ``reader``, and the findings as on_finding saw them."""
    import labelcheck.scanning.engine as engine

    monkeypatch.setattr(engine, "reader_for", lambda source, name="auto", progress=None, stdin_limit=None: reader)
    seen = []
    report = scan([str(path)], on_finding=seen.append)
    return [f.to_dict() for f in report.findings], [f.to_dict() for f in seen]


def test_annotations_after_the_images_are_streamed_provisionally():
    dataset = StreamReader(batch_size=50, run_bytes=500).read(str(BAD))
    assert dataset.provisional and len(dataset.images) and dataset.categories
    assert sum(len(batch) for batch in dataset.annotation_batches) == 376
    assert [key for key, _, _ in dataset.layout.members] == ["info", "licenses", "categories", "images", "annotations"]


@pytest.mark.parametrize("later", [
    '"annotations": [{"id": 1, "image_id": 1, "category_id": 999, "bbox": [0, 0, 1, 1]}]',
    '"images": [{"id": 1, "file_name": "x.jpg", "width": 5, "height": 5}]',
    '"categories": []',
    '"annotations": []',
])
def test_a_coco_key_repeated_after_the_annotations_reads_the_file_again(tmp_path, monkeypatch, later):
    """The last one counts, as in json.load: the findings of the first read are dropped, never delivered."""
    path = _followed_by(tmp_path, later)
    dataset = StreamReader(batch_size=50, run_bytes=500).read(str(path))
    with pytest.raises(ReadAgain) as again:
        for _ in dataset.annotation_batches:
            pass
    assert again.value.reader.single_pass is False
    findings, seen = _scan_seen(monkeypatch, StreamReader(batch_size=50, run_bytes=500), path)
    expected = outcome(path, "plain")[0]
    assert findings == seen == expected
    assert expected != outcome(BAD, "plain")[0]


def test_no_finding_is_delivered_before_a_syntax_error_past_the_annotations(tmp_path):
    path = _followed_by(tmp_path, '"info": [1,,2]')
    seen = []
    with pytest.raises(InputError) as error:
        scan([str(path)], on_finding=seen.append)
    assert seen == []
    assert str(error.value) == outcome(path, "plain")


def test_held_findings_past_the_memory_limit_come_back_in_order(monkeypatch):
    import labelcheck.scanning.engine as engine

    monkeypatch.setattr(engine, "HELD_IN_MEMORY", 2)
    spilled = []
    original = engine._HeldFindings._spilled
    monkeypatch.setattr(engine._HeldFindings, "_spilled", lambda self, findings: (spilled.append(len(findings)),
                                                                                   original(self, findings)))
    stream = outcome(BAD, "stream")
    assert len(spilled) > 2 and set(spilled) == {2}
    assert stream == outcome(BAD, "plain")


@pytest.mark.parametrize("answered", [True, False])
def test_single_and_two_pass_readers_agree_with_workers(workers_for_any_size, monkeypatch, answered):
    """Whether or not the workers' answers are in when asked, so that this process does runs itself."""
    import labelcheck.readers.pool as pool
    import labelcheck.readers.stream as stream

    monkeypatch.setattr(WorkerPool, "answered", lambda self, worker: answered)
    done_here = []
    here = pool.run_here
    for module in (pool, stream):
        monkeypatch.setattr(module, "run_here", lambda *args: done_here.append(args[1]) or here(*args))
    for single_pass in (True, False):
        reader = StreamReader(batch_size=50, run_bytes=700, workers=1, single_pass=single_pass)
        assert _scan_with(BAD, reader, None) == _scan_with(BAD, READERS_PLAIN(batch_size=50), None)
    assert bool(done_here) == (not answered)  # the two-pass reader's second pass


@pytest.mark.parametrize("document, decoded", [
    (b'[{"id": 1, "image_id": 2, "category_id": 3, "bbox": [1, 2, 3, 4], "area": 1, "iscrowd": 0}]', True),
    (b'[{"id": "1", "image_id": 2, "category_id": 2.5, "bbox": [1, 2, 3]}, 7]', True),  # decoded by Python's json
    (b'[{"id": 1, "image_id": 2, "category_id": NaN, "bbox": [1, 2, 3, 4]}]', False),  # walked by the splitter
    (b'[{"id": 1, "bbox": [1, 2, 3, 4]}, {"id": 2}]', True),
    (b'[{"id": 1, "image_id": 2, "category_id": 3, "bbox": [1, 2, 3, 4]}, {"id": ]', False),
    (b'[{"id": 1, "image_id": 2, "category_id": 3, "bbox": [1, 2, 3, 4], "note": "\xff"}]', False),
    (b'[{"id": 1, "category_id": 3, "bbox": [1, 2, 3, 4]}, {"note": "\xc3\xa9"}]', True),
])
def test_checked_annotation_batch_is_the_batch_of_a_valid_run_or_none(document, decoded):
    from labelcheck.readers.jsonsplit import valid_run_document
    from labelcheck.readers.rundecode import annotation_batch_of, checked_annotation_batch

    batch = checked_annotation_batch(document)
    assert (batch is not None) == decoded
    if decoded:
        expected = annotation_batch_of(document)
        assert all(np.array_equal(getattr(batch, name), getattr(expected, name), equal_nan=True)
                   for name in ("id", "id_kind", "image_id", "category_id", "category_kind", "bbox", "bbox_kind",
                                "has_area", "has_iscrowd"))
        assert batch.raw_category_id == expected.raw_category_id
    else:
        assert not valid_run_document(document)


def test_too_many_findings_held_back_read_the_file_again_validated_first(workers_for_any_size, monkeypatch):
    """Holding findings costs per finding: past HELD_AT_MOST the file is read by the settled
    (two-pass) reader instead, with the same findings, nothing left open."""
    import labelcheck.scanning.engine as engine

    monkeypatch.setattr(engine, "HELD_IN_MEMORY", 1)
    monkeypatch.setattr(engine, "HELD_AT_MOST", 3)
    settled = []
    original = StreamReader.settled
    monkeypatch.setattr(StreamReader, "settled", lambda self, *source: settled.append(self) or original(self, *source))
    reader = StreamReader(batch_size=50, run_bytes=700, workers=1)
    findings, seen = _scan_seen(monkeypatch, reader, BAD)
    assert settled == [reader]
    assert findings == seen == outcome(BAD, "plain")[0]


def _stdin(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(path.read_bytes()))))


@pytest.mark.parametrize("held_at_most", [None, 3])
def test_standard_input_read_again_reads_its_spool(tmp_path, monkeypatch, held_at_most):
    """A repeated key after the annotations, or too many findings held back: the file is read
    again from the copy of standard input, which is then deleted."""
    import labelcheck.scanning.engine as engine

    path = _followed_by(tmp_path, '"images": [{"id": 1, "file_name": "x.jpg", "width": 5, "height": 5}]')
    if held_at_most is not None:
        path = BAD
        monkeypatch.setattr(engine, "HELD_IN_MEMORY", 1)
        monkeypatch.setattr(engine, "HELD_AT_MOST", held_at_most)
    files = _open_files()
    _stdin(monkeypatch, path)
    findings = [f.to_dict() for f in scan(["-"], reader="stream").findings]
    assert findings == [dict(f, file="<stdin>") for f in outcome(path, "plain")[0]]
    assert _open_files() == files


def _open_files() -> set[str]:
    """What this process has open (an unnamed spool shows as 'TMPDIR/#inode (deleted)')."""
    files = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            files.add(os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:  # the listing's own descriptor, closed
            pass
    return files


def test_batches_given_up_before_they_begin_release_workers_and_spool(workers_for_any_size, monkeypatch):
    files = _open_files()
    _stdin(monkeypatch, BAD)
    from_stdin = StreamReader(run_bytes=700).read("-")
    assert _open_files() != files
    from_stdin.annotation_batches.close()
    assert _open_files() == files
    dataset = StreamReader(run_bytes=700, workers=1).read(str(BAD))
    processes = dataset.annotation_batches._release.__self__.workers.processes
    dataset.annotation_batches.close()
    assert all(process.poll() is not None for process in processes)


def test_a_run_shorter_than_indexed_is_a_changed_file(workers_for_any_size, monkeypatch):
    from labelcheck.readers import jsonsplit
    from labelcheck.readers.jsonsplit.window import Window

    def shrunk(self, start, end):
        raise jsonsplit.ShortRead("file ended early")

    monkeypatch.setattr(Window, "run_document", shrunk)
    monkeypatch.setattr(WorkerPool, "answered", lambda self, worker: False)  # this process checks runs too
    with pytest.raises(InputError, match="the file changed while it was being read"):
        scan_dataset(StreamReader(run_bytes=700, workers=1), BAD, None)


def test_window_run_document_reads_exactly_or_says_short():
    from labelcheck.readers import jsonsplit
    from labelcheck.readers.jsonsplit.window import Window

    window = Window(io.BytesIO(b"0123456789"), lambda offset: None)
    with window.run_document(2, 5) as document:
        assert bytes(document) == b"[234]"
    with pytest.raises(jsonsplit.ShortRead):
        window.run_document(8, 12)


def test_a_huge_value_after_the_annotations_reads_the_file_again(tmp_path, monkeypatch):
    """A value the splitter will not split (over MAX_VALUE_BYTES) after the annotations:
    the settled reader loads the file whole, with the plain reader's findings."""
    from labelcheck.readers import jsonsplit

    monkeypatch.setattr(jsonsplit, "MAX_VALUE_BYTES", 1 << 10)
    path = _followed_by(tmp_path, '"info": "' + "x" * 5000 + '"')
    assert outcome(path, "stream") == outcome(path, "plain")


LONG = "9" * 5000  # past Python's int-to-str limit (4300 digits)


@pytest.mark.parametrize("spot", [
    '"id": 17,', '"category_id": 264,', '"bbox": [', '"width": ', '"segmentation": [[', '{"id": 0, "name": "Airplane",',
])
@pytest.mark.parametrize("reader", ["one pass", "two passes", "workers"])
def test_an_integer_past_pythons_limit_is_the_plain_readers_input_error(workers_for_any_size, tmp_path, spot,
                                                                        reader):
    """json.load refuses it; the streaming reader said 'internal error: ValueError', wherever it was."""
    text = (FIXTURES / "openimages-mlperf-bad.json").read_text()
    if spot == '"segmentation": [[':
        text = text.replace('"iscrowd": 0', f'"iscrowd": 0, "segmentation": [[{LONG}]]', 1)
    elif spot.endswith(("[", ": ")):
        text = text.replace(spot, spot + LONG + ("" if spot.endswith(": ") else ", "), 1).replace(
            f'"width": {LONG}', f'"width": {LONG}, "w"')  # the old width is kept under another key
    else:
        text = text.replace(spot, spot.replace(spot.split()[1].rstrip(","), LONG), 1)
    assert LONG in text
    path = tmp_path / "long.json"
    path.write_text(text)
    expected = _scan_with(path, READERS_PLAIN(), None)
    assert expected == f"{path}: holds an integer of more than 4300 digits, which Python (json.load too) will not read; " \
                       "fix or re-export the file"
    stream = StreamReader(run_bytes=700, workers=0 if reader != "workers" else 2, single_pass=reader != "two passes")
    assert _scan_with(path, stream, None) == expected


def test_an_integer_too_large_for_a_float_in_a_bbox_is_a_finding(tmp_path):
    """309 digits and more: float() overflows; it is an infinite box (an OverflowError before)."""
    text = (FIXTURES / "openimages-mlperf-bad.json").read_text()
    for box in ("[1, 1, %s, 2]" % ("9" * 400), "[1, 1, 2, -%s]" % ("9" * 400)):
        path = tmp_path / "box.json"
        path.write_text(text.replace('"bbox": [', f'"bbox": {box}, "was": [', 1))
        findings, _ = outcome(path, "plain")
        assert outcome(path, "stream") == outcome(path, "plain")
        assert [f["rule"] for f in findings if f["path"] == "$.annotations[0].bbox"] == ["invalid-bbox"]


@pytest.mark.parametrize("reader", ["one pass", "two passes", "workers"])
def test_digits_in_a_string_are_no_integer(workers_for_any_size, tmp_path, reader):
    text = (FIXTURES / "openimages-mlperf-bad.json").read_text()
    path = tmp_path / "digits.json"
    path.write_text(text.replace('"iscrowd": 0', f'"iscrowd": 0, "note": "{LONG}"', 3))
    expected = _scan_with(path, READERS_PLAIN(), None)
    assert not isinstance(expected, str)
    stream = StreamReader(run_bytes=700, workers=0 if reader != "workers" else 2, single_pass=reader != "two passes")
    assert _scan_with(path, stream, None) == expected
