"""Regular custom fields of every object: custom object, activity, lead, contact, opportunity.

One FieldOps per collection says what differs: the allowed types (``textarea`` on activity
fields only), whether the field has ``required`` (not on lead, contact and opportunity
fields: a ``required`` sent there is ignored), its owner (a type, or none), and whether
``type`` changes in place. Custom object and activity fields cannot change ``type``; lead,
contact and opportunity fields can: the field keeps its id and shows ``converting_to_type``
(the new type) in the PUT response and in the next ``Behaviour.conversion_reads`` GETs that
render it, and until then every write to it answers 400. Which conversions Close runs
asynchronously is unknown, so every type change converts; a change to or from
``custom_object`` is refused (unknown in the API; it would have to drop or invent the
reference). ``referenced_custom_type_id`` never changes (a reference is replaced, not edited).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import checks as c
from .checks import MISSING, Checker
from .store import Store

if TYPE_CHECKING:
    from .collections import Collection

SUMMARY_KEYS = (
    "id",
    "name",
    "description",
    "type",
    "required",
    "accepts_multiple_values",
    "editable_with_roles",
)
REFERENCE_KEYS = ("referenced_custom_type_id", "back_reference_is_visible")


@dataclass(frozen=True)
class FieldOps:
    """The behaviour of one collection of regular custom fields."""

    types: tuple[str, ...] = c.FIELD_TYPES
    has_required: bool = True
    type_in_place: bool = False
    owner: str | None = None  # owner collection, e.g. "custom_object_types"
    owner_noun: str = ""  # "Custom object type"

    # -- create ------------------------------------------------------------------------

    def create(self, store: Store, coll: Collection, body: dict[str, Any]) -> dict[str, Any]:
        check = Checker(store, body)
        owner_id = MISSING
        if self.owner is not None:
            assert coll.owner_key is not None
            owner_id = check.reference(coll.owner_key, self.owner, self.owner_noun)
        values = field_values(check, self.types)
        required = check.boolean("required") if self.has_required else MISSING
        check.done()
        stamp = c.field_timestamp(store.now())
        field: dict[str, Any] = {"id": store.new_id(coll.prefix)}
        if coll.owner_key is not None:
            field[coll.owner_key] = owner_id
        field["name"] = values["name"]
        field["description"] = values["description"]
        field["type"] = values["type"]
        if self.has_required:
            field["required"] = False if required is MISSING else required
        for key in ("accepts_multiple_values", "editable_with_roles", "choices", *REFERENCE_KEYS):
            field[key] = values[key]
        field.update(created_by=store.user_id, updated_by=store.user_id)
        field.update(date_created=stamp, date_updated=stamp)
        store.put(coll.name, field)
        key = coll.order_key(field)
        order = store.order(key)
        assert order is not None
        order.append(field["id"])
        store.touch_order(key)
        return field

    # -- update ------------------------------------------------------------------------

    def update(
        self, store: Store, coll: Collection, field: dict[str, Any], body: dict[str, Any]
    ) -> None:
        refuse_if_converting(store, field)
        check = Checker(store, body)
        ftype = field["type"]
        fixed = ["referenced_custom_type_id"]
        if coll.owner_key is not None:
            fixed.append(coll.owner_key)
        new_type = body.get("type", ftype)
        if not self.type_in_place:
            fixed.append("type")
        elif new_type != ftype:
            ftype = self._new_type(check, field, new_type)
        check.unchanged(field, fixed)
        values: dict[str, Any] = {
            "name": check.name("name", required=False),
            "description": check.text_or_null("description", c.DESCRIPTION_MAX),
            "accepts_multiple_values": check.boolean("accepts_multiple_values"),
            "editable_with_roles": check.roles(),
            "choices": check.choices(),
            "back_reference_is_visible": MISSING,
        }
        if self.has_required:
            values["required"] = check.boolean("required")
        multi = values["accepts_multiple_values"]
        check.multi_value(ftype, field["accepts_multiple_values"] if multi is MISSING else multi)
        if ftype == "choices":
            if "choices" in body and body["choices"] is None:
                check.errors["choices"] = c.REQUIRED
        elif values["choices"] not in (MISSING, None):
            check.errors["choices"] = c.CHOICES_ONLY
        else:
            values["choices"] = None if ftype != field["type"] else MISSING
        if ftype == "custom_object":
            values["back_reference_is_visible"] = check.boolean("back_reference_is_visible")
        check.done()
        if ftype != field["type"]:
            values["type"] = ftype
            reads = store.behaviour.conversion_reads
            if reads:
                store.conversions[field["id"]] = [ftype, reads]
        c.apply(field, values)
        field["updated_by"] = store.user_id
        field["date_updated"] = c.field_timestamp(store.now())
        store.touch(coll.name, field["id"])

    def _new_type(self, check: Checker, field: dict[str, Any], new_type: Any) -> Any:
        """Check an in-place type change; returns the type the field will have."""
        if new_type not in self.types:
            check.errors["type"] = c.one_of(self.types)
            return field["type"]
        if "custom_object" in (new_type, field["type"]):
            check.errors["type"] = "The type cannot be changed to or from 'custom_object'."
            return field["type"]
        if new_type == "choices" and check.body.get("choices") is None:
            check.errors["choices"] = c.REQUIRED
        return new_type

    # -- delete and render -------------------------------------------------------------

    def delete(self, store: Store, coll: Collection, field: dict[str, Any]) -> None:
        refuse_if_converting(store, field)
        remove_field(store, coll, field)

    def render(self, store: Store, coll: Collection, field: dict[str, Any]) -> dict[str, Any]:
        out = {**field, "organization_id": store.organization_id, "is_shared": False}
        if self.type_in_place:
            target = converting_to(store, field["id"])
            if target is not None:
                out["converting_to_type"] = target
        return out


def field_values(check: Checker, types: tuple[str, ...], *, roles: bool = True) -> dict[str, Any]:
    """The attributes every field kind takes on create, checked (shared fields: ``roles``
    False, their ``editable_with_roles`` is per association)."""
    name = check.name("name", required=True)
    ftype = check.body.get("type", MISSING)
    if ftype is MISSING or ftype is None:
        check.errors["type"] = c.REQUIRED
    elif ftype not in types:
        check.errors["type"] = c.one_of(types)
    description = check.text_or_null("description", c.DESCRIPTION_MAX)
    multi = check.boolean("accepts_multiple_values")
    editable = check.roles() if roles else MISSING
    choices = check.choices()
    ref = check.body.get("referenced_custom_type_id")
    back_ref = check.body.get("back_reference_is_visible") if ftype == "custom_object" else None
    if back_ref is not None and not isinstance(back_ref, bool):  # null means "not sent"
        check.errors["back_reference_is_visible"] = c.NOT_BOOL
    if ftype in types:
        if ftype == "choices" and choices in (MISSING, None):
            check.errors["choices"] = c.REQUIRED
        if ftype != "choices" and choices not in (MISSING, None):
            check.errors["choices"] = c.CHOICES_ONLY
        if ftype == "custom_object":
            ref = check.reference(
                "referenced_custom_type_id", "custom_object_types", "Custom object type"
            )
        elif ref is not None:
            check.errors["referenced_custom_type_id"] = c.REFERENCE_ONLY
        check.multi_value(ftype, multi)
    return {
        "name": name,
        "description": None if description is MISSING else description,
        "type": ftype,
        "accepts_multiple_values": False if multi is MISSING else multi,
        "editable_with_roles": [] if editable is MISSING else editable,
        "choices": list(choices) if ftype == "choices" and isinstance(choices, list) else None,
        "referenced_custom_type_id": ref if ftype == "custom_object" else None,
        "back_reference_is_visible": (back_ref is True) if ftype == "custom_object" else None,
    }


def remove_field(store: Store, coll: Collection, field: dict[str, Any]) -> None:
    """Delete a regular field and take it out of its object's order."""
    key = coll.order_key(field)
    order = store.order(key)
    if order is not None and field["id"] in order:
        order.remove(field["id"])
        store.touch_order(key)
    store.conversions.pop(field["id"], None)
    store.remove(coll.name, field["id"])


def converting_to(store: Store, field_id: str) -> str | None:
    """The type a field is being converted to, if it is; a read (store.reading) counts down."""
    conversion = store.conversions.get(field_id)
    if conversion is None:
        return None
    if store.reading:
        conversion[1] -= 1
        if conversion[1] <= 0:
            del store.conversions[field_id]
    return str(conversion[0])


def refuse_if_converting(store: Store, field: dict[str, Any]) -> None:
    conversion = store.conversions.get(field["id"])
    if conversion is not None:
        raise c.refused(
            f"Custom field '{field['name']}' ({field['id']}) is being converted to "
            f"'{conversion[0]}'; try again when the conversion has finished (when the field "
            "no longer shows converting_to_type)."
        )


def summary(field: dict[str, Any], *, shared: bool = False) -> dict[str, Any]:
    """A field as a type embeds it (``fields``, ``back_reference_fields``): the SUMMARY_KEYS
    the record has (no ``choices``: the real API omits them), ``is_shared``, and the
    reference keys of a custom_object field."""
    out = {k: field[k] for k in SUMMARY_KEYS if k in field}
    out["is_shared"] = shared
    if field["type"] == "custom_object":
        for key in REFERENCE_KEYS:
            out[key] = field[key]
    return out
