"""Fault injection rules for the emulator: 5xx, ingress 429, dropped connections, latency."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

FAULT_ACTIONS = ("500", "502", "503", "504", "429", "drop", "commit_then_drop", "latency")


@dataclass
class Fault:
    """One fault rule; see Faults.add."""

    method: str | None
    path: re.Pattern[str]
    action: str
    skip: int = 0
    times: int | None = 1
    delay: float = 0.0
    seen: int = 0
    applied: int = 0

    def matches(self, method: str, subpath: str, fullpath: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return bool(self.path.match(subpath) or self.path.match(fullpath))


@dataclass
class Faults:
    """Fault injection rules, checked in the order they were added (thread-safe)."""

    rules: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self,
        method: str | None = None,
        path: str = "",
        action: str = "503",
        skip: int = 0,
        times: int | None = 1,
        delay: float = 0.0,
    ) -> Fault:
        """Apply ``action`` to requests whose method is ``method`` (None: any) and whose path
        after /api/v1 (or whole path) matches the regex ``path`` with re.match (anchored at the
        start only; end it with ``$`` to anchor the end). The first ``skip`` matching requests
        pass; the next ``times`` (None: all) get the fault. ``delay`` is the sleep for
        "latency" and the Retry-After for "429" (default 1)."""
        if action not in FAULT_ACTIONS:
            raise ValueError(f"unknown fault action {action!r}; use one of {FAULT_ACTIONS}")
        rule = Fault(
            method.upper() if method else None, re.compile(path), action, skip, times, delay
        )
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def pick(self, method: str, subpath: str, fullpath: str) -> Fault | None:
        """Count this request against every matching rule; return the first that fires."""
        chosen: Fault | None = None
        with self._lock:
            for rule in self.rules:
                if not rule.matches(method, subpath, fullpath):
                    continue
                rule.seen += 1
                live = rule.times is None or rule.applied < rule.times
                if chosen is None and rule.seen > rule.skip and live:
                    rule.applied += 1
                    chosen = rule
        return chosen
