"""The protect list: no plan deletes, replaces or converts a protected object.

Protection is decided on the live objects, never by cutting addresses apart: each entry names
live objects by their live address (`Account`, `Account.Status`, in any form a plan prints)
or by the address the plan gives them (a rename),
and an operation is refused when the live object it destroys (found by its id), one of that
object's owners, or (for a delete, which takes its children along) one of its children is
named. So a rename in the manifest, or a name with dots in it, cannot slip past: an entry
`Acme.Corp` protects the type named `Acme.Corp` and its fields (and, to be safe, a field
`Corp` of a type `Acme` too). An entry that names nothing in the org, nor anything the plan
creates, is an error: a typo must not silently protect nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from schemasync.engine.match import problem
from schemasync.errors import Problem
from schemasync.live import LiveState
from schemasync.model import Obj, Pos
from schemasync.plan import Operation


def _live_objects(live: LiveState) -> Iterator[tuple[Obj, tuple[str, ...]]]:
    """Every live object with its identity path (live names)."""
    for objs in live.objects.values():
        for obj in objs:
            yield from _walk(obj, ())


def _walk(obj: Obj, owner_key: tuple[str, ...]) -> Iterator[tuple[Obj, tuple[str, ...]]]:
    key = (*owner_key, obj.name)
    yield obj, key
    for kids in obj.children.values():
        for kid in kids:
            yield from _walk(kid, key)


def _descendants(obj: Obj) -> Iterator[Obj]:
    for kids in obj.children.values():
        for kid in kids:
            yield kid
            yield from _descendants(kid)


def named(live: LiveState, entries: Iterable[str]) -> tuple[dict[str, set[str]], list[str]]:
    """Entry -> the ids of the live objects it names, and the entries that name nothing."""
    wanted = set(entries)
    found: dict[str, set[str]] = {e: set() for e in wanted}
    for obj, key in _live_objects(live):
        address = obj.kind.address_of(key)
        if address in wanted:
            found[address].add(obj.id or "")
    missing = sorted(e for e, ids in found.items() if not ids)
    return found, missing


def protected_hits(
    ops: Sequence[Operation], protect: Iterable[str], live: LiveState
) -> tuple[list[tuple[Operation, str]], list[str]]:
    """The destructive operations that touch a protected live object, with the entry that
    protects it; and the protect entries that name nothing in the org."""
    found, missing = named(live, protect)
    # An entry also names a live object by the address the plan gives it (a renamed type is
    # protected under its old and its new name), and may name an object the plan creates.
    for op in ops:
        if op.address in found and op.id is not None and op.action != "create":
            found[op.address].add(op.id)
    planned = {op.address for op in ops}
    missing = [e for e in missing if e not in planned]
    entry_of: dict[str, str] = {}
    for entry, ids in sorted(found.items()):
        for object_id in ids:
            entry_of.setdefault(object_id, entry)
    hits = []
    for op in ops:
        if not op.destructive or op.id is None:
            continue
        obj = live.by_id(op.id)
        if obj is None:
            continue
        chain: list[Obj] = []
        cursor: Obj | None = obj
        while cursor is not None:
            chain.append(cursor)
            cursor = cursor.parent
        if op.action == "delete":
            chain += _descendants(obj)
        hit = next((entry_of[o.id] for o in chain if o.id in entry_of), None)
        if hit is not None:
            hits.append((op, hit))
    return hits, missing


def check_protected(
    ops: Sequence[Operation],
    protect: Iterable[str],
    live: LiveState,
    positions: Mapping[str, Pos | None],
    *,
    who: str = "this environment",
    outcome: str = "nothing will be applied",
    file: str = "<manifest>",
) -> list[Problem]:
    """The problems of a plan that the protect list forbids; positions maps live ids to the
    manifest object they were matched with (for FILE:LINE:COL)."""
    hits, missing = protected_hits(ops, protect, live)

    def at(pos: Pos | None, path: str, message: str) -> Problem:
        return problem(pos, path, message) if pos else Problem(file, 0, 0, path, message)

    problems = [
        at(
            None,
            entry,
            f"this protect entry names nothing in the org ({who}): check its spelling; "
            "a protect entry must name a live object",
        )
        for entry in missing
    ]
    for op, hit in hits:
        problems.append(
            at(
                positions.get(op.id or ""),
                op.address,
                f"the plan would {op.action} {op.address}, which {who} protects "
                f"({hit!r} is in its protect list); {outcome}",
            )
        )
    return problems
