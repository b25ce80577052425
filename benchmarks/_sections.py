"""Synthetic orgs for the sections beyond custom object types (design §8), and their manifests.

Each builder seeds an emulator Store through its own seeding calls (`Store.add`,
`Store.associate`: the same checks as the API's POSTs), deterministically from a seed:

    activity_store(types, fields)   custom activity types with `fields` fields each
    standard_store(n)               n fields on each of lead, contact and opportunity
    shared_store(n)                 n shared fields, each placed on 5 objects: lead, contact,
                                    opportunity, the custom object type "Account" and the
                                    activity type "Call Review" (which have 5 own fields each)
    status_store(lead, pipelines, per_pipeline)
                                    lead statuses, and pipelines with their statuses
    whole_store(scale)              all of the above at once (a whole org)

Field types cycle through every type the object allows; `custom_object` fields reference the
custom object type "Account" (so a lead field pointing at a custom object is in every org).

The manifest of a case is the org exported (`export_manifest`) for the case's sections, then
changed by `changed()`: about 10% of the objects (descriptions, renames with `renamed_from`,
left-out fields that stay unmanaged, new fields, reorders, placement `required` flips, status
colours, renames, moves and new statuses). A plan of it has realistic work to do.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schemasync.emulator import Store
from schemasync.sections import SECTIONS

REGULAR_TYPES = ("text", "number", "date", "datetime", "choices", "user", "contact", "hidden")
STANDARD_OBJECTS = ("lead", "contact", "opportunity")


def _field_body(k: int, roles: list[str], account: str | None, activity: bool) -> dict[str, Any]:
    cycle = (*REGULAR_TYPES, *(("textarea",) if activity else ()))
    kind = cycle[k % len(cycle)]
    if account is not None and k % 23 == 22:
        kind = "custom_object"
    body: dict[str, Any] = {"name": f"Field {k:04d}", "type": kind}
    if k % 4 == 0:
        body["description"] = f"Field {k}"
    if kind == "choices":
        body["choices"] = [f"Choice {c}" for c in range(3 + k % 4)]
    if kind in ("user", "choices", "contact") and k % 3 == 0:
        body["accepts_multiple_values"] = True
    if kind == "custom_object":
        body["referenced_custom_type_id"] = account
        body["back_reference_is_visible"] = k % 2 == 0
    if k % 5 == 0 and roles:
        body["editable_with_roles"] = [roles[0]]
    return body


def _base(seed: int) -> tuple[Store, list[str], str]:
    """A store with the custom roles and the custom object type "Account" (3 own fields)."""
    store = Store(seed=seed)
    roles = [store.add_role(name)["id"] for name in ("Support", "Account Managers")]
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")["id"]
    for k in range(3):
        body = _field_body(k, roles, None, activity=False)
        store.add("custom_fields", custom_object_type_id=account, required=k == 0, **body)
    return store, roles, account


def _add_activity_types(
    store: Store, roles: list[str], account: str, n: int, fields: int, first: str | None = None
) -> list[str]:
    """n activity types of `fields` fields each (the first named `first` when given)."""
    ids = []
    for j in range(n):
        t = store.add(
            "custom_activity_types",
            name=first if first and j == 0 else f"Activity {j:04d}",
            description=f"The {j}th activity type" if j % 3 == 0 else None,
            editable_with_roles=[roles[1]] if j % 4 == 0 else [],
        )
        ids.append(t["id"])
        for k in range(fields):
            body = _field_body(j + k, roles, account, activity=True)
            body["name"] = f"Field {k:04d}"
            store.add(
                "activity_fields", custom_activity_type_id=t["id"], required=k % 7 == 0, **body
            )
    return ids


def _add_standard(store: Store, roles: list[str], account: str, n: int) -> None:
    for obj in STANDARD_OBJECTS:
        for k in range(n):
            store.add(f"{obj}_fields", **_field_body(k, roles, account, activity=False))


def _add_statuses(store: Store, n_lead: int, n_pipelines: int, per_pipeline: int) -> None:
    colors = ("blue", "green", "gray", "orange", "purple", None)
    for i in range(n_lead):
        body: dict[str, Any] = {"label": f"Lead status {i:03d}"}
        color = colors[i % len(colors)]
        if color:
            body["color"] = color
        store.add("lead_statuses", body)
    types = ("active", "active", "won", "lost")
    for p in range(n_pipelines):
        pipe = store.add("pipelines", name=f"Pipeline {p:03d}")
        for s in range(per_pipeline):
            store.add(
                "opportunity_statuses",
                label=f"P{p:03d} status {s:02d}",
                type=types[s % len(types)] if s < per_pipeline - 2 else types[2 + s % 2],
                pipeline_id=pipe["id"],
            )


def activity_store(n_types: int, n_fields: int, seed: int = 11) -> Store:
    store, roles, account = _base(seed)
    _add_activity_types(store, roles, account, n_types, n_fields)
    return store


def standard_store(n_fields: int, seed: int = 12) -> Store:
    store, roles, account = _base(seed)
    _add_standard(store, roles, account, n_fields)
    return store


def _add_shared(store: Store, roles: list[str], account: str, activity: str, n: int) -> None:
    for k in range(n):
        body = _field_body(k, roles, account, activity=False)
        body.pop("editable_with_roles", None)  # a shared field's roles are per placement
        body["name"] = f"Shared {k:04d}"
        shared = store.add("shared_fields", **body)
        for obj in STANDARD_OBJECTS:
            store.associate(shared["id"], object_type=obj)
        store.associate(
            shared["id"],
            object_type="custom_object_type",
            custom_object_type_id=account,
            required=k % 4 == 0,
            editable_with_roles=[roles[0]] if k % 5 == 0 else [],
        )
        store.associate(
            shared["id"],
            object_type="custom_activity_type",
            custom_activity_type_id=activity,
            required=k % 6 == 0,
        )


def shared_store(n_shared: int, seed: int = 13) -> Store:
    store, roles, account = _base(seed)
    (activity,) = _add_activity_types(store, roles, account, 1, 5, first="Call Review")
    _add_standard(store, roles, account, 5)
    _add_shared(store, roles, account, activity, n_shared)
    return store


def status_store(n_lead: int, n_pipelines: int, per_pipeline: int, seed: int = 14) -> Store:
    store, _roles, _account = _base(seed)
    _add_statuses(store, n_lead, n_pipelines, per_pipeline)
    return store


def whole_store(scale: int, seed: int = 15) -> Store:
    """Every section: scale x (10 activity types x 10 fields, 50 fields on each standard object,
    20 shared fields on 5 objects, 10 lead statuses, 2 pipelines x 6 statuses)."""
    store, roles, account = _base(seed)
    activities = _add_activity_types(store, roles, account, 10 * scale, 10, first="Call Review")
    _add_standard(store, roles, account, 50 * scale)
    _add_shared(store, roles, account, activities[0], 20 * scale)
    _add_statuses(store, 10 * scale, 2 * scale, 6)
    return store


# -- manifests ----------------------------------------------------------------------------------


def changed(doc: dict[str, Any]) -> dict[str, Any]:
    """An exported document with about 10% of its objects changed (see the module docstring).
    Nothing here needs --prune or --allow-replace; left-out objects stay unmanaged."""
    doc = copy.deepcopy(doc)
    g = 0  # a counter over every field entry, as in _org.py
    renamed: dict[str, str] = {}  # shared fields: old name -> new name
    for i, shared in enumerate(doc.get("shared_fields", [])):
        if i % 20 == 3:
            shared["description"] = f"Changed shared {i}"
        if i % 100 == 13:
            renamed[shared["name"]] = shared["name"] + " (renamed)"
            shared["renamed_from"] = [shared["name"]]
            shared["name"] += " (renamed)"

    def fields(entries: list[Any], j: int) -> list[Any]:
        nonlocal g
        out = []
        for entry in entries:
            g += 1
            if "shared" in entry:
                entry["shared"] = renamed.get(entry["shared"], entry["shared"])
                if g % 50 == 7 and "required" in entry:
                    entry["required"] = not entry["required"]
                out.append(entry)
                continue
            if g % 100 == 11:
                continue  # left out: unmanaged
            if g % 20 == 3:
                entry["description"] = f"Changed description {g}"
            if g % 100 == 13:
                entry["renamed_from"] = [entry["name"]]
                entry["name"] += " (renamed)"
            out.append(entry)
        if j % 10 == 1:
            out.append({"name": "Added field", "type": "text", "description": "new"})
        if j % 40 == 3 and len(out) >= 2:
            out[0], out[1] = out[1], out[0]
        return out

    for section in ("custom_object_types", "custom_activity_types"):
        for j, owner in enumerate(doc.get(section, [])):
            if "fields" in owner:
                owner["fields"] = fields(owner["fields"], j)
            if j % 25 == 2:
                owner["description"] = f"{owner['name']}, described anew"
    for j, obj in enumerate(STANDARD_OBJECTS):
        part = doc.get(obj) or {}
        if "fields" in part:
            part["fields"] = fields(part["fields"], 1 if obj == "opportunity" else 3 + j)
    statuses = (doc.get("lead") or {}).get("statuses")
    if statuses:
        for i, status in enumerate(statuses):
            if i % 10 == 4 and isinstance(status, dict):
                status["color"] = "yellow"
            if i % 50 == 5:
                label = status["label"] if isinstance(status, dict) else status
                statuses[i] = {"label": f"{label} (renamed)", "renamed_from": [label]}
        if len(statuses) > 3:
            statuses[1], statuses[2] = statuses[2], statuses[1]
        statuses.append("New lead status")
    pipelines = (doc.get("opportunity") or {}).get("pipelines") or []
    for p, pipe in enumerate(pipelines):
        if p % 10 == 1:
            pipe["statuses"].append({"label": f"New status {p}", "type": "active"})
        if p % 10 == 2:
            pipe["renamed_from"] = [pipe["name"]]
            pipe["name"] += " (renamed)"
        if p % 10 == 3 and len(pipe["statuses"]) > 2:
            pipe["statuses"][0], pipe["statuses"][1] = pipe["statuses"][1], pipe["statuses"][0]
    if len(pipelines) > 5:  # a status moves to the next pipeline (a pipeline PUT)
        moved = pipelines[4]["statuses"].pop(0)
        pipelines[5]["statuses"].append(moved)
    return doc


def exported(store: Store, sections: tuple[str, ...]) -> dict[str, Any]:
    """The org as `schemasync export --section ...` writes it (read in-process; the whole org
    is read, then only `sections` are written)."""
    from _org import KEY, in_process_client, read_everything

    from schemasync.emulator import EmulatorApp
    from schemasync.export import export_manifest

    with in_process_client(EmulatorApp(store, api_keys={KEY})) as client:
        return export_manifest(read_everything(client), sections)


# The cases: name -> (what the org has, its sections, the store builder for two sizes).
SECTIONS_OF = {
    "custom objects": ("custom_object_types",),
    "activity types": ("custom_activity_types",),
    "lead/contact/opportunity fields": ("lead.fields", "contact.fields", "opportunity.fields"),
    "shared fields": (
        "shared_fields",
        "custom_object_types",
        "custom_activity_types",
        "lead.fields",
        "contact.fields",
        "opportunity.fields",
    ),
    "statuses and pipelines": ("lead.statuses", "opportunity.pipelines"),
    "whole org": SECTIONS,
}


@dataclass(frozen=True)
class Case:
    """One org of one section at one size, and the manifest a plan of it uses."""

    section: str  # a key of SECTIONS_OF
    size: str  # e.g. "200 types x 25 fields"
    build: Callable[[], Store]
    objects: int  # what grows: fields, shared fields or statuses in the org
    document: Callable[[Store], dict[str, Any]] | None = None  # default: exported, changed()

    @property
    def name(self) -> str:
        return f"{self.section}, {self.size}"

    def manifest_document(self, store: Store) -> dict[str, Any]:
        if self.document is not None:
            return self.document(store)
        return changed(exported(store, SECTIONS_OF[self.section]))


def _custom_objects(n_types: int, n_fields: int) -> Case:
    from _org import build_document, build_store

    return Case(
        "custom objects",
        f"{n_types} types x {n_fields} fields",
        lambda: build_store(n_types, n_fields),
        n_types * n_fields,
        lambda _store: build_document(n_types, n_fields),
    )


def cases(big: bool = True) -> list[Case]:
    """Two sizes of each section (the bigger ones are the issues' figures); `big=False`: the
    small sizes only."""
    out = [
        _custom_objects(50, 10),
        _custom_objects(200, 25),
        Case("activity types", "50 types x 25 fields", lambda: activity_store(50, 25), 1250),
        Case("activity types", "200 types x 25 fields", lambda: activity_store(200, 25), 5000),
        Case(
            "lead/contact/opportunity fields",
            "250 fields on each",
            lambda: standard_store(250),
            750,
        ),
        Case(
            "lead/contact/opportunity fields",
            "1,000 fields on each",
            lambda: standard_store(1000),
            3000,
        ),
        Case("shared fields", "100 shared x 5 placements", lambda: shared_store(100), 100),
        Case("shared fields", "500 shared x 5 placements", lambda: shared_store(500), 500),
        Case(
            "statuses and pipelines",
            "20 lead statuses, 5 pipelines x 8",
            lambda: status_store(20, 5, 8),
            60,
        ),
        Case(
            "statuses and pipelines",
            "250 lead statuses, 50 pipelines x 10",
            lambda: status_store(250, 50, 10),
            750,
        ),
        Case("whole org", "scale 1", lambda: whole_store(1), 100 + 150 + 20 + 22),
        Case("whole org", "scale 4", lambda: whole_store(4), 4 * (100 + 150 + 20 + 22)),
    ]
    return out if big else out[::2]
