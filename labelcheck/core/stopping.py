"""How a signal stops the command: ``Interrupted``, raised where the command is.

The command (``labelcheck.__main__``) makes ``on_signal`` the handler of
SIGINT, SIGTERM and SIGHUP. It raises ``Interrupted`` in the main thread, so
every block on the way out cleans up (an output staged, workers, a spool), and
ignores any further signal meanwhile. Inside ``held()`` the stop waits for the
end of the block: a step that must not be cut in two (a worker process forked
but not yet known to anyone) completes, then the stop comes.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Any, Iterator

STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_held = 0
_pending: int | None = None


class Interrupted(BaseException):
    """A stopping signal arrived. A BaseException: no ``except Exception`` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """What a shell reports for a process the signal ended: 128 + its number (130, 143, 129)."""
        return 128 + self.signum

    def message(self) -> str:
        return f"labelcheck: error: interrupted by {self}; nothing was written"


def on_signal(signum: int, frame: Any) -> None:
    global _pending
    for stopping in STOPPING_SIGNALS:  # let the cleanup finish
        signal.signal(stopping, signal.SIG_IGN)
    if _held:
        _pending = signum
        return
    raise Interrupted(signum)


@contextmanager
def held() -> Iterator[None]:
    """A block a stopping signal does not cut: it stops the command once the block ends."""
    global _held, _pending
    _held += 1
    try:
        yield
    finally:
        _held -= 1
        if not _held and _pending is not None:
            signum, _pending = _pending, None
            raise Interrupted(signum)
