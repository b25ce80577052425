"""Every resource kind schemasync manages, declared once (see kinds/base.py).

`KINDS` is in dependency order: an owner or a referenced kind comes before the kinds that
point at it. Read the modules like the API's own tables: what exists, which attributes each
object has, and which of them can change in place (Mut.UPDATE), only by a replace
(Mut.REPLACE), or by a conversion of the stored values (Mut.CONVERT).
"""

from __future__ import annotations

from schemasync.kinds.base import Attr, Kind, Mut
from schemasync.kinds.custom_objects import CUSTOM_FIELD, CUSTOM_OBJECT_TYPE

KINDS: tuple[Kind, ...] = (CUSTOM_OBJECT_TYPE, CUSTOM_FIELD)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
ROLES_PATH = "/role/"

__all__ = [
    "noun_of",
    "order_noun_of",
    "BY_NAME",
    "CHILDREN",
    "KINDS",
    "ROLES_PATH",
    "TOP_KINDS",
    "Attr",
    "Kind",
    "Mut",
]

# Each kind's child kinds (the lists its manifest objects hold), in KINDS order.
CHILDREN: dict[str, tuple[Kind, ...]] = {
    k.name: tuple(c for c in KINDS if c.parent == k.name) for k in KINDS
}
TOP_KINDS: tuple[Kind, ...] = tuple(k for k in KINDS if k.parent is None)


def noun_of(kind_name: str) -> str:
    """What an object of this plan kind is called ("type", "field"); a kind this version
    does not know (a newer plan file) is called by its name."""
    kind = BY_NAME.get(kind_name)
    return kind.noun if kind is not None else kind_name


def order_noun_of(kind_name: str) -> str:
    """What a reorder of an owner of this kind sets ("field order")."""
    kind = BY_NAME.get(kind_name)
    return kind.order_noun if kind is not None else "order"
