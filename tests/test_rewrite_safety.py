"""clean and remap never lose data: refusals and failures leave IN untouched and no OUT."""

from __future__ import annotations

import errno
import hashlib
import subprocess
import sys
import textwrap

import pytest

from conftest import FIXTURES, ROOT, run_cli

BAD = FIXTURES / "openimages-mlperf-bad.json"
ONE_BASED = FIXTURES / "openimages-mlperf-1based.json"
COMMANDS = {"clean": [], "remap": ["--offset", "-1"]}


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
        ("raise KeyboardInterrupt", 2, "interrupted"),
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
