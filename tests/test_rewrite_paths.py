"""The run-by-run rewriter (streamed files) gives exactly the whole-text rewriter's bytes."""

from __future__ import annotations

import json
import sys
from functools import partialmethod

import pytest

import labelcheck
from labelcheck.readers import StreamReader
from conftest import CASES, FIXTURES

SOURCES = [
    FIXTURES / "openimages-mlperf-bad.json",
    FIXTURES / "openimages-mlperf-1based.json",
    CASES / "invalid-bbox.json",
    CASES / "invalid-duplicate-ids.json",
    CASES / "invalid-annotation-not-an-object.json",
    CASES / "invalid-repeated-top-level-annotations-last-wins.json",
    CASES / "valid-key-order-annotations-first.json",
]


@pytest.fixture(params=[(64, False), (4096, False), (256, True)], ids=["tiny-runs", "small-runs", "workers"])
def small_runs(request, monkeypatch):
    """Runs of a few bytes; with ``workers``, worker processes index and edit even these small files."""
    run_bytes, workers = request.param
    monkeypatch.setattr(StreamReader, "__init__", partialmethod(StreamReader.__init__, run_bytes=run_bytes))
    if workers:
        monkeypatch.setattr("labelcheck.readers.pool.POOL_MIN_BYTES", 0)
        monkeypatch.setattr(sys.modules["labelcheck.fixing.clean"], "WORKERS_PAY_FROM", 0)


def both(tmp_path, run):
    outputs = []
    for reader in ("plain", "stream"):
        out = tmp_path / f"{reader}.json"
        run(out, reader)
        outputs.append(out.read_bytes())
    return outputs


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
@pytest.mark.parametrize("drop", ["annotations", "images"])
def test_clean_paths_agree(tmp_path, small_runs, source, drop):
    contract = labelcheck.resolve_contract(num_classes=3) if source.parent == CASES else None
    results = {}

    def run(out, reader):
        results[reader] = labelcheck.clean(str(source), str(out), contract, drop=drop, reader=reader).audit()

    plain, stream = both(tmp_path, run)
    assert stream == plain
    del results["plain"]["output"], results["stream"]["output"]
    assert results["stream"] == results["plain"]


@pytest.mark.parametrize(
    "source, options",
    [
        (FIXTURES / "openimages-mlperf-1based.json", {"offset": -1}),
        (FIXTURES / "openimages-mlperf-1based.json", {"by_name": True}),
        (FIXTURES / "openimages-mlperf-bad.json", {"offset": 0, "drop_unknown": True}),
        (FIXTURES / "openimages-mlperf-clean.json", {"contiguous": True}),
    ],
    ids=["offset", "by-name", "drop-unknown", "no-op"],
)
def test_remap_paths_agree(tmp_path, small_runs, source, options):
    plain, stream = both(tmp_path, lambda out, reader: labelcheck.remap(str(source), str(out), reader=reader, **options))
    assert stream == plain


def test_remap_fast_path_leaves_nested_keys_alone(tmp_path, small_runs):
    """A category_id nested inside an annotation is not the annotation's own."""
    annotations = [
        {"id": i, "image_id": 1, "category_id": 1 + i % 2, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0,
         "attributes": {"category_id": 1}, "note": 'say "category_id": 1'}
        for i in range(50)
    ]
    document = {"categories": [{"id": 1, "name": "Airplane"}, {"id": 2, "name": "Antelope"}],
                "images": [{"id": 1, "file_name": "a.jpg"}], "annotations": annotations}
    source = tmp_path / "in.json"
    source.write_text(json.dumps(document))
    plain, stream = both(tmp_path, lambda out, reader: labelcheck.remap(str(source), str(out), reader=reader, offset=-1))
    assert stream == plain
    result = json.loads(stream)
    assert [a["category_id"] for a in result["annotations"][:2]] == [0, 1]
    assert all(a["attributes"] == {"category_id": 1} and a["note"] == 'say "category_id": 1' for a in result["annotations"])


@pytest.mark.parametrize("options", [{"table": {1: 0, 2**64: 5}, "drop_unknown": True},
                                     {"offset": -1, "drop_unknown": True}])
def test_ids_beyond_int64_are_not_ids(tmp_path, small_runs, options):
    """The loader cannot use 2**64: renumbered by neither path, dropped (with --drop-unknown) by both."""
    annotations = [{"id": i, "image_id": 1, "category_id": 2**64 if i == 7 else 1} for i in range(40)]
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"categories": [{"id": 1, "name": "a"}], "images": [{"id": 1}],
                                  "annotations": annotations}))
    results = {}

    def run(out, reader):
        results[reader] = labelcheck.remap(str(source), str(out), reader=reader, **options).report()

    plain, stream = both(tmp_path, run)
    assert stream == plain
    assert results["stream"]["mapping"] == results["plain"]["mapping"] == [{"old": 1, "new": 0}]
    assert results["stream"]["dropped_annotations"] == 1


def test_escaped_key_spelling_goes_the_slow_way(tmp_path, small_runs):
    """"category\\u005fid" is category_id to json.load but not to a byte pattern."""
    annotation = ('{"id": %d, "image_id": 1, "category\\u005fid": 1, "meta": {"category_id": 2}, '
                  '"bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}')
    document = ('{"categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], "images": [{"id": 1}], '
                '"annotations": [' + ", ".join(annotation % i for i in range(3)) + "]}")
    source = tmp_path / "in.json"
    source.write_text(document)
    plain, stream = both(tmp_path, lambda out, reader: labelcheck.remap(
        str(source), str(out), reader=reader, table={1: 1, 2: 5}))
    assert stream == plain
    assert all(a["meta"] == {"category_id": 2} for a in json.loads(stream)["annotations"])


def test_input_changed_since_the_scan_is_an_input_error(tmp_path, monkeypatch):
    import sys

    clean_module = sys.modules["labelcheck.fixing.clean"]
    source = tmp_path / "in.json"
    source.write_bytes((FIXTURES / "openimages-mlperf-bad.json").read_bytes())
    real = clean_module.rewrite_file

    def shrink_first(*args):
        data = source.read_bytes()
        source.write_bytes(data[: len(data) * 3 // 4])
        return real(*args)

    monkeypatch.setattr(clean_module, "rewrite_file", shrink_first)
    with pytest.raises(labelcheck.InputError, match="changed"):
        labelcheck.clean(str(source), str(tmp_path / "out.json"))
    assert not (tmp_path / "out.json").exists()


DEADLOCK_SCRIPT = """
import json, sys
from functools import partialmethod
import labelcheck, labelcheck.readers.stream as stream
stream.POOL_MIN_BYTES = 0
stream.StreamReader.__init__ = partialmethod(stream.StreamReader.__init__, run_bytes=256 << 10)
source, table, out = sys.argv[1:]
result = labelcheck.remap(source, out, table=table)
print(result.dropped_annotations)
"""


def test_large_requests_and_answers_do_not_deadlock_the_workers(tmp_path):
    """A request (a 20,000-entry table) and an answer (a renumbered run) each larger than a pipe holds:
    the worker reads its next request while it writes an answer, so neither side waits for the other."""
    import subprocess
    import sys

    annotations = [{"id": i, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "note": "x" * 40}
                   for i in range(30_000)]
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"categories": [{"id": 1, "name": "a"}], "images": [{"id": 1}],
                                  "annotations": annotations}))
    table = tmp_path / "map.json"
    table.write_text(json.dumps({"1": 0, **{str(i): 1 for i in range(100_000, 120_000)}}))
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, "-c", DEADLOCK_SCRIPT, str(source), str(table), str(out)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert {a["category_id"] for a in json.loads(out.read_text())["annotations"]} == {0}
