"""Small helpers every layer uses: the collector switch, and id lists and nouns for messages."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while building a large, acyclic structure.

    Parsing, diffing and rendering a big org allocate hundreds of thousands of containers
    that all stay alive; each allocation burst would otherwise trigger full collections
    that walk the whole heap (the decoded responses, the manifest, the live org), which
    makes the cost grow faster than the org. Nothing here creates reference cycles that
    must be freed early, so there is nothing for the collector to find; it is switched back
    on afterwards (unless it was already off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def few(ids: Iterable[str], limit: int = 5) -> str:
    """A few ids for a message; a damaged list can repeat one id thousands of times."""
    unique = sorted(set(ids))
    return ", ".join(unique[:limit]) + (f", ... ({len(unique)} ids)" if len(unique) > limit else "")


def with_article(noun: str) -> str:
    """`a type`, `an opportunity status`."""
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def plural(noun: str) -> str:
    """The plural of a kind's noun: types, fields, statuses, opportunities."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith("s") else "s")
