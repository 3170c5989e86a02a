"""Errors that end a run with exit code 2 (never findings)."""


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

