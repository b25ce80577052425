"""Field order: ``/custom_field_schema/{lead|contact|opportunity|activity/<actitype_id>|
custom_object/<cotype_id>}/``, and the id-list reorders that other resources share.

GET answers ``{"fields": [...], "name", "object_type", "organization_id"}`` (not paginated):
every field on the object in display order, regular fields as their own list renders them
and shared fields as the full shared object with all its associations. ``name`` is "Lead",
"Contact", "Opportunity" or the type's name; ``object_type`` is the path's object (both
unknown in the API for activity and custom object schemas). PUT ``{"fields": [{"id"}, ...]}``
puts those first, in that order, and appends the omitted ones in their current order; an id
that is not on the object is a 400. Reads count down conversions like any read.
"""

from __future__ import annotations

from typing import Any

from . import checks as c
from .checks import MISSING
from .store import STANDARD_OBJECTS, Store

_OBJECT_NAMES = {"lead": "Lead", "contact": "Contact", "opportunity": "Opportunity"}
_OWNERS = {"custom_object": "custom_object_types", "activity": "custom_activity_types"}
_REGULAR = {"custom_object": "custom_fields", "activity": "activity_fields"}


def regular_collection(key: str) -> str:
    """The collection of an object's regular fields, from its order key."""
    if key in STANDARD_OBJECTS:
        return f"{key}_fields"
    return _REGULAR[key.partition("/")[0]]


def schema_name(store: Store, key: str) -> str:
    """The object's display name; 404 if the object does not exist."""
    if key in _OBJECT_NAMES:
        return _OBJECT_NAMES[key]
    kind, _, ident = key.partition("/")
    record = store.records[_OWNERS[kind]].get(ident)
    if record is None:
        raise c.not_found()
    return str(record["name"])


def render_schema(store: Store, key: str) -> dict[str, Any]:
    from .collections import BY_NAME
    from .shared import render_shared

    name = schema_name(store, key)
    coll = BY_NAME[regular_collection(key)]
    regular = store.records[coll.name]
    shared = store.records["shared_fields"]
    fields = []
    for fid in store.order(key) or ():
        field = regular.get(fid)
        if field is not None:
            fields.append(coll.ops.render(store, coll, field))
        else:
            fields.append(render_shared(store, shared[fid]))
    return {
        "fields": fields,
        "name": name,
        "object_type": key,
        "organization_id": store.organization_id,
    }


def put_schema(store: Store, key: str, body: dict[str, Any]) -> dict[str, Any]:
    schema_name(store, key)
    errors: dict[str, str] = {}
    order = reorder(store, key, body.get("fields", MISSING), errors)
    if order is None:
        raise c.invalid(errors)
    store.set_order(key, order)
    return render_schema(store, key)


def item_ids(items: Any, key: str, errors: dict[str, str], example: str) -> list[str] | None:
    """The ids of ``[{"id": ...}, ...]``; None (and an error under ``key``) if malformed."""
    if items is MISSING or items is None:
        errors[key] = c.REQUIRED
        return None
    if not isinstance(items, list):
        errors[key] = c.NOT_LIST
        return None
    ids = []
    for item in items:
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str):
            errors[key] = f'Each item must be an object like {{"id": "{example}..."}}.'
            return None
        ids.append(ident)
    return ids


def reorder(store: Store, key: str, items: Any, errors: dict[str, str]) -> list[str] | None:
    """The object's new field order for a ``fields`` list (omitted ids appended); None and an
    error under "fields" if the list is malformed or names a field not on the object."""
    current = store.order(key)
    assert current is not None
    ids = item_ids(items, "fields", errors, "cf_")
    if ids is None:
        return None
    on_object = set(current)
    for fid in ids:
        if fid not in on_object:
            errors["fields"] = f"Custom field {fid!r} is not a field of {key}."
            return None
    wanted = list(dict.fromkeys(ids))
    chosen = set(wanted)
    return wanted + [f for f in current if f not in chosen]


def complete_order(
    store: Store, current: list[str], ids: list[str], key: str, errors: dict[str, str]
) -> list[str] | None:
    """A pipeline's or the organization's new status order from a list that should be
    complete: duplicates are a 400; omitted ids are a 400 unless
    ``Behaviour.incomplete_reorder == "append"`` (then appended in their current order)."""
    if len(set(ids)) != len(ids):
        errors[key] = "Each status may be listed once."
        return None
    listed = set(ids)
    missing = [i for i in current if i not in listed]
    if missing and store.behaviour.incomplete_reorder == "refuse":
        errors[key] = (
            f"Send the complete list of statuses in the new order; missing: {', '.join(missing)}."
        )
        return None
    return ids + missing
