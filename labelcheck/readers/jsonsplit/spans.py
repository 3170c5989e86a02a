"""What the splitter finds: byte spans of the top-level members and of the runs of their arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol


@dataclass(frozen=True)
class Run:
    start: int
    end: int


@dataclass(frozen=True)
class Member:
    key: str
    start: int
    end: int
    kind: str
    runs: tuple[Run, ...] = ()


@dataclass(frozen=True)
class Document:
    kind: str
    members: tuple[Member, ...] = ()


@dataclass(frozen=True)
class RunFound:
    """A run of a top-level array, validated, in file order (``document_events``)."""

    key: str | None  # the member's key; None for the elements of a top-level array
    run: Run
    decoded: Any  # what the array's RunDecoding made of the run; None when not decoded


@dataclass(frozen=True)
class MemberFound:
    """A top-level member, whole (``document_events``), after its runs."""

    member: Member


# A run check: ``check(document, maybe_non_ascii)`` is None if
# ``valid_run_document`` refuses the run document, else a value other than
# None; module-level, so worker processes can run it.
RunCheck = Callable[..., Any]


@dataclass(frozen=True)
class RunDecoding:
    """How the runs of an array are decoded while it is indexed.

    ``check`` decodes a run document if ``valid_run_document`` accepts it and
    returns None otherwise, parsing once where it can (a ``RunCheck``).
    ``decode`` decodes any run document Python's json accepts: the runs walked
    because msgspec refused them.
    """

    check: RunCheck
    decode: Callable[[bytes], Any]


class RunValidator(Protocol):
    """Validates runs elsewhere (worker processes), in the order they were submitted."""

    depth: int  # runs to keep submitted: enough that none of its workers waits for the next

    def ready(self) -> bool:
        """Whether it can take runs now; until then the splitter validates them itself."""

    def submit(self, start: int, end: int, check: RunCheck) -> Any:
        """Start checking run [start, end) with ``check``; returns a handle."""

    def result(self, handle: Any) -> Any:
        """The check's outcome. Every handle's result is asked for, in submission order."""

    def answered(self, handle: Any) -> bool:
        """Whether ``result(handle)`` is in (may say no when it is: a hint, never waits)."""
