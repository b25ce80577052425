"""Which lists make up each part of an org, and how each list is parsed into live objects."""

from __future__ import annotations

from typing import Any

from schemasync.kinds import ROLES_PATH
from schemasync.kinds.custom_objects import CUSTOM_FIELD, CUSTOM_OBJECT_TYPE
from schemasync.live.parse import Reader, display_order, read_values
from schemasync.live.slim import Slim
from schemasync.live.state import LiveRole, LiveState
from schemasync.model import Obj

TYPES_PATH = CUSTOM_OBJECT_TYPE.list_path
FIELDS_PATH = CUSTOM_FIELD.list_path


def _keys(*kinds_and_extra: Any) -> frozenset[str]:
    keys: set[str] = {"id"}
    for item in kinds_and_extra:
        if isinstance(item, str):
            keys.add(item)
        else:
            keys.update(a.api_key for a in item.attrs)
            if item.parent_key:
                keys.add(item.parent_key)
    return frozenset(keys)


# The keys each list's objects are decoded with (`client.list_all(slim=...)`): what parsing
# reads, nothing else. Named like the raw lists `parse_live` takes.
SLIM: dict[str, Slim] = {
    "types": Slim(
        keys=_keys(CUSTOM_OBJECT_TYPE, "fields"),
        nested={"fields": frozenset({"id"})},  # the display order is all a plan needs of them
    ),
    "fields": Slim(
        keys=_keys(CUSTOM_FIELD, "is_shared"),
        shared=frozenset({"custom_object_type_id", "referenced_custom_type_id", "type"}),
    ),
    "roles": Slim(keys=frozenset({"id", "name"})),
}

# Raw list name -> API path, in the order they are requested (the biggest list first, while
# the least else is held: peak memory).
SOURCES: dict[str, str] = {"fields": FIELDS_PATH, "types": TYPES_PATH, "roles": ROLES_PATH}


def parse_custom_objects(raw: dict[str, Any], state: LiveState, seen: set[str]) -> None:
    """Custom object types with their own fields in display order (other entries apart)."""
    fr = Reader(FIELDS_PATH)
    parent_key = CUSTOM_FIELD.parent_key or ""
    by_type: dict[str, list[Obj]] = {}
    for i, item in enumerate(fr.items(raw.get("fields"))):
        if item.get("is_shared") is True:
            continue
        values = read_values(CUSTOM_FIELD, fr, item, i)
        f = Obj(CUSTOM_FIELD, values, id=fr.string(item, "id", i))
        type_id = fr.string(item, parent_key, i)
        if f.id in seen:  # one object listed twice: the list cannot be trusted
            raise fr.fail(f"item {i} repeats the id {f.id!r}")
        seen.add(f.id or "")
        by_type.setdefault(type_id, []).append(f)

    tr = Reader(TYPES_PATH)
    types = []
    for i, item in enumerate(tr.items(raw.get("types"))):
        type_id = tr.string(item, "id", i)
        if type_id in seen:
            raise tr.fail(f"item {i} repeats the id {type_id!r}")
        seen.add(type_id)
        embedded = item.get("fields")
        if embedded is None:
            embedded = []
        elif not isinstance(embedded, list):
            raise tr.fail(f"item {i}: 'fields' should be a list")
        t = Obj(CUSTOM_OBJECT_TYPE, read_values(CUSTOM_OBJECT_TYPE, tr, item, i), id=type_id)
        display_ids = [e.get("id") for e in embedded if isinstance(e, dict)]
        fields, t.others = display_order(by_type.get(type_id, []), display_ids)
        for f in fields:
            f.parent = t
        t.children[CUSTOM_FIELD.name] = fields
        types.append(t)
    state.objects[CUSTOM_OBJECT_TYPE.name] = types


def parse_roles(raw: dict[str, Any], state: LiveState) -> None:
    rr = Reader(ROLES_PATH)
    state.roles = tuple(
        LiveRole(id=rr.string(item, "id", i), name=rr.string(item, "name", i))
        for i, item in enumerate(rr.items(raw.get("roles")))
    )
