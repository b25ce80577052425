"""Hypothesis strategies for manifests, shared by the property tests and the fuzzers."""

from __future__ import annotations

import copy
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


# -- whole-schema documents (design §8): every section, as plain manifest documents -------

SECTIONS = (
    "shared_fields",
    "custom_object_types",
    "custom_activity_types",
    "lead.fields",
    "contact.fields",
    "opportunity.fields",
    "lead.statuses",
    "opportunity.pipelines",
)
OBJECT_TYPE_NAMES = ["Account", "Resource", "on", "Ünïcode Type", "a.b"]
ACTIVITY_TYPE_NAMES = ["Demo", "Call Log", "yes", "Ünïcode Call"]
# Disjoint from FIELD_NAMES and STANDARD_FIELD_NAMES: a field and a placement never share a
# name on one object.
SHARED_NAMES = ["Shared Owner", "Tier", "Region", "no"]
STANDARD_FIELD_NAMES = ["Industry", "Segment", "Account", "x", "2024-01-01"]
STATUS_LABELS = ["Potential", "Qualified", "Customer", "Bad Fit", "on", "Ünï"]
PIPELINE_NAMES = ["Sales", "Renewals", "Partners"]
OPPORTUNITY_LABELS = ["Active", "Won", "Lost", "Renewing", "Churned", "yes"]
STATUS_TYPES = ["active", "won", "lost"]
STATUS_COLORS = [None, "blue", "gray", "green", "magenta", "orange", "purple", "teal", "yellow"]
# Where a field lives decides what it may have: `required` on custom object and activity
# fields only, `textarea` on activity fields only, no roles or back references on shared ones.
OBJECT, ACTIVITY, STANDARD, SHARED = "object", "activity", "standard", "shared"
_FIELD_NAMES_OF = {OBJECT: FIELD_NAMES, ACTIVITY: FIELD_NAMES, STANDARD: STANDARD_FIELD_NAMES}
_POOLS = {
    "shared_fields": SHARED_NAMES,
    "custom_object_types": OBJECT_TYPE_NAMES,
    "custom_activity_types": ACTIVITY_TYPE_NAMES,
}
_REFERENCE_KEYS = ("choices", "references", "back_reference_is_visible", "accepts_multiple_values")


def section_of(doc: dict[str, Any], section: str) -> list[Any] | None:
    """The list a document holds for a section (`lead.fields` is doc["lead"]["fields"])."""
    if "." in section:
        owner, key = section.split(".")
        mapping = doc.get(owner)
        return mapping.get(key) if isinstance(mapping, dict) else None
    return doc.get(section)


def managed_sections(doc: dict[str, Any]) -> list[str]:
    return [s for s in SECTIONS if section_of(doc, s) is not None]


def _set_section(doc: dict[str, Any], section: str, items: list[Any]) -> None:
    if "." in section:
        owner, key = section.split(".")
        doc.setdefault(owner, {})[key] = items
    else:
        doc[section] = items


@st.composite
def field_docs(draw: Any, name: str, where: str, type_names: list[str]) -> dict[str, Any]:
    """One regular field (or shared field definition) of a manifest document."""
    types = [*FIELD_TYPES, *(["textarea"] if where == ACTIVITY else [])]
    if not type_names:
        types.remove("custom_object")
    ftype = draw(st.sampled_from(types))
    d: dict[str, Any] = {"name": name, "type": ftype}
    if ftype == "choices":
        d["choices"] = draw(st.lists(st.sampled_from(CHOICES), min_size=1, max_size=3, unique=True))
    if ftype == "custom_object":
        d["references"] = draw(st.sampled_from(type_names))
        if where != SHARED and draw(st.booleans()):
            d["back_reference_is_visible"] = True
    if where in (OBJECT, ACTIVITY) and draw(st.booleans()):
        d["required"] = True
    if ftype in MULTI_VALUE_TYPES and draw(st.booleans()):
        d["accepts_multiple_values"] = True
    description = draw(st.sampled_from(DESCRIPTIONS))
    if description is not None:
        d["description"] = description
    if where != SHARED:
        chosen = draw(roles)
        if chosen:
            d["editable_with_roles"] = list(chosen)
    return d


@st.composite
def placement_docs(draw: Any, shared: str, where: str) -> dict[str, Any]:
    """A `- shared: NAME` entry; `required` only where Close has it."""
    d: dict[str, Any] = {"shared": shared}
    if where in (OBJECT, ACTIVITY) and draw(st.booleans()):
        d["required"] = True
    chosen = draw(roles)
    if chosen:
        d["editable_with_roles"] = list(chosen)
    return d


@st.composite
def field_lists(
    draw: Any, where: str, type_names: list[str], shared_names: list[str], max_fields: int
) -> list[dict[str, Any]]:
    """An object's fields and placements, mixed, in display order."""
    names = draw(
        st.lists(st.sampled_from(_FIELD_NAMES_OF[where]), max_size=max_fields, unique=True)
    )
    items = [draw(field_docs(n, where, type_names)) for n in names]
    if shared_names:
        placed = draw(st.lists(st.sampled_from(shared_names), max_size=2, unique=True))
        items += [draw(placement_docs(s, where)) for s in placed]
    return list(draw(st.permutations(items)))


def _flags(draw: Any, d: dict[str, Any]) -> dict[str, Any]:
    description = draw(st.sampled_from(DESCRIPTIONS))
    if description is not None:
        d["description"] = description
    if draw(st.booleans()):
        d["api_create_only"] = True
    chosen = draw(roles)
    if chosen:
        d["editable_with_roles"] = list(chosen)
    if draw(st.integers(0, 3)) == 0:
        d["archived"] = True
    return d


@st.composite
def lead_status_lists(draw: Any) -> list[Any]:
    labels = draw(st.lists(st.sampled_from(STATUS_LABELS), max_size=4, unique=True))
    out: list[Any] = []
    for label in labels:
        color = draw(st.sampled_from(STATUS_COLORS))
        out.append(
            label if color is None and draw(st.booleans()) else {"label": label, "color": color}
        )
    return out


@st.composite
def pipeline_lists(draw: Any) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(PIPELINE_NAMES), max_size=3, unique=True))
    labels = draw(st.lists(st.sampled_from(OPPORTUNITY_LABELS), max_size=5, unique=True))
    pipes: list[dict[str, Any]] = [{"name": n, "statuses": []} for n in names]
    for label in labels if pipes else []:
        pipe = draw(st.sampled_from(pipes))
        pipe["statuses"].append({"label": label, "type": draw(st.sampled_from(STATUS_TYPES))})
    return pipes


@st.composite
def schema_documents(
    draw: Any, sections: tuple[str, ...] = SECTIONS, max_objects: int = 3, max_fields: int = 3
) -> dict[str, Any]:
    """A whole-schema manifest document that an empty org can take (after `unarchived`: a
    plan never creates an archived type): a random subset of `sections` (an absent section
    is not managed), references to its own custom object types only, placements of its own
    shared fields only."""
    managed = [s for s in sections if draw(st.booleans())]
    doc: dict[str, Any] = {"version": 1}
    type_names: list[str] = []
    if "custom_object_types" in managed:
        type_names = draw(
            st.lists(st.sampled_from(OBJECT_TYPE_NAMES), max_size=max_objects, unique=True)
        )
    shared_names: list[str] = []
    if "shared_fields" in managed:
        shared_names = draw(st.lists(st.sampled_from(SHARED_NAMES), max_size=3, unique=True))
        doc["shared_fields"] = [draw(field_docs(n, SHARED, type_names)) for n in shared_names]
    if "custom_object_types" in managed:
        doc["custom_object_types"] = [
            _flags(
                draw, {"name": n, "name_plural": draw(st.sampled_from([n + "s", "Items", "on"]))}
            )
            | {"fields": draw(field_lists(OBJECT, type_names, shared_names, max_fields))}
            for n in type_names
        ]
    if "custom_activity_types" in managed:
        names = draw(
            st.lists(st.sampled_from(ACTIVITY_TYPE_NAMES), max_size=max_objects, unique=True)
        )
        doc["custom_activity_types"] = [
            _flags(draw, {"name": n})
            | {"fields": draw(field_lists(ACTIVITY, type_names, shared_names, max_fields))}
            for n in names
        ]
    for obj in ("lead", "contact", "opportunity"):
        if f"{obj}.fields" in managed:
            fields = draw(field_lists(STANDARD, type_names, shared_names, max_fields))
            _set_section(doc, f"{obj}.fields", fields)
    if "lead.statuses" in managed:
        _set_section(doc, "lead.statuses", draw(lead_status_lists()))
    if "opportunity.pipelines" in managed:
        _set_section(doc, "opportunity.pipelines", draw(pipeline_lists()))
    return doc


# -- successors: what a later manifest makes of an org that `before` built ----------------


def _name(item: Any, key: str) -> str:
    return str(item[key]) if isinstance(item, dict) else str(item)


def _evolve(
    draw: Any, old: list[Any], new: list[Any], key: str, edit: Any, pool: list[str] | None = None
) -> tuple[list[Any], dict[str, str]]:
    """Keep (edited), rename (to an unused name of `pool`, with renamed_from) or drop each old
    object, add the new ones whose names are free, maybe reorder; returns the list and
    old name -> new name."""
    old_names = {_name(o, key) for o in old}
    used: set[str] = set()
    renamed: dict[str, str] = {}
    out: list[Any] = []
    for o in old:
        action = draw(
            st.sampled_from(["keep", "keep", "rename", "drop"] if pool else ["keep", "drop"])
        )
        if action == "keep":
            out.append(edit(o))
            used.add(_name(o, key))
        elif action == "rename":
            free = [n for n in pool or () if n not in old_names and n not in used]
            if not free:
                continue
            name = draw(st.sampled_from(free))
            r = edit(o)
            r = dict(r) if isinstance(r, dict) else {key: r}
            r[key] = name
            r["renamed_from"] = [_name(o, key)]
            renamed[_name(o, key)] = name
            used.add(name)
            out.append(r)
    for n in new:
        name = _name(n, key)
        if name not in used and name not in renamed:
            out.append(n)
            used.add(name)
    if draw(st.booleans()):
        out = list(draw(st.permutations(out)))
    return out, renamed


def _edit_field(draw: Any, f: dict[str, Any], where: str, type_names: list[str]) -> dict[str, Any]:
    """The same field with attributes changed in place, or (sometimes) a new type."""
    if "shared" in f:
        return draw(placement_docs(f["shared"], where)) if draw(st.booleans()) else f
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return f
    if choice == 1:  # a type change: a conversion on lead/contact/opportunity, else a replace
        return draw(field_docs(f["name"], where, type_names))
    g = dict(f)
    description = draw(st.sampled_from(DESCRIPTIONS))
    g.pop("description", None)
    if description is not None:
        g["description"] = description
    if where != SHARED:
        g.pop("editable_with_roles", None)
        chosen = draw(roles)
        if chosen:
            g["editable_with_roles"] = list(chosen)
    if where in (OBJECT, ACTIVITY):
        g["required"] = draw(st.booleans())
    if g["type"] == "choices":
        g["choices"] = draw(st.lists(st.sampled_from(CHOICES), min_size=1, max_size=3, unique=True))
    if g["type"] in MULTI_VALUE_TYPES:
        g["accepts_multiple_values"] = draw(st.booleans())
    if g["type"] == "custom_object" and where != SHARED:
        g["back_reference_is_visible"] = draw(st.booleans())
    return g


def _evolve_fields(
    draw: Any, old: list[Any], new: list[Any], where: str, type_names: list[str]
) -> list[Any]:
    """Fields by name (renames too) and placements by shared field (no renames), mixed."""
    edit = lambda f: _edit_field(draw, f, where, type_names)  # noqa: E731
    regular, _ = _evolve(
        draw,
        [f for f in old if "name" in f],
        [f for f in new if "name" in f],
        "name",
        edit,
        _FIELD_NAMES_OF[where],
    )
    placed, _ = _evolve(
        draw,
        [f for f in old if "shared" in f],
        [f for f in new if "shared" in f],
        "shared",
        edit,
    )
    return list(draw(st.permutations(regular + placed)))


def _edit_owner(
    draw: Any, o: dict[str, Any], fresh: dict[str, Any], where: str, types: list[str]
) -> dict[str, Any]:
    g = {k: v for k, v in o.items() if k not in ("renamed_from",)}
    if draw(st.booleans()):  # new attributes (name_plural, description, flags, archived)
        g = {k: v for k, v in fresh.items() if k != "fields"} | {"name": o["name"]}
        if "name_plural" in o and "name_plural" not in g:
            g["name_plural"] = o["name_plural"]
    g["fields"] = _evolve_fields(draw, o.get("fields", []), fresh.get("fields", []), where, types)
    return g


@st.composite
def schema_successors(
    draw: Any, before: dict[str, Any], sections: tuple[str, ...] = SECTIONS
) -> dict[str, Any]:
    """A manifest document that changes what `before` built: renames (renamed_from) of every
    kind that has them, edits, type changes (replaces, and conversions on lead, contact and
    opportunity fields), status moves between pipelines and type changes, reorders, removals,
    additions, sections that stop (or start) being managed. It stays applicable with
    --allow-replace: references and placements point at what exists, and what an unmanaged
    section still uses (a referenced type, a placed shared field) is kept."""
    before = copy.deepcopy(before)  # edits below must never change the caller's document
    fresh = draw(schema_documents(sections))
    was = managed_sections(before)
    now = [
        s
        for s in sections
        if (s in was and draw(st.integers(0, 5)) > 0)
        or (s not in was and section_of(fresh, s) is not None)
    ]
    doc: dict[str, Any] = {"version": 1}
    type_renames: dict[str, str] = {}
    shared_renames: dict[str, str] = {}
    old_types = [t["name"] for t in section_of(before, "custom_object_types") or []]
    new_types = [t["name"] for t in section_of(fresh, "custom_object_types") or []]
    types_now = list(dict.fromkeys(old_types + new_types))

    def evolve_section(section: str, where: str, key: str = "name") -> dict[str, str]:
        old = section_of(before, section) or []
        new = section_of(fresh, section) or []
        fresh_by_name = {_name(n, key): n for n in new}
        if where == SHARED:
            edit = lambda f: _edit_field(draw, f, SHARED, types_now)  # noqa: E731
        else:
            edit = lambda o: _edit_owner(  # noqa: E731
                draw, o, fresh_by_name.get(o["name"], {"fields": []}), where, types_now
            )
        items, renamed = _evolve(draw, old, new, key, edit, _POOLS[section])
        _set_section(doc, section, items)
        return renamed

    if "shared_fields" in now:
        shared_renames = evolve_section("shared_fields", SHARED)
    if "custom_object_types" in now:
        type_renames = evolve_section("custom_object_types", OBJECT)
    if "custom_activity_types" in now:
        evolve_section("custom_activity_types", ACTIVITY)
    for obj in ("lead", "contact", "opportunity"):
        section = f"{obj}.fields"
        if section in now:
            old = section_of(before, section) or []
            new = section_of(fresh, section) or []
            _set_section(doc, section, _evolve_fields(draw, old, new, STANDARD, types_now))
    if "lead.statuses" in now:
        old = section_of(before, "lead.statuses") or []
        new = section_of(fresh, "lead.statuses") or []
        edit = lambda s: _edit_status_color(draw, s)  # noqa: E731
        items, _ = _evolve(draw, old, new, "label", edit, STATUS_LABELS)
        _set_section(doc, "lead.statuses", items)
    if "opportunity.pipelines" in now:
        _set_section(doc, "opportunity.pipelines", _evolve_pipelines(draw, before, fresh))
    _make_applicable(doc, before, type_renames, shared_renames)
    return doc


def _edit_status_color(draw: Any, s: Any) -> Any:
    label = _name(s, "label")
    if not draw(st.booleans()):
        return s
    color = draw(st.sampled_from(STATUS_COLORS))
    return {"label": label, "color": color}


def _evolve_pipelines(draw: Any, before: dict[str, Any], fresh: dict[str, Any]) -> list[Any]:
    """Pipelines by name (renames too); their statuses by label across all pipelines, so a
    kept status may land in another pipeline (a move), change type (a replace) or rename."""
    old = section_of(before, "opportunity.pipelines") or []
    new = section_of(fresh, "opportunity.pipelines") or []
    pipes, _ = _evolve(
        draw, old, new, "name", lambda p: {"name": p["name"], "statuses": []}, PIPELINE_NAMES
    )
    pipes = [{k: v for k, v in p.items() if k != "statuses"} | {"statuses": []} for p in pipes]
    old_statuses = [s for p in old for s in p["statuses"]]
    new_statuses = [s for p in new for s in p["statuses"]]

    def edit(s: dict[str, Any]) -> dict[str, Any]:
        if draw(st.integers(0, 3)) == 0:
            return {"label": s["label"], "type": draw(st.sampled_from(STATUS_TYPES))}
        return {"label": s["label"], "type": s["type"]}

    statuses, _ = _evolve(draw, old_statuses, new_statuses, "label", edit, OPPORTUNITY_LABELS)
    for s in statuses if pipes else []:
        draw(st.sampled_from(pipes))["statuses"].append(s)
    return pipes


def _fields_of(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every field and placement of a document, with the section it is in."""
    out: list[tuple[str, dict[str, Any]]] = []
    for f in section_of(doc, "shared_fields") or []:
        out.append(("shared_fields", f))
    for section in ("custom_object_types", "custom_activity_types"):
        for owner in section_of(doc, section) or []:
            out += [(section, f) for f in owner.get("fields", [])]
    for obj in ("lead", "contact", "opportunity"):
        out += [(f"{obj}.fields", f) for f in section_of(doc, f"{obj}.fields") or []]
    return out


def _placed_on(doc: dict[str, Any], shared: str) -> list[str]:
    """The sections of `doc` whose objects place the shared field `shared`."""
    return [s for s, f in _fields_of(doc) if f.get("shared") == shared]


def _make_applicable(
    doc: dict[str, Any],
    before: dict[str, Any],
    type_renames: dict[str, str],
    shared_renames: dict[str, str],
) -> None:
    """Fix up a successor so that a plan of it can succeed: what sections it no longer
    manages still use stays (unchanged where a change would replace it), references follow
    renames and point at existing types, placements at existing shared fields."""
    now = set(managed_sections(doc))
    gone = [s for s in managed_sections(before) if s not in now]
    # Shared fields placed on objects of sections this document does not manage: kept as they
    # are (a delete or replace would destroy those placements), and so are the types they
    # reference.
    needed = {f["references"] for s, f in _fields_of(before) if s in gone and f.get("references")}
    if "shared_fields" in now:
        by_name = {f["name"]: f for f in doc["shared_fields"]}
        renamed_to = {old: f for f in doc["shared_fields"] for old in f.get("renamed_from", [])}
        for old in section_of(before, "shared_fields") or []:
            if not any(s in gone for s in _placed_on(before, old["name"])):
                continue
            mine = by_name.get(old["name"]) or renamed_to.get(old["name"])
            if mine is None:
                doc["shared_fields"].append(dict(old))
            else:
                values = {k: v for k, v in old.items() if k in ("type", *_REFERENCE_KEYS)}
                for key in ("type", *_REFERENCE_KEYS):
                    mine.pop(key, None)
                mine.update(values)
            if old.get("references"):
                needed.add(old["references"])
    # Types that fields of unmanaged sections (or kept shared fields) reference: kept.
    if "custom_object_types" in now:
        have = {t["name"] for t in doc["custom_object_types"]}
        have |= {old for t in doc["custom_object_types"] for old in t.get("renamed_from", [])}
        for t in section_of(before, "custom_object_types") or []:
            if t["name"] in needed and t["name"] not in have:
                kept = {k: v for k, v in t.items() if k != "renamed_from"}
                doc["custom_object_types"].append({**kept, "fields": []})
    # A plan never creates an archived type (Close may not list archived types): a type the
    # org does not have yet starts unarchived.
    for section in ("custom_object_types", "custom_activity_types"):
        existing = {t["name"] for t in section_of(before, section) or []}
        for t in section_of(doc, section) or []:
            if t["name"] not in existing and not set(t.get("renamed_from", [])) & existing:
                t.pop("archived", None)
    # References follow renames and point at a type that exists.
    if "custom_object_types" in now:
        allowed = [t["name"] for t in doc["custom_object_types"]]
    else:
        allowed = [t["name"] for t in section_of(before, "custom_object_types") or []]
    for _section, f in _fields_of(doc):
        ref = f.get("references")
        if ref is None:
            continue
        ref = type_renames.get(ref, ref)
        if ref in allowed:
            f["references"] = ref
        elif allowed:
            f["references"] = allowed[0]
        else:
            for key in _REFERENCE_KEYS:
                f.pop(key, None)
            f["type"] = "text"
    # Placements follow renames and name a shared field that exists; one per shared field.
    if "shared_fields" in now:
        shared = {f["name"] for f in doc["shared_fields"]}
    else:
        shared = {f["name"] for f in section_of(before, "shared_fields") or []}
    for owner_fields in _owner_field_lists(doc):
        seen: set[str] = set()
        keep = []
        for f in owner_fields:
            if "shared" in f:
                f["shared"] = shared_renames.get(f["shared"], f["shared"])
                if f["shared"] not in shared or f["shared"] in seen:
                    continue
                seen.add(f["shared"])
            keep.append(f)
        owner_fields[:] = keep


def unarchived(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with every type unarchived: what to apply first to an org that does not
    have its archived types yet (a plan never creates an archived type)."""
    out = copy.deepcopy(doc)
    for section in ("custom_object_types", "custom_activity_types"):
        for t in section_of(out, section) or []:
            t.pop("archived", None)
    return out


def _owner_field_lists(doc: dict[str, Any]) -> list[list[dict[str, Any]]]:
    lists = [
        owner.setdefault("fields", [])
        for section in ("custom_object_types", "custom_activity_types")
        for owner in section_of(doc, section) or []
    ]
    for obj in ("lead", "contact", "opportunity"):
        fields = section_of(doc, f"{obj}.fields")
        if fields is not None:
            lists.append(fields)
    return lists
