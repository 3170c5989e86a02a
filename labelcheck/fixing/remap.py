"""``remap``: renumber category ids, in ``categories`` and every annotation.

One mapping is built for all inputs (train and validation stay consistent) by
one of four methods: ``offset`` (add K), ``by_name`` (the column of each name
in the model's class list), ``table`` (an explicit old -> new table) or
``contiguous`` (sorted declared ids -> start..start+K-1). Ids the method cannot
map are an error unless ``drop_unknown`` removes them with their annotations;
a mapping that would drop every category is refused. ``rename`` (old name ->
new name) renames categories first, alone or before any method (a typo fixed,
``by_name`` then finds the class). Everything but the renumbered ids and the
renamed names is copied through byte for byte.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from ..core.atomic import check_side_output
from ..core.contract import Contract, Mapping
from ..core.dataset import (
    USABLE_KINDS,
    Category,
    RunSpan,
    classify_id,
    usable_category_id,
)
from ..core.errors import UsageError, flag, option
from ..core.sidefiles import MAX_INTEGER_DIGITS, read_bounded, unparsable
from ..core.text import plural, safe
from ..loaders import resolve_contract
from ..readers import ProgressCallback, StreamReader, reader_for, relabelled
from ..readers.stream import Indexed
from .rewrite.files import (
    HeldInput,
    backup_path,
    check_outputs,
    removed_if_failed,
    rewrite_file,
    stage_report,
    stage_text,
    staging,
)
from .rewrite.renumber import Renumbered, renumber_run
from .rewrite.streamed import EditedRun
from .rewrite.writer import replace_members

DROP = None  # the mapping value of an id that is removed
# Why an annotation has no id to renumber: (said of one, said of several).
IRREGULAR = {
    "missing": ("has no category_id", "have no category_id"),
    "non-integer": ("has a non-integer category_id", "have a non-integer category_id"),
    "not-an-object": ("is not a JSON object", "are not JSON objects"),
}


@dataclass
class FileCategories:
    """What the mapping depends on in one input."""

    source: str
    categories: list[Category]
    annotation_ids: set[int] = field(default_factory=set)  # distinct usable category ids used by annotations
    irregular: Counter = field(default_factory=Counter)  # annotations without an integer category_id, by why


@dataclass
class RemapResult:
    mapping: dict[int, int | None]  # old id -> new id, None: dropped
    outputs: list[str] = field(default_factory=list)
    dropped_annotations: int = 0
    renamed: dict[str, str] = field(default_factory=dict)  # old name -> new name, as asked

    @property
    def renumbered(self) -> bool:
        return any(old != new for old, new in self.mapping.items())

    @property
    def changed(self) -> bool:
        return bool(self.renamed) or self.renumbered

    def describe(self, limit: int = 12) -> str:
        """The mapping in one line: a constant shift is said as such."""
        pairs = sorted(self.mapping.items())
        shifts = {new - old for old, new in pairs if new is not None}
        if len(shifts) == 1 and all(new is not None for _, new in pairs):
            (shift,) = shifts
            first, last = pairs[0][0], pairs[-1][0]
            span = f": {first}..{last} -> {first + shift}..{last + shift}" if last - first + 1 == len(pairs) else ""
            return f"every id {shift:+d} ({plural(len(pairs), 'id')}{span})"
        shown = ", ".join(f"{old}->{'dropped' if new is None else new}" for old, new in pairs[:limit])
        more = f", ... ({len(pairs) - limit} more)" if len(pairs) > limit else ""
        return f"{plural(len(pairs), 'id')}: {shown}{more}"

    def report(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "command": "remap",
            "changed": self.changed,
            "mapping": [{"old": old, "new": new} for old, new in sorted(self.mapping.items())],
            "renamed": [{"old": old, "new": new} for old, new in self.renamed.items()],
            "outputs": self.outputs,
            "dropped_annotations": self.dropped_annotations,
        }


# The rewrite renumbers run by run: runs twice the scan's size halve its
# per-run work (measured at 10M annotations: 8.1-8.8 s against 9.5-10.5 s).
REWRITE_RUN_BYTES = 4 << 20


def _index(source: HeldInput, reader: str, progress: ProgressCallback | None) -> Indexed:
    """The categories and, when streamed, where everything is: annotations are read while rewriting."""
    if reader in ("auto", StreamReader.name):
        return StreamReader(progress=progress, run_bytes=REWRITE_RUN_BYTES).index(source)
    dataset = reader_for(source, reader, progress).read(source)
    return Indexed(dataset.source, dataset.categories, dataset.layout)


def load_table(path: str | os.PathLike) -> dict[int, int]:
    """An old -> new id table from a JSON object or a two-column CSV (header optional)."""
    path = Path(path)
    try:
        text = read_bounded(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: byte {exc.start}: the mapping table is not UTF-8; re-encode it") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the mapping table: {exc.strerror}") from None
    if text.lstrip().startswith(("{", "[")):
        pairs, where = _json_pairs(path, text)
    else:
        try:
            rows = [row for row in csv.reader(text.splitlines()) if row and any(cell.strip() for cell in row)]
        except csv.Error as exc:  # a field over csv's limit (128 KiB)
            raise UsageError(f"{path}: not a two-column CSV mapping table ({exc})") from None
        where = [f"line {n}" for n in range(1, len(rows) + 1)]
        if rows and _integer(rows[0][0]) is None:
            rows, where = rows[1:], where[1:]  # a header
        pairs = [tuple(row) for row in rows]
    table: dict[int, int] = {}
    for place, pair in zip(where, pairs):
        old, new = (_integer(pair[0]), _integer(pair[1])) if len(pair) == 2 else (None, None)
        if old is None or new is None:
            raise UsageError(f"{path}: {place}: expected an old id and a new id, both integers")
        table[old] = new
    return table


def _json_pairs(path: Path, text: str) -> tuple[list, list[str]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: character {exc.pos}: invalid JSON in the mapping table: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        if unparsable(exc) is None:
            raise
        raise UsageError(f"{path}: cannot read the mapping table: it {unparsable(exc)}") from None
    if not isinstance(document, dict):
        raise UsageError(f'{path}: the mapping table must be a JSON object like {{"1": 0, "2": 1}}')
    pairs = list(document.items())
    return pairs, [f"key {key!r}" for key, _ in pairs]


def load_renames(values: Sequence[str]) -> dict[str, str]:
    """``OLD=NEW`` pairs (split at the first '='), or files of them: a JSON object or one pair a line."""
    renames: dict[str, str] = {}
    for value in values:
        if "=" in value:
            pairs = [(value, value)]
        else:
            pairs = _rename_file(Path(value))
        for place, pair in pairs:
            old, new = (pair.partition("=")[::2] if isinstance(pair, str) else pair)
            if not old or not new:
                raise UsageError(f"--rename {safe(place)}: expected OLD=NEW with both names given")
            if old in renames and renames[old] != new:
                raise UsageError(f"--rename renames {safe(repr(old))} twice: to {safe(repr(renames[old]))} and "
                                 f"{safe(repr(new))}")
            renames[old] = new
    return renames


def _rename_file(path: Path) -> list[tuple[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"--rename {path}: not OLD=NEW, and not a readable file: {exc.strerror}") from None
    if text.lstrip().startswith("{"):
        pairs, where = _json_pairs(path, text)
        if not all(isinstance(old, str) and isinstance(new, str) for old, new in pairs):
            raise UsageError(f'{path}: the renames must be a JSON object of names, like {{"motorbike": "motorcycle"}}')
        return [(f"{path} {place}", pair) for place, pair in zip(where, pairs)]
    return [(f"{path} line {number}", line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _renamed(files: Sequence[FileCategories], renames: dict[str, str]) -> list[FileCategories]:
    """The categories as the renames leave them; a name no file declares is an error."""
    declared = {category.name for info in files for category in info.categories}
    unknown = [old for old in renames if old not in declared]
    if unknown:
        raise UsageError(f"--rename: no category is named {safe(repr(unknown[0]))}; check the spelling")
    return [replace(info, categories=[replace(category, name=renames.get(category.name, category.name))
                                      if isinstance(category.name, str) else category
                                      for category in info.categories]) for info in files]


def _integer(value: Any) -> int | None:
    """An int from an int or a string of ASCII digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value) and len(value) <= MAX_INTEGER_DIGITS:
        return int(value)
    return None


def _declared(files: Sequence[FileCategories]) -> dict[int, Any]:
    """Declared id -> name over all files; the same id with two names cannot share one mapping."""
    names: dict[int, tuple[Any, str]] = {}
    for info in files:
        for category in info.categories:
            number = usable_category_id(category)
            if number is None:
                raise UsageError(f"{info.source}: categories[{category.position}] has no integer id; fix it first")
            if number in names and names[number][0] != category.name:
                raise UsageError(
                    f"category {number} is {safe(repr(names[number][0]))} in {names[number][1]} but "
                    f"{safe(repr(category.name))} in {info.source}; one mapping cannot fix both, remap them separately"
                )
            names[number] = (category.name, info.source)
    return {number: name for number, (name, _) in names.items()}


def build_mapping(
    files: Sequence[FileCategories],
    *,
    offset: int | None = None,
    by_name: bool = False,
    table: dict[int, int] | None = None,
    contiguous: bool = False,
    start: int = 0,
    drop_unknown: bool = False,
    contract: Contract | None = None,
) -> dict[int, int | None]:
    methods = [offset is not None, by_name, table is not None, contiguous]
    if sum(methods) != 1:
        raise UsageError(
            f"choose exactly one of {option('offset', 'K')}, {flag('by_name')}, {option('table', 'FILE')}, "
            f"{flag('contiguous')} (or only {option('renames', 'OLD=NEW')})"
        )
    declared = _declared(files)
    used = set().union(*(info.annotation_ids for info in files)) | set(declared)
    contract = contract or resolve_contract()
    if offset is not None:
        known = {old: old + offset for old in declared}
        unknown_what = "is used by annotations but not declared in categories"
    elif by_name:
        if contract.class_names is None:
            raise UsageError(
                f"{flag('by_name')} needs the model's class names: give {option('classes', 'FILE')} "
                f"or a {option('preset')}"
            )
        column = {name: index for index, name in enumerate(contract.class_names)}
        known = {old: column[name] for old, name in declared.items() if isinstance(name, str) and name in column}
        unknown_what = "is not a model class"
    elif table is not None:
        known = {old: new for old, new in table.items() if old in used}
        unknown_what = "is not in the mapping table"
    else:
        known = {old: start + rank for rank, old in enumerate(sorted(declared))}
        unknown_what = "is used by annotations but not declared in categories"
    mapping: dict[int, int | None] = dict(known)
    for old in sorted(used - set(known)):
        if not drop_unknown:
            label = f" {safe(repr(declared[old]))}" if old in declared else ""
            raise UsageError(
                f"category {old}{label} {unknown_what}; fix it, or pass {flag('drop_unknown')} to remove it "
                "and its annotations"
            )
        mapping[old] = DROP
    if mapping and all(mapping.get(old) is DROP for old in declared):
        raise UsageError(f"--drop-unknown would drop all {len(declared)} categories (each {unknown_what}), leaving "
                         "nothing to train; check the contract (--classes, --preset) or the method")
    _require_one_to_one(mapping)
    _require_columns(mapping, contract)
    return mapping


def _require_one_to_one(mapping: dict[int, int | None]) -> None:
    seen: dict[int, int] = {}
    for old, new in sorted(mapping.items()):
        if new is None:
            continue
        if new in seen:
            raise UsageError(f"categories {seen[new]} and {old} would both become {new}; the mapping must be one-to-one")
        seen[new] = old


def _require_columns(mapping: dict[int, int | None], contract: Contract) -> None:
    """Under the raw mapping the new ids are column indices: they must fit the head."""
    if contract.mapping != Mapping.RAW:
        return
    for old, new in sorted(mapping.items()):
        if new is not None and not 0 <= new < contract.num_classes:
            raise UsageError(
                f"category {old} would become {new}, outside the model's columns 0..{contract.num_classes - 1}; "
                "is the file already remapped? (for another head, give its "
                f"{option('num_classes')} or {option('mapping')})"
            )


def remap(
    sources: str | Sequence[str],
    outputs: str | Sequence[str],
    *,
    offset: int | None = None,
    by_name: bool = False,
    table: dict[int, int] | str | os.PathLike | None = None,
    contiguous: bool = False,
    start: int = 0,
    drop_unknown: bool = False,
    rename: dict[str, str] | Sequence[str] | None = None,
    contract: Contract | None = None,
    force: bool = False,
    in_place: bool = False,
    make_folders: bool = False,
    reader: str = "auto",
    report: str | None = None,
    progress: ProgressCallback | None = None,
) -> RemapResult:
    """Renumber category ids of every source with one mapping, writing one output each.

    ``rename``: old name -> new name (or ``OLD=NEW`` strings and files of them,
    as ``--rename`` takes), applied before the method; alone, ids stay as they are.
    ``make_folders`` creates missing output folders (removed again if the run fails).
    ``reader`` as for ``scan``; the streaming reader's layout lets the rewrite go run by run.
    ``report``: a path for the JSON mapping report, committed together with the outputs.
    ``progress`` as for ``scan`` ("checking"), then "writing".
    """
    sources = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    outputs = [outputs] if isinstance(outputs, (str, os.PathLike)) else list(outputs)
    if len(sources) != len(outputs):
        raise UsageError(f"{len(sources)} inputs but {len(outputs)} outputs")
    sources = [str(s) for s in sources]
    targets = check_outputs(sources, outputs, force=force, in_place=in_place, make_folders=make_folders)
    backups = [backup_path(s, t) for s, t in zip(sources, targets)]
    if report:
        protected = [*sources, *map(str, targets), *(str(b) for b in backups if b)]
        check_side_output(report, option("report"), protected)
    if isinstance(table, (str, os.PathLike)):
        table = load_table(table)
    renames = dict(rename) if isinstance(rename, dict) else load_renames(rename or ())
    if renames and not any([offset is not None, by_name, table is not None, contiguous]):
        offset = 0  # renaming alone: every id stays
    options = dict(offset=offset, by_name=by_name, table=table, contiguous=contiguous, start=start,
                   drop_unknown=drop_unknown, contract=contract)
    with ExitStack() as inputs:
        held = [inputs.enter_context(HeldInput(source)) for source in sources]
        return _remapped(held, targets, backups, options, renames, reader, report, progress)


def _remapped(
    sources: list[HeldInput], targets: list[Path], backups: list[Path | None], options: dict[str, Any],
    renames: dict[str, str], reader: str, report: str | None, progress: ProgressCallback | None,
) -> RemapResult:
    told = [relabelled(progress, file=number, files=len(sources)) for number in range(1, len(sources) + 1)]
    indexed = [_index(source, reader, tell) for source, tell in zip(sources, told)]
    # What the categories alone can tell fails here, before anything is written.
    declared = build_mapping(_renamed([FileCategories(info.source, info.categories) for info in indexed], renames),
                             **options)
    # The ids annotations use are known only once they are read, as they are
    # rewritten: they go by the table, or are dropped; the whole mapping is
    # checked before any output is named.
    edits = [_AnnotationIds({**(options["table"] or {}), **declared}, info.source) for info in indexed]
    result = RemapResult({}, renamed=renames)
    with removed_if_failed(target.parent for target in targets), staging() as stages:
        for source, target, backup, info, edit, tell in zip(sources, targets, backups, indexed, edits, told):
            categories = _CategoryIds(declared, str(source), renames)
            edited = {"categories": categories, "annotations": edit}
            pieces = rewrite_file(source, info.layout, edited, relabelled(tell, source=str(target)))
            stages += stage_text(target, pieces, backup_of=source if backup else None)
            result.outputs.append(str(target))
        used = _renamed([FileCategories(info.source, info.categories, edit.used, edit.irregular)
                         for info, edit in zip(indexed, edits)], renames)
        result.mapping = _whole_mapping(used, options)
        result.dropped_annotations = sum(edit.dropped for edit in edits)
        if report:
            stages.append(stage_report(report, result.report()))
        for source in sources:
            source.require_unchanged()  # since it was opened, before anything is named
    return result


def _whole_mapping(files: list[FileCategories], options: dict[str, Any]) -> dict[int, int | None]:
    for info in files:
        if info.irregular and not options["drop_unknown"]:
            said = ", ".join(f"{plural(count, 'annotation')} {IRREGULAR[why][count != 1]}"
                             for why, count in sorted(info.irregular.items()))
            raise UsageError(
                f"{info.source}: {said}; "
                f"run 'labelcheck clean' first or pass {flag('drop_unknown')}"
            )
    return build_mapping(files, **options)


def _new_id(mapping: dict[int, int | None], value: Any, present: bool) -> tuple[bool, int | None]:
    """(keep?, new id) for a raw id value; non-integer ids are dropped (checked earlier)."""
    kind, number = classify_id(value, present)
    if kind not in USABLE_KINDS:
        return False, None
    new = mapping.get(number)
    return new is not None, new


class _CategoryIds:
    """Renumbers (and renames) ``categories`` (small: always element by element)."""

    def __init__(self, mapping: dict[int, int | None], name: str, renames: dict[str, str]) -> None:
        self.mapping = mapping
        self.name = name
        self.renames = renames

    def run(self, span: RunSpan, document: bytearray) -> EditedRun | None:
        return None

    def element(self, index: int | None, element: str) -> str | None:
        category = json.loads(element)
        if not isinstance(category, dict):
            return element
        keep, new = _new_id(self.mapping, category.get("id"), "id" in category)
        if not keep:
            return None
        values = {"id": str(new)}
        if isinstance(category.get("name"), str) and category["name"] in self.renames:
            values["name"] = json.dumps(self.renames[category["name"]], ensure_ascii=False)
        return replace_members(element, values, self.name)


class _AnnotationIds:
    """Renumbers every annotation's category_id; drops those the mapping drops
    or does not know; counts the ids it meets (a ``ParallelEdit``)."""

    parallel = True

    def __init__(self, mapping: dict[int, int | None], name: str) -> None:
        self.mapping = mapping
        self.name = name
        self.used: set[int] = set()
        self.irregular: Counter = Counter()  # annotations without an integer category_id (dropped), by why
        self.dropped = 0

    def task(self, span: RunSpan) -> tuple[Any, tuple]:
        return renumber_run, (self.mapping,)

    def absorb(self, edited: EditedRun) -> EditedRun:
        tally: Renumbered = edited.tally
        self.used |= tally.used
        self.dropped += tally.dropped
        return edited

    def run(self, span: RunSpan, document: bytearray) -> EditedRun | None:
        edited = renumber_run(document, self.mapping)
        return None if edited is None else self.absorb(edited)

    def element(self, index: int | None, element: str) -> str | None:
        annotation = json.loads(element)
        present = isinstance(annotation, dict) and "category_id" in annotation
        kind, number = classify_id(annotation.get("category_id") if present else None, present)
        if kind not in USABLE_KINDS:
            self.irregular["not-an-object" if not isinstance(annotation, dict) else
                           "non-integer" if present else "missing"] += 1
            self.dropped += 1
            return None
        self.used.add(number)
        new = self.mapping.get(number)
        if new is None:
            self.dropped += 1
            return None
        return replace_members(element, {"category_id": str(new)}, self.name)
