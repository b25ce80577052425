"""Lead, contact and opportunity fields, and the custom object types they reference (design
§8, issue "Lead, contact and opportunity custom fields"), applied to an emulated org."""

from __future__ import annotations

from typing import Any

import pytest

from schemasync.apply import apply_plan
from schemasync.emulator.behaviour import Behaviour
from schemasync.errors import PlanError
from schemasync.model import Manifest
from tests.orgs import Org, in_process_org, new_store
from tests.orgs import manifest_of as _manifest
from tests.orgs import ops_of as _ops


def _converged(org: Org, manifest: Manifest, **options: Any) -> None:
    report = org.apply(manifest, **options)
    assert report.ok, report.render()
    again = org.plan(manifest, **options)
    assert not again.has_changes, _ops(again)


def test_a_conversion_is_applied_in_place_and_waited_for() -> None:
    """A type change on lead/contact/opportunity fields keeps the field (and its id); apply
    waits, with progress, while Close converts, and only then goes on (Close refuses writes
    to a converting field: the reorder after it would fail)."""
    store = new_store(behaviour=Behaviour(conversion_reads=3))
    industry = store.add("lead_fields", name="Industry", type="text")
    store.add("lead_fields", name="Segment", type="text")
    age = store.add("contact_fields", name="Age", type="text")
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
lead:
  fields:
    - name: Segment
      type: text
    - name: Industry
      type: choices
      choices: [SaaS, Retail]
contact:
  fields:
    - name: Age
      type: number
"""
    )
    with pytest.raises(PlanError):
        org.plan(manifest)  # a conversion may lose values: --allow-replace only
    plan = org.plan(manifest, allow_replace=True)
    assert [op.address for op in plan.operations if op.converts] == ["lead:Industry", "contact:Age"]
    said: list[str] = []
    slept: list[float] = []
    report = apply_plan(plan, org.client, progress=said.append, sleep=slept.append)
    assert report.ok, report.render()
    assert slept, "apply did not wait for the conversion"
    assert any("Industry" in line and "convert" in line for line in said), said
    fields = {f["name"]: f for f in org.store.snapshot()["lead_fields"]}
    assert fields["Industry"]["id"] == industry["id"]
    assert fields["Industry"]["type"] == "choices"
    assert fields["Industry"]["choices"] == ["SaaS", "Retail"]
    contact = org.store.snapshot()["contact_fields"][0]
    assert (contact["id"], contact["type"]) == (age["id"], "number")
    again = org.plan(manifest, allow_replace=True)
    assert not again.has_changes, _ops(again)


def test_a_field_order_lists_only_fields_when_the_object_has_none_yet() -> None:
    """A lead (or opportunity) with no fields but with statuses (pipelines): the field order
    PUT that follows the creates names fields and placements only."""
    store = new_store()
    store.add("lead_statuses", label="Potential")
    pipe = store.add("pipelines", name="Sales")
    store.add("opportunity_statuses", label="Won", type="won", pipeline_id=pipe["id"])
    store.add("shared_fields", name="Owner", type="user")
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
lead:
  fields:
    - shared: Owner
    - name: Industry
      type: text
  statuses: [Potential]
opportunity:
  fields:
    - shared: Owner
    - name: Band
      type: number
  pipelines:
    - name: Sales
      statuses:
        - {label: Won, type: won}
"""
    )
    plan = org.plan(manifest)
    status_ids = {s["id"] for s in store.snapshot()["lead_statuses"]}
    status_ids |= {s["id"] for s in store.snapshot()["opportunity_statuses"]}
    status_ids.add(pipe["id"])
    for op in plan.operations:
        if op.action == "reorder" and op.kind == "standard_object":
            listed = {e["id"] for e in (op.body or {})["fields"]}
            assert not listed & status_ids, (op.address, listed)
    _converged(org, manifest)


def test_a_referrer_of_a_pruned_type_is_deleted_once() -> None:
    """A lead field that references a type --prune deletes, in a section the manifest
    manages, is deleted once (first), then the type."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    store.add(
        "lead_fields", name="Account", type="custom_object", referenced_custom_type_id=account["id"]
    )
    org = in_process_org(store)
    manifest = _manifest("version: 1\ncustom_object_types: []\nlead:\n  fields: []\n")
    plan = org.plan(manifest, prune=True)
    assert _ops(plan) == [("delete", "lead:Account"), ("delete", "Account")]
    _converged(org, manifest, prune=True)


def test_a_field_pointed_away_from_a_pruned_type_is_replaced_not_deleted() -> None:
    """The manifest keeps the opportunity field but points it at another type, and prunes
    the type it referenced: the field is replaced (once), never also deleted."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    store.add(
        "opportunity_fields",
        name="Link",
        type="custom_object",
        referenced_custom_type_id=account["id"],
    )
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
custom_object_types:
  - name: Resource
    name_plural: Resources
opportunity:
  fields:
    - name: Link
      type: custom_object
      references: Resource
"""
    )
    plan = org.plan(manifest, prune=True, allow_replace=True)
    assert sorted(_ops(plan)) == [
        ("create", "Resource"),
        ("delete", "Account"),
        ("replace", "opportunity:Link"),
    ]
    _converged(org, manifest, prune=True, allow_replace=True)


def test_a_type_referenced_from_an_unmanaged_section_is_never_deleted() -> None:
    """Pruning custom object types while a lead field (whose section the manifest does not
    manage) references one: the plan fails naming the field, and nothing is written."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    field = store.add(
        "lead_fields", name="Account", type="custom_object", referenced_custom_type_id=account["id"]
    )
    org = in_process_org(store)
    before = store.snapshot()
    with pytest.raises(PlanError) as info:
        org.apply(_manifest("version: 1\ncustom_object_types: []\n"), prune=True)
    assert field["id"] in str(info.value) and "Account" in str(info.value)
    assert org.store.snapshot() == before


def test_lead_fields_reference_a_type_created_by_the_same_apply() -> None:
    store = new_store()
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
lead:
  fields:
    - name: Account
      type: custom_object
      references: Account
      back_reference_is_visible: true
contact:
  fields:
    - name: Employer
      type: custom_object
      references: Account
"""
    )
    _converged(org, manifest)
    snap = org.store.snapshot()
    type_id = snap["custom_object_types"][0]["id"]
    assert snap["lead_fields"][0]["referenced_custom_type_id"] == type_id
    assert snap["contact_fields"][0]["referenced_custom_type_id"] == type_id
