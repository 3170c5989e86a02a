"""Fuzzing: small valid files mutated (bytes flipped, deleted, inserted, spliced from another file).

Whatever the bytes, the command ends 0, 1 or 2 without a traceback, and both
readers (``plain``, Python's json whole: the reference; ``stream``, the
splitter with runs of a few bytes) give the same findings or the same error,
from a path, gzip-compressed, or on standard input.

The suite runs a bounded number of examples; for a longer run by hand:

    LABELCHECK_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labelcheck import InputError, scan
from labelcheck.core.findings import fixed_name
from labelcheck.readers import READERS, StreamReader

from conftest import CASES, run_cli

SEEDS = [path.read_bytes() for path in sorted(CASES.glob("*.json")) + sorted((CASES / "ci").glob("*.json"))
         if not path.name.endswith(".expect.json")]
EXAMPLES = int(os.environ.get("LABELCHECK_FUZZ_EXAMPLES", "300"))
# Bytes that matter to JSON, and some that do not belong in it.
SIGNIFICANT = st.sampled_from([b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b" ", b"\n", b"-", b"0", b"9",
                               b"1e999", b"NaN", b"Infinity", b"null", b"true", b"\x00", b"\x1b", b"\xff", b"\xc3",
                               b"\xef\xbb\xbf", b"\\ud800", "\u202e".encode(), b"9" * 30])


@st.composite
def mutants(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["flip", "delete", "insert", "splice"]))
        if how == "flip" and where < len(data):
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif how == "delete":
            del data[where : where + draw(st.integers(1, 16))]
        elif how == "insert":
            data[where:where] = draw(SIGNIFICANT) if draw(st.booleans()) else draw(st.binary(min_size=1, max_size=8))
        elif how == "splice":
            other = draw(st.sampled_from(SEEDS))
            start = draw(st.integers(0, len(other)))
            data[where:where] = other[start : start + draw(st.integers(1, 64))]
    return bytes(data)


@pytest.fixture(autouse=True)
def small_runs(monkeypatch):
    """The streaming reader cuts runs of a few bytes, to reach the splitter's every path; both readers
    give the rules batches of the same size (findings come batch by batch)."""
    plain = READERS["plain"]
    monkeypatch.setitem(READERS, "stream", lambda progress=None: StreamReader(batch_size=3, run_bytes=24,
                                                                              progress=progress))
    monkeypatch.setitem(READERS, "plain", lambda progress=None: plain(batch_size=3, progress=progress))


def outcome(path: Path, reader: str):
    try:
        report = scan([str(path)], reader=reader)
    except InputError as exc:
        return str(exc)
    return [f.to_dict() for f in report.findings], [r.to_dict() for r in report.files]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])
@given(data=mutants(), compressed=st.booleans())
def test_a_mutant_ends_0_1_or_2_alike_in_both_readers(tmp_path_factory, data, compressed):
    path = tmp_path_factory.mktemp("fuzz") / ("mutant.json.gz" if compressed else "mutant.json")
    path.write_bytes(gzip.compress(data, mtime=0) if compressed else data)
    assert outcome(path, "stream") == outcome(path, "plain")
    result = run_cli("scan", path, "--format", "json")  # an exception here fails the test: no traceback
    assert result.exit_code in (0, 1, 2), result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("labelcheck: hint: ")]
    assert len(lines) == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr, lines
    from_stdin = run_cli("scan", "-", "--format", "json", input=path.read_bytes())
    assert from_stdin.exit_code == result.exit_code
    # The same report, where a file's name and its fix command's target read as stdin's.
    as_stdin = result.stdout.replace(f'"{path}"', '"<stdin>"').replace(f"{path} -o {fixed_name(str(path))}",
                                                                       "FILE -o FIXED.json")
    assert from_stdin.stdout == as_stdin
