"""Lead statuses and pipelines (schemasync/engine/statuses.py): the cases mutation testing
found untested, planned against an emulated org."""

from __future__ import annotations

import pytest

from schemasync.errors import PlanError
from tests.orgs import Org, in_process_org, new_store
from tests.orgs import manifest_of as _manifest
from tests.orgs import ops_of as _ops


def _pipelines(*pipes: tuple[str, tuple[str, ...]]) -> Org:
    store = new_store()
    for name, labels in pipes:
        pipe = store.add("pipelines", name=name)
        for label in labels:
            store.add("opportunity_statuses", label=label, type="active", pipeline_id=pipe["id"])
    return in_process_org(store)


def test_only_the_first_lead_status_deleted_says_the_default_changes() -> None:
    store = new_store()
    for label in ("Potential", "Qualified", "Customer", "Bad Fit"):
        store.add("lead_statuses", label=label)
    org = in_process_org(store)
    manifest = _manifest(
        "version: 1\nlead:\n  statuses:\n    - label: Qualified\n    - label: Customer\n"
    )
    plan = org.plan(manifest, prune=True)
    reasons = {op.address: op.reason or "" for op in plan.operations}
    assert sorted(reasons) == ["status:Bad Fit", "status:Potential"]
    default = "the default status of new leads: it changes from 'Potential' to 'Qualified'"
    assert default in reasons["status:Potential"]
    assert "default status" not in reasons["status:Bad Fit"]
    report = org.apply(manifest, prune=True)
    assert report.ok
    assert not org.plan(manifest, prune=True).has_changes


def test_a_pruned_pipeline_ahead_of_a_managed_one_leaves_its_leftovers_planned() -> None:
    """Live pipelines Old (pruned) then Sales (managed, with a status the manifest drops):
    both are deleted, each status in its own step."""
    org = _pipelines(("Old", ("Dormant",)), ("Sales", ("Active", "Stale")))
    manifest = _manifest(
        """
version: 1
opportunity:
  pipelines:
    - name: Sales
      statuses:
        - {label: Active, type: active}
"""
    )
    plan = org.plan(manifest, prune=True)
    assert sorted(_ops(plan)) == [
        ("delete", "pipeline:Old"),
        ("delete", "pipeline:Old.Dormant"),
        ("delete", "pipeline:Sales.Stale"),
    ]
    assert org.apply(manifest, prune=True).ok
    assert not org.plan(manifest, prune=True).has_changes


def test_a_pruned_pipeline_whose_first_status_moves_away_deletes_the_rest() -> None:
    """Renewing moves from Renewals (pruned) to Sales: it is kept; Churned is deleted."""
    org = _pipelines(("Renewals", ("Renewing", "Churned")), ("Sales", ("Active",)))
    manifest = _manifest(
        """
version: 1
opportunity:
  pipelines:
    - name: Sales
      statuses:
        - {label: Active, type: active}
        - {label: Renewing, type: active}
"""
    )
    plan = org.plan(manifest, prune=True)
    assert sorted(_ops(plan)) == [
        ("delete", "pipeline:Renewals"),
        ("delete", "pipeline:Renewals.Churned"),
        ("update", "pipeline:Sales"),
    ]
    assert org.apply(manifest, prune=True).ok
    assert not org.plan(manifest, prune=True).has_changes


def test_two_live_pipelines_of_one_name_are_never_guessed_between() -> None:
    store = new_store()
    ids = []
    for label in ("Active", "Open"):
        pipe = store.add("pipelines", name="Sales")
        store.add("opportunity_statuses", label=label, type="active", pipeline_id=pipe["id"])
        ids.append(pipe["id"])
    org = in_process_org(store)
    manifest = _manifest(
        """
version: 1
opportunity:
  pipelines:
    - name: Sales
      statuses:
        - {label: Active, type: active}
"""
    )
    with pytest.raises(PlanError) as info:
        org.plan(manifest)
    (problem,) = [str(p) for p in info.value.problems]
    assert problem.startswith(
        "manifest.yaml:5:7: pipeline:Sales: 2 live pipelines are named 'Sales' ("
    )
    assert problem.endswith(
        "): rename or delete all but one in Close; schemasync never guesses which one you mean"
    )
    assert all(i in problem for i in ids)
