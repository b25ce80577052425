"""Convergence as properties: after apply, plan is empty and the org equals the manifest;
after export, plan is empty. Runs against the emulator in-process over many random cases;
SCHEMASYNC_PROPERTY_EXAMPLES raises the count (the default run stays fast)."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemasync.export import dump_yaml, export_manifest
from schemasync.manifest import load_manifest
from schemasync.model import Manifest
from tests.orgs import in_process_org
from tests.strategies import manifests, successors

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
