"""Hypothesis strategies for manifests, shared by the property tests and the fuzzers."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from schemasync.manifest import MANIFEST_SCHEMA, load_schema
from schemasync.model import FIELD_TYPES, MULTI_VALUE_TYPES
from tests.builders import FieldSpec, TypeSpec
from tests.builders import SpecManifest as Manifest
from tests.builders import document as document
from tests.orgs import CUSTOM_ROLES

# The fuzzers' settings; SCHEMASYNC_FUZZ_EXAMPLES raises the count.
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("SCHEMASYNC_FUZZ_EXAMPLES", "100")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The keys a manifest may have, from its schema: a type's, a field's, and every one of them.
_SCHEMA = load_schema(MANIFEST_SCHEMA)
TYPE_KEYS = list(_SCHEMA["$defs"]["customObjectType"]["properties"])
FIELD_KEYS = list(_SCHEMA["$defs"]["customField"]["properties"])
MANIFEST_KEYS = list(dict.fromkeys([*_SCHEMA["properties"], *TYPE_KEYS, *FIELD_KEYS]))

# Few names, so that generated manifests collide with each other (renames, reuse) and with
# YAML's traps (strings that YAML 1.1 would read as bools, dates or numbers).
TYPE_NAMES = [
    "Account",
    "Resource",
    "Subscription",
    "on",
    "2024-01-01",
    "Ünïcode Type",
    "a: b",
    "#hash",
    "1e3",
    "Null",
]
FIELD_NAMES = [
    "Status",
    "Owner",
    "Seats",
    "yes",
    "007",
    "Notes",
    "Primary Resource",
    "x",
    "Renewal Date",
]
CHOICES = ["Active", "Cancelled", "Potential", "on", "No", "2024-01-01", "3.14", "ü"]
DESCRIPTIONS = [None, "", "An account", "multi\nline", "quote ' and \" chars"]
ROLES = ["admin", "superuser", "user", "restricteduser", *CUSTOM_ROLES]

roles = st.lists(st.sampled_from(ROLES), max_size=3, unique=True).map(tuple)


@st.composite
def field_specs(draw: Any, name: str, type_names: list[str]) -> FieldSpec:
    types = [t for t in FIELD_TYPES if t != "custom_object" or type_names]
    ftype = draw(st.sampled_from(types))
    return FieldSpec(
        name=name,
        type=ftype,
        choices=(
            tuple(draw(st.lists(st.sampled_from(CHOICES), min_size=1, max_size=4, unique=True)))
            if ftype == "choices"
            else None
        ),
        required=draw(st.booleans()),
        accepts_multiple_values=draw(st.booleans()) if ftype in MULTI_VALUE_TYPES else False,
        description=draw(st.sampled_from(DESCRIPTIONS)),
        editable_with_roles=draw(roles),
        references=draw(st.sampled_from(type_names)) if ftype == "custom_object" else None,
        back_reference_is_visible=draw(st.booleans()) if ftype == "custom_object" else False,
    )


@st.composite
def manifests(draw: Any, max_types: int = 4, max_fields: int = 5) -> Manifest:
    names = draw(st.lists(st.sampled_from(TYPE_NAMES), max_size=max_types, unique=True))
    types = []
    for name in names:
        fnames = draw(st.lists(st.sampled_from(FIELD_NAMES), max_size=max_fields, unique=True))
        types.append(
            TypeSpec(
                name=name,
                name_plural=draw(st.sampled_from([name + "s", "Items", "on"])),
                description=draw(st.sampled_from(DESCRIPTIONS)),
                api_create_only=draw(st.booleans()),
                editable_with_roles=draw(roles),
                fields=tuple(draw(field_specs(f, names)) for f in fnames),
            )
        )
    return Manifest(types=tuple(types))


@st.composite
def successors(draw: Any, before: Manifest) -> Manifest:
    """A desired manifest that changes `before`: some renames (with renamed_from), field type
    and reference changes, attribute edits, reorders, removals and additions."""
    after = draw(manifests())
    old_types = {t.name: t for t in before.types}
    new_names = {t.name for t in after.types}
    free_old = [n for n in old_types if n not in new_names]
    types = []
    for t in after.types:
        renamed: tuple[str, ...] = ()
        if t.name not in old_types and free_old and draw(st.booleans()):
            renamed = (free_old.pop(0),)
        old = old_types.get(renamed[0] if renamed else t.name)
        fields = list(t.fields)
        if old is not None and draw(st.booleans()):
            # Keep most old fields (so updates and reorders happen, not just creates).
            keep = [
                draw(edited(f))
                for f in old.fields
                if f.references is None or f.references in new_names
            ]
            fields = keep + [f for f in fields if f.name not in {k.name for k in keep}]
            fields = draw(st.permutations(fields)) if draw(st.booleans()) else fields
        if old is not None:
            old_fields = {f.name for f in old.fields}
            taken = {f.name for f in fields}
            free_f = [n for n in old_fields if n not in taken]
            out = []
            for f in fields:
                if f.name not in old_fields and free_f and draw(st.booleans()):
                    f = dataclasses.replace(f, renamed_from=(free_f.pop(0),))
                out.append(f)
            fields = out
        types.append(dataclasses.replace(t, renamed_from=renamed, fields=tuple(fields)))
    return Manifest(types=tuple(types))


@st.composite
def edited(draw: Any, f: FieldSpec) -> FieldSpec:
    """The same field with some attributes changed in place (no type change)."""
    if not draw(st.booleans()):
        return f
    changes: dict[str, Any] = {
        "required": draw(st.booleans()),
        "description": draw(st.sampled_from(DESCRIPTIONS)),
        "editable_with_roles": draw(roles),
    }
    if f.type == "choices":
        changes["choices"] = tuple(
            draw(st.lists(st.sampled_from(CHOICES), min_size=1, max_size=4, unique=True))
        )
    if f.type in MULTI_VALUE_TYPES:
        changes["accepts_multiple_values"] = draw(st.booleans())
    if f.type == "custom_object":
        changes["back_reference_is_visible"] = draw(st.booleans())
    return dataclasses.replace(f, **changes)
