"""Live objects that share a name within their scope, and the removal of one of them (pure).

The API does not enforce unique names, so two applies running at once can create every type
and field twice; a plan then refuses to guess between them. `duplicates` finds such groups
(for every kind: types by name, fields by name within their type, ...), `created_duplicates`
keeps the groups an apply's own creates belong to, and `removal` turns "remove this extra
object" into one delete operation after checking that the object really has a twin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from schemasync.errors import SchemaSyncError
from schemasync.kinds import BY_NAME, TOP_KINDS
from schemasync.kinds.custom_objects import CUSTOM_FIELD, CUSTOM_OBJECT_TYPE
from schemasync.kinds.standard import STANDARD_OBJECT
from schemasync.kinds.statuses import OPPORTUNITY_STATUS, PIPELINE
from schemasync.live import LiveOrg
from schemasync.model import TYPE_KIND, Obj
from schemasync.plan import Operation, Plan

COMMAND = "schemasync remove-duplicate ID"


@dataclass(frozen=True)
class Duplicate:
    """Several live objects of one kind with one name and one owner (a field's type)."""

    kind: str
    name: str
    ids: tuple[str, ...]  # sorted
    owner_id: str | None = None  # the type a field belongs to
    owner_name: str | None = None

    @property
    def address(self) -> str:
        """The object as plans name it (for messages; the identity is kind, owner and name)."""
        return self.name if self.owner_name is None else f"{self.owner_name}.{self.name}"

    def describe(self, mine: Iterable[str] = ()) -> str:
        ours = set(mine)
        shown = ", ".join(f"{i} (created by this apply)" if i in ours else i for i in self.ids)
        return f"{self.kind} {self.address}: {shown}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "address": self.address,
            "name": self.name,
            "owner_id": self.owner_id,
            "ids": list(self.ids),
        }


def duplicates(live: LiveOrg) -> list[Duplicate]:
    """Every name held by more than one live object in its scope: top-level objects first
    (types, activity types, shared fields), then each owner's children (fields by name within
    their type, lead statuses), then opportunity statuses (one scope across pipelines)."""
    found: list[Duplicate] = []
    tops = [k for k in TOP_KINDS if k is not STANDARD_OBJECT]
    for kind in tops:
        for name, group in _groups(live.top(kind.name)).items():
            found.append(Duplicate(kind.name, name, tuple(sorted(o.id or "" for o in group))))
    owners = [o for k in (*tops, STANDARD_OBJECT) for o in live.top(k.name)]
    for owner in sorted(owners, key=lambda o: (o.kind.rank, o.name, o.id or "")):
        for child_name, kids in sorted(owner.children.items()):
            if not kids or not kids[0].kind.has_id or kids[0].kind is PIPELINE:
                continue
            for name, group in _groups(kids).items():
                ids = tuple(sorted(f.id or "" for f in group))
                found.append(
                    Duplicate(child_name, name, ids, owner_id=owner.id, owner_name=owner.name)
                )
    statuses = [s for p in _pipelines(live) for s in p.kids(OPPORTUNITY_STATUS)]
    for name, group in _groups(statuses).items():
        ids = tuple(sorted(o.id or "" for o in group))
        found.append(Duplicate(OPPORTUNITY_STATUS.name, name, ids))
    return found


def _pipelines(live: LiveOrg) -> list[Obj]:
    return [p for o in live.top(STANDARD_OBJECT.name) for p in o.kids(PIPELINE)]


def _groups(objects: Iterable[Obj]) -> dict[str, list[Obj]]:
    by_name: dict[str, list[Obj]] = {}
    for o in objects:
        by_name.setdefault(o.name, []).append(o)
    return {n: g for n, g in sorted(by_name.items()) if len(g) > 1}


def created_duplicates(live: LiveOrg, created: Iterable[str]) -> list[Duplicate]:
    """The duplicate groups that hold one of the `created` ids (what an apply just made)."""
    ours = set(created)
    return [d for d in duplicates(live) if ours.intersection(d.ids)]


def fix_hint() -> str:
    """How to get out of a duplicate, for the apply's report and error."""
    return (
        f"keep one of each and remove the others with `{COMMAND}` (it deletes the object "
        "you name, with its values), then run `schemasync plan`"
    )


@dataclass(frozen=True)
class Removal:
    """One extra object to delete: the operation, and what it destroys in words."""

    operation: Operation
    group: Duplicate
    lines: tuple[str, ...]

    def plan(self, live: LiveOrg) -> Plan:
        return Plan((self.operation,), (), live.fingerprint(), {"prune": True})


def removal(live: LiveOrg, object_id: str) -> Removal:
    """The deletion of `object_id`, refused unless it is a live object with a twin (same
    kind, name and owner)."""
    obj = live.by_id(object_id)
    if obj is None or obj.kind is STANDARD_OBJECT:
        raise SchemaSyncError(
            f"no object of the org's schema has the id {object_id!r} (copy the id from the "
            "apply's report or from `schemasync plan`); nothing was removed"
        )
    if obj.kind is CUSTOM_OBJECT_TYPE:
        return _remove_type(live, obj)
    if obj.kind is OPPORTUNITY_STATUS:
        peers = [s for p in _pipelines(live) for s in p.kids(OPPORTUNITY_STATUS)]
        return _remove_other(obj, peers, None)
    if obj.parent is None or obj.parent.kind is STANDARD_OBJECT:
        peers = live.top(obj.kind.name) if obj.parent is None else obj.parent.kids(obj.kind)
        return _remove_other(obj, peers, obj.parent)
    return _remove_field(obj.parent, obj)


def _twin_group(kind: str, obj: Obj, peers: Iterable[Obj], owner: Obj | None) -> Duplicate:
    same = sorted(p.id or "" for p in peers if p.name == obj.name)
    if len(same) < 2:
        where = f" in {owner.name}" if owner is not None else ""
        raise SchemaSyncError(
            f"{obj.id} is the only {_noun(kind)} named {obj.name!r}{where}: remove-duplicate "
            "removes only an object that another one of the same kind and name duplicates; "
            "nothing was removed"
        )
    if owner is None:
        return Duplicate(kind, obj.name, tuple(same))
    return Duplicate(kind, obj.name, tuple(same), owner_id=owner.id, owner_name=owner.name)


def _own_fields(t: Obj) -> list[Obj]:
    return [k for name in t.kind.ordered for k in t.kids(name) if k.kind.has_id]


def _remove_type(live: LiveOrg, t: Obj) -> Removal:
    group = _twin_group(TYPE_KIND, t, live.types, None)
    blockers = [
        (other, f)
        for other in live.types
        if other.id != t.id
        for f in other.kids(CUSTOM_FIELD)
        if f.values.get("references") == t.id
    ]
    if blockers:
        shown = ", ".join(f"{o.name}.{f.name} ({f.id})" for o, f in blockers)
        raise SchemaSyncError(
            f"cannot remove {t.id}: the field(s) {shown} reference it, and the API refuses to "
            "delete a type that other fields reference. Remove those fields first (with "
            f"`{COMMAND}` if they are duplicates too); nothing was removed"
        )
    n = len(t.kids(CUSTOM_FIELD))
    op = Operation(
        "delete",
        TYPE_KIND,
        t.name,
        "DELETE",
        t.kind.item_path(t.id or ""),
        None,
        {"name": {"before": t.name, "after": None}},
        id=t.id,
        reason=f"deleting the type destroys every {t.name} object and its {_fields(n)}",
    )
    others = [live.type_by_id(i) for i in group.ids if i != t.id]
    stays = ", ".join(
        f"{o.id} ({_fields(len(o.kids(CUSTOM_FIELD)))})" for o in others if o is not None
    )
    lines = (
        f"{len(group.ids)} custom object types are named {t.name!r}: " + ", ".join(group.ids) + ".",
        f"This deletes {t.id} ({_fields(n)}) and every {t.name} object stored in it: "
        "their values are lost.",
        f"Stays: {stays}.",
    )
    return Removal(op, group, lines)


def _remove_field(t: Obj, f: Obj) -> Removal:
    group = _twin_group(f.kind.name, f, t.kids(f.kind), t)
    address = f.kind.address_of((t.name, f.name))
    op = Operation(
        "delete",
        f.kind.name,
        address,
        "DELETE",
        f.kind.item_path(f.id or ""),
        None,
        {"name": {"before": f.name, "after": None}},
        id=f.id,
        reason=f"deleting the field destroys its values on every {t.name}",
    )
    lines = (
        f"{len(group.ids)} fields of {t.name} ({t.id}) are named {f.name!r}: "
        + ", ".join(group.ids)
        + ".",
        f"This deletes {f.id} ({f.values.get('type')}) and its values on every {t.name}: "
        "they are lost.",
        "Stays: " + ", ".join(i for i in group.ids if i != f.id) + ".",
    )
    return Removal(op, group, lines)


def _remove_other(obj: Obj, peers: Iterable[Obj], owner: Obj | None) -> Removal:
    """An extra activity type, shared field, lead/contact/opportunity field or status."""
    kind = obj.kind
    group = _twin_group(kind.name, obj, peers, None if owner is None else owner)
    if kind is PIPELINE and obj.kids(OPPORTUNITY_STATUS):
        raise SchemaSyncError(
            f"cannot remove {obj.id}: the pipeline still has statuses, and Close refuses to "
            "delete a pipeline that has any; move or remove them first; nothing was removed"
        )
    key: tuple[str, ...] = (owner.name, obj.name) if owner is not None else (obj.name,)
    if kind is OPPORTUNITY_STATUS and obj.parent is not None:
        key = ("opportunity", obj.parent.name, obj.name)
    address = kind.address_of(key)
    op = Operation(
        "delete",
        kind.name,
        address,
        "DELETE",
        kind.item_path(obj.id or ""),
        None,
        {kind.identity: {"before": obj.name, "after": None}},
        id=obj.id,
        reason=kind.delete_reason or f"deleting the {kind.noun} destroys its values",
    )
    lines = (
        f"{len(group.ids)} {kind.noun}s are named {obj.name!r}: " + ", ".join(group.ids) + ".",
        f"This deletes {obj.id} ({address}): {op.reason}.",
        "Stays: " + ", ".join(i for i in group.ids if i != obj.id) + ".",
    )
    return Removal(op, group, lines)


def _noun(kind: str) -> str:
    return "custom object type" if kind == TYPE_KIND else BY_NAME[kind].noun


def _fields(n: int) -> str:
    return f"{n} field{'' if n == 1 else 's'}"
