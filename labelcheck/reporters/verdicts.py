"""``labelcheck loaders``: the loader profiles, and what each would do with files.

``write_profiles`` lists the profiles and presets. For files, ``table`` prints
one table per file, a row per preset and profile with its verdict (the worst
of: crashes, out of range, relabels, names differ, drops, trains) and the
counts behind it, then one line per row that does not train: its first
problem in the loader's words and where. It fits 80 columns and is styled only
on a terminal. ``json`` writes the whole evaluation. Dataset strings are
printed as data.
"""

from __future__ import annotations

import json
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..core.text import safe
from ..loaders import LOADERS, PRESETS
from ..scanning.verdicts import COLUMNS, FileVerdicts, Verdict

SCHEMA_VERSION = 1
STYLE = {"crashes": "bold red", "out of range": "bold red", "relabels": "red", "names differ": "red",
         "drops": "yellow", "trains": "green"}
HEADERS = {"crashes": "crash", "out_of_range": "range", "relabelled": "relabel", "class_names": "names",
           "dropped_annotations": "drops"}


def _console(out: TextIO, color: bool) -> Console:
    return Console(file=out, force_terminal=color, no_color=not color, highlight=False, markup=False, emoji=False,
                   width=None if color else 80)


def write_profiles(out: TextIO, color: bool = False) -> None:
    console = _console(out, color)
    profiles = _listing("Loader profiles (--loader NAME)")
    for name, profile in LOADERS.items():
        head = f"{profile.columns} columns" if profile.columns is not None else "no default head"
        profiles.add_row(name, Text(f"{profile.title}. {profile.mapping.value} mapping, {head}, background "
                                    f"{profile.background.value}. Source: {profile.source}"))
    console.print(profiles)
    presets = _listing("Presets (--preset NAME): a loader plus a head")
    for name, preset in PRESETS.items():
        presets.add_row(name, Text(f"--loader {preset.loader}; {preset.title}"))
    console.print(presets)


def _listing(title: str) -> Table:
    table = Table(title=Text(title), title_justify="left", box=None, show_header=False, pad_edge=False)
    table.add_column(no_wrap=True)
    table.add_column()
    return table


def write_table(results: list[FileVerdicts], out: TextIO, color: bool = False) -> None:
    console = _console(out, color)
    for index, result in enumerate(results):
        if index:
            console.print()
        console.print(Text(safe(result.file), style="bold"))
        console.print(Text(f"{result.images} images, {result.annotations} annotations, "
                           f"{result.categories} categories"))
        console.print(_table(result.verdicts))
        said: dict[str, str] = {}
        for verdict in result.verdicts:
            line = _why(verdict, said)
            if line is not None:
                console.print(line)


def _table(verdicts: list[Verdict]) -> Table:
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True)
    table.add_column("preset or loader", no_wrap=True)
    table.add_column("head", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for header in HEADERS.values():
        table.add_column(header, justify="right", no_wrap=True)
    for index, verdict in enumerate(verdicts):
        if index and verdict.kind != verdicts[index - 1].kind:
            table.add_section()
        head = f"{verdict.contract.num_classes}{'*' if verdict.head_from_file else ''}"
        cells = [_count(verdict, column) for column in HEADERS]
        images = verdict.count("dropped_images")
        if images:
            cells[-1] = f"{cells[-1]}+{images}i" if cells[-1] != "-" else f"{images}i"
        if verdict.head_from_file:
            cells[1] = "n/a"
        table.add_row(verdict.name, head, Text(verdict.word, style=STYLE[verdict.word]), *cells)
    table.caption = ("counts of annotations (names: categories; Ni: images dropped); "
                     "* no default head: sized to the file")
    table.caption_justify = "left"
    return table


def _count(verdict: Verdict, column: str) -> str:
    count = verdict.count(column)
    return str(count) if count else "-"


def _why(verdict: Verdict, said: dict[str, str]) -> Text | None:
    """The first problem of a verdict that does not train, in the loader's words, at
    most two lines (``said``: what earlier rows said, to refer to instead of repeating)."""
    for column in COLUMNS:
        tally = verdict.first(column)
        if tally is None:
            continue
        message = tally.message or ""
        problem = f"{message} (first at {tally.path})"
        if problem in said:
            return Text(safe(f"  {verdict.name}: as {said[problem]}"))
        said[problem] = verdict.name
        if len(message) > WHY_CHARACTERS:
            message = message[: WHY_CHARACTERS - 3] + "..."
        return Text(safe(f"  {verdict.name}: {tally.count} x {message} (first at {tally.path})"))
    return None


WHY_CHARACTERS = 150


def write_profiles_json(out: TextIO) -> None:
    """The profiles and presets as data: what each reads, drops and raises on, and its assumptions."""
    loaders = [{
        "name": name, "framework": profile.framework, "title": profile.title, "source": profile.source,
        "mapping": profile.mapping.value, "columns": profile.columns, "background": profile.background.value,
        "annotation_fields": list(profile.annotation_fields), "image_fields": list(profile.image_fields),
        "drops": [{"reason": c.key, "says": c.says} for c in profile.drops]
        + [{"reason": d.key, "says": d.says, "images": True} for d in profile.image_drops],
        "crashes": [{"reason": c.key, "says": c.says} for c in profile.crashes]
        + [{"reason": c.key, "says": c.says, "images": True} for c in profile.image_crashes],
        "duplicate_ids": profile.duplicate_ids.value, "assumptions": list(profile.assumptions),
    } for name, profile in LOADERS.items()]
    presets = [{"name": name, "loader": preset.loader, "title": preset.title,
                "num_classes": len(preset.class_names())} for name, preset in PRESETS.items()]
    json.dump({"schema_version": SCHEMA_VERSION, "loaders": loaders, "presets": presets}, out, indent=1,
              ensure_ascii=False)
    out.write("\n")


def write_json(results: list[FileVerdicts], out: TextIO) -> None:
    document = {"schema_version": SCHEMA_VERSION, "files": [result.to_dict() for result in results]}
    json.dump(document, out, indent=1, ensure_ascii=False)
    out.write("\n")
