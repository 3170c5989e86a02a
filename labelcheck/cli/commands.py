"""The command line: parse options, call the library, render, pick the exit code.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage error, unreadable or malformed input, or internal error.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import traceback
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click
from click.core import ParameterSource

from ..core.atomic import atomic_write, check_side_output, held_until_complete
from ..core.contract import PRESETS, Mapping
from ..core.errors import LabelcheckError
from ..core.findings import FAIL_ON_CHOICES
from ..core.stopping import Interrupted
from ..core.text import safe
from ..core.version import __version__
from ..fixing.droplog import DEFAULT_CLEAN_RULES, DROP_CHOICES
from ..readers import READERS
from ..reporters import REPORTERS
from ..reporters.base import tally_text
from ..rules import RULES
from ..scanning.baseline import Baseline
from ..scanning.engine import scan as run_scan
from .config import Settings, discover_config, load_config, merge

if TYPE_CHECKING:
    from .progressbar import ProgressBar

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar (it is shown only on a terminal anyway).")


def fail(message: str) -> None:
    click.echo(f"labelcheck: error: {safe(message)}", err=True)
    sys.exit(EXIT_ERROR)


def stop(interrupted: Interrupted) -> None:
    """A signal's stop: one line, and the exit code a shell gives a process the signal ended."""
    click.echo(interrupted.message(), err=True)
    sys.exit(interrupted.exit_code)


def quiet_exit() -> None:
    """The reader went away (`labelcheck scan ... | head`): nothing left to say."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(EXIT_ERROR)


def handles_errors(command: Callable) -> Callable:
    """Turn library errors into one line on stderr and exit 2; --debug shows tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except LabelcheckError as exc:
            if debug:
                traceback.print_exc()
            fail(str(exc))
        except KeyboardInterrupt:  # Ctrl-C where the command's handler does not raise Interrupted (the library)
            stop(Interrupted(signal.SIGINT))
        except Interrupted as exc:
            stop(exc)
        except BrokenPipeError:
            quiet_exit()
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if debug:
                traceback.print_exc()
            fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback and report it)")

    return click.option("--debug", is_flag=True, help="Show tracebacks for errors.")(wrapper)


class ByteSize(click.ParamType):
    """A size in bytes: 1000, 512K, 8G (powers of 1024)."""

    name = "size"
    _UNITS = {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        number, unit = (text[:-1], text[-1]) if text[-1:] in self._UNITS else (text, "")
        if not number.isdigit() or len(number) > 15 or int(number) < 1:
            self.fail(f"{value!r} is not a size: give bytes, or a number with K, M, G or T (8G)", param, ctx)
        return int(number) << self._UNITS[unit]


def bundle(*options: Callable) -> Callable[[Callable], Callable]:
    """Options that travel together, applied in the order listed."""

    def apply(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def env(name: str) -> dict[str, Any]:
    """An option also read from LABELCHECK_<NAME> (the command line wins; it wins over the config file)."""
    return {"envvar": f"LABELCHECK_{name}", "show_envvar": True}


# The model contract, shared by every command that checks labels.
contract_options = bundle(
    click.option(
        "--preset",
        type=click.Choice(sorted(PRESETS)),
        help="A named contract. Default when no contract option is given: mlperf-retinanet "
        "(264 classes, raw mapping, the MLPerf class names).",
        **env("PRESET"),
    ),
    click.option("--num-classes", type=click.IntRange(min=1), help="Columns of the classification head.",
                 **env("NUM_CLASSES")),
    click.option(
        "--mapping",
        type=click.Choice([m.value for m in Mapping]),
        help="How a category id becomes a column: raw (index = id; MLPerf, torchvision), sorted "
        "(rank among declared ids; detectron2), names (position of the name in --classes; MMDetection).",
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
baseline_options = bundle(
    click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
                 help="Report and fail only on findings not recorded in this baseline file."),
    click.option("--write-baseline", type=click.Path(dir_okay=False),
                 help="Record this scan's findings in FILE (atomically) as the baseline, and exit 0."),
)

# Scan options that configuration may set: parameter name -> Settings field.
CONFIGURABLE = {
    "preset": "preset", "num_classes": "num_classes", "mapping": "mapping", "classes": "classes",
    "select": "select", "ignore": "ignore", "fail_on": "fail_on", "format_name": "format",
    "max_examples": "max_examples",
}


def _rule_list(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset(part.strip() for part in value.split(",") if part.strip())


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
    return Settings(**{**values, **lists})


def _tee(*callbacks: Callable[[Any], None]) -> Callable[[Any], None]:
    def call(value: Any) -> None:
        for callback in callbacks:
            callback(value)

    return call


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "table"


_HELP_FOR_NO_ARGUMENTS = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click 8.2


class OneLineErrors(click.Group):
    """The command group, whose errors are one line on stderr: a usage error
    with the --help hint on the same line (click prints a block of four), and
    stdout that cannot be written (--help, ``rules`` on a full disk) without a
    traceback."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except _HELP_FOR_NO_ARGUMENTS as exc:  # `labelcheck` alone: the help, as click shows it
            exc.show()
            sys.exit(EXIT_ERROR)
        except click.ClickException as exc:
            context = getattr(exc, "ctx", None)
            hint = f"; see '{context.command_path} --help'" if context is not None else ""
            fail(" ".join(exc.format_message().split()).rstrip(".") + hint)
        except click.Abort:  # Ctrl-C while click parses, where no handler turns it into Interrupted
            stop(Interrupted(signal.SIGINT))
        except BrokenPipeError:
            quiet_exit()
        except OSError as exc:
            fail(f"standard output: write failed: {exc.strerror or exc}; the output is incomplete")
        sys.exit(code if isinstance(code, int) else EXIT_CLEAN)


@click.group(cls=OneLineErrors, context_settings=CONTEXT)
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
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE (atomically).")
@click.option(
    "--fail-on", type=click.Choice(FAIL_ON_CHOICES), default="error", show_default=True,
    help="Exit 1 when a finding has this severity or higher.", **env("FAIL_ON"),
)
@click.option("--select", metavar="RULE,...", help="Run only these rules.", **env("SELECT"))
@click.option("--ignore", metavar="RULE,...", help="Skip these rules.", **env("IGNORE"))
@click.option("--max-examples", type=click.IntRange(min=0), default=3, show_default=True,
              help="Example annotations and images shown per rule and per category id.", **env("MAX_EXAMPLES"))
@click.option("--reader", type=click.Choice(["auto", *READERS]), default="auto", show_default=True,
              help="How files are read.", hidden=True)
@click.option("--stdin-limit", type=ByteSize(), default="8G", show_default=True, metavar="SIZE",
              help="The most bytes read from standard input or a pipe (copied to an unnamed temporary file in "
              "TMPDIR first): a number, or with K, M, G or T (powers of 1024).", **env("STDIN_LIMIT"))
@config_options
@baseline_options
@QUIET
@handles_errors
def scan(paths, output, reader, stdin_limit, config_file, baseline_file, write_baseline, quiet,
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
      labelcheck scan train.json --format json -o report.json
      labelcheck scan train.json --format sarif -o labelcheck.sarif --baseline labelcheck-baseline.json
    """
    if baseline_file and write_baseline:
        raise click.UsageError("--baseline and --write-baseline exclude each other; give one of them")
    side_outputs = [(output, "--output"), (write_baseline, "--write-baseline")]
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
    baseline = Baseline.load(baseline_file) if baseline_file else None
    recorded = Baseline() if write_baseline else None
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    progress = progress_bar(quiet)
    with atomic_write(output) if output else held_until_complete(sys.stdout) as out:
        reporter = REPORTERS[settings.format](out, fail_on=fail_on, max_examples=max_examples, color=color)
        reporter.start(contract)
        with progress or nullcontext():
            report = run_scan(
                list(paths), contract, policy=policy, reader=reader, max_examples=max_examples,
                keep_findings=False, baseline=baseline, progress=progress, stdin_limit=stdin_limit,
                on_finding=reporter.finding if recorded is None else _tee(reporter.finding, recorded.add),
            )
        reporter.finish(report)
    if recorded is not None:
        recorded.write(write_baseline)
        click.echo(f"labelcheck: wrote baseline {safe(write_baseline)}: {tally_text(report)}; scans with "
                   "--baseline fail only on findings not in it", err=True)
        sys.exit(EXIT_CLEAN)
    if not reporter.human or output:
        verdict = "failed" if report.failed(fail_on) else "passed"
        click.echo(f"labelcheck: {verdict}: {tally_text(report)} (--fail-on {fail_on})", err=True)
    sys.exit(EXIT_FINDINGS if report.failed(fail_on) else EXIT_CLEAN)


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
            click.echo(f"{rule_id:<{width}}  {rule.SEVERITY.label:<7}  {rule.summary()}")
        return
    if name not in RULES:
        raise click.BadParameter(f"no rule {name!r}; 'labelcheck rules' lists them", param_hint="RULE")
    rule = RULES[name]
    click.echo(f"{rule.ID} (default severity: {rule.SEVERITY.label})\n")
    click.echo(rule.doc())



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
                     help="Write a JSON audit of every change to FILE."),
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
@click.option("--rule", "rules", multiple=True, metavar="NAME",
              help=f"Drop annotations with findings of this rule (repeatable). Default: {', '.join(DEFAULT_CLEAN_RULES)}.")
@output_options
@handles_errors
def clean(source, output, preset, num_classes, mapping, classes, config_file, drop, rules, force, in_place,
          report_path, quiet) -> None:
    """Write a copy of IN without the annotations that would crash or corrupt training.

    Everything else is kept exactly: the kept annotations, images and
    categories byte for byte, top-level keys and their order, unknown keys.
    A summary goes to stderr; --report writes every dropped annotation and
    image with the reason.

    \b
    Examples:
      labelcheck clean train.json -o train.clean.json
      labelcheck clean train.json -o train.clean.json --drop images --report dropped.json
    """
    from ..fixing.clean import (
        clean as clean_file,  # here: a scan does not pay for importing the rewriting
    )

    output = _output_for(source, output, in_place)
    contract = layered_settings(click.get_current_context(), config_file).contract()
    progress = progress_bar(quiet)
    with progress or nullcontext():
        result = clean_file(source, output, contract, drop=drop, rules=rules or None, force=force,
                            in_place=in_place, report=report_path, progress=progress)
    echo_err(
        f"labelcheck clean: kept {result.kept_annotations} of {result.annotations} annotations "
        f"({result.dropped_annotations} dropped), {result.kept_images} of {result.images} images "
        f"({len(result.dropped_images)} dropped); wrote {result.output}"
    )
    for rule, count in sorted(result.by_rule().items()):
        echo_err(f"  {rule}: {count} annotations")
    for rule, count in sorted(result.remaining.items()):
        echo_err(f"  found but not fixed by clean: {rule} ({count}): {result.remaining_example[rule]}")
    by_category = result.by_category()
    if by_category:
        listed = ", ".join(f"{category} ({count})" for category, count in by_category.most_common(10))
        more = f" and {len(by_category) - 10} more" if len(by_category) > 10 else ""
        echo_err(f"  dropped category_ids: {listed}{more}")


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
              help="Folder for the remapped files (several inputs; their relative layout is kept).")
@click.option("--offset", type=int, help="Add K to every category id (--offset -1 repairs a 1-based export).")
@click.option("--by-name", is_flag=True, help="Give each category the column of its name in the model's class list.")
@click.option("--map", "table", type=click.Path(dir_okay=False),
              help="An explicit old-id to new-id table: a JSON object or a two-column CSV.")
@click.option("--contiguous", is_flag=True, help="Sorted declared ids become 0..K-1 (or --start).")
@click.option("--start", type=int, default=0, show_default=True, help="First id for --contiguous.")
@click.option("--drop-unknown", is_flag=True, help="Remove categories the method cannot map, with their annotations.")
@contract_options
@config_options
@output_options
@handles_errors
def remap(sources, output, output_dir, offset, by_name, table, contiguous, start, drop_unknown,
          preset, num_classes, mapping, classes, config_file, force, in_place, report_path, quiet) -> None:
    """Renumber category ids in categories and every annotation of IN.

    Several inputs (train and validation) are remapped with one mapping into
    --output-dir, and refused if their category tables disagree in a way one
    mapping cannot fix. The mapping used is printed; everything else is kept
    byte for byte.

    \b
    Examples:
      labelcheck remap train.json -o train.fixed.json --offset -1
      labelcheck remap train.json val.json --output-dir fixed/ --by-name
    """
    if sum([offset is not None, by_name, table is not None, contiguous]) != 1:
        raise click.UsageError("choose exactly one of --offset, --by-name, --map, --contiguous")
    from ..fixing.remap import (
        remap as remap_files,  # here: a scan does not pay for importing the rewriting
    )

    outputs = _remap_outputs(sources, output, output_dir, in_place)
    contract = layered_settings(click.get_current_context(), config_file).contract()
    progress = progress_bar(quiet)
    with progress or nullcontext():
        result = remap_files(list(sources), outputs, offset=offset, by_name=by_name, table=table,
                             contiguous=contiguous, start=start, drop_unknown=drop_unknown, contract=contract,
                             force=force, in_place=in_place, make_folders=output_dir is not None,
                             report=report_path, progress=progress)
    if not result.changed:
        echo_err("labelcheck remap: every id already maps to itself; nothing renumbered (the output has the same "
                 "content; ids written as floats, such as 1.0, are written as integers)")
    else:
        echo_err(f"labelcheck remap: mapping: {result.describe()}")
    if result.dropped_annotations:
        echo_err(f"  dropped {result.dropped_annotations} annotations of unmapped categories")
    echo_err(f"  wrote {', '.join(result.outputs)}")


def _remap_outputs(sources: tuple[str, ...], output: str | None, output_dir: str | None, in_place: bool) -> list[str]:
    if output and output_dir:
        raise click.UsageError("give -o OUT for one input or --output-dir DIR, not both")
    if output_dir:
        if not os.path.isdir(output_dir):
            raise click.UsageError(f"--output-dir {output_dir} does not exist; create it first")
        return _layout_under(sources, output_dir)
    if len(sources) > 1:
        raise click.UsageError("several inputs need --output-dir DIR")
    return [_output_for(sources[0], output, in_place)]


def _layout_under(sources: tuple[str, ...], folder: str) -> list[str]:
    """Keep the inputs' relative layout (train/labels/x.json, validation/labels/x.json)."""
    absolute = [os.path.abspath(source) for source in sources]
    common = os.path.commonpath([os.path.dirname(path) for path in absolute])
    return [os.path.join(folder, os.path.relpath(path, common)) for path in absolute]
