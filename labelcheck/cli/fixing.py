"""The rewriting commands, ``clean`` and ``remap``: their options, the call into
``labelcheck.fixing``, and the summary on stderr."""

from __future__ import annotations

import os
import sys
from collections import Counter
from contextlib import nullcontext
from typing import TYPE_CHECKING

import click

from ..core.findings import FAIL_ON_CHOICES, fix_command
from ..core.text import plural
from ..fixing.droplog import DEFAULT_CLEAN_RULES, DROP_CHOICES
from ..reporters.base import counts_text
from ..rules import RULES
from .errors import EXIT_CLEAN, EXIT_FINDINGS, echo_err, handles_errors
from .options import (
    CONTEXT,
    config_options,
    contract_options,
    env,
    image_checks,
    image_options,
    layered_settings,
    output_options,
    progress_bar,
    rule_names,
)

if TYPE_CHECKING:
    from ..fixing.clean import CleanResult


@click.command(context_settings=CONTEXT)
@click.argument("source", metavar="IN")
@click.option("--output", "-o", required=False, type=click.Path(dir_okay=False), help="The cleaned file.")
@contract_options
@config_options
@click.option("--drop", type=click.Choice(DROP_CHOICES), default="annotations", show_default=True,
              help="Drop only the offending annotations, or every image that has one (with all its annotations).")
@click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default="error", show_default=True,
              help="Exit 1 when the output still has findings of this severity or higher that clean does not fix.",
              **env("FAIL_ON"))
@click.option("--rule", "rules", multiple=True, metavar="RULE,...",
              help="Drop annotations with findings of these rules (a comma list, or repeated). "
              f"Default: {', '.join(DEFAULT_CLEAN_RULES)}.")
@image_options
@output_options
@handles_errors
def clean(source, output, preset, loader, num_classes, mapping, classes, config_file, drop, rules, fail_on, images,
          image_check, image_cache, executor, force, in_place, report_path, quiet) -> None:
    """Write a copy of IN without the annotations that would crash or corrupt training.

    Everything else is kept exactly: the kept annotations, images and
    categories byte for byte, top-level keys and their order, unknown keys.
    A summary goes to stderr; --report writes every dropped annotation and
    image with the reason. Exit 0: written, and nothing at or above
    --fail-on is left that clean does not fix; 1: written, but such findings
    remain (a shifted class table, say: the labels are still wrong); 2: error,
    nothing written.

    \b
    Examples:
      labelcheck clean train.json -o train.clean.json
      labelcheck clean train.json -o train.clean.json --drop images --report dropped.json
      labelcheck clean train.json -o train.clean.json --images data/train --rule image-missing --drop images
    """
    from ..fixing.clean import (
        clean as clean_file,  # here: a scan does not pay for importing the rewriting
    )

    output = _output_for(source, output, in_place)
    settings = layered_settings(click.get_current_context(), config_file)
    progress = progress_bar(quiet)
    with progress or nullcontext():
        result = clean_file(source, output, settings.contract(), drop=drop, rules=rule_names(rules) or None,
                            force=force, in_place=in_place, report=report_path, progress=progress,
                            images=image_checks(settings))
    for line in clean_summary(result, settings.fail_on):
        echo_err(line)
    sys.exit(EXIT_FINDINGS if result.failed(settings.fail_on) else EXIT_CLEAN)


def clean_summary(result: "CleanResult", fail_on: str) -> list[str]:
    """What clean did, in lines that add up, then what it left."""
    if result.dropped_with_image:
        dropped = f"{result.dropped_annotations} dropped: {len(result.dropped)} with findings, " \
                  f"{len(result.dropped_with_image)} with their images"
    else:
        dropped = f"{result.dropped_annotations} dropped"
    images = f"{len(result.dropped_images)} dropped"
    image_rules = Counter({rule: count for rule, count in result.images_by_rule().items() if RULES[rule].CLEANABLE_IMAGES})
    if result.dropped_images:
        found = "with findings or with an annotation with findings" if image_rules else "of an annotation with findings"
        images += f": every image {found}"
    lines = [f"labelcheck clean: kept {result.kept_annotations} of {plural(result.annotations, 'annotation')} "
             f"({dropped}), {result.kept_images} of {plural(result.images, 'image')} ({images}); wrote {result.output}"]
    by_rule = result.by_rule()
    several = sum(by_rule.values()) > len(result.dropped)
    for number, (rule, count) in enumerate(sorted(by_rule.items())):
        note = " (the same annotations: one can have several reasons)" if several and number else ""
        lines.append(f"  dropped for {rule}: {plural(count, 'annotation')}{note}")
    for rule, count in sorted(image_rules.items()):
        lines.append(f"  dropped for {rule}: {plural(count, 'image')}")
    by_category = result.by_category()
    if by_category:
        listed = ", ".join(f"{category} ({count})" for category, count in by_category.most_common(10))
        more = f" and {len(by_category) - 10} more" if len(by_category) > 10 else ""
        lines.append(f"  dropped category_ids: {listed}{more}")
    return lines + _left_by_clean(result, fail_on)


def _left_by_clean(result: "CleanResult", fail_on: str) -> list[str]:
    """The findings still in clean's output (at or above --fail-on, errors at least), their fixes, the verdict."""
    lines = []
    for rule, count in sorted(result.remaining_at("error" if fail_on == "never" else fail_on).items()):
        example = result.remaining_example[rule]
        found = plural(count, "finding")
        lines.append(f"  not fixed by clean (still in the output): {rule} ({found}): {example.message}")
        if example.fix is not None:
            lines.append(f"    fix: {fix_command(example.fix, [result.output])}")
    left = result.remaining_at(fail_on, by="severity")
    if left:
        lines.append(f"labelcheck clean: failed: the output still has {counts_text(left)} clean does not fix "
                     f"(--fail-on {fail_on})")
    return lines


def _output_for(source: str, output: str | None, in_place: bool) -> str:
    if output:
        return output
    if in_place:
        return source
    raise click.UsageError("give the output file with -o OUT (or --in-place to replace IN, keeping IN.bak)")


@click.command(context_settings=CONTEXT)
@click.argument("sources", nargs=-1, required=True, metavar="IN...")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="The remapped file (one input).")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="Folder for the remapped files, created if missing (several inputs; their relative layout is kept).")
@click.option("--offset", type=int, help="Add K to every category id (--offset -1 repairs a 1-based export).")
@click.option("--by-name", is_flag=True, help="Give each category the column of its name in the model's class list.")
@click.option("--map", "table", type=click.Path(dir_okay=False),
              help="An explicit old-id to new-id table: a JSON object or a two-column CSV.")
@click.option("--contiguous", is_flag=True, help="Sorted declared ids become 0..K-1 (or --start).")
@click.option("--start", type=int, default=0, show_default=True, help="First id for --contiguous.")
@click.option("--drop-unknown", is_flag=True,
              help="Remove categories the method cannot map, with their annotations (refused if that is all of them).")
@click.option("--rename", "renames", multiple=True, metavar="OLD=NEW",
              help="Rename a category (repeatable; or a file: a JSON object, or one OLD=NEW a line), before the "
              "method: fixes a typo so --by-name finds the class; alone, ids stay.")
@contract_options
@config_options
@output_options
@handles_errors
def remap(sources, output, output_dir, offset, by_name, table, contiguous, start, drop_unknown, renames,
          preset, loader, num_classes, mapping, classes, config_file, force, in_place, report_path, quiet) -> None:
    """Renumber category ids in categories and every annotation of IN.

    Several inputs (train and validation) are remapped with one mapping into
    --output-dir, and refused if their category tables disagree in a way one
    mapping cannot fix. The mapping used is printed; everything else is kept
    byte for byte.

    \b
    Examples:
      labelcheck remap train.json -o train.fixed.json --offset -1
      labelcheck remap train.json val.json --output-dir fixed/ --by-name
      labelcheck remap train.json -o train.fixed.json --by-name --rename motorbike=Motorcycle
    """
    methods = sum([offset is not None, by_name, table is not None, contiguous])
    if methods > 1 or (methods == 0 and not renames):
        raise click.UsageError("choose exactly one of --offset, --by-name, --map, --contiguous (or only --rename)")
    from ..fixing.remap import (
        remap as remap_files,  # here: a scan does not pay for importing the rewriting
    )

    outputs = _remap_outputs(sources, output, output_dir, in_place)
    contract = layered_settings(click.get_current_context(), config_file).contract()
    progress = progress_bar(quiet)
    with progress or nullcontext():
        result = remap_files(list(sources), outputs, offset=offset, by_name=by_name, table=table,
                             contiguous=contiguous, start=start, drop_unknown=drop_unknown, rename=list(renames),
                             contract=contract,
                             force=force, in_place=in_place, make_folders=output_dir is not None,
                             report=report_path, progress=progress)
    if not result.changed:
        echo_err("labelcheck remap: every id already maps to itself; nothing renumbered (the output has the same "
                 "content; ids written as floats, such as 1.0, are written as integers)")
    elif result.renumbered:
        echo_err(f"labelcheck remap: mapping: {result.describe()}")
    for old, new in result.renamed.items():
        echo_err(f"labelcheck remap: renamed {old!r} to {new!r}")
    if result.dropped_annotations:
        dropped = plural(result.dropped_annotations, "annotation")
        echo_err(f"  dropped {dropped} without a category id the mapping renumbers")
    echo_err(f"  wrote {', '.join(result.outputs)}")


def _remap_outputs(sources: tuple[str, ...], output: str | None, output_dir: str | None, in_place: bool) -> list[str]:
    if output and output_dir:
        raise click.UsageError("give -o OUT for one input or --output-dir DIR, not both")
    if output_dir:
        return _layout_under(sources, output_dir)
    if len(sources) > 1:
        raise click.UsageError("several inputs need --output-dir DIR")
    return [_output_for(sources[0], output, in_place)]


def _layout_under(sources: tuple[str, ...], folder: str) -> list[str]:
    """Keep the inputs' relative layout (train/labels/x.json, validation/labels/x.json)."""
    absolute = [os.path.abspath(source) for source in sources]
    common = os.path.commonpath([os.path.dirname(path) for path in absolute])
    return [os.path.join(folder, os.path.relpath(path, common)) for path in absolute]
