"""Errors that end a run with exit code 2 (never findings), and how they name options.

A message says how to fix the problem in the caller's terms: the keyword
argument for a Python caller (``force=True``), the option on the command line
(``--force``). The command line sets its spelling with ``cli_spelling()``.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Iterator

_CLI = ContextVar("labelcheck_cli_spelling", default=False)
# Keyword arguments whose option has another name.
_OPTION_NAMES = {"table": "map", "rules": "rule", "renames": "rename"}


@contextlib.contextmanager
def cli_spelling() -> Iterator[None]:
    """Within the block, messages name command-line options instead of keyword arguments."""
    token = _CLI.set(True)
    try:
        yield
    finally:
        _CLI.reset(token)


def option(name: str, value: object = None) -> str:
    """A keyword argument as the caller spells it, with a value or a placeholder in capitals:
    ``mapping='names'``, ``classes=FILE`` in Python; ``--mapping names``, ``--classes FILE``."""
    if not _CLI.get():
        if value is None:
            return name
        placeholder = isinstance(value, str) and value.isupper()
        return f"{name}={value if placeholder else repr(value)}"
    spelled = "--" + _OPTION_NAMES.get(name, name).replace("_", "-")
    return spelled if value is None else f"{spelled} {value}"


def flag(name: str) -> str:
    """A boolean keyword argument turned on: ``force=True`` or ``--force``."""
    return option(name) if _CLI.get() else f"{name}=True"


class LabelcheckError(Exception):
    """Base: a one-line, user-facing message saying what, where and how to fix."""


class InputError(LabelcheckError):
    """An input file is unreadable or not a COCO document."""


class ContractError(LabelcheckError):
    """The model contract options contradict each other or are incomplete."""


class OutputError(LabelcheckError):
    """An output cannot be written (folder missing, not writable, disk full)."""


class UsageError(LabelcheckError):
    """Options that cannot work together or name things that do not exist."""


class BaselineError(LabelcheckError):
    """A baseline file cannot be read or is not a labelcheck baseline."""


class ConfigError(LabelcheckError):
    """A configuration file cannot be read, or has an unknown key or a bad value."""


class ExecutorError(LabelcheckError):
    """The executor checking images failed: a worker died, a cluster lost its workers."""


class ContractWarning(UserWarning):
    """A contract option that works but is probably not what was meant (a class list on one line)."""
