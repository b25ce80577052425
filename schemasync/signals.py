"""Ctrl-C and SIGTERM during an apply: finish the request in flight, then stop."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from schemasync.errors import EXIT_SIGINT, EXIT_SIGTERM

Say = Callable[[str], None]


@contextmanager
def stop_on_signals(say: Say) -> Iterator[Callable[[], int | None]]:
    """First SIGINT/SIGTERM: finish the request in flight, then stop; a second one abandons."""
    caught: list[int] = []

    def handler(signum: int, _frame: Any) -> None:
        if caught:
            raise KeyboardInterrupt
        caught.append(signum)
        say("\nStopping after the request in flight (press Ctrl-C again to abandon it) ...")

    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for s in old:
            signal.signal(s, handler)
    except ValueError:  # not the main thread (tests): run without handlers
        old = {}
    try:
        yield lambda: caught[0] if caught else None
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def exit_code(signum: int | None) -> int:
    return EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT
