"""Placements of shared fields on objects (Close's "associations").

A placement has no id of its own: its path names the shared field and the object
(`/custom_field/shared/{id}/association/custom_object_type/{cotype_id}/`, or `.../lead/`),
and the create body names the object again (`object_type` plus the type's id). That is what
this module adds to the generic planner; matching, comparison and stages are the generic ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemasync.engine.match import problem
from schemasync.errors import Problem
from schemasync.kinds import Kind, address_in, field_kind_of
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.kinds.standard import STANDARD_OBJECT
from schemasync.model import Obj
from schemasync.placeholders import placeholder

if TYPE_CHECKING:
    from schemasync.engine.resolve import Resolver

_OBJECT_TYPE = {
    "custom_object_type": ("custom_object_type", "custom_object_type_id"),
    "custom_activity_type": ("custom_activity_type", "custom_activity_type_id"),
}
# The body keys of a placement create that hold ids (apply fills placeholders there).
ID_KEYS = frozenset(key for _, key in _OBJECT_TYPE.values())


def owner_segment(owner: Obj, owner_id: str) -> str:
    """How a placement's path names its object: `lead`, `custom_object_type/<id>` ..."""
    if owner.kind is STANDARD_OBJECT:
        return owner.name
    return f"{_OBJECT_TYPE[owner.kind.name][0]}/{owner_id}"


def create_body(owner: Obj, owner_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """`object_type` (and the type's id) first, then the placement's own attributes."""
    if owner.kind is STANDARD_OBJECT:
        return {"object_type": owner.name, **attrs}
    object_type, key = _OBJECT_TYPE[owner.kind.name]
    return {"object_type": object_type, key: owner_id, **attrs}


def collection(shared_id: str) -> str:
    return PLACEMENT.collection.format(shared=shared_id)


def item_path(shared_id: str, owner: Obj, owner_id: str) -> str:
    return f"{collection(shared_id)}{owner_segment(owner, owner_id)}/"


class SharedIds:
    """The id of the shared field each manifest placement places, resolved once (a problem,
    if any, is said once); placements pair with live ones by that id, not by name, so a
    renamed shared field keeps its placements."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._ids: dict[int, str] = {}  # id() of a manifest placement -> its shared field's id

    def of(self, obj: Obj, address: str) -> str:
        known = self._ids.get(id(obj))
        if known is None:
            found = self.resolver.reference_id(
                obj.name, SHARED_FIELD.name, obj.pos, f"{address}.shared"
            )
            known = self._ids[id(obj)] = found or placeholder(SHARED_FIELD.name, (obj.name,))
        return known

    def match(
        self, specs: list[Obj], live: list[Obj], owner: Obj, owner_key: tuple[str, ...]
    ) -> dict[str, Obj]:
        by_id = {o.id: o for o in live}
        found = {}
        for spec in specs:
            hit = by_id.get(self.of(spec, address(owner, owner_key, spec.name)))
            if hit is not None:
                found[spec.name] = hit
        return found


def address(owner: Obj, owner_key: tuple[str, ...], name: str) -> str:
    """`Account.Owner`, `activity:Demo Requested.Owner`, `lead:Owner`."""
    return address_in(PLACEMENT, owner.kind, (*owner_key, name))


def clashes(
    kind: Kind,
    specs: list[Obj],
    found: dict[str, Obj],
    live_owner: Obj | None,
    owner: Obj,
    owner_key: tuple[str, ...],
) -> list[Problem]:
    """A new field named like a shared field placed on the same object in the org, or a new
    placement named like one of the object's own fields: either would give the object two
    fields of one name (a field is not a placement, whatever their names)."""
    if live_owner is None or not specs:
        return []
    instance = owner.name if owner.kind is STANDARD_OBJECT else ""
    own_kind = field_kind_of(owner.kind, instance)
    other = own_kind if kind is PLACEMENT else PLACEMENT
    names = {o.name: o for o in live_owner.kids(other)}
    if not names:
        return []
    out = []
    for spec in specs:
        live = names.get(spec.name)
        if spec.name in found or live is None:
            continue
        where = address(owner, owner_key, spec.name)
        if kind is PLACEMENT:
            message = (
                f"the org has a field {spec.name!r} of this object's own ({live.id}), not a "
                "placement of the shared field: delete or rename that field first (or declare "
                f"it as `name: {spec.name}`), then place the shared field"
            )
        else:
            message = (
                f"the org has the shared field {spec.name!r} placed here ({live.id}), not a "
                f"field of this object's own: declare it as `shared: {spec.name}`, or give this "
                "field another name"
            )
        out.append(problem(spec.pos, where, message))
    return out
