"""Shared fields and their placements (design §8, issue "Shared custom fields"), applied to an
emulated org: what the golden plan cases cannot show (the org after the apply, the next plan)."""

from __future__ import annotations

from typing import Any

import pytest

from schemasync.emulator import Store
from schemasync.errors import PlanError
from schemasync.model import Manifest
from tests.orgs import Org, in_process_org, new_store
from tests.orgs import manifest_of as _manifest
from tests.orgs import ops_of as _ops


def _roles(store: Store) -> dict[str, str]:
    return {r["name"]: r["id"] for r in store.roles.values()}


def _associations(store: Store, name: str) -> list[dict[str, Any]]:
    """The live associations of the shared field called `name`."""
    fields = [f for f in store.records["shared_fields"].values() if f["name"] == name]
    assert len(fields) == 1, fields
    return fields[0]["associations"]


def _converged(org: Org, manifest: Manifest, **options: Any) -> None:
    report = org.apply(manifest, **options)
    assert report.ok, report.render()
    again = org.plan(manifest, **options)
    assert not again.has_changes, _ops(again)


def _tier_org() -> tuple[Org, dict[str, Any], dict[str, Any]]:
    """Shared field Tier placed on type Account (required, a role), activity type Demo and
    leads."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    demo = store.add("custom_activity_types", name="Demo")
    tier = store.add("shared_fields", name="Tier", type="choices", choices=["Gold", "Silver"])
    store.associate(
        tier["id"],
        object_type="custom_object_type",
        custom_object_type_id=account["id"],
        required=True,
        editable_with_roles=[_roles(store)["Support"]],
    )
    store.associate(
        tier["id"], object_type="custom_activity_type", custom_activity_type_id=demo["id"]
    )
    store.associate(tier["id"], object_type="lead", editable_with_roles=["admin"])
    return in_process_org(store), account, demo


PLACED = """
version: 1
shared_fields:
  - name: {name}
    type: {type}
{extra}
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - shared: {name}
        required: true
        editable_with_roles: [Support]
custom_activity_types:
  - name: Demo
    fields:
      - shared: {name}
lead:
  fields:
    - shared: {name}
      editable_with_roles: [admin]
"""


def test_renaming_a_shared_field_keeps_its_placements() -> None:
    """A rename is a PUT of the shared field; its placements (which name it) stay where they
    are: no association is created or removed, no values are lost."""
    org, _account, _demo = _tier_org()
    before = _associations(org.store, "Tier")
    manifest = _manifest(
        PLACED.format(
            name="Level",
            type="choices",
            extra="    choices: [Gold, Silver]\n    renamed_from: [Tier]",
        )
    )
    plan = org.plan(manifest)
    assert [(op.action, op.address) for op in plan.operations] == [("update", "shared:Level")]
    assert plan.operations[0].changes == {"name": {"before": "Tier", "after": "Level"}}
    _converged(org, manifest)
    assert _associations(org.store, "Level") == before


@pytest.mark.parametrize("prune", [False, True], ids=["keep", "prune"])
def test_replacing_a_shared_field_recreates_every_placement(prune: bool) -> None:
    """A type change replaces the shared field; every placement the manifest lists is made
    again on the new one, with its own required and roles, on every kind of object. The old
    placements went with the old field: nothing is left to list as unmanaged or to delete."""
    org, account, demo = _tier_org()
    manifest = _manifest(PLACED.format(name="Tier", type="text", extra=""))
    plan = org.plan(manifest, allow_replace=True, prune=prune)
    assert sorted(_ops(plan)) == [
        ("create", "Account.Tier"),
        ("create", "activity:Demo.Tier"),
        ("create", "lead:Tier"),
        ("replace", "shared:Tier"),
    ]
    assert not plan.unmanaged, plan.unmanaged
    _converged(org, manifest, allow_replace=True, prune=prune)
    support = _roles(org.store)["Support"]
    assert sorted(_associations(org.store, "Tier"), key=lambda a: a["object_type"]) == [
        {
            "object_type": "custom_activity_type",
            "custom_activity_type_id": demo["id"],
            "required": False,
            "editable_with_roles": [],
        },
        {
            "object_type": "custom_object_type",
            "custom_object_type_id": account["id"],
            "required": True,
            "editable_with_roles": [support],
        },
        {"object_type": "lead", "required": False, "editable_with_roles": ["admin"]},
    ]


def test_a_shared_field_placed_on_an_unmanaged_section_is_never_replaced() -> None:
    """Replacing deletes the shared field, which destroys its placements on objects whose
    sections the manifest does not manage (and it cannot make them again): refused, like a
    delete, before any write."""
    org, _account, _demo = _tier_org()
    before = org.store.snapshot()
    manifest = _manifest("version: 1\nshared_fields:\n  - name: Tier\n    type: text\n")
    with pytest.raises(PlanError) as info:
        org.apply(manifest, allow_replace=True)
    text = str(info.value)
    assert "shared:Tier" in text and "lead" in text
    assert org.store.snapshot() == before


def test_protecting_a_placement_stops_its_removal() -> None:
    """`protect: [Account.Tier]` names the placement; a --prune plan that would remove it
    (an association DELETE, which destroys the values on every Account) is refused."""
    org, _account, _demo = _tier_org()
    manifest = _manifest(
        """
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
"""
    )
    plan = org.plan(manifest, prune=True)  # without protection it removes the placement
    assert [(op.action, op.address) for op in plan.operations] == [("delete", "Account.Tier")]
    for entry in ("Account.Tier", "shared:Tier"):
        with pytest.raises(PlanError) as info:
            org.plan(manifest, prune=True, protect=[entry])
        assert "Account.Tier" in str(info.value)


def test_a_pruned_type_referenced_by_an_unmanaged_shared_field_stops_the_plan() -> None:
    """The manifest places a live shared field (its section is not managed, but the plan reads
    it) and prunes custom object types: the shared field that references a pruned type is in
    a section the manifest does not manage, so the plan fails naming it instead of deleting
    it."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    store.add("custom_object_types", name="Resource", name_plural="Resources")
    owner = store.add("shared_fields", name="Owner", type="user")
    store.add(
        "shared_fields",
        name="Primary Account",
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
    fields:
      - shared: Owner
"""
    )
    with pytest.raises(PlanError) as info:
        org.plan(manifest, prune=True)
    assert "Primary Account" in str(info.value)
    assert org.store.records["shared_fields"][owner["id"]]["associations"] == []


def test_placements_on_every_kind_of_object_converge() -> None:
    """Create, then change required and roles, then remove with --prune, on a custom object
    type, an activity type, leads, contacts and opportunities."""
    store = new_store()
    store.add("custom_object_types", name="Account", name_plural="Accounts")
    store.add("custom_activity_types", name="Demo")
    org = in_process_org(store)
    everywhere = """
version: 1
shared_fields:
  - name: Owner
    type: user
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - shared: Owner
        required: {required}
        editable_with_roles: {roles}
custom_activity_types:
  - name: Demo
    fields:
      - shared: Owner
        required: {required}
lead:
  fields:
    - shared: Owner
      editable_with_roles: {roles}
contact:
  fields:
    - shared: Owner
opportunity:
  fields:
    - shared: Owner
      editable_with_roles: {roles}
"""
    _converged(org, _manifest(everywhere.format(required="true", roles="[]")))
    assert len(_associations(org.store, "Owner")) == 5
    _converged(org, _manifest(everywhere.format(required="false", roles="[admin, Support]")))
    support = _roles(org.store)["Support"]
    for a in _associations(org.store, "Owner"):
        assert a["required"] is False
        if a["object_type"] in ("custom_object_type", "lead", "opportunity"):
            assert sorted(a["editable_with_roles"]) == sorted(["admin", support])
    bare = """
version: 1
shared_fields:
  - name: Owner
    type: user
custom_object_types:
  - name: Account
    name_plural: Accounts
custom_activity_types:
  - name: Demo
lead:
  fields: []
contact:
  fields: []
opportunity:
  fields: []
"""
    _converged(org, _manifest(bare), prune=True)
    assert _associations(org.store, "Owner") == []


def test_pruning_types_whose_placed_shared_field_is_replaced() -> None:
    """--prune deletes two types that place a shared field the same plan replaces: the
    replace already removed those placements, so the plan never DELETEs them again (a 404
    that would stop the apply halfway)."""
    store = new_store()
    old = store.add("custom_activity_types", name="Old")
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    tier = store.add("shared_fields", name="Tier", type="text")
    store.associate(
        tier["id"], object_type="custom_activity_type", custom_activity_type_id=old["id"]
    )
    store.associate(
        tier["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
shared_fields:
  - name: Tier
    type: number
custom_activity_types: []
custom_object_types: []
"""
    )
    plan = org.plan(manifest, prune=True, allow_replace=True)
    assert sorted(_ops(plan)) == [
        ("delete", "Account"),
        ("delete", "activity:Old"),
        ("replace", "shared:Tier"),
    ]
    _converged(org, manifest, prune=True, allow_replace=True)
    assert _associations(org.store, "Tier") == []
