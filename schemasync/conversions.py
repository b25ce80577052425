"""Waiting for Close to convert a field's stored values after a type change (lead, contact
and opportunity fields change type in place; Close shows `converting_to_type` until it is
done and refuses writes to the field meanwhile)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

from schemasync.errors import ConfigError
from schemasync.plan import Operation


class Reader(Protocol):
    def get(self, path: str) -> Any: ...


CONVERSION_TIMEOUT = 900.0  # seconds: how long apply waits for Close to convert a field


def wait_for_conversion(
    client: Reader,
    op: Operation,
    progress: Callable[[str], None],
    should_stop: Callable[[], bool],
    timeout: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> str | None:
    """Poll the field until Close no longer shows `converting_to_type` (the next operation
    may depend on it, and Close refuses writes to a converting field). None when it has
    finished; otherwise why the apply stops here."""
    started = clock()
    delay = 0.5
    while True:
        field = client.get(op.path)
        target = field.get("converting_to_type") if isinstance(field, dict) else None
        if not target:
            return None
        waited = clock() - started
        if should_stop():
            return (
                f"{op.address}'s values are still being converted to {target} by Close: wait "
                "until it finishes, then run `schemasync plan`"
            )
        if waited >= timeout:
            return (
                f"{op.address}'s values were still being converted to {target} after "
                f"{waited:.0f} s (SCHEMASYNC_CONVERSION_TIMEOUT): wait until Close finishes, "
                "then run `schemasync plan` and apply again"
            )
        progress(f"  {op.address}: Close is converting its values to {target} ({waited:.0f} s)")
        sleep(min(delay, max(timeout - waited, 0.0)))
        delay = min(delay * 2, 10.0)


def conversion_wait() -> float:
    """How long apply waits for one conversion (seconds): SCHEMASYNC_CONVERSION_TIMEOUT,
    default 900."""
    raw = os.environ.get("SCHEMASYNC_CONVERSION_TIMEOUT", "").strip()
    if not raw:
        return CONVERSION_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ConfigError("SCHEMASYNC_CONVERSION_TIMEOUT must be a number of seconds (like 900)")
    return seconds
