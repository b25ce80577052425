"""Placements of shared fields on objects (Close's "associations").

A placement has no id of its own: its path names the shared field and the object
(`/custom_field/shared/{id}/association/custom_object_type/{cotype_id}/`, or `.../lead/`),
and the create body names the object again (`object_type` plus the type's id). That is what
this module adds to the generic planner; matching, comparison and stages are the generic ones.
"""

from __future__ import annotations

from typing import Any

from schemasync.kinds import Kind, children_of
from schemasync.kinds.shared import PLACEMENT
from schemasync.kinds.standard import STANDARD_OBJECT
from schemasync.model import Obj

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


def field_kind(owner: Obj) -> Kind:
    """The owner's own field kind (whose addresses placements on it share)."""
    instance = owner.name if owner.kind is STANDARD_OBJECT else ""
    return next(
        k for k in children_of(owner.kind, instance) if k.section == "fields" and k is not PLACEMENT
    )


def address(owner: Obj, owner_key: tuple[str, ...], name: str) -> str:
    """`Account.Owner`, `activity:Demo Requested.Owner`, `lead:Owner`."""
    return field_kind(owner).address_of((*owner_key, name))
