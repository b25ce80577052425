"""Every resource kind schemasync manages, declared once (see kinds/base.py).

`KINDS` is in dependency order: an owner or a referenced kind comes before the kinds that
point at it. Read the modules like the API's own tables: what exists, which attributes each
object has, and which of them can change in place (Mut.UPDATE), only by a replace
(Mut.REPLACE), or by a conversion of the stored values (Mut.CONVERT).

    custom_objects.py   custom object types and their fields
    activities.py       custom activity types and their fields
    standard.py         leads, contacts, opportunities and their fields
    shared.py           shared fields and their placements on objects
    statuses.py         lead statuses, pipelines, opportunity statuses
"""

from __future__ import annotations

from schemasync.kinds.activities import ACTIVITY_FIELD, CUSTOM_ACTIVITY_TYPE
from schemasync.kinds.base import Attr, Kind, Mut
from schemasync.kinds.custom_objects import CUSTOM_FIELD, CUSTOM_OBJECT_TYPE
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.kinds.standard import (
    CONTACT_FIELD,
    LEAD_FIELD,
    OPPORTUNITY_FIELD,
    STANDARD_OBJECT,
    STANDARD_OBJECTS,
)
from schemasync.kinds.statuses import LEAD_STATUS, OPPORTUNITY_STATUS, PIPELINE

KINDS: tuple[Kind, ...] = (
    STANDARD_OBJECT,
    CUSTOM_OBJECT_TYPE,
    CUSTOM_ACTIVITY_TYPE,
    SHARED_FIELD,
    CUSTOM_FIELD,
    ACTIVITY_FIELD,
    LEAD_FIELD,
    CONTACT_FIELD,
    OPPORTUNITY_FIELD,
    PLACEMENT,
    LEAD_STATUS,
    PIPELINE,
    OPPORTUNITY_STATUS,
)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
ROLES_PATH = "/role/"

# Each kind's child kinds (the lists its manifest objects hold), in KINDS order.
CHILDREN: dict[str, tuple[Kind, ...]] = {
    k.name: tuple(c for c in KINDS if c.owned_by(k.name)) for k in KINDS
}
# Top-level kinds, in the order a plan visits them (their own objects sorted by name): shared
# fields first, so that a replaced one is known before the placements that go with it.
TOP_KINDS: tuple[Kind, ...] = (
    SHARED_FIELD,
    CUSTOM_OBJECT_TYPE,
    CUSTOM_ACTIVITY_TYPE,
    STANDARD_OBJECT,
)
# The field kinds, whose objects `references` a custom object type.
FIELD_KINDS: tuple[Kind, ...] = (
    CUSTOM_FIELD,
    ACTIVITY_FIELD,
    LEAD_FIELD,
    CONTACT_FIELD,
    OPPORTUNITY_FIELD,
    SHARED_FIELD,
)


_CHILDREN_OF: dict[tuple[str, str], tuple[Kind, ...]] = {}


def children_of(kind: Kind, instance: str = "") -> tuple[Kind, ...]:
    """The child kinds of an object of `kind` (a singleton's own only: lead fields on lead)."""
    found = _CHILDREN_OF.get((kind.name, instance))
    if found is None:
        found = _CHILDREN_OF[(kind.name, instance)] = tuple(
            c for c in CHILDREN[kind.name] if not c.parent_instance or c.parent_instance == instance
        )
    return found


def field_kind_of(owner: Kind, instance: str = "") -> Kind:
    """The owner's own field kind (whose addresses placements on it share)."""
    return next(
        k for k in children_of(owner, instance) if k.section == "fields" and k is not PLACEMENT
    )


def address_in(kind: Kind, owner: Kind | None, key: tuple[str, ...]) -> str:
    """The address of an object of `kind` whose identity path is `key` (owners' names first),
    owned by an object of kind `owner`: a placement is addressed like its owner's fields
    (`Account.Owner`, `activity:Demo.Owner`, `lead:Owner`)."""
    if kind is PLACEMENT and owner is not None:
        instance = key[0] if owner is STANDARD_OBJECT else ""
        return field_kind_of(owner, instance).address_of(key)
    return kind.address_of(key)


def noun_of(kind_name: str) -> str:
    """What an object of this plan kind is called ("type", "field"); a kind this version
    does not know (a newer plan file) is called by its name."""
    kind = BY_NAME.get(kind_name)
    return kind.noun if kind is not None else kind_name


def order_noun_of(kind_name: str) -> str:
    """What a reorder of an owner of this kind sets ("field order")."""
    kind = BY_NAME.get(kind_name)
    return kind.order_noun if kind is not None else "order"


__all__ = [
    "address_in",
    "field_kind_of",
    "BY_NAME",
    "CHILDREN",
    "FIELD_KINDS",
    "KINDS",
    "ROLES_PATH",
    "STANDARD_OBJECTS",
    "TOP_KINDS",
    "Attr",
    "Kind",
    "Mut",
    "children_of",
    "noun_of",
    "order_noun_of",
]
