"""The live org as schemasync sees it: live objects by kind, roles, and the fingerprint."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from schemasync.kinds import address_in
from schemasync.kinds.custom_objects import CUSTOM_FIELD, CUSTOM_OBJECT_TYPE
from schemasync.kinds.shared import PLACEMENT
from schemasync.kinds.standard import STANDARD_OBJECT
from schemasync.model import Obj


@dataclass(frozen=True)
class LiveRole:
    id: str
    name: str


@dataclass(eq=False)
class LiveState:
    """Top-level live objects by kind name, in the order the API lists them (children hang
    under their owners in display order), and the org's roles."""

    objects: dict[str, list[Obj]] = field(default_factory=dict)
    roles: tuple[LiveRole, ...] = ()
    # Which groups were read (live/groups.py): a plan only acts on what it read.
    read: frozenset[str] = frozenset()
    # Custom object type id -> the fields anywhere that reference it (id, name), as the type
    # lists them (`back_reference_fields`): also fields of parts of the org not read.
    back_references: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # Shared field id -> where it is placed (lead, contact, opportunity, or a type's id).
    placed_on: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Field id -> the type its values are being converted to.
    converting: dict[str, str] = field(default_factory=dict)
    org_id: str | None = None
    _by_id: dict[str, Obj] | None = field(default=None, repr=False)

    def singleton(self, name: str) -> Obj:
        """The live lead, contact or opportunity (made on first use: they always exist)."""
        objs = self.objects.setdefault(STANDARD_OBJECT.name, [])
        for obj in objs:
            if obj.name == name:
                return obj
        obj = Obj(STANDARD_OBJECT, {"name": name}, id=name)
        objs.append(obj)
        return obj

    @property
    def types(self) -> list[Obj]:
        return self.objects.get(CUSTOM_OBJECT_TYPE.name, [])

    def top(self, kind_name: str) -> list[Obj]:
        return self.objects.get(kind_name, [])

    def by_id(self, object_id: str) -> Obj | None:
        if self._by_id is None:
            index: dict[str, Obj] = {}
            for objs in self.objects.values():
                for obj in objs:
                    _index(obj, index)
            self._by_id = index
        return self._by_id.get(object_id)

    def type_by_id(self, type_id: str) -> Obj | None:
        found = self.by_id(type_id)
        return found if found is not None and found.kind is CUSTOM_OBJECT_TYPE else None

    def without(self, ignore: Iterable[str]) -> LiveState:
        """The state with the objects `ignore` names (by address as plans print it, or by id)
        left out, their children with them: schemasync never lists, touches or fails on them
        (a legacy duplicate, say). The state itself is not changed."""
        entries = set(ignore)
        if not entries:
            return self

        def kept(obj: Obj, key: tuple[str, ...]) -> Obj | None:
            address = address_in(obj.kind, obj.parent.kind if obj.parent else None, key)
            if obj.id in entries or address in entries:
                return None
            copy = dataclasses.replace(obj, children={})
            for name, kids in obj.children.items():
                out = []
                for kid in kids:
                    k = kept(kid, (*key, kid.name))
                    if k is not None:
                        k.parent = copy
                        out.append(k)
                copy.children[name] = out
            return copy

        objects: dict[str, list[Obj]] = {}
        for name, objs in self.objects.items():
            top = [kept(o, (o.name,)) for o in objs]
            objects[name] = [o for o in top if o is not None]
        return dataclasses.replace(self, objects=objects, _by_id=None)

    def role_names(self) -> dict[str, str]:
        return {r.id: r.name for r in self.roles}

    def to_dict(self) -> dict[str, Any]:
        """Everything a plan depends on, as plain data (tests compare two reads with it)."""
        return {
            "roles": [{"id": r.id, "name": r.name} for r in self.roles],
            "objects": {
                name: [_obj_dict(o) for o in objs] for name, objs in sorted(self.objects.items())
            },
            "back_references": {k: list(v) for k, v in sorted(self.back_references.items())},
            "placed_on": {k: list(v) for k, v in sorted(self.placed_on.items())},
            "converting": dict(sorted(self.converting.items())),
            "org_id": self.org_id,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LiveState) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def fingerprint(self) -> str:
        """sha256 of everything a plan depends on (ids included; no dates, no users).

        The bytes are compact, key-sorted JSON of `{"roles": [...], "types": [...]}`, both
        sorted by id (types as `_type_dict`), fed to the hash one type at a time so a big
        org's whole dict and JSON text are never in memory at once. This layout is frozen
        for what the custom-objects part of an org held before the other parts existed (a
        plan saved by an earlier version still applies); every other part read is hashed
        after it, by kind name, and only when it holds something.
        """
        digest = hashlib.sha256()
        roles = [{"id": r.id, "name": r.name} for r in sorted(self.roles, key=lambda r: r.id)]
        digest.update(b'{"roles":' + _canonical(roles) + b',"types":[')
        for i, t in enumerate(sorted(self.types, key=lambda t: t.id or "")):
            if i:
                digest.update(b",")
            digest.update(_canonical(_type_dict(t)))
        digest.update(b"]")
        for name, objs in sorted(self.objects.items()):
            if name != CUSTOM_OBJECT_TYPE.name and objs:
                digest.update(b',"' + name.encode() + b'":')
                digest.update(_canonical([_obj_dict(o) for o in objs]))
        placements = [_obj_dict(p) for t in self.types for p in t.kids(PLACEMENT)]
        extra = {
            "converting": self.converting,
            "placed_on": {k: list(v) for k, v in self.placed_on.items()},
            "placements": placements,
        }
        for key, value in extra.items():
            if value:
                digest.update(b',"' + key.encode() + b'":' + _canonical(value))
        digest.update(b"}")
        return "sha256:" + digest.hexdigest()


def _index(obj: Obj, index: dict[str, Obj]) -> None:
    if obj.kind.has_id:
        index[obj.id or ""] = obj
    for kids in obj.children.values():
        for kid in kids:
            _index(kid, index)


def _obj_dict(obj: Obj) -> dict[str, Any]:
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in obj.values.items()}
    out: dict[str, Any] = {"id": obj.id, "values": values}
    if obj.children:
        out["children"] = {
            name: [_obj_dict(k) for k in kids] for name, kids in sorted(obj.children.items())
        }
    if obj.others:
        out["others"] = list(obj.others)
    if obj.order:
        out["order"] = list(obj.order)
    return out


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _type_dict(t: Obj) -> dict[str, Any]:
    v = t.values
    fields = t.kids(CUSTOM_FIELD)
    own = {f.id for f in fields}
    return {
        "id": t.id,
        "name": v["name"],
        "name_plural": v["name_plural"],
        "description": v["description"],
        "api_create_only": v["api_create_only"],
        "editable_with_roles": list(v["editable_with_roles"]),
        "fields": [_field_dict(f) for f in fields],
        "other_field_ids": _others(t.order, own),
    } | ({"is_archived": True} if v.get("archived") else {})


def _others(order: tuple[str, ...], own: set[str | None]) -> list[str]:
    """The ids a type's display order shows besides its own fields, as they were always
    hashed (an own field's id listed twice counts once as its own)."""
    left = set(own)
    out = []
    for x in order:
        if x in left:
            left.discard(x)
        else:
            out.append(x)
    return out


def _field_dict(f: Obj) -> dict[str, Any]:
    v = f.values
    return {
        "id": f.id,
        "name": v["name"],
        "type": v["type"],
        "choices": list(v["choices"]) if v["choices"] is not None else None,
        "required": v["required"],
        "accepts_multiple_values": v["accepts_multiple_values"],
        "description": v["description"],
        "editable_with_roles": list(v["editable_with_roles"]),
        "referenced_type_id": v["references"],
        "back_reference_is_visible": v["back_reference_is_visible"],
    }
