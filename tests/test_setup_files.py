"""The files a run is set up with (--classes, --config, pyproject.toml, --baseline, --map):
whatever they hold, one line naming the file and the problem, exit 2.

A device is refused rather than read without end (under a 300 MiB address
space, reading /dev/zero whole ended in a MemoryError); a parser's limits
(nesting thousands deep, an integer of thousands of digits) are said as such.
"""

from __future__ import annotations

import pytest

from limited import ROOT, labelcheck, one_line_error

BAD = ROOT / "fixtures" / "openimages-mlperf-bad.json"
ONE_BASED = ROOT / "fixtures" / "openimages-mlperf-1based.json"
LONG = "1" * 5000
SETUP_OPTIONS = {
    "--baseline": (["scan", BAD, "--baseline"], "cannot read baseline"),
    "--classes": (["scan", BAD, "--classes"], "cannot read class list"),
    "--config": (["scan", BAD, "--config"], "cannot read configuration"),
    "--map": (["remap", ONE_BASED, "-o", "{out}", "--map"], "cannot read the mapping table"),
}


@pytest.mark.parametrize("option", SETUP_OPTIONS)
def test_a_device_is_refused(tmp_path, option):
    args, what = SETUP_OPTIONS[option]
    args = [str(arg).format(out=tmp_path / "out.json") for arg in args]
    result = labelcheck(*args, "/dev/zero", memory=300 << 20)
    one_line_error(result, f"/dev/zero: {what}: it is a device, not a file")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text, problem", [
    ("x = " + "[" * 2000 + "]" * 2000 + "\n", "is nested too deeply to read"),
    (f"num-classes = {LONG}\n", "holds an integer of more than 4300 digits"),
], ids=["nested", "long-integer"])
def test_a_configuration_past_pythons_limits(tmp_path, text, problem):
    config = tmp_path / "labelcheck.toml"
    config.write_text(text)
    one_line_error(labelcheck("scan", BAD, "--config", config), f"{config}: cannot read configuration: it {problem}")
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.labelcheck]\n" + text)
    one_line_error(labelcheck("scan", BAD, cwd=tmp_path), "pyproject.toml: cannot read configuration", problem)


@pytest.mark.parametrize("text, problem", [
    ("[" * 100_000 + "]" * 100_000, "is nested too deeply to read"),
    (f'{{"version": {LONG}, "findings": []}}', "holds an integer of more than 4300 digits"),
], ids=["nested", "long-integer"])
def test_a_baseline_past_pythons_limits(tmp_path, text, problem):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(text)
    one_line_error(labelcheck("scan", BAD, "--baseline", baseline), f"{baseline}: cannot read baseline: it {problem}")


@pytest.mark.parametrize("text, problem", [
    ("[" * 100_000 + "]" * 100_000, "it is nested too deeply to read"),
    (f'{{"1": {LONG}}}', "it holds an integer of more than 4300 digits"),
    (f"1,{'2' * 200_000}\n", "not a two-column CSV mapping table"),
], ids=["nested", "long-integer", "long-csv-field"])
def test_a_mapping_table_past_the_parsers_limits(tmp_path, text, problem):
    table = tmp_path / "map.txt"
    table.write_text(text)
    result = labelcheck("remap", ONE_BASED, "-o", tmp_path / "out.json", "--map", table)
    one_line_error(result, str(table), problem)
    assert not (tmp_path / "out.json").exists()


def test_a_class_list_too_large_is_refused(tmp_path, monkeypatch):
    """A file of gigabytes given as a class list by mistake is not read whole."""
    import labelcheck
    from labelcheck.core import sidefiles

    classes = tmp_path / "classes.txt"
    classes.write_text("a\n" * 1000)
    monkeypatch.setattr(sidefiles, "SIDE_FILE_BYTES", 1024)
    monkeypatch.setattr(sidefiles.read_bounded, "__defaults__", (1024,))
    with pytest.raises(labelcheck.ContractError, match="cannot read class list: it is larger than"):
        labelcheck.resolve_contract(classes=str(classes))
