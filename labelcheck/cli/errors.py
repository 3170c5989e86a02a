"""How the command line fails: one line on stderr and the exit code, never a traceback
unless --debug (a library error, a usage error, a signal, a closed or full stdout)."""

from __future__ import annotations

import functools
import os
import signal
import sys
import traceback
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TextIO

import click

from ..core.errors import ContractWarning, LabelcheckError, cli_spelling
from ..core.stopping import Interrupted
from ..core.text import safe

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


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
            with cli_spelling(), warnings_on_stderr():
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


def echo_err(message: str) -> None:
    click.echo(safe(message), err=True)
