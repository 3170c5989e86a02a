"""Errors that end a run with exit code 2 (never findings), and the stop a signal asks for."""

import signal


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


class Interrupted(BaseException):
    """A signal asked the process to stop (SIGINT, SIGTERM, SIGHUP): raised
    where it runs, so every block on the way out cleans up (an output staged,
    workers, a spool). A BaseException: no ``except Exception`` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """What a shell reports for a process the signal ended: 128 + its number (130, 143, 129)."""
        return 128 + self.signum

    def message(self) -> str:
        return f"labelcheck: error: interrupted by {self}; nothing was written"
