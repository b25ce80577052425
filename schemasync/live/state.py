"""The live org as schemasync sees it: live objects by kind, roles, and the fingerprint."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from schemasync.kinds.custom_objects import CUSTOM_FIELD, CUSTOM_OBJECT_TYPE
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
    _by_id: dict[str, Obj] | None = field(default=None, repr=False)

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
                    index[obj.id or ""] = obj
                    for kids in obj.children.values():
                        for kid in kids:
                            index[kid.id or ""] = kid
            self._by_id = index
        return self._by_id.get(object_id)

    def type_by_id(self, type_id: str) -> Obj | None:
        found = self.by_id(type_id)
        return found if found is not None and found.kind is CUSTOM_OBJECT_TYPE else None

    def role_names(self) -> dict[str, str]:
        return {r.id: r.name for r in self.roles}

    def to_dict(self) -> dict[str, Any]:
        """Everything a plan depends on, as plain data (tests compare two reads with it)."""
        return {
            "roles": [{"id": r.id, "name": r.name} for r in self.roles],
            "objects": {
                name: [_obj_dict(o) for o in objs] for name, objs in sorted(self.objects.items())
            },
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LiveState) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def fingerprint(self) -> str:
        """sha256 of everything a plan depends on (ids included; no dates, no users).

        The bytes are compact, key-sorted JSON of `{"roles": [...], "types": [...]}`, both
        sorted by id (types as `_type_dict`), fed to the hash one type at a time so a big
        org's whole dict and JSON text are never in memory at once. This layout is frozen:
        a plan saved by an earlier version still applies.
        """
        digest = hashlib.sha256()
        roles = [{"id": r.id, "name": r.name} for r in sorted(self.roles, key=lambda r: r.id)]
        digest.update(b'{"roles":' + _canonical(roles) + b',"types":[')
        for i, t in enumerate(sorted(self.types, key=lambda t: t.id or "")):
            if i:
                digest.update(b",")
            digest.update(_canonical(_type_dict(t)))
        digest.update(b"]}")
        return "sha256:" + digest.hexdigest()


def _obj_dict(obj: Obj) -> dict[str, Any]:
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in obj.values.items()}
    out: dict[str, Any] = {"id": obj.id, "values": values}
    if obj.children:
        out["children"] = {
            name: [_obj_dict(k) for k in kids] for name, kids in sorted(obj.children.items())
        }
    if obj.others:
        out["others"] = list(obj.others)
    return out


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _type_dict(t: Obj) -> dict[str, Any]:
    v = t.values
    return {
        "id": t.id,
        "name": v["name"],
        "name_plural": v["name_plural"],
        "description": v["description"],
        "api_create_only": v["api_create_only"],
        "editable_with_roles": list(v["editable_with_roles"]),
        "fields": [_field_dict(f) for f in t.kids(CUSTOM_FIELD)],
        "other_field_ids": list(t.others),
    }


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
