"""The protect list (schemasync/engine/protect.py): the cases mutation testing found untested.
Plans are made in-process against an emulated org, with a protect list as an environment
gives it."""

from __future__ import annotations

from typing import Any

import pytest

from schemasync.diff import compute_plan
from schemasync.errors import PlanError
from schemasync.manifest import load_manifest_text
from schemasync.model import Manifest
from schemasync.plan import Plan
from tests.orgs import Org, in_process_org, new_store

ACCOUNT = """version: 1
custom_object_types:
  - name: {name}
    name_plural: {plural}
{renamed}    fields:
{fields}"""
STATUS = "      - {name: Status, type: text}\n"
NOTES = "      - {name: Notes, type: text}\n"
TIER = "      - shared: Tier\n"


def _org() -> Org:
    """Type Account with fields Status and Notes, and shared field Tier placed on it and on
    leads."""
    store = new_store()
    account = store.add("custom_object_types", name="Account", name_plural="Accounts")
    for name in ("Status", "Notes"):
        store.add("custom_fields", custom_object_type_id=account["id"], name=name, type="text")
    tier = store.add("shared_fields", name="Tier", type="text")
    store.associate(
        tier["id"], object_type="custom_object_type", custom_object_type_id=account["id"]
    )
    store.associate(tier["id"], object_type="lead")
    return in_process_org(store)


def _manifest(
    fields: str,
    *,
    name: str = "Account",
    plural: str = "Accounts",
    renamed: str = "",
    extra: str = "",
) -> Manifest:
    text = ACCOUNT.format(name=name, plural=plural, renamed=renamed, fields=fields) + extra
    return load_manifest_text(text, "manifest.yaml")


def _plan(org: Org, manifest: Manifest, protect: list[str], **options: Any) -> Plan:
    return compute_plan(manifest, org.live(manifest), protect=protect, **options)


def _refused(org: Org, manifest: Manifest, protect: list[str], **options: Any) -> list[str]:
    with pytest.raises(PlanError) as info:
        _plan(org, manifest, protect, **options)
    return [str(p) for p in info.value.problems]


def test_a_protected_field_keeps_its_type_from_being_pruned() -> None:
    """Deleting the type deletes its fields: both deletes are refused. Neither object is in
    the manifest, so neither problem has a line to point at."""
    org = _org()
    manifest = load_manifest_text("version: 1\ncustom_object_types: []\n", "manifest.yaml")
    problems = _refused(org, manifest, ["Account.Status"], prune=True)
    assert problems == [
        "<manifest>: Account: the plan would delete Account, which this environment protects "
        "('Account.Status' is in its protect list); nothing will be applied",
        "<manifest>: Account.Status: the plan would delete Account.Status, which this "
        "environment protects ('Account.Status' is in its protect list); nothing will be "
        "applied",
    ]


def test_a_refused_operation_is_located_at_its_object_in_the_manifest() -> None:
    org = _org()
    manifest = _manifest(STATUS + TIER)
    problems = _refused(org, manifest, ["Account.Notes"], prune=True)
    assert problems == [
        "manifest.yaml:3:5: Account.Notes: the plan would delete Account.Notes, which this "
        "environment protects ('Account.Notes' is in its protect list); nothing will be applied"
    ]


def test_a_misspelt_entry_is_reported_at_the_protect_list() -> None:
    org = _org()
    problems = _refused(org, _manifest(STATUS + NOTES + TIER), ["Acount"])
    assert problems == [
        "<manifest>: Acount: this protect entry names nothing in the org (this environment): "
        "check its spelling; a protect entry must name a live object"
    ]


def test_an_update_of_a_protected_object_is_allowed() -> None:
    """Protect forbids destroying, not changing: a new plural is planned."""
    org = _org()
    plan = _plan(org, _manifest(STATUS + NOTES + TIER, plural="Clients"), ["Account"])
    assert [(op.action, op.address) for op in plan.operations] == [("update", "Account")]


def test_the_new_name_of_a_renamed_type_protects_it_too() -> None:
    org = _org()
    manifest = _manifest(STATUS + TIER, name="Client", renamed="    renamed_from: [Account]\n")
    problems = _refused(org, manifest, ["Client"], prune=True)
    assert len(problems) == 1, problems
    assert "the plan would delete Client.Notes" in problems[0]
    assert "('Client' is in its protect list)" in problems[0]


@pytest.mark.parametrize("entry", ["Account.Tier", "lead:Tier"])
def test_a_protected_placement_stops_a_replace_of_its_shared_field(entry: str) -> None:
    """Replacing Tier deletes it with its values on Account and leads: protecting a placement
    (`Account.Tier`, `lead:Tier`) forbids it, though the placements are made again."""
    org = _org()
    manifest = _manifest(
        STATUS + NOTES + TIER,
        extra=(
            "shared_fields:\n  - {name: Tier, type: number}\nlead:\n  fields:\n    - shared: Tier\n"
        ),
    )
    problems = _refused(org, manifest, [entry], allow_replace=True)
    assert len(problems) == 1, problems
    assert "the plan would replace shared:Tier" in problems[0]
    assert f"({entry!r} is in its protect list)" in problems[0]
