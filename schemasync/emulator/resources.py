"""The Close API resources over a Store: validation, mutations and JSON rendering."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .store import Store

# FIELD_TYPES, MULTI_VALUE_TYPES and ROLE_KEYWORDS repeat schemasync.model's FIELD_TYPES,
# MULTI_VALUE_TYPES and BUILTIN_ROLES on purpose: the emulator implements the API from
# close-api.md and must not import the client's model (a shared mistake would then go unseen).
# tests/test_emulator.py checks that the two copies agree.
FIELD_TYPES = (
    "text",
    "number",
    "date",
    "datetime",
    "choices",
    "user",
    "contact",
    "custom_object",
    "hidden",
)
MULTI_VALUE_TYPES = ("user", "choices", "contact", "custom_object")
ROLE_KEYWORDS = ("admin", "superuser", "user", "restricteduser")
DESCRIPTION_MAX = 280
REQUIRED = "This field is required."
NOT_STRING = "Value must be of basestring type."
NOT_BOOL = "Value must be a boolean."
IMMUTABLE = "This field cannot be changed."
CHOICES_ONLY = "Choices are only allowed for fields of type 'choices'."
_MISSING = object()


class HttpFailure(Exception):
    """A request the API answers with an error status and JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def not_found() -> HttpFailure:
    return HttpFailure(404, {"error": "Not found."})


def _invalid(errors: dict[str, str]) -> HttpFailure:
    return HttpFailure(400, {"errors": [], "field-errors": errors})


def _field_errors(errors: dict[str, str]) -> None:
    if errors:
        raise _invalid(errors)


def type_timestamp(moment: datetime) -> str:
    """Custom object types: ``2020-07-09T15:36:16.795350`` (UTC, no offset)."""
    return moment.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%f")


def field_timestamp(moment: datetime) -> str:
    """Custom fields: ``2024-02-21T10:00:00.123456+00:00``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"


# -- value checks: each returns the clean value or records an error ----------------------


class _Checker:
    def __init__(self, store: Store, body: dict[str, Any]) -> None:
        self.store = store
        self.body = body
        self.errors: dict[str, str] = {}

    def name(self, key: str, *, required: bool) -> Any:
        value = self.body.get(key, _MISSING)
        if value is _MISSING:
            if required:
                self.errors[key] = REQUIRED
            return _MISSING
        if value is None or value == "":
            self.errors[key] = REQUIRED
        elif not isinstance(value, str):
            self.errors[key] = NOT_STRING
        elif not value.strip():
            self.errors[key] = REQUIRED
        return value

    def text_or_null(self, key: str, max_len: int | None = None) -> Any:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or value is None:
            return value
        if not isinstance(value, str):
            self.errors[key] = NOT_STRING
        elif max_len is not None and len(value) > max_len:
            self.errors[key] = f"Ensure this value has at most {max_len} characters."
        return value

    def boolean(self, key: str) -> Any:
        value = self.body.get(key, _MISSING)
        if value is not _MISSING and not isinstance(value, bool):
            self.errors[key] = NOT_BOOL
        return value

    def roles(self, key: str = "editable_with_roles") -> Any:
        value = self.body.get(key, _MISSING)
        if value is _MISSING:
            return value
        if not isinstance(value, list):
            self.errors[key] = "Value must be a list."
            return value
        for item in value:
            if not isinstance(item, str):
                self.errors[key] = "Value must be a list of strings."
                break
            if item not in ROLE_KEYWORDS and item not in self.store.roles:
                self.errors[key] = (
                    f"Invalid role: {item!r}. Use one of "
                    f"{', '.join(ROLE_KEYWORDS)} or an existing role id."
                )
                break
        return list(value)

    def choices(self, key: str = "choices") -> Any:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or value is None:
            return value
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            self.errors[key] = "Value must be a list of strings."
        elif any(not c.strip() for c in value):
            self.errors[key] = "Choices cannot be blank."
        return value

    def type_id(self, key: str) -> Any:
        value = self.body.get(key, _MISSING)
        if value is _MISSING or value is None:
            self.errors[key] = REQUIRED
        elif not isinstance(value, str):
            self.errors[key] = NOT_STRING
        elif value not in self.store.types:
            self.errors[key] = f"Custom object type {value!r} does not exist."
        return value


# -- rendering -----------------------------------------------------------------------------


# The render_* functions build shallow dicts: their values (lists such as
# ``editable_with_roles``, ``choices``, ``permissions``) are the store's own objects. That is
# safe because their only caller, EmulatorApp._dispatch, serializes the result to JSON while
# still holding ``store.lock``; any other caller that keeps a result must copy it first.

_SUMMARY_KEYS = (
    "id",
    "name",
    "description",
    "type",
    "required",
    "accepts_multiple_values",
    "editable_with_roles",
)


def render_role(store: Store, role: dict[str, Any]) -> dict[str, Any]:
    return {**role, "organization_id": store.organization_id}


def render_field(store: Store, field: dict[str, Any]) -> dict[str, Any]:
    return {**field, "organization_id": store.organization_id, "is_shared": False}


def field_summary(field: dict[str, Any]) -> dict[str, Any]:
    """The summary embedded in a type's ``fields``: no ``choices`` (the real API omits them)."""
    out = {k: field[k] for k in _SUMMARY_KEYS}
    out["is_shared"] = False
    if field["type"] == "custom_object":
        out["referenced_custom_type_id"] = field["referenced_custom_type_id"]
        out["back_reference_is_visible"] = field["back_reference_is_visible"]
    return out


def referencing_fields(store: Store, type_id: str) -> list[dict[str, Any]]:
    """The fields (of any type, this one included) that reference ``type_id``, in creation
    order: one type's back references."""
    return [f for f in store.fields.values() if f["referenced_custom_type_id"] == type_id]


def back_references(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Type id -> referencing_fields(store, type id) for every type, in one pass."""
    refs: dict[str, list[dict[str, Any]]] = {}
    for f in store.fields.values():
        if f["referenced_custom_type_id"]:
            refs.setdefault(f["referenced_custom_type_id"], []).append(f)
    return refs


def render_type(
    store: Store, cotype: dict[str, Any], back_refs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """One type; ``back_refs`` is referencing_fields(store, its id), computed if not given."""
    if back_refs is None:
        back_refs = referencing_fields(store, cotype["id"])
    out = {k: v for k, v in cotype.items() if k != "field_order"}
    out["organization_id"] = store.organization_id
    out["fields"] = [field_summary(store.fields[fid]) for fid in cotype["field_order"]]
    out["back_reference_fields"] = [field_summary(f) for f in back_refs]
    return out


def list_types(store: Store) -> list[dict[str, Any]]:
    """Every type, rendered, in creation order (the back-reference index built once)."""
    refs = back_references(store)
    return [render_type(store, t, refs.get(t["id"], [])) for t in store.types.values()]


def render_schema(store: Store, cotype: dict[str, Any]) -> dict[str, Any]:
    return {
        "fields": [render_field(store, store.fields[fid]) for fid in cotype["field_order"]],
        "name": cotype["name"],
        "object_type": f"custom_object/{cotype['id']}",
        "organization_id": store.organization_id,
    }


def render_me(store: Store) -> dict[str, Any]:
    return {
        **store.user,
        "image": None,
        "organizations": [{"id": store.organization_id, "name": store.organization_name}],
    }


def get_type(store: Store, type_id: str) -> dict[str, Any]:
    cotype = store.types.get(type_id)
    if cotype is None:
        raise not_found()
    return cotype


def get_field(store: Store, field_id: str) -> dict[str, Any]:
    field = store.fields.get(field_id)
    if field is None:
        raise not_found()
    return field


# -- custom object types -------------------------------------------------------------------


def create_type(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    check = _Checker(store, body)
    name = check.name("name", required=True)
    name_plural = check.name("name_plural", required=True)
    description = check.text_or_null("description")
    api_create_only = check.boolean("api_create_only")
    roles = check.roles()
    _field_errors(check.errors)
    stamp = type_timestamp(store.now())
    cotype = {
        "id": store.new_id("cotype_"),
        "name": name,
        "name_plural": name_plural,
        "description": None if description is _MISSING else description,
        "api_create_only": False if api_create_only is _MISSING else api_create_only,
        "editable_with_roles": [] if roles is _MISSING else roles,
        "is_archived": False,
        "field_order": [],
        "created_by": store.user_id,
        "updated_by": store.user_id,
        "date_created": stamp,
        "date_updated": stamp,
    }
    store.types[cotype["id"]] = cotype
    return render_type(store, cotype)


def update_type(store: Store, type_id: str, body: dict[str, Any]) -> dict[str, Any]:
    cotype = get_type(store, type_id)
    check = _Checker(store, body)
    values = {
        "name": check.name("name", required=False),
        "name_plural": check.name("name_plural", required=False),
        "description": check.text_or_null("description"),
        "api_create_only": check.boolean("api_create_only"),
        "editable_with_roles": check.roles(),
        "is_archived": check.boolean("is_archived"),
    }
    _field_errors(check.errors)
    for key, value in values.items():
        if value is not _MISSING:
            cotype[key] = value
    cotype["updated_by"] = store.user_id
    cotype["date_updated"] = type_timestamp(store.now())
    return render_type(store, cotype)


def delete_type(store: Store, type_id: str) -> None:
    cotype = get_type(store, type_id)
    blockers = [
        f for f in referencing_fields(store, type_id) if f["custom_object_type_id"] != type_id
    ]
    if blockers:
        names = ", ".join(
            f"'{f['name']}' ({f['id']}) on custom object type "
            f"'{store.types[f['custom_object_type_id']]['name']}'"
            for f in blockers
        )
        raise HttpFailure(
            400,
            {
                "error": (
                    f"Cannot delete custom object type '{cotype['name']}': it is referenced by "
                    f"custom field {names}. Delete those fields first."
                )
            },
        )
    for fid in cotype["field_order"]:
        del store.fields[fid]
    del store.types[type_id]


# -- custom object custom fields -----------------------------------------------------------


def _check_multi_value(errors: dict[str, str], ftype: Any, multi: Any) -> None:
    """``accepts_multiple_values: true`` is only for the MULTI_VALUE_TYPES."""
    if multi is True and ftype not in MULTI_VALUE_TYPES:
        errors["accepts_multiple_values"] = (
            f"Fields of type '{ftype}' cannot accept multiple values."
        )


def create_field(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    check = _Checker(store, body)
    type_id = check.type_id("custom_object_type_id")
    name = check.name("name", required=True)
    ftype = body.get("type", _MISSING)
    if ftype is _MISSING or ftype is None:
        check.errors["type"] = REQUIRED
    elif ftype not in FIELD_TYPES:
        check.errors["type"] = f"Value must be one of: {', '.join(FIELD_TYPES)}."
    description = check.text_or_null("description", DESCRIPTION_MAX)
    required = check.boolean("required")
    multi = check.boolean("accepts_multiple_values")
    roles = check.roles()
    choices = check.choices()
    ref = body.get("referenced_custom_type_id")
    back_ref = body.get("back_reference_is_visible") if ftype == "custom_object" else None
    if back_ref is not None and not isinstance(back_ref, bool):  # null means "not sent"
        check.errors["back_reference_is_visible"] = NOT_BOOL
    if ftype in FIELD_TYPES:
        if ftype == "choices" and choices in (_MISSING, None):
            check.errors["choices"] = REQUIRED
        if ftype != "choices" and choices not in (_MISSING, None):
            check.errors["choices"] = CHOICES_ONLY
        if ftype == "custom_object":
            ref = check.type_id("referenced_custom_type_id")
        elif ref is not None:
            check.errors["referenced_custom_type_id"] = (
                "Only allowed for fields of type 'custom_object'."
            )
        _check_multi_value(check.errors, ftype, multi)
    _field_errors(check.errors)
    stamp = field_timestamp(store.now())
    field = {
        "id": store.new_id("cf_"),
        "custom_object_type_id": type_id,
        "name": name,
        "description": None if description is _MISSING else description,
        "type": ftype,
        "required": False if required is _MISSING else required,
        "accepts_multiple_values": False if multi is _MISSING else multi,
        "editable_with_roles": [] if roles is _MISSING else roles,
        "choices": list(choices) if ftype == "choices" else None,
        "referenced_custom_type_id": ref if ftype == "custom_object" else None,
        "back_reference_is_visible": ((back_ref is True) if ftype == "custom_object" else None),
        "created_by": store.user_id,
        "updated_by": store.user_id,
        "date_created": stamp,
        "date_updated": stamp,
    }
    store.fields[field["id"]] = field
    store.types[type_id]["field_order"].append(field["id"])
    return render_field(store, field)


def update_field(store: Store, field_id: str, body: dict[str, Any]) -> dict[str, Any]:
    field = get_field(store, field_id)
    ftype = field["type"]
    check = _Checker(store, body)
    for key in ("type", "custom_object_type_id", "referenced_custom_type_id"):
        if key in body and body[key] != field[key]:
            check.errors[key] = IMMUTABLE
    values: dict[str, Any] = {
        "name": check.name("name", required=False),
        "description": check.text_or_null("description", DESCRIPTION_MAX),
        "required": check.boolean("required"),
        "accepts_multiple_values": check.boolean("accepts_multiple_values"),
        "editable_with_roles": check.roles(),
        "choices": check.choices(),
        "back_reference_is_visible": _MISSING,
    }
    _check_multi_value(check.errors, ftype, values["accepts_multiple_values"])
    if ftype == "choices":
        if "choices" in body and body["choices"] is None:
            check.errors["choices"] = REQUIRED
    elif values["choices"] not in (_MISSING, None):
        check.errors["choices"] = CHOICES_ONLY
    else:
        values["choices"] = _MISSING
    if ftype == "custom_object":
        values["back_reference_is_visible"] = check.boolean("back_reference_is_visible")
    _field_errors(check.errors)
    for key, value in values.items():
        if value is not _MISSING:
            field[key] = list(value) if isinstance(value, list) else value
    field["updated_by"] = store.user_id
    field["date_updated"] = field_timestamp(store.now())
    return render_field(store, field)


def delete_field(store: Store, field_id: str) -> None:
    field = get_field(store, field_id)
    store.types[field["custom_object_type_id"]]["field_order"].remove(field_id)
    del store.fields[field_id]


# -- field order ---------------------------------------------------------------------------


def put_schema(store: Store, type_id: str, body: dict[str, Any]) -> dict[str, Any]:
    cotype = get_type(store, type_id)
    items = body.get("fields", _MISSING)
    if items is _MISSING or items is None:
        raise _invalid({"fields": REQUIRED})
    if not isinstance(items, list):
        raise _invalid({"fields": "Value must be a list."})
    wanted: list[str] = []
    for item in items:
        fid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(fid, str):
            raise _invalid({"fields": 'Each item must be an object like {"id": "cf_..."}.'})
        if fid not in cotype["field_order"]:
            raise _invalid(
                {"fields": (f"Custom field {fid!r} is not a field of custom_object/{type_id}.")}
            )
        if fid not in wanted:
            wanted.append(fid)
    cotype["field_order"] = wanted + [f for f in cotype["field_order"] if f not in wanted]
    return render_schema(store, cotype)


# -- roles ---------------------------------------------------------------------------------


def create_role(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    check = _Checker(store, body)
    name = check.name("name", required=True)
    permissions = body.get("permissions", [])
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        check.errors["permissions"] = "Value must be a list of strings."
    _field_errors(check.errors)
    return store.add_role(name, permissions)
