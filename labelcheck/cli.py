"""The command line: parse options, call the library, render, pick the exit code.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it;
2 usage error, unreadable or malformed input, or internal error.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from contextlib import nullcontext
from typing import Any, Callable

import click

from . import __version__
from .atomic import atomic_write
from .contract import PRESETS, Mapping, resolve_contract
from .engine import Policy, scan as run_scan
from .errors import LabelcheckError
from .findings import FAIL_ON_CHOICES
from .progressbar import ProgressBar
from .readers import READERS
from .reporters import REPORTERS
from .reporters.base import tally_text
from .rules import RULES
from .text import safe

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str) -> None:
    click.echo(f"labelcheck: error: {safe(message)}", err=True)
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
        except KeyboardInterrupt:
            fail("interrupted; no output was written")
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if debug:
                traceback.print_exc()
            fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback and report it)")

    return click.option("--debug", is_flag=True, help="Show tracebacks for errors.")(wrapper)


def contract_options(command: Callable) -> Callable:
    """The model contract, shared by every command that checks labels."""
    options = [
        click.option(
            "--preset",
            type=click.Choice(sorted(PRESETS)),
            help="A named contract. Default when no contract option is given: mlperf-retinanet "
            "(264 classes, raw mapping, the MLPerf class names).",
        ),
        click.option("--num-classes", type=click.IntRange(min=1), help="Columns of the classification head."),
        click.option(
            "--mapping",
            type=click.Choice([m.value for m in Mapping]),
            help="How a category id becomes a column: raw (index = id; MLPerf, torchvision), sorted "
            "(rank among declared ids; detectron2), names (position of the name in --classes; MMDetection).",
        ),
        click.option(
            "--classes",
            type=click.Path(dir_okay=False),
            help="The model's class names, one per line; line N is column N-1.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def contract_from(preset: str | None, num_classes: int | None, mapping: str | None, classes: str | None):
    return resolve_contract(preset=preset, num_classes=num_classes, mapping=mapping, classes=classes)


def _rule_list(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset(part.strip() for part in value.split(",") if part.strip())


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
    "--format", "format_name", type=click.Choice(list(REPORTERS)), default="table", show_default=True,
    help="Report format.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE (atomically).")
@click.option(
    "--fail-on", type=click.Choice(FAIL_ON_CHOICES), default="error", show_default=True,
    help="Exit 1 when a finding has this severity or higher.",
)
@click.option("--select", metavar="RULE,...", help="Run only these rules.")
@click.option("--ignore", metavar="RULE,...", help="Skip these rules.")
@click.option("--max-examples", type=click.IntRange(min=0), default=3, show_default=True,
              help="Example annotations and images shown per rule and per category id.")
@click.option("--reader", type=click.Choice(["auto", *READERS]), default="auto", show_default=True,
              help="How files are read.", hidden=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar (it is shown only on a terminal anyway).")
@handles_errors
def scan(paths, preset, num_classes, mapping, classes, format_name, output, fail_on, select, ignore,
         max_examples, reader, quiet) -> None:
    """Check annotation files (COCO JSON, .json.gz, or - for stdin) against the model contract.

    Files given together (train and validation) must also agree on their
    category tables. Exit 0: nothing at or above --fail-on; 1: findings;
    2: usage error or unreadable input.

    \b
    Examples:
      labelcheck scan train.json val.json
      labelcheck scan train.json --num-classes 80 --mapping sorted
      labelcheck scan train.json --format json -o report.json
    """
    contract = contract_from(preset, num_classes, mapping, classes)
    try:
        policy = Policy(select=_rule_list(select), ignore=_rule_list(ignore) or frozenset())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--select/--ignore") from None
    target = atomic_write(output) if output else nullcontext(sys.stdout)
    progress = ProgressBar() if not quiet and sys.stderr.isatty() else None
    with target as out:
        color = output is None and out.isatty() and "NO_COLOR" not in os.environ
        reporter = REPORTERS[format_name](out, fail_on=fail_on, max_examples=max_examples, color=color)
        reporter.start(contract)
        with progress or nullcontext():
            report = run_scan(
                list(paths), contract, policy=policy, reader=reader, max_examples=max_examples,
                keep_findings=False, on_finding=reporter.finding, progress=progress,
            )
        reporter.finish(report)
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

