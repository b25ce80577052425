"""Checks that a loaded state is whole: every id it names exists, and every order is exact."""

from __future__ import annotations

from typing import Any

from .store import STANDARD_OBJECTS, Store

# Association object_type -> (owner collection, owner id key, order key prefix).
ASSOCIATION_OWNERS = {
    "custom_object_type": ("custom_object_types", "custom_object_type_id", "custom_object/"),
    "custom_activity_type": ("custom_activity_types", "custom_activity_type_id", "activity/"),
}
_FIELD_COLLECTIONS = (
    "custom_fields",
    "activity_fields",
    "lead_fields",
    "contact_fields",
    "opportunity_fields",
    "shared_fields",
)


def association_key(association: dict[str, Any]) -> str | None:
    """The order key of the object an association places its field on (None if malformed)."""
    kind = association.get("object_type")
    if kind in STANDARD_OBJECTS:
        return str(kind)
    owner = ASSOCIATION_OWNERS.get(kind) if isinstance(kind, str) else None
    if owner is None:
        return None
    ident = association.get(owner[1])
    return f"{owner[2]}{ident}" if isinstance(ident, str) else None


def _check_order(order: Any, what: str) -> list[str]:
    if (
        not isinstance(order, list)
        or not all(isinstance(i, str) for i in order)
        or len(set(order)) != len(order)
    ):
        raise ValueError(f"{what}: bad field_order")
    return order


def check_integrity(store: Store) -> None:
    """ValueError naming the first inconsistency of ``store``'s records."""
    recs = store.records
    # Every order first (a list of distinct string ids): the checks below index them.
    orders: dict[str, list[str]] = {}
    for name in STANDARD_OBJECTS:
        orders[name] = _check_order(store.field_orders[name], f"the {name} field order")
    for cotype in recs["custom_object_types"].values():
        what = f"custom object type {cotype['id']}"
        orders[f"custom_object/{cotype['id']}"] = _check_order(cotype["field_order"], what)
    for acttype in recs["custom_activity_types"].values():
        what = f"custom activity type {acttype['id']}"
        orders[f"activity/{acttype['id']}"] = _check_order(acttype["field_order"], what)
    listed = {(key, fid) for key, order in orders.items() for fid in order}
    placed: set[tuple[str, str]] = set()  # (order key, field id) of every field on an object
    for field in recs["custom_fields"].values():
        _owned(field, "custom_object_type_id", "custom_object/", listed, placed, "its type")
    for field in recs["activity_fields"].values():
        what = "its activity type"
        _owned(field, "custom_activity_type_id", "activity/", listed, placed, what)
    for name in STANDARD_OBJECTS:
        for field in recs[f"{name}_fields"].values():
            _owned(field, None, name, listed, placed, f"the {name} field order")
    for field in recs["shared_fields"].values():
        _associations(field, orders, listed, placed)
    for name in _FIELD_COLLECTIONS:
        for field in recs[name].values():
            ref = field["referenced_custom_type_id"]
            if ref is not None and (not isinstance(ref, str) or ref not in store.types):
                raise ValueError(f"custom field {field['id']} references unknown type {ref}")
    for key, order in orders.items():
        for fid in order:
            if (key, fid) not in placed:
                owner = _describe(key)
                raise ValueError(f"{owner} lists unknown field {fid}")
    _check_statuses(store)


def _describe(key: str) -> str:
    if key in STANDARD_OBJECTS:
        return f"the {key} field order"
    kind, _, ident = key.partition("/")
    return f"custom object type {ident}" if kind == "custom_object" else f"activity type {ident}"


def _owned(
    field: dict[str, Any],
    owner_key: str | None,
    prefix: str,
    listed: set[tuple[str, str]],
    placed: set[tuple[str, str]],
    where: str,
) -> None:
    owner = field[owner_key] if owner_key else ""
    key = prefix + owner if isinstance(owner, str) else None
    if key is None or (key, field["id"]) not in listed:
        raise ValueError(f"custom field {field['id']} is not listed on {where}")
    placed.add((key, field["id"]))


def _associations(
    field: dict[str, Any],
    orders: dict[str, list[str]],
    listed: set[tuple[str, str]],
    placed: set[tuple[str, str]],
) -> None:
    associations = field["associations"]
    what = f"shared field {field['id']}"
    if not isinstance(associations, list):
        raise ValueError(f"{what}: associations must be a list")
    for association in associations:
        key = association_key(association) if isinstance(association, dict) else None
        if key is None or key not in orders:
            raise ValueError(f"{what} has an association with an unknown object")
        if (key, field["id"]) in placed or (key, field["id"]) not in listed:
            raise ValueError(f"{what} is associated twice with, or not listed on, {key}")
        if not isinstance(association.get("required"), bool) or not isinstance(
            association.get("editable_with_roles"), list
        ):
            raise ValueError(f"{what}: an association lacks required or editable_with_roles")
        placed.add((key, field["id"]))


def _check_statuses(store: Store) -> None:
    recs = store.records
    lead_order = store.organization["lead_status_order"]
    if not isinstance(lead_order, list) or sorted(map(str, lead_order)) != sorted(
        recs["lead_statuses"]
    ):
        raise ValueError("organization.lead_status_order must list every lead status once")
    listed: dict[str, str] = {}
    for pipeline in recs["pipelines"].values():
        order = pipeline["status_order"]
        if not isinstance(order, list) or not all(isinstance(s, str) for s in order):
            raise ValueError(f"pipeline {pipeline['id']}: bad status_order")
        for sid in order:
            status = recs["opportunity_statuses"].get(sid)
            if status is None or status["pipeline_id"] != pipeline["id"] or sid in listed:
                raise ValueError(f"pipeline {pipeline['id']} lists unknown status {sid}")
            listed[sid] = pipeline["id"]
    for status in recs["opportunity_statuses"].values():
        if status["id"] not in listed:
            raise ValueError(f"opportunity status {status['id']} is not listed on its pipeline")
    statuses = recs["lead_statuses"].keys() | recs["opportunity_statuses"].keys()
    unknown = sorted(store.in_use - statuses)
    if unknown:
        raise ValueError(f"in_use names unknown statuses {', '.join(unknown)}")
