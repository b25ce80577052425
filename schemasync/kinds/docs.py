"""The descriptions of the manifest's keys (the JSON Schema's and the README reference's).

Documentation only: schema_gen.py takes structure from the kinds and words from here.
`{noun}`, `{owner}` and `{extra}` are filled in per kind.
"""

from __future__ import annotations

from schemasync.kinds.fields import MULTI_VALUE_TYPES

ROLES_DOC = (
    "built-in role keywords (admin, superuser, user, restricteduser) or custom role names, "
    "resolved against the organization at plan time. Empty means everyone. No duplicates."
)
MULTI = ", ".join(f"`{t}`" for t in ("user", "choices", "contact")) + " and `custom_object`"
assert {"user", "choices", "contact", "custom_object"} == MULTI_VALUE_TYPES

# (kind, key) -> description; ("*", key) is the default for every kind.
DOCS: dict[tuple[str, str], str] = {
    ("custom_object_type", "name"): "Name of the type: its identity inside one organization "
    "(ids differ between organizations). Unique in the manifest.",
    ("custom_object_type", "name_plural"): "Plural name, shown in the Close app.",
    ("*", "description"): "Description shown in the Close app; null for none. At most 280 "
    "characters.",
    ("*", "api_create_only"): "When true, objects of this type can only be created through "
    "the API, not in the app.",
    ("custom_activity_type", "api_create_only"): "When true, activities of this type can only "
    "be created through the API, not in the app.",
    ("custom_object_type", "editable_with_roles"): "Roles that may edit objects of this type: "
    + ROLES_DOC,
    ("custom_activity_type", "editable_with_roles"): "Roles that may edit activities of this "
    "type: " + ROLES_DOC,
    ("*", "archived"): "When true, the type is archived in Close (hidden, its data kept). A "
    "plan archives a type the org has, and never creates an archived one (Close may leave "
    "archived types out of its lists): it says so in a note; create it unarchived first.",
    ("custom_activity_type", "name"): "Name of the activity type: its identity inside one "
    "organization. Unique in the manifest.",
    ("*", "renamed_from"): "Earlier names of this {noun}, so that renaming it updates the live "
    "{noun} instead of replacing it. A name may be claimed by one {noun} only, and may not be "
    "the current name of another {noun}.",
    ("field", "name"): "Name of the field, unique within its {owner}.",
    ("shared_custom_field", "name"): "Name of the shared field: its identity inside one "
    "organization. Unique in the manifest.",
    ("field", "type"): "Kind of value the field holds: text, number, date, datetime, choices, "
    "user, contact, custom_object or hidden{extra}; or a newer type listed in "
    "`extra_field_types`. It cannot change in place: changing it replaces the field (delete, "
    "then create), which destroys its values.",
    ("standard", "type"): "Kind of value the field holds: text, number, date, datetime, "
    "choices, user, contact, custom_object or hidden; or a newer type listed in "
    "`extra_field_types`. Changing it converts the field's values in place (Close keeps its "
    "id; values that do not convert are lost), and needs --allow-replace; a change to or from "
    "custom_object replaces the field.",
    ("field", "choices"): "The allowed values, in display order: required for `choices` fields "
    "and not allowed on other types. Not empty, no duplicates, none blank; every entry is a "
    "string (`on`, `1e3` and `2024-01-01` stay as written).",
    ("field", "required"): "When true, a value is required for this field.",
    ("activity_custom_field", "required"): "When true, a value is required to publish an "
    "activity of this type.",
    ("field", "accepts_multiple_values"): "When true, the field holds a list of values. Only "
    + MULTI
    + " fields may set it to true.",
    ("field", "editable_with_roles"): "Roles that may edit this field: " + ROLES_DOC,
    ("field", "references"): "Name of the custom object type this field points to: required "
    "for `custom_object` fields and not allowed on other types. `validate` requires a type of "
    "the manifest; `plan` also accepts a type that exists in the live organization. Changing "
    "it replaces the field.",
    ("field", "back_reference_is_visible"): "When true, the referenced type shows a list of "
    "the objects that point to it. Only `custom_object` fields may set it to true.",
    ("shared_field_association", "shared"): "Name of a shared field (of `shared_fields`, or, "
    "when the manifest has no `shared_fields`, one that exists in the organization): this "
    "entry places it on the object, at this position of the display order.",
    ("shared_field_association", "required"): "When true, a value is required for the shared "
    "field on this object (custom object and activity types only).",
    ("shared_field_association", "editable_with_roles"): "Roles that may edit the shared "
    "field's values on this object: " + ROLES_DOC,
    ("lead_status", "label"): "The status's label: its identity inside one organization.",
    ("lead_status", "color"): "Colour of the status in the Close app, or null.",
    ("pipeline", "name"): "Name of the pipeline: its identity inside one organization.",
    ("opportunity_status", "label"): "The status's label: its identity among all the "
    "organization's opportunity statuses (a label found in another pipeline is moved here).",
    ("opportunity_status", "type"): "active, won or lost. It cannot change in place: changing "
    "it replaces the status (needs --allow-replace).",
}
