"""Replaces and the archived types a plan never creates (schemasync/engine/writes.py): the cases
mutation testing found untested."""

from __future__ import annotations

import pytest

from schemasync.errors import PlanError
from tests.orgs import in_process_org, new_store
from tests.orgs import manifest_of as _manifest


def test_a_status_type_change_is_refused_in_words_that_read_right() -> None:
    """`an opportunity status`, not `a opportunity status`; and the refusal says how to go on."""
    store = new_store()
    pipe = store.add("pipelines", name="Sales")
    store.add("opportunity_statuses", label="Active", type="active", pipeline_id=pipe["id"])
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
opportunity:
  pipelines:
    - name: Sales
      statuses:
        - {label: Active, type: won}
"""
    )
    with pytest.raises(PlanError) as info:
        org.plan(manifest)
    (problem,) = info.value.problems
    assert problem.path == "pipeline:Sales.Active"
    assert problem.message.startswith(
        "an opportunity status's type cannot change in place: the opportunity status is "
        "deleted and created again"
    )
    assert problem.message.endswith(
        "re-run with --allow-replace to plan this replace, or keep the old type"
    )
    plan = org.plan(manifest, allow_replace=True)
    assert [(op.action, op.address) for op in plan.operations] == [
        ("replace", "pipeline:Sales.Active")
    ]


def test_every_unlisted_archived_type_is_left_alone_and_the_others_planned() -> None:
    store = new_store()
    store.add("custom_object_types", name="Account", name_plural="Accounts")
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
custom_object_types:
  - {name: Account, name_plural: Accounts}
  - {name: Beta, name_plural: Betas, archived: true}
  - {name: Alpha, name_plural: Alphas, archived: true}
  - {name: Gamma, name_plural: Gammas}
"""
    )
    plan = org.plan(manifest)
    assert [(op.action, op.address) for op in plan.operations] == [("create", "Gamma")]
    assert [note.split(":")[0] for note in plan.notes] == ["Beta", "Alpha"]
    assert all("set `archived: false`, apply, then archive it" in n for n in plan.notes)
