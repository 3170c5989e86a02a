"""The command line: parse options, call the library, render, pick the exit code.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage error, unreadable or malformed input, or internal error.
"""

from __future__ import annotations

import difflib
import functools
import os
import shutil
import sys
import tempfile
import traceback
import warnings
from collections import Counter
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, TextIO

import click
from click.core import ParameterSource

from ..core.atomic import atomic_write, check_side_output
from ..core.contract import Mapping
from ..core.errors import ContractWarning, LabelcheckError, cli_spelling
from ..core.findings import FAIL_ON_CHOICES, fix_command
from ..core.text import plain_text, plural, safe
from ..core.version import __version__
from ..fixing.droplog import DEFAULT_CLEAN_RULES, DROP_CHOICES
from ..images.results import Depth
from ..loaders import LOADERS, PRESETS
from ..readers import READERS
from ..reporters import REPORTERS
from ..reporters.base import counts_text, tally_text
from ..rules import RULES
from ..scanning.baseline import Baseline
from ..scanning.engine import scan as run_scan
from .config import Settings, discover_config, load_config, merge

if TYPE_CHECKING:
    from ..fixing.clean import CleanResult
    from ..images.check import ImageOptions
    from .progressbar import ProgressBar

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar (it is shown only on a terminal anyway).")


def fail(message: str) -> None:
    click.echo(f"labelcheck: error: {safe(message)}", err=True)
    sys.exit(EXIT_ERROR)


def handles_errors(command: Callable) -> Callable:
    """Turn library errors into one line on stderr and exit 2; --debug shows tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        try:
            with cli_spelling(), warnings_on_stderr():
                return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except LabelcheckError as exc:
            if debug:
                traceback.print_exc()
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted; no output was written")
        except BrokenPipeError:
            # The reader went away (`labelcheck scan ... | head`): nothing left to say.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_ERROR)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if debug:
                traceback.print_exc()
            fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback and report it)")

    return click.option("--debug", is_flag=True, help="Show tracebacks for errors.")(wrapper)


@contextmanager
def warnings_on_stderr() -> Iterator[None]:
    """The library's warnings (a class list on one line) as one line each on stderr."""

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        click.echo(f"labelcheck: warning: {safe(str(message))}", err=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always", ContractWarning)
        warnings.showwarning = show
        yield


@contextmanager
def deferred_stdout() -> Iterator[TextIO]:
    """Stdout that receives the report only if the run completes.

    Machine formats stream findings as they are found; spooling them (to disk
    past a few MB) means an input error half-way leaves stdout empty, never a
    truncated document, while memory stays bounded.
    """
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8") as spool:
        yield spool  # type: ignore[misc]
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout)
        sys.stdout.flush()


def bundle(*options: Callable) -> Callable[[Callable], Callable]:
    """Options that travel together, applied in the order listed."""

    def apply(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


class EnvOption(click.Option):
    """An option also read from a LABELCHECK_* variable: a bad value names the variable only
    when it came from there."""

    def get_error_hint(self, ctx: click.Context | None) -> str:
        if ctx is not None and ctx.get_parameter_source(self.name or "") == ParameterSource.ENVIRONMENT:
            return super().get_error_hint(ctx)
        return click.Parameter.get_error_hint(self, ctx)


def env(name: str) -> dict[str, Any]:
    """An option also read from LABELCHECK_<NAME> (the command line wins; it wins over the config file)."""
    return {"envvar": f"LABELCHECK_{name}", "show_envvar": True, "cls": EnvOption}


class MappingChoice(click.Choice):
    """The mappings; the renamed ``names`` gets the message that says what to use instead."""

    def __init__(self) -> None:
        super().__init__([mapping.value for mapping in Mapping])

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            with cli_spelling():  # parsing comes before the command's own spelling of messages
                Mapping(value)
        except LabelcheckError as exc:
            self.fail(str(exc), param, ctx)
        return super().convert(value, param, ctx)


# The model contract, shared by every command that checks labels.
contract_options = bundle(
    click.option(
        "--preset",
        type=click.Choice(sorted(PRESETS)),
        help="A named contract: a loader plus a head (labelcheck loaders lists them). Default when no contract "
        "option is given: mlperf-retinanet (264 classes, raw mapping, the MLPerf class names).",
        **env("PRESET"),
    ),
    click.option(
        "--loader",
        type=click.Choice(list(LOADERS)),
        help="The framework that will load the file: its mapping, drops, crashes and required fields "
        "(labelcheck loaders lists them). With --num-classes or --classes (else its default head).",
        **env("LOADER"),
    ),
    click.option("--num-classes", type=click.IntRange(min=1), help="Columns of the classification head.",
                 **env("NUM_CLASSES")),
    click.option(
        "--mapping",
        type=MappingChoice(),
        help="How a category id becomes a column, for a contract no --loader describes: raw (index = id; MLPerf, "
        "torchvision, DETR), sorted (rank among the declared ids; detectron2, YOLOX), file-order (rank in the "
        "file's categories order among the --classes names; MMDetection 3.x), file-position (1 + position in "
        "categories; DALI), coco91to80 (Ultralytics convert_coco), class-list (position of the name in --classes).",
        **env("MAPPING"),
    ),
    click.option(
        "--classes",
        type=click.Path(dir_okay=False),
        help="The model's class names, one per line; line N is column N-1.",
        **env("CLASSES"),
    ),
)

# What a CI gate needs besides the contract: where settings come from and which findings are already known.
config_options = bundle(
    click.option(
        "--config", "config_file", type=click.Path(dir_okay=False),
        help="A TOML file of settings (top level or [tool.labelcheck]). Default: [tool.labelcheck] in the "
        "nearest pyproject.toml, up to the repository root.",
        **env("CONFIG"),
    ),
)
# Checking the image files, shared by scan and clean.
image_options = bundle(
    click.option(
        "--images", multiple=True, metavar="ROOT",
        help="Check the image files too: the folder (or fsspec URL: s3://, gs://, ...) each file_name is relative "
        "to. Once for every file, or once per file in the files' order.", **env("IMAGES"),
    ),
    click.option(
        "--image-check", type=click.Choice([depth.label for depth in Depth]),
        help="How far each image is opened: exists (stat), header (size, format, EXIF orientation; the default), "
        "decode (every pixel, and a content hash for duplicates).", **env("IMAGE_CHECK"),
    ),
    click.option("--image-cache", type=click.Path(dir_okay=False),
                 help="Remember each image's result in FILE (by path, size, mtime): a re-run opens only what "
                 "changed.", **env("IMAGE_CACHE")),
    click.option(
        "--executor", metavar="SPEC",
        help="Where the image checks run: local (this machine, the default), local:N (N workers), "
        "dask://HOST:PORT (a Dask cluster; also LABELCHECK_DASK_SCHEDULER=HOST:PORT).", **env("EXECUTOR"),
    ),
)
baseline_options = bundle(
    click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
                 help="Report and fail only on findings not recorded in this baseline file."),
    click.option("--write-baseline", type=click.Path(dir_okay=False),
                 help="Record this scan's findings in FILE (atomically) as the baseline, and exit 0."),
)

# Scan options that configuration may set: parameter name -> Settings field.
CONFIGURABLE = {
    "preset": "preset", "loader": "loader", "num_classes": "num_classes", "mapping": "mapping", "classes": "classes",
    "select": "select", "ignore": "ignore", "fail_on": "fail_on", "format_name": "format",
    "max_examples": "max_examples", "images": "images", "image_check": "image_check", "image_cache": "image_cache",
    "executor": "executor",
}


def rule_names(values: tuple[str, ...] | None) -> tuple[str, ...]:
    """Rule names given repeated, as comma lists, or both (--select a,b --select c)."""
    parts = (part.strip() for value in values or () for part in value.split(","))
    return tuple(dict.fromkeys(part for part in parts if part))


def _rule_list(values: tuple[str, ...] | None) -> frozenset[str] | None:
    return frozenset(rule_names(values)) if values else None


def layered_settings(ctx: click.Context, config_file: str | None) -> Settings:
    """Defaults, then the configuration file, then LABELCHECK_* variables, then the command line."""
    layers: dict[ParameterSource, dict[str, Any]] = {
        ParameterSource.DEFAULT: {}, ParameterSource.ENVIRONMENT: {}, ParameterSource.COMMANDLINE: {}
    }
    for param, name in CONFIGURABLE.items():
        if param not in ctx.params:  # clean and remap take only the contract options
            continue
        source = ctx.get_parameter_source(param)
        layers[source if source in layers else ParameterSource.DEFAULT][name] = ctx.params[param]
    config = load_config(config_file) if config_file else discover_config(Path.cwd())
    default, environment, command_line = (_option_settings(values) for values in layers.values())
    return merge(default, config, environment, command_line)


def _option_settings(values: dict[str, Any]) -> Settings:
    lists = {key: _rule_list(values[key]) for key in ("select", "ignore") if key in values}
    roots = {"images": tuple(values["images"]) or None} if "images" in values else {}
    return Settings(**{**values, **lists, **roots})


def image_checks(settings: Settings) -> "ImageOptions | None":
    return settings.image_options(os.environ.get("LABELCHECK_DASK_SCHEDULER"))


def _tee(*callbacks: Callable[[Any], None]) -> Callable[[Any], None]:
    def call(value: Any) -> None:
        for callback in callbacks:
            callback(value)

    return call


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "table"


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", "-V", prog_name="labelcheck")
def main() -> None:
    """Check COCO detection labels against the model that will train on them.

    \b
    Example:
      labelcheck scan data/train/labels/openimages-mlperf.json
    """


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, metavar="FILE...")
@contract_options
@click.option(
    "--format", "format_name", type=click.Choice(list(REPORTERS)), default=default_format,
    show_default="table; github under GitHub Actions", help="Report format.", **env("FORMAT"),
)
@click.option("--report", "-o", "--output", "output", type=click.Path(dir_okay=False),
              help="Write the report to FILE (atomically; an existing report is replaced).")
@click.option(
    "--fail-on", type=click.Choice(FAIL_ON_CHOICES), default="error", show_default=True,
    help="Exit 1 when a finding has this severity or higher.", **env("FAIL_ON"),
)
@click.option("--select", metavar="RULE,...", multiple=True, help="Run only these rules (a comma list, or repeated).",
              **env("SELECT"))
@click.option("--ignore", metavar="RULE,...", multiple=True, help="Skip these rules (a comma list, or repeated).",
              **env("IGNORE"))
@click.option("--max-examples", type=click.IntRange(min=0), default=3, show_default=True,
              help="Example annotations and images shown per rule and per category id.", **env("MAX_EXAMPLES"))
@click.option("--show", type=click.Choice(["error", "warning", "info"]), default="warning", show_default=True,
              help="The lowest severity the table shows in detail; findings below it are counted in one line "
              "(--show info lists the info findings too).")
@click.option("--reader", type=click.Choice(["auto", *READERS]), default="auto", show_default=True,
              help="How files are read.", hidden=True)
@click.option("--no-statistics", is_flag=True,
              help="Leave the dataset statistics (class counts, box geometry) out of the json and html reports; "
              "the statistics rules still run (--ignore them too for the fastest scan).")
@image_options
@config_options
@baseline_options
@QUIET
@handles_errors
def scan(paths, output, reader, show, no_statistics, config_file, baseline_file, write_baseline, quiet,
         **configurable) -> None:
    """Check annotation files (COCO JSON, .json.gz, or - for stdin) against the model contract.

    Files given together (train and validation) must also agree on their
    category tables. Exit 0: nothing at or above --fail-on; 1: findings;
    2: usage error, bad configuration or unreadable input. Options override
    LABELCHECK_* variables, which override the configuration file.

    \b
    Examples:
      labelcheck scan train.json val.json
      labelcheck scan train.json --num-classes 80 --mapping sorted
      labelcheck scan train.json --format json --report report.json
      labelcheck scan train.json val.json --format html --report report.html
      labelcheck scan train.json --format sarif -o labelcheck.sarif --baseline labelcheck-baseline.json
      labelcheck scan train.json val.json --images data/train --images data/val --image-check decode
    """
    if baseline_file and write_baseline:
        raise click.UsageError("--baseline and --write-baseline exclude each other; give one of them")
    side_outputs = [(output, "--report"), (write_baseline, "--write-baseline")]
    for index, (path, option) in enumerate(side_outputs):
        others = [other for other, _ in side_outputs[:index]]
        if path:
            check_side_output(path, option, [*paths, *(o for o in others if o)])
    # The configurable options are read from the context with their sources, to layer them over the config.
    settings = layered_settings(click.get_current_context(), config_file)
    contract = settings.contract()
    try:
        policy = settings.policy()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--select/--ignore") from None
    fail_on, max_examples = settings.fail_on, settings.max_examples
    images = image_checks(settings)
    if images is not None and images.cache:
        check_side_output(images.cache, "--image-cache", [*paths, *(path for path, _ in side_outputs if path)])
    baseline = Baseline.load(baseline_file) if baseline_file else None
    recorded = Baseline() if write_baseline else None
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    progress = progress_bar(quiet)
    with atomic_write(output) if output else deferred_stdout() as out:
        reporter_class = REPORTERS[settings.format]
        reporter = reporter_class(out, fail_on=fail_on, max_examples=max_examples, color=color, show=show)
        reporter.start(contract)
        with progress or nullcontext():
            report = run_scan(
                list(paths), contract, policy=policy, reader=reader, max_examples=max_examples,
                keep_findings=False, baseline=baseline, progress=progress, images=images,
                statistics=reporter_class.shows_statistics and not no_statistics,
                on_finding=reporter.finding if recorded is None else _tee(reporter.finding, recorded.add),
            )
        reporter.finish(report)
    if not settings.contract_given():  # the default contract: say which presets or options fit a file it does not
        from ..scanning.verdicts import contract_hint

        for file_report in report.files:
            hint = contract_hint(file_report.file, file_report.category_table, contract)
            if hint is not None:
                echo_err(f"labelcheck: hint: {hint}")
    if recorded is not None:
        recorded.write(write_baseline)
        recorded_counts = counts_text(report.finding_counts())
        click.echo(f"labelcheck: wrote baseline {safe(write_baseline)}: {recorded_counts}; scans with "
                   "--baseline fail only on findings not in it", err=True)
        sys.exit(EXIT_CLEAN)
    if not reporter.human or output:
        verdict = "failed" if report.failed(fail_on) else "passed"
        click.echo(f"labelcheck: {verdict}: {tally_text(report)} (--fail-on {fail_on})", err=True)
    sys.exit(EXIT_FINDINGS if report.failed(fail_on) else EXIT_CLEAN)


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, metavar="[FILE...]")
@click.option("--format", "format_name", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: one row per preset and loader with its verdict and counts; json: every count and "
              "an example of each reason.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the output to FILE (atomically).")
@click.option("--reader", type=click.Choice(["auto", *READERS]), default="auto", show_default=True,
              help="How files are read.", hidden=True)
@QUIET
@handles_errors
def loaders(paths, format_name, output, reader, quiet) -> None:
    """List the loader profiles, or show what every loader and preset would do with FILE.

    For each file, in one pass: which loaders crash on it, which labels fall
    outside their head, which they silently relabel or drop, and where the
    class names differ from a preset's. Use it to pick --preset or --loader
    for scan, clean and remap. Exit 0 when the files were read (it reports,
    it does not gate); 2 for unreadable input.

    \b
    Examples:
      labelcheck loaders
      labelcheck loaders train.json
      labelcheck loaders train.json val.json --format json -o loaders.json
    """
    from ..reporters.verdicts import (
        write_json,
        write_profiles,
        write_profiles_json,
        write_table,
    )
    from ..scanning.evaluation import loader_verdicts

    if output:
        check_side_output(output, "--output", list(paths))
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    with atomic_write(output) if output else deferred_stdout() as out:
        if not paths:
            write_profiles(out, color) if format_name == "table" else write_profiles_json(out)
            return
        progress = progress_bar(quiet)
        with progress or nullcontext():
            results = loader_verdicts(list(paths), reader=reader, progress=progress)
        write_table(results, out, color) if format_name == "table" else write_json(results, out)


@main.command(context_settings=CONTEXT)
@click.argument("name", required=False, metavar="[RULE]")
def rules(name: str | None) -> None:
    """List every rule with its default severity, or print one rule's documentation.

    \b
    Examples:
      labelcheck rules
      labelcheck rules category-out-of-range
    """
    if name is None:
        width = max(len(rule_id) for rule_id in RULES)
        for rule_id, rule in RULES.items():
            click.echo(f"{rule_id:<{width}}  {rule.SEVERITY.label:<7}  {plain_text(rule.summary())}")
        return
    if name not in RULES:
        close = difflib.get_close_matches(name, RULES, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "'labelcheck rules' lists them"
        raise click.BadParameter(f"no rule {name!r}; {hint}", param_hint="RULE")
    rule = RULES[name]
    click.echo(f"{rule.ID} (default severity: {rule.SEVERITY.label})\n")
    click.echo(plain_text(rule.doc()))



def progress_bar(quiet: bool) -> "ProgressBar | None":
    """The progress bar for long work: on a terminal, unless --quiet."""
    if quiet or not sys.stderr.isatty():
        return None
    from .progressbar import (
        ProgressBar,  # here: rich's progress display is imported only for a terminal
    )

    return ProgressBar()


def output_options(command: Callable) -> Callable:
    """Where a rewriting command writes, and what it may overwrite."""
    options = [
        click.option("--force", is_flag=True, help="Overwrite an existing output (or backup)."),
        click.option("--in-place", is_flag=True, help="Allow the output to be the input; keeps IN.bak."),
        click.option("--report", "report_path", type=click.Path(dir_okay=False),
                     help="Write a JSON audit of every change to FILE (an existing report is replaced)."),
        QUIET,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def echo_err(message: str) -> None:
    click.echo(safe(message), err=True)


@main.command(context_settings=CONTEXT)
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


@main.command(context_settings=CONTEXT)
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
