"""schemas/manifest.schema.json, generated from the kinds' declarations.

The schema is the published artifact editors use and what `validate` checks structure with;
it is written from the declarations so the two never disagree, and a test keeps the committed
file equal to this output:

    python -m schemasync.kinds.schema_gen --write    # rewrite schemas/manifest.schema.json

Descriptions live here (they are documentation); everything structural comes from the kinds:
which keys an object has, which are required, defaults, value types and enums.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from schemasync.kinds import Attr, Kind
from schemasync.kinds.activities import ACTIVITY_FIELD, CUSTOM_ACTIVITY_TYPE
from schemasync.kinds.base import Choice, Flag, OptText, Ref, Roles, Strings, Text
from schemasync.kinds.custom_objects import CUSTOM_FIELD, CUSTOM_OBJECT_TYPE
from schemasync.kinds.docs import DOCS
from schemasync.kinds.fields import FIELD_TYPES
from schemasync.kinds.shared import PLACEMENT, SHARED_FIELD
from schemasync.kinds.standard import LEAD_FIELD
from schemasync.kinds.statuses import LEAD_STATUS, OPPORTUNITY_STATUS, PIPELINE
from schemasync.util import plural

FIELD_OWNERS = {
    "custom_field": "type",
    "activity_custom_field": "activity type",
    "lead_custom_field": "object",
    "shared_custom_field": "manifest",
}
# JSON Schema property order of the field kinds (the order "allowed:" messages list keys in).
FIELD_KEY_ORDER = (
    "name",
    "type",
    "choices",
    "required",
    "accepts_multiple_values",
    "description",
    "editable_with_roles",
    "references",
    "back_reference_is_visible",
    "renamed_from",
)

DEFS: dict[str, tuple[Kind, str, str]] = {
    "customObjectType": (
        CUSTOM_OBJECT_TYPE,
        "Custom object type",
        "One custom object type, matched to the live type of the same name.",
    ),
    "customField": (
        CUSTOM_FIELD,
        "Custom field",
        "One custom field of a custom object type, matched to the live field of the same name "
        "in that type.",
    ),
    "customActivityType": (
        CUSTOM_ACTIVITY_TYPE,
        "Custom activity type",
        "One custom activity type, matched to the live activity type of the same name.",
    ),
    "activityField": (
        ACTIVITY_FIELD,
        "Activity field",
        "One custom field of a custom activity type, matched by name within that type. Its "
        "type may also be `textarea`.",
    ),
    "standardField": (
        LEAD_FIELD,
        "Lead, contact or opportunity field",
        "One custom field of leads, contacts or opportunities, matched by name within that "
        "object. These fields have no `required`.",
    ),
    "sharedField": (
        SHARED_FIELD,
        "Shared field",
        "One shared custom field, defined once for the organization and placed on objects by "
        "`- shared: NAME` entries in their `fields` lists.",
    ),
    "placement": (
        PLACEMENT,
        "Placement",
        "A shared field placed on a custom object or activity type, at this position of its "
        "field list; `required` and `editable_with_roles` belong to this placement.",
    ),
    "standardPlacement": (
        PLACEMENT,
        "Lead, contact or opportunity placement",
        "A shared field placed on leads, contacts or opportunities, at this position of the "
        "field list (no `required` here: Close has none on these objects).",
    ),
    "leadStatus": (
        LEAD_STATUS,
        "Lead status",
        "One lead status, matched by label. Written as its label alone, or as a mapping.",
    ),
    "pipeline": (
        PIPELINE,
        "Pipeline",
        "One opportunity pipeline, matched by name, with its statuses in order.",
    ),
    "opportunityStatus": (
        OPPORTUNITY_STATUS,
        "Opportunity status",
        "One opportunity status of a pipeline, matched by label across all pipelines.",
    ),
}


def _doc(kind: Kind, key: str) -> str:
    group = "field" if kind.noun == "field" or kind is SHARED_FIELD else kind.name
    if kind.parent_instance and key == "type":
        group = "standard"
    for k in ((kind.name, key), (group, key), ("*", key)):
        if k in DOCS:
            owner = FIELD_OWNERS.get(kind.name, "object")
            extra = " (also textarea, on activity fields)" if kind is ACTIVITY_FIELD else ""
            return DOCS[k].format(noun=kind.noun, owner=owner, extra=extra)
    raise KeyError(f"no description for {kind.name}.{key}")


def _value_schema(kind: Kind, attr: Attr) -> dict[str, Any]:
    codec = attr.codec
    if attr.key == "type" and kind.noun in ("field", "shared field"):
        # any non-blank name: a type newer than this version is accepted when the manifest
        # lists it in extra_field_types (checked in code, with "did you mean")
        types = [*FIELD_TYPES, *(["textarea"] if kind is ACTIVITY_FIELD else [])]
        return {"$ref": "#/$defs/name", "examples": types}
    if isinstance(codec, (Text, Ref)):
        return {"$ref": "#/$defs/name"}
    if isinstance(codec, OptText):
        return {"type": ["string", "null"], "default": None}
    if isinstance(codec, Flag):
        return {"type": "boolean", "default": attr.default}
    if isinstance(codec, Roles):
        return {"$ref": "#/$defs/names", "default": []}
    if isinstance(codec, Strings):
        return {"type": "array", "items": {"type": "string"}}
    if isinstance(codec, Choice):
        if codec.nullable:
            return {"type": ["string", "null"], "enum": [*codec.values, None], "default": None}
        return {"type": "string", "enum": list(codec.values)}
    raise TypeError(codec.name)  # pragma: no cover - a declaration's mistake


def _fields_list(owner: str, field_def: str, placement_def: str) -> dict[str, Any]:
    return {
        "description": f"Custom fields of this {owner} and the shared fields placed on it "
        "(`- shared: NAME`); the list order is the display order. Names are unique within "
        f"the {owner}, regular and shared together.",
        "type": "array",
        "default": [],
        "items": {
            "if": {"type": "object", "required": ["shared"]},
            "then": {"$ref": f"#/$defs/{placement_def}"},
            "else": {"$ref": f"#/$defs/{field_def}"},
        },
    }


def _object_def(name: str) -> dict[str, Any]:
    kind, title, description = DEFS[name]
    props: dict[str, Any] = {}
    for attr in kind.attrs:
        if name == "standardPlacement" and attr.key == "required":
            continue
        prop = {"description": _doc(kind, attr.key), **_value_schema(kind, attr)}
        if prop.get("default") is None and attr.default is None and "default" in prop:
            prop["default"] = None
        props[attr.key] = prop
    if kind.identity == "name" or kind in (LEAD_STATUS, OPPORTUNITY_STATUS):
        props["renamed_from"] = {
            "description": _doc(kind, "renamed_from"),
            "$ref": "#/$defs/names",
            "default": [],
        }
    if kind.noun in ("field", "shared field"):
        props = {k: props[k] for k in FIELD_KEY_ORDER if k in props}
    if kind is CUSTOM_OBJECT_TYPE:
        props["fields"] = _fields_list("type", "customField", "placement")
    if kind is CUSTOM_ACTIVITY_TYPE:
        props["fields"] = _fields_list("activity type", "activityField", "placement")
    if kind is PIPELINE:
        props["statuses"] = {
            "description": "The pipeline's statuses, in order.",
            "type": "array",
            "default": [],
            "items": {"$ref": "#/$defs/opportunityStatus"},
        }
    required = [a.key for a in kind.attrs if a.required]
    return {
        "title": title,
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": props,
    }


def _standard_object(name: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": name.capitalize(),
        "description": f"What this manifest manages of the organization's {plural(name)}. Each key "
        "is a section of its own: present (even empty) means managed in full, absent means "
        "not managed.",
        "type": "object",
        "additionalProperties": False,
        "properties": {"fields": _fields_list(name, "standardField", "standardPlacement")} | extra,
    }


def _section(description: str, items: str) -> dict[str, Any]:
    return {
        "description": description,
        "type": "array",
        "default": [],
        "items": {"$ref": f"#/$defs/{items}"},
    }


def manifest_schema() -> dict[str, Any]:
    """The manifest's JSON Schema (draft 2020-12)."""
    lead_status = {
        "if": {"type": "string"},
        "then": {"$ref": "#/$defs/name"},
        "else": {"$ref": "#/$defs/leadStatus"},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:schemasync:manifest:1",
        "title": "schemasync manifest",
        "description": "The custom-field schema of a Close organization, kept in git: custom "
        "object types, custom activity types, shared fields, the fields of leads, contacts "
        "and opportunities, lead statuses and pipelines. A manifest is one YAML file, or a "
        "directory whose `*.yaml` and `*.yml` files (sub-folders included) are merged. Each "
        "section the manifest names, even empty, is managed in full; a section it leaves out "
        "is not managed. Values are read as YAML 1.2: `yes`, `on` and `2024-01-01` stay "
        "strings, and booleans are `true` or `false`. An omitted optional key means its "
        "default.",
        "$comment": "Generated from schemasync/kinds by `python -m schemasync.kinds.schema_gen "
        "--write`: edit the declarations, not this file. Structural rules only; duplicate "
        "names, choices and references only where they belong, multi-values, renamed_from "
        "conflicts and unknown field types are checked in code (schemasync/manifest_rules.py). "
        "The README's manifest reference is generated from this file.",
        "type": "object",
        "additionalProperties": False,
        "required": ["version"],
        "properties": {
            "version": {
                "description": "Version of the manifest format. Always 1.",
                "type": "integer",
                "const": 1,
            },
            "extra_field_types": {
                "description": "Field types newer than this schemasync, accepted as written on "
                "every object (a type not listed here and not known is an error, so typos are "
                "caught). `export` lists the ones it finds.",
                "$ref": "#/$defs/names",
                "default": [],
            },
            "ignore": {
                "description": "Live objects schemasync never lists, touches or fails on: "
                "their addresses as a plan prints them (`Account`, `Account.Notes`, "
                "`lead:Legacy`, `shared:Owner` ...), or their ids (one of two live objects "
                "with one name).",
                "$ref": "#/$defs/names",
                "default": [],
            },
            "shared_fields": _section(
                "The shared custom fields this manifest manages (defined once, placed on "
                "objects by `- shared: NAME` entries in their `fields` lists).",
                "sharedField",
            ),
            "custom_object_types": _section(
                "The custom object types this manifest manages. Live types it does not name are "
                "left alone unless `--prune` is given. In a directory manifest, each file holds "
                "some of them and a type may be declared in one file only.",
                "customObjectType",
            ),
            "custom_activity_types": _section(
                "The custom activity types this manifest manages, with their fields.",
                "customActivityType",
            ),
            "lead": {
                "description": "What the manifest manages of leads: their fields and the lead "
                "statuses, each a section of its own.",
                "$ref": "#/$defs/lead",
            },
            "contact": {
                "description": "What the manifest manages of contacts: their fields.",
                "$ref": "#/$defs/contact",
            },
            "opportunity": {
                "description": "What the manifest manages of opportunities: their fields and "
                "the pipelines with their statuses, each a section of its own.",
                "$ref": "#/$defs/opportunity",
            },
        },
        "$defs": {
            "name": {
                "description": "A name: a string that is not empty or blank.",
                "type": "string",
                "pattern": "\\S",
            },
            "names": {
                "description": "A list of names.",
                "type": "array",
                "items": {"$ref": "#/$defs/name"},
            },
            **{name: _object_def(name) for name in DEFS},
            "lead": _standard_object(
                "lead",
                {
                    "statuses": {
                        "description": "The organization's lead statuses, in order. The first "
                        "is the default status of new leads.",
                        "type": "array",
                        "default": [],
                        "items": lead_status,
                    }
                },
            ),
            "contact": _standard_object("contact", {}),
            "opportunity": _standard_object(
                "opportunity",
                {
                    "pipelines": _section(
                        "The organization's opportunity pipelines (their order is not "
                        "settable by the API and is not compared).",
                        "pipeline",
                    )
                },
            ),
        },
    }


def render() -> str:
    return json.dumps(manifest_schema(), indent=2, ensure_ascii=False) + "\n"


def schema_path() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(os.path.dirname(os.path.dirname(here)), "schemas", "manifest.schema.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the schema file")
    args = parser.parse_args(argv)
    if args.write:
        with open(schema_path(), "w", encoding="utf-8") as fh:
            fh.write(render())
    else:
        print(render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
