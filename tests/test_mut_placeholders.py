"""Placeholders filled in where an id belongs (schemasync/placeholders.py), found missing by
mutation testing: a path that names an object the same apply creates, an order list mixing new
and live fields, and the reference values that must pass through untouched."""

from __future__ import annotations

from typing import Any

from schemasync.model import Manifest
from schemasync.placeholders import fill_text, fill_value, placeholder, unfilled
from tests.orgs import Org, in_process_org, new_store
from tests.orgs import manifest_of as _manifest

NEW_TYPE = placeholder("custom_object_type", ("Account",))
NEW_FIELD = placeholder("custom_field", ("Account", "Status"))


def _converged(org: Org, manifest: Manifest) -> None:
    report = org.apply(manifest)
    assert report.ok, report.render()
    again = org.plan(manifest)
    assert not again.has_changes, [(op.action, op.address) for op in again.operations]


# -- the functions apply uses ----------------------------------------------------------------


def test_fill_text_fills_every_known_placeholder_of_a_path() -> None:
    path = f"/custom_field/shared/{NEW_FIELD}/association/custom_object_type/{NEW_TYPE}/"
    ids = {NEW_FIELD: "cf_1", NEW_TYPE: "cotype_2"}
    assert (
        fill_text(path, ids) == "/custom_field/shared/cf_1/association/custom_object_type/cotype_2/"
    )


def test_fill_text_leaves_unknown_placeholders_and_plain_paths_alone() -> None:
    path = f"/custom_field/shared/{NEW_FIELD}/association/lead/"
    assert fill_text(path, {NEW_TYPE: "cotype_2"}) == path
    assert fill_text("/custom_object_type/cotype_1/", {NEW_TYPE: "x"}) == (
        "/custom_object_type/cotype_1/"
    )


def test_unfilled_lists_the_placeholders_left_in_a_text() -> None:
    text = f"/custom_field/shared/{NEW_FIELD}/association/custom_object_type/{NEW_TYPE}/"
    assert unfilled(text) == [NEW_FIELD, NEW_TYPE]
    assert unfilled(fill_text(text, {NEW_FIELD: "cf_1"})) == [NEW_TYPE]
    assert unfilled("/custom_object_type/cotype_1/") == []


def test_fill_value_fills_ids_and_keeps_live_ids_and_other_values() -> None:
    ids = {NEW_FIELD: "cf_new"}
    assert fill_value(NEW_FIELD, ids) == "cf_new"
    assert fill_value("cf_live", ids) == "cf_live"  # a live id is sent as it is
    assert fill_value([{"id": NEW_FIELD}, {"id": "cf_live"}], ids) == [
        {"id": "cf_new"},
        {"id": "cf_live"},
    ]
    assert fill_value([NEW_FIELD, "cf_live"], ids) == ["cf_new", "cf_live"]
    # only a bare {"id": ...} entry is a reference; anything else is sent as written
    entry = {"id": NEW_FIELD, "name": NEW_FIELD}
    assert fill_value(entry, ids) == entry
    assert fill_value(None, ids) is None
    assert fill_value(3, ids) == 3


# -- applied to an emulated org ----------------------------------------------------------------


def test_a_new_field_before_a_live_one_is_created_on_the_live_type_and_ordered() -> None:
    """The create names the live type by its id; the reorder lists the new field (by the
    placeholder its create defines) before the live one (by its id)."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    store.add("custom_fields", custom_object_type_id=account["id"], name="Notes", type="text")
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - {name: Status, type: text}
      - {name: Notes, type: text}
"""
    )
    plan = org.plan(manifest)
    assert [(op.action, op.address) for op in plan.operations] == [
        ("create", "Account.Status"),
        ("reorder", "Account"),
    ]
    _converged(org, manifest)
    snap = org.store.snapshot()
    names = {f["id"]: f["name"] for f in snap["custom_fields"]}
    (live,) = snap["custom_object_types"]
    assert live["id"] == account["id"]
    assert [names[i] for i in live["field_order"]] == ["Status", "Notes"]


def test_a_new_shared_field_is_placed_by_the_id_its_create_returned() -> None:
    """The placement's path names the shared field the same apply creates."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
shared_fields:
  - {name: Tier, type: text}
custom_object_types:
  - name: Account
    name_plural: Accounts
    fields:
      - shared: Tier
lead:
  fields:
    - shared: Tier
"""
    )
    _converged(org, manifest)
    (tier,) = org.store.records["shared_fields"].values()
    placed: list[dict[str, Any]] = tier["associations"]
    assert sorted((a["object_type"], a.get("custom_object_type_id")) for a in placed) == [
        ("custom_object_type", account["id"]),
        ("lead", None),
    ]
