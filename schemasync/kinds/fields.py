"""The attributes every custom field kind shares (custom object, activity, lead, shared ...)."""

from __future__ import annotations

from schemasync.kinds.base import FLAG, OPT_TEXT, ROLES, STRINGS, TEXT, Attr, Choice, Mut, Ref

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
# `textarea` exists on custom activity fields only (Close: custom field types).
ACTIVITY_FIELD_TYPES = (*FIELD_TYPES, "textarea")
MULTI_VALUE_TYPES = frozenset({"user", "choices", "contact", "custom_object"})
BUILTIN_ROLES = ("admin", "superuser", "user", "restricteduser")

CHOICES_ONLY = frozenset({"choices"})
REFERENCE_ONLY = frozenset({"custom_object"})

# The API key order of a create body: the order today's plans print, kept byte for byte.
FIELD_BODY_ORDER = (
    "name",
    "type",
    "required",
    "accepts_multiple_values",
    "description",
    "editable_with_roles",
    "choices",
    "referenced_custom_type_id",
    "back_reference_is_visible",
)


def field_attrs(
    *, type_mut: Mut = Mut.REPLACE, types: tuple[str, ...] = FIELD_TYPES, required: bool = True
) -> tuple[Attr, ...]:
    """A field kind's attributes, in view order; `required` exists on some objects only."""
    attrs = [
        Attr("name", TEXT, required=True, live_strict=True),
        Attr("type", Choice(types), required=True, mut=type_mut, live_strict=True),
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
        Attr("back_reference_is_visible", FLAG, default=False, when=REFERENCE_ONLY),
    ]
    if required:
        attrs.append(Attr("required", FLAG, default=False))
    attrs += [
        Attr("accepts_multiple_values", FLAG, default=False, allowed=MULTI_VALUE_TYPES),
        Attr("description", OPT_TEXT),
        Attr("editable_with_roles", ROLES, default=()),
    ]
    return tuple(attrs)
