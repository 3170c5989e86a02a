"""The command line: parse options, call the library, render, pick the exit code.

The group and the commands that read (``scan``, ``loaders``, ``rules``); the
rewriting ones are in ``fixing``, the shared options in ``options``, how a
command fails in ``errors``.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage error, unreadable or malformed input, or internal error.
"""

from __future__ import annotations

import difflib
import os
import sys
from contextlib import nullcontext
from typing import Any, Callable

import click

from ..core.atomic import atomic_write, check_side_output, held_until_complete
from ..core.findings import FAIL_ON_CHOICES
from ..core.text import plain_text, safe
from ..core.version import __version__
from ..readers import READERS
from ..reporters import REPORTERS
from ..reporters.base import counts_text, tally_text
from ..rules import RULES
from ..scanning.baseline import Baseline
from ..scanning.engine import scan as run_scan
from .errors import EXIT_CLEAN, EXIT_FINDINGS, OneLineErrors, echo_err, handles_errors
from .fixing import clean, remap
from .options import (
    CONTEXT,
    QUIET,
    ByteSize,
    baseline_options,
    config_options,
    contract_options,
    default_format,
    env,
    image_checks,
    image_options,
    layered_settings,
    progress_bar,
)


def _tee(*callbacks: Callable[[Any], None]) -> Callable[[Any], None]:
    def call(value: Any) -> None:
        for callback in callbacks:
            callback(value)

    return call


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
@click.option("--stdin-limit", type=ByteSize(), default="8G", show_default=True, metavar="SIZE",
              help="The most bytes read from standard input or a pipe (copied to an unnamed temporary file in "
              "TMPDIR first): a number, or with K, M, G or T (powers of 1024).", **env("STDIN_LIMIT"))
@image_options
@config_options
@baseline_options
@QUIET
@handles_errors
def scan(paths, output, reader, show, no_statistics, stdin_limit, config_file, baseline_file, write_baseline, quiet,
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
    with atomic_write(output) if output else held_until_complete(sys.stdout) as out:
        reporter_class = REPORTERS[settings.format]
        reporter = reporter_class(out, fail_on=fail_on, max_examples=max_examples, color=color, show=show)
        reporter.start(contract)
        with progress or nullcontext():
            report = run_scan(
                list(paths), contract, policy=policy, reader=reader, max_examples=max_examples,
                keep_findings=False, baseline=baseline, progress=progress, images=images,
                statistics=reporter_class.shows_statistics and not no_statistics, stdin_limit=stdin_limit,
                thumbnails=reporter_class.thumbnails if images is not None else 0,
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
    with atomic_write(output) if output else held_until_complete(sys.stdout) as out:
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


main.add_command(clean)
main.add_command(remap)
