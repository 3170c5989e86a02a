"""Progress: reported by the reader, drawn by the CLI only on a terminal."""

from __future__ import annotations

import gzip
import io
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

import labelcheck
from labelcheck.cli.commands import main
from labelcheck.cli.progressbar import ProgressBar
from labelcheck.readers import Progress, StreamReader

BAD = str(Path(__file__).parent.parent / "fixtures" / "openimages-mlperf-bad.json")


def terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=100), buffer


def test_bar_shows_bytes_and_annotation_rate():
    console, buffer = terminal()
    with ProgressBar(console, delay=0) as bar:
        bar(Progress("[bold]train.json", "checking", 5_000_000, 10_000_000))
        bar(Progress("[bold]train.json", "scanning", 10_000_000, 10_000_000, annotations=40_000))
    shown = buffer.getvalue()
    assert "checking syntax" in shown and "scanning" in shown
    assert "[bold]train" in shown  # a file name is text, not markup
    assert "40.0k ann" in shown and "MB" in shown


def test_a_file_read_again_starts_its_bar_again():
    console, buffer = terminal()
    with ProgressBar(console, delay=0) as bar:
        bar(Progress("train.json", "scanning", 6_000_000, 10_000_000, annotations=40_000))
        task = bar._bar.tasks[0]
        started = task.start_time
        time.sleep(0.01)
        bar(Progress("train.json", "scanning", 1_000_000, 10_000_000, annotations=2_000))
        assert len(bar._bar.tasks) == 1 and task.completed == 1_000_000 and task.start_time > started
        assert task.fields["annotations"] == 2_000


def test_short_scans_draw_nothing():
    console, buffer = terminal()
    with ProgressBar(console, delay=60) as bar:
        bar(Progress("train.json", "scanning", 1, 2, annotations=1))
    assert buffer.getvalue() == ""


def test_cli_prints_no_progress_without_a_terminal():
    result = CliRunner().invoke(main, ["scan", BAD, "--format", "json"])
    assert result.exit_code == 1
    assert "scanning" not in result.stderr and "checking" not in result.stderr


def test_cli_quiet_is_accepted():
    result = CliRunner().invoke(main, ["scan", "--quiet", BAD])
    assert result.exit_code == 1
    assert "scanning" not in result.stderr


def rewrite_events(command: str, out: str) -> list:
    """The progress events of cleaning or remapping BAD into ``out``."""
    events: list = []
    if command == "clean":
        labelcheck.clean(BAD, out, progress=events.append)
    else:
        labelcheck.remap(BAD, out, offset=0, drop_unknown=True, progress=events.append)
    return events


@pytest.mark.parametrize("command", ["clean", "remap"])
def test_rewrites_report_progress_to_the_end_of_the_input(tmp_path, command):
    out = str(tmp_path / "out.json")
    events = rewrite_events(command, out)
    writing = [event for event in events if event.phase == "writing"]
    size = Path(BAD).stat().st_size
    assert writing and all(event.total == size for event in writing)
    assert [event.done for event in writing] == sorted(event.done for event in writing)
    assert writing[-1].done == size
    assert any(event.phase == ("scanning" if command == "clean" else "checking") for event in events)


@pytest.mark.parametrize("command, args", [("clean", []), ("remap", ["--offset", "0", "--drop-unknown"])])
def test_rewriting_commands_draw_progress_unless_quiet(tmp_path, monkeypatch, command, args):
    console, buffer = terminal()
    monkeypatch.setattr("labelcheck.cli.fixing.progress_bar", lambda quiet: None if quiet else ProgressBar(console, delay=0))
    for quiet in ([], ["--quiet"]):
        result = CliRunner().invoke(main, [command, BAD, "-o", str(tmp_path / "out.json"), "--force", *quiet, *args])
        assert result.exit_code == 0, result.stderr
        assert ("writing" in buffer.getvalue()) == (not quiet)
        buffer.seek(0)
        buffer.truncate()


def test_files_scanned_together_are_counted_in_the_events_and_the_bar(tmp_path):
    train, validation = tmp_path / "train.json", tmp_path / "val.json"
    train.write_bytes(Path(BAD).read_bytes())
    validation.write_bytes(Path(BAD).read_bytes())
    events = []
    labelcheck.scan([str(train), str(validation)], progress=events.append)
    assert {(event.source, event.file, event.files) for event in events} == {
        (str(train), 1, 2), (str(validation), 2, 2)
    }
    console, buffer = terminal()
    with ProgressBar(console, delay=0) as bar:
        for event in events:
            bar(event)
    shown = buffer.getvalue()
    assert "scanning 1/2 train.json" in shown and "scanning 2/2 val.json" in shown
    assert str(tmp_path) not in shown  # the base name: the folder took the room


@pytest.mark.parametrize("command", ["clean", "remap"])
def test_writing_progress_names_the_output(tmp_path, command):
    out = str(tmp_path / "out.json")
    events = rewrite_events(command, out)
    assert {event.source for event in events if event.phase == "writing"} == {out}
    assert {event.source for event in events if event.phase != "writing"} == {BAD}


def test_remap_counts_its_inputs(tmp_path):
    sources = [tmp_path / "a" / "x.json", tmp_path / "b" / "x.json"]
    for source in sources:
        source.parent.mkdir()
        source.write_bytes(Path(BAD).read_bytes())
    events = []
    labelcheck.remap([str(s) for s in sources], [str(tmp_path / "out" / "a.json"), str(tmp_path / "out" / "b.json")],
                     offset=0, drop_unknown=True, make_folders=True, progress=events.append)
    for phase in ("checking", "writing"):
        assert {(event.file, event.files) for event in events if event.phase == phase} == {(1, 2), (2, 2)}


@pytest.mark.parametrize("two_pass", [False, True])
def test_a_gz_input_shows_progress_over_its_compressed_bytes(tmp_path, two_pass):
    source = tmp_path / "in.json.gz"
    source.write_bytes(gzip.compress(Path(BAD).read_bytes()))
    size = source.stat().st_size
    events = []
    reader = StreamReader(progress=events.append, single_pass=not two_pass)
    dataset = reader.read(str(source))
    for _ in dataset.annotation_batches:
        pass
    first_pass = [event for event in events if event.phase == ("checking" if two_pass else "scanning")]
    assert first_pass and all(event.total == size for event in first_pass)
    assert [event.done for event in first_pass] == sorted(event.done for event in first_pass)
    assert first_pass[-1].done == size


def test_writing_progress_of_a_gz_input_is_over_its_compressed_bytes(tmp_path):
    source = tmp_path / "in.json.gz"
    source.write_bytes(gzip.compress(Path(BAD).read_bytes()))
    events = []
    labelcheck.clean(str(source), str(tmp_path / "out.json"), progress=events.append)
    writing = [event for event in events if event.phase == "writing"]
    assert writing and all(event.total == source.stat().st_size for event in writing)
    assert writing[-1].done == source.stat().st_size


def test_the_image_check_shows_images_and_images_per_second():
    console, buffer = terminal()
    with ProgressBar(console, delay=0) as bar:
        bar(Progress("train.json", "images", 0, 20_000))
        time.sleep(0.01)
        bar(Progress("train.json", "images", 12_000, 20_000))
    shown = buffer.getvalue()
    assert "images of train.json" in shown and "12.0k/20.0k images" in shown and "/s" in shown
    assert "MB" not in shown  # counted, not bytes
