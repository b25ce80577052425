"""Leads, contacts and opportunities: their custom fields (Close: /custom_field/lead/ ...).

The three objects always exist: schemasync never creates or deletes them; it manages the
custom fields on them and their display order (PUT /custom_field_schema/lead/, the complete
list). Their fields are read from the schema endpoint, one request each, which gives every
field (regular and shared) in display order.
"""

from __future__ import annotations

from typing import Any

from schemasync.kinds.base import TEXT, Attr, Kind, Mut
from schemasync.kinds.fields import FIELD_BODY_ORDER, field_attrs

STANDARD_OBJECTS = ("lead", "contact", "opportunity")

STANDARD_OBJECT = Kind(
    name="standard_object",
    noun="object",
    attrs=(Attr("name", TEXT, required=True),),
    body_order=(),
    collection="",
    rank=0,
    section="",
    singletons=STANDARD_OBJECTS,
    order_path="/custom_field_schema/{id}/",
    ordered=(
        "lead_custom_field",
        "contact_custom_field",
        "opportunity_custom_field",
        "shared_field_association",
    ),
    address_of=lambda key: key[0],
)


def _to_or_from_a_reference(before: Any, after: Any) -> bool:
    # Close converts the stored values when a lead/contact/opportunity field's type changes
    # (PUT, `converting_to_type`); whether a reference converts is not documented: replace.
    return "custom_object" in (before, after)


def _standard_field(obj: str) -> Kind:
    attrs = tuple(
        Attr(
            a.key,
            a.codec,
            api=a.api,
            default=a.default,
            required=a.required,
            when=a.when,
            required_when=a.required_when,
            allowed=a.allowed,
            mut=Mut.CONVERT,
            live_strict=True,
            replace_if=_to_or_from_a_reference,
        )
        if a.key == "type"
        else a
        for a in field_attrs(required=False)  # Close has no `required` on these objects
    )
    return Kind(
        name=f"{obj}_custom_field",
        noun="field",
        attrs=attrs,
        body_order=FIELD_BODY_ORDER,
        collection=f"/custom_field/{obj}/",
        list_path=f"/custom_field_schema/{obj}/",
        rank=4,
        section="fields",
        parent="standard_object",
        parent_instance=obj,
        write_stage=40,
        update_stage=60,
        delete_stage=92,
        values_on=f"every {obj}",
        address_of=lambda key: f"{key[0]}:{key[-1]}",
    )


LEAD_FIELD = _standard_field("lead")
CONTACT_FIELD = _standard_field("contact")
OPPORTUNITY_FIELD = _standard_field("opportunity")
