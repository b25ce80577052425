"""Convergence as properties: after apply, plan is empty and the org equals the manifest;
after export, plan is empty. Runs against the emulator in-process over many random cases;
SCHEMASYNC_PROPERTY_EXAMPLES raises the count (the default run stays fast)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from schemasync.emulator import Store
from schemasync.emulator.behaviour import Behaviour
from schemasync.export import dump_yaml, export_manifest
from schemasync.kinds.base import Roles
from schemasync.manifest import load_manifest, load_manifest_text
from schemasync.model import Manifest, Obj
from schemasync.plan import Plan
from tests.orgs import Org, in_process_org, new_store
from tests.strategies import (
    SECTIONS,
    manifests,
    schema_documents,
    schema_successors,
    successors,
    unarchived,
)

EXAMPLES = int(os.environ.get("SCHEMASYNC_PROPERTY_EXAMPLES", "200"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _document(m: Manifest) -> dict:
    """What the org should look like for `m`, in export's shape (names, non-defaults)."""
    types = []
    for t in sorted(m.types, key=lambda t: t.name):
        d: dict = {"name": t.name, "name_plural": t.name_plural}
        if t.description is not None:
            d["description"] = t.description
        if t.api_create_only:
            d["api_create_only"] = True
        if t.editable_with_roles:
            d["editable_with_roles"] = sorted(t.editable_with_roles)
        fields = []
        for f in t.fields:
            fd: dict = {"name": f.name, "type": f.type}
            if f.type == "choices":
                fd["choices"] = list(f.choices or ())
            if f.type == "custom_object":
                fd["references"] = f.references
                if f.back_reference_is_visible:
                    fd["back_reference_is_visible"] = True
            if f.required:
                fd["required"] = True
            if f.accepts_multiple_values:
                fd["accepts_multiple_values"] = True
            if f.description is not None:
                fd["description"] = f.description
            if f.editable_with_roles:
                fd["editable_with_roles"] = sorted(f.editable_with_roles)
            fields.append(fd)
        if fields:
            d["fields"] = fields
        types.append(d)
    return {"version": 1, "custom_object_types": types}


def _sorted_roles(doc: dict) -> dict:
    """Role lists compare as sets (the API does not promise their order)."""
    for t in doc["custom_object_types"]:
        if "editable_with_roles" in t:
            t["editable_with_roles"] = sorted(t["editable_with_roles"])
        for f in t.get("fields", []):
            if "editable_with_roles" in f:
                f["editable_with_roles"] = sorted(f["editable_with_roles"])
    return doc


@SETTINGS
@given(data=st.data(), start=manifests(), prune=st.booleans())
def test_apply_converges(data: st.DataObject, start: Manifest, prune: bool) -> None:
    org = in_process_org()
    first = org.apply(start, prune=True, allow_replace=True)
    assert first.ok, first.render()
    assert not org.plan(start).has_changes

    desired = data.draw(successors(start))
    report = org.apply(desired, prune=prune, allow_replace=True)
    assert report.ok, report.render()
    again = org.plan(desired, prune=prune, allow_replace=True)
    assert not again.has_changes, [op.to_dict() for op in again.operations]

    # live == desired, for every type the manifest names
    live_doc = _sorted_roles(export_manifest(org.live()))
    names = {t.name for t in desired.types}
    managed = [t for t in live_doc["custom_object_types"] if t["name"] in names]
    if prune:
        assert live_doc["custom_object_types"] == _document(desired)["custom_object_types"]
    else:
        # unmanaged fields may remain on managed types; managed ones match exactly
        want_types = {t["name"]: t for t in _document(desired)["custom_object_types"]}
        for t in managed:
            want = want_types[t["name"]]
            wanted_names = [f["name"] for f in want.get("fields", [])]
            got = [f for f in t.get("fields", []) if f["name"] in wanted_names]
            assert got == want.get("fields", [])
            assert {k: v for k, v in t.items() if k != "fields"} == {
                k: v for k, v in want.items() if k != "fields"
            }


@SETTINGS
@given(start=manifests())
def test_export_then_plan_is_empty(start: Manifest, tmp_path_factory) -> None:
    org = in_process_org()
    assert org.apply(start, prune=True, allow_replace=True).ok
    path: Path = tmp_path_factory.mktemp("export") / "org.yaml"
    path.write_text(dump_yaml(export_manifest(org.live())), encoding="utf-8")
    exported = load_manifest(str(path))
    plan = org.plan(exported)
    assert not plan.has_changes, [op.to_dict() for op in plan.operations]
    assert not plan.unmanaged

    # ...and against an empty org the export recreates the same schema
    fresh = in_process_org()
    assert fresh.apply(exported).ok
    assert _sorted_roles(export_manifest(fresh.live())) == _sorted_roles(
        export_manifest(org.live())
    )


# -- the whole schema (design §8): every section, apply then plan, export then plan -------

# The whole-schema properties run fewer examples by default (each one builds a whole org);
# SCHEMASYNC_PROPERTY_EXAMPLES sets the count for these too.
WHOLE_EXAMPLES = int(os.environ.get("SCHEMASYNC_PROPERTY_EXAMPLES", "100"))
WHOLE_SETTINGS = settings(
    max_examples=WHOLE_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # no "explain" phase: on a failure it reruns every example many times over
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Sections exercised together: one group per issue, and all of them at once. A bug in one
# kind fails its own group (and "everything"), so the others keep reporting.
GROUPS = {
    "activities": ("custom_object_types", "custom_activity_types"),
    "standard": ("custom_object_types", "lead.fields", "contact.fields", "opportunity.fields"),
    "shared": (
        "shared_fields",
        "custom_object_types",
        "custom_activity_types",
        "lead.fields",
        "contact.fields",
        "opportunity.fields",
    ),
    "statuses": ("lead.statuses", "opportunity.pipelines"),
    "everything": SECTIONS,
}


def _build(org: Org, doc: dict) -> None:
    """Make an empty org hold `doc` (with --prune): a plan never creates an archived type, so
    the types are created unarchived first, then archived, as the plan's note says to."""
    for step in (unarchived(doc), doc):
        report = org.apply(_load(step, "start.yaml"), prune=True, allow_replace=True)
        assert report.ok, report.render()


def _load(doc: dict, name: str) -> Manifest:
    """A generated document through YAML and validation, as a user's file would go."""
    return load_manifest_text(dump_yaml(doc), name)


def _children(obj: Obj) -> list[Obj]:
    """An owner's fields and placements (or statuses) in manifest order."""
    return sorted((k for kids in obj.children.values() for k in kids), key=lambda k: k.seq)


def _values(obj: Obj) -> dict:
    out = {}
    for attr in obj.kind.attrs:
        value = obj.values[attr.key]
        if isinstance(attr.codec, Roles):
            value = sorted(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[attr.key] = value
    return out


def _view(m: Manifest, sections: list[str]) -> dict:
    """What a manifest says about each section, comparable across manifests: top-level
    objects by name, children in display order, role lists as sets."""
    view: dict = {}
    for kind_name, section in (
        ("shared_custom_field", "shared_fields"),
        ("custom_object_type", "custom_object_types"),
        ("custom_activity_type", "custom_activity_types"),
    ):
        if section in sections:
            view[section] = {
                o.name: {
                    "values": _values(o),
                    "fields": [(k.kind.name, k.name, _values(k)) for k in _children(o)],
                }
                for o in m.top(kind_name)
            }
    for obj in m.top("standard_object"):
        kids = _children(obj)
        if f"{obj.name}.fields" in sections:
            view[f"{obj.name}.fields"] = [
                (k.kind.name, k.name, _values(k)) for k in kids if k.kind.section == "fields"
            ]
        if obj.name == "lead" and "lead.statuses" in sections:
            view["lead.statuses"] = [
                (k.name, k.values["color"]) for k in kids if k.kind.name == "lead_status"
            ]
        if obj.name == "opportunity" and "opportunity.pipelines" in sections:
            view["opportunity.pipelines"] = {
                p.name: [(s.name, s.values["type"]) for s in _children(p)]
                for p in kids
                if p.kind.name == "pipeline"
            }
    for section in sections:  # a managed section with nothing in it
        view.setdefault(section, [] if section.endswith((".fields", ".statuses")) else {})
    return view


def _only_named(live: dict, want: dict) -> dict:
    """`live` cut down to what `want` names (an apply without --prune leaves the rest)."""
    out: dict = {}
    for section, wanted in want.items():
        got = live[section]
        if isinstance(wanted, dict):
            out[section] = {}
            for name, w in wanted.items():
                if name not in got:
                    continue
                g = got[name]
                if isinstance(w, list):  # a pipeline's statuses
                    labels = {s[0] for s in w}
                    out[section][name] = [s for s in g if s[0] in labels]
                else:
                    names = {(k, n) for k, n, _ in w["fields"]}
                    fields = [f for f in g["fields"] if (f[0], f[1]) in names]
                    out[section][name] = {"values": g["values"], "fields": fields}
        else:
            names = {e[:2] if len(e) == 3 else e[0] for e in wanted}
            out[section] = [e for e in got if (e[:2] if len(e) == 3 else e[0]) in names]
    return out


def _sections_state(store: Store, section: str) -> dict:
    """What the store holds for one section (the parts a plan of another section must never
    write): its records, orders and the placements on its objects."""
    snap = store.snapshot()

    def placements(object_type: str) -> list:
        return [
            (f["id"], a)
            for f in snap["shared_fields"]
            for a in f["associations"]
            if a["object_type"] == object_type
        ]

    if section == "shared_fields":
        return {
            "shared": [
                {k: v for k, v in f.items() if k != "associations"} for f in snap["shared_fields"]
            ]
        }
    if section == "custom_object_types":
        return {
            "types": snap["custom_object_types"],
            "fields": snap["custom_fields"],
            "placed": placements("custom_object_type"),
        }
    if section == "custom_activity_types":
        return {
            "types": snap["custom_activity_types"],
            "fields": snap["activity_fields"],
            "placed": placements("custom_activity_type"),
        }
    if section.endswith(".fields"):
        obj = section.split(".")[0]
        return {
            "fields": snap[f"{obj}_fields"],
            "order": snap["field_orders"][obj],
            "placed": placements(obj),
        }
    if section == "lead.statuses":
        return {
            "statuses": snap["lead_statuses"],
            "order": snap["organization"]["lead_status_order"],
        }
    return {"pipelines": snap["pipelines"], "statuses": snap["opportunity_statuses"]}


def _show(plan: Plan) -> list:
    return [(op.action, op.address, op.changes) for op in plan.operations]


@pytest.mark.parametrize("group", list(GROUPS))
@WHOLE_SETTINGS
@given(data=st.data())
def test_whole_schema_apply_converges(group: str, data: st.DataObject) -> None:
    """Property A over every kind: apply(start) to an empty org, then plan(start) is empty;
    apply(successor) with --allow-replace (renames, replaces, conversions, moves, reorders,
    removals, additions, sections dropped and added; random --prune), then plan(successor)
    is empty, every managed section equals the manifest, and the sections it does not manage
    were never written."""
    sections = GROUPS[group]
    start_doc = data.draw(schema_documents(sections), label="start")
    start = _load(start_doc, "start.yaml")
    reads = data.draw(st.integers(0, 3), label="conversion_reads")
    org = in_process_org(new_store(behaviour=Behaviour(conversion_reads=reads)))
    _build(org, start_doc)
    again = org.plan(start)
    assert not again.has_changes, _show(again)

    desired_doc = data.draw(schema_successors(start_doc, sections), label="successor")
    desired = _load(desired_doc, "successor.yaml")
    prune = data.draw(st.booleans(), label="prune")
    untouched = [s for s in SECTIONS if s not in desired.sections]
    before = {s: _sections_state(org.store, s) for s in untouched}
    report = org.apply(desired, prune=prune, allow_replace=True)
    assert report.ok, report.render()
    after = org.plan(desired, prune=prune, allow_replace=True)
    assert not after.has_changes, _show(after)
    assert {s: _sections_state(org.store, s) for s in untouched} == before

    managed = sorted(desired.sections)
    want = _view(desired, managed)
    exported = _load(export_manifest(org.everything()), "export.yaml")
    live = _view(exported, managed)
    assert (live if prune else _only_named(live, want)) == want


@pytest.mark.parametrize("group", list(GROUPS))
@WHOLE_SETTINGS
@given(data=st.data())
def test_whole_schema_export_then_plan_is_empty(group: str, data: st.DataObject) -> None:
    """Property B over every kind: an org's export, loaded back, plans no changes and lists
    nothing unmanaged against that org; applied to an empty org (its archived types first
    unarchived: a plan never creates an archived type) it gives the same export."""
    org = in_process_org()
    _build(org, data.draw(schema_documents(GROUPS[group]), label="start"))
    document = export_manifest(org.everything())
    text = dump_yaml(document)
    exported = load_manifest_text(text, "export.yaml")
    plan = org.plan(exported)
    assert not plan.has_changes, _show(plan)
    assert not plan.unmanaged, plan.unmanaged

    fresh = in_process_org()
    _build(fresh, document)
    assert dump_yaml(export_manifest(fresh.everything())) == text
