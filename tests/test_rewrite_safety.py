"""clean and remap never lose data: refusals and failures leave IN untouched and no OUT."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
import textwrap

import pytest

import labelcheck

from conftest import FIXTURES, ROOT, run_cli

BAD = FIXTURES / "openimages-mlperf-bad.json"
ONE_BASED = FIXTURES / "openimages-mlperf-1based.json"
COMMANDS = {"clean": ["--fail-on", "never"], "remap": ["--offset", "-1"]}  # the 1-based input: clean leaves its shift


@pytest.fixture
def workdir(tmp_path):
    source = tmp_path / "in.json"
    source.write_bytes(ONE_BASED.read_bytes())
    return tmp_path, source


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_untouched(folder, source, original, *, allowed=("in.json",)):
    assert digest(source) == original
    assert sorted(p.name for p in folder.iterdir()) == sorted(allowed)


@pytest.mark.parametrize("command", COMMANDS)
def test_existing_output_is_refused_without_force(workdir, command):
    folder, source = workdir
    out = folder / "out.json"
    out.write_text("precious")
    original = digest(source)
    result = run_cli(command, source, "-o", out, *COMMANDS[command])
    assert result.exit_code == 2 and "already exists; pass --force" in result.stderr
    assert out.read_text() == "precious"
    assert_untouched(folder, source, original, allowed=("in.json", "out.json"))
    assert run_cli(command, source, "-o", out, "--force", *COMMANDS[command]).exit_code == 0
    assert out.read_text() != "precious"


@pytest.mark.parametrize("command", COMMANDS)
def test_output_equal_to_input_is_refused_without_in_place(workdir, command):
    folder, source = workdir
    original = digest(source)
    result = run_cli(command, source, "-o", source, *COMMANDS[command])
    assert result.exit_code == 2 and "--in-place" in result.stderr
    assert_untouched(folder, source, original)


@pytest.mark.parametrize("command", COMMANDS)
def test_in_place_keeps_a_backup(workdir, command):
    folder, source = workdir
    original_bytes = source.read_bytes()
    result = run_cli(command, source, "--in-place", *COMMANDS[command])
    assert result.exit_code == 0, result.stderr
    assert (folder / "in.json.bak").read_bytes() == original_bytes
    assert source.read_bytes() != original_bytes
    again = run_cli(command, source, "--in-place", *COMMANDS[command])
    assert again.exit_code == 2 and "backup already exists" in again.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_output_folder(workdir, command):
    folder, source = workdir
    original = digest(source)
    result = run_cli(command, source, "-o", folder / "nope" / "out.json", *COMMANDS[command])
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert_untouched(folder, source, original)


@pytest.mark.parametrize("command", COMMANDS)
def test_unreadable_input_writes_nothing(tmp_path, command):
    source = tmp_path / "in.json"
    source.write_text('{"categories": [], "images": [], "annotations": [')
    original = digest(source)
    result = run_cli(command, source, "-o", tmp_path / "out.json", *COMMANDS[command])
    assert result.exit_code == 2 and "ends early" in result.stderr
    assert_untouched(tmp_path, source, original)


def _run_with_failing_write(folder, source, command, failure):
    """Run the CLI in a subprocess whose output writes fail part-way, as described by ``failure``."""
    script = textwrap.dedent(
        f"""
        import errno, os, signal, sys
        import labelcheck.fixing.rewrite.files as files

        def failing(pieces, handle):
            piece = next(iter(pieces))
            files.PieceWriter(handle).write(piece.encode() if isinstance(piece, str) else piece)
            handle.flush()
            {failure}

        files._write = failing
        from labelcheck.cli.commands import main
        sys.argv = ["labelcheck", *sys.argv[1:]]
        main()
        """
    )
    args = [command, str(source), "-o", str(folder / "out.json"), *COMMANDS[command]]
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "failure, code, message",
    [
        ("os.kill(os.getpid(), signal.SIGKILL)", -9, ""),
        ("raise KeyboardInterrupt", 130, "interrupted by SIGINT; nothing was written"),
        ("raise OSError(errno.ENOSPC, 'No space left on device')", 2, "No space left on device"),
    ],
    ids=["killed", "ctrl-c", "disk-full"],
)
def test_failure_mid_write_leaves_no_partial_output(workdir, command, failure, code, message):
    folder, source = workdir
    original = digest(source)
    proc = _run_with_failing_write(folder, source, command, failure)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert_untouched(folder, source, original)


def test_disk_full_message_is_one_line(workdir):
    folder, source = workdir
    proc = _run_with_failing_write(folder, source, "clean", f"raise OSError({errno.ENOSPC}, 'No space left on device')")
    assert proc.stderr.count("\n") == 1
    assert "out.json" in proc.stderr and "nothing was written" in proc.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_stdin_input_is_refused(tmp_path, command):
    result = run_cli(command, "-", "-o", tmp_path / "out.json", *COMMANDS[command], input=BAD.read_bytes())
    assert result.exit_code == 2 and "regular file" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "t.json"
    path.write_bytes(BAD.read_bytes())
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "{t}", "--format", "json", "-o", "{t}"],
        ["scan", "{t}", "--write-baseline", "{t}"],
        ["scan", "{t}", "--format", "json", "-o", "{d}/r.json", "--write-baseline", "{d}/r.json"],
        ["clean", "{t}", "-o", "{d}/c.json", "--report", "{t}"],
        ["clean", "{t}", "-o", "{d}/c.json", "--report", "{d}/c.json", "--force"],
        ["remap", "{t}", "-o", "{d}/c.json", "--offset", "0", "--report", "{t}"],
    ],
    ids=["scan-output", "scan-baseline", "output-is-baseline", "clean-report-input", "clean-report-output",
         "remap-report-input"],
)
def test_reports_never_overwrite_inputs_or_outputs(data, args):
    before = data.read_bytes()
    result = run_cli(*[a.format(t=data, d=data.parent) for a in args])
    assert result.exit_code == 2
    assert "also an input or output" in result.stderr
    assert data.read_bytes() == before
    assert [p.name for p in data.parent.iterdir()] == ["t.json"]


def test_unwritable_report_is_found_before_the_output_is_written(data):
    result = run_cli("clean", data, "-o", data.parent / "c.json", "--report", data.parent / "no" / "r.json")
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not (data.parent / "c.json").exists()


def test_remap_of_several_inputs_writes_all_or_nothing(tmp_path):
    for split in ("train", "validation"):
        (tmp_path / split).mkdir()
        (tmp_path / split / "x.json").write_bytes((FIXTURES / "openimages-mlperf-1based.json").read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    (out / "validation").write_text("a file where a folder must go")
    result = run_cli("remap", tmp_path / "train/x.json", tmp_path / "validation/x.json",
                     "--output-dir", out, "--offset", "-1")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (out / "train" / "x.json").exists()


def test_in_place_report_cannot_be_the_backup(data):
    before = data.read_bytes()
    result = run_cli("clean", data, "--in-place", "--report", f"{data}.bak")
    assert result.exit_code == 2 and "also an input or output" in result.stderr
    assert data.read_bytes() == before and not (data.parent / "t.json.bak").exists()


def test_in_place_with_another_output_makes_no_backup(data):
    (data.parent / "y.json.bak").write_text("precious")
    assert run_cli("clean", data, "-o", data.parent / "y.json", "--in-place").exit_code == 0
    assert (data.parent / "y.json.bak").read_text() == "precious"


def test_report_is_committed_with_the_output(data, monkeypatch):
    """A report that cannot be written leaves no output either."""
    import sys

    def fail(path, document):
        raise labelcheck.OutputError(f"{path}: write failed: No space left on device; nothing was written")

    monkeypatch.setattr(sys.modules["labelcheck.fixing.clean"], "stage_report", fail)
    result = run_cli("clean", data, "-o", data.parent / "c.json", "--report", data.parent / "r.json")
    assert result.exit_code == 2
    assert sorted(p.name for p in data.parent.iterdir()) == ["t.json"]


def test_late_write_error_names_no_output(tmp_path, monkeypatch):
    import os as os_module

    for split in ("train", "validation"):
        (tmp_path / split).mkdir()
        (tmp_path / split / "x.json").write_bytes((FIXTURES / "openimages-mlperf-1based.json").read_bytes())
    calls, real = [], os_module.fsync

    def flaky(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        return real(fd)

    monkeypatch.setattr(os_module, "fsync", flaky)
    out = tmp_path / "out"
    with pytest.raises(labelcheck.OutputError):
        labelcheck.remap([str(tmp_path / "train/x.json"), str(tmp_path / "validation/x.json")],
                         [str(out / "train.json"), str(out / "validation.json")], offset=-1, make_folders=True)
    assert not (out / "train.json").exists() and not (out / "validation.json").exists()


def test_pipe_input_to_clean_is_refused(tmp_path):
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    result = run_cli("clean", fifo, "-o", tmp_path / "out.json")
    assert result.exit_code == 2 and "regular file" in result.stderr


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["", "force"])
def test_an_output_is_never_another_input(tmp_path, force):
    """d/a.json's output under --output-dir d/sub is d/sub/a.json: the second input, never to be written over."""
    (tmp_path / "sub").mkdir()
    first, second = tmp_path / "a.json", tmp_path / "sub" / "a.json"
    for path in (first, second):
        path.write_bytes(BAD.read_bytes())
    result = run_cli("remap", first, second, "--output-dir", tmp_path / "sub", "--offset", "0", "--drop-unknown", *force)
    assert result.exit_code == 2 and "inputs are never written over" in result.stderr
    assert second.read_bytes() == first.read_bytes() == BAD.read_bytes()
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["a.json"]


def test_an_input_given_twice_has_no_two_outputs(tmp_path):
    source = tmp_path / "a.json"
    source.write_bytes(BAD.read_bytes())
    (tmp_path / "out").mkdir()
    result = run_cli("remap", source, source, "--output-dir", tmp_path / "out", "--offset", "0", "--drop-unknown")
    assert result.exit_code == 2 and "two outputs" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_a_backup_is_never_another_input(tmp_path):
    """With --in-place, a.json keeps a.json.bak: not when a.json.bak is an input too."""
    first, second = tmp_path / "a.json", tmp_path / "a.json.bak"
    for path in (first, second):
        path.write_bytes(BAD.read_bytes())
    with pytest.raises(labelcheck.UsageError, match="backup of .* would be the input"):
        labelcheck.remap([str(first), str(second)], [str(first), str(tmp_path / "b.json")], offset=0,
                         drop_unknown=True, in_place=True, force=True)
    assert second.read_bytes() == first.read_bytes() == BAD.read_bytes()


def _relabelled(data: bytes) -> bytes:
    """The same bytes with one good category_id (3 digits, < 264) made 999: same size, one more bad label."""
    import re

    found = next(m for m in re.finditer(rb'"category_id": (\d{3})\b', data) if int(m.group(1)) < 264)
    return data[: found.start(1)] + b"999" + data[found.end(1):]


def _changing(monkeypatch, module: str, source, how: str) -> None:
    """Between the check and the rewrite, ``source`` becomes its relabelled copy, of the same size and
    modification time: renamed onto its path, or written into the same file (``cp -p``, rsync)."""
    import importlib

    target = importlib.import_module(f"labelcheck.fixing.{module}")
    real = target.rewrite_file

    def change_first(*args):
        status = os.stat(source)
        changed = _relabelled(source.read_bytes())
        if how == "renamed":
            other = source.with_name("other.json")
            other.write_bytes(changed)
            os.replace(other, source)
        else:
            with open(source, "r+b") as handle:
                handle.write(changed)
        os.utime(source, ns=(status.st_atime_ns, status.st_mtime_ns))
        assert os.stat(source).st_size == status.st_size
        return real(*args)

    monkeypatch.setattr(target, "rewrite_file", change_first)


@pytest.mark.parametrize("command", ["clean", "remap"])
@pytest.mark.parametrize("how", ["renamed", "rewritten"])
def test_an_input_changed_between_check_and_rewrite(tmp_path, monkeypatch, command, how):
    """Another file renamed onto the path, or the file written again in place with the same size and mtime:
    refused (the inode, the change time tell), nothing written. Both gave exit 0 and an output of unchecked labels."""
    source = tmp_path / "in.json"
    source.write_bytes(BAD.read_bytes())
    out = tmp_path / "out.json"
    options = ["--offset", "0", "--drop-unknown"] if command == "remap" else []
    _changing(monkeypatch, command, source, how)
    result = run_cli(command, source, "-o", out, *options)
    assert result.exit_code == 2 and "changed since it was checked" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_symlink_loop_is_one_line(tmp_path, command):
    """clean on a symlink loop was 'internal error: RuntimeError: Symlink loop'."""
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    result = run_cli(command, tmp_path / "a.json", "-o", tmp_path / "out.json", *COMMANDS[command])
    assert result.exit_code == 2 and "Too many levels of symbolic links" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()
