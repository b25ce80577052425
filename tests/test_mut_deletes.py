"""What --prune deletes and what it refuses to delete (schemasync/engine/deletes.py): the cases
mutation testing found untested. Each runs against an emulated org, in-process."""

from __future__ import annotations

from typing import Any

from schemasync.diff import compute_plan
from schemasync.emulator import Store
from tests.orgs import Org, in_process_org, new_store, plan_problems
from tests.orgs import manifest_of as _manifest
from tests.orgs import ops_of as _ops


def _refusals(org: Org, text: str) -> list[str]:
    return [p.message for p in plan_problems(org, text, prune=True)]


def _reference(store: Store, collection: str, name: str, target: str, **owner: Any) -> Any:
    return store.add(
        collection, name=name, type="custom_object", referenced_custom_type_id=target, **owner
    )


def test_only_referrers_outside_the_plan_are_named_when_a_pruned_type_is_referenced() -> None:
    """An activity field (section not managed) and a lead field (managed) reference a type
    --prune would delete: the plan fails naming the activity field alone; the lead field is
    one the plan may delete, so it is not a reason to refuse."""
    store = new_store()
    old = store.add("custom_object_types", name="Old", name_plural="Olds")
    demo = store.add("custom_activity_types", name="Demo")
    kept = _reference(
        store, "activity_fields", "Link", old["id"], custom_activity_type_id=demo["id"]
    )
    _reference(store, "lead_fields", "Account", old["id"])
    org = in_process_org(store)
    problems = _refusals(org, "version: 1\ncustom_object_types: []\nlead:\n  fields: []\n")
    assert len(problems) == 1, problems
    assert "cannot delete type 'Old'" in problems[0] and kept["id"] in problems[0]


def test_a_type_referenced_by_its_own_field_and_from_outside_is_refused() -> None:
    """The type's own field goes with it; the lead field outside the plan still blocks it."""
    store = new_store()
    old = store.add("custom_object_types", name="Old", name_plural="Olds")
    _reference(store, "custom_fields", "Parent", old["id"], custom_object_type_id=old["id"])
    outside = _reference(store, "lead_fields", "Account", old["id"])
    org = in_process_org(store)
    problems = _refusals(org, "version: 1\ncustom_object_types: []\n")
    assert len(problems) == 1, problems
    assert outside["id"] in problems[0] and "'Parent'" not in problems[0]


def test_a_pruned_type_with_a_self_reference_deletes_its_fields_in_order() -> None:
    """A field referencing its own type is deleted with the type's other fields, in the
    type's order, then the type: never as a referrer ahead of the others."""
    store = new_store()
    old = store.add("custom_object_types", name="Old", name_plural="Olds")
    store.add("custom_fields", custom_object_type_id=old["id"], name="Notes", type="text")
    _reference(store, "custom_fields", "Parent", old["id"], custom_object_type_id=old["id"])
    org = in_process_org(store)
    manifest = _manifest("version: 1\ncustom_object_types: []\n")
    plan = org.plan(manifest, prune=True)
    assert _ops(plan) == [("delete", "Old.Notes"), ("delete", "Old.Parent"), ("delete", "Old")]
    assert org.apply(manifest, prune=True).ok
    assert org.store.snapshot()["custom_object_types"] == []


def test_a_type_listed_without_back_references_can_be_pruned() -> None:
    """Close may list a type without `back_reference_fields`: nothing is known to reference
    it, and --prune deletes it."""
    store = new_store()
    store.add("custom_object_types", name="Old", name_plural="Olds")
    org = in_process_org(store)
    manifest = _manifest("version: 1\ncustom_object_types: []\n")
    live = org.live(manifest)
    live.back_references.clear()
    plan = compute_plan(manifest, live, prune=True)
    assert _ops(plan) == [("delete", "Old")]


def _placed_tier(*where: str) -> tuple[Org, dict[str, Any], dict[str, Any]]:
    """Shared field Tier placed on the standard objects `where` and on activity type Demo."""
    store = new_store()
    demo = store.add("custom_activity_types", name="Demo")
    tier = store.add("shared_fields", name="Tier", type="text")
    for object_type in where:
        store.associate(tier["id"], object_type=object_type)
    store.associate(
        tier["id"], object_type="custom_activity_type", custom_activity_type_id=demo["id"]
    )
    return in_process_org(store), tier, demo


def test_a_shared_field_on_an_unmanaged_opportunity_or_activity_type_is_not_deleted() -> None:
    """Placed on opportunities and on an activity type, neither managed (the activity types are
    not even read): the plan refuses, naming each place."""
    org, _tier, demo = _placed_tier("opportunity")
    # opportunity.pipelines is managed (the opportunity is read), opportunity.fields is not
    problems = _refusals(org, "version: 1\nshared_fields: []\nopportunity:\n  pipelines: []\n")
    assert len(problems) == 2, problems
    assert any("it is placed on opportunity, whose section" in p for p in problems), problems
    assert any(f"it is placed on {demo['id']}, whose section" in p for p in problems), problems


def test_a_shared_field_placed_only_on_managed_objects_is_pruned_with_its_placements() -> None:
    """Placed on contacts, opportunities and activity type Demo, all managed: --prune removes
    every placement, then the shared field."""
    org, _tier, _demo = _placed_tier("contact", "opportunity")
    manifest = _manifest(
        """
version: 1
shared_fields: []
contact:
  fields: []
opportunity:
  fields: []
custom_activity_types:
  - name: Demo
"""
    )
    plan = org.plan(manifest, prune=True)
    assert sorted(_ops(plan)) == [
        ("delete", "activity:Demo.Tier"),
        ("delete", "contact:Tier"),
        ("delete", "opportunity:Tier"),
        ("delete", "shared:Tier"),
    ]
    assert org.apply(manifest, prune=True).ok
    assert org.store.records["shared_fields"] == {}


def test_an_unmanaged_pipeline_is_listed_with_its_status_count() -> None:
    store = new_store()
    for name, labels in (("Sales", ("Active", "Won")), ("Solo", ("Open",))):
        pipe = store.add("pipelines", name=name)
        for label in labels:
            kind = "won" if label == "Won" else "active"
            store.add("opportunity_statuses", label=label, type=kind, pipeline_id=pipe["id"])
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
opportunity:
  pipelines:
    - name: Sales
      statuses:
        - {label: Active, type: active}
        - {label: Won, type: won}
"""
    )
    plan = org.plan(manifest)
    assert not plan.has_changes
    assert [(u.address, u.detail) for u in plan.unmanaged] == [("pipeline:Solo", "1 status")]
