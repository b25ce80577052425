"""Shared custom fields and their associations with objects.

A shared field is defined once (``/custom_field/shared/``; no top-level ``required`` or
``editable_with_roles``, which belong to each association) and placed on objects by
associations: ``POST /custom_field/shared/{id}/association/`` with ``object_type`` lead,
contact, opportunity, ``custom_object_type`` (+ ``custom_object_type_id``) or
``custom_activity_type`` (+ ``custom_activity_type_id``). An association has no id; it is
addressed as ``…/association/{lead|contact|opportunity|custom_object_type/<cotype_id>|
custom_activity_type/<actitype_id>}/`` (note ``custom_object_type/`` here, ``custom_object/``
in the schema paths). A new association appends the field to that object's field order; a
DELETE takes it out. ``required: true`` is accepted on custom object and activity
associations only (400 elsewhere: the docs say it is only relevant there); a second
association with the same object is a 400 (unknown in the API). ``type`` and
``referenced_custom_type_id`` never change; ``custom_object`` shared fields are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import checks as c
from .checks import MISSING, Checker
from .fields import REFERENCE_KEYS, field_values
from .integrity import ASSOCIATION_OWNERS, association_key
from .store import STANDARD_OBJECTS, Store

if TYPE_CHECKING:
    from .collections import Collection

OBJECT_TYPES = (*STANDARD_OBJECTS, *ASSOCIATION_OWNERS)
_NOUNS = {
    "custom_object_type": "Custom object type",
    "custom_activity_type": "Custom activity type",
}


@dataclass(frozen=True)
class SharedOps:
    """The collection ``/custom_field/shared/``."""

    def create(self, store: Store, coll: Collection, body: dict[str, Any]) -> dict[str, Any]:
        check = Checker(store, body)
        values = field_values(check, c.FIELD_TYPES, roles=False)
        check.done()
        stamp = c.field_timestamp(store.now())
        field: dict[str, Any] = {"id": store.new_id(coll.prefix)}
        for key in ("name", "description", "type", "accepts_multiple_values", "choices"):
            field[key] = values[key]
        for key in REFERENCE_KEYS:
            field[key] = values[key]
        field.update(associations=[], created_by=store.user_id, updated_by=store.user_id)
        field.update(date_created=stamp, date_updated=stamp)
        store.put(coll.name, field)
        return field

    def update(
        self, store: Store, coll: Collection, field: dict[str, Any], body: dict[str, Any]
    ) -> None:
        check = Checker(store, body)
        ftype = field["type"]
        check.unchanged(field, ("type", "referenced_custom_type_id"))
        values: dict[str, Any] = {
            "name": check.name("name", required=False),
            "description": check.text_or_null("description", c.DESCRIPTION_MAX),
            "accepts_multiple_values": check.boolean("accepts_multiple_values"),
            "choices": check.choices(),
            "back_reference_is_visible": MISSING,
        }
        check.multi_value(ftype, values["accepts_multiple_values"])
        if ftype == "choices":
            if "choices" in body and body["choices"] is None:
                check.errors["choices"] = c.REQUIRED
        elif values["choices"] not in (MISSING, None):
            check.errors["choices"] = c.CHOICES_ONLY
        else:
            values["choices"] = MISSING
        if ftype == "custom_object":
            values["back_reference_is_visible"] = check.boolean("back_reference_is_visible")
        check.done()
        c.apply(field, values)
        field["updated_by"] = store.user_id
        field["date_updated"] = c.field_timestamp(store.now())
        store.touch(coll.name, field["id"])

    def delete(self, store: Store, coll: Collection, field: dict[str, Any]) -> None:
        """The field and every association (its values on every object)."""
        for association in list(field["associations"]):
            _detach(store, field, association)
        store.remove(coll.name, field["id"])

    def render(self, store: Store, coll: Collection, field: dict[str, Any]) -> dict[str, Any]:
        return render_shared(store, field)


def render_shared(store: Store, field: dict[str, Any]) -> dict[str, Any]:
    return {**field, "organization_id": store.organization_id, "is_shared": True}


def association_for(field: dict[str, Any], key: str) -> dict[str, Any]:
    """The association of a shared field with the object whose order key is ``key``."""
    for association in field["associations"]:
        if association_key(association) == key:
            return association
    raise c.not_found()


def path_key(object_type: str, type_id: str | None) -> str:
    """The order key for an association path: ``lead`` or ``custom_object_type/<id>``…"""
    if type_id is None:
        return object_type
    return ASSOCIATION_OWNERS[object_type][2] + type_id


def shared_field(store: Store, field_id: str) -> dict[str, Any]:
    field = store.records["shared_fields"].get(field_id)
    if field is None:
        raise c.not_found()
    return field


def associate(store: Store, field_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST an association; returns it."""
    field = shared_field(store, field_id)
    check = Checker(store, body)
    otype = check.choice("object_type", OBJECT_TYPES, required=True, null=False)
    for kind, (collection, id_key, _) in ASSOCIATION_OWNERS.items():
        if otype == kind:
            check.reference(id_key, collection, _NOUNS[kind])
        elif body.get(id_key) is not None:
            check.errors[id_key] = f"Only allowed when object_type is '{kind}'."
    required = _required(check, otype)
    roles = check.roles()
    check.done()
    association: dict[str, Any] = {"object_type": otype}
    if otype in ASSOCIATION_OWNERS:
        id_key = ASSOCIATION_OWNERS[otype][1]
        association[id_key] = body[id_key]
    association["required"] = required is True
    association["editable_with_roles"] = [] if roles is MISSING else roles
    key = association_key(association)
    assert key is not None
    if any(association_key(a) == key for a in field["associations"]):
        raise c.refused(
            f"Shared custom field '{field['name']}' ({field['id']}) is already associated "
            f"with {key}. Update that association instead."
        )
    field["associations"].append(association)
    order = store.order(key)
    assert order is not None
    order.append(field["id"])
    store.touch_order(key)
    store.touch("shared_fields", field["id"])
    return association


def _required(check: Checker, otype: Any) -> Any:
    required = check.boolean("required")
    if required is True and otype not in ASSOCIATION_OWNERS:
        check.errors["required"] = (
            "Only custom_object_type and custom_activity_type associations can be required."
        )
    return required


def update_association(
    store: Store, field: dict[str, Any], association: dict[str, Any], body: dict[str, Any]
) -> None:
    """PUT: only ``required`` and ``editable_with_roles`` change."""
    check = Checker(store, body)
    check.unchanged(
        association, ("object_type", "custom_object_type_id", "custom_activity_type_id")
    )
    values = {
        "required": _required(check, association["object_type"]),
        "editable_with_roles": check.roles(),
    }
    check.done()
    c.apply(association, values)
    store.touch("shared_fields", field["id"])


def disassociate(store: Store, field: dict[str, Any], association: dict[str, Any]) -> None:
    _detach(store, field, association)
    store.touch("shared_fields", field["id"])


def _detach(store: Store, field: dict[str, Any], association: dict[str, Any]) -> None:
    field["associations"].remove(association)
    key = association_key(association)
    order = store.order(key) if key else None
    if order is not None and field["id"] in order:
        order.remove(field["id"])
        assert key is not None
        store.touch_order(key)


def detach_all(store: Store, key: str) -> None:
    """Remove every association with the object ``key`` (which is being deleted)."""
    for field in store.records["shared_fields"].values():
        for association in list(field["associations"]):
            if association_key(association) == key:
                disassociate(store, field, association)
