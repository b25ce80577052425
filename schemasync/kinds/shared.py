"""Shared custom fields and their placements on objects (Close: /custom_field/shared/).

A shared field is defined once (name, type, choices ...) and placed on any number of objects:
leads, contacts, opportunities, custom object types, activity types. Each placement is an
"association" with its own `required` (custom object and activity types only) and
`editable_with_roles`; it has no id of its own (its path names the shared field and the
object). In a manifest a placement is a `- shared: NAME` entry in the object's field list.
"""

from __future__ import annotations

from schemasync.kinds.base import FLAG, OPT_TEXT, ROLES, STRINGS, TEXT, Attr, Choice, Kind, Mut, Ref
from schemasync.kinds.fields import (
    CHOICES_ONLY,
    FIELD_TYPES,
    MULTI_VALUE_TYPES,
    REFERENCE_ONLY,
)

SHARED_FIELD = Kind(
    name="shared_custom_field",
    noun="shared field",
    attrs=(
        Attr("name", TEXT, required=True, live_strict=True),
        Attr("type", Choice(FIELD_TYPES), required=True, mut=Mut.REPLACE, live_strict=True),
        Attr("choices", STRINGS, when=CHOICES_ONLY, required_when=True),
        Attr(
            "references",
            Ref("custom_object_type"),
            api="referenced_custom_type_id",
            when=REFERENCE_ONLY,
            required_when=True,
            mut=Mut.REPLACE,
            live_strict=True,
        ),
        Attr("accepts_multiple_values", FLAG, default=False, allowed=MULTI_VALUE_TYPES),
        Attr("description", OPT_TEXT),
    ),
    body_order=(
        "name",
        "type",
        "accepts_multiple_values",
        "description",
        "choices",
        "referenced_custom_type_id",
    ),
    collection="/custom_field/shared/",
    list_path="/custom_field/shared/",
    rank=3,
    section="shared_fields",
    write_stage=30,
    update_stage=60,
    delete_stage=93,
    values_on="every object it is placed on",
    address_of=lambda key: "shared:" + ".".join(key),
)

PLACEMENT = Kind(
    name="shared_field_association",
    noun="placement",
    attrs=(
        Attr("shared", Ref("shared_custom_field"), api="", required=True, live_strict=True),
        Attr(
            "required",
            FLAG,
            default=False,
            owner_kinds=frozenset({"custom_object_type", "custom_activity_type"}),
        ),
        Attr("editable_with_roles", ROLES, default=()),
    ),
    body_order=("required", "editable_with_roles"),
    collection="/custom_field/shared/{shared}/association/",
    rank=5,
    section="fields",
    identity="shared",
    owners=("custom_object_type", "custom_activity_type", "standard_object"),
    has_id=False,
    write_stage=50,
    update_stage=60,
    delete_stage=91,
)
