"""Pair manifest objects with live ones: by identity first, then by `renamed_from`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from schemasync.errors import Problem
from schemasync.model import Obj, Pos
from schemasync.util import few, plural


def problem(pos: Pos | None, path: str, message: str) -> Problem:
    if pos is None:
        return Problem("<manifest>", 0, 0, path, message)
    return Problem(pos.file, pos.line, pos.col, path, message)


def match(
    specs: Sequence[Obj],
    live: Sequence[Obj],
    what: str,
    prefix: str,
    problems: list[Problem],
    *,
    path_of: Callable[[Obj], str] | None = None,
) -> dict[str, Obj]:
    """Returns manifest name -> live object. Ambiguity is a problem, never a guess."""
    path = path_of or (lambda spec: prefix + spec.name)
    by_name: dict[str, list[Obj]] = {}
    for obj in live:
        by_name.setdefault(obj.name, []).append(obj)
    matched: dict[str, Obj] = {}
    claimed: set[str | None] = set()
    for spec in specs:
        found = by_name.get(spec.name, [])
        if len(found) > 1:
            ids = few(o.id or "" for o in found)
            problems.append(
                problem(
                    spec.pos,
                    path(spec),
                    f"{len(found)} live {plural(what)} are named {spec.name!r} ({ids}): rename or "
                    "delete all but one in Close; schemasync never guesses which one you mean",
                )
            )
        elif found:
            matched[spec.name] = found[0]
            claimed.add(found[0].id)
    for spec in specs:
        if spec.name in matched or not spec.renamed_from or spec.name in by_name:
            continue
        candidates = [o for old in spec.renamed_from for o in by_name.get(old, [])]
        taken = [o for o in candidates if o.id in claimed]
        if taken:
            problems.append(
                problem(
                    spec.pos,
                    path(spec),
                    f"renamed_from {taken[0].name!r} cannot be honoured: that live {what} "
                    f"({taken[0].id}) is already matched by name to another {what} of the manifest",
                )
            )
        elif len(candidates) > 1:
            ids = ", ".join(f"{o.name!r} ({o.id})" for o in candidates)
            problems.append(
                problem(
                    spec.pos,
                    path(spec),
                    f"renamed_from matches {len(candidates)} live {plural(what)}: {ids}; keep one "
                    "name in renamed_from, or rename or delete the others in Close",
                )
            )
        elif candidates:
            matched[spec.name] = candidates[0]
            claimed.add(candidates[0].id)
    return matched
