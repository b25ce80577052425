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

from schemasync.engine import placements
from schemasync.engine.match import problem
from schemasync.errors import Problem
from schemasync.kinds import address_in
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
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


def named(live: LiveState, entries: Iterable[str]) -> tuple[dict[str, list[Obj]], list[str]]:
    """Entry -> the live objects it names, and the entries that name nothing."""
    wanted = set(entries)
    found: dict[str, list[Obj]] = {e: [] for e in wanted}
    for obj, key in _live_objects(live):
        address = address_in(obj.kind, obj.parent.kind if obj.parent else None, key)
        if address in wanted:
            found[address].append(obj)
        if obj.kind is PLACEMENT:  # `shared:Tier` protects Tier's values everywhere it is placed
            shared = SHARED_FIELD.address_of((obj.name,))
            if shared in wanted:
                found[shared].append(obj)
    missing = sorted(e for e, objs in found.items() if not objs)
    return found, missing


def _placements(live: LiveState) -> Iterator[Obj]:
    for obj, _key in _live_objects(live):
        if obj.kind is PLACEMENT and obj.parent is not None:
            yield obj


def _target(op: Operation, live: LiveState, placed: Mapping[str, Obj]) -> Obj | None:
    """The live object an operation acts on: by its id, or (a placement, which has none of
    its own) by its path, which names the shared field and the object it is placed on."""
    if op.kind == PLACEMENT.name:
        return placed.get(op.path)
    return live.by_id(op.id) if op.id is not None else None


def _destroyed(op: Operation, obj: Obj, live: LiveState) -> list[Obj]:
    """What a destructive operation destroys or changes, with the owners of each: the
    object and its owners; a delete's children; and a shared field's placements (its values
    on every object it is placed on go with it). An entry `shared:X` names each placement of
    X itself (`named`), so a placement's removal needs no look at its shared field here."""
    chain = _with_owners(obj)
    if op.action == "delete":
        chain += _descendants(obj)
    if obj.kind is SHARED_FIELD:
        for placement in _placements(live):
            if placement.id == obj.id:
                chain += _with_owners(placement)
    return chain


def _with_owners(obj: Obj) -> list[Obj]:
    chain: list[Obj] = []
    cursor: Obj | None = obj
    while cursor is not None:
        chain.append(cursor)
        cursor = cursor.parent
    return chain


def protected_hits(
    ops: Sequence[Operation], protect: Iterable[str], live: LiveState
) -> tuple[list[tuple[Operation, str]], list[str]]:
    """The destructive operations that touch a protected live object, with the entry that
    protects it; and the protect entries that name nothing in the org."""
    protect = tuple(protect)
    if not protect:
        return [], []
    found, missing = named(live, protect)
    placed = {
        placements.item_path(p.id or "", p.parent, p.parent.id or p.parent.name): p
        for p in _placements(live)
        if p.parent is not None
    }
    targets = [_target(op, live, placed) for op in ops]
    # An entry also names a live object by the address the plan gives it (a renamed type is
    # protected under its old and its new name), and may name an object the plan creates.
    for op, obj in zip(ops, targets, strict=True):
        if op.address in found and obj is not None and op.action != "create":
            found[op.address].append(obj)
    planned = {op.address for op in ops}
    missing = [e for e in missing if e not in planned]
    entry_of: dict[int, str] = {}
    for entry, objs in sorted(found.items()):
        for obj in objs:
            entry_of.setdefault(id(obj), entry)
    hits = []
    for op, obj in zip(ops, targets, strict=True):
        if not op.destructive or obj is None:
            continue
        hit = next((entry_of[id(o)] for o in _destroyed(op, obj, live) if id(o) in entry_of), None)
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
