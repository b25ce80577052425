"""Custom activity types and their fields (Close: /custom_activity/, /custom_field/activity/)."""

from __future__ import annotations

from schemasync.kinds.base import FLAG, OPT_TEXT, ROLES, TEXT, Attr, Kind
from schemasync.kinds.fields import ACTIVITY_FIELD_TYPES, FIELD_BODY_ORDER, field_attrs

CUSTOM_ACTIVITY_TYPE = Kind(
    name="custom_activity_type",
    noun="activity type",
    attrs=(
        Attr("name", TEXT, required=True, live_strict=True),
        Attr("description", OPT_TEXT),
        Attr("api_create_only", FLAG, default=False),
        Attr("editable_with_roles", ROLES, default=()),
        # Close documents `is_archived` on the PUT of activity types, not on their create.
        Attr("archived", FLAG, api="is_archived", default=False, on_create=False),
    ),
    body_order=("name", "description", "api_create_only", "editable_with_roles"),
    collection="/custom_activity/",
    list_path="/custom_activity/",
    rank=2,
    section="custom_activity_types",
    write_stage=10,
    update_stage=20,
    delete_stage=95,
    order_path="/custom_field_schema/activity/{id}/",
    ordered=("activity_custom_field", "shared_field_association"),
    instance_noun="activity",
    address_of=lambda key: "activity:" + ".".join(key),
)

# `required` on an activity field means "required to publish the activity"; `type` and
# `custom_activity_type_id` cannot change (Close: activity custom fields, update).
ACTIVITY_FIELD = Kind(
    name="activity_custom_field",
    noun="field",
    attrs=field_attrs(types=ACTIVITY_FIELD_TYPES),
    body_order=FIELD_BODY_ORDER,
    collection="/custom_field/activity/",
    list_path="/custom_field/activity/",
    rank=4,
    section="fields",
    parent="custom_activity_type",
    parent_key="custom_activity_type_id",
    write_stage=40,
    update_stage=60,
    delete_stage=92,
    values_on="every {owner} activity",
    address_of=lambda key: "activity:" + ".".join(key),
)
