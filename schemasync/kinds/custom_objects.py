"""Custom object types and their custom fields (Close: /custom_object_type/, /custom_field/...)."""

from __future__ import annotations

from schemasync.kinds.base import FLAG, OPT_TEXT, ROLES, TEXT, Attr, Kind
from schemasync.kinds.fields import FIELD_BODY_ORDER, field_attrs

CUSTOM_OBJECT_TYPE = Kind(
    name="custom_object_type",
    noun="type",
    attrs=(
        Attr("name", TEXT, required=True, live_strict=True),
        Attr("name_plural", TEXT, required=True, live_missing=""),
        Attr("description", OPT_TEXT),
        Attr("api_create_only", FLAG, default=False),
        Attr("editable_with_roles", ROLES, default=()),
        # Close: PUT `is_archived` (changelog 2024-09-09); not documented on create, so a new
        # archived type is created, then archived.
        Attr("archived", FLAG, api="is_archived", default=False, on_create=False),
    ),
    body_order=("name", "name_plural", "description", "api_create_only", "editable_with_roles"),
    collection="/custom_object_type/",
    list_path="/custom_object_type/",
    rank=1,
    section="custom_object_types",
    write_stage=10,
    update_stage=20,
    delete_stage=95,
    order_path="/custom_field_schema/custom_object/{id}/",
    ordered=("custom_field", "shared_field_association"),
)

# A custom object type's own fields; `custom_field` is the plan kind since format 1.0.
CUSTOM_FIELD = Kind(
    name="custom_field",
    noun="field",
    attrs=field_attrs(),
    body_order=FIELD_BODY_ORDER,
    collection="/custom_field/custom_object_type/",
    list_path="/custom_field/custom_object_type/",
    rank=4,
    section="fields",
    parent="custom_object_type",
    parent_key="custom_object_type_id",
    write_stage=40,
    update_stage=60,
    delete_stage=92,
)
