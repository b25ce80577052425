"""Live objects that share a name within their scope, and the removal of one of them (pure).

The API does not enforce unique names, so two applies running at once can create every type
and field twice; a plan then refuses to guess between them. `duplicates` finds such groups
(types by name; fields by name within their type), `created_duplicates` keeps the groups an
apply's own creates belong to, and `removal` turns "remove this extra object" into one delete
operation after checking that the object really has a twin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from schemasync.errors import SchemaSyncError
from schemasync.live import FIELDS_PATH, TYPES_PATH, LiveField, LiveOrg, LiveType
from schemasync.model import FIELD_KIND, TYPE_KIND
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
    """Every name held by more than one live object in its scope, types first, then fields."""
    found: list[Duplicate] = []
    for name, group in _groups(live.types).items():
        found.append(Duplicate(TYPE_KIND, name, tuple(sorted(o.id for o in group))))
    for t in sorted(live.types, key=lambda t: (t.name, t.id)):
        for name, fields in _groups(t.fields).items():
            ids = tuple(sorted(f.id for f in fields))
            found.append(Duplicate(FIELD_KIND, name, ids, owner_id=t.id, owner_name=t.name))
    return found


def _groups(objects: Iterable[LiveType] | Iterable[LiveField]) -> dict[str, list[Any]]:
    by_name: dict[str, list[Any]] = {}
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
    """The deletion of `object_id`, refused unless it is a live type or field with a twin."""
    for t in live.types:
        if t.id == object_id:
            return _remove_type(live, t)
        for f in t.fields:
            if f.id == object_id:
                return _remove_field(t, f)
    raise SchemaSyncError(
        f"no custom object type or custom object field has the id {object_id!r} in this org "
        "(copy the id from the apply's report or from `schemasync plan`); nothing was removed"
    )


def _twin_group(
    kind: str, obj: LiveType | LiveField, peers: Iterable[Any], owner: Any
) -> Duplicate:
    same = sorted(p.id for p in peers if p.name == obj.name)
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


def _remove_type(live: LiveOrg, t: LiveType) -> Removal:
    group = _twin_group(TYPE_KIND, t, live.types, None)
    blockers = [
        (other, f)
        for other in live.types
        if other.id != t.id
        for f in other.fields
        if f.referenced_type_id == t.id
    ]
    if blockers:
        shown = ", ".join(f"{o.name}.{f.name} ({f.id})" for o, f in blockers)
        raise SchemaSyncError(
            f"cannot remove {t.id}: the field(s) {shown} reference it, and the API refuses to "
            "delete a type that other fields reference. Remove those fields first (with "
            f"`{COMMAND}` if they are duplicates too); nothing was removed"
        )
    n = len(t.fields)
    op = Operation(
        "delete",
        TYPE_KIND,
        t.name,
        "DELETE",
        f"{TYPES_PATH}{t.id}/",
        None,
        {"name": {"before": t.name, "after": None}},
        id=t.id,
        reason=f"deleting the type destroys every {t.name} object and its {_fields(n)}",
    )
    others = [live.type_by_id(i) for i in group.ids if i != t.id]
    stays = ", ".join(f"{o.id} ({_fields(len(o.fields))})" for o in others if o is not None)
    lines = (
        f"{len(group.ids)} custom object types are named {t.name!r}: " + ", ".join(group.ids) + ".",
        f"This deletes {t.id} ({_fields(n)}) and every {t.name} object stored in it: "
        "their values are lost.",
        f"Stays: {stays}.",
    )
    return Removal(op, group, lines)


def _remove_field(t: LiveType, f: LiveField) -> Removal:
    group = _twin_group(FIELD_KIND, f, t.fields, t)
    address = f"{t.name}.{f.name}"
    op = Operation(
        "delete",
        FIELD_KIND,
        address,
        "DELETE",
        f"{FIELDS_PATH}{f.id}/",
        None,
        {"name": {"before": f.name, "after": None}},
        id=f.id,
        reason=f"deleting the field destroys its values on every {t.name}",
    )
    lines = (
        f"{len(group.ids)} fields of {t.name} ({t.id}) are named {f.name!r}: "
        + ", ".join(group.ids)
        + ".",
        f"This deletes {f.id} ({f.type}) and its values on every {t.name}: they are lost.",
        "Stays: " + ", ".join(i for i in group.ids if i != f.id) + ".",
    )
    return Removal(op, group, lines)


def _noun(kind: str) -> str:
    return "custom object type" if kind == TYPE_KIND else "field"


def _fields(n: int) -> str:
    return f"{n} field{'' if n == 1 else 's'}"
