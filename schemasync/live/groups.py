"""Which lists make up each part of an org, and how each list is parsed into live objects.

A *group* is one part of the org a manifest section needs; `SOURCES` says which requests it
costs. Lists are named like the keys of the raw dict `parse_live` takes:

    types, fields, roles     custom object types, their fields, the org's roles (3 requests)
    activity_types,          custom activity types, their fields (the field list pages)
    activity_fields
    shared_fields            shared fields with their placements (pages)
    lead, contact,           the field schema of each object: every field, regular and
    opportunity              shared, in display order (one GET each, not a list)
    lead_statuses,           lead statuses, and their order from the organization
    organization
    pipelines                pipelines with their statuses in order
"""

from __future__ import annotations

from typing import Any

from schemasync.kinds import ROLES_PATH, Kind
from schemasync.kinds.activities import ACTIVITY_FIELD, CUSTOM_ACTIVITY_TYPE
from schemasync.kinds.custom_objects import CUSTOM_FIELD, CUSTOM_OBJECT_TYPE
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.kinds.standard import (
    CONTACT_FIELD,
    LEAD_FIELD,
    OPPORTUNITY_FIELD,
)
from schemasync.kinds.statuses import LEAD_STATUS, OPPORTUNITY_STATUS, PIPELINE
from schemasync.live.parse import Reader, display_order, read_values
from schemasync.live.slim import Slim
from schemasync.live.state import LiveRole, LiveState
from schemasync.model import Obj

TYPES_PATH = CUSTOM_OBJECT_TYPE.list_path
FIELDS_PATH = CUSTOM_FIELD.list_path
STANDARD_FIELDS = {"lead": LEAD_FIELD, "contact": CONTACT_FIELD, "opportunity": OPPORTUNITY_FIELD}


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


# What of a type's embedded field summaries a plan reads: the display order (ids), and of
# shared fields' entries their placement there (name and the placement's own attributes).
_EMBEDDED = frozenset({"id"})
_EMBEDDED_SHARED = frozenset({"is_shared", "name", "required", "editable_with_roles"})
_FIELD_LIST_EXTRA = ("is_shared", "converting_to_type")
_SHARED_IDS = frozenset({"custom_object_type_id", "referenced_custom_type_id", "type"})

# The keys each list's objects are decoded with (`client.list_all(slim=...)`): what parsing
# reads, nothing else. Named like the raw lists `parse_live` takes.
SLIM: dict[str, Slim] = {
    "types": Slim(
        keys=_keys(CUSTOM_OBJECT_TYPE, "fields", "back_reference_fields"),
        nested={"fields": _EMBEDDED, "back_reference_fields": frozenset({"id", "name"})},
        nested_shared=_EMBEDDED_SHARED,
    ),
    "fields": Slim(keys=_keys(CUSTOM_FIELD, *_FIELD_LIST_EXTRA), shared=_SHARED_IDS),
    "roles": Slim(keys=frozenset({"id", "name"})),
    "activity_types": Slim(
        keys=_keys(CUSTOM_ACTIVITY_TYPE, "fields"),
        nested={"fields": _EMBEDDED},
        nested_shared=_EMBEDDED_SHARED,
    ),
    "activity_fields": Slim(
        keys=_keys(ACTIVITY_FIELD, *_FIELD_LIST_EXTRA),
        shared=frozenset({"custom_activity_type_id", "referenced_custom_type_id", "type"}),
    ),
    "shared_fields": Slim(
        keys=_keys(SHARED_FIELD, "associations"),
        nested={
            "associations": frozenset(
                {"object_type", "custom_object_type_id", "custom_activity_type_id"}
            )
        },
    ),
    "lead_statuses": Slim(keys=_keys(LEAD_STATUS)),
    "pipelines": Slim(
        keys=_keys(PIPELINE, "statuses"), nested={"statuses": _keys(OPPORTUNITY_STATUS)}
    ),
}

# The requests each group costs: raw list name -> path; `None` paths need the org id.
SOURCES: dict[str, str] = {
    "fields": FIELDS_PATH,
    "types": TYPES_PATH,
    "roles": ROLES_PATH,
    "activity_fields": ACTIVITY_FIELD.list_path,
    "activity_types": CUSTOM_ACTIVITY_TYPE.list_path,
    "shared_fields": SHARED_FIELD.list_path,
    "lead": LEAD_FIELD.list_path,
    "contact": CONTACT_FIELD.list_path,
    "opportunity": OPPORTUNITY_FIELD.list_path,
    "lead_statuses": LEAD_STATUS.list_path,
    "organization": "/organization/{org_id}/",
    "pipelines": PIPELINE.list_path,
}
# Raw lists that are one object, not a `{"data": [...]}` list.
SINGLE = frozenset({"lead", "contact", "opportunity", "organization"})


def _field_list(
    kind: Kind, raw: Any, path: str, seen: set[str], state: LiveState
) -> dict[str, list[Obj]]:
    """A list of regular fields, grouped by the id of their owner (shared entries skipped)."""
    reader = Reader(path)
    parent_key = kind.parent_key or ""
    by_owner: dict[str, list[Obj]] = {}
    for i, item in enumerate(reader.items(raw)):
        if item.get("is_shared") is True:
            continue
        values = read_values(kind, reader, item, i)
        f = Obj(kind, values, id=reader.string(item, "id", i))
        owner_id = reader.string(item, parent_key, i)
        _claim(reader, seen, f.id or "", i)
        _converting(reader, item, i, f, state)
        by_owner.setdefault(owner_id, []).append(f)
    return by_owner


def _claim(reader: Reader, seen: set[str], object_id: str, i: int) -> None:
    if object_id in seen:  # one object listed twice: the list cannot be trusted
        raise reader.fail(f"item {i} repeats the id {object_id!r}")
    seen.add(object_id)


def _converting(reader: Reader, item: dict[str, Any], i: int, obj: Obj, state: LiveState) -> None:
    """Close shows `converting_to_type` while a field's values are being converted."""
    target = reader.opt_string(item, "converting_to_type", i)
    if target:
        state.converting[obj.id or ""] = target


def _placement(reader: Reader, entry: dict[str, Any], i: int) -> Obj:
    """A shared field shown on a custom object or activity type: its placement there."""
    values = {
        "shared": reader.string(entry, "name", i),
        "required": reader.flag(entry, "required", i),
        "editable_with_roles": reader.strings(entry, "editable_with_roles", i) or (),
    }
    return Obj(PLACEMENT, values, id=reader.string(entry, "id", i))


def _owners(
    kind: Kind,
    field_kind: Kind,
    raw: Any,
    path: str,
    fields: dict[str, list[Obj]],
    seen: set[str],
) -> list[Obj]:
    """Types (custom object or activity) with their own fields and placements in display
    order, as the type's embedded `fields` list shows them."""
    reader = Reader(path)
    owners = []
    for i, item in enumerate(reader.items(raw)):
        owner_id = reader.string(item, "id", i)
        _claim(reader, seen, owner_id, i)
        embedded = item.get("fields")
        if embedded is None:
            embedded = []
        elif not isinstance(embedded, list):
            raise reader.fail(f"item {i}: 'fields' should be a list")
        owner = Obj(kind, read_values(kind, reader, item, i), id=owner_id)
        entries = [e for e in embedded if isinstance(e, dict)]
        display_ids = [e.get("id") for e in entries]
        own, others = display_order(fields.get(owner_id, []), display_ids)
        placements = [_placement(reader, e, i) for e in entries if e.get("is_shared") is True]
        shared_ids = {p.id for p in placements}
        owner.others = tuple(o for o in others if o not in shared_ids)
        owner.order = tuple(x for x in display_ids if isinstance(x, str))
        _adopt(owner, field_kind, own)
        _adopt(owner, PLACEMENT, placements)
        owners.append(owner)
    return owners


def _adopt(owner: Obj, kind: Kind, kids: list[Obj]) -> None:
    for kid in kids:
        kid.parent = owner
    owner.children[kind.name] = kids


def parse_custom_objects(raw: dict[str, Any], state: LiveState, seen: set[str]) -> None:
    """Custom object types with their fields and placements, in display order. Read only to
    resolve references (another section is managed, not this one), the types come without
    their field list: their own fields are then unknown, and nothing plans them."""
    listed = raw["fields"] if "fields" in raw else []
    fields = _field_list(CUSTOM_FIELD, listed, FIELDS_PATH, seen, state)
    types = _owners(CUSTOM_OBJECT_TYPE, CUSTOM_FIELD, raw.get("types"), TYPES_PATH, fields, seen)
    for item, t in zip(raw.get("types") or [], types, strict=False):
        refs = item.get("back_reference_fields") if isinstance(item, dict) else None
        if isinstance(refs, list):
            state.back_references[t.id or ""] = tuple(
                (str(r.get("id")), str(r.get("name"))) for r in refs if isinstance(r, dict)
            )
    state.objects[CUSTOM_OBJECT_TYPE.name] = types


def parse_activities(raw: dict[str, Any], state: LiveState, seen: set[str]) -> None:
    path = ACTIVITY_FIELD.list_path
    fields = _field_list(ACTIVITY_FIELD, raw.get("activity_fields"), path, seen, state)
    state.objects[CUSTOM_ACTIVITY_TYPE.name] = _owners(
        CUSTOM_ACTIVITY_TYPE,
        ACTIVITY_FIELD,
        raw.get("activity_types"),
        CUSTOM_ACTIVITY_TYPE.list_path,
        fields,
        seen,
    )


def parse_shared(raw: dict[str, Any], state: LiveState, seen: set[str]) -> None:
    reader = Reader(SHARED_FIELD.list_path)
    shared = []
    for i, item in enumerate(reader.items(raw.get("shared_fields"))):
        obj = Obj(SHARED_FIELD, read_values(SHARED_FIELD, reader, item, i))
        obj.id = reader.string(item, "id", i)
        _claim(reader, seen, obj.id, i)
        places = item.get("associations") or []
        if not isinstance(places, list):
            raise reader.fail(f"item {i}: 'associations' should be a list")
        state.placed_on[obj.id] = tuple(_where(reader, p, i) for p in places)
        shared.append(obj)
    state.objects[SHARED_FIELD.name] = shared


def _where(reader: Reader, association: Any, i: int) -> str:
    """Where a shared field is placed: lead, contact, opportunity, or a type's id."""
    if not isinstance(association, dict):
        raise reader.fail(f"item {i}: an association should be an object")
    object_type = reader.string(association, "object_type", i)
    for key in ("custom_object_type_id", "custom_activity_type_id"):
        if association.get(key):
            return reader.string(association, key, i)
    return object_type


def parse_standard(raw: dict[str, Any], state: LiveState, seen: set[str]) -> None:
    """Leads, contacts, opportunities: each object's schema, fields in display order."""
    for name, kind in STANDARD_FIELDS.items():
        if name not in raw:
            continue
        schema = raw[name]
        reader = Reader(kind.list_path)
        if not isinstance(schema, dict):
            raise reader.fail(f"expected an object, got {type(schema).__name__}")
        owner = state.singleton(name)
        own, placements, order = [], [], []
        for i, item in enumerate(reader.items(schema.get("fields"))):
            object_id = reader.string(item, "id", i)
            order.append(object_id)
            if item.get("is_shared") is True:
                placements.append(_standard_placement(reader, item, i, name))
                continue
            f = Obj(kind, read_values(kind, reader, item, i), id=object_id)
            _claim(reader, seen, object_id, i)
            _converting(reader, item, i, f, state)
            own.append(f)
        owner.order = tuple(order)
        _adopt(owner, kind, own)
        _adopt(owner, PLACEMENT, placements)


def _standard_placement(reader: Reader, item: dict[str, Any], i: int, name: str) -> Obj:
    """A shared field in an object's schema: the full shared field, with every association;
    this object's is the one whose object_type is the object's name."""
    places = item.get("associations") or []
    mine = next((a for a in places if isinstance(a, dict) and a.get("object_type") == name), {})
    values = {
        "shared": reader.string(item, "name", i),
        "required": False,  # Close has no `required` on lead/contact/opportunity placements
        "editable_with_roles": reader.strings(mine, "editable_with_roles", i) or (),
    }
    return Obj(PLACEMENT, values, id=reader.string(item, "id", i))


def parse_lead_statuses(raw: dict[str, Any], state: LiveState, seen: set[str]) -> None:
    """Lead statuses in the organization's order (the first is the default of new leads)."""
    reader = Reader(LEAD_STATUS.list_path)
    statuses = []
    for i, item in enumerate(reader.items(raw.get("lead_statuses"))):
        obj = Obj(LEAD_STATUS, read_values(LEAD_STATUS, reader, item, i))
        obj.id = reader.string(item, "id", i)
        _claim(reader, seen, obj.id, i)
        statuses.append(obj)
    org = raw.get("organization")
    org_reader = Reader("/organization/{id}/")
    if not isinstance(org, dict):
        raise org_reader.fail(f"expected an object, got {type(org).__name__}")
    state.org_id = org_reader.string(org, "id", 0)
    listed = org_reader.items(org.get("lead_statuses") or [])
    order = [org_reader.string(entry, "id", i) for i, entry in enumerate(listed)]
    ordered, _ = display_order(statuses, order)
    owner = state.singleton("lead")
    _adopt(owner, LEAD_STATUS, ordered)


def parse_pipelines(raw: dict[str, Any], state: LiveState, seen: set[str]) -> None:
    """Pipelines, each with its opportunity statuses in order."""
    reader = Reader(PIPELINE.list_path)
    pipelines = []
    for i, item in enumerate(reader.items(raw.get("pipelines"))):
        pipe = Obj(PIPELINE, read_values(PIPELINE, reader, item, i))
        pipe.id = reader.string(item, "id", i)
        _claim(reader, seen, pipe.id, i)
        statuses = []
        for j, entry in enumerate(reader.items(item.get("statuses") or [])):
            status = Obj(OPPORTUNITY_STATUS, read_values(OPPORTUNITY_STATUS, reader, entry, j))
            status.id = reader.string(entry, "id", j)
            _claim(reader, seen, status.id, j)
            statuses.append(status)
        pipe.order = tuple(s.id or "" for s in statuses)
        _adopt(pipe, OPPORTUNITY_STATUS, statuses)
        pipelines.append(pipe)
    _adopt(state.singleton("opportunity"), PIPELINE, pipelines)


def parse_roles(raw: dict[str, Any], state: LiveState) -> None:
    rr = Reader(ROLES_PATH)
    state.roles = tuple(
        LiveRole(id=rr.string(item, "id", i), name=rr.string(item, "name", i))
        for i, item in enumerate(rr.items(raw.get("roles")))
    )
